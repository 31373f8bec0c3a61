"""Builds the Excel survey template from the spec, following the layout contract in layout.py.

Sheets, in order: Cover, one sheet per section (A to E), Definitions, the hidden lists sheet and
the very hidden metadata sheet. Every input cell carries the workbook-scoped defined name
Q_<input cell id>, sits in column D of a row whose column A holds that id, and is the only kind
of cell left unlocked; the sheets are protected without a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from fgc_collect.reference import LocalAuthority
from fgc_collect.spec import Category, InputCell, Item, Section, Spec, load_spec

from . import layout

# The research team sets the real address before the survey goes out.
CONTACT_EMAIL = "fgc-survey@example.org"

# Colours: pale and few, as in a government statistics workbook.
INPUT_COLOUR = "FFF2CC"  # pale yellow: cells to fill in
LOCKED_COLOUR = "E7E6E6"  # grey: prefilled or calculated, locked
CHECK_COLOUR = "DEEAF6"  # pale blue: checks the workbook makes
HEADER_COLOUR = "1F4E79"  # dark blue heading row, white text
TITLE_COLOUR = "1F4E79"
PROBLEM_COLOUR = "9C0006"  # dark red text of a failed check
OK_COLOUR = "006100"  # dark green text of a passed check

ANSWER_WIDTH_NUMBERS = 16
ANSWER_WIDTH_TEXT = 50
LONGTEXT_ROW_HEIGHT = 150
SPACER_ROWS = 1  # blank rows between two items on a section sheet

CHECK_OK = "OK"
CHECK_ADDS_UP = "Adds up"

# Plain names of the spec's category sets, for the Definitions sheet.
CATEGORY_SET_NAMES = {
    "AGE": "Age, at the date the count refers to (referral, consent or conference)",
    "SEX": "Sex (Unknown includes unborn children)",
    "ETH": "Ethnicity: DfE/GSS harmonised major groups (Chinese is counted under Asian)",
    "DIS": "Disability",
    "STATUS": (
        "Social care status at referral: one per child, the first that applies in this order: "
        "care proceedings, pre-proceedings, looked after, child protection plan, child in need plan, "
        "early help, other"
    ),
    "SOURCE": "Who referred the family to the FGC service",
    "DECLINE": "Main reason a family declined the offer of an FGC",
    "NOTHELD": "Main reason a consented FGC did not take place",
    "YESNO": "Yes or No",
}

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor=INPUT_COLOUR)
_LOCKED_FILL = PatternFill("solid", fgColor=LOCKED_COLOUR)
_CHECK_FILL = PatternFill("solid", fgColor=CHECK_COLOUR)
_HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
FONT_NAME = "Calibri"  # Excel's default, so that what we style matches what councils type


def _font(size: float = 11, **style) -> Font:
    return Font(name=FONT_NAME, size=size, **style)


_TITLE_FONT = _font(14, bold=True, color=TITLE_COLOUR)
_HEADING_FONT = _font(12, bold=True, color=TITLE_COLOUR)
_HEADER_FONT = _font(bold=True, color="FFFFFF")
_BOLD = _font(bold=True)
_PLAIN = _font()
_NOTE_FONT = _font(italic=True, color="595959")


# --------------------------------------------------------------------------- where cells go


@dataclass(frozen=True)
class SheetRow:
    """One row of a section sheet below the header: an input cell, or a breakdown's total."""

    row: int
    item: Item
    cell: InputCell | None  # None: the locked total row of a breakdown

    @property
    def id(self) -> str:
        """What column A holds: the input cell id, or the breakdown id on its total row."""
        return self.cell.id if self.cell is not None else self.item.id


def section_rows(section: Section) -> tuple[SheetRow, ...]:
    """The rows of a section sheet, in order (spacer rows are not listed)."""
    rows = []
    row = layout.HEADER_ROW + 1
    for index, item in enumerate(section.items):
        if index:
            row += SPACER_ROWS
        for cell in item.cells:
            rows.append(SheetRow(row, item, cell))
            row += 1
        if item.is_breakdown:
            rows.append(SheetRow(row, item, None))
            row += 1
    return tuple(rows)


