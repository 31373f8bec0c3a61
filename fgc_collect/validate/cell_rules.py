"""FGC001-FGC011: what a single cell may hold.

Each rule is reached through its entry in the rule registry (registry.py). Most are one pandera
(polars backend) DataFrameSchema over the cells of every return of the batch stacked into one
frame: each entry's `cell_failing` builds the polars expression that is True on a failing row, the
schema has one check per rule of the spec, named by its code, validated lazily on a collected
DataFrame, and each failure case becomes an issue at the council's cell with the message of the
entry's `cell_message`. The rules that need reference data or more than an expression (FGC005 and
FGC006: which LA; FGC010: personal data in free text) have a `cell_check`: a Python function of
one return, ReturnView -> [Issue].

pandera is imported inside the functions that run it: importing this module costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from fgc_collect.model import Issue
from fgc_collect.read.aggregate import FRAME_SCHEMA, FREE_TEXT_KINDS
from fgc_collect.reference import find_la, find_la_by_name, retired_codes
from fgc_collect.spec import Spec
from fgc_collect.validate import messages
from fgc_collect.validate.common import ReturnView, json_safe, make_issue, per_spec, spec_in_force

if TYPE_CHECKING:
    import pandera.polars as pa

    from fgc_collect.validate.registry import Rule

RETURN_COLUMN = "return_index"
EXTRA_SCHEMA = {
    RETURN_COLUMN: pl.Int64,  # the return's position in the batch
    "required": pl.Boolean,  # required, with required_if evaluated on the return's own answers
    "minimum": pl.Float64,  # decimal items
    "maximum": pl.Float64,
    "max_chars": pl.Int64,  # longtext items
}
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"


# --- the stacked frame ---------------------------------------------------------------------------


@per_spec
def _spec_attributes(spec: Spec) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "item_id": cell.id,
                "minimum": None if cell.item.minimum is None else float(cell.item.minimum),
                "maximum": None if cell.item.maximum is None else float(cell.item.maximum),
                "max_chars": cell.item.max_chars if cell.kind == "longtext" else None,
            }
            for cell in spec.input_cells
        ],
        schema={"item_id": pl.String, "minimum": pl.Float64, "maximum": pl.Float64, "max_chars": pl.Int64},
        orient="row",
    )


def required_items(view: ReturnView) -> dict[str, str | None]:
    """Items this return must answer -> the condition that makes them required (None: always)."""
    required: dict[str, str | None] = {}
    for item in view.spec.items:
        if item.required:
            required[item.id] = None
        elif item.required_if is not None and view.value(item.required_if.item) == item.required_if.value:
            required[item.id] = str(item.required_if)
    return required


def stacked_cells(views: list[ReturnView]) -> pl.DataFrame:
    """The cells of every return, one under the other, with the return's index and the spec's
    attributes each rule needs."""
    spec = views[0].spec
    attributes = _spec_attributes(spec)
    frames = []
    for view in views:
        required = list(required_items(view))
        frames.append(
            view.ret.cells.select(list(FRAME_SCHEMA)).with_columns(
                pl.lit(view.index, dtype=pl.Int64).alias(RETURN_COLUMN),
                pl.col("item").is_in(required).alias("required"),
            )
        )
    frame = pl.concat(frames, how="vertical_relaxed").join(attributes, on="item_id", how="left", maintain_order="left")
    return frame.select([*FRAME_SCHEMA, *EXTRA_SCHEMA])


# --- the rules of the spec, through their registry entries ---------------------------------------


def cell_entries(spec: Spec | None = None, field: str = "cell_failing") -> dict[str, Rule]:
    """The registry entries of the spec's cell rules that have `field` (cell_failing: the pandera
    rules; cell_check: the Python ones), code -> entry, in the spec's order."""
    from fgc_collect.validate.registry import entries_for

    return entries_for(spec or spec_in_force(), "cell", field)


# --- the checks: a polars expression that is True on a failing row (an entry's cell_failing) -----

_kind, _raw_kind, _number = pl.col("kind"), pl.col("raw_kind"), pl.col("number")
_filled = ~_raw_kind.is_in(["blank", "error"])


