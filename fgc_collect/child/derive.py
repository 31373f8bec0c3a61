"""The aggregate return derived from a child-level return's rows, per the spec's `derivation`.

The result is an AggregateReturn like one read from a workbook: one row of the cells frame per
input cell of the aggregate spec, so the aggregate rules (FGC1xx, FGC2xx) and the national tables
apply unchanged. Derived cells have located_by "derived" and no sheet or cell (an FGC1xx issue on
a derived return names the item only); the answers a child-level return does not collect (the
contact, the service questions of section A, comments) are "not_collected" and blank.

How rows are counted:
- A unit is a child of a referral: rows repeating a child in the same family_id (FGC307) count
  once. A row with no child_id, or no family_id, is a child, or a referral, of its own.
- Family-level fields (FGC308) are read from the family's first row, so a disagreement (reported
  by FGC308) can never count a family at one stage and not its children.
- Stages, items and conditions are the spec's (fgc_collect/spec/fgc_child_level_derivation.yaml,
  with each year's changes): a unit is in a stage when one of the stage's dates is in the period
  and its conditions hold, so a family crossing the year boundary counts at the stages that fell
  in the year.
- Age at a stage's date from birth_month taken as the 15th ("mid-month"); unborn Y, or a birth
  month after the date, is Unborn; no birth month is Unknown. A code that is blank or not in the
  list counts in the Unknown category of its breakdown (U for sex), so every breakdown adds up to
  its total; FGC302 reports the value.
- review_fgcs: the largest value given on a family's rows (the spec asks for it on one row, 0 or
  blank on the others; a council repeating it on every row is not counted twice), summed over
  the families with an event in the period.
"""

from __future__ import annotations

import polars as pl

from fgc_collect.child.parse import CHILD_KEY, FAMILY_KEY
from fgc_collect.child.read import ChildReturn
from fgc_collect.child.rules import age_in_years
from fgc_collect.child.spec import BIRTH_MONTH, ChildSpec, Stage
from fgc_collect.read.aggregate import FRAME_SCHEMA, AggregateReturn
from fgc_collect.read.cells import format_number
from fgc_collect.spec import Item

DERIVED, NOT_COLLECTED = "derived", "not_collected"
FIRST_OF_FAMILY = "_first_of_family"


def stage_flag(stage: str) -> str:
    return f"_in_{stage}"


def units(ret: ChildReturn) -> pl.DataFrame:
    """One row per child of a referral, with family-level fields from the family's first row, a
    flag per stage, and whether the row is its family's first (computed once per return)."""
    cached = ret.__dict__.get("_units")
    if cached is None:
        cached = ret.__dict__["_units"] = _units(ret)
    return cached


def _units(ret: ChildReturn) -> pl.DataFrame:
    spec = ret.spec
    family = [pl.col(column).first().over(FAMILY_KEY).alias(column)
              for column in spec.family_columns if column in ret.typed.columns]
    sums = {entry.sum_column for entry in spec.derived if entry.sum_column}
    frame = ret.typed.with_columns(
        *family, *(pl.col(column).max().over(FAMILY_KEY).alias(column) for column in sums)
    ).unique(subset=[FAMILY_KEY, CHILD_KEY], keep="first", maintain_order=True)
    return frame.with_columns(
        *(_in_stage(spec, stage).alias(stage_flag(stage.name)) for stage in spec.stages),
        pl.col(FAMILY_KEY).is_first_distinct().alias(FIRST_OF_FAMILY),
    )


def _in_stage(spec: ChildSpec, stage: Stage) -> pl.Expr:
    flag = pl.any_horizontal([pl.col(day).is_between(spec.period_start, spec.period_end) for day in stage.dates])
    return _holds(flag, stage.where).fill_null(False)


def _holds(flag: pl.Expr, where: tuple[tuple[str, str], ...]) -> pl.Expr:
    for column, value in where:
        flag = flag & (pl.col(column) == value)
    return flag


def category(spec: ChildSpec, item: Item, column: str, stage: Stage) -> pl.Expr:
    """The aggregate category code of each unit for a breakdown `item` at `stage`: a blank code
    is the breakdown's Unknown category, so a breakdown adds up to its total."""
    if item.category_set == "AGE":
        return age_band(pl.col(BIRTH_MONTH), pl.col(stage.age_date), pl.col("unborn"))
    if item.category_set == "ETH":
        return pl.col(column).replace_strict(spec.ethnicity_groups, default="UNK", return_dtype=pl.String)
    unknown = item.unknown_cell
    return pl.col(column).fill_null(unknown.category.code if unknown is not None else "UNK")


