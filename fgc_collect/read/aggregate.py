"""An aggregate return as a tidy frame: one row per input cell of the spec.

Cells are found by their defined names (Q_<item id>), which move with the cells when a council
inserts rows or renames sheets; where a name is gone or broken (sheets copied into a new
workbook, or an .xls, whose names are not read), the item-id column of the template finds the
row instead. Values are the cached ones the council's program saved: no formula is evaluated.
What reading noticed about the file (macros, another template version, names missing, questions
not found, a file name that names another LA) goes into `notes` (see notes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from fgc_collect.model import Issue, UnreadableReturn
from fgc_collect.read import cells as cellkinds
from fgc_collect.read import notes as readnotes
from fgc_collect.read.book import Book, CellValue, a1, book_from_openpyxl
from fgc_collect.read.crypto import Passwords
from fgc_collect.read.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from fgc_collect.read.workbook import display_name, open_return
from fgc_collect.spec import InputCell, Spec
from fgc_collect.template import layout

NUMERIC_KINDS = ("count", "decimal")
FREE_TEXT_KINDS = ("text", "email", "longtext")  # never repeated in an issue (names, addresses, comments)

FRAME_SCHEMA = {
    "item_id": pl.String,  # the input cell's id (B3_U1)
    "item": pl.String,  # the spec item it belongs to (B3)
    "kind": pl.String,  # count, decimal, choice, text, email, la_code, longtext
    "sheet": pl.String,  # as named in the file received
    "cell": pl.String,  # A1 reference in the file received
    "located_by": pl.String,  # name | item_id_column | missing
    "raw_kind": pl.String,  # blank, number, text, date, bool, error
    "raw_text": pl.String,  # the cell as stored, as text
    "number": pl.Float64,  # count/decimal: the figure, also when typed as text
    "number_from_text": pl.Boolean,  # the figure was typed as text
    "suppressed": pl.Boolean,  # a suppression marker or range instead of a figure
    "code": pl.String,  # choice: the code for the code or label given
    "text": pl.String,  # text kinds: the text, trimmed
}


@dataclass(frozen=True)
class Location:
    sheet: str
    cell: str
    located_by: str


@dataclass
class AggregateReturn:
    file: str
    sha256: str
    metadata: dict[str, str | None]
    cells: pl.DataFrame
    totals: dict[str, Location] = field(default_factory=dict)  # breakdown id -> its total row
    notes: list[Issue] = field(default_factory=list)  # what reading itself found (READnn warnings)
    file_format: str = "xlsx"  # xlsx, xlsm, ods, xls or xlsb, from the file's bytes (not its name)
    encrypted: bool = False  # it arrived password-protected and was decrypted in memory
    spec: Spec | None = field(default=None, repr=False, compare=False)  # the spec it was read against (its year's)

    @property
    def level(self) -> str:
        return self.metadata.get("level") or "aggregate"

    def location(self, item_id: str) -> Location | None:
        """Where the council will look for an item: an input cell, or a breakdown's total row."""
        if item_id in self.totals:
            return self.totals[item_id]
        row = self._rows_by_id.get(item_id)
        if row is None or row["cell"] is None:
            return None
        return Location(row["sheet"], row["cell"], row["located_by"])

    def values(self) -> dict[str, float | str | None]:
        """Every input cell's usable value: the figure, the choice code or the text; None if blank
        or unusable (a cell-level rule reports those)."""
        values: dict[str, float | str | None] = {}
        for row in self.cells.iter_rows(named=True):
            kind = row["kind"]
            if kind in NUMERIC_KINDS:
                values[row["item_id"]] = row["number"]
            elif kind == "choice":
                values[row["item_id"]] = row["code"]
            else:
                values[row["item_id"]] = row["text"]
        return values

    def row(self, item_id: str) -> dict | None:
        return self._rows_by_id.get(item_id)

    @property
    def _rows_by_id(self) -> dict[str, dict]:
        cached = self.__dict__.get("_rows_cache")
        if cached is None:
            cached = {row["item_id"]: row for row in self.cells.iter_rows(named=True)}
            self.__dict__["_rows_cache"] = cached
        return cached


