"""Where every LA stands: pure functions from the register's rows to the status table, its JSON
(docs/cli-contract.md), its text, and the chaser list for a mail merge.

Which version an LA means is that of its latest sending that counts (a receipt): normally its
newest version, or an earlier one it sent again. A sending from an address not known for the LA
does not count until the coordinator confirms it (fgc_collect.register.senders)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fgc_collect.register.records import Contact, Decision, QuarantineEntry, Receipt, Version
from fgc_collect.register.senders import address, counts, known_senders

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
    "contact_name", "contact_email", "outstanding_problems",
)
# The summary line's words for each state (a count of LAs comes before them).
STATE_WORDS = {NOT_RECEIVED: "not received", ERRORS: "with errors", WARNINGS: "with warnings", VALID: "valid",
               ACCEPTED: "accepted", REJECTED: "rejected"}


def plural(count: int, word: str) -> str:
    from fgc_collect.report import _plural

    return _plural(count, word)


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
    held: tuple[HeldVersion, ...] = ()  # sent from an address not known for the LA: await confirmation
    resent_version: int | None = None  # the LA sent this earlier version again as its latest word
    sender_known: bool | None = None  # whether last_sender is a known sender of the LA (None: no sender)
    contact_name: str | None = None  # whom to write to (the chaser list)
    contact_email: str | None = None

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
            "last_sender": self.last_sender,
            "sender_known": self.sender_known,
            "resent_version": self.resent_version,
            "held": [held.to_json() for held in self.held],
        }


@dataclass(frozen=True)
class HeldVersion:
    """A version emailed from an address not known for its LA: stored, not counted until confirmed."""

    version: int
    sender: str | None
    received_at: str
    file: str

    def to_json(self) -> dict:
        return {"version": self.version, "sender": self.sender, "received_at": self.received_at, "file": self.file}


@dataclass(frozen=True)
class Standing:
    """Where one LA's sendings leave it."""

    meant: Version | None  # the version the LA means: that of its latest sending that counts
    counted: tuple[Receipt, ...]  # its sendings that count, oldest first
    held: tuple[Version, ...]  # versions none of whose sendings count (and not rejected)
    known: frozenset[str] = field(default_factory=frozenset)  # its known senders

    @property
    def resent(self) -> bool:
        """Whether the LA's latest word is an earlier version sent again."""
        newest = max((receipt.version_id for receipt in self.counted), default=None)
        return self.meant is not None and newest is not None and self.meant.id != newest


def receipts_of(versions: Sequence[Version]) -> list[Receipt]:
    """One receipt per version, in version order: what a register without receipts implies."""
    ordered = sorted(versions, key=lambda v: (v.la_code, v.version_no))
    return [Receipt(number, v.id, v.la_code, v.file_name, v.source, v.container_sha256, v.sender, None,
                    v.received_at, v.ingested_at, v.ingested_by) for number, v in enumerate(ordered, start=1)]