def age_band(born: pl.Expr, on: pl.Expr, unborn: pl.Expr) -> pl.Expr:
    month_index = lambda day: day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32)  # noqa: E731
    years = age_in_years(born, on)
    return (
        pl.when(unborn == "Y").then(pl.lit("UNBORN"))
        .when(born.is_null()).then(pl.lit("UNK"))
        .when(on.is_null()).then(pl.lit("UNK"))
        .when(month_index(born) > month_index(on)).then(pl.lit("UNBORN"))
        .when(years < 1).then(pl.lit("U1"))
        .when(years <= 4).then(pl.lit("1TO4"))
        .when(years <= 9).then(pl.lit("5TO9"))
        .when(years <= 15).then(pl.lit("10TO15"))
        .otherwise(pl.lit("16PLUS"))
    )


def population(stage: str, families: bool) -> pl.Expr:
    flag = pl.col(stage_flag(stage))
    return flag & pl.col(FIRST_OF_FAMILY) if families else flag


def breakdown_frame(ret: ChildReturn, frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per unit, a column per breakdown item: the unit's category when it is counted in that
    breakdown, else null (the frame the distribution checks run on)."""
    spec = ret.spec
    frame = units(ret) if frame is None else frame
    columns = []
    for breakdown in spec.breakdowns:
        item = spec.aggregate.item(breakdown.item)
        counted = population(breakdown.stage.name, breakdown.unit == "families")
        expr = pl.when(counted).then(category(spec, item, breakdown.column, breakdown.stage))
        columns.append(expr.otherwise(None).alias(item.id))
    return frame.select(columns)


def derived_values(ret: ChildReturn) -> dict[str, int]:
    """Every count item and breakdown cell of the aggregate spec, from the rows, as the spec's
    derivation says (fgc_collect/spec/fgc_child_level_derivation.yaml)."""
    spec = ret.spec
    frame = units(ret)
    figures = []
    for entry in spec.derived:
        if entry.unit == "sum":
            families = _holds(pl.col(FIRST_OF_FAMILY) & pl.col(stage_flag(entry.stage.name)), entry.where)
            figure = pl.when(families).then(pl.col(entry.sum_column)).otherwise(0).fill_null(0).sum()
        else:
            figure = _holds(population(entry.stage.name, entry.unit == "families"), entry.where).sum()
        figures.append(figure.alias(entry.item))
    values = {key: int(value) for key, value in frame.select(figures).row(0, named=True).items()} if figures else {}
    categories = breakdown_frame(ret, frame)
    for breakdown in spec.breakdowns:
        item = spec.aggregate.item(breakdown.item)
        tally = dict(categories.get_column(item.id).drop_nulls().value_counts().iter_rows())
        for cell in item.cells:
            values[cell.id] = int(tally.get(cell.category.code, 0))
    return values


def derive_aggregate(ret: ChildReturn) -> AggregateReturn:
    """The aggregate return the rows make (see the module's docstring), made once per return:
    validation, the reconciliation of both levels and the tables all ask for it."""
    cached = ret.__dict__.get("_derived")
    if cached is None:
        cached = ret.__dict__["_derived"] = _derive_aggregate(ret)
    return cached


def _derive_aggregate(ret: ChildReturn) -> AggregateReturn:
    spec = ret.spec
    values: dict[str, object] = dict(derived_values(ret))
    from_return = {"la_name": ret.la.name, "la_code": ret.la.code, "rows_sent": "Y" if ret.rows.height else None}
    for item_id, what in spec.from_return.items():
        values[item_id] = from_return[what]
    rows = []
    for cell in spec.aggregate.input_cells:
        row = {key: None for key in FRAME_SCHEMA}
        row.update(item_id=cell.id, item=cell.item.id, kind=cell.kind, number_from_text=False, suppressed=False)
        value = values.get(cell.id)
        if value is None or cell.item.id in spec.not_collected:
            row.update(located_by=NOT_COLLECTED, raw_kind="blank")
        elif cell.kind == "count":
            row.update(located_by=DERIVED, raw_kind="number", raw_text=format_number(value), number=float(value))
        elif cell.kind == "choice":
            row.update(located_by=DERIVED, raw_kind="text", raw_text=str(value), code=str(value))
        else:
            row.update(located_by=DERIVED, raw_kind="text", raw_text=str(value), text=str(value))
        rows.append(row)
    metadata = dict(ret.metadata)
    metadata.update(level="child", la_code=ret.la.code, la_name=ret.la.name)
    return AggregateReturn(
        file=ret.file,
        sha256=ret.sha256,
        metadata=metadata,
        cells=pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row"),
    )


def not_collected_items(derived: AggregateReturn) -> frozenset[str]:
    """Input cells (and their items) a child-level return does not collect."""
    frame = derived.cells.filter(pl.col("located_by") == NOT_COLLECTED)
    return frozenset(frame.get_column("item_id").to_list()) | frozenset(frame.get_column("item").to_list())
