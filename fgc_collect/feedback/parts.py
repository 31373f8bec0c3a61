"""Editors for the parts of a workbook package the annotated copy touches: the workbook part
(sheets, defined names, shared strings), styles, one worksheet's cells, and a sheet's notes
(the comments part and the VML drawing that places them). Each finds what it needs by position
(see `ooxml`) and changes only that; nothing is re-serialised."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fgc_collect.template import layout

from . import ooxml
from .ooxml import Element, Package, PackageError, index_elements, set_attribute, xml_text
from fgc_collect.read.book import column_letters, column_number  # A1 arithmetic, shared with the reader

COMMENT_AUTHOR = "fgc-collect"
MAX_COMMENT_CHARS = 32_000  # Excel's limit is 32,767
MAX_COLUMN, MAX_ROW = 16_384, 1_048_576

# --------------------------------------------------------------------------- cell references


_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})")


def split_reference(reference: str | None) -> tuple[str, int] | None:
    """('D', 14) for "D14", "$D$14" or "D14:D20" (its first cell); None if it is not a cell."""
    if not reference:
        return None
    match = _A1.fullmatch(str(reference).split(":")[0].strip())
    if match is None:
        return None
    return match[1].upper(), int(match[2])



def cell_reference(reference: str | None) -> tuple[int, int] | None:
    """(column, row) numbers of an issue's cell inside Excel's grid, or None."""
    parts = split_reference(reference)
    if parts is None:
        return None
    column, row = column_number(parts[0]), parts[1]
    if column > MAX_COLUMN or row > MAX_ROW:
        return None
    return column, row


def a1(column: int, row: int) -> str:
    return f"{column_letters(column)}{row}"


# --------------------------------------------------------------------------- the workbook part


@dataclass
class SheetEntry:
    name: str
    part: str | None  # None for a chartsheet or a sheet whose part is missing
    element: Element  # its <sheet> element in workbook.xml
    position: int


class Book:
    """The workbook part: its sheets, styles and shared strings."""

    def __init__(self, package: Package):
        self.package = package
        office = [rel for rel in package.relationships("") if rel.type == ooxml.REL_OFFICE_DOCUMENT]
        if not office or office[0].target not in package.parts:
            raise PackageError("the package has no workbook part")
        self.part = office[0].target
        self.rels = package.relationships(self.part)
        targets = {rel.id: rel for rel in self.rels}
        xml = package.read(self.part)
        self.elements = index_elements(xml)
        self.root = self.elements[0]
        self.prefix = ooxml.prefix_of(self.root)
        self.r_prefix = next((key[6:] for key, value in self.root.attrs.items()
                              if key.startswith("xmlns:") and value == ooxml.NS_R), None)
        self.sheets: list[SheetEntry] = []
        for element in self.elements:
            if element.local != "sheet" or element.parent is None or element.parent.local != "sheets":
                continue
            rel_id = next((value for key, value in element.attrs.items() if key.endswith(":id")), None)
            rel = targets.get(rel_id)
            part = rel.target if rel is not None and rel.type == ooxml.REL_WORKSHEET and rel.target in package.parts else None
            self.sheets.append(SheetEntry(element.attrs.get("name", ""), part, element, len(self.sheets)))

    def rel_target(self, rel_type: str) -> str | None:
        for rel in self.rels:
            if rel.type == rel_type and not rel.external and rel.target in self.package.parts:
                return rel.target
        return None

    def sheet(self, name: str) -> SheetEntry | None:
        return next((sheet for sheet in self.sheets if sheet.name == name), None)

    def defined_cells(self, prefix: str) -> dict[str, tuple[str, int, int]]:
        """Defined names starting with `prefix` that point at one cell: name -> (sheet, column, row)."""
        cache = self.__dict__.setdefault("_defined", {})
        if prefix not in cache:
            cache[prefix] = self._defined_cells(prefix)
        return cache[prefix]

    def _defined_cells(self, prefix: str) -> dict[str, tuple[str, int, int]]:
        xml = self.package.read(self.part)
        found = {}
        for element in self.elements:
            name = element.attrs.get("name", "")
            if element.local != "definedName" or not name.startswith(prefix):
                continue
            text = ooxml.inner_text(xml, element)
            match = re.fullmatch(r"\s*(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?([0-9]+)\s*", text)
            if match:
                sheet = (match[1] or "").replace("''", "'") or match[2]
                found[name] = (sheet, column_number(match[3]), int(match[4]))
        return found

    def input_cells(self) -> set[tuple[str, int, int]]:
        """(sheet, column, row) of every input cell the template named Q_<id>."""
        return set(self.defined_cells(layout.INPUT_NAME_PREFIX).values())

    def has_macros(self) -> bool:
        return any(rel.type == ooxml.REL_VBA for rel in self.rels)


def shared_string(package: Package, book: Book, index: int) -> str | None:
    """Entry `index` of the workbook's shared strings (read once per workbook)."""
    strings = book.__dict__.get("_shared_strings")
    if strings is None:
        strings = []
        part = book.rel_target(ooxml.REL_SHARED_STRINGS)
        if part is not None:
            xml = package.read(part)
            texts: dict[int, list[str]] = {}
            for element in index_elements(xml):
                if element.local == "si":
                    texts[id(element)] = []
                    strings.append(element)
                elif element.local == "t" and not element.empty:
                    ancestor = element.parent
                    while ancestor is not None and ancestor.local not in ("si", "rPh"):
                        ancestor = ancestor.parent
                    if ancestor is not None and ancestor.local == "si":
                        texts[id(ancestor)].append(ooxml.inner_text(xml, element))
            strings = ["".join(texts[id(item)]) for item in strings]
        book.__dict__["_shared_strings"] = strings
    return strings[index] if 0 <= index < len(strings) else None