def failing_fgc001() -> pl.Expr:
    count_bad = (_kind == "count") & _filled & (
        _raw_kind.is_in(["date", "bool"])
        | (_number.is_null() & ~pl.col("suppressed"))
        | (_number < 0)
        | (_number != _number.floor())
    )
    decimal_bad = (_kind == "decimal") & _filled & (
        _number.is_null()
        | (_number < pl.col("minimum").fill_null(0))
        | (pl.col("maximum").is_not_null() & (_number > pl.col("maximum")))
    )
    return count_bad | decimal_bad


def failing_fgc002() -> pl.Expr:
    return (_kind == "count") & _filled & pl.col("suppressed")


def failing_fgc003() -> pl.Expr:
    return _kind.is_in(["count", "decimal"]) & pl.col("number_from_text") & ~failing_fgc001().fill_null(False)


def failing_fgc004() -> pl.Expr:
    return pl.col("required") & (_raw_kind == "blank")


def failing_fgc007() -> pl.Expr:
    return (_kind == "email") & pl.col("text").is_not_null() & ~pl.col("text").str.contains(EMAIL_PATTERN)


def failing_fgc008() -> pl.Expr:
    return (_kind == "choice") & _filled & pl.col("code").is_null()


def failing_fgc009() -> pl.Expr:
    return pl.col("max_chars").is_not_null() & (pl.col("text").str.len_chars() > pl.col("max_chars"))


def failing_fgc011() -> pl.Expr:
    return _raw_kind == "error"


# --- their messages (an entry's cell_message): (spec, failing row, ReturnView) -> message --------


def message_fgc001(spec: Spec, row: dict, view: ReturnView) -> str:
    return messages.fgc001(
        row["item_id"], row["cell"], row["raw_kind"], row["raw_text"], row["number"], row["minimum"], row["maximum"],
        decimal=row["kind"] == "decimal",
    )


def message_fgc002(spec: Spec, row: dict, view: ReturnView) -> str:
    return messages.fgc002(row["item_id"], row["cell"], row["raw_text"])


def message_fgc003(spec: Spec, row: dict, view: ReturnView) -> str:
    return messages.fgc003(row["item_id"], row["cell"], row["raw_text"], row["number"])


def message_fgc004(spec: Spec, row: dict, view: ReturnView) -> str:
    condition = required_items(view).get(row["item"])
    return messages.fgc004(row["item_id"], row["cell"], condition, missing=row["located_by"] == "missing")


def message_fgc007(spec: Spec, row: dict, view: ReturnView) -> str:
    return messages.fgc007(row["item_id"], row["cell"])


def message_fgc008(spec: Spec, row: dict, view: ReturnView) -> str:
    choices = spec.input_cell(row["item_id"]).choices
    return messages.fgc008(row["item_id"], row["cell"], row["raw_text"], [choice.label for choice in choices])


def message_fgc009(spec: Spec, row: dict, view: ReturnView) -> str:
    return messages.fgc009(row["item_id"], row["cell"], len(row["text"]), row["max_chars"])


def message_fgc011(spec: Spec, row: dict, view: ReturnView) -> str:
    return messages.fgc011(row["item_id"], row["cell"], row["raw_text"])


# --- the pandera schema ---------------------------------------------------------------------------


def _check(code: str, failing: pl.Expr) -> pa.Check:
    import pandera.polars as pa

    passing = (~failing.fill_null(False)).alias(code)
    return pa.Check(lambda data: data.lazyframe.select(passing), name=code)


def cell_schema(spec: Spec | None = None) -> pa.DataFrameSchema:
    """The pandera schema of the stacked cells: its columns, and one check per pandera rule of
    the spec, built by the rule's registry entry."""
    return _schema(tuple((code, entry.cell_failing) for code, entry in cell_entries(spec).items()))


@cache
def _schema(checks: tuple[tuple[str, Callable[[], pl.Expr]], ...]) -> pa.DataFrameSchema:
    import pandera.polars as pa

    columns = {name: pa.Column(dtype, nullable=True) for name, dtype in {**FRAME_SCHEMA, **EXTRA_SCHEMA}.items()}
    return pa.DataFrameSchema(
        columns=columns, checks=[_check(code, failing()) for code, failing in checks], name="fgc aggregate cells",
        strict=False,
    )


