"""FGC301-FGC312: the rules a child-level return's rows must pass (FGC312 from 2024-25).

FGC301 (the columns) comes from reading the header. The rest are row checks, each a polars
expression that is true where a row passes, run by one pandera (polars backend) DataFrameSchema
over the collected typed frame, lazily (every failure at once). pandera's failure cases (a
0-based index into the frame) are turned back into issues at the row and column the council will
look at, in the project's one issue shape. Every check, its rule code and its message are side
by side below, one function per rule; the rule's entry in the registry
(fgc_collect/validate/registry.py) names the function, and row_checks() reaches each rule of the
year's spec through its entry.

Location convention (docs/child-level.md): `sheet` is the sheet read ("Children") or None for a
CSV; `cell` is the A1 reference of the value (for a CSV, as the file opens in a spreadsheet
program: row 1 is the header); `item` is the column id; the message starts with "Row 12" (or, for
a CSV, "Line 12", the line of the file) and the column id. Messages never contain a child_id or
family_id, raw or pseudonymised.

pandera is imported inside the function that runs it (it costs about a second).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

from fgc_collect.child.parse import CHILD_KEY, FAMILY_KEY, bad, raw
from fgc_collect.child.pseudonymise import DATE_OF_BIRTH, NAME, NHS_NUMBER
from fgc_collect.child.read import LINE, ROW, ChildReturn, read_child_return
from fgc_collect.child.spec import (
    BIRTH_MONTH,
    CHOICE,
    COUNT,
    DATE,
    DATE_ORDER,
    FAMILY_COLUMNS,
    ID_COLUMNS,
    YEAR_MONTH,
    ChildSpec,
)
from fgc_collect.model import ERROR, WARNING, Issue

MAX_ISSUES_PER_CHECK = 20  # then one issue saying how many more rows have the same problem
ROW_RULES = tuple(f"FGC3{n:02d}" for n in range(2, 13))  # FGC312 from 2024-25


@dataclass(frozen=True)
class RowCheck:
    """One check of one rule, located at one column: `ok` is true where a row passes."""

    rule: str
    column: str
    ok: pl.Expr
    message: Callable[[dict], str]  # the problem on a failing row (the typed row, with helpers)
    value: Callable[[dict], object] | None = None  # what the issue's value shows (never an id)
    suffix: str = ""

    @property
    def name(self) -> str:
        return f"{self.rule}:{self.column}{self.suffix}"


# --------------------------------------------------------------------------- words


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "blank"


def _codes(column) -> str:
    codes = column.codes
    shown = ", ".join(codes) if len(codes) <= 10 else ", ".join(codes[:8]) + ", ..."
    return shown


def _quoted(text: object, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return f"'{text[: limit - 1]}…'" if len(text) > limit else f"'{text}'"


def _month(day: date | None) -> str:
    return f"{day:%Y-%m}" if day else "blank"


# --------------------------------------------------------------------------- the checks


def type_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC302: required values present, types and codes as the column says."""
    checks = []
    for column in spec.columns:
        if column.id not in present:
            continue  # a missing column is FGC301, once
        if column.is_id:
            what = "the child" if column.id == "child_id" else "the referral"

            def message(row, column=column, what=what):
                if row[column.id] is None:
                    return f"is blank; every row needs the case management system's identifier of {what}."
                return (f"the identifier is longer than {column.max_chars} characters (not shown here); "
                        "give the case management system's own identifier.")

            ok = pl.col(column.id).is_not_null() & pl.col(f"{column.id}_problem").is_null()
            checks.append(RowCheck("FGC302", column.id, ok, message))
            continue
        required = column.required
        ok = ~pl.col(bad(column.id))
        if required:
            ok = ok & pl.col(raw(column.id)).is_not_null()

        # What was given is never quoted, nor kept as the issue's value: a value that fails here may
        # be an identifier pasted into the wrong column (an NHS number, a name, a date of birth).
        def message(row, column=column):
            given = row[raw(column.id)]
            if given is None:
                return "is blank; this column is required on every row."
            if column.type == CHOICE:
                return (f"the value is not one of the codes of this column ({_codes(column)}; "
                        "the Codes sheet lists them with their labels).")
            if column.type == DATE:
                return f"the value is not a date: {_date_advice(given)}"
            if column.type == YEAR_MONTH:
                return "the value is not a month: give the year and month of birth as YYYY-MM (e.g. 2015-03)."
            if column.type == COUNT:
                return "the value is not a whole number of 0 or more."
            return "the value cannot be read."

        checks.append(RowCheck("FGC302", column.id, ok, message))
    return checks


