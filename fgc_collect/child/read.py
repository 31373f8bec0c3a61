"""Reading a child-level return (.xlsx and the other spreadsheet formats, or CSV), pseudonymised
on arrival.

Spreadsheets are read column by column into polars through fastexcel (calamine, in Rust); CSV
through polars' own reader. Every value is read as text and typed later (`parse.py`), so a
council's value is never lost to a conversion and the messages can show it as given.

Raw child_id and family_id values live only inside `read_child_return`: the frame it returns
holds their keyed hashes (see `pseudonymise.py`). Errors while the raw values are in memory
become UnreadableReturn with a sentence of our own (`from None`: no parser text, no traceback
chain that could carry a value).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from fgc_collect.child import layout
from fgc_collect.child.pseudonymise import ephemeral_key, key_id, pseudonymise
from fgc_collect.child.spec import BIRTH_MONTH, ID_COLUMNS, ChildSpec, load_child_spec
from fgc_collect.model import UnreadableReturn
from fgc_collect.reference import LocalAuthority, find_la, retired_codes

CSV_SUFFIXES = (".csv",)
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
XML_SUFFIXES = (".xlsx", ".xlsm")
MAX_ROWS = 1_000_000  # a national year is about 100,000 rows: one LA's file is far smaller

ROW, LINE = "row", "line"  # spreadsheet row (for the A1 cell), and the CSV line (or the row again)
STORED_FORMAT = "fgc-child-rows/1"


@dataclass
class ChildReturn:
    """A child-level return as read: its rows pseudonymised, where each column was found, which LA."""

    file: str
    sha256: str
    la: LocalAuthority
    metadata: dict[str, str | None]
    source_format: str  # csv, xlsx, xlsm, xls, xlsb, ods
    sheet: str | None  # the sheet read; None for CSV
    header_row: int  # the spreadsheet row of the header (1 for a CSV)
    columns: dict[str, str]  # column id -> column letter where it was found
    rows: pl.DataFrame  # row, line, child_id and family_id (pseudonyms), findings, other columns as text
    key_id: str
    missing_columns: tuple[str, ...] = ()
    unknown_columns: tuple[tuple[str, str], ...] = ()  # (header as given, column letter)
    duplicate_columns: tuple[tuple[str, str], ...] = ()  # (column id, letter of the copy not read)
    la_source: str = ""
    spec: ChildSpec = field(default_factory=load_child_spec, repr=False)

    @property
    def la_code(self) -> str:
        return self.la.code

    @property
    def la_name(self) -> str:
        return self.la.name

    @property
    def is_csv(self) -> bool:
        return self.source_format == "csv"

    @property
    def level(self) -> str:
        return "child"

    def where(self, row: int, line: int | None = None) -> str:
        """"Row 12" (spreadsheet) or "Line 12" (CSV), as the message starts."""
        return f"Line {line if line is not None else row}" if self.is_csv else f"Row {row}"

    def cell(self, row: int | None, column: str | None) -> str | None:
        """The A1 reference of a column's value on a row (for a CSV: as opened in a spreadsheet)."""
        letter = self.columns.get(column) if column else None
        if letter is None:
            return None
        return f"{letter}{row if row is not None else self.header_row}"

    @cached_property
    def typed(self) -> pl.DataFrame:
        from fgc_collect.child.parse import typed_frame

        return typed_frame(self.rows, self.spec)

    # ----------------------------------------------------------------------- the stored form

    def stored_metadata(self) -> dict:
        return {
            "format": STORED_FORMAT,
            "file": Path(self.file).name,
            "sha256": self.sha256,
            "la_code": self.la.code,
            "metadata": self.metadata,
            "source_format": self.source_format,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": self.columns,
            "key_id": self.key_id,
            "missing_columns": list(self.missing_columns),
            "unknown_columns": [list(pair) for pair in self.unknown_columns],
            "duplicate_columns": [list(pair) for pair in self.duplicate_columns],
            "la_source": self.la_source,
        }

    def to_stored_bytes(self) -> bytes:
        """The pseudonymised rows and what the reader found, as Parquet bytes: what the register
        keeps instead of the council's file. The same return gives the same bytes."""
        import pyarrow.parquet as pq

        table = self.rows.to_arrow()
        meta = json.dumps(self.stored_metadata(), sort_keys=True, ensure_ascii=False)
        table = table.replace_schema_metadata({b"fgc_child": meta.encode("utf-8")})
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        return buffer.getvalue()