ITEM_ID_SCAN_ROWS = 5000  # rows searched for item ids (the template's longest sheet has about 80)
ITEM_ID_SCAN_COLUMNS = 8
YEARS_AHEAD = 10  # a return's year this far past the latest spec held is refused, not moved on to
LISTED = 8  # item ids named in a note before "and N more"


def read_return(path: str | Path, spec: Spec | None = None, passwords: Passwords | None = None,
                limits: Limits = DEFAULT_LIMITS, year: str | None = None) -> AggregateReturn:
    """Read one aggregate return; UnreadableReturn with a plain sentence if it is not one.
    `passwords` (from --password-file) opens password-protected files. Without `spec`, the return
    is read against its own year's spec (its metadata), else `year`'s, else the collection's year."""
    book, digest = open_return(path, passwords, limits)
    try:
        return read_workbook(book, file=str(path), sha256=digest, spec=spec, year=year)
    except UnreadableReturn:
        raise
    except MemoryError:
        raise LimitExceeded(f"{display_name(path)} needs more memory to read than this computer has, so it was "
                            "not read.", "memory") from None
    except Exception as error:  # noqa: BLE001 - this file is refused; the others of the batch go on
        raise UnreadableReturn(
            f"{display_name(path)} could not be read as a return ({type(error).__name__}); it may be damaged: ask "
            "the council to save it again as .xlsx and resend it."
        ) from None


def read_workbook(workbook, file: str, sha256: str, spec: Spec | None = None, year: str | None = None) -> AggregateReturn:
    """An AggregateReturn from an opened workbook: a Book (see book.py) or an openpyxl workbook.
    Without `spec`, the spec of the return's own year (spec_of_return)."""
    book = workbook if isinstance(workbook, Book) else book_from_openpyxl(workbook)
    name = display_name(file)
    metadata = read_metadata(book)
    spec = spec or spec_of_return(metadata, name, year)
    _check_collection(metadata, spec, name)
    names = {key: Location(sheet, cell, "name") for key, (sheet, cell) in book.names.items()
             if key.startswith((layout.INPUT_NAME_PREFIX, layout.TOTAL_NAME_PREFIX)) and sheet in book}
    fallback: dict[str, Location] = {}

    def by_item_id(item_id: str) -> Location | None:
        # Searching column A reads every sheet: only done once a name is missing.
        if not fallback:
            fallback.update(_item_id_column_locations(book, spec) or {"": Location("", "", "")})
        return fallback.get(item_id)

    rows = []
    notes: list[Issue] = []
    for input_cell in spec.input_cells:
        location = names.get(layout.INPUT_NAME_PREFIX + input_cell.id) or by_item_id(input_cell.id)
        row, cell = _cell_row(book, input_cell, location)
        rows.append(row)
        if cell is not None and cell.value is None and cell.formula is not None:
            notes.append(readnotes.note(
                readnotes.FORMULA_NO_VALUE,
                f"{location.cell} holds a formula whose result was not saved with the file, so it reads as blank: "
                "open the file in Excel, check the figure and save it again (or type the figure itself).",
                item=input_cell.id, sheet=location.sheet, cell=location.cell,
                value=None if input_cell.kind in FREE_TEXT_KINDS else "=" + cell.formula.lstrip("="),
            ))
    located = sum(1 for row in rows if row["located_by"] != "missing")
    if located == 0:
        raise UnreadableReturn(
            f"{name} is not an FGC survey return: none of the template's questions were found in it "
            "(was the wrong workbook attached?)."
        )
    totals = {}
    for item in spec.breakdowns:
        location = names.get(layout.TOTAL_NAME_PREFIX + item.id) or by_item_id(item.id)
        if location is not None:
            totals[item.id] = location
    frame = pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row")
    notes = _file_notes(book, metadata, rows, spec, file) + notes
    return AggregateReturn(file=file, sha256=sha256, metadata=metadata, cells=frame, totals=totals, notes=notes,
                           file_format=book.format, encrypted=book.encrypted, spec=spec)


