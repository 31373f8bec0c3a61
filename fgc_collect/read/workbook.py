"""Opening a spreadsheet that arrived by email: the one place files are touched.

`open_return` reads the file once (its size checked first), tells what it really is from its
bytes (a PDF or a Word file renamed .xlsx is named as such), decrypts a password-protected
workbook in memory, and hands it to the reader made for its format (see formats.py). Every
failure becomes `UnreadableReturn` with one plain sentence that names the file; nothing here
evaluates a formula, follows a link or runs a macro, and every read is bounded (limits.py).
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from pathlib import Path

from fgc_collect.model import UnreadableReturn
from fgc_collect.read.book import Book
from fgc_collect.read.crypto import Passwords, decrypt
from fgc_collect.read.formats import (
    not_a_workbook,
    ole_kind,
    read_legacy,
    sniff,
    xls_is_encrypted,
    zip_kind,
)
from fgc_collect.read.limits import DEFAULT_LIMITS, Deadline, LimitExceeded, Limits, megabytes
from fgc_collect.read.ods import read_ods
from fgc_collect.read.ooxml import read_ooxml
from fgc_collect.read.safezip import SafeZip
from fgc_collect.text import printable

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv")
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")


def display_name(path: str | Path) -> str:
    """The file's name as one printable line: control characters, line breaks, bidi overrides and
    undecodable bytes become '?', and a very long name is shortened."""
    cleaned = printable(Path(path).name or str(path))
    return cleaned if len(cleaned) <= 120 else cleaned[:117] + "..."


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def not_a_file(path: Path, name: str) -> str:
    """Why a path given as a return cannot be opened as one, in one sentence."""
    if not path.exists() and not path.is_symlink():
        return f"{name} does not exist (check the name and the folder)."
    return f"{name} is not a file (a folder, a link, a device or a pipe), so it was not read."


def open_return(path: str | Path, passwords: Passwords | None = None,
                limits: Limits = DEFAULT_LIMITS) -> tuple[Book, str]:
    """(the workbook, the sha256 of the file as received), or UnreadableReturn saying why not."""
    path = Path(path)
    name = display_name(path)
    if not path.is_file():
        raise UnreadableReturn(not_a_file(path, name))
    size = path.stat().st_size
    if size == 0:
        raise UnreadableReturn(f"{name} is empty (0 bytes): ask the council to attach the completed template again.")
    if size > limits.file_bytes:
        raise LimitExceeded(
            f"{name} is {megabytes(size)}, more than the limit of {megabytes(limits.file_bytes)} for a return "
            "(the template is about 30 KB), so it was not read.",
            "file_bytes",
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableReturn(f"{name} cannot be opened ({error.strerror or type(error).__name__}).") from None
    digest = hashlib.sha256(data).hexdigest()
    deadline = Deadline(name, limits)
    try:
        book = open_bytes(data, name, str(path), passwords, limits, deadline)
    except UnreadableReturn:
        raise
    except MemoryError:
        raise LimitExceeded(f"{name} needs more memory to read than this computer has, so it was not read.", "memory") from None
    except RecursionError:
        raise UnreadableReturn(f"{name} is damaged (it is nested too deeply to read), so it could not be read.") from None
    except Exception as error:  # noqa: BLE001 - any other failure is a damaged file to the user
        raise UnreadableReturn(
            f"{name} could not be read as a workbook ({type(error).__name__}); it may be damaged: ask the council "
            "to save it again as .xlsx and resend it."
        ) from None
    return book, digest


def open_bytes(data: bytes, name: str, hint: str, passwords: Passwords | None, limits: Limits,
               deadline: Deadline) -> Book:
    """A workbook from the bytes of a file (or of a decrypted one)."""
    kind = sniff(data[:4096])
    if kind == "zip":
        return _open_zip(data, name, limits, deadline)
    if kind == "ole":
        found = ole_kind(data, name)
        if found == "encrypted":
            plain = decrypt(data, name, hint, passwords, "ooxml")
            if sniff(plain[:8]) != "zip":
                raise UnreadableReturn(f"{name} was decrypted but what it holds is not a workbook.")
            book = _open_zip(plain, name, limits, deadline)
            book.encrypted = True
            return book
        if found == "xls":
            encrypted = xls_is_encrypted(data)
            if encrypted:
                data = decrypt(data, name, hint, passwords, "xls")
            book = read_legacy(data, name, "xls", limits, deadline)
            book.encrypted = encrypted
            return book
        raise not_a_workbook(name, found)
    raise not_a_workbook(name, kind, data[:4096])


def _open_zip(data: bytes, name: str, limits: Limits, deadline: Deadline) -> Book:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableReturn(
            f"{name} is damaged: it ends too soon (perhaps the attachment or download was cut off), so it could "
            "not be read: ask the council to send it again."
        )
    # Not closed here: an .xlsx's sheets are parsed when first needed (the archive is in memory).
    archive = SafeZip(data, name, limits, deadline)
    info = archive.info("mimetype")
    mimetype = archive.read("mimetype")[:200] if info is not None and info.file_size <= 200 else b""
    kind = zip_kind(archive.names(), mimetype)
    if kind == "ooxml":
        return read_ooxml(archive, limits, deadline)
    if kind == "ods":
        return read_ods(archive, limits, deadline)
    if kind == "xlsb":
        return read_legacy(data, name, "xlsb", limits, deadline)
    raise not_a_workbook(name, kind)


def load_xlsx(path: Path):
    """The workbook through openpyxl with cached values (kept for comparison and notebooks; the
    reader itself uses open_return)."""
    import openpyxl  # imported here: the CLI's start-up must not pay for it

    name = display_name(path)
    if not path.is_file():
        raise UnreadableReturn(not_a_file(path, name))
    if path.stat().st_size == 0:
        raise UnreadableReturn(f"{name} is empty (0 bytes).")
    if not zipfile.is_zipfile(path):
        raise UnreadableReturn(
            f"{name} is not an Excel workbook (.xlsx): its contents are not a spreadsheet "
            "or are damaged; ask the council to send the completed template again."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, data_only=True, keep_links=False, keep_vba=False)
    except Exception as error:  # noqa: BLE001 - any parser failure is a damaged file to the user
        raise UnreadableReturn(
            f"{name} could not be read as an Excel workbook ({type(error).__name__}); "
            "it may be damaged: ask the council to save it again as .xlsx and resend it."
        ) from None