def from_stored_bytes(data: bytes, file: str | None = None) -> ChildReturn:
    """A ChildReturn back from `to_stored_bytes()` (no key needed: the rows are pseudonymised)."""
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    meta = json.loads(table.schema.metadata[b"fgc_child"].decode("utf-8"))
    if meta.get("format") != STORED_FORMAT:
        raise UnreadableReturn("the stored rows are not in a format this version of fgc-collect reads.")
    la = find_la(meta["la_code"])
    return ChildReturn(
        file=file or meta["file"],
        sha256=meta["sha256"],
        la=la,
        metadata=meta["metadata"],
        source_format=meta["source_format"],
        sheet=meta["sheet"],
        header_row=meta["header_row"],
        columns=meta["columns"],
        rows=pl.from_arrow(table.replace_schema_metadata(None)),
        key_id=meta["key_id"],
        missing_columns=tuple(meta["missing_columns"]),
        unknown_columns=tuple(tuple(pair) for pair in meta["unknown_columns"]),
        duplicate_columns=tuple(tuple(pair) for pair in meta["duplicate_columns"]),
        la_source=meta["la_source"],
    )


# --------------------------------------------------------------------------- which files


def is_child_file(path: str | Path, data: bytes | None = None) -> bool:
    """Whether a file is a child-level return (so the pipeline reads it with read_child_return):
    any CSV; a workbook with a "Children" sheet, or whose metadata says level child, or (with no
    metadata: not made from a template) with the child-level header row on one of its sheets."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return True
    if suffix not in SPREADSHEET_SUFFIXES:
        return False
    try:
        import fastexcel

        reader = fastexcel.read_excel(data if data is not None else str(path))
        names = reader.sheet_names
        if any(name.strip().casefold() == layout.CHILDREN_SHEET.casefold() for name in names):
            return True
        if layout.META_SHEET in names:
            return _metadata(reader).get("level") == "child"
        for name in names:
            grid = reader.load_sheet(name, header_row=None, dtypes="string", n_rows=layout.HEADER_SEARCH_ROWS)
            if _header_index(grid.to_polars()) is not None:
                return True
    except Exception:  # noqa: BLE001 - unreadable: the aggregate reader says why
        return False
    return False


# --------------------------------------------------------------------------- reading


def read_child_return(
    path: str | Path,
    la: str | None = None,
    key: bytes | None = None,
    *,
    data: bytes | None = None,
    spec: ChildSpec | None = None,
    year: str | None = None,
) -> ChildReturn:
    """Read one child-level return and pseudonymise it.

    la: the LA's code when the file does not say (a CSV without a la_code column, a blank
    template); if the file says too, the two must agree. key: the research team's key (see
    `load_key`); without one, a random key of this process (pseudonyms that link nothing outside
    it: enough to validate). data: the file's bytes, when the caller has them (decrypted, say).
    UnreadableReturn with one sentence when it cannot be read as a child-level return. Without
    `spec`, the file is read against its own year's child-level spec (the template's metadata), else
    `year`'s (a CSV names no year), else the collection's year."""
    path = Path(path)
    name = path.name
    if data is None:
        if not path.is_file():
            from fgc_collect.read.workbook import not_a_file

            raise UnreadableReturn(not_a_file(path, name))
        data = path.read_bytes()
    if not data:
        raise UnreadableReturn(f"{name} is empty (0 bytes).")
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            sheet = _read_csv(data, name)
        else:
            sheet = _read_spreadsheet(data, name, suffix)
        spec = spec or _spec_of_file(sheet.metadata.get("year"), name, year)
        table, header_row, columns, notes = _columns(sheet, name, spec)
        la_found, la_source = _establish_la(name, suffix, la, sheet, table)
        table = table.drop(layout.LA_CODE_COLUMN, strict=False)
        table = table.with_columns(_month_only(pl.col(BIRTH_MONTH)))
        rows = pseudonymise(
            table, key or ephemeral_key(), la_found.code,
            {column: spec.column(column).max_chars for column in ID_COLUMNS},
        )
    except UnreadableReturn:
        raise
    except Exception as error:  # noqa: BLE001 - a parser's text may quote a cell: never shown
        raise UnreadableReturn(
            f"{name} could not be read as a child-level return ({type(error).__name__}); "
            "ask the council to save it again from the template, or as CSV UTF-8, and resend it."
        ) from None
    metadata = {key_: sheet.metadata.get(key_) for key_ in layout.META_KEYS}
    metadata.update(level="child", la_code=la_found.code, la_name=la_found.name)
    metadata["collection"] = metadata.get("collection") or spec.collection_id
    metadata["year"] = metadata.get("year") or spec.year
    return ChildReturn(
        file=str(path),
        sha256=digest,
        la=la_found,
        metadata=metadata,
        source_format=suffix.lstrip("."),
        sheet=sheet.name,
        header_row=header_row,
        columns=columns,
        rows=rows,
        key_id=key_id(key or ephemeral_key()),
        missing_columns=notes["missing"],
        unknown_columns=notes["unknown"],
        duplicate_columns=notes["duplicate"],
        la_source=la_source,
        spec=spec,
    )


def _spec_of_file(own: str | None, name: str, year: str | None) -> ChildSpec:
    """The child-level spec of the file's own year, else `year`, else the collection's year."""
    from fgc_collect.read.aggregate import spec_of_return
    from fgc_collect.survey import child_spec_for

    # the same refusal of a year without questions as an aggregate return's, in the same words
    aggregate = spec_of_return({"year": own}, name, year)
    return child_spec_for(aggregate.year)


@dataclass
class _Sheet:
    """A sheet (or CSV) as text: `grid` holds every row of its used range, columns c0, c1, ...;
    `first_row` and `first_column` (1-based) are where the grid starts; `lines` maps each grid
    row to its CSV line."""

    name: str | None
    grid: pl.DataFrame
    first_row: int = 1
    first_column: int = 1
    lines: pl.Series | None = None
    metadata: dict = field(default_factory=dict)
    cover_la: str | None = None
    header_index: int | None = None  # set once the header row is found


def _letter(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _key(text: str) -> str:
    """A header as compared with the column ids: case, spaces, underscores and hyphens ignored."""
    return re.sub(r"[\s_\-]", "", str(text)).casefold()


# --------------------------------------------------------------------------- CSV


def _read_csv(data: bytes, name: str) -> _Sheet:
    try:
        text = data.decode("utf-8-sig")
        encoded = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" (not UTF-8) on Windows
        encoded = text.encode("utf-8")
    first_line = text[: text.find("\n")] if "\n" in text else text
    separator = ","
    if "," not in first_line:
        separator = next((candidate for candidate in (";", "\t", "|") if candidate in first_line), ",")
    try:
        grid = pl.read_csv(
            encoded, has_header=False, infer_schema=False, separator=separator,
            truncate_ragged_lines=True, raise_if_empty=False, new_columns=None,
        )
    except Exception:  # noqa: BLE001 - see read_child_return: no parser text
        raise UnreadableReturn(
            f"{name} could not be read as CSV (a quote may be unbalanced); export it again as CSV UTF-8."
        ) from None
    if grid.height == 0:
        raise UnreadableReturn(f"{name} has no rows.")
    grid = grid.rename({old: f"c{i}" for i, old in enumerate(grid.columns)})
    lines = _csv_lines(text, grid.height, separator)
    return _Sheet(name=None, grid=grid, lines=lines)


def _csv_lines(text: str, records: int, separator: str) -> pl.Series:
    """The line each record starts on: the record number, unless quoted values span lines."""
    newlines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if newlines == records + 1 and text.endswith("\n\n"):
        newlines -= 1  # a last empty line
    if newlines == records:
        return pl.Series(LINE, range(1, records + 1), dtype=pl.Int64)
    import csv

    reader = csv.reader(io.StringIO(text), delimiter=separator)
    starts, line = [], 1
    for _record in reader:
        starts.append(line)
        line = reader.line_num + 1
    starts = (starts + list(range(line, line + records)))[:records]
    return pl.Series(LINE, starts, dtype=pl.Int64)


# --------------------------------------------------------------------------- spreadsheets


def _read_spreadsheet(data: bytes, name: str, suffix: str) -> _Sheet:
    import fastexcel

    if suffix in XML_SUFFIXES and not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in data[:1 << 20]:
            raise UnreadableReturn(
                f"{name} is encrypted (password-protected); ask the council for the password or an unprotected copy."
            )
        raise UnreadableReturn(f"{name} is not an Excel workbook: its contents are not a spreadsheet or are damaged.")
    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except Exception:  # noqa: BLE001
        raise UnreadableReturn(
            f"{name} could not be opened as a spreadsheet; it may be damaged: ask the council to save it again and resend it."
        ) from None
    metadata = _metadata(reader) if layout.META_SHEET in names else {}
    if metadata.get("collection") not in (None, load_child_spec().collection_id):
        raise UnreadableReturn(f"{name} is from another collection ({metadata['collection']}), not the FGC survey.")
    if metadata.get("level") == "aggregate":
        raise UnreadableReturn(f"{name} is an aggregate return (the template's sections A to E), not a child-level return.")
    candidates = [n for n in names if n.strip().casefold() == layout.CHILDREN_SHEET.casefold()]
    candidates += [n for n in names if n not in candidates and n not in (layout.META_SHEET, layout.LISTS_SHEET,
                                                                         layout.COVER_SHEET, layout.CODES_SHEET)]
    for sheet_name in candidates:
        grid = reader.load_sheet(sheet_name, header_row=None, dtypes="string").to_polars()
        grid = grid.rename({old: f"c{i}" for i, old in enumerate(grid.columns)})
        header = _header_index(grid)
        if header is None:
            continue
        first_row, first_column = _origin(data, suffix, sheet_name, grid, header)
        sheet = _Sheet(sheet_name, grid, first_row, first_column, metadata=metadata, header_index=header)
        if not metadata.get("la_code") and layout.COVER_SHEET in names:
            sheet.cover_la = _cover_la(reader)
        return sheet
    raise UnreadableReturn(
        f"{name} has no sheet with a header row of the column ids (child_id, family_id, ...) in its first "
        f"{layout.HEADER_SEARCH_ROWS} rows: is it the child-level template?"
    )


def _metadata(reader) -> dict[str, str]:
    grid = reader.load_sheet(layout.META_SHEET, header_row=None, dtypes="string").to_polars()
    found = {}
    for row in grid.head(50).rows():
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() in layout.META_KEYS and row[1]:
            found[row[0].strip()] = str(row[1]).strip()
    return found


def _cover_la(reader) -> str | None:
    grid = reader.load_sheet(layout.COVER_SHEET, header_row=None, dtypes="string").to_polars()
    wanted = layout.COVER_LA_LABEL.casefold()
    for row in grid.head(60).rows():
        for index, cell in enumerate(row[:-1]):
            if cell is not None and str(cell).strip().casefold() == wanted:
                value = row[index + 1]
                return str(value).strip() or None if value is not None else None
    return None


def _header_index(grid: pl.DataFrame) -> int | None:
    """The first row (within the first rows of the grid) naming child_id or family_id and at
    least three column ids in all."""
    spec = load_child_spec()
    wanted = {_key(column) for column in spec.column_ids}
    for index, row in enumerate(grid.head(layout.HEADER_SEARCH_ROWS).rows()):
        keys = {_key(cell) for cell in row if cell is not None}
        if keys & {_key(column) for column in ID_COLUMNS} and len(keys & wanted) >= 3:
            return index
    return None


def _origin(data: bytes, suffix: str, sheet_name: str, grid: pl.DataFrame, header: int) -> tuple[int, int]:
    """(row, column), 1-based, of the grid's first cell. The reader's grid starts at the sheet's
    first used row and column, which a council may have left empty."""
    if suffix in XML_SUFFIXES:
        try:
            found = _xlsx_origin(data, sheet_name, grid, header)
            if found is not None:
                return found
        except Exception:  # noqa: BLE001 - an unusual file: calamine works it out below
            pass
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet_name)
    row, column = sheet.start
    return row + 1, column + 1


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _xlsx_origin(data: bytes, sheet_name: str, grid: pl.DataFrame, header: int) -> tuple[int, int] | None:
    """Read only the head of the sheet's XML: the first used row is the grid's first row; the
    header row's first used column, less its position in the grid, is the grid's first column."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        rel_id = next(
            (s.get(f"{_REL_NS}id") for s in workbook.iter(f"{_NS}sheet") if s.get("name") == sheet_name), None
        )
        target = next((r.get("Target") for r in rels if r.get("Id") == rel_id), None)
        if target is None:
            return None
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        used_rows: list[tuple[int, list[int]]] = []
        with archive.open(part) as stream:
            row_number = 0
            for _event, element in ElementTree.iterparse(stream, events=("end",)):
                if element.tag != f"{_NS}row":
                    continue
                row_number = int(element.get("r") or row_number + 1)
                columns, column = [], 0
                for cell in element.iter(f"{_NS}c"):
                    reference = cell.get("r")
                    column = _column_number(reference) if reference else column + 1
                    value = cell.find(f"{_NS}v")
                    if (value is not None and value.text not in (None, "")) or cell.find(f"{_NS}is") is not None:
                        columns.append(column)
                element.clear()
                if columns:
                    used_rows.append((row_number, columns))
                    if len(used_rows) > header:
                        break
    if len(used_rows) <= header:
        return None
    grid_columns = [i for i, value in enumerate(grid.row(header)) if value is not None]
    if not grid_columns:
        return None
    return used_rows[0][0], min(used_rows[header][1]) - min(grid_columns)