def element_text(xml: bytes, elements: list[Element]) -> str:
    """The text of <t> elements (not phonetic runs) of an <si> or a comment's <text>."""
    parts = []
    for element in elements:
        if element.local != "t" or element.empty:
            continue
        ancestor, phonetic = element.parent, False
        while ancestor is not None:
            if ancestor.local == "rPh":
                phonetic = True
                break
            ancestor = ancestor.parent
        if not phonetic:
            closing = xml.rindex(b"</", element.tag_end, element.end)
            parts.append(ooxml.unescape(xml[element.tag_end:closing].decode("utf-8", "replace")))
    return "".join(parts)


# --------------------------------------------------------------------------- styles


class Styles:
    """styles.xml: new fills, fonts and cell formats appended; existing ones never changed."""

    def __init__(self, xml: bytes):
        self.xml = xml
        elements = index_elements(xml)
        self.prefix = ooxml.prefix_of(elements[0])
        self.blocks: dict[str, Element] = {}
        self.items: dict[str, list[bytes]] = {}
        for local, item in (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf")):
            block = next((e for e in elements if e.local == local and e.depth == 1), None)
            if block is None:
                raise PackageError(f"the workbook's styles have no {local}")
            self.blocks[local] = block
            self.items[local] = [xml[e.start:e.end] for e in elements if e.parent is block and e.local == item]
        self.has_style_xfs = any(e.local == "cellStyleXfs" and e.depth == 1 for e in elements)
        self.added: dict[str, list[bytes]] = {"fonts": [], "fills": [], "cellXfs": []}
        self._memo: dict[tuple, int] = {}

    def _add(self, block: str, xml: bytes) -> int:
        key = (block, xml)
        if key not in self._memo:
            self.added[block].append(xml)
            self._memo[key] = len(self.items[block]) + len(self.added[block]) - 1
        return self._memo[key]

    def _tag(self, local: str) -> str:
        return self.prefix + local

    def fill(self, rgb: str | None) -> int:
        """A solid fill of that colour (None: no fill, the workbook's first fill)."""
        if rgb is None:
            return 0
        t = self._tag
        return self._add("fills", (
            f'<{t("fill")}><{t("patternFill")} patternType="solid"><{t("fgColor")} rgb="FF{rgb}"/>'
            f'<{t("bgColor")} indexed="64"/></{t("patternFill")}></{t("fill")}>'
        ).encode())

    def font(self, bold: bool = False, size: float = 11, rgb: str | None = None, underline: bool = False) -> int:
        t = self._tag
        inner = (f"<{t('b')}/>" if bold else "") + (f"<{t('u')}/>" if underline else "")
        inner += f'<{t("sz")} val="{size:g}"/>' + (f'<{t("color")} rgb="FF{rgb}"/>' if rgb else "")
        inner += f'<{t("name")} val="Calibri"/><{t("family")} val="2"/>'
        return self._add("fonts", f"<{t('font')}>{inner}</{t('font')}>".encode())

    def cell_format(self, font: int = 0, fill: int = 0, wrap: bool = False, top: bool = True) -> int:
        t = self._tag
        attributes = f'numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0"'
        if self.has_style_xfs:
            attributes += ' xfId="0"'
        attributes += ' applyFont="1" applyFill="1" applyAlignment="1"'
        alignment = f'<{t("alignment")}' + (' vertical="top"' if top else "") + (' wrapText="1"' if wrap else "") + "/>"
        return self._add("cellXfs", f"<{t('xf')} {attributes}>{alignment}</{t('xf')}>".encode())

    def _xf(self, index: int) -> bytes:
        all_xfs = self.items["cellXfs"] + self.added["cellXfs"]
        return all_xfs[index] if 0 <= index < len(all_xfs) else all_xfs[0]

    def fill_colour_of(self, xf_index: int) -> str | None:
        """The RGB of an existing cell format's solid fill ("FFC7CE"), if any."""
        match = re.search(rb'\sfillId\s*=\s*["\'](\d+)', self._xf(xf_index))
        fills = self.items["fills"] + self.added["fills"]
        if match is None or int(match[1]) >= len(fills):
            return None
        colour = re.search(rb'fgColor\b[^>]*\srgb\s*=\s*["\']([0-9A-Fa-f]{6,8})', fills[int(match[1])])
        return colour[1].decode()[-6:].upper() if colour else None

    def with_fill(self, xf_index: int, fill: int) -> int:
        """A copy of a cell format (number format, font, border, alignment, protection) with another fill."""
        xf = self._xf(xf_index)
        tag_end = ooxml._START_TAG.match(xf).end()
        tag = set_attribute(set_attribute(xf[:tag_end], "fillId", str(fill)), "applyFill", "1")
        return self._add("cellXfs", tag + xf[tag_end:])

    def to_bytes(self) -> bytes:
        edits = []
        for local, block in self.blocks.items():
            added = self.added[local]
            if not added:
                continue
            count = len(self.items[local]) + len(added)
            tag = set_attribute(self.xml[block.start:block.tag_end], "count", str(count))
            if block.empty:
                tag = tag[:-2].rstrip() + b">"
                edits.append((block.start, block.end, tag + b"".join(added) + f"</{block.name}>".encode()))
            else:
                closing = self.xml.rindex(b"</", block.start, block.end)
                edits.append((block.start, block.tag_end, tag))
                edits.append((closing, closing, b"".join(added)))
        return ooxml.splice(self.xml, edits)


# --------------------------------------------------------------------------- one worksheet


# Worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet order).
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                         "webPublishItems", "tableParts", "extLst")


