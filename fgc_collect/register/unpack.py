"""From what was given to `ingest` (files, folders, saved emails, zips) to the files that arrived,
each with where it came from: pure functions on bytes, except for reading the paths given.

Emails: `.eml` through the standard library's parser (attachments, inline parts, forwarded
messages attached as message/rfc822); `.msg` (Outlook) through extract-msg, including messages
embedded in messages. Zips: members are read with limits (count, size, compression ratio,
nesting) so a zip bomb is refused, not unpacked. What could not be opened (a zip bomb, an
encrypted part, a damaged email) is marked `withheld`: nobody has seen inside it, so it may hold
children's identifiers, and ingest keeps only its fingerprint. Symbolic links are never followed,
in folders or in zips. Nothing here decides what a spreadsheet is a return of; that is ingest's job.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import logging
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import timezone
from functools import cached_property
from io import BytesIO
from pathlib import Path, PurePosixPath

from fgc_collect.read.workbook import SPREADSHEET_SUFFIXES

EMAIL_SUFFIXES = (".eml", ".msg")
ARCHIVE_SUFFIXES = (".zip",)
HANDLED_SUFFIXES = SPREADSHEET_SUFFIXES + EMAIL_SUFFIXES + ARCHIVE_SUFFIXES

# Limits: a return is ~30 kB; an email with attachments a few MB. Anything far past these is not
# a return, and a zip that would expand past them is refused unread (a zip bomb).
MAX_FILE_BYTES = 50 * 1024 * 1024  # one file: given, attached, or a zip member
MAX_ARCHIVE_MEMBERS = 1000
MAX_ARCHIVE_TOTAL_BYTES = 200 * 1024 * 1024  # all members of one zip, uncompressed
MAX_COMPRESSION_RATIO = 100  # uncompressed / compressed, for members over 1 MB
MAX_NESTING = 5  # an email in a zip in an email ...

SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "text/csv": ".csv",
}
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
OUTLOOK_TYPES = ("application/vnd.ms-outlook",)
TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
SIGNATURE_TYPES = ("application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature")
ENCRYPTED_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted")


@dataclass(frozen=True)
class Container:
    """An email or zip that was given to ingest: kept too, as evidence of how a return arrived."""

    name: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Arrival:
    """One file that arrived: a spreadsheet to identify, or something kept in quarantine (`problem`)."""

    name: str  # the file name as sent
    data: bytes
    source: str  # "inbox/RE FGC.eml > returns.zip > Durham.xlsx"
    sender: str | None = None  # the address of the email that carried it
    received_at: str | None = None  # that email's date (ISO 8601, UTC)
    container: Container | None = None
    problem: str | None = None  # why this is not a return (it goes to quarantine with this reason)
    withheld: bool = False  # could not be opened: only its fingerprint, size and name may be kept
    known_sha256: str | None = None  # for a file too big to read: its SHA-256 (data is then empty)
    known_size: int | None = None

    @cached_property
    def sha256(self) -> str:
        return self.known_sha256 or hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return self.known_size if self.known_size is not None else len(self.data)


@dataclass
class Unpacked:
    arrivals: list[Arrival] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, why): inline images, ...
    ignored: list[str] = field(default_factory=list)  # files in folders that are not returns or emails
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, why): could not be read at all
    links: list[str] = field(default_factory=list)  # symbolic links found in folders: never followed


@dataclass(frozen=True)
class _Envelope:
    """What is known about the email a part travels in."""

    sender: str | None
    received_at: str | None
    container: Container | None
    depth: int


def suffix_of(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _hidden(name: str) -> bool:
    return name.startswith(("~$", ".")) or name in ("Thumbs.db", "desktop.ini")


def clean_text(text: str) -> str:
    """A name as the register can store it: lone surrogates (undecodable bytes in a file or
    attachment name) become U+FFFD, so no name can stop a file being recorded."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def unpack_paths(paths) -> Unpacked:
    """Every file that arrived in the paths given: folders recursively (spreadsheets, emails and
    zips; other files are listed as ignored), named files whatever they are. Symbolic links are
    never followed: one given is refused, one in a folder is listed in `links`."""
    found = Unpacked()
    for path in map(Path, paths):
        if path.is_symlink():
            found.refused.append((clean_text(str(path)), f"{clean_text(path.name)} is a symbolic link; fgc-collect never follows "
                                  "links, so give the file or folder it points to."))
        elif path.is_dir():
            for candidate in _walk(path, found):
                if _hidden(candidate.name) or "__MACOSX" in candidate.parts:
                    continue
                if candidate.suffix.lower() in HANDLED_SUFFIXES:
                    _unpack_file(candidate, found)
                else:
                    found.ignored.append(clean_text(str(candidate)))
        else:
            _unpack_file(path, found)
    return found