def la_standing(la_code: str, versions: Sequence[Version], receipts: Sequence[Receipt] | None,
                decisions: Sequence[Decision], contacts: Sequence[Contact] = (), known: set[str] | None = None) -> Standing:
    """Which version the LA means, its sendings that count, and its versions held for the coordinator.
    Versions' ids grow with their numbers, and receipts' ids with the order they arrived in.
    `known`: the LA's known senders when the versions given are not all it has sent (one year's)."""
    held = [version for version in versions if version.la_code == la_code]
    if receipts is None:
        receipts = receipts_of(held)
    if known is None:
        known = known_senders(la_code, contacts, held, decisions)
    mine = sorted((receipt for receipt in receipts if receipt.la_code == la_code), key=lambda r: r.id)
    counted = tuple(receipt for receipt in mine if counts(receipt.sender_check, receipt.sender, known))
    by_id = {version.id: version for version in held}
    meant = by_id.get(counted[-1].version_id) if counted else None
    standing = effective_decisions(decisions)
    counted_ids = {receipt.version_id for receipt in counted}
    waiting = tuple(
        version for version in sorted(held, key=lambda v: v.version_no)
        if version.id not in counted_ids and not (version.id in standing and standing[version.id].decision == "reject")
    )
    return Standing(meant, counted, waiting, frozenset(known))


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
    rules_by_version: Mapping[int, Sequence[str]], receipts: Sequence[Receipt] | None = None,
    contacts: Sequence[Contact] = (), accepted_elsewhere: Sequence[tuple[str, str | None]] = (),
) -> list[LaStatus]:
    """One row per LA, in the reference order. The state is that of the version the LA means (its
    latest sending that counts): the coordinator's standing decision on it if any, else its
    validation result. Without `receipts`, each version was sent once, in order.
    accepted_elsewhere: (LA code, sender) of versions accepted in other years: known senders too."""
    by_la: dict[str, list[Version]] = {}
    for version in versions:
        by_la.setdefault(version.la_code, []).append(version)
    receipts_by_la: dict[str, list[Receipt]] = {}
    for receipt in receipts if receipts is not None else receipts_of(versions):
        receipts_by_la.setdefault(receipt.la_code, []).append(receipt)
    contacts_by_la: dict[str, list[Contact]] = {}
    for contact in contacts:
        contacts_by_la.setdefault(contact.la_code, []).append(contact)
    known_elsewhere: dict[str, set[str]] = {}
    for code, sender in accepted_elsewhere:
        if address(sender):
            known_elsewhere.setdefault(code, set()).add(address(sender))
    standing = effective_decisions(decisions)
    accepted = accepted_version_ids(decisions)
    version_no = {version.id: version.version_no for version in versions}
    rows = []
    for la in las:
        held = sorted(by_la.get(la.code, []), key=lambda v: v.version_no)
        mine = contacts_by_la.get(la.code, ())
        known = known_senders(la.code, mine, held, decisions) | known_elsewhere.get(la.code, set())
        here = la_standing(la.code, held, receipts_by_la.get(la.code, []), decisions, mine, known)
        waiting = tuple(HeldVersion(v.version_no, _first_sender(v, receipts_by_la.get(la.code, [])), v.received_at, v.file_name)
                        for v in here.held)
        contact_name, contact_email = _contact(here, contacts_by_la.get(la.code, ()))
        latest = here.meant
        if latest is None:
            rows.append(LaStatus(la.code, la.name, la.region_name, NOT_RECEIVED, len({v.sha256 for v in held}), None, (),
                                 None, None, None, held=waiting, contact_name=contact_name, contact_email=contact_email))
            continue
        decision = standing.get(latest.id)
        if decision is not None:
            state = ACCEPTED if decision.decision == "accept" else REJECTED
        else:
            state = latest.validation
        outstanding = () if state == ACCEPTED else tuple(sorted(set(rules_by_version.get(latest.id, ()))))
        last = here.counted[-1]
        rows.append(
            LaStatus(
                la.code, la.name, la.region_name, state,
                versions=len({version.sha256 for version in held}),
                last_received=max(receipt.received_at for receipt in here.counted),
                outstanding_rules=outstanding,
                latest_version=latest.version_no,
                accepted_version=version_no.get(accepted[la.code]) if la.code in accepted else None,
                last_sender=last.sender,
                held=waiting,
                resent_version=latest.version_no if here.resent else None,
                sender_known=None if address(last.sender) is None else address(last.sender) in here.known,
                contact_name=contact_name,
                contact_email=contact_email,
            )
        )
    return rows


def _first_sender(version: Version, receipts: Sequence[Receipt]) -> str | None:
    first = min((receipt for receipt in receipts if receipt.version_id == version.id), key=lambda r: r.id, default=None)
    return first.sender if first is not None else version.sender


def _contact(here: Standing, contacts: Sequence[Contact]) -> tuple[str | None, str | None]:
    """(name, address) to chase the LA at: who sent the version it means, else its contacts file
    entry, else whoever sent its earlier returns (latest first). Never an address held as unknown."""
    names = {contact.email: contact.name for contact in contacts}
    candidates = [here.counted[-1].sender] if here.counted else []
    candidates += [contact.email for contact in contacts]
    candidates += [receipt.sender for receipt in reversed(here.counted)]
    for candidate in candidates:
        email = address(candidate)
        if email:
            return names.get(email), email
    return None, None


def status_json(store: str, rows: Sequence[LaStatus], quarantine: Sequence[QuarantineEntry] = (),
                year: str | None = None) -> dict:
    document = {
        "store": store,
        "las": [row.to_json() for row in rows],
        "quarantine": [entry.to_json() for entry in quarantine],
    }
    if year is not None:
        document["year"] = year  # the collection year of `las` (the quarantine is not per year)
    return document


def state_counts(rows: Sequence[LaStatus]) -> dict[str, int]:
    return {state: sum(1 for row in rows if row.state == state) for state in STATES}