class SheetEdit:
    """One worksheet's edits: cell formats set (cells created where needed), a legacy drawing
    linked, the tab deselected.

    A sheet's cells can be many; only the skeleton (everything but the rows) goes through the
    parser, and the few cells and rows concerned are found by their r attribute in the rows."""

    def __init__(self, xml: bytes):
        self.xml = xml
        opening = _SHEET_DATA.search(xml)
        if opening is None:
            raise PackageError("a worksheet without sheetData")
        self.prefix = opening[1].decode()
        prefix = re.escape(opening[1])
        if opening[2]:  # <sheetData/>
            self.body = (opening.end(), opening.end())
            skeleton, shift = xml, 0
        else:
            closing = re.compile(rb"</" + prefix + rb"sheetData\s*>").search(xml, opening.end())
            if closing is None:
                raise PackageError("a worksheet whose sheetData does not end")
            self.body = (opening.end(), closing.start())
            skeleton, shift = xml[: opening.end()] + xml[closing.start():], closing.start() - opening.end()
        self.elements = index_elements(skeleton)
        if shift:
            cut = self.body[0]
            for element in self.elements:
                element.start += shift if element.start > cut else 0
                element.tag_end += shift if element.tag_end > cut else 0
                element.end += shift if element.end > cut else 0
        self.root = self.elements[0]
        self.sheet_data = next(e for e in self.elements if e.local == "sheetData" and e.depth == 1)
        self._cell = re.compile(rb"<" + prefix + rb"c\b[^>]*?\sr\s*=\s*[\"']([A-Za-z]{1,3})([0-9]+)[\"']")
        self._any_cell = re.compile(rb"<" + prefix + rb"c\b([^>]*?)/?>")
        self._row = re.compile(rb"<" + prefix + rb"row\b[^>]*?\sr\s*=\s*[\"']([0-9]+)[\"']")
        self._row_without_r = re.compile(rb"<" + prefix + rb"row\b(?![^>]*?\sr\s*=)[^>]*>")
        self._row_end = re.compile(rb"</" + prefix + rb"row\s*>")
        self.merged: list[tuple[int, int, int, int]] = []
        self.column_styles: list[tuple[int, int, int]] = []
        for element in self.elements:
            if element.local == "mergeCell":
                first_cell, _, last_cell = element.attrs.get("ref", "").partition(":")
                start, end = cell_reference(first_cell), cell_reference(last_cell or first_cell)
                if start and end:
                    self.merged.append((start[0], start[1], end[0], end[1]))
            elif element.local == "col" and element.attrs.get("style", "").isdigit():
                try:
                    self.column_styles.append((int(element.attrs["min"]), int(element.attrs["max"]), int(element.attrs["style"])))
                except (KeyError, ValueError):
                    pass
        self._rows: dict[int, tuple[int, int, int, int] | None] = {}
        self.new_styles: dict[tuple[int, int], int] = {}
        self.extra_edits: list[tuple[int, int, bytes]] = []

    # ----------------------------------------------------------------- finding rows and cells

    def row_span(self, number: int) -> tuple[int, int, int, int] | None:
        """(start, tag end, end of content, end) of row `number`; tag end == end for <row/>."""
        if number not in self._rows:
            found = None
            start, stop = self.body
            for match in self._row.finditer(self.xml, start, stop):
                if int(match[1]) != number:
                    continue
                tag = ooxml._START_TAG.match(self.xml, match.start())
                if tag is None:
                    break
                if tag[1]:
                    found = (match.start(), tag.end(), tag.end(), tag.end())
                else:
                    closing = self._row_end.search(self.xml, tag.end(), stop)
                    if closing is not None:
                        found = (match.start(), tag.end(), closing.start(), closing.end())
                break
            self._rows[number] = found
        return self._rows[number]

    def row_cells(self, number: int) -> list[tuple[int | None, int, int]] | None:
        """(column or None when the cell does not say, start, tag end) of each cell in a row."""
        span = self.row_span(number)
        if span is None:
            return None
        cells = []
        for match in self._any_cell.finditer(self.xml, span[1], span[2]):
            reference = re.search(rb'\sr\s*=\s*["\']([A-Za-z]{1,3})[0-9]+["\']', match[1])
            cells.append((column_number(reference[1].decode()) if reference else None, match.start(), match.end()))
        return cells

    def cell_tag(self, where: tuple[int, int]) -> tuple[int, int] | None:
        """(start, tag end) of the cell's start tag, if the cell is in the file."""
        cells = self.row_cells(where[1])
        if not cells:
            return None
        for column, start, tag_end in cells:
            if column == where[0]:
                return start, tag_end
        return None

    def top_left(self, where: tuple[int, int]) -> tuple[int, int]:
        column, row = where
        for first_column, first_row, last_column, last_row in self.merged:
            if first_column <= column <= last_column and first_row <= row <= last_row:
                return first_column, first_row
        return where

    def style_of(self, where: tuple[int, int]) -> int:
        if where in self.new_styles:
            return self.new_styles[where]
        tag = self.cell_tag(where)
        if tag is not None:
            style = re.search(rb'\ss\s*=\s*["\']([0-9]+)["\']', self.xml[tag[0]:tag[1]])
            return int(style[1]) if style else 0
        span = self.row_span(where[1])
        if span is not None:
            row_tag = self.xml[span[0]:span[1]]
            if re.search(rb'\scustomFormat\s*=\s*["\'](1|true)["\']', row_tag):
                style = re.search(rb'\ss\s*=\s*["\']([0-9]+)["\']', row_tag)
                if style:
                    return int(style[1])
        for low, high, style in self.column_styles:
            if low <= where[0] <= high:
                return style
        return 0

    def can_style(self, where: tuple[int, int]) -> bool:
        if self.cell_tag(where) is not None:
            return True
        cells = self.row_cells(where[1])
        if cells is not None:
            return all(column is not None for column, _, _ in cells)
        return self._row_without_r.search(self.xml, *self.body) is None

    def set_style(self, where: tuple[int, int], style: int) -> None:
        if self.can_style(where):
            self.new_styles[where] = style

    # ----------------------------------------------------------------- the skeleton

    def legacy_drawing_id(self) -> str | None:
        element = next((e for e in self.elements if e.local == "legacyDrawing" and e.depth == 1), None)
        if element is None:
            return None
        return next((value for key, value in element.attrs.items() if key.endswith(":id")), "")

    def add_legacy_drawing(self, rel_id: str) -> None:
        r_prefix = next((key[6:] for key, value in self.root.attrs.items()
                         if key.startswith("xmlns:") and value == ooxml.NS_R), None)
        if r_prefix is None:
            r_prefix = "r" if "xmlns:r" not in self.root.attrs else "rfgc"
            tag = self.xml[self.root.start:self.root.tag_end]
            declaration = f' xmlns:{r_prefix}="{ooxml.NS_R}"'.encode()
            self.extra_edits.append((self.root.start, self.root.tag_end, tag[:-1].rstrip(b"/") + declaration + b">"))
        element = f'<{self.prefix}legacyDrawing {r_prefix}:id="{rel_id}"/>'.encode()
        position = self.xml.rindex(b"</", self.root.start, self.root.end)
        for child in (e for e in self.elements if e.parent is self.root):
            local = child.local
            if local == "AlternateContent":  # look inside: <mc:Choice><controls>...
                inner = next((e for e in self.elements if e.depth == 3 and e.start > child.start and e.end <= child.end), None)
                local = inner.local if inner is not None else local
            if local in _AFTER_LEGACY_DRAWING:
                position = child.start
                break
        self.extra_edits.append((position, position, element))

    def deselect(self) -> None:
        for element in self.elements:
            if element.local == "sheetView" and element.attrs.get("tabSelected") in ("1", "true"):
                tag = self.xml[element.start:element.tag_end]
                self.extra_edits.append((element.start, element.tag_end, ooxml.remove_attribute(tag, "tabSelected")))

    # ----------------------------------------------------------------- the edited sheet

    def result(self) -> bytes:
        edits = list(self.extra_edits)
        creating: dict[int, list[tuple[int, int]]] = {}
        for where, style in self.new_styles.items():
            tag = self.cell_tag(where)
            if tag is not None:
                edits.append((tag[0], tag[1], set_attribute(self.xml[tag[0]:tag[1]], "s", str(style))))
            else:
                creating.setdefault(where[1], []).append((where[0], style))
        new_rows = []
        for number, cells in creating.items():
            cells.sort()
            span = self.row_span(number)
            if span is None:
                new_rows.append((number, cells))
                continue
            start, tag_end, content_end, _end = span
            if tag_end == content_end and self.xml[start:tag_end].endswith(b"/>"):
                tag = self.xml[start:tag_end]
                body = b"".join(self._new_cell(c, number, s) for c, s in cells)
                edits.append((start, tag_end, tag[:-2].rstrip() + b">" + body + f"</{self.prefix}row>".encode()))
                continue
            existing = sorted((column, cell_start) for column, cell_start, _ in self.row_cells(number))
            for column, style in cells:
                position = next((cell_start for c, cell_start in existing if c > column), content_end)
                edits.append((position, position, self._new_cell(column, number, style)))
        if new_rows:
            edits.extend(self._new_rows(sorted(new_rows)))
        return ooxml.splice(self.xml, edits)

    def _new_cell(self, column: int, row: int, style: int) -> bytes:
        return f'<{self.prefix}c r="{a1(column, row)}" s="{style}"/>'.encode()

    def _new_rows(self, new_rows: list[tuple[int, list[tuple[int, int]]]]) -> list[tuple[int, int, bytes]]:
        data = self.sheet_data
        rows_xml = [
            (number, f'<{self.prefix}row r="{number}">'.encode()
             + b"".join(self._new_cell(c, number, s) for c, s in cells) + f"</{self.prefix}row>".encode())
            for number, cells in new_rows
        ]
        if data.empty:
            tag = self.xml[data.start:data.tag_end]
            return [(data.start, data.end, tag[:-2].rstrip() + b">" + b"".join(x for _, x in rows_xml) + f"</{data.name}>".encode())]
        existing = [(int(m[1]), m.start()) for m in self._row.finditer(self.xml, *self.body)]
        edits = []
        for number, xml in rows_xml:
            position = next((start for r, start in existing if r > number), self.body[1])
            edits.append((position, position, xml))
        return edits


