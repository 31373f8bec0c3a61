"""The child-level template (`fgc-collect template --level child`), built from the child spec.

Sheets, in order: Cover (about the return; the LA, prefilled and locked with --la, else a yellow
cell for its code), Children (row 1: the column ids; dropdowns and date checks on rows 2 to
20,001; not protected, so a council can paste its case management system's report in), Codes
(every code of every choice column, with its label), the hidden lists sheet and the very hidden
metadata sheet (collection, level child, year, template version, LA). Saved with the aggregate
template's reproducible writer: the same inputs give the same bytes.

The Children sheet holds no cell below its header: formats and checks are set on whole columns
and ranges, so the file stays small and a reader's used range ends at the council's last row.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from fgc_collect.child import layout
from fgc_collect.child.spec import CHOICE, COUNT, DATE, TEXT, YEAR_MONTH, ChildSpec, Column, load_child_spec
from fgc_collect.reference import LocalAuthority

CHILD_TEMPLATE_VERSION = "2023-24.child.1"
CHILD_TEMPLATE_FILE_NAME = "fgc_child_return_2023_24.xlsx"


def child_template_version(year: str) -> str:
    """2024-25.child.1: the child-level template's version of a year."""
    return f"{year}.child.1"
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2030, 12, 31)

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_TITLE = Font(name="Calibri", size=16, bold=True, color="1F4E79")
_HEADING = Font(name="Calibri", size=12, bold=True, color="1F4E79")
_BOLD = Font(name="Calibri", size=11, bold=True)
_WHITE_BOLD = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
_NOTE = Font(name="Calibri", size=11, italic=True, color="595959")


def child_file_name(la: LocalAuthority | None = None, year: str = "2023-24") -> str:
    """fgc_child_return_2023_24.xlsx, or fgc_child_return_2023_24_E06000047_County_Durham.xlsx"""
    stem = f"fgc_child_return_{year.replace('-', '_')}"
    return f"{stem}_{la.code}_{la.slug}.xlsx" if la is not None else f"{stem}.xlsx"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def describe(column: Column) -> str:
    """What a column holds, for the cover sheet and the input message."""
    if column.type == CHOICE:
        if column.id == "ethnicity":
            return "A DfE ethnicity code (WBRI, ..., REFU, NOBT): see the Codes sheet."
        shown = ", ".join(f"{c.code} ({c.label})" for c in column.choices)
        return shown if len(shown) <= 120 else "A code from the Codes sheet."
    if column.type == DATE:
        return "A date (type it as a date, or as YYYY-MM-DD)."
    if column.type == YEAR_MONTH:
        return "Year and month, YYYY-MM (no day)."
    if column.type == COUNT:
        return "A whole number, 0 or more."
    return f"Text, up to {column.max_chars} characters." if column.max_chars else "Text."