def format_status(rows: Sequence[LaStatus], quarantine: Sequence[QuarantineEntry] = (), store: str = "",
                  year: str | None = None, years: Sequence[str] = ()) -> str:
    """The status table for a terminal: a summary line, one line per LA, then the quarantine, the
    returns held for the coordinator to confirm, earlier versions sent again, and senders not yet
    known for their LA."""
    counts = state_counts(rows)
    held = [(row, version) for row in rows for version in row.held]
    lines = []
    if store or year:
        others = [held for held in years if held != year]
        of_year = (f"{year}" + (f" (the register also holds {', '.join(others)}: --year YYYY-YY)" if others else "")) if year else ""
        lines.append(f"Register: {store}; year {of_year}" if store and year else f"Register: {store}" if store else f"Year: {of_year}")
    lines.append(
        f"{len(rows)} LAs: " + ", ".join(f"{counts[state]} {STATE_WORDS[state]}" for state in STATES)
        + f"; {plural(len(quarantine), 'file')} in quarantine"
        + (f"; {plural(len(held), 'return')} held for you to confirm" if held else "") + "."
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
    if held:
        lines.append("")
        lines.append("Held for you to confirm (emailed from an address not known for the LA; not counted until you accept it):")
        for row, version in held:
            lines.append(f"  {row.la_name} ({row.la_code}) version {version.version}, {version.file}, received "
                         f"{version.received_at} from {version.sender}: to confirm it, "
                         f"fgc-collect accept {row.la_code} --version {version.version} --note ...")
    resent = [row for row in rows if row.resent_version is not None]
    if resent:
        lines.append("")
        lines.append("Sent again (the council's latest word is an earlier version; its state is that version's):")
        for row in resent:
            lines.append(f"  {row.la_name} ({row.la_code}) sent version {row.resent_version} again on {row.last_received}.")
    unknown = [row for row in rows if row.sender_known is False and row.state != ACCEPTED]
    if unknown:
        lines.append("")
        lines.append("From senders not yet known for the LA (no contacts file entry, none of its returns accepted): "
                     "check the address before you accept:")
        for row in unknown:
            lines.append(f"  {row.la_name} ({row.la_code}) version {row.latest_version} from {row.last_sender}")
    return "\n".join(lines)


def chaser_rows(rows: Sequence[LaStatus]) -> list[LaStatus]:
    return [row for row in rows if row.state in CHASE_STATES]


def problems_in_words(issues: Sequence) -> str:
    """A version's issues for a council to read: each rule once, with its title and where
    ("FGC101 The categories add up to their total (error: B3, C4)"), errors first. Titles, not
    messages: a message may quote what the council typed."""
    from fgc_collect.validate.catalogue import RULE_DOCS

    by_rule: dict[str, list] = {}
    for issue in sorted(issues, key=lambda issue: issue.severity != "error"):
        by_rule.setdefault(issue.rule, []).append(issue)
    parts = []
    for rule, found in by_rule.items():
        title = RULE_DOCS[rule][0] if rule in RULE_DOCS else _child_rule_title(rule)
        places = list(dict.fromkeys(issue.item or issue.cell for issue in found if issue.item or issue.cell))
        where = f": {', '.join(places)}" if places else ""
        parts.append(" ".join(filter(None, (rule, title))) + f" ({found[0].severity}{where})")
    return "; ".join(parts)


def chaser_csv(rows: Sequence[LaStatus], problems: Mapping[str, str] | None = None) -> str:
    """The LAs to chase (not received, errors, rejected) as CSV for a mail merge: whom to write to,
    and (`problems`: LA code -> problems_in_words) what is outstanding. Every cell is neutralised
    so that a spreadsheet program never runs one as a formula."""
    from fgc_collect.publish.ees import neutralise

    problems = problems or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # CRLF (RFC 4180): a CR inside a cell is then quoted, not a new row
    writer.writerow(CHASER_COLUMNS)
    for row in chaser_rows(rows):
        writer.writerow([neutralise("" if value is None else str(value)) for value in (
            row.la_code, row.la_name, row.region_name, row.state, row.versions, row.last_received,
            " ".join(row.outstanding_rules), row.last_sender, row.contact_name, row.contact_email,
            problems.get(row.la_code, ""),
        )])
    return out.getvalue()


def _child_rule_title(code: str) -> str:
    """A child-level rule's check, its first clause (the catalogue's titles cover FGC0xx-FGC2xx)."""
    from fgc_collect.child.spec import load_child_spec

    try:
        check = load_child_spec().rule(code).check
    except (KeyError, AttributeError):
        return ""
    first = check.split(";")[0].strip()
    return first[:1].upper() + first[1:]