def _date_advice(given: str) -> str:
    import re

    if re.fullmatch(r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}\s*", str(given)):
        return ("it seems to be written day first: write dates as YYYY-MM-DD (4 May 2023 is 2023-05-04), "
                "or enter a real date.")
    return "write dates as YYYY-MM-DD (e.g. 2023-05-04), or enter a real date."


def order_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC303: referral_date <= offer_date <= consent_date <= fgc_date (blanks skipped)."""
    checks = []
    for position, later in enumerate(DATE_ORDER[1:], start=1):
        earlier = DATE_ORDER[:position]
        latest = pl.max_horizontal([pl.col(column) for column in earlier])
        ok = pl.col(later).is_null() | latest.is_null() | (pl.col(later) >= latest)

        def message(row, later=later, earlier=earlier):
            culprit = max((column for column in earlier if row[column] is not None), key=lambda c: row[c])
            return (f"{_iso(row[later])} is before {culprit} {_iso(row[culprit])}; dates must run "
                    f"{' <= '.join(DATE_ORDER)}.")

        checks.append(RowCheck("FGC303", later, ok, message, value=lambda row, c=later: _iso(row[c])))
    return checks


def scope_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC304: referred on or before 31 March 2024, and some event of the row in the period."""
    start, end = spec.period_start, spec.period_end
    in_period = pl.any_horizontal([pl.col(c).is_between(start, end) for c in DATE_ORDER]).fill_null(False)
    ok = pl.col("referral_date").is_null() | ((pl.col("referral_date") <= end) & in_period)

    def message(row):
        if row["referral_date"] > end:
            return (f"{_iso(row['referral_date'])} is after {end:%-d %B %Y}: this referral belongs to a later "
                    "year's return; take the row out.")
        return (f"none of this row's dates falls between {start:%-d %B %Y} and {end:%-d %B %Y}: "
                "it belongs to another year's return; take the row out.")

    return [RowCheck("FGC304", "referral_date", ok, message, value=lambda row: _iso(row["referral_date"]))]


def _needs(rule: str, when_column: str, code: str, needed: str, words: str) -> RowCheck:
    ok = (pl.col(when_column) != code).fill_null(True) | pl.col(raw(needed)).is_not_null()
    return RowCheck(rule, needed, ok, lambda row: f"is blank, but {when_column} is {code} ({words}).")


def completeness_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC305: what a consent or a conference outcome needs."""
    return [
        _needs("FGC305", "consent", "Y", "consent_date", "consented: give the date of consent"),
        _needs("FGC305", "fgc_held", "Y", "fgc_date", "held: give the date of the initial conference"),
        _needs("FGC305", "fgc_held", "N", "not_held_reason", "did not take place: give the main reason, or UNK (Not known)"),
        _needs("FGC305", "consent", "N", "decline_reason", "declined: give the main reason, or UNK (Not known)"),
    ]


def consent_first_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC306: fgc_held given only when consent is Y."""
    ok = pl.col(raw("fgc_held")).is_null() | pl.col("consent").is_null() | (pl.col("consent") == "Y")
    return [RowCheck(
        "FGC306", "fgc_held", ok,
        lambda row: (f"is {row[raw('fgc_held')]!s} but consent is {row['consent']}: whether the FGC took place "
                     "is recorded only for families who consented (leave fgc_held blank, or correct consent)."),
        value=lambda row: row[raw("fgc_held")],
    )]