# --------------------------------------------------------------------------- notes (comments)


@dataclass
class _Comment:
    where: tuple[int, int]
    author: str
    text: str
    raw: bytes | None  # the element as the council's file has it (None: ours, new)


class Comments:
    """A sheet's comments part: the council's notes kept byte for byte, ours added or replaced."""

    def __init__(self, xml: bytes | None):
        self.xml = xml
        self.comments: dict[tuple[int, int], _Comment] = {}
        self.changed = False
        self.prefix = ""
        self.authors: list[str] = []
        if xml is None:
            return
        elements = index_elements(xml)
        self.prefix = ooxml.prefix_of(elements[0])
        self.authors_element = next((e for e in elements if e.local == "authors" and e.depth == 1), None)
        self.list_element = next((e for e in elements if e.local == "commentList" and e.depth == 1), None)
        if self.authors_element is None or self.list_element is None:
            raise PackageError("a comments part without authors or a comment list")
        for element in elements:
            if element.local == "author" and element.parent is self.authors_element:
                closing = xml.rindex(b"</", element.tag_end, element.end) if not element.empty else element.end
                self.authors.append(ooxml.unescape(xml[element.tag_end:closing].decode("utf-8", "replace")) if not element.empty else "")
        for element in elements:
            if element.local != "comment" or element.parent is not self.list_element:
                continue
            where = cell_reference(element.attrs.get("ref"))
            if where is None:
                continue
            author_id = element.attrs.get("authorId", "0")
            author = self.authors[int(author_id)] if author_id.isdigit() and int(author_id) < len(self.authors) else ""
            raw = xml[element.start:element.end]
            text = element_text(raw, index_elements(raw))
            self.comments[where] = _Comment(where, author, text, raw)

    def ours(self) -> list[_Comment]:
        return [comment for comment in self.comments.values() if comment.author == COMMENT_AUTHOR]

    def get(self, where: tuple[int, int]) -> _Comment | None:
        return self.comments.get(where)

    def remove(self, where: tuple[int, int]) -> None:
        if self.comments.pop(where, None) is not None:
            self.changed = True

    def put(self, where: tuple[int, int], text: str, author: str = COMMENT_AUTHOR) -> None:
        self.comments[where] = _Comment(where, author, text, None)
        self.changed = True

    def to_bytes(self) -> bytes:
        authors = list(self.authors)
        for comment in self.comments.values():
            if comment.raw is None and comment.author not in authors:
                authors.append(comment.author)
        t = self.prefix
        entries = []
        for comment in sorted(self.comments.values(), key=lambda c: (c.where[1], c.where[0])):
            if comment.raw is not None:
                entries.append(comment.raw)
                continue
            text = xml_text(comment.text[:MAX_COMMENT_CHARS])
            entries.append(
                f'<{t}comment ref="{a1(*comment.where)}" authorId="{authors.index(comment.author)}"><{t}text>'
                f'<{t}t xml:space="preserve">{text}</{t}t></{t}text></{t}comment>'.encode()
            )
        author_xml = b"".join(f"<{t}author>{xml_text(author)}</{t}author>".encode() for author in authors)
        if self.xml is None:
            return (ooxml.XML_DECLARATION + f'<comments xmlns="{ooxml.NS_MAIN}"><authors>'.encode() + author_xml
                    + b"</authors><commentList>" + b"".join(entries) + b"</commentList></comments>")
        edits = []
        for element, inner in ((self.authors_element, author_xml), (self.list_element, b"".join(entries))):
            tag = self.xml[element.start:element.tag_end]
            if element.empty:
                tag = tag[:-2].rstrip() + b">"
            edits.append((element.start, element.end, tag + inner + f"</{element.name}>".encode()))
        return ooxml.splice(self.xml, edits)