def failure_cases(frame: pl.DataFrame, spec: Spec | None = None) -> pl.DataFrame:
    """pandera's failure cases for the stacked cells: columns check (the rule code) and index (the
    0-based row of `frame`). Empty when every cell passes."""
    import pandera.errors
    import pandera.polars  # noqa: F401 - registers the polars backend

    if isinstance(frame, pl.LazyFrame):  # a LazyFrame would only have its schema checked
        frame = frame.collect()
    try:
        cell_schema(spec).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        unexpected = cases.filter(pl.col("index").is_null() | ~pl.col("check").is_in(list(cell_entries(spec))))
        if unexpected.height:  # a schema problem (a column missing or of the wrong type) is a bug
            raise RuntimeError(f"the cells frame does not match the validator's schema: {unexpected.rows()}") from errors
        return cases.select("check", "index")
    return pl.DataFrame(schema={"check": pl.String, "index": pl.Int32})


def issues_from_failure_cases(cases: pl.DataFrame, frame: pl.DataFrame, views: list[ReturnView]) -> list[tuple[int, Issue]]:
    """(return index, Issue) for each failure case: the row of the stacked frame says which return,
    item and cell; the rule's entry writes the message from the cell's own value."""
    spec = views[0].spec
    entries = cell_entries(spec)
    found = []
    for code, index in cases.select("check", "index").iter_rows():
        row = frame.row(int(index), named=True)
        view = views[row[RETURN_COLUMN]]
        issue = Issue(
            rule=code,
            severity=spec.rule(code).severity,
            message=entries[code].cell_message(spec, row, view),
            item=row["item_id"],
            sheet=row["sheet"],
            cell=row["cell"],
            value=json_safe(_given(row)),
        )
        found.append((view.index, issue))
    return found


def _given(row: dict) -> object:
    """The value as the council gave it: the figure for a number cell, else the text. Free text
    (names, email addresses, comments) is never repeated: a long text gives its length, the others
    nothing."""
    if row["kind"] == "longtext" and row["text"] is not None:
        return len(row["text"])
    if row["kind"] in FREE_TEXT_KINDS:
        return None
    if row["raw_kind"] == "number" and row["number"] is not None:
        return row["number"]
    return row["raw_text"]


def pandera_issues(views: list[ReturnView]) -> list[tuple[int, Issue]]:
    frame = stacked_cells(views)
    return issues_from_failure_cases(failure_cases(frame, views[0].spec), frame, views)


# --- FGC005, FGC006: which LA --------------------------------------------------------------------

_NAME_NOISE = frozenset({"council", "county", "city", "borough", "metropolitan", "district", "of", "the",
                         "london", "royal", "and", "upon", "on", "le"})


def _name_words(name: str) -> set[str]:
    words = re.findall(r"[a-z]+", name.casefold().replace("&", " and "))
    return {word for word in words if word not in _NAME_NOISE}


def _a2_cell(view: ReturnView) -> str | None:
    location = view.location("A2")
    return location.cell if location else None


def check_fgc005(view: ReturnView) -> list[Issue]:
    """A2 is not a current LA code; an old one is named with its successors."""
    code = view.value("A2")
    if not isinstance(code, str) or view.la_from_a2 is not None:
        return []
    cell = _a2_cell(view)
    retired = retired_codes().get(code.strip().upper())
    if retired is not None and retired.successors:
        message = messages.fgc005(
            "A2", cell, code.strip().upper(), retired.name.strip(), retired.terminated or None,
            tuple((s.code, s.name) for s in retired.successors),
        )
    else:
        message = messages.fgc005("A2", cell, code)
    return [make_issue(view.spec, "FGC005", view, "A2", message, view.raw("A2"))]


