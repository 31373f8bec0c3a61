"""FGC001-FGC011: what a single cell may hold.

Most are one pandera (polars backend) DataFrameSchema over the cells of every return of the batch
stacked into one frame, each check named by its rule code and validated lazily on a collected
DataFrame; pandera's failure cases are turned back into issues at the council's cells. The rules
that need reference data or more than an expression (FGC005 and FGC006: which LA; FGC010: personal
data in free text) are small Python functions over the same returns.

pandera is imported inside the functions that run it: importing this module costs nothing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from fgc_collect.model import Issue
from fgc_collect.read.aggregate import FRAME_SCHEMA, FREE_TEXT_KINDS
from fgc_collect.reference import find_la, find_la_by_name, retired_codes
from fgc_collect.spec import Spec
from fgc_collect.validate import messages
from fgc_collect.validate.common import ReturnView, json_safe, make_issue, per_spec

if TYPE_CHECKING:
    import pandera.polars as pa

# The rules the pandera schema checks, in the order of the catalogue.
PANDERA_RULES = ("FGC001", "FGC002", "FGC003", "FGC004", "FGC007", "FGC008", "FGC009", "FGC011")
PYTHON_RULES = ("FGC005", "FGC006", "FGC010")

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


# --- the checks: a polars expression that is True on a failing row -------------------------------

_kind, _raw_kind, _number = pl.col("kind"), pl.col("raw_kind"), pl.col("number")
_filled = ~_raw_kind.is_in(["blank", "error"])


def _failing() -> dict[str, pl.Expr]:
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
    fgc001 = count_bad | decimal_bad
    return {
        "FGC001": fgc001,
        "FGC002": (_kind == "count") & _filled & pl.col("suppressed"),
        "FGC003": _kind.is_in(["count", "decimal"]) & pl.col("number_from_text") & ~fgc001.fill_null(False),
        "FGC004": pl.col("required") & (_raw_kind == "blank"),
        "FGC007": (_kind == "email") & pl.col("text").is_not_null() & ~pl.col("text").str.contains(EMAIL_PATTERN),
        "FGC008": (_kind == "choice") & _filled & pl.col("code").is_null(),
        "FGC009": pl.col("max_chars").is_not_null() & (pl.col("text").str.len_chars() > pl.col("max_chars")),
        "FGC011": _raw_kind == "error",
    }


def _check(code: str, failing: pl.Expr) -> pa.Check:
    import pandera.polars as pa

    passing = (~failing.fill_null(False)).alias(code)
    return pa.Check(lambda data: data.lazyframe.select(passing), name=code)


@cache
def cell_schema() -> pa.DataFrameSchema:
    """The pandera schema of the stacked cells: its columns, and one check per rule code."""
    import pandera.polars as pa

    columns = {name: pa.Column(dtype, nullable=True) for name, dtype in {**FRAME_SCHEMA, **EXTRA_SCHEMA}.items()}
    checks = [_check(code, expression) for code, expression in _failing().items()]
    return pa.DataFrameSchema(columns=columns, checks=checks, name="fgc aggregate cells", strict=False)


def failure_cases(frame: pl.DataFrame) -> pl.DataFrame:
    """pandera's failure cases for the stacked cells: columns check (the rule code) and index (the
    0-based row of `frame`). Empty when every cell passes."""
    import pandera.errors
    import pandera.polars  # noqa: F401 - registers the polars backend

    if isinstance(frame, pl.LazyFrame):  # a LazyFrame would only have its schema checked
        frame = frame.collect()
    try:
        cell_schema().validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        unexpected = cases.filter(pl.col("index").is_null() | ~pl.col("check").is_in(PANDERA_RULES))
        if unexpected.height:  # a schema problem (a column missing or of the wrong type) is a bug
            raise RuntimeError(f"the cells frame does not match the validator's schema: {unexpected.rows()}") from errors
        return cases.select("check", "index")
    return pl.DataFrame(schema={"check": pl.String, "index": pl.Int32})


def issues_from_failure_cases(cases: pl.DataFrame, frame: pl.DataFrame, views: list[ReturnView]) -> list[tuple[int, Issue]]:
    """(return index, Issue) for each failure case: the row of the stacked frame says which return,
    item and cell; the message is written from the cell's own value."""
    spec = views[0].spec
    found = []
    for code, index in cases.select("check", "index").iter_rows():
        row = frame.row(int(index), named=True)
        view = views[row[RETURN_COLUMN]]
        found.append((view.index, _cell_issue(spec, code, row, view)))
    return found


