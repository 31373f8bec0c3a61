"""Editing an .xlsx package in place: parts, relationships, content types, and exact byte
positions of elements, so that a change touches only what it must.

Nothing is re-serialised: an XML parser (expat, entity declarations refused) only finds where
elements start and end, and edits splice bytes at those positions. Namespace declarations,
`mc:Ignorable` prefixes, extension lists, charts, pictures, saved formula values: whatever the
council's program wrote stays byte for byte, which is why Excel has nothing to repair.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = NS_R + "/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_COMMENTS = NS_R + "/comments"
REL_VML = NS_R + "/vmlDrawing"
REL_STYLES = NS_R + "/styles"
REL_SHARED_STRINGS = NS_R + "/sharedStrings"
REL_CALC_CHAIN = NS_R + "/calcChain"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CONTENT_TYPES = "[Content_Types].xml"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

MAX_UNCOMPRESSED = 256 * 1024 * 1024
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class PackageError(Exception):
    """The file is not a workbook package this module can edit."""


# --------------------------------------------------------------------------- text for XML


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def xml_text(text: object) -> str:
    """Text escaped for XML element content or attributes. Characters XML forbids are dropped, and
    a literal '_x0041_' is protected from Excel's own escape syntax."""
    text = _ILLEGAL_XML.sub("", str(text))
    text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;").replace("\t", "&#9;"))


def unescape(text: str) -> str:
    def entity(match: re.Match) -> str:
        name = match[1]
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}.get(name, match[0])

    return re.sub(r"&(#x[0-9A-Fa-f]+|#[0-9]+|\w+);", entity, text)


# --------------------------------------------------------------------------- element positions


@dataclass(eq=False)
class Element:
    name: str  # as written, with any prefix ("c", "x:c")
    attrs: dict[str, str]
    depth: int
    start: int  # offset of "<"
    tag_end: int  # offset just after the start tag's ">"
    end: int = -1  # offset just after the element (its end tag, or the empty tag)
    parent: Element | None = field(default=None, repr=False)
    local: str = ""  # the name without its prefix

    def __post_init__(self) -> None:
        self.local = self.name.rsplit(":", 1)[-1]

    @property
    def empty(self) -> bool:
        return self.end == self.tag_end


