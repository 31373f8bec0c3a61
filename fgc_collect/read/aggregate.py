"""An aggregate return as a tidy frame: one row per input cell of the spec.

Cells are found by their defined names (Q_<item id>), which move with the cells when a council
inserts rows; where a name is gone or broken (sheets copied into a new workbook), the item-id
column of the template finds the row instead. Values are the cached ones the council's program
saved: no formula is evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from openpyxl.utils.cell import coordinate_from_string, get_column_letter

from fgc_collect.model import Issue, UnreadableReturn
from fgc_collect.read import cells as cellkinds
from fgc_collect.read.workbook import load_xlsx, sha256_of
from fgc_collect.spec import InputCell, Spec, load_spec
from fgc_collect.template import layout

NUMERIC_KINDS = ("count", "decimal")

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
    notes: list[Issue] = field(default_factory=list)  # what reading itself found

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


def read_return(path: str | Path, spec: Spec | None = None) -> AggregateReturn:
    """Read one aggregate return; UnreadableReturn with a plain sentence if it is not one."""
    spec = spec or load_spec()
    path = Path(path)
    workbook = load_xlsx(path)
    digest = sha256_of(path)
    return read_workbook(workbook, file=str(path), sha256=digest, spec=spec)


def read_workbook(workbook, file: str, sha256: str, spec: Spec | None = None) -> AggregateReturn:
    spec = spec or load_spec()
    name = Path(file).name
    metadata = read_metadata(workbook)
    if metadata.get("collection") not in (None, spec.collection_id):
        raise UnreadableReturn(
            f"{name} is from another collection ({metadata['collection']}), not the {spec.title}."
        )
    names = _defined_name_locations(workbook)
    fallback = _item_id_column_locations(workbook, spec)
    rows = []
    notes: list[Issue] = []
    for input_cell in spec.input_cells:
        location = names.get(layout.INPUT_NAME_PREFIX + input_cell.id) or fallback.get(input_cell.id)
        rows.append(_cell_row(workbook, input_cell, location))
    located = sum(1 for row in rows if row["located_by"] != "missing")
    if located == 0:
        raise UnreadableReturn(
            f"{name} is not an FGC survey return: none of the template's questions were found in it "
            "(was the wrong workbook attached?)."
        )
    totals = {}
    for item in spec.breakdowns:
        location = names.get(layout.TOTAL_NAME_PREFIX + item.id) or fallback.get(item.id)
        if location is not None:
            totals[item.id] = location
    frame = pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row")
    return AggregateReturn(file=file, sha256=sha256, metadata=metadata, cells=frame, totals=totals, notes=notes)


def read_metadata(workbook) -> dict[str, str | None]:
    metadata: dict[str, str | None] = {key: None for key in layout.META_KEYS}
    if layout.META_SHEET not in workbook.sheetnames:
        return metadata
    sheet = workbook[layout.META_SHEET]
    for key, value, *_ in sheet.iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
        if isinstance(key, str) and key.strip() in metadata and value not in (None, ""):
            metadata[key.strip()] = str(value).strip()
    return metadata


def _defined_name_locations(workbook) -> dict[str, Location]:
    """Defined name -> the cell it points at (workbook- and sheet-scoped names alike)."""
    found: dict[str, Location] = {}
    scoped = [(None, workbook.defined_names)] + [(ws.title, ws.defined_names) for ws in workbook.worksheets]
    for _sheet, names in scoped:
        for name, definition in names.items():
            if not (name.startswith(layout.INPUT_NAME_PREFIX) or name.startswith(layout.TOTAL_NAME_PREFIX)):
                continue
            try:
                destinations = list(definition.destinations)
            except Exception:  # noqa: BLE001 - a #REF! or formula name points nowhere usable
                continue
            if len(destinations) != 1:
                continue
            title, reference = destinations[0]
            reference = reference.replace("$", "")
            if title not in workbook.sheetnames or ":" in reference:
                continue
            try:
                coordinate_from_string(reference)
            except ValueError:
                continue
            found[name] = Location(title, reference, "name")
    return found


def _item_id_column_locations(workbook, spec: Spec) -> dict[str, Location]:
    """Item id -> answer cell, found by the ids the template writes in its item-id column."""
    wanted = {cell.id for cell in spec.input_cells} | {item.id for item in spec.breakdowns}
    found: dict[str, Location] = {}
    for sheet in workbook.worksheets:
        if sheet.title in (layout.META_SHEET, layout.LISTS_SHEET) or sheet.max_row > 5000:
            continue
        answer_offset = layout.ANSWER_COLUMN - layout.ITEM_ID_COLUMN
        answer_column = None
        for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 400), max_col=8):
            for cell in row:
                value = cell.value
                if not isinstance(value, str):
                    continue
                text = value.strip()
                if text == layout.ANSWER_HEADER and answer_column is None:
                    answer_column = cell.column
                elif text in wanted and text not in found:
                    column = answer_column or cell.column + answer_offset
                    found[text] = Location(sheet.title, f"{get_column_letter(column)}{cell.row}", "item_id_column")
    return found


def _cell_row(workbook, input_cell: InputCell, location: Location | None) -> dict:
    row = {key: None for key in FRAME_SCHEMA}
    row.update(item_id=input_cell.id, item=input_cell.item.id, kind=input_cell.kind)
    row.update(number_from_text=False, suppressed=False)
    if location is None:
        row.update(located_by="missing", raw_kind=cellkinds.BLANK)
        return row
    target = workbook[location.sheet][location.cell]
    raw_kind, raw_text = cellkinds.classify(target.value, target.data_type)
    row.update(sheet=location.sheet, cell=location.cell, located_by=location.located_by)
    row.update(raw_kind=raw_kind, raw_text=raw_text)
    row.update(interpret(input_cell, raw_kind, raw_text, target.value))
    return row


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
