"""Opening the zip inside an .xlsx or .ods without trusting it, and parsing its XML safely.

Before anything is unzipped, the central directory is checked against the limits (entries, the
declared sizes, the ratio of each part): a zip bomb that tells the truth about its sizes is
refused there. A part is then unzipped in chunks against a budget shared by the whole file, so
one that lies about its size is stopped at the budget (Python's zipfile also never unzips more
than the declared size, and checks each part's CRC). XML is parsed by expat, streaming, with
any document type declaration refused at its first byte: no entity is ever declared, so none
can expand ("billion laughs") or fetch a file or URL (external entities). Excel and
LibreOffice never write a DTD into a workbook.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pyexpat import XML_PARAM_ENTITY_PARSING_NEVER, ExpatError, ParserCreate

from fgc_collect.model import UnreadableReturn
from fgc_collect.read.limits import Deadline, LimitExceeded, Limits, megabytes

CHUNK = 256 * 1024
SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class Damaged(UnreadableReturn):
    """A file whose structure is broken: the message says so in a sentence."""


def damaged(name: str, what: str) -> Damaged:
    return Damaged(
        f"{name} is damaged ({what}), so it could not be read: ask the council to open it, "
        "save it again as .xlsx and resend it."
    )


class DtdFound(Exception):
    pass


class SafeZip:
    """A zip archive, checked against the limits; `name` is how messages call the file."""

    def __init__(self, data: bytes | io.BufferedIOBase, name: str, limits: Limits, deadline: Deadline):
        self.name = name
        self.limits = limits
        self.deadline = deadline
        self.xml_left = limits.xml_bytes
        stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
        try:
            self.zip = zipfile.ZipFile(stream)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
            raise damaged(name, "its zip structure is broken") from None
        if len(infos) > limits.zip_entries:
            raise LimitExceeded(
                f"{name} holds {len(infos):,} parts, more than the limit of {limits.zip_entries:,} "
                "(the template has 18), so it was not read.",
                "zip_entries",
            )
        self.parts: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            key = info.filename.lstrip("/").lower()
            if key in self.parts:
                raise damaged(name, f"it holds two parts called {info.filename!r}")
            self.parts[key] = info
            total += info.file_size
            if info.flag_bits & 0x1:
                raise UnreadableReturn(
                    f"{name} is a password-protected zip archive, not a password-protected workbook: "
                    "ask the council to send the workbook itself (Excel can protect it with a password)."
                )
            if info.compress_type not in SUPPORTED_COMPRESSION:
                raise damaged(name, f"{info.filename} is compressed in a way spreadsheets never are")
            if (
                info.file_size > limits.ratio_floor_bytes
                and info.file_size > limits.entry_ratio * max(info.compress_size, 1)
            ):
                raise LimitExceeded(
                    f"{name} is a zip bomb: its part {_short(info.filename)} would unzip from "
                    f"{megabytes(info.compress_size)} to {megabytes(info.file_size)} (more than "
                    f"{limits.entry_ratio} times its size, the limit), so it was not read.",
                    "entry_ratio",
                )
        if total > limits.total_uncompressed_bytes:
            raise LimitExceeded(
                f"{name} would unzip to {megabytes(total)}, more than the limit of "
                f"{megabytes(limits.total_uncompressed_bytes)} (a return unzips to about 2 MB), so it was not read.",
                "total_uncompressed_bytes",
            )

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def has(self, part: str) -> bool:
        return part.lstrip("/").lower() in self.parts

    def names(self) -> list[str]:
        return [info.filename for info in self.parts.values()]

    def info(self, part: str) -> zipfile.ZipInfo | None:
        return self.parts.get(part.lstrip("/").lower())

    def chunks(self, part: str) -> Iterator[bytes]:
        """The part unzipped in chunks, counted against the file's XML budget and its deadline."""
        info = self.info(part)
        if info is None:
            raise damaged(self.name, f"the part {part} is missing")
        if info.file_size > self.xml_left:
            raise self._too_much_xml()
        try:
            with self.zip.open(info) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        return
                    self.xml_left -= len(chunk)
                    if self.xml_left < 0:
                        raise self._too_much_xml()
                    yield chunk
                    self.deadline.check()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
                NotImplementedError):
            raise damaged(self.name, f"its part {_short(part)} is corrupt") from None

    def read(self, part: str) -> bytes:
        return b"".join(self.chunks(part))

    def _too_much_xml(self) -> LimitExceeded:
        return LimitExceeded(
            f"{self.name} holds more than {megabytes(self.limits.xml_bytes)} of spreadsheet XML once unzipped "
            "(the limit; a return holds about 2 MB), so it was not read: it is a zip bomb or far larger "
            "than the template.",
            "xml_bytes",
        )

    def parse(self, part: str, start: Callable, end: Callable | None = None, text: Callable | None = None) -> None:
        """Stream the part through expat with these handlers (element names are
        "namespace localname"); refuses any DTD."""
        parse_xml(self.chunks(part), self.name, _short(part), self.limits, start, end, text)


class StopParsing(Exception):
    """Raised by a handler that has all it needs from a part (a sheet's cells end at </sheetData>)."""


def parse_xml(chunks, name: str, part: str, limits: Limits, start: Callable, end: Callable | None = None,
              text: Callable | None = None) -> None:
    """Feed the chunks to expat with the handlers; the deadline is checked between chunks (by
    the chunks' iterator), which bounds the time of a part full of tiny elements."""
    parser = ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 65536
    parser.SetParamEntityParsing(XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args):
        raise DtdFound()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except StopParsing:
        return
    except DtdFound:
        raise UnreadableReturn(
            f"{name} contains an XML document type declaration in {part}, which Excel and LibreOffice never "
            "write and which is how entity-expansion attacks are built, so it was not read."
        ) from None
    except ExpatError:
        raise damaged(name, f"its part {part} is not valid XML") from None
    except RecursionError:
        raise damaged(name, f"its part {part} is nested too deeply") from None


def resolve(source_part: str, target: str) -> str:
    """A relationship's target as a part name: relative to the folder of the part that owns the
    relationship ("" for the package's own _rels/.rels), or absolute."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    folder = posixpath.dirname(source_part)
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


def rels_part(part: str) -> str:
    """xl/workbook.xml -> xl/_rels/workbook.xml.rels"""
    folder, leaf = posixpath.split(part)
    return posixpath.join(folder, "_rels", leaf + ".rels")


def _short(part: str) -> str:
    return part if len(part) <= 60 else part[:57] + "..."
