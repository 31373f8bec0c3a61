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
- Stages, each for events dated in the period (1 April 2023 to 31 March 2024):
  referral (referral_date), offer (offer_date), consent (consent Y and consent_date), declined
  (consent N and offer_date), held (fgc_held Y and fgc_date), not held (fgc_held N and
  consent_date). A family crossing the year boundary counts at the stages that fell in the year.
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
from fgc_collect.child.spec import BIRTH_MONTH, DATE_ORDER, FAMILY_COLUMNS, ChildSpec
from fgc_collect.read.aggregate import FRAME_SCHEMA, AggregateReturn
from fgc_collect.read.cells import format_number

DERIVED, NOT_COLLECTED = "derived", "not_collected"
FIRST_OF_FAMILY = "_first_of_family"

# Stage -> (the date that places it in the period, the condition beside it).
STAGES = {
    "referral": ("referral_date", None),
    "offer": ("offer_date", None),
    "consent": ("consent_date", ("consent", "Y")),
    "declined": ("offer_date", ("consent", "N")),
    "held": ("fgc_date", ("fgc_held", "Y")),
    "not_held": ("consent_date", ("fgc_held", "N")),
}
# A breakdown's stage (spec.py's names) -> the stage its units are in, and whether it counts families.
_BREAKDOWN_STAGES = {
    "referral": ("referral", False), "consent": ("consent", False), "held": ("held", False),
    "family_referral": ("referral", True), "declined": ("declined", True), "not_held": ("not_held", True),
}
_AGE_DATE = {"referral": "referral_date", "consent": "consent_date", "held": "fgc_date"}
# Items A1, A2, A5 (the LA's name and code; whether it had a service) follow from the return.
_A_ITEMS = {"A1", "A2", "A5"}


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
    typed = ret.typed
    family = [pl.col(column).first().over(FAMILY_KEY).alias(column) for column in FAMILY_COLUMNS]
    frame = typed.with_columns(
        *family, pl.col("review_fgcs").max().over(FAMILY_KEY).alias("review_fgcs")
    ).unique(subset=[FAMILY_KEY, CHILD_KEY], keep="first", maintain_order=True)
    flags = []
    for stage, (day, condition) in STAGES.items():
        flag = pl.col(day).is_between(spec.period_start, spec.period_end)
        if condition is not None:
            flag = flag & (pl.col(condition[0]) == condition[1])
        flags.append(flag.fill_null(False).alias(stage_flag(stage)))
    in_scope = pl.any_horizontal(
        [pl.col(day).is_between(spec.period_start, spec.period_end) for day in DATE_ORDER]
    ).fill_null(False)
    return frame.with_columns(
        *flags,
        in_scope.alias("_in_scope"),
        pl.col(FAMILY_KEY).is_first_distinct().alias(FIRST_OF_FAMILY),
    )


def category(spec: ChildSpec, category_set: str, stage: str) -> pl.Expr:
    """The aggregate category code of each unit for a breakdown over `category_set` at `stage`."""
    if category_set == "AGE":
        return age_band(pl.col(BIRTH_MONTH), pl.col(_AGE_DATE[stage]), pl.col("unborn"))
    if category_set == "ETH":
        return pl.col("ethnicity").replace_strict(spec.ethnicity_groups, default="UNK", return_dtype=pl.String)
    column = {"SEX": "sex", "DIS": "disability", "STATUS": "status_at_referral", "SOURCE": "referral_source",
              "DECLINE": "decline_reason", "NOTHELD": "not_held_reason"}[category_set]
    unknown = "U" if category_set == "SEX" else "UNK"
    return pl.col(column).fill_null(unknown)


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
        stage, families = _BREAKDOWN_STAGES[breakdown.stage]
        expr = pl.when(population(stage, families)).then(category(spec, item.category_set, breakdown.stage))
        columns.append(expr.otherwise(None).alias(item.id))
    return frame.select(columns)


def derived_values(ret: ChildReturn) -> dict[str, int]:
    """Every count item of sections B to D, from the rows."""
    spec = ret.spec
    frame = units(ret)
    counts = frame.select(
        pl.len().alias("_units"),
        population("referral", True).sum().alias("B1"),
        population("referral", False).sum().alias("B2"),
        population("offer", True).sum().alias("C1"),
        (population("offer", True) & (pl.col("offer_at_plo") == "Y")).sum().alias("C1_PLO"),
        population("consent", True).sum().alias("C2"),
        population("consent", False).sum().alias("C3"),
        population("declined", True).sum().alias("C9"),
        population("held", True).sum().alias("D1"),
        (population("held", True) & (pl.col("fgc_at_plo") == "Y")).sum().alias("D1_PLO"),
        pl.when(pl.col(FIRST_OF_FAMILY) & pl.col("_in_scope")).then(pl.col("review_fgcs")).otherwise(0)
        .fill_null(0).sum().alias("D2"),
        population("held", False).sum().alias("D3"),
        population("not_held", True).sum().alias("D9"),
        (population("held", True) & (pl.col("plan_agreed") == "Y")).sum().alias("D11"),
    ).row(0, named=True)
    values = {key: int(value) for key, value in counts.items() if key != "_units"}
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
    values["A1"] = ret.la.name
    values["A2"] = ret.la.code
    if ret.rows.height:
        values["A5"] = "Y"
    rows = []
    for cell in spec.aggregate.input_cells:
        row = {key: None for key in FRAME_SCHEMA}
        row.update(item_id=cell.id, item=cell.item.id, kind=cell.kind, number_from_text=False, suppressed=False)
        value = values.get(cell.id)
        if value is None or (cell.item.section == "A" and cell.id not in _A_ITEMS):
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