def spec_of_return(metadata: dict[str, str | None], name: str, year: str | None = None) -> Spec:
    """The spec a return is read and checked against: its own year's (the template's metadata names
    it, so late returns of a past year are checked as that year), else `year` (validate --year),
    else the collection's year (fgc_collect.survey.collection_year)."""
    from fgc_collect.spec import known_years, latest_year
    from fgc_collect.spec.overlay import SpecChangeError
    from fgc_collect.survey import spec_for

    own = metadata.get("year")
    if own is None:
        return spec_for(year)
    try:
        if own[:4].isdigit() and int(own[:4]) > int(latest_year()[:4]) + YEARS_AHEAD:
            raise SpecChangeError(own)  # a typing slip, not a survey years away
        return spec_for(own)
    except SpecChangeError:
        raise UnreadableReturn(
            f"{name} was made from a template for {own}, a year fgc-collect has no questions for (it knows "
            f"{', '.join(known_years())}), so it was not read: ask the council to fill in this year's template."
        ) from None


def _check_collection(metadata: dict[str, str | None], spec: Spec, name: str) -> None:
    collection, year = metadata.get("collection"), metadata.get("year")
    if collection not in (None, spec.collection_id):
        raise UnreadableReturn(
            f"{name} is from another collection ({collection}), not the {spec.title}."
        )
    if year not in (None, spec.year):
        version = metadata.get("template_version")
        made_from = f"the {year} template" + (f" (version {version})" if version else "")
        raise UnreadableReturn(
            f"{name} was made from {made_from}, not the {spec.year} one, and its questions cannot be matched to "
            f"this year's: ask the council to fill in the {spec.year} template."
        )


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def _file_notes(book: Book, metadata: dict, rows: list[dict], spec: Spec, file: str) -> list[Issue]:
    notes: list[Issue] = []
    if book.has_macros:
        notes.append(readnotes.note(
            readnotes.MACROS,
            "The workbook contains macros (VBA): they were not run and not kept, only the cells were read. "
            "Please send returns as .xlsx, without macros.",
        ))
    version = metadata.get("template_version")
    if version not in (None, spec.template_version):
        notes.append(readnotes.note(
            readnotes.TEMPLATE_VERSION,
            f"This return was made from template version {version}; the current one is {spec.template_version}. "
            "It was read by its question codes: check that every answer below was found.",
            value=version,
        ))
    by_item_id = [row["item_id"] for row in rows if row["located_by"] == "item_id_column"]
    if by_item_id and book.names_supported:
        notes.append(readnotes.note(
            readnotes.NAMES_MISSING,
            f"The template's cell names were missing for {len(by_item_id)} questions ({_listed(by_item_id)}), so "
            "their answers were found by the item ids in column A; check they are in the right rows.",
        ))
    missing = [row["item_id"] for row in rows if row["located_by"] == "missing"]
    if missing:
        notes.append(readnotes.note(
            readnotes.QUESTIONS_MISSING,
            f"{len(missing)} questions of the template were not found in this file ({_listed(missing)}): were rows "
            "or sheets deleted, or an old template used?",
        ))
    notes.extend(_file_name_note(metadata, rows, file))
    return notes


def _file_name_note(metadata: dict, rows: list[dict], file: str) -> list[Issue]:
    from fgc_collect.read.filename import las_named_in
    from fgc_collect.reference import find_la

    a2 = next((row for row in rows if row["kind"] == "la_code"), None)
    code_text = (a2["text"] if a2 else None) or metadata.get("la_code")
    la = find_la(code_text) if code_text else None
    if la is None:
        return []
    named = las_named_in(Path(file).name)
    if not named or any(other.code == la.code for other in named):
        return []
    others = " and ".join(f"{other.name} ({other.code})" for other in named[:3])
    return [readnotes.note(
        readnotes.FILE_NAME_LA,
        f"The file name mentions {others}, but this return is for {la.name} ({la.code}) by its own code; "
        "the return's code was used. Check the right file was sent.",
        item=a2["item_id"] if a2 else None, sheet=a2["sheet"] if a2 else None, cell=a2["cell"] if a2 else None,
        value=Path(file).name,
    )]