def fgdm_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC312 (2024-25 on: the spec's columns proceedings_considered, fgdm_offered and
    fgdm_not_offered_reason): the FGDM duty's answers follow from proceedings_considered, and a
    reason for no offer only when no offer was made."""
    considered = pl.col("proceedings_considered") == "Y"
    offered = (pl.col(raw("fgdm_offered")).is_null() | considered).fill_null(False)
    reason = (pl.col(raw("fgdm_not_offered_reason")).is_null()
              | (considered & (pl.col("fgdm_offered") == "N"))).fill_null(False)

    def given(column: str):
        return lambda row: row[raw(column)]

    return [
        RowCheck(
            "FGC312", "fgdm_offered", offered,
            lambda row: (f"is {row[raw('fgdm_offered')]!s} but proceedings_considered is "
                         f"{row[raw('proceedings_considered')] or 'blank'}: whether an FGDM meeting was offered is "
                         "recorded only for families for whom care proceedings were considered (set "
                         "proceedings_considered to Y, or leave fgdm_offered blank)."),
            value=given("fgdm_offered"),
        ),
        RowCheck(
            "FGC312", "fgdm_not_offered_reason", reason,
            lambda row: (f"is {row[raw('fgdm_not_offered_reason')]!s} but fgdm_offered is "
                         f"{row[raw('fgdm_offered')] or 'blank'} and proceedings_considered is "
                         f"{row[raw('proceedings_considered')] or 'blank'}: a reason is given only when care "
                         "proceedings were considered (Y) and no FGDM meeting was offered (fgdm_offered N); "
                         "correct those columns, or leave the reason blank."),
            value=given("fgdm_not_offered_reason"),
        ),
    ]


def _both_ids() -> pl.Expr:
    return pl.col("child_id").is_not_null() & pl.col("family_id").is_not_null()


def duplicate_child_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC307: a child twice in one referral."""
    return [RowCheck(
        "FGC307", "child_id", ~_both_ids() | (pl.col("_child_seq") == 0),
        lambda row: (f"the same child appears twice for the same family_id (first on {row['_unit']} {row['_child_first_row']}); "
                     "give each child once per referral."),
    )]


def family_field_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC308: the family-level fields agree for every child of one referral."""
    checks = []
    for column in spec.family_columns:
        ok = (
            pl.col("family_id").is_null()
            | pl.col(bad(column))
            | pl.col(f"{column}__first_bad")
            | pl.col(column).eq_missing(pl.col(f"{column}__first"))
        )

        def message(row, column=column):
            mine, theirs = row[column] or row[raw(column)], row[f"{column}__first"] or row[f"{column}__first_raw"]
            shown = lambda text: "blank" if text is None else _quoted(_iso(text) if isinstance(text, date) else text)  # noqa: E731
            return (f"{shown(mine)} differs from {shown(theirs)} on {row['_unit']} {row['_family_first_row']} for the same "
                    f"family_id; {column} is about the referral, so it must be the same for every child in it.")

        checks.append(RowCheck("FGC308", column, ok, message, value=lambda row, c=column: row[raw(c)]))
    return checks


def referred_twice_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC310: a child in more than one referral."""
    return [RowCheck(
        "FGC310", "child_id", ~_both_ids() | (pl.col(FAMILY_KEY) == pl.col("_child_first_family")),
        lambda row: (f"this child is also in another referral (another family_id, {row['_unit']} {row['_child_first_family_row']}); "
                     "check it is the same child referred twice."),
    )]