def _walk(folder: Path, found: Unpacked) -> list[Path]:
    """The regular files under a folder, in name order, without following any link (a link to
    a file or folder goes to `found.links`)."""
    files = []
    for top, folders, names in os.walk(folder, followlinks=False):
        for name in sorted(folders + names):
            path = Path(top) / name
            if _hidden(name) and name in names:
                continue
            if path.is_symlink():
                found.links.append(clean_text(str(path)))
            elif name in names and path.is_file():
                files.append(path)
        folders[:] = [name for name in folders if not (Path(top) / name).is_symlink()]
    return sorted(files)


def _unpack_file(path: Path, found: Unpacked) -> None:
    name, where = clean_text(path.name), clean_text(str(path))
    try:
        # Opened without following a link (should one appear since it was listed) and without
        # waiting on a pipe; only a regular file is read.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as stream:
            facts = os.fstat(stream.fileno())
            if not stat.S_ISREG(facts.st_mode):
                found.refused.append((where, f"{name} is not a file (a device or a pipe, say), so it was not read."))
                return
            if facts.st_size > MAX_FILE_BYTES:
                # Too big to be a return: never read whole, only its fingerprint and size are kept.
                digest = hashlib.sha256()
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
                found.arrivals.append(Arrival(name, b"", where, withheld=True, known_sha256=digest.hexdigest(), known_size=facts.st_size, problem=(
                    f"{name} is {facts.st_size // (1024 * 1024)} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit for a file; "
                    "it is not a return and was not read.")))
                return
            data = stream.read()
    except OSError as error:
        found.refused.append((where, f"{name} could not be read ({error.strerror or error})."))
        return
    suffix = path.suffix.lower()
    if suffix in EMAIL_SUFFIXES + ARCHIVE_SUFFIXES:
        container = Container(name, data)
        envelope = _Envelope(None, None, container, 0)
        _unpack_bytes(name, data, where, envelope, found, content_type=None)
    else:
        found.arrivals.append(Arrival(name, data, where))


def _unpack_bytes(name: str, data: bytes, source: str, envelope: _Envelope, found: Unpacked, content_type: str | None) -> None:
    """Dispatch one file by what it is: email, zip, spreadsheet, or something else (quarantine)."""
    name, source = clean_text(name), clean_text(source)
    suffix = suffix_of(name)
    if envelope.depth > MAX_NESTING:
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} is nested more than {MAX_NESTING} emails or zips deep; it was not opened."))
        return
    if len(data) > MAX_FILE_BYTES:
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} is over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit for a file; it was not read."))
        return
    if suffix == ".eml" or content_type == "message/rfc822":
        _unpack_eml(name, data, source, envelope, found)
    elif suffix == ".msg" or content_type in OUTLOOK_TYPES:
        _unpack_msg(name, data, source, envelope, found)
    elif suffix in ARCHIVE_SUFFIXES or (not suffix and content_type in ZIP_TYPES):
        _unpack_zip(name, data, source, envelope, found)
    elif suffix in SPREADSHEET_SUFFIXES:
        found.arrivals.append(Arrival(name, data, source, envelope.sender, envelope.received_at, envelope.container))
    elif name.lower() == "winmail.dat" or content_type in TNEF_TYPES:
        found.arrivals.append(_unopened(name, data, source, envelope, (
            "winmail.dat is Outlook's rich-text wrapper, not a spreadsheet; ask the council to resend "
            "the return as a normal attachment (plain-text or HTML email).")))
    else:
        kind = f"a {suffix} file" if suffix else "a file without a file type"
        found.arrivals.append(_problem(name, data, source, envelope, f"{name} is {kind}, not a spreadsheet."))


def _problem(name: str, data: bytes, source: str, envelope: _Envelope, why: str) -> Arrival:
    return Arrival(name, data, source, envelope.sender, envelope.received_at, envelope.container, problem=why)


def _unopened(name: str, data: bytes, source: str, envelope: _Envelope, why: str) -> Arrival:
    """Something that could not be opened: `data` is what is fingerprinted, never stored."""
    return Arrival(name, data, source, envelope.sender, envelope.received_at, envelope.container, problem=why, withheld=True)


def _nothing_inside(name: str, data: bytes, source: str, envelope: _Envelope, found: Unpacked, before: int, what: str) -> None:
    """An email or zip that carried no file of its own is itself kept, so nothing is lost."""
    if len(found.arrivals) == before:
        found.arrivals.append(_problem(name, data, source, envelope, what))


# --------------------------------------------------------------------------- .eml


def _address(header) -> str | None:
    if header is None:
        return None
    try:
        _, address = email.utils.parseaddr(str(header))
    except Exception:  # noqa: BLE001 - a malformed header is no evidence
        return None
    return address.strip().lower() or None