def cell_positions(spec: Spec | None = None) -> dict[str, tuple[str, str]]:
    """Input cell id -> (sheet name, A1 reference of its answer cell), e.g. ("B Referrals", "D5")."""
    spec = spec or load_spec()
    column = get_column_letter(layout.ANSWER_COLUMN)
    return {
        row.cell.id: (section.sheet, f"{column}{row.row}")
        for section in spec.sections
        for row in section_rows(section)
        if row.cell is not None
    }


def _absolute(sheet: str, coordinate: str) -> str:
    column = coordinate.rstrip("0123456789")
    return f"{quote_sheetname(sheet)}!${column}${coordinate[len(column):]}"


# --------------------------------------------------------------------------- text


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _period(spec: Spec) -> str:
    return f"{_long_date(spec.period_start)} to {_long_date(spec.period_end)}"


def _instruction(section: Section, spec: Spec) -> str:
    kinds = {cell.kind for item in section.items for cell in item.cells}
    if "count" in kinds:
        return (
            f"Enter exact whole numbers for {_period(spec)} in the yellow cells: 0 if there were none, "
            "blank only if the figure is not known. Column E checks your figures as you go."
        )
    if kinds <= {"longtext"}:
        return "Add anything that will help us understand your figures. Do not name or identify any child or family."
    return "Fill in the yellow cells. Where a cell has a drop-down list, choose from the list."


def _requirement(item: Item) -> str:
    if item.required:
        return "Required."
    if item.required_if is not None:
        if str(item.required_if) == "A5 == Y":
            return "Required if you had an FGC service (A5 is Yes)."
        return f"Required if {item.required_if}."
    return ""


def _prompt(item: Item) -> tuple[str, str]:
    """The input message of an item's cells: (title <= 32 chars, prompt <= 255 chars)."""
    kind = item.cells[0].kind
    requirement = _requirement(item)
    if kind == "count":
        what = item.unit or "cases"
        title = f"{item.id}: number of {what}"
        text = f"Exact whole number of {what}: 0 if none, blank only if not known. No '<5' or ranges."
    elif kind == "choice":
        title = f"{item.id}: choose from the list"
        text = "Choose an answer from the drop-down list."
    elif kind == "decimal":
        title = f"{item.id}: a number"
        text = f"A number from {item.minimum:g} to {item.maximum:g}, up to {item.decimals} decimal place(s)."
    elif kind == "longtext":
        title = f"{item.id}: free text"
        text = f"Up to {item.max_chars} characters. Do not name or identify any child or family."
    elif kind == "la_code":
        title = f"{item.id}: local authority code"
        text = "The 9-character code of your local authority, e.g. E06000047."
    elif kind == "email":
        title = f"{item.id}: email address"
        text = "A work email address we can use for queries about this return."
    else:
        title = f"{item.id}"
        text = "Type your answer."
    text = f"{text} {requirement}".strip()
    return title[:32], text[:255]


# --------------------------------------------------------------------------- styling helpers


def _style_input(cell, kind: str) -> None:
    cell.fill = _INPUT_FILL
    cell.border = _BORDER
    cell.protection = _UNLOCKED
    if kind == "longtext":
        cell.alignment = _WRAP_TOP
    else:
        cell.alignment = _TOP
    if kind == "count":
        cell.number_format = "#,##0"
    elif kind == "decimal":
        cell.number_format = "0.0"
    elif kind in ("text", "email", "la_code", "longtext"):
        cell.number_format = "@"


def _style_locked(cell, fill=_LOCKED_FILL) -> None:
    cell.fill = fill
    cell.border = _BORDER
    cell.protection = _LOCKED
    cell.alignment = _TOP


LINE_HEIGHT = 15  # points per line of 11-point text


def _wrapped_lines(text: str, width: float, bold: bool) -> int:
    """How many lines `text` takes in a column `width` characters wide, word-wrapped (an estimate
    erring on the generous side: spreadsheet programs do not all fit row heights on opening)."""
    per_line = max(1, int(width * (0.9 if bold else 1.0)) - 1)
    lines = 0
    for paragraph in text.split("\n"):
        count, used = 1, 0
        for word in paragraph.split():
            if used and used + 1 + len(word) > per_line:
                count, used = count + 1, len(word)
            else:
                used += len(word) + (1 if used else 0)
        lines += count
    return lines


