"""An LA that sent both levels: its aggregate return beside the one its rows derive, item by item.

Every count of sections B to D (B1, B3_U1, ..., D11) is listed with the figure the council
submitted, where it is in their workbook, the figure derived from their rows, and the
difference. Nothing is decided here: the coordinator asks the council which is right.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from fgc_collect.read.aggregate import AggregateReturn
from fgc_collect.spec import Spec, load_spec

AGREES, DIFFERS, NOT_GIVEN = "agrees", "differs", "not given"


@dataclass(frozen=True)
class ReconciledItem:
    item_id: str  # the input cell: B1, B3_U1
    label: str
    submitted: int | float | None  # the aggregate return's figure (None: blank or not a usable figure)
    derived: int | None  # from the child-level rows
    difference: int | float | None  # submitted - derived
    status: str  # agrees | differs | not given
    sheet: str | None = None  # where the submitted figure is
    cell: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _figure(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, (int, float)) else None


def reconcile(derived: AggregateReturn, submitted: AggregateReturn, spec: Spec | None = None) -> list[ReconciledItem]:
    """Every count of sections B to D: submitted beside derived, in the spec's order."""
    spec = spec or load_spec()
    derived_values, submitted_values = derived.values(), submitted.values()
    items = []
    for cell in spec.input_cells:
        if cell.kind != "count" or cell.item.section not in ("B", "C", "D"):
            continue
        mine, theirs = _figure(derived_values.get(cell.id)), _figure(submitted_values.get(cell.id))
        if theirs is None:
            status, difference = NOT_GIVEN, None
        else:
            difference = theirs - (mine or 0)
            status = AGREES if difference == 0 else DIFFERS
        location = submitted.location(cell.id)
        items.append(ReconciledItem(
            item_id=cell.id, label=cell.label, submitted=theirs, derived=mine, difference=difference, status=status,
            sheet=location.sheet if location else None, cell=location.cell if location else None,
        ))
    return items


def reconciliation_json(items: list[ReconciledItem], la_code: str | None = None, *, la_name: str | None = None,
                        aggregate_file: str | None = None, child_file: str | None = None) -> dict:
    """The reconciliation as data; the LA's name and the two files' names when given."""
    counts = {status: sum(1 for item in items if item.status == status) for status in (AGREES, DIFFERS, NOT_GIVEN)}
    named = {"la_name": la_name, "aggregate_file": aggregate_file, "child_file": child_file}
    return {"la_code": la_code, **{key: value for key, value in named.items() if value is not None},
            "summary": counts, "items": [item.to_json() for item in items]}


def reconciliation_text(items: list[ReconciledItem], la_name: str | None = None,
                        files: tuple[str, str] | None = None) -> str:
    """The differences first (the items to query), then a count of the items that agree.
    files: (the aggregate return's name, the child-level return's name), shown under the first line."""
    differs = [item for item in items if item.status == DIFFERS]
    missing = [item for item in items if item.status == NOT_GIVEN]
    agree = len(items) - len(differs) - len(missing)
    who = f"{la_name}: " if la_name else ""
    lines = [f"{who}aggregate return against its child-level rows: {agree} of {len(items)} counts agree, "
             f"{len(differs)} differ{'s' if len(differs) == 1 else ''}, {len(missing)} not given in the aggregate return."]
    if files:
        lines.append(f"  aggregate return {files[0]}; child-level rows {files[1]}")
    if differs:
        places = [f"{item.sheet}!{item.cell}" if item.cell else "-" for item in differs]
        width = max(16, *map(len, places))  # the whole sheet name: the council looks for it
        lines.append(f"  {'item':<12} {'cell':<{width}} {'submitted':>10} {'derived':>10} {'difference':>11}")
        for item, where in zip(differs, places):
            lines.append(f"  {item.item_id:<12} {where:<{width}} {item.submitted:>10,} {item.derived or 0:>10,} {item.difference:>+11,}")
    if missing:
        lines.append("  Not given in the aggregate return: " + ", ".join(item.item_id for item in missing))
    return "\n".join(lines)


@dataclass(frozen=True)
class Reconciliation:
    """One LA that sent both levels: one aggregate return beside the aggregate one child-level
    return derives. File names only (as the council sent them), never a row's values."""

    la_code: str
    la_name: str
    aggregate_file: str
    child_file: str
    items: tuple[ReconciledItem, ...]

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    def to_json(self) -> dict:
        return reconciliation_json(list(self.items), self.la_code, la_name=self.la_name,
                                   aggregate_file=self.aggregate_file, child_file=self.child_file)

    def text(self) -> str:
        return reconciliation_text(list(self.items), self.la_name,
                                   (Path(self.aggregate_file).name, Path(self.child_file).name))


CSV_COLUMNS = ("la_code", "la_name", "aggregate_file", "child_file", "item_id", "label", "sheet", "cell",
               "submitted", "derived", "difference", "status")
_STATUS_ORDER = {DIFFERS: 0, NOT_GIVEN: 1, AGREES: 2}


def reconciliation_csv(reconciliation: Reconciliation) -> str:
    """Every count as a row, the differences first (then those not given, then those that agree),
    each group in the spec's order. Text cells that a spreadsheet program would run as a formula
    are neutralised (a council names its own files)."""
    from fgc_collect.publish.ees import neutralise

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    items = sorted(reconciliation.items, key=lambda item: _STATUS_ORDER[item.status])  # stable: spec order kept
    for item in items:
        row = (reconciliation.la_code, reconciliation.la_name, Path(reconciliation.aggregate_file).name,
               Path(reconciliation.child_file).name, item.item_id, item.label, item.sheet, item.cell,
               item.submitted, item.derived, item.difference, item.status)
        writer.writerow(["" if value is None else neutralise(str(value)) for value in row])
    return out.getvalue()


def reconciliation_file_name(reconciliation: Reconciliation, taken: set[str]) -> str:
    """'E06000047_reconciliation.csv'; with the aggregate file's stem when the LA has more than one pair."""
    name = f"{reconciliation.la_code}_reconciliation.csv"
    if name.casefold() in taken:
        stem = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_-]", "_", Path(reconciliation.aggregate_file).stem)).strip("_-")[:60]
        name, number = f"{reconciliation.la_code}_{stem}_reconciliation.csv", 2
        while name.casefold() in taken:
            name = f"{reconciliation.la_code}_{stem}_reconciliation_{number}.csv"
            number += 1
    taken.add(name.casefold())
    return name


def write_reconciliations(reconciliations, folder: str | Path) -> list[Path]:
    """Each reconciliation as a CSV in folder (UTF-8 with a BOM, so Excel reads it as UTF-8), for
    the coordinator to attach to the email asking the council which figures are right."""
    from fgc_collect.feedback.workbook import write_atomically

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for reconciliation in reconciliations:
        path = folder / reconciliation_file_name(reconciliation, taken)
        written.append(write_atomically(path, reconciliation_csv(reconciliation).encode("utf-8-sig")))
    return written


def files_by_la(reconciliations, written: list[Path]) -> dict[str, list[str]]:
    """LA code -> names of its reconciliation files, from write_reconciliations' list (same order),
    for the feedback index's links."""
    by_la: dict[str, list[str]] = {}
    for reconciliation, path in zip(reconciliations, written):
        by_la.setdefault(reconciliation.la_code, []).append(Path(path).name)
    return by_la