def age_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC309: an unborn child has no birth month and sex U; a born child is 0 to 17 at referral."""
    unborn = pl.col("unborn") == "Y"
    born = pl.col(BIRTH_MONTH)
    referral = pl.col("referral_date")
    month_index = lambda day: day.dt.year() * 12 + day.dt.month()  # noqa: E731
    before_birth = month_index(referral) < month_index(born)
    years = age_in_years(born, referral)
    checks = [
        RowCheck("FGC309", BIRTH_MONTH, ~unborn.fill_null(False) | pl.col(raw(BIRTH_MONTH)).is_null(),
                 lambda row: "is given, but unborn is Y: leave birth_month blank for an unborn child.",
                 value=lambda row: row[raw(BIRTH_MONTH)]),
        RowCheck("FGC309", "sex", ~unborn.fill_null(False) | pl.col("sex").is_null() | (pl.col("sex") == "U"),
                 lambda row: f"is {row['sex']}, but unborn is Y: the sex of an unborn child is U.",
                 value=lambda row: row[raw("sex")], suffix=":unborn"),
    ]
    checked = (pl.col("unborn") == "N") & born.is_not_null() & referral.is_not_null()
    ok = ~checked.fill_null(False) | (~before_birth & (years <= 17))

    def message(row):
        if row[BIRTH_MONTH] > row["referral_date"].replace(day=1):
            return (f"{_month(row[BIRTH_MONTH])} is after the referral ({_iso(row['referral_date'])}): if the child "
                    "was unborn at referral, set unborn to Y and leave birth_month blank.")
        return (f"{_month(row[BIRTH_MONTH])} makes the child 18 or over at referral ({_iso(row['referral_date'])}); "
                "the return is about children aged 0 to 17.")

    checks.append(RowCheck("FGC309", BIRTH_MONTH, ok, message, value=lambda row: _month(row[BIRTH_MONTH]), suffix=":age"))
    return checks


def age_in_years(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years from the middle (the 15th) of the birth month to a date (the spec's "mid-month")."""
    not_yet = (on.dt.month() < born.dt.month()) | ((on.dt.month() == born.dt.month()) & (on.dt.day() < 15))
    return on.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - not_yet.cast(pl.Int32)


def personal_data_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """FGC311: an id column holding what looks like personal data (the value is never shown)."""
    what = {
        NHS_NUMBER: "looks like an NHS number (10 digits with a valid check digit)",
        NAME: "looks like a name (words with a space)",
        DATE_OF_BIRTH: "looks like a date (of birth?)",
    }
    checks = []
    for column in ID_COLUMNS:
        checks.append(RowCheck(
            "FGC311", column, pl.col(f"{column}_personal").is_null(),
            lambda row, c=column: (f"the identifier {what[row[f'{c}_personal']]}; it is not shown here. Use the case "
                                   "management system's own identifier, never personal data."),
        ))
    return checks


def row_checks(spec: ChildSpec, present: set[str]) -> list[RowCheck]:
    """Every row check of the spec's rules, in the spec's order, for a return whose file has the
    columns `present`: each rule's checks are built by the function its registry entry names
    (`row_checks`). A rule of the spec with no entry, or whose entry names no checks and is not
    the reader's (FGC301), is an error naming the rule: never skipped."""
    from fgc_collect.validate.registry import REGISTRY

    refuse_unchecked_child_rules(spec)
    checks = []
    for rule in spec.rules:
        entry = REGISTRY[rule.code]
        if entry.row_checks is not None:
            checks += entry.row_checks(spec, present)
    return checks


def refuse_unchecked_child_rules(spec: ChildSpec) -> None:
    """SpecChangeError, in one sentence, for a child-level rule fgc-collect has no check for (no
    registry entry naming its row checks, and not the reader's FGC301): never skipped silently."""
    from fgc_collect.spec.overlay import SpecChangeError
    from fgc_collect.validate.registry import READER, REGISTRY

    for rule in spec.rules:
        entry = REGISTRY.get(rule.code)
        if entry is None or (entry.row_checks is None and entry.engine != READER):
            raise SpecChangeError(
                f"the {spec.year} child-level rule {rule.code} has no way to be checked: fgc-collect has no "
                "registry entry naming its row checks (fgc_collect/validate/registry.py), so a child-level rule "
                "cannot be added by a survey file alone.")


# --------------------------------------------------------------------------- the frame checked