_SHAPE = re.compile(rb"<v:shape\b(?:(?!<v:shape\b).)*?</v:shape>", re.S)
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_IDMAP = re.compile(rb'<o:idmap\b[^>]*\sdata\s*=\s*["\']([\d,\s]+)["\']')


def _note_position(shape: bytes) -> tuple[int, int] | None:
    if not re.search(rb'ObjectType\s*=\s*["\']Note["\']', shape):
        return None
    row = re.search(rb"<x:Row>\s*(\d+)\s*</x:Row>", shape)
    column = re.search(rb"<x:Column>\s*(\d+)\s*</x:Column>", shape)
    if row is None or column is None:
        return None
    return int(column[1]) + 1, int(row[1]) + 1


_SHAPE_TYPE = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


class Vml:
    """The VML drawing that places a sheet's notes (one shape per note)."""

    def __init__(self, xml: bytes | None, drawing_number: int):
        self.new = xml is None
        if xml is None:
            xml = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                   b'xmlns:x="urn:schemas-microsoft-com:office:excel">'
                   + f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{drawing_number}"/></o:shapelayout>'.encode()
                   + _SHAPE_TYPE + b"</xml>")
        elif (b"urn:schemas-microsoft-com:vml" not in xml or b"urn:schemas-microsoft-com:office:excel" not in xml
              or b"</xml>" not in xml):
            raise PackageError("a VML drawing this program cannot extend")
        self.xml = xml
        # Shape ids live in the block of 1,024 that the drawing's o:idmap claims.
        claimed = _IDMAP.search(xml)
        block = int(re.findall(rb"\d+", claimed[1])[0]) if claimed else drawing_number
        ids = [int(number) for number in _SHAPE_ID.findall(xml)]
        self.next_id = max(ids + [block * 1024]) + 1
        self.changed = False

    def notes(self) -> set[tuple[int, int]]:
        return {position for shape in _SHAPE.findall(self.xml) if (position := _note_position(shape))}

    def remove_note(self, where: tuple[int, int]) -> None:
        def drop(match: re.Match) -> bytes:
            return b"" if _note_position(match[0]) == where else match[0]

        updated = _SHAPE.sub(drop, self.xml)
        if updated != self.xml:
            self.xml, self.changed = updated, True

    def add_note(self, where: tuple[int, int], lines: int) -> None:
        if where in self.notes():
            return
        column, row = where[0] - 1, where[1] - 1
        height = min(600, 24 + 13 * lines)
        span = max(4, height // 15)
        shape = (
            f'<v:shape id="_x0000_s{self.next_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:300pt;height:{height}pt;z-index:{self.next_id};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{column + 1}, 15, {max(row - 1, 0)}, 10, {column + 5}, 15, {max(row - 1, 0) + span}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>"
        ).encode()
        self.next_id += 1
        xml = self.xml
        if b'id="_x0000_t202"' not in xml and b"id='_x0000_t202'" not in xml:
            shape = _SHAPE_TYPE + shape
        closing = xml.rindex(b"</xml>")
        self.xml = xml[:closing] + shape + xml[closing:]
        self.changed = True


def drawing_numbers(package: Package) -> tuple[int, int]:
    """(the next free o:idmap number, the next free shape id) across the workbook's VML drawings."""
    top_map, top_id = 0, 1024
    for name, data in package.parts.items():
        if not name.lower().endswith(".vml"):
            continue
        for match in _IDMAP.findall(data):
            numbers = [int(n) for n in re.findall(rb"\d+", match)]
            top_map = max([top_map] + numbers)
        top_id = max([top_id] + [int(n) for n in _SHAPE_ID.findall(data)])
    return top_map + 1, top_id + 1