def _column_number(reference: str) -> int:
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number


# --------------------------------------------------------------------------- columns and rows


def _columns(sheet: _Sheet, name: str, spec: ChildSpec):
    """The data rows with the spec's columns (absent ones null), and where each was found."""
    grid = sheet.grid
    header = sheet.header_index if sheet.header_index is not None else _header_index(grid)
    if header is None:
        raise UnreadableReturn(
            f"{name} has no header row of the column ids (child_id, family_id, ...) in its first "
            f"{layout.HEADER_SEARCH_ROWS} lines."
        )
    by_key = {_key(column): column for column in spec.column_ids}
    by_key[_key(layout.LA_CODE_COLUMN)] = layout.LA_CODE_COLUMN
    found: dict[str, str] = {}  # column id -> grid column
    letters: dict[str, str] = {}
    unknown, duplicate = [], []
    for index, text in enumerate(grid.row(header)):
        if text is None or not str(text).strip():
            continue
        letter = _letter(sheet.first_column + index)
        column_id = by_key.get(_key(text))
        if column_id is None:
            unknown.append((" ".join(str(text).split())[:40], letter))
        elif column_id in found:
            duplicate.append((column_id, letter))
        else:
            found[column_id] = f"c{index}"
            letters[column_id] = letter
    header_row = sheet.first_row + header
    data = grid.slice(header + 1)
    if data.height > MAX_ROWS:
        raise UnreadableReturn(f"{name} has {data.height:,} rows, more than the {MAX_ROWS:,} a return may have.")
    wanted = list(spec.column_ids) + [layout.LA_CODE_COLUMN]
    def text(column: str) -> pl.Expr:
        stripped = pl.col(found[column]).str.strip_chars()
        return pl.when(stripped.str.len_bytes() > 0).then(stripped)

    table = data.select(
        [(text(column) if column in found else pl.lit(None, dtype=pl.String)).alias(column) for column in wanted]
    )
    positions = pl.Series(ROW, range(header_row + 1, header_row + 1 + data.height), dtype=pl.Int64)
    lines = sheet.lines.slice(header + 1) if sheet.lines is not None else positions.alias(LINE)
    table = table.with_columns(positions, lines.alias(LINE))
    table = table.filter(~pl.all_horizontal(pl.col(column).is_null() for column in wanted))
    table = table.select([ROW, LINE] + wanted)
    notes = {
        "missing": tuple(column for column in spec.required_columns if column not in found),
        "unknown": tuple(unknown),
        "duplicate": tuple(duplicate),
    }
    letters.pop(layout.LA_CODE_COLUMN, None)
    return table, header_row, letters, notes