def _write_cover(ws, spec: ChildSpec, la: LocalAuthority | None) -> None:
    aggregate = spec.aggregate
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110
    row = 1

    def line(label, text=None, *, font=_BOLD):
        nonlocal row
        if label is not None:
            ws.cell(row, 1, label).font = font
            ws.cell(row, 1).alignment = Alignment(vertical="top")
        if text is not None:
            ws.cell(row, 2, text).alignment = _WRAP_TOP
        row += 1

    def heading(text):
        nonlocal row
        row += 1
        ws.cell(row, 1, text).font = _HEADING
        row += 1

    ws.cell(row, 1, f"Family group conferences (FGCs): child-level return, {spec.year}").font = _TITLE
    row += 1
    if la is not None:
        line(layout.COVER_LA_NAME_LABEL, la.name)
    ws.cell(row, 1, layout.COVER_LA_LABEL).font = _BOLD
    code_cell = ws.cell(row, 2, la.code if la is not None else None)
    code_cell.border = _BORDER
    if la is None:
        code_cell.fill = _INPUT_FILL
        code_cell.protection = Protection(locked=False)
        code_cell.number_format = "@"
        ws.cell(row, 3, "Type your LA's 9-character code, e.g. E06000047.").font = _NOTE
    else:
        code_cell.fill = _LOCKED_FILL
    row += 1

    heading("About this return")
    line(None, "Instead of the aggregate return's counts, your local authority sends one row per child per "
         "referral to the FGC service, and the research team's tool works out the counts from them, in "
         "exactly the way the aggregate return defines them.")
    line("Period", f"{_long_date(spec.period_start)} to {_long_date(spec.period_end)}: include every referral "
         "with a referral, offer, consent or conference date in this period (a family referred in one year may "
         "be offered an FGC or hold it in the next).")
    line("Deadline", f"{aggregate.deadline:%A} {_long_date(aggregate.deadline)}.")

    heading("How to fill it in")
    for text in (
        "Sheet Children: one row per child per referral. Keep row 1 (the column ids) as it is; fill in, or "
        "paste your case management system's report in, from row 2.",
        "child_id and family_id are your case management system's own identifiers. They are replaced by a "
        "keyed code when the research team receives the return; the identifiers themselves are never stored.",
        "family_id identifies the referral: every child of one referral has the same family_id, and the "
        "referral, offer, consent and conference columns are the same on each of their rows.",
        "Never put a name, an NHS number, an address or a date of birth anywhere in the return. "
        "birth_month is the year and month of birth only (YYYY-MM); leave it blank for an unborn child.",
        "Dates: enter them as dates, or as text YYYY-MM-DD. Codes: choose from the drop-down lists; "
        "the Codes sheet lists every code with its meaning.",
        "review_fgcs: the review conferences held in the year for the family, on one child's row "
        "(0 or blank on the others).",
        "You may send the same columns as a CSV file instead (UTF-8, row 1 the column ids); add a column "
        "la_code holding your LA's code on every row.",
    ):
        line("•", text)

    heading("The columns")
    ws.cell(row, 1, "Column").font = _WHITE_BOLD
    ws.cell(row, 1).fill = _HEADER_FILL
    ws.cell(row, 2, "What it holds").font = _WHITE_BOLD
    ws.cell(row, 2).fill = _HEADER_FILL
    row += 1
    for column in spec.columns:
        need = "Required. " if column.required else ""
        note = f" {column.note[0].upper()}{column.note[1:]}." if column.note else ""
        line(column.id, f"{need}{describe(column)}{note}", font=Font(name="Calibri", size=11))

    row += 1
    ws.cell(row, 1, f"Template version {child_template_version(spec.year)} ({spec.collection_id}, {spec.level}, {spec.year})").font = _NOTE
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _list_ranges(ws, spec: ChildSpec) -> dict[str, str]:
    """One column of codes per choice column on the hidden lists sheet; column id -> its range."""
    ranges = {}
    choice_columns = [column for column in spec.columns if column.type == CHOICE]
    for index, column in enumerate(choice_columns, start=1):
        letter = get_column_letter(index)
        ws.cell(1, index, column.id).font = _BOLD
        for offset, choice in enumerate(column.choices, start=2):
            ws.cell(offset, index, choice.code)
        ranges[column.id] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(column.choices) + 1}"
    ws.protection.sheet = True
    ws.sheet_state = "hidden"
    return ranges


def _validation(column: Column, lists: dict[str, str]) -> DataValidation:
    title = column.id[:32]
    prompt = (("Required. " if column.required else "") + describe(column))[:255]
    common = dict(allow_blank=True, showInputMessage=True, promptTitle=title, prompt=prompt, showErrorMessage=True)
    if column.type == CHOICE:
        return DataValidation(type="list", formula1=lists[column.id], errorStyle="stop",
                              errorTitle="Choose from the list",
                              error="Choose a code from the drop-down list (the Codes sheet explains them).", **common)
    if column.type == DATE:
        return DataValidation(type="date", operator="between", formula1=str(int(to_excel(EARLIEST_DATE))),
                              formula2=str(int(to_excel(LATEST_DATE))), errorStyle="stop", errorTitle="A date",
                              error="Enter a date (for example 2023-05-04).", **common)
    if column.type == YEAR_MONTH:
        return DataValidation(type="textLength", operator="equal", formula1="7", errorStyle="warning",
                              errorTitle="Year and month", error="Give the year and month as YYYY-MM, e.g. 2015-03.",
                              **common)
    if column.type == COUNT:
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", errorStyle="stop",
                              errorTitle="A whole number", error="Enter a whole number, 0 or more.", **common)
    if column.type == TEXT and column.max_chars:
        return DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(column.max_chars),
                              errorStyle="stop", errorTitle="Too long",
                              error=f"Identifiers have at most {column.max_chars} characters.", **common)
    return DataValidation(**common)


_NUMBER_FORMATS = {DATE: "yyyy-mm-dd", YEAR_MONTH: "@", TEXT: "@", CHOICE: "@", COUNT: "0"}
_WIDTHS = {DATE: 13, YEAR_MONTH: 12, TEXT: 16, COUNT: 12}


