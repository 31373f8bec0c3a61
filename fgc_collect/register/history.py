"""`fgc-collect history LA`: every version of an LA's return, what changed between them item by
item, and the coordinator's decisions. Free text is never repeated (it may hold personal data):
a change to it is reported as changed."""

from __future__ import annotations

from dataclasses import dataclass

from fgc_collect.register.records import Decision, Receipt, Version

# Kinds whose answers are shown; the rest (names, email addresses, comments) only as "changed".
SHOWN_KINDS = ("count", "decimal", "choice", "la_code")
SHOWN_ITEMS = ("A1",)  # the LA's name


@dataclass(frozen=True)
class Change:
    item_id: str
    label: str
    before: str | None  # None: not shown (free text)
    after: str | None

    def to_json(self) -> dict:
        return {"item": self.item_id, "label": self.label, "before": self.before, "after": self.after}

    def line(self) -> str:
        if self.before is None and self.after is None:
            return f"{self.item_id:<12} {self.label}: text changed"
        return f"{self.item_id:<12} {self.label}: {self.before} -> {self.after}"


def shown_answer(row: dict | None) -> str:
    """An answer as the coordinator should see it: the figure or code, else what was typed."""
    if row is None or row.get("located_by") == "missing":
        return "(cell missing)"
    kind = row["kind"]
    if kind in ("count", "decimal") and row["number"] is not None:
        number = row["number"]
        return str(int(number)) if float(number).is_integer() else str(number)
    if kind == "choice" and row["code"] is not None:
        return row["code"]
    if row["raw_text"] is None or row["raw_kind"] == "blank":
        return "blank"
    return repr(row["raw_text"])


def changes_between(old, new, spec) -> list[Change]:
    """Item by item, what differs between two AggregateReturns (spec order)."""
    changed = []
    for cell in spec.input_cells:
        before_row, after_row = old.row(cell.id), new.row(cell.id)
        before, after = shown_answer(before_row), shown_answer(after_row)
        if cell.kind in SHOWN_KINDS or cell.id in SHOWN_ITEMS:
            if before != after:
                changed.append(Change(cell.id, cell.label, before, after))
        else:
            old_text = (before_row or {}).get("raw_text")
            new_text = (after_row or {}).get("raw_text")
            if (old_text or "").strip() != (new_text or "").strip():
                changed.append(Change(cell.id, cell.label, None, None))
    return changed


@dataclass(frozen=True)
class VersionHistory:
    version: Version
    rules: tuple[str, ...]
    decisions: tuple[Decision, ...]
    changes: tuple[Change, ...] | None  # None for the first version (or when a file cannot be read)
    resent: tuple[tuple[Receipt, bool], ...] = ()  # each time it was sent again, and whether that counts
    held: bool = False  # emailed from an address not known for the LA, not confirmed
    problem: str | None = None  # its stored file is missing or was changed: not read

    def to_json(self) -> dict:
        v = self.version
        return {
            "version": v.version_no, "file": v.file_name, "source": v.source, "sha256": v.sha256,
            "sender": v.sender, "received_at": v.received_at, "ingested_at": v.ingested_at,
            "ingested_by": v.ingested_by, "validation": v.validation, "errors": v.errors,
            "warnings": v.warnings, "rules": list(self.rules),
            "changes_from_previous": None if self.changes is None else [c.to_json() for c in self.changes],
            "decisions": [d.to_json() for d in self.decisions],
            "held": self.held,
            "sent_again": [{"received_at": r.received_at, "sender": r.sender, "source": r.source, "counted": counted}
                           for r, counted in self.resent],
            "problem": self.problem,
        }


def la_history(register, la, year: str | None = None) -> list[VersionHistory]:
    """The LA's versions of the year (default: the latest the register holds)."""
    from fgc_collect.register.senders import counts
    from fgc_collect.register.store import StoreError
    from fgc_collect.survey import spec_for

    year = register.year(year)
    versions = register.versions(la.code, year)
    if not versions:  # nothing to compare (and a year before the collection has no spec)
        return []
    spec = spec_for(year)
    decisions = register.decisions(la.code, year)
    rules = register.rules_by_version(year)
    standing = register.standing(la.code, year=year)
    held = {version.id for version in standing.held}
    receipts = register.receipts(la.code, year)
    history = []
    previous = None
    for version in versions:
        mine = [receipt for receipt in receipts if receipt.version_id == version.id][1:]  # after the first sending
        problem = None
        try:
            current = register.read_version(version)
        except StoreError as error:  # a missing or changed file: say so, and show the rest
            current, problem = None, str(error)
        history.append(VersionHistory(
            version,
            tuple(rules.get(version.id, ())),
            tuple(d for d in decisions if d.version_id == version.id),
            None if previous is None or current is None else tuple(changes_between(previous, current, spec)),
            tuple((receipt, counts(receipt.sender_check, receipt.sender, set(standing.known))) for receipt in mine),
            version.id in held,
            problem,
        ))
        previous = current
    return history