_DAY_MONTH_YEAR = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"


def _month_only(expr: pl.Expr) -> pl.Expr:
    """birth_month given as a full date (a date cell, ISO text, or day/month/year as UK systems
    write it): the day of birth is dropped on arrival, so it is never stored or shown."""
    iso = expr.str.contains(r"^\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+)?$")
    day_month_year = expr.str.contains(_DAY_MONTH_YEAR)
    from_day_month_year = pl.concat_str(
        [expr.str.extract(_DAY_MONTH_YEAR, 3), pl.lit("-"), expr.str.extract(_DAY_MONTH_YEAR, 2).str.zfill(2)]
    )
    return (
        pl.when(iso).then(expr.str.slice(0, 7))
        .when(day_month_year).then(from_day_month_year)
        .otherwise(expr)
        .alias(BIRTH_MONTH)
    )


def _establish_la(name: str, suffix: str, given: str | None, sheet: _Sheet, table: pl.DataFrame) -> tuple[LocalAuthority, str]:
    """The LA the return is for, from every place that names it; they must agree."""
    named: list[tuple[str, str]] = []
    if sheet.metadata.get("la_code"):
        named.append(("the template", sheet.metadata["la_code"]))
    if sheet.cover_la:
        named.append(("the cover sheet", sheet.cover_la))
    column = table.get_column(layout.LA_CODE_COLUMN).drop_nulls().str.to_uppercase().unique().sort().to_list()
    if len(column) > 1:
        shown = ", ".join(column[:4]) + (" ..." if len(column) > 4 else "")
        raise UnreadableReturn(
            f"{name} names more than one local authority in its la_code column ({shown}); send one file per LA."
        )
    if column:
        named.append(("its la_code column", column[0]))
    if given:
        named.append(("--la", given))
    if not named:
        if suffix in CSV_SUFFIXES:
            raise UnreadableReturn(
                f"{name} does not say which local authority it is from: add a column la_code with the LA's "
                "code on every row, or give --la CODE."
            )
        raise UnreadableReturn(
            f"{name} does not say which local authority it is from: fill in the local authority code on "
            "its Cover sheet, or give --la CODE."
        )
    resolved: list[tuple[str, LocalAuthority]] = []
    for where, code in named:
        la = find_la(code)
        if la is None:
            retired = retired_codes().get(str(code).strip().upper())
            hint = ""
            if retired is not None and retired.successors:
                hint = " (it was " + retired.name + "'s code; use " + " or ".join(
                    f"{s.name}'s, {s.code}" for s in retired.successors) + ")"
            raise UnreadableReturn(
                f"{name}: {str(code).strip()!r} (from {where}) is not the code of one of England's 153 local authorities{hint}."
            )
        resolved.append((where, la))
    first_where, first = resolved[0]
    for where, la in resolved[1:]:
        if la.code != first.code:
            raise UnreadableReturn(
                f"{name}: {first_where} says {first.name} ({first.code}) but {where} says {la.name} ({la.code}); "
                "which LA is it from?"
            )
    return first, first_where