def _write_children(ws, spec: ChildSpec, lists: dict[str, str]) -> None:
    last = layout.FIRST_DATA_ROW + layout.PREFILLED_ROWS - 1
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        header = ws.cell(layout.HEADER_ROW, index, column.id)
        header.font = _WHITE_BOLD
        header.fill = _HEADER_FILL
        header.alignment = Alignment(vertical="top")
        dimension = ws.column_dimensions[letter]
        dimension.width = max(_WIDTHS.get(column.type, 10), len(column.id) + 3)
        dimension.number_format = _NUMBER_FORMATS[column.type]
        validation = _validation(column, lists)
        ws.add_data_validation(validation)
        validation.add(f"{letter}{layout.FIRST_DATA_ROW}:{letter}{last}")
    ws.freeze_panes = f"A{layout.FIRST_DATA_ROW}"


def _write_codes(ws, spec: ChildSpec) -> None:
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 44
    ws.cell(1, 1, "Codes of the child-level return").font = _TITLE
    ws.cell(2, 1, "A return may give the code or the label; the drop-down lists offer the codes.").font = _NOTE
    row = 4
    for column in spec.columns:
        if column.type != CHOICE:
            continue
        headers = ["Column", "Code", "Meaning"] + (["Counted in the aggregate return as"] if column.id == "ethnicity" else [])
        for offset, text in enumerate(headers, start=1):
            cell = ws.cell(row, offset, text)
            cell.font = _WHITE_BOLD
            cell.fill = _HEADER_FILL
        row += 1
        groups = {c.code: c.label for c in spec.aggregate.category_sets["ETH"]}
        for choice in column.choices:
            ws.cell(row, 1, column.id)
            ws.cell(row, 2, choice.code)
            ws.cell(row, 3, choice.label)
            if column.id == "ethnicity":
                ws.cell(row, 4, groups[spec.ethnicity_groups[choice.code]])
            for offset in range(1, len(headers) + 1):
                ws.cell(row, offset).border = _BORDER
            row += 1
        row += 1
    ws.protection.sheet = True


def _write_meta(ws, spec: ChildSpec, la: LocalAuthority | None) -> None:
    values = {
        "collection": spec.collection_id,
        "level": spec.level,
        "year": spec.year,
        "template_version": child_template_version(spec.year),
        "la_code": la.code if la is not None else None,
        "la_name": la.name if la is not None else None,
    }
    for row, key in enumerate(layout.META_KEYS, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, values[key])
    ws.protection.sheet = True
    ws.sheet_state = "veryHidden"


def build_child_template(la: LocalAuthority | None = None, spec: ChildSpec | None = None) -> Workbook:
    """The child-level workbook: blank, or prefilled (and locked) with one LA."""
    spec = spec or load_child_spec()
    wb = Workbook()
    cover = wb.active
    cover.title = layout.COVER_SHEET
    children = wb.create_sheet(layout.CHILDREN_SHEET)
    codes = wb.create_sheet(layout.CODES_SHEET)
    lists_sheet = wb.create_sheet(layout.LISTS_SHEET)
    meta = wb.create_sheet(layout.META_SHEET)
    _write_cover(cover, spec, la)
    lists = _list_ranges(lists_sheet, spec)
    _write_children(children, spec, lists)
    _write_codes(codes, spec)
    _write_meta(meta, spec, la)
    wb.active = 0
    wb.properties.title = f"FGC survey {spec.year}: child-level return"
    wb.properties.creator = "fgc-collect"
    return wb


def write_child_template(path: str | os.PathLike, la: LocalAuthority | None = None, spec: ChildSpec | None = None) -> Path:
    """Write the child-level template (blank, or prefilled for `la`); the same inputs give the same bytes."""
    from fgc_collect.template import save_workbook

    return save_workbook(build_child_template(la, spec), path)


def fill_child_template(rows, path: str | os.PathLike, la: LocalAuthority | None = None,
                        spec: ChildSpec | None = None) -> Path:
    """The template with `rows` (dicts or a polars frame of column id -> value) on the Children
    sheet from row 2, saved reproducibly: a return as a council would send it (tests, demo)."""
    from fgc_collect.template import save_workbook

    spec = spec or load_child_spec()
    wb = build_child_template(la, spec)
    ws = wb[layout.CHILDREN_SHEET]
    records = rows.iter_rows(named=True) if hasattr(rows, "iter_rows") else rows
    for offset, record in enumerate(records):
        for index, column in enumerate(spec.columns, start=1):
            value = record.get(column.id)
            if value is not None and value != "":
                ws.cell(layout.FIRST_DATA_ROW + offset, index, value)
    return save_workbook(wb, path)
