"""Builds the Excel survey template from the spec, following the layout contract in layout.py.

Sheets, in order: Cover, one sheet per section (A to E), Definitions, the hidden lists sheet, the
very hidden metadata sheet and the very hidden sheet of the workbook's own checks (checks.py).
Every input cell carries the workbook-scoped defined name Q_<input cell id>, sits in column D of a
row whose column A holds that id, and is the only kind of cell left unlocked; the sheets and the
workbook's structure are protected without a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from fgc_collect.reference import LocalAuthority
from fgc_collect.spec import Category, InputCell, Item, Section, Spec, load_spec
from fgc_collect.survey import Survey, current_survey
from fgc_collect.validate.common import named
from fgc_collect.validate.messages import answer_label

from . import layout
from .checks import CHECK_ADDS_UP, CHECK_OK, Checks, CheckRow, literal, write_checks
from .definitions import TERMS, category_set_title, term_items

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

CHECK_WIDTH = 60  # the Check column: a problem's message wraps in it

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
_CHECK_FONT = _font(9)


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


def check_rows(spec: Spec) -> list[CheckRow]:
    """The rows of the section sheets that can show a problem, in the order of the sheets."""
    column = get_column_letter(layout.ANSWER_COLUMN)
    return [
        CheckRow(section.sheet, f"{column}{row.row}", row.item, row.cell)
        for section in spec.sections
        for row in section_rows(section)
    ]


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
            "blank only if the figure is not known. Column E checks your answers as you go (double-click "
            "a row's lower edge to read a long message in full)."
        )
    if kinds <= {"longtext"}:
        return "Add anything that will help us understand your figures. Do not name or identify any child or family."
    return (
        "Fill in the yellow cells. Where a cell has a drop-down list, choose from the list. Column E checks "
        "your answers as you go."
    )


def _requirement(item: Item, spec: Spec) -> str:
    if item.required:
        return "Required."
    if item.required_if is not None:
        condition = item.required_if  # in the words of the drop-down: "A5 ... is Yes", not "A5 == Y"
        return f"Required if {named(condition.item, spec)} is {answer_label(condition.item, condition.value, spec)}."
    return ""


def count_unit(item: Item, spec: Spec) -> str:
    """What a count counts: its own unit, else its total's (a breakdown of B2 counts children)."""
    if item.unit:
        return item.unit
    if item.total and spec.item(item.total).unit:
        return spec.item(item.total).unit
    return "cases"


def _prompt(item: Item, spec: Spec) -> tuple[str, str]:
    """The input message of an item's cells: (title <= 32 chars, prompt <= 255 chars)."""
    kind = item.cells[0].kind
    requirement = _requirement(item, spec)
    if kind == "count":
        what = count_unit(item, spec)
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


