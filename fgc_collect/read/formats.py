"""What a file really is (by its bytes, never its name), and reading the binary formats.

.xlsx/.xlsm and .ods are read in this process by fgc-collect's own streaming readers (ooxml,
ods). Legacy .xls and .xlsb are binary formats read by python-calamine (Rust), in a child
process with its own memory ceiling and a time limit, so a hostile binary file can cost at most
that: the child sends back only the filled cells, as JSON. Calamine does not give .xls defined
names, so their cells are found by the item ids in column A (the template's fallback), and it
reads error values (#REF!) as blank cells.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime, time, timedelta

from fgc_collect.model import UnreadableReturn
from fgc_collect.read.book import BOOL, DATE, NUMERIC, STRING, Book, CellValue, Sheet
from fgc_collect.read.limits import Deadline, LimitExceeded, Limits
from fgc_collect.read.ods import ODS_MIMETYPE

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

ASK_FOR_TEMPLATE = "ask the council to send the completed template (.xlsx)"


def sniff(head: bytes) -> str:
    """zip, ole, pdf, rtf, html, xml, text or unknown, from the first bytes of a file."""
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = stripped[:512].lower()
    if stripped.startswith(b"%PDF"):
        return "pdf"
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:200]:
        return "html"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return "xml"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    sample = head[:4096]
    if sample and b"\x00" not in sample:
        try:
            sample.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            if sum(byte < 9 or 13 < byte < 32 for byte in sample) == 0:
                return "text"
    return "unknown"


def not_a_workbook(name: str, kind: str, head: bytes = b"") -> UnreadableReturn:
    """The sentence for a file that is some other kind of document."""
    what = {
        "pdf": "a PDF document",
        "rtf": "a Word (RTF) document",
        "html": "a web page (HTML)",
        "word": "a Word document",
        "powerpoint": "a PowerPoint presentation",
        "writer": "a LibreOffice Writer document",
        "zip": "a zip archive",
        "ole": "an Office file of another kind",
        "text": "a text file (such as CSV)",
    }.get(kind)
    if kind == "xml" and (b"Excel.Sheet" in head or b"urn:schemas-microsoft-com:office:spreadsheet" in head):
        return UnreadableReturn(
            f"{name} was saved as \"XML Spreadsheet 2003\", not as an Excel workbook: ask the council to save it "
            "as an Excel Workbook (.xlsx) and send it again."
        )
    if kind == "xml":
        what = "an XML file"
    if what is None:
        return UnreadableReturn(
            f"{name} is not an Excel workbook: its contents are not a spreadsheet or are damaged; "
            f"{ASK_FOR_TEMPLATE} again."
        )
    return UnreadableReturn(f"{name} is {what}, not an Excel workbook: {ASK_FOR_TEMPLATE}.")


def ole_kind(data: bytes, name: str) -> str:
    """encrypted (an encrypted .xlsx), xls, word, powerpoint or ole, from the streams inside."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
    except Exception as error:  # noqa: BLE001 - olefile raises many kinds on damaged files
        raise UnreadableReturn(
            f"{name} is damaged (its Office file structure is broken: {type(error).__name__}), so it could not be "
            "read: ask the council to open it, save it again as .xlsx and resend it."
        ) from None
    if "encryptioninfo" in streams and "encryptedpackage" in streams:
        return "encrypted"
    if "workbook" in streams or "book" in streams:
        return "xls"
    if "worddocument" in streams:
        return "word"
    if "powerpoint document" in streams:
        return "powerpoint"
    return "ole"


def xls_is_encrypted(data: bytes) -> bool:
    import msoffcrypto

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - let calamine say what is wrong
        return False


def zip_kind(names: list[str], mimetype: bytes) -> str:
    """ooxml, xlsb, ods, word, powerpoint, writer or zip, from the parts of a zip archive."""
    lowered = {name.lower().lstrip("/") for name in names}
    if mimetype.strip() == ODS_MIMETYPE.encode():
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "writer"
    if "xl/workbook.bin" in lowered:
        return "xlsb"
    if "xl/workbook.xml" in lowered or any(name.startswith("xl/") and name.endswith("workbook.xml") for name in lowered):
        return "ooxml"
    if "word/document.xml" in lowered:
        return "word"
    if "ppt/presentation.xml" in lowered:
        return "powerpoint"
    if "content.xml" in lowered and "meta-inf/manifest.xml" in lowered:
        return "ods"
    return "zip"


# ---------------------------------------------------------------------------- legacy formats