def _cell_issue(spec: Spec, code: str, row: dict, view: ReturnView) -> Issue:
    item_id, cell, raw = row["item_id"], row["cell"], row["raw_text"]
    input_cell = spec.input_cell(item_id)
    if code == "FGC001":
        message = messages.fgc001(
            item_id, cell, row["raw_kind"], raw, row["number"], row["minimum"], row["maximum"],
            decimal=row["kind"] == "decimal",
        )
    elif code == "FGC002":
        message = messages.fgc002(item_id, cell, raw)
    elif code == "FGC003":
        message = messages.fgc003(item_id, cell, raw, row["number"])
    elif code == "FGC004":
        condition = required_items(view).get(row["item"])
        message = messages.fgc004(item_id, cell, condition, missing=row["located_by"] == "missing")
    elif code == "FGC007":
        message = messages.fgc007(item_id, cell)
    elif code == "FGC008":
        message = messages.fgc008(item_id, cell, raw, [choice.label for choice in input_cell.choices])
    elif code == "FGC009":
        message = messages.fgc009(item_id, cell, len(row["text"]), row["max_chars"])
    elif code == "FGC011":
        message = messages.fgc011(item_id, cell, raw)
    else:  # pragma: no cover - failure_cases() lets only the schema's own checks through
        raise ValueError(code)
    return Issue(
        rule=code,
        severity=spec.rule(code).severity,
        message=message,
        item=item_id,
        sheet=row["sheet"],
        cell=cell,
        value=json_safe(_given(row)),
    )


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
    return issues_from_failure_cases(failure_cases(frame), frame, views)


# --- FGC005, FGC006: which LA --------------------------------------------------------------------

_NAME_NOISE = frozenset({"council", "county", "city", "borough", "metropolitan", "district", "of", "the",
                         "london", "royal", "and", "upon", "on", "le"})


def _name_words(name: str) -> set[str]:
    words = re.findall(r"[a-z]+", name.casefold().replace("&", " and "))
    return {word for word in words if word not in _NAME_NOISE}


def la_issues(view: ReturnView) -> list[Issue]:
    spec = view.spec
    issues = []
    code = view.value("A2")
    location = view.location("A2")
    cell = location.cell if location else None
    la = view.la_from_a2
    if isinstance(code, str) and la is None:
        retired = retired_codes().get(code.strip().upper())
        if retired is not None and retired.successors:
            message = messages.fgc005(
                "A2", cell, code.strip().upper(), retired.name.strip(), retired.terminated or None,
                tuple((s.code, s.name) for s in retired.successors),
            )
        else:
            message = messages.fgc005("A2", cell, code)
        issues.append(make_issue(spec, "FGC005", view, "A2", message, view.raw("A2")))
    if la is None:
        return issues
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


def personal_data_issues(view: ReturnView) -> list[Issue]:
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
    found = []
    for view in views:
        for issue in la_issues(view) + personal_data_issues(view):
            found.append((view.index, issue))
    return found


def cell_issues(views: list[ReturnView]) -> list[tuple[int, Issue]]:
    """Every FGC001-FGC011 issue of the batch, as (return index, issue)."""
    if not views:
        return []
    return pandera_issues(views) + python_cell_issues(views)

