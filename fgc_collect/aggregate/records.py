"""What the national tables are made from: one record per LA whose return is used, and a note of
every return that was received but not used. Pure data, no files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fgc_collect.reference import LocalAuthority, local_authorities


@dataclass(frozen=True)
class LARecord:
    """The values of one LA's used return (item id -> figure, choice code, text or None)."""

    la: LocalAuthority
    values: Mapping[str, object]
    sha256: str | None = None
    file: str | None = None

    @property
    def service(self) -> str | None:
        """"Y" (an FGC service in 2023-24), "N" (none), or None (not said)."""
        answer = self.values.get("A5")
        return answer if answer in ("Y", "N") else None

    def figure(self, item_id: str) -> int | None:
        """A count the LA provided, as an int; None when blank or unusable (not provided).
        An LA that said it had no FGC service did none: its counts are 0 whatever it typed."""
        if self.service == "N":
            return 0
        value = self.values.get(item_id)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if value < 0 or value != int(value):
            return None
        return int(value)

    def text(self, item_id: str) -> str | None:
        value = self.values.get(item_id)
        return value.strip() or None if isinstance(value, str) else None


@dataclass(frozen=True)
class Excluded:
    """A return that was received but not used, and why (one plain sentence). named: when its LA
    could not be established, the two LAs it names (by its name, by its code)."""

    file: str | None
    reason: str
    la: LocalAuthority | None = None
    sha256: str | None = None
    named: tuple[LocalAuthority, ...] = ()


@dataclass(frozen=True)
class Inputs:
    """Everything the tables are built from."""

    used: tuple[LARecord, ...]
    excluded: tuple[Excluded, ...] = ()
    source: str = "files"  # "files", "store" or "demo"
    las: tuple[LocalAuthority, ...] = field(default_factory=local_authorities)
    year: str | None = None  # the collection year of the returns (None: the spec's own, 2023-24)

    def __post_init__(self) -> None:
        seen: dict[str, LARecord] = {}
        for record in self.used:
            if record.la.code in seen:
                raise ValueError(f"two returns are used for {record.la.name}; keep one")
            seen[record.la.code] = record

    @property
    def by_code(self) -> dict[str, LARecord]:
        return {record.la.code: record for record in self.used}

    @property
    def received_codes(self) -> set[str]:
        codes = {record.la.code for record in self.used}
        codes |= {item.la.code for item in self.excluded if item.la is not None}
        return codes


def records_from_values(rows: Iterable[tuple[LocalAuthority, Mapping[str, object]]]) -> tuple[LARecord, ...]:
    """Records from (LA, values) pairs, e.g. the demo's synthetic returns."""
    return tuple(LARecord(la, dict(values)) for la, values in rows)


def values_as_read(values: Mapping[str, object], spec=None) -> dict[str, object]:
    """What the reader would make of these values typed into the template: choice labels become
    codes, numbers typed as text become numbers, markers such as "<5" become None. Lets tests and
    the demo build records without writing spreadsheets."""
    from fgc_collect.read import cells as cellkinds
    from fgc_collect.read.aggregate import NUMERIC_KINDS, interpret
    from fgc_collect.spec import load_spec

    spec = spec or load_spec()
    read: dict[str, object] = {}
    for input_cell in spec.input_cells:
        value = values.get(input_cell.id)
        raw_kind, raw_text = cellkinds.classify(value)
        found = interpret(input_cell, raw_kind, raw_text, value)
        if input_cell.kind in NUMERIC_KINDS:
            read[input_cell.id] = found.get("number")
        elif input_cell.kind == "choice":
            read[input_cell.id] = found.get("code")
        else:
            read[input_cell.id] = found.get("text")
    return read
