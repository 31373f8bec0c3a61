"""An LA that sent both levels: its aggregate return beside the one its rows derive, item by item.

Every count of sections B to D (B1, B3_U1, ..., D11) is listed with the figure the council
submitted, where it is in their workbook, the figure derived from their rows, and the
difference. Nothing is decided here: the coordinator asks the council which is right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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


def reconciliation_json(items: list[ReconciledItem], la_code: str | None = None) -> dict:
    counts = {status: sum(1 for item in items if item.status == status) for status in (AGREES, DIFFERS, NOT_GIVEN)}
    return {"la_code": la_code, "summary": counts, "items": [item.to_json() for item in items]}


def reconciliation_text(items: list[ReconciledItem], la_name: str | None = None) -> str:
    """The differences first (the items to query), then a count of the items that agree."""
    differs = [item for item in items if item.status == DIFFERS]
    missing = [item for item in items if item.status == NOT_GIVEN]
    agree = len(items) - len(differs) - len(missing)
    who = f"{la_name}: " if la_name else ""
    lines = [f"{who}aggregate return against its child-level rows: {agree} of {len(items)} counts agree, "
             f"{len(differs)} differ, {len(missing)} not given in the aggregate return."]
    if differs:
        lines.append(f"  {'item':<12} {'cell':<16} {'submitted':>10} {'derived':>10} {'difference':>11}")
        for item in differs:
            where = f"{item.sheet}!{item.cell}" if item.cell else "-"
            lines.append(f"  {item.item_id:<12} {where[:16]:<16} {item.submitted:>10,} {item.derived:>10,} {item.difference:>+11,}")
    if missing:
        lines.append("  Not given in the aggregate return: " + ", ".join(item.item_id for item in missing))
    return "\n".join(lines)