def checked_frame(typed: pl.DataFrame, unit: str = "row", family_columns: tuple[str, ...] = FAMILY_COLUMNS) -> pl.DataFrame:
    """The typed rows with the helper columns the family checks and messages read. Other rows are
    named by their line (a spreadsheet's line is its row): `unit` is "row" or "line";
    `family_columns`: the year's family-level fields (ChildSpec.family_columns)."""
    family = pl.col(FAMILY_KEY)
    helpers = [
        pl.lit(unit).alias("_unit"),
        pl.col(LINE).first().over(FAMILY_KEY).alias("_family_first_row"),
        pl.int_range(pl.len()).over([FAMILY_KEY, CHILD_KEY]).alias("_child_seq"),
        pl.col(LINE).first().over([FAMILY_KEY, CHILD_KEY]).alias("_child_first_row"),
        family.first().over(CHILD_KEY).alias("_child_first_family"),
        pl.col(LINE).first().over(CHILD_KEY).alias("_child_first_family_row"),
    ]
    for column in family_columns:
        helpers += [
            pl.col(column).first().over(FAMILY_KEY).alias(f"{column}__first"),
            pl.col(raw(column)).first().over(FAMILY_KEY).alias(f"{column}__first_raw"),
            pl.col(bad(column)).first().over(FAMILY_KEY).alias(f"{column}__first_bad"),
        ]
    return typed.with_columns(helpers)


def schema(frame: pl.DataFrame, checks: list[RowCheck]):
    """The pandera DataFrameSchema: the frame's columns and types, each check on its column."""
    import pandera.polars as pa

    by_column: dict[str, list] = {}
    for check in checks:
        by_column.setdefault(check.column, []).append(
            pa.Check(lambda data, ok=check.ok: data.lazyframe.select(ok.fill_null(True)), name=check.name)
        )
    columns = {
        name: pa.Column(dtype, nullable=True, checks=by_column.get(name, []))
        for name, dtype in frame.schema.items()
    }
    return pa.DataFrameSchema(columns, name="fgc_child_level_rows", strict=False, coerce=False)


def failing_rows(frame: pl.DataFrame, checks: list[RowCheck]) -> dict[str, list[int]]:
    """Check name -> the 0-based indexes of the rows that fail it (pandera, lazy, collected frame)."""
    import pandera.polars as pa

    try:
        schema(frame, checks).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        found: dict[str, list[int]] = {}
        for name, index in cases.select("check", "index").iter_rows():
            if index is None:
                raise RuntimeError(f"pandera reported {name} without a row") from None
            found.setdefault(name, []).append(int(index))
        return {name: sorted(set(rows)) for name, rows in found.items()}
    return {}


def failing_rows_polars(frame: pl.DataFrame, checks: list[RowCheck]) -> dict[str, list[int]]:
    """The same as failing_rows, the same expressions evaluated by polars alone (no pandera import,
    no schema): for the catalogue's example messages."""
    failed = frame.select([(~check.ok.fill_null(True)).alias(check.name) for check in checks])
    found = {name: failed.get_column(name).arg_true().to_list() for name in failed.columns}
    return {name: rows for name, rows in found.items() if rows}


# --------------------------------------------------------------------------- issues


def column_issues(ret: ChildReturn) -> list[Issue]:
    """FGC301: what reading the header row found."""
    issues = []
    for column in ret.missing_columns:
        issues.append(Issue(
            "FGC301", ERROR,
            f"The required column {column} is missing: add a column headed {column} (the header row must have "
            "the column ids of the template's Children sheet).",
            item=column, sheet=ret.sheet,
        ))
    for column, letter in ret.duplicate_columns:
        issues.append(Issue(
            "FGC301", ERROR,
            f"Column {letter} is headed {column} too, but only column {ret.columns[column]} was read: remove or "
            "rename one of them.",
            item=column, sheet=ret.sheet, cell=f"{letter}{ret.header_row}",
        ))
    for header, letter in ret.unknown_columns:
        issues.append(Issue(
            "FGC301", WARNING,
            f"Column {letter} ({_quoted(header)}) is not a column of the child-level return; it was not read and "
            "nothing from it is kept.",
            item=None, sheet=ret.sheet, cell=f"{letter}{ret.header_row}",
        ))
    return issues