@dataclass(frozen=True)
class OtherYear:
    """Another collection year the register holds versions of the LA's return for."""

    year: str
    versions: int
    state: str

    def to_json(self) -> dict:
        return {"year": self.year, "versions": self.versions, "state": self.state}


def other_years(register, la, year: str) -> list[OtherYear]:
    """The LA's other years in the register, oldest first: history shows one year at a time, and
    says where the others are."""
    counted: dict[str, int] = {}
    for version in register.versions(la.code):
        if version.year != year:
            counted[version.year] = counted.get(version.year, 0) + 1
    return [
        OtherYear(held, number, next(row.state for row in register.status(year=held) if row.la_code == la.code))
        for held, number in sorted(counted.items())
    ]


def history_json(la, history: list[VersionHistory], state, year: str | None = None,
                 others: list[OtherYear] = ()) -> dict:
    """`state`: the LA's status row (fgc_collect.register.status.LaStatus), or its state."""
    row = None if isinstance(state, str) else state
    document = {"la_code": la.code, "la_name": la.name, "state": state if row is None else row.state,
                "versions": [entry.to_json() for entry in history]}
    if year is not None:
        document["year"] = year
        document["other_years"] = [other.to_json() for other in others]
    if row is not None:
        document["latest_version"] = row.latest_version
        document["resent_version"] = row.resent_version
    return document


def format_history(la, history: list[VersionHistory], state, year: str | None = None,
                   others: list[OtherYear] = ()) -> str:
    """`state`: the LA's status row (fgc_collect.register.status.LaStatus), or its state."""
    from fgc_collect.register.status import plural

    row = None if isinstance(state, str) else state
    of_year = f" for {year}" if year else ""
    also = "".join(
        f"\nAlso held for {other.year}: {plural(other.versions, 'version')}, {other.state} "
        f"(fgc-collect history {la.code} --year {other.year})"
        for other in others
    )
    if not history:
        return f"{la.name} ({la.code}): no return received{of_year}.{also}"
    return _format_versions(la, history, state, row, of_year) + ("\n" + also if also else "")


def _format_versions(la, history: list[VersionHistory], state, row, of_year: str) -> str:
    from fgc_collect.register.status import plural

    header = f"{la.name} ({la.code}){of_year}: {plural(len(history), 'version')}; state: {state if row is None else row.state}"
    if row is not None and row.resent_version is not None:
        header += f" (the council sent version {row.resent_version} again on {row.last_received}: it is the version it means)"
    lines = [header]
    for entry in history:
        v = entry.version
        sender = f" from {v.sender}" if v.sender else ""
        lines.append("")
        lines.append(f"Version {v.version_no}: {v.file_name}, received {v.received_at}{sender}")
        lines.append(f"  from {v.source} [{v.sha256[:12]}], ingested {v.ingested_at} by {v.ingested_by}")
        if entry.problem:
            lines.append(f"  STORED FILE DAMAGED: {entry.problem}")
        if entry.held:
            lines.append(f"  HELD: {v.sender} is not a known sender for {la.name}; not counted until you confirm it "
                         f"(fgc-collect accept {la.code} --version {v.version_no} --note ...)")
        counts = ", ".join(plural(n, word) for n, word in ((v.errors, "error"), (v.warnings, "warning")) if n)
        lines.append(f"  validation: {v.validation}" + (f" ({counts})" if counts else "")
                     + (f": {' '.join(entry.rules)}" if entry.rules else ""))
        for receipt, counted in entry.resent:
            by = f" from {receipt.sender}" if receipt.sender else ""
            lines.append(f"  SENT AGAIN {receipt.received_at}{by} ({receipt.source})"
                         + ("" if counted else f": not a known sender for {la.name}, so not taken as the council's latest word"))
        if entry.changes is not None:
            if entry.changes:
                lines.append(f"  changed since version {v.version_no - 1} ({plural(len(entry.changes), 'item')}):")
                lines.extend(f"    {change.line()}" for change in entry.changes)
            else:
                lines.append(f"  no answer changed since version {v.version_no - 1}")
        for decision in entry.decisions:
            verb = "ACCEPTED" if decision.decision == "accept" else "REJECTED"
            lines.append(f"  {verb} {decision.decided_at} by {decision.decided_by}: {decision.note}")
    return "\n".join(lines)