def read_metadata(workbook) -> dict[str, str | None]:
    book = workbook if isinstance(workbook, Book) else book_from_openpyxl(workbook)
    metadata: dict[str, str | None] = {key: None for key in layout.META_KEYS}
    if layout.META_SHEET not in book:
        return metadata
    sheet = book[layout.META_SHEET]
    for row in range(1, 51):
        key, value = sheet.cell(row, 1).value, sheet.cell(row, 2).value
        if isinstance(key, str) and key.strip() in metadata and value not in (None, ""):
            metadata[key.strip()] = str(value).strip()
    return metadata


def _item_id_column_locations(book: Book, spec: Spec) -> dict[str, Location]:
    """Item id -> answer cell, found by the ids the template writes in its item-id column.

    Sheets with the template's header row ("Item" ... "Your answer") are searched first, and on
    them only the header's item column below it; an id is taken where it is first found."""
    wanted = {cell.id for cell in spec.input_cells} | {item.id for item in spec.breakdowns}
    default_offset = layout.ANSWER_COLUMN - layout.ITEM_ID_COLUMN
    scanned = []
    for sheet in book.worksheets:
        if sheet.title in (layout.META_SHEET, layout.LISTS_SHEET):
            continue
        cells = sheet.rows_in_columns(ITEM_ID_SCAN_COLUMNS, ITEM_ID_SCAN_ROWS)
        header_row = answer_column = id_column = None
        for row, column, cell in cells:
            if isinstance(cell.value, str) and cell.value.strip() == layout.ANSWER_HEADER:
                header_row, answer_column = row, column
                break
        if header_row is not None:
            for row, column, cell in cells:
                if row == header_row and isinstance(cell.value, str) and cell.value.strip() == layout.ITEM_ID_HEADER:
                    id_column = column
        scanned.append((header_row is None, sheet, cells, header_row, answer_column, id_column))
    found: dict[str, Location] = {}
    for _no_header, sheet, cells, header_row, answer_column, id_column in sorted(scanned, key=lambda entry: entry[0]):
        for row, column, cell in cells:
            if not isinstance(cell.value, str):
                continue
            text = cell.value.strip()
            if text not in wanted or text in found:
                continue
            if header_row is not None and (row <= header_row or (id_column is not None and column != id_column)):
                continue
            answer = answer_column if answer_column is not None else column + default_offset
            if answer == column:
                continue
            found[text] = Location(sheet.title, a1(row, answer), "item_id_column")
    return found


def _cell_row(book: Book, input_cell: InputCell, location: Location | None) -> tuple[dict, CellValue | None]:
    row = {key: None for key in FRAME_SCHEMA}
    row.update(item_id=input_cell.id, item=input_cell.item.id, kind=input_cell.kind)
    row.update(number_from_text=False, suppressed=False)
    if location is None:
        row.update(located_by="missing", raw_kind=cellkinds.BLANK)
        return row, None
    target = book[location.sheet][location.cell]
    raw_kind, raw_text = cellkinds.classify(target.value, target.data_type)
    row.update(sheet=location.sheet, cell=location.cell, located_by=location.located_by)
    row.update(raw_kind=raw_kind, raw_text=raw_text)
    row.update(interpret(input_cell, raw_kind, raw_text, target.value))
    return row, target


def interpret(input_cell: InputCell, raw_kind: str, raw_text: str | None, value: object) -> dict:
    """What the spec's item type makes of a cell: the figure, the choice code or the text."""
    if raw_kind in (cellkinds.BLANK, cellkinds.ERROR):
        return {}
    if input_cell.kind in NUMERIC_KINDS:
        if raw_kind == cellkinds.NUMBER:
            return {"number": float(value)}
        if raw_kind == cellkinds.TEXT:
            number = cellkinds.parse_number_text(raw_text)
            if number is not None:
                return {"number": number, "number_from_text": True}
            return {"suppressed": cellkinds.is_suppression_marker(raw_text)}
        return {}
    if input_cell.kind == "choice":
        return {"code": input_cell.choice_code(raw_text)}
    return {"text": cellkinds.normalise_text(raw_text)}