def _print_setup(ws: Worksheet, title_rows: str | None = None, orientation: str = "landscape") -> None:
    """Fit the page width (as many pages tall as it takes), footer with the sheet and page numbers."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


A4_INCHES = (8.27, 11.69)
PAGE_FILL = 0.9  # pages planned this full: Excel and LibreOffice measure rows and columns a little differently
DEFAULT_ROW_HEIGHT = 15.0  # points


def _column_points(width: float | None) -> float:
    return ((width or 8.43) * 7 + 5) * 0.75  # characters -> pixels (Calibri 11) -> points


def _row_points(ws: Worksheet, row: int) -> float:
    return ws.row_dimensions[row].height or DEFAULT_ROW_HEIGHT


def page_capacity(ws: Worksheet, title_rows: int = 0) -> float:
    """How many points of rows one printed page holds (at the scale that fits the page width), less
    the title rows printed on every page."""
    short, long = (inches * 72 for inches in A4_INCHES)
    width, height = (long, short) if ws.page_setup.orientation == "landscape" else (short, long)
    margins = ws.page_margins
    width -= (margins.left + margins.right) * 72
    height -= (margins.top + margins.bottom) * 72
    sheet_width = sum(_column_points(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, ws.max_column + 1))
    scale = min(1.0, width / sheet_width)
    titles = sum(_row_points(ws, r) for r in range(1, title_rows + 1))
    return height / scale * PAGE_FILL - titles


def _paginate(ws: Worksheet, starts: list[int], title_rows: int = 0) -> None:
    """Page breaks between groups of rows (a group starts at each of `starts`: an item with its
    categories and total, a heading with its lines), so that printing never splits a group that fits
    on a page, and the groups are shared evenly between the fewest pages: no page holds the end of
    a sheet alone (A15 used to print on a page of its own)."""
    capacity = page_capacity(ws, title_rows)  # the title rows are already taken off
    bounds = sorted(set(starts) - set(range(1, title_rows + 2))) + [ws.max_row + 1]
    first = title_rows + 1
    heights, group_starts = [], []
    for start, end in zip([first, *bounds[:-1]], bounds):
        heights.append(sum(_row_points(ws, r) for r in range(start, end)))
        group_starts.append(start)
    pages = _fewest_pages(heights, capacity)
    for start in _even_breaks(heights, pages, group_starts):
        ws.row_breaks.append(Break(id=start - 1))  # a break after the row before the group


def _fewest_pages(heights: list[float], capacity: float) -> int:
    pages, used = 1, 0.0
    for height in heights:
        if used and used + height > capacity:
            pages, used = pages + 1, 0.0
        used += height
    return pages


def _even_breaks(heights: list[float], pages: int, starts: list[int]) -> list[int]:
    """The rows starting pages 2.. when the groups go, in order, on `pages` pages with the tallest page
    as short as can be (the linear partition problem, by dynamic programming)."""
    n = len(heights)
    if pages <= 1 or n <= 1:
        return []
    prefix = [0.0]
    for height in heights:
        prefix.append(prefix[-1] + height)
    inf = float("inf")
    # best[k][i]: the tallest page when the first i groups fill k pages; cut[k][i]: where page k starts
    best = [[inf] * (n + 1) for _ in range(pages + 1)]
    cut = [[0] * (n + 1) for _ in range(pages + 1)]
    best[0][0] = 0.0
    for k in range(1, pages + 1):
        for i in range(1, n + 1):
            for j in range(k - 1, i):
                tallest = max(best[k - 1][j], prefix[i] - prefix[j])
                if tallest < best[k][i]:
                    best[k][i], cut[k][i] = tallest, j
    breaks, i = [], n
    for k in range(pages, 1, -1):
        i = cut[k][i]
        breaks.append(starts[i])
    return sorted(breaks)


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
    title, prompt = _prompt(item, lists.spec)
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


def _write_section(
    wb: Workbook, ws: Worksheet, spec: Spec, section: Section, lists: _Lists, la: LocalAuthority | None,
    positions: dict[str, tuple[str, str]], checks: Checks,
) -> None:
    check = get_column_letter(layout.CHECK_COLUMN)
    answer = get_column_letter(layout.ANSWER_COLUMN)

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
        check_cell = ws.cell(r, layout.CHECK_COLUMN, "=" + checks.shown[(section.sheet, f"{answer}{r}")])
        _style_locked(check_cell, _CHECK_FILL)
        check_cell.alignment = _WRAP_TOP
        check_cell.font = _CHECK_FONT  # smaller: a message shows more of itself in the row
        if entry.cell is None:
            _write_total_row(ws, spec, section, item, r, rows)
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

    last_row = rows[-1].row if rows else layout.HEADER_ROW
    first = layout.HEADER_ROW + 1
    check_range = f"{check}{first}:{check}{last_row}"
    problem = f'AND(${check}{first}<>"",${check}{first}<>"{CHECK_OK}",${check}{first}<>"{CHECK_ADDS_UP}")'
    fine = f'OR(${check}{first}="{CHECK_OK}",${check}{first}="{CHECK_ADDS_UP}")'
    ws.conditional_formatting.add(check_range, FormulaRule(formula=[problem], font=Font(color=PROBLEM_COLOUR)))
    ws.conditional_formatting.add(check_range, FormulaRule(formula=[fine], font=Font(color=OK_COLOUR)))

    text_answers = any(cell.kind not in ("count", "decimal") for item in section.items for cell in item.cells)
    widths = {
        layout.ITEM_ID_COLUMN: max(10, max(len(entry.id) for entry in rows) + 3),
        layout.QUESTION_COLUMN: 58,
        layout.CATEGORY_COLUMN: 44,
        layout.ANSWER_COLUMN: ANSWER_WIDTH_TEXT if text_answers else ANSWER_WIDTH_NUMBERS,
        layout.CHECK_COLUMN: CHECK_WIDTH,
    }
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    _fit_rows(ws)
    ws.freeze_panes = f"A{layout.HEADER_ROW + 1}"
    _print_setup(ws, f"1:{layout.HEADER_ROW}")
    _paginate(ws, [first_row_of[item.id] for item in section.items], title_rows=layout.HEADER_ROW)
    _protect(ws)


def _write_total_row(ws, spec: Spec, section: Section, item: Item, r: int, rows) -> None:
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


# --------------------------------------------------------------------------- cover, definitions, meta


COVER_LA_CELL = "B2"  # the cover's "Local authority" line of a prefilled template


def _cover_la_text(la: LocalAuthority) -> str:
    return f"{la.name} ({la.code})"


CHECKS_NAME = "FGC_CHECKS"  # the cover cell counting the problems the workbook sees (0: ready to send)
_LINK_FONT = _font(color="0563C1", underline="single")


def _write_checks_block(ws: Worksheet, row: int, spec: Spec, checks: Checks) -> int:
    """The cover's summary of the workbook's own checks: how many problems (FGC_CHECKS), ready to send
    or not, and for each section sheet how many and where, with a link to the sheet. Returns the next row."""
    count = ws.cell(row, 1, "Problems to fix")
    count.font = _BOLD
    total = ws.cell(row, 2, "=" + checks.count)
    total.font, total.number_format, total.alignment = _font(bold=True), "0", Alignment(horizontal="left", vertical="top")
    ws.parent.defined_names[CHECKS_NAME] = DefinedName(CHECKS_NAME, attr_text=_absolute(ws.title, total.coordinate))
    row += 1
    status = ws.cell(row, 2, (
        f'=IF({CHECKS_NAME}=0,"Ready to send: the workbook found nothing to fix.",'
        f'{CHECKS_NAME}&IF({CHECKS_NAME}=1," problem"," problems")&" to fix before you send it: the red text in '
        'the Check column (E) of each sheet says what is wrong and what to do.")'
    ))
    status.alignment = _WRAP_TOP
    ws.row_dimensions[row].height = 2 * LINE_HEIGHT + 2
    for coordinate, ok in ((status.coordinate, True), (status.coordinate, False)):
        ws.conditional_formatting.add(coordinate, FormulaRule(
            formula=[f"{CHECKS_NAME}{'=' if ok else '>'}0"], font=Font(bold=True, color=OK_COLOUR if ok else PROBLEM_COLOUR)))
    row += 1
    check = get_column_letter(layout.CHECK_COLUMN)
    for section in spec.sections:
        if section.sheet not in checks.per_sheet:
            continue
        problems, first = checks.per_sheet[section.sheet]
        link = ws.cell(row, 1, section.sheet)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=_absolute(section.sheet, f"{check}{layout.HEADER_ROW + 1}").replace("$", ""),
                                   display=section.sheet)
        link.font, link.alignment = _LINK_FONT, _TOP
        title = literal(f"{section.title}: ")
        ws.cell(row, 2, (
            f'={title}&IF({problems}=0,"no problems found.",{problems}&IF({problems}=1," problem"," problems")'
            f'&" to fix, the first in row "&{first}&".")'
        )).alignment = _WRAP_TOP
        row += 1
    return row


def _write_cover(ws: Worksheet, spec: Spec, la: LocalAuthority | None, checks: Checks, survey: Survey) -> None:
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

    starts = []  # printing keeps each heading with its lines

    def heading(text: str) -> None:
        nonlocal row
        row += 1
        starts.append(row)
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

    heading("Before you send it")
    row = _write_checks_block(ws, row, spec, checks)

    heading("About this survey")
    line(None, "This survey asks every local authority in England about its family group conference (FGC) "
         "service: how it is run, how many families were referred, offered an FGC and took part in one, "
         "and which children they were. The figures are combined into national statistics on FGCs, so that "
         "councils, government and families can see how FGCs are used across the country.")
    line("Period covered", f"{_period(spec)}, unless a question says otherwise.")
    deadline = survey.deadline_for(spec)
    line("Deadline", f"Please return this workbook by {deadline:%A} {_long_date(deadline)}.")

    heading("How to fill it in")
    for text in (
        "Answer on the section sheets A to E. Type only in the pale yellow cells; "
        "where a cell has a drop-down list, choose from it.",
        "Give exact whole numbers. Do not round, and do not hide small numbers ('<5', 'c', '*', ranges): "
        "the research team applies suppression when the figures are published.",
        "Enter 0 when there were none. Leave a cell blank only when the figure is not known: "
        "blank means 'not provided', 0 means 'none'.",
        "Under each breakdown a grey total adds up the categories. Use the Unknown category for children "
        "whose details are not recorded.",
        "Column E (Check) checks each answer as you type, with the same checks the research team runs "
        "when your return arrives; the top of this sheet counts the problems left to fix.",
        "The Definitions sheet explains the terms the questions use and lists every category with its code.",
    ):
        line("•", text)

    heading("How to return it")
    for text in (
        f"Email the completed workbook to {survey.contact.email}." if survey.contact.email
        else "Email the completed workbook back to the research team that sent it to you.",
        "Keep it as an Excel workbook (.xlsx). Do not rename, delete, move or add sheets, "
        "and do not insert or delete rows or columns.",
        "The sheets and the workbook's structure are protected without a password so that answers stay "
        "in the right cells; you may unprotect them to adjust formatting.",
        "Do not put any information that could identify a child or family in the workbook.",
    ):
        line("•", text)
    line("Contact", f"Questions about the survey: {survey.contact.sentence()}.")

    heading("Colour key")
    line("Your answer", "Pale yellow: a cell for you to fill in.", fill=_INPUT_FILL)
    line("Prefilled / total", "Grey: filled in for you or calculated; locked.", fill=_LOCKED_FILL)
    line("Check", "Pale blue: a check the workbook makes on your figures "
         "(\"OK\" or \"Adds up\" when they agree; a message in red when they do not).", fill=_CHECK_FILL)

    row += 1
    ws.cell(row, 1, f"Template version {spec.template_version} ({spec.collection_id}, {spec.level}, "
            f"{spec.year})").font = _NOTE_FONT
    _fit_rows(ws)
    _print_setup(ws, orientation="portrait")
    _paginate(ws, starts)
    _protect(ws)


def _write_definitions(ws: Worksheet, spec: Spec) -> None:
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    ws.cell(1, 1, "Definitions").font = _TITLE_FONT
    row = 3
    ws.cell(row, 1, "Terms used in the questions").font = _HEADING_FONT
    row += 1
    starts = []  # printing keeps each term, and each list of categories, on one page
    for term, meaning, stems in TERMS:
        starts.append(row)
        ws.cell(row, 1, term).font = _BOLD
        ws.cell(row, 1).alignment = _TOP
        used_in = term_items(spec, stems)
        text = meaning.format(period=_period(spec)) + (f" Used in: {', '.join(used_in)}." if used_in else "")
        ws.cell(row, 2, text).alignment = _WRAP_TOP
        row += 1

    row += 1
    starts.append(row)
    ws.cell(row, 1, "Categories and codes").font = _HEADING_FONT
    row += 1
    used_by: dict[str, list[str]] = {}
    for item in spec.items:
        for name, codes in spec.category_sets.items():
            if item.category_set == name or (item.choices and item.choices == codes):
                used_by.setdefault(name, []).append(item.id)
    lists = [(name, category_set_title(spec, name, codes), codes) for name, codes in spec.category_sets.items()]
    for item in spec.items:
        if item.choices and item.choices not in spec.category_sets.values():
            lists.append((item.id, f"Answers to {item.id}: {item.label}", item.choices))
    for name, title, codes in lists:
        row += 1
        starts.append(row)
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
    _print_setup(ws, orientation="portrait")
    _paginate(ws, starts)
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


def build_template(la: LocalAuthority | None = None, spec: Spec | None = None, survey: Survey | None = None) -> Workbook:
    """The survey workbook: blank, or prefilled (and locked) with one LA's name and code. The cover's
    contact and deadline come from `survey` (default: the survey file in force, current_survey())."""
    spec = spec or load_spec()
    survey = survey if survey is not None else current_survey()
    wb = Workbook()
    cover = wb.active
    cover.title = layout.COVER_SHEET
    section_sheets = [wb.create_sheet(section.sheet) for section in spec.sections]
    definitions = wb.create_sheet(layout.DEFINITIONS_SHEET)
    lists_sheet = wb.create_sheet(layout.LISTS_SHEET)
    meta = wb.create_sheet(layout.META_SHEET)
    checks_sheet = wb.create_sheet(layout.CHECKS_SHEET)

    checks = write_checks(checks_sheet, spec, check_rows(spec))
    _write_cover(cover, spec, la, checks, survey)
    lists = _Lists(lists_sheet, spec)
    positions = cell_positions(spec)
    for ws, section in zip(section_sheets, spec.sections):
        _write_section(wb, ws, spec, section, lists, la, positions, checks)
    _write_definitions(definitions, spec)
    _protect(lists_sheet)
    lists_sheet.sheet_state = "hidden"
    _write_meta(meta, spec, la)
    meta.sheet_state = "veryHidden"
    _protect(checks_sheet)
    checks_sheet.sheet_state = "veryHidden"

    if la is not None:
        prefill_la(wb, la, spec)
    wb.active = 0
    # Sheets cannot be renamed, moved or deleted; no password, like the sheets: a council can unprotect.
    wb.security = WorkbookProtection(lockStructure=True)
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
