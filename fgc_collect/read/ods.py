"""Reading .ods (LibreOffice Calc, and Excel's "OpenDocument Spreadsheet"): values and named
ranges from content.xml, streamed through the same safe zip and XML as .xlsx.

The named ranges LibreOffice keeps from the template (Q_<item id>) move with their cells when
rows are inserted, so an .ods return is read by name like an .xlsx. Repeated rows and cells
(`number-rows-repeated`, how Calc writes a sheet formatted to row 1,048,576) are counted, never
expanded, unless they hold a value; a repeated value counts against the cell limit first.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from fgc_collect.model import UnreadableReturn
from fgc_collect.read.book import BOOL, DATE, ERROR_TYPE, NUMERIC, STRING, Book, CellValue, Sheet, column_number
from fgc_collect.read.limits import Deadline, LimitExceeded, Limits
from fgc_collect.read.ooxml import dde_found, too_long
from fgc_collect.read.safezip import SafeZip

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"

T_TABLE, T_ROW, T_CELL, T_COVERED = f"{TABLE} table", f"{TABLE} table-row", f"{TABLE} table-cell", f"{TABLE} covered-cell"
T_NAMED_RANGE = f"{TABLE} named-range"
T_TABLE_SOURCE, T_CELL_RANGE_SOURCE = f"{TABLE} table-source", f"{TABLE} cell-range-source"
T_DDE_SOURCE, O_DDE_SOURCE = f"{TABLE} dde-source", f"{OFFICE} dde-source"
O_ANNOTATION = f"{OFFICE} annotation"
X_P, X_S, X_TAB, X_BREAK = f"{TEXT} p", f"{TEXT} s", f"{TEXT} tab", f"{TEXT} line-break"

A_NAME, A_RANGE = f"{TABLE} name", f"{TABLE} cell-range-address"
A_ROWS, A_COLUMNS = f"{TABLE} number-rows-repeated", f"{TABLE} number-columns-repeated"
A_FORMULA = f"{TABLE} formula"
A_VALUE_TYPE, A_CALC_TYPE = f"{OFFICE} value-type", f"{CALCEXT} value-type"
A_VALUE, A_DATE, A_TIME, A_BOOLEAN, A_STRING = (
    f"{OFFICE} value", f"{OFFICE} date-value", f"{OFFICE} time-value", f"{OFFICE} boolean-value", f"{OFFICE} string-value",
)
A_SPACES = f"{TEXT} c"

_ADDRESS = re.compile(r"\$?(?:'((?:[^']|'')+)'|([^.'$][^.]*))\.\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_DURATION = re.compile(r"-?PT?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", re.I)
_FORMULA_STRINGS = re.compile(r'"[^"]*"')


def is_encrypted(archive: SafeZip) -> bool:
    if not archive.has("META-INF/manifest.xml"):
        return False
    found = False

    def start(tag, _attributes):
        nonlocal found
        if tag == f"{MANIFEST} encryption-data":
            found = True

    archive.parse("META-INF/manifest.xml", start)
    return found


def read_ods(archive: SafeZip, limits: Limits, deadline: Deadline) -> Book:
    name = archive.name
    if is_encrypted(archive):
        raise UnreadableReturn(
            f"{name} is a password-protected LibreOffice (.ods) file, which fgc-collect cannot open: ask the "
            "council to send it without a password, or saved as .xlsx with a password sent separately."
        )
    if not archive.has("content.xml"):
        raise UnreadableReturn(f"{name} is an OpenDocument file without content, so there is nothing to read.")
    book = Book(format="ods")
    names: dict[str, tuple[str, str]] = {}
    sheet: Sheet | None = None
    row = 0
    row_repeat = 1
    column = 0
    cell: dict | None = None
    pieces: list[str] | None = None  # the text of the cell's current paragraph
    paragraphs: list[str] = []
    annotation = 0
    length = 0
    cells_left = limits.cells
    max_chars = limits.string_chars

    def start(tag, attributes):
        nonlocal sheet, row, row_repeat, column, cell, pieces, annotation, length
        if annotation:
            if tag == O_ANNOTATION:
                annotation += 1
            return
        if tag == T_CELL or tag == T_COVERED:
            repeat = _positive(attributes.get(A_COLUMNS))
            cell = {"repeat": repeat, "attributes": attributes, "column": column + 1}
            column += repeat
            paragraphs.clear()
            length = 0
        elif tag == X_P and cell is not None:
            pieces = []
        elif pieces is not None and tag in (X_S, X_TAB, X_BREAK):
            count = min(_positive(attributes.get(A_SPACES)), max_chars + 1) if tag == X_S else 1
            pieces.append({X_S: " ", X_TAB: "\t", X_BREAK: "\n"}[tag] * count)
            length += count
            if length > max_chars:
                raise too_long(name, max_chars)
        elif tag == O_ANNOTATION:
            annotation = 1
        elif tag == T_ROW:
            row_repeat = _positive(attributes.get(A_ROWS))
            column = 0
        elif tag == T_TABLE:
            sheet = Sheet(attributes.get(A_NAME, ""))
            book.sheets.append(sheet)
            row = 0
        elif tag == T_NAMED_RANGE:
            target = _address(attributes.get(A_RANGE, ""))
            if target is not None:
                names.setdefault(attributes.get(A_NAME, ""), target)
        elif tag in (T_TABLE_SOURCE, T_CELL_RANGE_SOURCE):
            link = attributes.get("http://www.w3.org/1999/xlink href", "another file")
            raise UnreadableReturn(
                f"{name} links to another file ({' '.join(link.split())[:120]}), which the spreadsheet program "
                "tries to reach when it opens this one, so it was not read: ask the council to replace the links "
                "with their values and send it again."
            )
        elif tag in (T_DDE_SOURCE, O_DDE_SOURCE):
            raise dde_found(name, attributes.get(f"{OFFICE} dde-application", "a program"))

    def end(tag):
        nonlocal row, cell, pieces, annotation, cells_left
        if annotation:
            if tag == O_ANNOTATION:
                annotation -= 1
            return
        if tag == X_P and pieces is not None:
            paragraphs.append("".join(pieces))
            pieces = None
        elif (tag == T_CELL or tag == T_COVERED) and cell is not None:
            value = _cell_value(cell["attributes"], paragraphs, name)
            if value is not None and sheet is not None:
                copies = cell["repeat"] * row_repeat
                if copies > cells_left:
                    raise LimitExceeded(
                        f"{name} has more than {limits.cells:,} filled cells (the limit; the template has about "
                        "1,300), so it was not read.",
                        "cells",
                    )
                cells_left -= copies
                for r in range(row + 1, row + row_repeat + 1):
                    for c in range(cell["column"], cell["column"] + cell["repeat"]):
                        sheet.cells[(r, c)] = value
            cell = None
        elif tag == T_ROW:
            row += row_repeat

    def text(data):
        nonlocal length
        if pieces is not None and not annotation:
            pieces.append(data)
            length += len(data)
            if length > max_chars:
                raise too_long(name, max_chars)

    archive.parse("content.xml", start, end, text)
    if not book.sheets:
        raise UnreadableReturn(f"{name} is a spreadsheet with no sheets, so there is nothing to read.")
    titles = set(book.sheetnames)
    book.names = {key: target for key, target in names.items() if target[0] in titles}
    return book


def _positive(text: str | None) -> int:
    try:
        value = int(text) if text else 1
    except ValueError:
        return 1
    return max(1, value)


def _address(text: str) -> tuple[str, str] | None:
    match = _ADDRESS.fullmatch(text.strip())
    if not match:
        return None
    title = match[1].replace("''", "'") if match[1] is not None else match[2]
    column, row = column_number(match[3]), int(match[4])
    if not (1 <= row <= 1_048_576 and 1 <= column <= 16_384):
        return None
    return title, f"{match[3].upper()}{row}"


def _cell_value(attributes: dict, paragraphs: list[str], name: str) -> CellValue | None:
    formula = attributes.get(A_FORMULA)
    if formula is not None:
        bare = _FORMULA_STRINGS.sub("", formula).upper()
        if "DDE(" in bare:
            raise dde_found(name, "DDE")
        if "'FILE:" in bare or "'HTTP" in bare:
            raise UnreadableReturn(
                f"{name} has a formula that links to another file, which the spreadsheet program tries to reach "
                "when it opens this one, so it was not read: ask the council to replace formulas with their "
                "values and send it again."
            )
    value_type = attributes.get(A_VALUE_TYPE)
    text = "\n".join(paragraphs)
    if attributes.get(A_CALC_TYPE) == "error":
        value, data_type = (text or "#VALUE!"), ERROR_TYPE
    elif value_type in ("float", "percentage", "currency"):
        value, data_type = _number(attributes.get(A_VALUE)), NUMERIC
        if value is None:
            value, data_type = (text or None), STRING
    elif value_type == "date":
        value, data_type = _date(attributes.get(A_DATE, "")), DATE
        if value is None:
            value, data_type = (text or None), STRING
    elif value_type == "time":
        value, data_type = _time(attributes.get(A_TIME, "")), DATE
        if value is None:
            value, data_type = (text or None), STRING
    elif value_type == "boolean":
        value, data_type = attributes.get(A_BOOLEAN, "").strip().lower() == "true", BOOL
    elif value_type == "string":
        string = attributes.get(A_STRING)
        value, data_type = (string if string else text), STRING
    else:
        value, data_type = None, NUMERIC
    if value is None and formula is None:
        return None
    return CellValue(value, data_type, formula)


def _number(text: str | None) -> int | float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 and "." not in text and "e" not in text.lower() else value


def _date(text: str):
    text = text.strip()
    try:
        if "T" in text:
            return datetime.fromisoformat(text.rstrip("Z"))
        return datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        return None


def _time(text: str):
    match = _DURATION.fullmatch(text.strip())
    if not match or text.startswith("-"):
        return None
    hours, minutes, seconds = int(match[1] or 0), int(match[2] or 0), float(match[3] or 0)
    if hours >= 24:
        return None
    whole = int(seconds)
    return time(hours, minutes, min(whole, 59), int(round((seconds - whole) * 1_000_000)) % 1_000_000)