def check_fgc006(view: ReturnView) -> list[Issue]:
    """A1's name, or the template's own LA, is not the LA of A2's code."""
    la = view.la_from_a2
    if la is None:
        return []
    spec, cell, issues = view.spec, _a2_cell(view), []
    name = view.value("A1")
    if isinstance(name, str):
        named_la = find_la_by_name(name)
        differs = named_la.code != la.code if named_la is not None else not (_name_words(name) & _name_words(la.name))
        if differs:
            message = messages.fgc006_name(cell, la.code, la.name, named_la.name if named_la else None)
            issues.append(make_issue(spec, "FGC006", view, "A2", message, view.raw("A2")))
    template_la = find_la(view.ret.metadata.get("la_code"))
    if template_la is not None and template_la.code != la.code:
        message = messages.fgc006_template(cell, la.code, la.name, template_la.code, template_la.name)
        issues.append(make_issue(spec, "FGC006", view, "A2", message, view.raw("A2")))
    return issues


# --- FGC010: personal data in free text ----------------------------------------------------------

_POSTCODE_AREAS = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC "
    "EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS "
    "LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP "
    "SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
).split()
# Written in capitals, as postcodes are: "DH1 5UQ", "SW1A 2AA", "M1 1AE".
_POSTCODE = re.compile(
    rf"\b(?:{'|'.join(sorted(_POSTCODE_AREAS, key=len, reverse=True))})\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{{2}}\b"
)
_NHS_NUMBER = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{2,4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}})"
_DATE_OF_BIRTH = re.compile(rf"\b(?:d\.?\s?o\.?\s?b\b\.?|date of birth|born(?:\s+on)?)[\s:,-]*{_DATE}", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A UK phone number: 0 (or +44, "(0)" optional) then 9 or 10 digits, the first not 0, spaces, hyphens or brackets
# between them: "07700 900123", "0191 383 3000", "+44 (0)20 7946 0958".
_PHONE = re.compile(r"(?<![\w+])(?:\+44[\s-]?(?:\(0\)[\s-]?)?|\(?0)(?=[1-9])(?:\d[\s()-]{0,2}){8,9}\d(?![\w-])")


def valid_nhs_number(digits: str) -> bool:
    """The NHS number's modulus 11 check digit is right (and it is not one digit repeated)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def personal_data_kinds(text: str, own_email: str | None = None) -> list[str]:
    """What kinds of personal data a free text seems to contain (empty if none)."""
    kinds = []
    if any(valid_nhs_number("".join(match.groups())) for match in _NHS_NUMBER.finditer(text)):
        kinds.append("an NHS number")
    if _POSTCODE.search(text):
        kinds.append("a postcode")
    if _DATE_OF_BIRTH.search(text):
        kinds.append("a date of birth")
    own = (own_email or "").strip().casefold()
    if any(match.group(0).casefold() != own for match in _EMAIL.finditer(text)):
        kinds.append("an email address")
    if _PHONE.search(text):
        kinds.append("a phone number")
    return kinds


@per_spec
def free_text_items(spec: Spec) -> tuple[str, ...]:
    """The items FGC010 reads, as its applies_to lists them: 'free text (A7, A14, A15, E1)'."""
    return tuple(re.findall(r"\b[A-E]\d+\b", spec.rule("FGC010").applies_to))


def check_fgc010(view: ReturnView) -> list[Issue]:
    issues = []
    own_email = view.value("A4") if isinstance(view.value("A4"), str) else None
    for item_id in free_text_items(view.spec):
        text = view.value(item_id)
        if not isinstance(text, str):
            continue
        kinds = personal_data_kinds(text, own_email)
        if kinds:
            location = view.location(item_id)
            message = messages.fgc010(item_id, location.cell if location else None, kinds)
            # The value is left out on purpose: the report must not copy the personal data.
            issues.append(make_issue(view.spec, "FGC010", view, item_id, message, None))
    return issues


def python_cell_issues(views: list[ReturnView]) -> list[tuple[int, Issue]]:
    """The issues of the spec's Python cell rules, each run by its registry entry's cell_check."""
    checks = [entry.cell_check for entry in cell_entries(views[0].spec, "cell_check").values()]
    return [(view.index, issue) for view in views for check in checks for issue in check(view)]


def cell_issues(views: list[ReturnView]) -> list[tuple[int, Issue]]:
    """Every FGC001-FGC011 issue of the batch, as (return index, issue)."""
    if not views:
        return []
    return pandera_issues(views) + python_cell_issues(views)