_CHILD = r"""
import io, json, resource, sys
memory, max_cells, max_chars = (int(arg) for arg in sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
import datetime
import python_calamine

def fail(kind, text):
    sys.stdout.write(json.dumps({kind: text}))
    sys.exit(0)

data = sys.stdin.buffer.read()
try:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = list(book.sheets_metadata)
except Exception as error:
    fail("error", f"{type(error).__name__}: {error}"[:200])
left = max_cells
out = []
for meta in sheets:
    state = str(meta.visible).rsplit(".", 1)[-1].lower()
    entry = {"name": meta.name, "state": {"veryhidden": "veryHidden"}.get(state, state), "cells": []}
    out.append(entry)
    if "worksheet" not in str(meta.typ).lower():
        continue
    try:
        sheet = book.get_sheet_by_name(meta.name)
        start = sheet.start or (0, 0)
        rows = sheet.iter_rows()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "" or value is None:
                    continue
                left -= 1
                if left < 0:
                    fail("limit", "cells")
                if isinstance(value, bool):
                    tag, value = "b", value
                elif isinstance(value, (int, float)):
                    tag = "n"
                elif isinstance(value, datetime.datetime):
                    tag, value = "dt", value.isoformat()
                elif isinstance(value, datetime.date):
                    tag, value = "d", value.isoformat()
                elif isinstance(value, datetime.time):
                    tag, value = "t", value.isoformat()
                elif isinstance(value, datetime.timedelta):
                    tag, value = "td", value.total_seconds()
                else:
                    tag, value = "s", str(value)
                    if len(value) > max_chars:
                        fail("limit", "string_chars")
                entry["cells"].append([start[0] + r + 1, start[1] + c + 1, tag, value])
    except MemoryError:
        fail("limit", "memory")
    except Exception as error:
        fail("error", f"{type(error).__name__}: {error}"[:200])
sys.stdout.write(json.dumps({"sheets": out}))
"""


def read_legacy(data: bytes, name: str, fmt: str, limits: Limits, deadline: Deadline) -> Book:
    """An .xls or .xlsb read by python-calamine in a child process (memory- and time-limited)."""
    command = [sys.executable, "-I", "-c", _CHILD, str(limits.legacy_memory_bytes), str(limits.cells),
               str(limits.string_chars)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=max(0.5, deadline.remaining()))
    except subprocess.TimeoutExpired:
        raise LimitExceeded(
            f"{name} took more than {limits.seconds:g} seconds to read (the limit; an honest return takes well "
            "under one), so it was not read.",
            "seconds",
        ) from None
    try:
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if answer is None or answer.get("limit") == "memory":
        raise LimitExceeded(
            f"{name} needs more than {limits.legacy_memory_bytes // (1024 * 1024):,} MB of memory to read (the "
            f"limit for .{fmt} files; a return needs about 20 MB), so it was not read: ask the council to save it "
            "as .xlsx.",
            "legacy_memory_bytes",
        )
    if "limit" in answer:
        if answer["limit"] == "cells":
            raise LimitExceeded(
                f"{name} has more than {limits.cells:,} filled cells (the limit; the template has about 1,300), "
                "so it was not read.",
                "cells",
            )
        raise LimitExceeded(
            f"{name} has a cell with more than {limits.string_chars:,} characters (the limit, and Excel's own "
            "maximum for a cell), so it was not read.",
            "string_chars",
        )
    if "error" in answer:
        text = answer["error"].lower()
        if "password" in text or "encrypt" in text:
            raise UnreadableReturn(
                f"{name} is password-protected in a way fgc-collect cannot open: ask the council to send it as "
                ".xlsx, with the password sent separately."
            )
        raise UnreadableReturn(
            f"{name} is damaged (it could not be read as an .{fmt} workbook: {answer['error'][:80]}); ask the "
            "council to open it, save it again as .xlsx and resend it."
        )
    book = Book(format=fmt, names_supported=False)
    for entry in answer["sheets"]:
        sheet = Sheet(entry["name"], entry["state"])
        for row, column, tag, value in entry["cells"]:
            sheet.cells[(row, column)] = _legacy_cell(tag, value)
        book.sheets.append(sheet)
    if not book.sheets:
        raise UnreadableReturn(f"{name} is a workbook with no sheets, so there is nothing to read.")
    return book


def _legacy_cell(tag: str, value) -> CellValue:
    if tag == "n":
        return CellValue(value, NUMERIC)
    if tag == "b":
        return CellValue(bool(value), BOOL)
    if tag == "dt":
        return CellValue(datetime.fromisoformat(value), DATE)
    if tag == "d":
        return CellValue(datetime.combine(date.fromisoformat(value), time()), DATE)
    if tag == "t":
        return CellValue(time.fromisoformat(value), DATE)
    if tag == "td":
        return CellValue(timedelta(seconds=value), DATE)
    return CellValue(value, STRING)