def _fit_rows(ws: Worksheet) -> None:
    """Give rows with wrapped text the height they need, unless a height is already set."""
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.alignment.wrap_text and not cell.value.startswith("="):
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                lines = max(lines, _wrapped_lines(cell.value, width, bool(cell.font.b)))
        r = row[0].row
        if lines > 1 and ws.row_dimensions[r].height is None:
            ws.row_dimensions[r].height = lines * LINE_HEIGHT + 2


def _protect(ws: Worksheet) -> None:
    """Protected without a password: councils may unprotect; formatting rows and columns is allowed."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _print_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


# --------------------------------------------------------------------------- lists sheet


class _Lists:
    """The hidden sheet of dropdown lists: one column per distinct list of choices (labels)."""

    def __init__(self, ws: Worksheet, spec: Spec):
        self.ws = ws
        self.spec = spec
        self.columns: dict[tuple[Category, ...], str] = {}

    def range_for(self, item: Item, choices: tuple[Category, ...]) -> str:
        if choices not in self.columns:
            name = next((n for n, codes in self.spec.category_sets.items() if codes == choices), item.id)
            column = get_column_letter(len(self.columns) + 1)
            self.ws[f"{column}1"] = name
            self.ws[f"{column}1"].font = _BOLD
            for offset, choice in enumerate(choices, start=2):
                self.ws[f"{column}{offset}"] = choice.label
            self.ws.column_dimensions[column].width = max(12, min(60, max(len(c.label) for c in choices) + 2))
            self.columns[choices] = f"{quote_sheetname(self.ws.title)}!${column}$2:${column}${len(choices) + 1}"
        return self.columns[choices]


# --------------------------------------------------------------------------- section sheets


def _validation(item: Item, kind: str, lists: _Lists) -> DataValidation | None:
    title, prompt = _prompt(item)
    common = dict(allow_blank=True, showInputMessage=True, promptTitle=title, prompt=prompt)
    if kind == "count":
        return DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", showErrorMessage=True,
            errorStyle="stop", errorTitle="Whole number needed",
            error="Enter an exact whole number, 0 or more (0 if none). Leave blank only if not known. "
            "Do not use '<5', ranges or text.", **common,
        )
    if kind == "decimal":
        return DataValidation(
            type="decimal", operator="between", formula1=f"{item.minimum:g}", formula2=f"{item.maximum:g}",
            showErrorMessage=True, errorStyle="stop", errorTitle="Number out of range",
            error=f"Enter a number from {item.minimum:g} to {item.maximum:g}.", **common,
        )
    if kind == "choice":
        return DataValidation(
            type="list", formula1=lists.range_for(item, item.cells[0].choices), showDropDown=False,
            showErrorMessage=True, errorStyle="stop", errorTitle="Choose from the list",
            error="Choose one of the answers in the drop-down list.", **common,
        )
    if kind == "longtext":
        return DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=str(item.max_chars),
            showErrorMessage=True, errorStyle="stop", errorTitle="Text too long",
            error=f"Keep this to {item.max_chars} characters or fewer.", **common,
        )
    if kind == "la_code":
        return DataValidation(
            type="textLength", operator="equal", formula1="9", showErrorMessage=True,
            errorStyle="warning", errorTitle="Check the code",
            error="Local authority codes have 9 characters, e.g. E06000047.", **common,
        )
    return DataValidation(**common)  # text, email: a prompt only


def _ref(here: str, sheet: str, coordinate: str) -> str:
    return coordinate if sheet == here else f"{quote_sheetname(sheet)}!{coordinate}"


def _comparison_checks(spec: Spec) -> dict[str, list[tuple[str, str, str]]]:
    """Input cell id -> [(op, other id, message)] for the hard in-return comparisons (FGC104, FGC105)."""
    checks: dict[str, list[tuple[str, str, str]]] = {}
    for code in ("FGC104", "FGC105"):
        try:
            comparisons = spec.comparisons(code)
        except (KeyError, ValueError):
            continue
        for comparison in comparisons:
            if len(comparison.left) != 1 or len(comparison.right) != 1:
                continue
            left, right = comparison.left[0], comparison.right[0]
            if not (spec.has_input_cell(left) and spec.has_input_cell(right)):
                continue
            message = f"Must not exceed {right}" if comparison.op == "<=" else f"Must be at least {right}"
            checks.setdefault(left, []).append((comparison.op, right, message))
    return checks


def _count_check_formula(here: str, ref: str, checks, positions) -> str:
    """Column E of a count: text in the cell, then each comparison; blank when there is nothing to say."""
    expression = '""'
    if checks:
        others = [_ref(here, *positions[other]) for _, other, _ in checks]
        numbers = ",".join(f"ISNUMBER({r})" for r in [ref, *others])
        expression = f'IF(AND({numbers}),"{CHECK_OK}","")'
        for (op, _, message), other in reversed(list(zip(checks, others))):
            expression = f'IF(AND(ISNUMBER({ref}),ISNUMBER({other}),NOT({ref}{op}{other})),"{message}",{expression})'
    return f'=IF(ISTEXT({ref}),"Enter a number, not text",{expression})'


def _write_section(
    wb: Workbook, ws: Worksheet, spec: Spec, section: Section, lists: _Lists, la: LocalAuthority | None,
    positions: dict[str, tuple[str, str]], comparisons: dict[str, list[tuple[str, str, str]]],
) -> None:
    check = get_column_letter(layout.CHECK_COLUMN)

    ws.cell(1, 1, f"Section {section.code}: {section.title}").font = _TITLE_FONT
    ws.cell(2, 1, _instruction(section, spec)).font = _NOTE_FONT
    headers = {
        layout.ITEM_ID_COLUMN: layout.ITEM_ID_HEADER,
        layout.QUESTION_COLUMN: "Question",
        layout.CATEGORY_COLUMN: "Category",
        layout.ANSWER_COLUMN: layout.ANSWER_HEADER,
        layout.CHECK_COLUMN: "Check",
    }
    for column, text in headers.items():
        cell = ws.cell(layout.HEADER_ROW, column, text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.row_dimensions[layout.HEADER_ROW].height = 20

    prefill = _prefilled_values(spec, la) if la is not None else {}

    validations: dict[str, DataValidation] = {}
    rows = section_rows(section)
    first_row_of: dict[str, int] = {}
    for entry in rows:
        item, r = entry.item, entry.row
        ws.cell(r, layout.ITEM_ID_COLUMN, entry.id).alignment = _TOP
        if item.id not in first_row_of:
            first_row_of[item.id] = r
            ws.cell(r, layout.QUESTION_COLUMN, item.label).alignment = _WRAP_TOP
        if entry.cell is None:
            _write_total_row(ws, spec, section, item, r, rows, positions)
            continue
        cell_spec = entry.cell
        if cell_spec.category is not None:
            ws.cell(r, layout.CATEGORY_COLUMN, cell_spec.category.label).alignment = _WRAP_TOP
        target = ws.cell(r, layout.ANSWER_COLUMN)
        wb.defined_names[cell_spec.defined_name] = DefinedName(
            cell_spec.defined_name, attr_text=_absolute(section.sheet, target.coordinate)
        )
        if cell_spec.id in prefill:
            target.value = prefill[cell_spec.id]
            _style_locked(target)
            continue
        _style_input(target, cell_spec.kind)
        if cell_spec.kind == "longtext":
            ws.row_dimensions[r].height = LONGTEXT_ROW_HEIGHT
        if item.id not in validations:
            validation = _validation(item, cell_spec.kind, lists)
            ws.add_data_validation(validation)
            validations[item.id] = validation
        validations[item.id].add(target.coordinate)
        if cell_spec.kind == "count":
            formula = _count_check_formula(
                section.sheet, target.coordinate, comparisons.get(cell_spec.id, []), positions
            )
            check_cell = ws.cell(r, layout.CHECK_COLUMN, formula)
            _style_locked(check_cell, _CHECK_FILL)

    last_row = rows[-1].row if rows else layout.HEADER_ROW
    first = layout.HEADER_ROW + 1
    check_range = f"{check}{first}:{check}{last_row}"
    problem = f'AND(${check}{first}<>"",${check}{first}<>"{CHECK_OK}",${check}{first}<>"{CHECK_ADDS_UP}")'
    fine = f'OR(${check}{first}="{CHECK_OK}",${check}{first}="{CHECK_ADDS_UP}")'
    ws.conditional_formatting.add(check_range, FormulaRule(formula=[problem], font=Font(bold=True, color=PROBLEM_COLOUR)))
    ws.conditional_formatting.add(check_range, FormulaRule(formula=[fine], font=Font(color=OK_COLOUR)))

    text_answers = any(cell.kind not in ("count", "decimal") for item in section.items for cell in item.cells)
    widths = {
        layout.ITEM_ID_COLUMN: max(10, max(len(entry.id) for entry in rows) + 3),
        layout.QUESTION_COLUMN: 58,
        layout.CATEGORY_COLUMN: 44,
        layout.ANSWER_COLUMN: ANSWER_WIDTH_TEXT if text_answers else ANSWER_WIDTH_NUMBERS,
        layout.CHECK_COLUMN: 44,
    }
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    _fit_rows(ws)
    ws.freeze_panes = f"A{layout.HEADER_ROW + 1}"
    _print_setup(ws, f"1:{layout.HEADER_ROW}")
    _protect(ws)


def _write_total_row(ws, spec: Spec, section: Section, item: Item, r: int, rows, positions) -> None:
    answer = get_column_letter(layout.ANSWER_COLUMN)
    category_rows = [entry.row for entry in rows if entry.item is item and entry.cell is not None]
    span = f"{answer}{category_rows[0]}:{answer}{category_rows[-1]}"
    total_item = spec.item(item.total)
    ws.cell(r, layout.QUESTION_COLUMN).value = (
        f"Total of the categories above (must equal {total_item.id}: {total_item.label})"
    )
    ws.cell(r, layout.QUESTION_COLUMN).alignment = _WRAP_TOP
    ws.cell(r, layout.QUESTION_COLUMN).font = _BOLD
    ws.cell(r, layout.ITEM_ID_COLUMN).font = _BOLD
    total_cell = ws.cell(r, layout.ANSWER_COLUMN, f"=SUM({span})")
    _style_locked(total_cell)
    total_cell.font = _BOLD
    total_cell.number_format = "#,##0"
    ws.parent.defined_names[layout.TOTAL_NAME_PREFIX + item.id] = DefinedName(
        layout.TOTAL_NAME_PREFIX + item.id, attr_text=_absolute(section.sheet, total_cell.coordinate)
    )
    total_ref = _ref(section.sheet, *positions[total_item.cells[0].id])
    n = len(category_rows)
    formula = (
        f'=IF(COUNT({span})=0,"",IF(COUNT({span})<{n},"Fill every category with a number (0 if none)",'
        f'IF(NOT(ISNUMBER({total_ref})),"{total_item.id} is blank",'
        f'IF({total_cell.coordinate}={total_ref},"{CHECK_ADDS_UP}","Does not add up to {total_item.id}"))))'
    )
    _style_locked(ws.cell(r, layout.CHECK_COLUMN, formula), _CHECK_FILL)


# --------------------------------------------------------------------------- cover, definitions, meta


COVER_LA_CELL = "B2"  # the cover's "Local authority" line of a prefilled template


def _cover_la_text(la: LocalAuthority) -> str:
    return f"{la.name} ({la.code})"


def _write_cover(ws: Worksheet, spec: Spec, la: LocalAuthority | None) -> None:
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    row = 1

    def line(label: str | None, text: str | None = None, *, font=None, fill=None) -> None:
        nonlocal row
        if label is not None:
            cell = ws.cell(row, 1, label)
            cell.font = font or _BOLD
            cell.alignment = _TOP
            if fill is not None:
                cell.fill = fill
                cell.border = _BORDER
        if text is not None:
            ws.cell(row, 2, text).alignment = _WRAP_TOP
        row += 1

    def heading(text: str) -> None:
        nonlocal row
        row += 1
        ws.cell(row, 1, text).font = _HEADING_FONT
        row += 1

    ws.cell(row, 1, spec.title).font = _font(16, bold=True, color=TITLE_COLOUR)
    ws.row_dimensions[row].height = 24
    row += 1
    if la is not None:
        line("Local authority", _cover_la_text(la))
        ws[COVER_LA_CELL].alignment = _TOP  # one line, whatever the name: no height depends on it
    else:
        line("Local authority", "Enter your local authority's name and code on sheet "
             f"{spec.sections[0].sheet} (questions A1 and A2).")

    heading("About this survey")
    line(None, "This survey asks every local authority in England about its family group conference (FGC) "
         "service: how it is run, how many families were referred, offered an FGC and took part in one, "
         "and which children they were. The figures are combined into national statistics on FGCs, so that "
         "councils, government and families can see how FGCs are used across the country.")
    line("Period covered", f"{_period(spec)}, unless a question says otherwise.")
    line("Deadline", f"Please return this workbook by {spec.deadline:%A} {_long_date(spec.deadline)}.")

    heading("How to fill it in")
    for text in (
        "Answer on the section sheets A to E. Type only in the pale yellow cells; "
        "where a cell has a drop-down list, choose from it.",
        "Give exact whole numbers. Do not round, and do not hide small numbers ('<5', 'c', '*', ranges): "
        "the research team applies suppression when the figures are published.",
        "Enter 0 when there were none. Leave a cell blank only when the figure is not known: "
        "blank means 'not provided', 0 means 'none'.",
        "Under each breakdown a grey total adds up the categories, and column E says whether it matches "
        "the total it must equal. Use the Unknown category for children whose details are not recorded.",
        "The Definitions sheet explains the terms and lists every category with its code.",
    ):
        line("•", text)

    heading("How to return it")
    for text in (
        f"Email the completed workbook to the research team at {CONTACT_EMAIL}.",
        "Keep it as an Excel workbook (.xlsx). Do not rename, delete, move or add sheets, "
        "and do not insert or delete rows or columns.",
        "The sheets are protected without a password so that answers stay in the right cells; "
        "you may unprotect them to adjust formatting.",
        "Do not put any information that could identify a child or family in the workbook.",
    ):
        line("•", text)
    line("Contact", f"Questions about the survey: {CONTACT_EMAIL} "
         "(the address is set by the research team when the survey is sent out).")

    heading("Colour key")
    line("Your answer", "Pale yellow: a cell for you to fill in.", fill=_INPUT_FILL)
    line("Prefilled / total", "Grey: filled in for you or calculated; locked.", fill=_LOCKED_FILL)
    line("Check", "Pale blue: a check the workbook makes on your figures "
         "(\"OK\" or \"Adds up\" when they agree; a message in red when they do not).", fill=_CHECK_FILL)

    heading("Sheets in this workbook")
    for section in spec.sections:
        line(section.sheet, section.title, font=_PLAIN)
    line(layout.DEFINITIONS_SHEET, "Terms used in the questions, and the categories with their codes", font=_PLAIN)

    row += 1
    ws.cell(row, 1, f"Template version {spec.template_version} ({spec.collection_id}, {spec.level}, "
            f"{spec.year})").font = _NOTE_FONT
    _fit_rows(ws)
    _print_setup(ws)
    ws.page_setup.orientation = "portrait"
    _protect(ws)


TERMS = (
    ("Family", "A case: one referral, one offer, one FGC per family, however many children it includes. "
     "Questions marked 'families' count families."),
    ("Children", "Questions about children count each child in those families once."),
    ("Initial and review FGCs", "An initial FGC is the first conference for a family in a referral; "
     "later conferences that review the family's plan are review FGCs."),
    ("Blank and 0", "Blank means 'not provided': the figure is not known or not recorded. "
     "0 means 'none'. They are different answers."),
    ("Exact numbers only", "Give exact whole numbers. Do not round, and do not write '<5', 'c', '*', "
     "ranges or 'approx': the research team suppresses small numbers at publication, never in a return."),
    ("Period", "{period} unless the question says otherwise. Counts are of events in "
     "the year, so a family referred in one year may be offered an FGC or hold it in the next."),
    ("Breakdowns", "The categories of a breakdown add up to the total named under them. Fill every "
     "category (0 if none), and use Unknown (or Not known) when a child's details are not recorded."),
    ("Codes", "Drop-down lists show the labels below. A return may give either the label or the code."),
)


def _write_definitions(ws: Worksheet, spec: Spec) -> None:
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    ws.cell(1, 1, "Definitions").font = _TITLE_FONT
    row = 3
    ws.cell(row, 1, "Terms").font = _HEADING_FONT
    row += 1
    for term, meaning in TERMS:
        ws.cell(row, 1, term).font = _BOLD
        ws.cell(row, 1).alignment = _TOP
        ws.cell(row, 2, meaning.format(period=_period(spec))).alignment = _WRAP_TOP
        row += 1

    row += 1
    ws.cell(row, 1, "Categories and codes").font = _HEADING_FONT
    row += 1
    used_by: dict[str, list[str]] = {}
    for item in spec.items:
        for name, codes in spec.category_sets.items():
            if item.category_set == name or (item.choices and item.choices == codes):
                used_by.setdefault(name, []).append(item.id)
    lists = [(name, CATEGORY_SET_NAMES.get(name, name), codes) for name, codes in spec.category_sets.items()]
    for item in spec.items:
        if item.choices and item.choices not in spec.category_sets.values():
            lists.append((item.id, f"Answers to {item.id}: {item.label}", item.choices))
    for name, title, codes in lists:
        row += 1
        ws.cell(row, 1, name).font = _BOLD
        ws.cell(row, 2, title).font = _BOLD
        ws.cell(row, 2).alignment = _WRAP_TOP
        row += 1
        if used_by.get(name):
            ws.cell(row, 2, "Used in: " + ", ".join(used_by[name])).font = _NOTE_FONT
            row += 1
        for column, text in ((1, "Code"), (2, "Label")):
            cell = ws.cell(row, column, text)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
        row += 1
        for category in codes:
            ws.cell(row, 1, category.code).border = _BORDER
            ws.cell(row, 2, category.label).border = _BORDER
            row += 1
    _fit_rows(ws)
    _print_setup(ws)
    ws.page_setup.orientation = "portrait"
    _protect(ws)


def _write_meta(ws: Worksheet, spec: Spec, la: LocalAuthority | None) -> None:
    values = {
        "collection": spec.collection_id,
        "level": spec.level,
        "year": spec.year,
        "template_version": spec.template_version,
        "la_code": la.code if la is not None else None,
        "la_name": la.name if la is not None else None,
    }
    for row, key in enumerate(layout.META_KEYS, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, values[key])
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 40
    _protect(ws)


# --------------------------------------------------------------------------- the workbook


def build_template(la: LocalAuthority | None = None, spec: Spec | None = None) -> Workbook:
    """The survey workbook: blank, or prefilled (and locked) with one LA's name and code."""
    spec = spec or load_spec()
    wb = Workbook()
    cover = wb.active
    cover.title = layout.COVER_SHEET
    section_sheets = [wb.create_sheet(section.sheet) for section in spec.sections]
    definitions = wb.create_sheet(layout.DEFINITIONS_SHEET)
    lists_sheet = wb.create_sheet(layout.LISTS_SHEET)
    meta = wb.create_sheet(layout.META_SHEET)

    _write_cover(cover, spec, la)
    lists = _Lists(lists_sheet, spec)
    positions = cell_positions(spec)
    comparisons = _comparison_checks(spec)
    for ws, section in zip(section_sheets, spec.sections):
        _write_section(wb, ws, spec, section, lists, la, positions, comparisons)
    _write_definitions(definitions, spec)
    _protect(lists_sheet)
    lists_sheet.sheet_state = "hidden"
    _write_meta(meta, spec, la)
    meta.sheet_state = "veryHidden"

    if la is not None:
        prefill_la(wb, la, spec)
    wb.active = 0
    wb.properties.title = spec.title
    wb.properties.creator = "fgc-collect"
    return wb


def _prefilled_values(spec: Spec, la: LocalAuthority) -> dict[str, str]:
    """The spec's prefilled items (A1 name, A2 code): input cell id -> the LA's name or code."""
    return {
        cell.id: la.code if cell.kind == "la_code" else la.name
        for item in spec.items
        if item.prefilled
        for cell in item.cells
    }


def prefill_la(wb: Workbook, la: LocalAuthority, spec: Spec | None = None) -> None:
    """Write one LA into a workbook built prefilled (for this LA or another): the cover line, the locked
    A1 and A2, and la_code / la_name on the metadata sheet."""
    cover = wb[layout.COVER_SHEET]
    cover[COVER_LA_CELL].value = _cover_la_text(la)
    for cell_id, value in _prefilled_values(spec or load_spec(), la).items():
        ((sheet, reference),) = wb.defined_names[layout.INPUT_NAME_PREFIX + cell_id].destinations
        wb[sheet][reference.replace("$", "")].value = value
    meta = wb[layout.META_SHEET]
    for row in range(1, meta.max_row + 1):
        key = meta.cell(row, 1).value
        if key == "la_code":
            meta.cell(row, 2).value = la.code
        elif key == "la_name":
            meta.cell(row, 2).value = la.name