def row_issues(ret: ChildReturn, engine: str = "pandera") -> list[Issue]:
    """FGC302-FGC312 on every row, in row order within each rule and column; `engine` "polars"
    finds the failing rows without pandera (failing_rows_polars)."""
    spec = ret.spec
    checks = row_checks(spec, set(ret.columns))
    frame = checked_frame(ret.typed, "line" if ret.is_csv else "row", spec.family_columns)
    failing = (failing_rows_polars if engine == "polars" else failing_rows)(frame, checks)
    issues: list[Issue] = []
    for check in checks:
        indexes = failing.get(check.name)
        if not indexes:
            continue
        shown = frame[indexes[:MAX_ISSUES_PER_CHECK]]
        severity = spec.rule(check.rule).severity
        for row in shown.iter_rows(named=True):
            value = check.value(row) if check.value else None
            issues.append(Issue(
                rule=check.rule,
                severity=severity,
                message=f"{ret.where(row[ROW], row[LINE])}, {check.column}: {check.message(row)}",
                item=check.column,
                sheet=ret.sheet,
                cell=ret.cell(row[ROW], check.column),
                value=value.isoformat() if isinstance(value, date) else value,
            ))
        more = len(indexes) - MAX_ISSUES_PER_CHECK
        if more > 0:
            rows = frame[indexes].get_column(LINE if ret.is_csv else ROW)
            unit = "lines" if ret.is_csv else "rows"
            issues.append(Issue(
                rule=check.rule,
                severity=severity,
                message=(f"... and {more:,} more {unit} with the same problem in column {check.column} "
                         f"({len(indexes):,} in all, {unit} {rows.min():,} to {rows.max():,})."),
                item=check.column,
                sheet=ret.sheet,
            ))
    return issues


def child_rule_issues(ret: ChildReturn, engine: str = "pandera") -> list[Issue]:
    """FGC301-FGC312: the columns, then every row check (`engine`: see row_issues)."""
    return column_issues(ret) + row_issues(ret, engine)


# --------------------------------------------------------------------------- examples

EXAMPLE_LA = "E06000047"  # County Durham: any LA would do, messages about rows never name it


def example_row(spec: ChildSpec) -> dict[str, str]:
    """A clean row of the year's return (a child referred, offered, consenting and meeting in the
    year): what the catalogue's example messages break. Invented identifiers, never personal data."""
    start = spec.period_start
    on = lambda days: date.fromordinal(start.toordinal() + days).isoformat()  # noqa: E731
    row = dict.fromkeys(spec.column_ids, "")
    row.update(
        child_id="C1000001", family_id="F100001", birth_month=f"{start.year - 8}-03", unborn="N", sex="M",
        ethnicity="WBRI", disability="NO", status_at_referral="CIN", referral_source="CSC",
        referral_date=on(30), offer_date=on(37), offer_at_plo="N", consent="Y", consent_date=on(44),
        fgc_held="Y", fgc_date=on(80), fgc_at_plo="N", plan_agreed="Y",
    )
    return row


def example_issues(spec: ChildSpec, columns: list[str], rows: list[dict[str, str]], engine: str = "pandera") -> list[Issue]:
    """What `validate` says about a CSV of `rows` under the header `columns` (read from memory)."""
    import csv
    import io
    from pathlib import Path

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(column) or "" for column in columns] for row in rows)
    data = text.getvalue().encode("utf-8")
    return child_rule_issues(read_child_return(Path("example.csv"), la=EXAMPLE_LA, data=data, spec=spec), engine)


def example_message(code: str, year: str | None = None) -> str:
    """The catalogue's example message of a child-level rule: what the validator says at the column
    of the rule's breaking example (its registry entry's `row_breaks`) applied to the year's
    example row (the year of the spec in force unless given). The failing rows are found by polars
    alone (a catalogue need not wait for pandera); the words are the validator's own."""
    from fgc_collect.validate.common import spec_in_force

    return _example_message(code, year or spec_in_force().year)


@cache
def _example_message(code: str, year: str) -> str:
    from fgc_collect.child.spec import load_child_spec
    from fgc_collect.validate.registry import REGISTRY

    spec = load_child_spec(year)
    breaks = REGISTRY[code].row_breaks
    issues = example_issues(spec, breaks.columns(spec), breaks.rows(example_row(spec), spec), engine="polars")
    found = [issue.message for issue in issues if issue.rule == code and issue.item == breaks.at]
    if not found:
        raise LookupError(f"the breaking example of {code} does not fire it at {breaks.at} in {year}.")
    return found[0]
