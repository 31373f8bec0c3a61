"""Returns made in memory for the validator's tests: no workbook, no template.

`make_return(values)` starts from CLEAN, a complete and internally consistent return for County
Durham (A5 = Y, every count filled, every breakdown adding up to its total, the funnel narrowing),
and applies `values` ({item id: raw cell value}; None blanks a cell). Each raw value goes through
the reader's own cell classification and interpretation, so a test sees what a real file would give.
Cells are laid out like the template: the section's sheet, column D, one row per input cell from
row 5, and a total row under each breakdown.
"""

from __future__ import annotations

import hashlib

import polars as pl

from fgc_collect.read import cells as cellkinds
from fgc_collect.read.aggregate import FRAME_SCHEMA, AggregateReturn, Location, interpret
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec

SPEC = load_spec()
FIRST_ROW = 5
DURHAM = "E06000047"


def _breakdown(total: int, shares: list[int]) -> list[int]:
    """Split `total` over the categories in proportion to `shares`, adding up exactly."""
    weight = sum(shares)
    parts = [total * share // weight for share in shares]
    parts[0] += total - sum(parts)
    return parts


def _clean() -> dict[str, object]:
    values: dict[str, object] = {
        "A1": "County Durham", "A2": DURHAM, "A3": "Jo Bloggs", "A4": "jo.bloggs@durham.gov.uk",
        "A5": "Y", "A6": "INHOUSE", "A7": None, "A9": "SOME", "A10": 4.5, "A11": "Y", "A13": "CMS",
        "A14": "Social workers refer families through the case management system after a discussion "
               "with the family.",
        "A15": "The coordinator visits the parents to explain the FGC and ask for their consent.",
        "E1": "Figures are taken from our case management system.",
        # the funnel: referred 40 families (60 children), offered 35, consented 28, held 24
        "B1": 40, "B2": 60,
        "C1": 35, "C1_PLO": 10, "C2": 28, "C3": 45, "C9": 5,
        "D1": 24, "D1_PLO": 8, "D2": 6, "D3": 40, "D9": 3, "D11": 20,
    }
    for item in SPEC.items:
        if item.type == "choice_grid":
            for cell in item.cells:
                values[cell.id] = "Y"
    for item in SPEC.breakdowns:
        total = int(values[item.total])
        unknown = {cell.id for cell in item.cells if cell.category.label.casefold().startswith(("unknown", "not known"))}
        shares = [1 if cell.id in unknown else 3 + number % 3 for number, cell in enumerate(item.cells)]
        for cell, figure in zip(item.cells, _breakdown(total, shares)):
            values[cell.id] = figure
    return values


CLEAN = _clean()


def _layout(spec=SPEC):
    """item id -> Location, and breakdown id -> its total row, as the template lays them out."""
    cells, totals = {}, {}
    for section in spec.sections:
        row = FIRST_ROW
        for item in section.items:
            for cell in item.cells:
                cells[cell.id] = Location(section.sheet, f"D{row}", "name")
                row += 1
            if item.is_breakdown:
                totals[item.id] = Location(section.sheet, f"D{row}", "name")
                row += 1
    return cells, totals


LAYOUT, TOTALS = _layout()


def make_return(
    values: dict[str, object] | None = None,
    *,
    la_code: str | None = DURHAM,
    file: str = "return.xlsx",
    metadata: dict[str, str | None] | None = None,
    missing: tuple[str, ...] = (),
    errors: tuple[str, ...] = (),
    base: dict[str, object] | None = None,
    spec=SPEC,
) -> AggregateReturn:
    """A return built from CLEAN (or `base`) with `values` applied.

    la_code: the LA the template was prefilled for (A1, A2 and the metadata sheet follow it unless
    `values` says otherwise). missing: item ids whose cell cannot be found in the file. errors:
    item ids whose cell holds an Excel error (given as the value, e.g. "#REF!"). spec: another
    year's spec (or one with a survey file's changes), its cells laid out the same way."""
    layout, totals = (LAYOUT, TOTALS) if spec is SPEC else _layout(spec)
    raw = dict(CLEAN if base is None else base)
    la = find_la(la_code) if la_code else None
    if la is not None and base is None:
        raw["A1"], raw["A2"] = la.name, la.code
    raw.update(values or {})
    rows = []
    for input_cell in spec.input_cells:
        row = {key: None for key in FRAME_SCHEMA}
        row.update(item_id=input_cell.id, item=input_cell.item.id, kind=input_cell.kind,
                   number_from_text=False, suppressed=False)
        if input_cell.id in missing:
            row.update(located_by="missing", raw_kind=cellkinds.BLANK)
            rows.append(row)
            continue
        location = layout[input_cell.id]
        value = raw.get(input_cell.id)
        data_type = "e" if input_cell.id in errors else None
        raw_kind, raw_text = cellkinds.classify(value, data_type)
        row.update(sheet=location.sheet, cell=location.cell, located_by=location.located_by,
                   raw_kind=raw_kind, raw_text=raw_text)
        row.update(interpret(input_cell, raw_kind, raw_text, value))
        rows.append(row)
    frame = pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row")
    meta = {
        "collection": spec.collection_id, "level": "aggregate", "year": spec.year,
        "template_version": spec.template_version,
        "la_code": la.code if la else None, "la_name": la.name if la else None,
    }
    meta.update(metadata or {})
    digest = hashlib.sha256(f"{file}{sorted(raw.items(), key=str)}".encode()).hexdigest()
    return AggregateReturn(file=file, sha256=digest, metadata=meta, cells=frame, totals=dict(totals))


def cell_of(item_id: str) -> str:
    """The A1 reference of an input cell or a breakdown's total row in make_return's layout."""
    return (TOTALS.get(item_id) or LAYOUT[item_id]).cell


# --- one validation run for every test case -------------------------------------------------------
# Great Expectations costs seconds per run whatever the number of returns, so the rule tests
# register their returns here when their module is imported, and the session fixture `validated`
# (conftest.py) checks them all in one batch. Batch rules (FGC2xx) are left out of that run: the
# cases are all County Durham and would be compared with each other.

CASES: dict[str, dict] = {}


def case(name: str, values: dict[str, object] | None = None, **options) -> str:
    """Register a return (make_return(values, **options)) under a unique name; returns the name."""
    if name in CASES:
        raise ValueError(f"two test cases are called {name}")
    CASES[name] = {"values": values or {}, **options}
    return name


def build_case(name: str) -> AggregateReturn:
    options = dict(CASES[name])
    values = options.pop("values")
    return make_return(values, file=f"{name}.xlsx", **options)


def issues_of(result, rule: str) -> list:
    return [issue for issue in result.issues if issue.rule == rule]


def only_issue(result, rule: str, item: str | None = None):
    """The one issue of `rule` (about `item`, if given); fails the test if there is not exactly one."""
    found = [issue for issue in issues_of(result, rule) if item is None or issue.item == item]
    assert len(found) == 1, f"expected one {rule}{f' on {item}' if item else ''}, got {found} among {result.issues}"
    return found[0]