def _when(header) -> str | None:
    if header is None:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(header))
    except Exception:  # noqa: BLE001 - an unreadable date is no date
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _unpack_eml(name: str, data: bytes, source: str, envelope: _Envelope, found: Unpacked) -> None:
    message = email.message_from_bytes(data, policy=email.policy.default)
    before = len(found.arrivals)
    _walk_message_tree(message, source, envelope, found)
    _nothing_inside(name, data, source, envelope, found, before, f"{name} has no spreadsheet attached.")


def _message_envelope(message, envelope: _Envelope) -> _Envelope:
    """A forwarded message keeps its own sender and date: they are the council's."""
    return _Envelope(
        _address(message.get("From")) or envelope.sender,
        _when(message.get("Date")) or envelope.received_at,
        envelope.container,
        envelope.depth + 1,
    )


def _email_part(part, source: str, envelope: _Envelope, found: Unpacked) -> None:
    content_type = part.get_content_type()
    try:
        filename = part.get_filename()
    except Exception:  # noqa: BLE001 - a garbled file name header
        filename = None
    disposition = part.get_content_disposition()
    if content_type == "message/rfc822" and not part.is_multipart():
        # Rare: the parser keeps a forwarded message as bytes when it is base64-encoded.
        payload = part.get_payload(decode=True) or b""
        name = filename or "forwarded message.eml"
        _unpack_bytes(name, payload, f"{source} > {name}", envelope, found, "message/rfc822")
        return
    if filename is None and content_type.startswith("text/") and disposition != "attachment":
        return  # the body
    payload = part.get_payload(decode=True) or b""
    name = filename or _default_name(content_type)
    where = f"{source} > {name}"
    if content_type in SIGNATURE_TYPES:  # councils often sign their email (S/MIME): not a file they sent
        found.skipped.append((where, "the email's digital signature"))
        return
    if content_type.startswith("image/") and (disposition == "inline" or part.get("Content-ID")) and suffix_of(name) not in HANDLED_SUFFIXES:
        found.skipped.append((where, "an image in the email's text"))
        return
    if content_type in ENCRYPTED_TYPES:
        found.arrivals.append(_unopened(name, payload, where, envelope, (
            "the email is encrypted (S/MIME); save it from Outlook after opening it, or ask the council "
            "to send the return without encryption.")))
        return
    if not suffix_of(name) and content_type in SPREADSHEET_TYPES:
        name += SPREADSHEET_TYPES[content_type]
    _unpack_bytes(name, payload, where, envelope, found, content_type)


def _default_name(content_type: str) -> str:
    if content_type.startswith("image/"):
        return "inline image"
    extension = SPREADSHEET_TYPES.get(content_type, "")
    if content_type in ZIP_TYPES:
        extension = ".zip"
    return f"attachment{extension}"


# Not email.message.walk(): it descends into message/rfc822 parts without saying where a forwarded
# message starts, and a forwarded message's own sender and date are the council's evidence.
def _walk_message_tree(message, source: str, outer: _Envelope, found: Unpacked) -> None:
    envelope = _message_envelope(message, outer)
    _walk_parts(message, source, envelope, found)


def _walk_parts(part, source: str, envelope: _Envelope, found: Unpacked) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822" and part.is_multipart():
        for inner in part.get_payload():
            name = part.get_filename() or "forwarded message"
            _walk_message_tree(inner, f"{source} > {name}", envelope, found)
        return
    if part.is_multipart():
        for sub in part.iter_parts():
            _walk_parts(sub, source, envelope, found)
        return
    _email_part(part, source, envelope, found)


# --------------------------------------------------------------------------- .msg


def _unpack_msg(name: str, data: bytes, source: str, envelope: _Envelope, found: Unpacked) -> None:
    try:
        import extract_msg
    except ImportError:  # pragma: no cover - extract-msg is a dependency
        found.arrivals.append(_unopened(name, data, source, envelope, "Outlook .msg files need the extract-msg package (pip install extract-msg)."))
        return
    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)  # it warns about every odd property
    before = len(found.arrivals)
    try:
        message = extract_msg.openMsg(data, strict=False)
    except Exception:  # noqa: BLE001 - any parser failure is a damaged or foreign file to the user
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} could not be read as an Outlook message (.msg); it may be damaged."))
        return
    try:
        _walk_msg(message, source, envelope, found)
    except Exception:  # noqa: BLE001
        del found.arrivals[before:]
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} could not be read as an Outlook message (.msg); it may be damaged."))
        return
    finally:
        try:
            message.close()
        except Exception:  # noqa: BLE001
            pass
    _nothing_inside(name, data, source, envelope, found, before, f"{name} has no spreadsheet attached.")