_START_TAG = re.compile(rb"""<[^\s/>!?]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")


def index_elements(xml: bytes) -> list[Element]:
    """Every element of an XML document with its byte offsets, in document order."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    elements: list[Element] = []
    stack: list[Element] = []

    def refuse(*_args) -> None:
        raise PackageError("the file declares XML entities")

    def start(name: str, attrs: dict[str, str]) -> None:
        offset = parser.CurrentByteIndex
        match = _START_TAG.match(xml, offset)
        if match is None:
            raise PackageError("an XML start tag could not be located")
        element = Element(name, attrs, len(stack), offset, match.end(), parent=stack[-1] if stack else None)
        if match[1]:  # <empty/>
            element.end = match.end()
        elements.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        element = stack.pop()
        if element.end < 0:
            element.end = xml.index(b">", parser.CurrentByteIndex) + 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as error:
        raise PackageError(f"damaged XML ({error})") from None
    return elements


def inner_text(xml: bytes, element: Element) -> str:
    """The text content of an element that holds only text (a defined name, an author)."""
    if element.empty:
        return ""
    closing = xml.rindex(b"</", element.tag_end, element.end)
    return unescape(xml[element.tag_end:closing].decode("utf-8", "replace"))


def children(elements: list[Element], parent: Element) -> list[Element]:
    return [element for element in elements if element.parent is parent]


def first(elements: list[Element], local: str, depth: int | None = None) -> Element | None:
    for element in elements:
        if element.local == local and (depth is None or element.depth == depth):
            return element
    return None


def splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace data[start:end] by each replacement; edits must not overlap."""
    out = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position:
            raise PackageError("overlapping edits")
        out.append(data[position:start])
        out.append(replacement)
        position = end
    out.append(data[position:])
    return b"".join(out)


_ATTRIBUTE = r"""(\s{name}\s*=\s*)("[^"]*"|'[^']*')"""


def set_attribute(tag: bytes, name: str, value: str) -> bytes:
    """A start tag with attribute `name` set to `value` (escaped here)."""
    encoded = xml_text(value).encode()
    pattern = re.compile(_ATTRIBUTE.format(name=re.escape(name)).encode())
    if pattern.search(tag):
        return pattern.sub(lambda m: m[1] + b'"' + encoded + b'"', tag, count=1)
    closing = b"/>" if tag.endswith(b"/>") else b">"
    return tag[: -len(closing)].rstrip() + b" " + name.encode() + b'="' + encoded + b'"' + closing


def remove_attribute(tag: bytes, name: str) -> bytes:
    pattern = re.compile(_ATTRIBUTE.format(name=re.escape(name)).encode())
    return pattern.sub(b"", tag, count=1)


def prefix_of(element: Element) -> str:
    """'x:' for <x:worksheet>, '' for <worksheet>."""
    return element.name[: -len(element.local)]


# --------------------------------------------------------------------------- the package


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # resolved part name ("xl/worksheets/sheet1.xml"), or the raw external target
    external: bool


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


# Parts a copy cannot do without: left out, the workbook would not open (or lose a sheet).
ESSENTIAL_RELATIONSHIPS = frozenset({REL_OFFICE_DOCUMENT, REL_WORKSHEET, REL_STYLES, REL_SHARED_STRINGS,
                                     NS_R + "/chartsheet", NS_R + "/dialogsheet"})
# Elements of a worksheet that only point at a part: they go with a part left out.
_POINTERS = frozenset({"drawing", "legacyDrawing", "legacyDrawingHF", "picture"})


class Package:
    """The parts of an OOXML zip, editable, saved back in their original order.

    A part whose data is damaged (a CRC error, broken compressed data) is taken as it is when its
    data can still be unpacked to the size the zip gives (only the checksum is wrong), and left
    out otherwise, with the relationships that point at it (`left_out` names it): the validator
    never reads a document's properties, a thumbnail or a drawing, so a return it calls valid
    still gets its annotated copy. A damaged part the copy needs is a PackageError."""

    def __init__(self, data: bytes):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise PackageError("not a zip package") from None
        self.left_out: list[str] = []
        with archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
                raise PackageError("the workbook is too large to copy")
            self.order = [info.filename for info in infos]
            self.parts = {}
            for info in infos:
                content = _read_part(archive, data, info)
                if content is None:
                    self.left_out.append(info.filename)
                    self.order.remove(info.filename)
                else:
                    self.parts[info.filename] = content
        if CONTENT_TYPES in self.left_out:
            raise PackageError(f"its part {CONTENT_TYPES} is damaged")
        if CONTENT_TYPES not in self.parts:
            raise PackageError("not an Office package (no [Content_Types].xml)")
        for part in self.left_out:
            self._forget(part)

    def _forget(self, part: str) -> None:
        """Take out every pointer to a part that was left out (relationships, its content type,
        the worksheet elements that only point at it); PackageError if the copy needs the part."""
        if part.endswith(".rels"):
            raise PackageError(f"its part {part} is damaged")
        for rels in [name for name in self.parts if name.endswith(".rels")]:
            source = _source_of(rels)
            for rel in self.relationships(source):
                if rel.external or rel.target != part:
                    continue
                if rel.type in ESSENTIAL_RELATIONSHIPS:
                    raise PackageError(f"its part {part} is damaged")
                self.remove_relationship(source, rel.id)
                if source in self.parts:
                    xml = self.parts[source]
                    edits = [(e.start, e.end, b"") for e in index_elements(xml)
                             if e.local in _POINTERS and rel.id in e.attrs.values()]
                    self.parts[source] = splice(xml, edits)
        self.remove_override(part)

    def has(self, part: str) -> bool:
        return part in self.parts

    def read(self, part: str) -> bytes:
        return self.parts[part]

    def write(self, part: str, data: bytes) -> None:
        if part not in self.parts:
            self.order.append(part)
        self.parts[part] = data

    def delete(self, part: str) -> None:
        self.parts.pop(part, None)
        if part in self.order:
            self.order.remove(part)

    def new_part_name(self, pattern: str) -> str:
        """The first free name of a pattern such as 'xl/comments{}.xml' (1, 2, ...)."""
        taken = {name.casefold() for name in self.parts}
        number = 1
        while pattern.format(number).casefold() in taken:
            number += 1
        return pattern.format(number)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            names = [CONTENT_TYPES] + [name for name in self.order if name != CONTENT_TYPES]
            for name in names:
                archive.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), self.parts[name],
                                 compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()

    # ----------------------------------------------------------------- relationships

    def relationships(self, part: str) -> list[Relationship]:
        name = rels_name(part) if part else "_rels/.rels"
        if name not in self.parts:
            return []
        found = []
        for element in index_elements(self.parts[name]):
            if element.local != "Relationship":
                continue
            attrs = element.attrs
            external = attrs.get("TargetMode", "") == "External"
            target = attrs.get("Target", "")
            found.append(Relationship(attrs.get("Id", ""), attrs.get("Type", ""),
                                      target if external else resolve(part, target), external))
        return found

    def add_relationship(self, part: str, rel_type: str, target_part: str) -> str:
        name = rels_name(part)
        if name not in self.parts:
            self.write(name, XML_DECLARATION + f'<Relationships xmlns="{NS_PACKAGE_RELS}"></Relationships>'.encode())
        taken = {rel.id for rel in self.relationships(part)}
        number = 1
        while f"rIdFgc{number}" in taken:
            number += 1
        rel_id = f"rIdFgc{number}"
        target = posixpath.relpath(target_part, posixpath.dirname(part) or ".")
        xml = self.parts[name]
        root = first(index_elements(xml), "Relationships", 0)
        entry = f'<Relationship Id="{rel_id}" Type="{xml_text(rel_type)}" Target="{xml_text(target)}"/>'.encode()
        self.parts[name] = _append_child(xml, root, entry)
        return rel_id

    def remove_relationship(self, part: str, rel_id: str) -> None:
        name = rels_name(part)
        if name not in self.parts:
            return
        xml = self.parts[name]
        edits = [(e.start, e.end, b"") for e in index_elements(xml) if e.local == "Relationship" and e.attrs.get("Id") == rel_id]
        self.parts[name] = splice(xml, edits)

    def drop_part_tree(self, part: str) -> None:
        """Delete a part with its relationships file and the internal parts only it points to."""
        for rel in self.relationships(part):
            if not rel.external and rel.target in self.parts:
                self.drop_part_tree(rel.target)
        self.delete(rels_name(part))
        self.delete(part)
        self.remove_override(part)

    # ----------------------------------------------------------------- content types

    def content_type(self, part: str) -> str | None:
        for element in index_elements(self.parts[CONTENT_TYPES]):
            if element.local == "Override" and element.attrs.get("PartName", "").lstrip("/") == part:
                return element.attrs.get("ContentType")
        return None

    def set_override(self, part: str, content_type: str) -> None:
        xml = self.parts[CONTENT_TYPES]
        elements = index_elements(xml)
        for element in elements:
            if element.local == "Override" and element.attrs.get("PartName", "").lstrip("/").casefold() == part.casefold():
                tag = set_attribute(xml[element.start:element.tag_end], "ContentType", content_type)
                self.parts[CONTENT_TYPES] = splice(xml, [(element.start, element.tag_end, tag)])
                return
        root = first(elements, "Types", 0)
        entry = f'<Override PartName="/{xml_text(part)}" ContentType="{xml_text(content_type)}"/>'.encode()
        self.parts[CONTENT_TYPES] = _append_child(xml, root, entry)

    def remove_override(self, part: str) -> None:
        xml = self.parts[CONTENT_TYPES]
        edits = [(e.start, e.end, b"") for e in index_elements(xml)
                 if e.local == "Override" and e.attrs.get("PartName", "").lstrip("/").casefold() == part.casefold()]
        if edits:
            self.parts[CONTENT_TYPES] = splice(xml, edits)

    def ensure_default(self, extension: str, content_type: str) -> None:
        xml = self.parts[CONTENT_TYPES]
        elements = index_elements(xml)
        if any(e.local == "Default" and e.attrs.get("Extension", "").casefold() == extension.casefold() for e in elements):
            return
        root = first(elements, "Types", 0)
        entry = f'<Default Extension="{xml_text(extension)}" ContentType="{xml_text(content_type)}"/>'.encode()
        # Default entries come before Override entries.
        override = next((e for e in elements if e.local == "Override"), None)
        if override is not None:
            self.parts[CONTENT_TYPES] = splice(xml, [(override.start, override.start, entry)])
        else:
            self.parts[CONTENT_TYPES] = _append_child(xml, root, entry)


