"""A workbook as the reader needs it, whatever the file format: sheets of filled cells (sparse,
so a sheet formatted to row 1,048,576 costs nothing), the defined names, and what the file
carried besides cells (macros). Built by the format readers (ooxml, ods, legacy) or from an
openpyxl workbook; read by `fgc_collect.read.aggregate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")

# Cell data types, as openpyxl names them: number, string, bool, error, date.
NUMERIC, STRING, BOOL, ERROR_TYPE, DATE = "n", "s", "b", "e", "d"


class CellValue(NamedTuple):
    value: Any  # None, str, int, float, bool, datetime/date/time
    data_type: str = NUMERIC
    formula: str | None = None  # the formula text, when the cell holds one

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.formula is None


EMPTY = CellValue(None)


def column_number(letters: str) -> int:
    """A -> 1, Z -> 26, AA -> 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def parse_a1(reference: str) -> tuple[int, int] | None:
    """(row, column), both from 1, of an A1 reference ($ allowed), or None if it is not one."""
    match = _A1.fullmatch(reference.strip())
    if not match:
        return None
    column, row = column_number(match[1]), int(match[2])
    if not (1 <= row <= 1_048_576 and 1 <= column <= 16_384):
        return None
    return row, column


def a1(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


class Sheet:
    """One sheet's filled cells, {(row, column): CellValue}. A reader may give a loader instead of
    the cells: the sheet is then parsed the first time its cells are asked for, so sheets the
    reader never needs (the cover, the definitions) cost nothing."""

    def __init__(self, title: str, state: str = "visible", cells: dict | None = None,
                 loader: Callable[[dict], None] | None = None):
        self.title = title
        self.state = state
        self._loader = loader if cells is None else None
        self._cells = cells if cells is not None else ({} if loader is None else None)

    @property
    def cells(self) -> dict[tuple[int, int], CellValue]:
        if self._cells is None:
            loader, self._loader = self._loader, None
            self._cells = {}
            loader(self._cells)
        return self._cells

    @property
    def loaded(self) -> bool:
        return self._cells is not None

    def __repr__(self) -> str:
        return f"Sheet({self.title!r}, {self.state!r})"

    def cell(self, row: int, column: int) -> CellValue:
        return self.cells.get((row, column), EMPTY)

    def __getitem__(self, reference: str) -> CellValue:
        position = parse_a1(reference)
        if position is None:
            raise KeyError(reference)
        return self.cell(*position)

    @property
    def max_row(self) -> int:
        return max((row for row, _ in self.cells), default=0)

    def rows_in_columns(self, last_column: int, last_row: int) -> list[tuple[int, int, CellValue]]:
        """(row, column, cell) of the filled cells in columns 1..last_column and rows 1..last_row,
        in reading order."""
        return sorted(
            (row, column, value) for (row, column), value in self.cells.items()
            if column <= last_column and row <= last_row
        )


@dataclass
class Book:
    """A workbook as read: `format` is xlsx, xlsm, ods, xls or xlsb."""

    format: str
    sheets: list[Sheet] = field(default_factory=list)
    # name -> (sheet title, A1 reference without $) for names that point at exactly one cell;
    # workbook-scoped names first, a sheet-scoped name only where no workbook-scoped one exists.
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    names_supported: bool = True  # False where the format's names are not read (.xls, .xlsb)
    has_macros: bool = False
    encrypted: bool = False  # it arrived password-protected and was decrypted in memory

    @property
    def sheetnames(self) -> list[str]:
        return [sheet.title for sheet in self.sheets]

    @property
    def worksheets(self) -> list[Sheet]:
        return self.sheets

    def __contains__(self, title: str) -> bool:
        return any(sheet.title == title for sheet in self.sheets)

    def __getitem__(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)


def book_from_openpyxl(workbook) -> Book:
    """A Book from an openpyxl workbook opened with data_only=True (tests, notebooks)."""
    book = Book(format="xlsx")
    for worksheet in workbook.worksheets:
        sheet = Sheet(worksheet.title, worksheet.sheet_state)
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    data_type = {"f": STRING, "inlineStr": STRING, "str": STRING}.get(cell.data_type, cell.data_type)
                    sheet.cells[(cell.row, cell.column)] = CellValue(cell.value, data_type)
        book.sheets.append(sheet)
    scoped = [(None, workbook.defined_names)] + [(ws.title, ws.defined_names) for ws in workbook.worksheets]
    for _title, names in scoped:
        for name, definition in names.items():
            if name in book.names:
                continue
            try:
                destinations = list(definition.destinations)
            except Exception:  # noqa: BLE001 - a #REF! or formula name points nowhere usable
                continue
            if len(destinations) == 1:
                title, reference = destinations[0]
                reference = reference.replace("$", "")
                if title in book and parse_a1(reference) is not None:
                    book.names[name] = (title, reference)
    return book