def _msg_envelope(message, envelope: _Envelope) -> _Envelope:
    sender = None
    for attribute in ("sender", "senderEmail"):
        try:
            sender = _address(getattr(message, attribute, None)) or sender
        except Exception:  # noqa: BLE001
            pass
    received = None
    try:
        moment = message.date
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            received = moment.astimezone(timezone.utc).isoformat(timespec="seconds")
    except Exception:  # noqa: BLE001
        received = None
    return _Envelope(sender or envelope.sender, received or envelope.received_at, envelope.container, envelope.depth + 1)


def _walk_msg(message, source: str, outer: _Envelope, found: Unpacked) -> None:
    from extract_msg.enums import AttachmentType

    envelope = _msg_envelope(message, outer)
    for attachment in message.attachments:
        kind = attachment.type
        if kind == AttachmentType.MSG:
            inner = attachment.data
            name = attachment.name or "forwarded message"
            _walk_msg(inner, f"{source} > {name}", envelope, found)
            continue
        if kind != AttachmentType.DATA:
            name = clean_text(getattr(attachment, "name", None) or "attachment")
            keep = envelope.container.data if envelope.container else b""
            found.arrivals.append(_unopened(name, keep, f"{source} > {name}", envelope, f"{name} is an Outlook attachment of a kind that cannot be saved ({kind.name.lower()})."))
            continue
        data = attachment.data or b""
        # Some mail programs keep the string's terminating NUL in the stream.
        name = (attachment.longFilename or attachment.shortFilename or "").strip("\x00 ") or _default_name((attachment.mimetype or "").lower())
        where = f"{source} > {name}"
        mimetype = (attachment.mimetype or "").lower()
        inline = bool(attachment.cid) or bool(getattr(attachment, "hidden", False))
        if (mimetype.startswith("image/") or suffix_of(name) in (".png", ".jpg", ".jpeg", ".gif", ".bmp")) and inline:
            found.skipped.append((where, "an image in the email's text"))
            continue
        _unpack_bytes(name, data, where, _Envelope(envelope.sender, envelope.received_at, envelope.container, envelope.depth), found, mimetype or None)


# --------------------------------------------------------------------------- .zip


def _unpack_zip(name: str, data: bytes, source: str, envelope: _Envelope, found: Unpacked) -> None:
    before = len(found.arrivals)
    inner = _Envelope(envelope.sender, envelope.received_at, envelope.container, envelope.depth + 1)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} is not a readable zip file; it may be damaged."))
        return
    if len(members) > MAX_ARCHIVE_MEMBERS:
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} holds {len(members)} files, over the limit of {MAX_ARCHIVE_MEMBERS}; it was not opened."))
        return
    declared = sum(info.file_size for info in members)
    if declared > MAX_ARCHIVE_TOTAL_BYTES:
        found.arrivals.append(_unopened(name, data, source, envelope, f"{name} would expand to {declared // (1024 * 1024)} MB, over the limit; it was not opened."))
        return
    total = 0
    for info in members:
        member_name = clean_text(PurePosixPath(info.filename.replace("\\", "/")).name)
        where = f"{source} > {member_name}"
        if "__MACOSX" in info.filename or _hidden(member_name):
            continue
        # What follows is refused unread; the zip stands for it (its fingerprint is what is kept).
        if stat.S_ISLNK(info.external_attr >> 16):
            found.arrivals.append(_problem(name, data, where, inner, f"{member_name} in {name} is a symbolic link; links are never followed, so it was not unpacked."))
            continue
        if info.flag_bits & 0x1:
            found.arrivals.append(_unopened(name, data, where, inner, f"{member_name} is encrypted inside {name}; ask the council to send it without a zip password."))
            continue
        if info.file_size > 1024 * 1024 and info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            found.arrivals.append(_unopened(name, data, where, inner, f"{member_name} in {name} is compressed {info.file_size // info.compress_size} to 1, like a zip bomb; it was not unpacked."))
            continue
        try:
            with archive.open(info) as stream:
                # Never trust the sizes a zip declares: read at most one byte past the limit.
                content = stream.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
            found.arrivals.append(_unopened(name, data, where, inner, f"{member_name} in {name} could not be unpacked; the zip may be damaged."))
            continue
        total += len(content)
        if len(content) > MAX_FILE_BYTES or total > MAX_ARCHIVE_TOTAL_BYTES:
            found.arrivals.append(_unopened(name, data, where, inner, f"{member_name} in {name} expands past the size limit, like a zip bomb; it was not unpacked."))
            break
        _unpack_bytes(member_name, content, where, inner, found, content_type=None)
    _nothing_inside(name, data, source, envelope, found, before, f"{name} holds no files.")