def _source_of(rels: str) -> str:
    """The part a relationships part belongs to: 'xl/_rels/workbook.xml.rels' -> 'xl/workbook.xml';
    '' for the package's own '_rels/.rels'."""
    folder = posixpath.dirname(posixpath.dirname(rels))
    name = posixpath.basename(rels)[: -len(".rels")]
    return posixpath.join(folder, name) if name else ""


_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def _read_part(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes; for a damaged part, its data as stored when it still unpacks to the size the
    zip gives (only the checksum is wrong), else None."""
    try:
        return archive.read(info)
    except _DAMAGED:
        pass
    try:
        start = info.header_offset
        if data[start:start + 4] != b"PK\x03\x04":
            return None
        name_length, extra_length = struct.unpack("<HH", data[start + 26:start + 30])
        start += 30 + name_length + extra_length
        stored = data[start:start + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            content = stored
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            content = inflater.decompress(stored, info.file_size + 1)
            if not inflater.eof:
                return None
        else:
            return None
    except (zlib.error, struct.error):
        return None
    return content if len(content) == info.file_size else None


def _append_child(xml: bytes, parent: Element | None, child: bytes) -> bytes:
    """Add `child` as the last child of `parent` (an empty <tag/> is opened up)."""
    if parent is None:  # the part has not the root element its name promises
        raise PackageError("a part of it is not what its name says")
    if parent.empty:
        tag = xml[parent.start:parent.tag_end]
        opened = tag[:-2].rstrip() + b">"
        return splice(xml, [(parent.start, parent.end, opened + child + b"</" + parent.name.encode() + b">")])
    closing = xml.rindex(b"</", parent.start, parent.end)
    return splice(xml, [(closing, closing, child)])


def append_child(xml: bytes, parent: Element, child: bytes) -> bytes:
    return _append_child(xml, parent, child)
