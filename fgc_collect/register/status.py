"""Where every LA stands: pure functions from the register's rows to the status table, its JSON
(docs/cli-contract.md), its text, and the chaser list for a mail merge."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fgc_collect.register.records import Decision, QuarantineEntry, Version

NOT_RECEIVED = "not received"
ERRORS = "errors"
WARNINGS = "warnings"
VALID = "valid"
ACCEPTED = "accepted"
REJECTED = "rejected"
STATES = (NOT_RECEIVED, ERRORS, WARNINGS, VALID, ACCEPTED, REJECTED)
# Who the chaser email goes to: nothing usable received yet, or the council must resend.
CHASE_STATES = (NOT_RECEIVED, ERRORS, REJECTED)

CHASER_COLUMNS = (
    "la_code", "la_name", "region_name", "state", "versions", "last_received", "outstanding_rules", "last_sender",
)


@dataclass(frozen=True)
class LaStatus:
    la_code: str
    la_name: str
    region_name: str
    state: str
    versions: int  # distinct files (by content) held for the LA
    last_received: str | None
    outstanding_rules: tuple[str, ...]
    latest_version: int | None
    accepted_version: int | None  # the version that feeds the published tables, if any
    last_sender: str | None  # the address the latest version came from (evidence; for the chaser)

    def to_json(self) -> dict:
        return {
            "la_code": self.la_code,
            "la_name": self.la_name,
            "region_name": self.region_name,
            "state": self.state,
            "versions": self.versions,
            "last_received": self.last_received,
            "outstanding_rules": list(self.outstanding_rules),
            "latest_version": self.latest_version,
            "accepted_version": self.accepted_version,
        }


def effective_decisions(decisions: Iterable[Decision]) -> dict[int, Decision]:
    """Each version's standing decision: the last one made on it (the log is append-only)."""
    standing: dict[int, Decision] = {}
    for decision in sorted(decisions, key=lambda d: d.id):
        standing[decision.version_id] = decision
    return standing


def accepted_version_ids(decisions: Iterable[Decision]) -> dict[str, int]:
    """LA code -> the version that feeds the published tables: the most recently accepted version
    that has not been rejected since. Accepting a newer version supersedes an older one; rejecting
    it later puts the older accepted one back."""
    standing = effective_decisions(decisions)
    chosen: dict[str, tuple[int, int]] = {}  # la -> (decision id, version id)
    for version_id, decision in standing.items():
        if decision.decision != "accept":
            continue
        best = chosen.get(decision.la_code)
        if best is None or decision.id > best[0]:
            chosen[decision.la_code] = (decision.id, version_id)
    return {la: version_id for la, (_, version_id) in chosen.items()}


def compute_status(
    las: Sequence, versions: Sequence[Version], decisions: Sequence[Decision],
    rules_by_version: Mapping[int, Sequence[str]],
) -> list[LaStatus]:
    """One row per LA, in the reference order. The state is the latest version's: the
    coordinator's standing decision on it if any, else its validation result."""
    by_la: dict[str, list[Version]] = {}
    for version in versions:
        by_la.setdefault(version.la_code, []).append(version)
    standing = effective_decisions(decisions)
    accepted = accepted_version_ids(decisions)
    version_no = {version.id: version.version_no for version in versions}
    rows = []
    for la in las:
        held = sorted(by_la.get(la.code, []), key=lambda v: v.version_no)
        if not held:
            rows.append(LaStatus(la.code, la.name, la.region_name, NOT_RECEIVED, 0, None, (), None, None, None))
            continue
        latest = held[-1]
        decision = standing.get(latest.id)
        if decision is not None:
            state = ACCEPTED if decision.decision == "accept" else REJECTED
        else:
            state = latest.validation
        outstanding = () if state == ACCEPTED else tuple(sorted(set(rules_by_version.get(latest.id, ()))))
        rows.append(
            LaStatus(
                la.code, la.name, la.region_name, state,
                versions=len({version.sha256 for version in held}),
                last_received=max(version.received_at for version in held),
                outstanding_rules=outstanding,
                latest_version=latest.version_no,
                accepted_version=version_no.get(accepted[la.code]) if la.code in accepted else None,
                last_sender=latest.sender,
            )
        )
    return rows


def status_json(store: str, rows: Sequence[LaStatus], quarantine: Sequence[QuarantineEntry] = ()) -> dict:
    return {
        "store": store,
        "las": [row.to_json() for row in rows],
        "quarantine": [entry.to_json() for entry in quarantine],
    }


def state_counts(rows: Sequence[LaStatus]) -> dict[str, int]:
    return {state: sum(1 for row in rows if row.state == state) for state in STATES}


def format_status(rows: Sequence[LaStatus], quarantine: Sequence[QuarantineEntry] = (), store: str = "") -> str:
    """The status table for a terminal: a summary line, one line per LA, then the quarantine."""
    counts = state_counts(rows)
    lines = []
    if store:
        lines.append(f"Register: {store}")
    lines.append(
        f"{len(rows)} LAs: " + ", ".join(f"{counts[state]} {state}" for state in STATES)
        + f"; {len(quarantine)} file{'s' if len(quarantine) != 1 else ''} in quarantine."
    )
    name_width = max((len(row.la_name) for row in rows), default=10)
    lines.append(f"{'LA code':<10} {'LA':<{name_width}} {'state':<12} {'vers':>4}  {'last received':<25} {'accepted':<8} outstanding rules")
    for row in rows:
        accepted = f"v{row.accepted_version}" if row.accepted_version else "-"
        lines.append(
            f"{row.la_code:<10} {row.la_name:<{name_width}} {row.state:<12} {row.versions:>4}  "
            f"{row.last_received or '-':<25} {accepted:<8} {' '.join(row.outstanding_rules) or '-'}"
        )
    if quarantine:
        lines.append("")
        lines.append("Quarantine (files kept but not tied to an LA):")
        for entry in quarantine:
            lines.append(f"  {entry.source} [{entry.sha256[:12]}], received {entry.received_at}: {entry.reason}")
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A CSV cell that Excel or a mail merge will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def chaser_rows(rows: Sequence[LaStatus]) -> list[LaStatus]:
    return [row for row in rows if row.state in CHASE_STATES]


def chaser_csv(rows: Sequence[LaStatus]) -> str:
    """The LAs to chase (not received, errors, rejected) as CSV for a mail merge."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHASER_COLUMNS)
    for row in chaser_rows(rows):
        writer.writerow([_cell(value) for value in (
            row.la_code, row.la_name, row.region_name, row.state, row.versions, row.last_received,
            " ".join(row.outstanding_rules), row.last_sender,
        )])
    return out.getvalue()
