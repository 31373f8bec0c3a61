"""Real Outlook .msg files for the tests, built reproducibly: an OLE compound file (written by
extract-msg's own OleWriter) laid out as [MS-OXMSG] says: property streams, string streams
(UTF-16LE), attachment storages (by value, or an embedded message for a forwarded email) and
the transport headers Outlook keeps for a received message.

Only what the register reads is written; extract-msg (the reader under test) parses it as
Outlook's files. Not a general MSG writer.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone

from extract_msg.ole_writer import OleWriter

PT_LONG = 0x0003
PT_BOOLEAN = 0x000B
PT_SYSTIME = 0x0040
PT_UNICODE = 0x001F
PT_BINARY = 0x0102
PT_OBJECT = 0x000D

ATTACH_BY_VALUE = 1
ATTACH_EMBEDDED_MSG = 5
MSGFLAG_READ = 0x1  # and not MSGFLAG_UNSENT (0x8): a message that was received


@dataclass
class MsgAttachment:
    name: str
    data: bytes = b""
    mime: str = "application/octet-stream"
    content_id: str | None = None  # set for an inline image
    embedded: MsgMessage | None = None  # a forwarded message attached as an item


@dataclass
class MsgMessage:
    subject: str
    sender_name: str
    sender_email: str
    sent: datetime
    body: str = "Please find our return attached."
    attachments: list[MsgAttachment] = field(default_factory=list)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")  # the stream has no terminator; its size entry counts one


def _filetime(moment: datetime) -> int:
    epoch = datetime(1601, 1, 1, tzinfo=timezone.utc)
    return int((moment - epoch).total_seconds() * 10_000_000)


def _fixed(tag: int, value_bytes: bytes) -> bytes:
    return struct.pack("<II", tag, 0x6) + value_bytes.ljust(8, b"\x00")


def _variable(tag: int, size: int) -> bytes:
    return struct.pack("<IIII", tag, 0x6, size, 0)


def _headers(message: MsgMessage) -> str:
    date = message.sent.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"From: {message.sender_name} <{message.sender_email}>\r\n"
        f"To: fgc.survey@example.org\r\n"
        f"Subject: {message.subject}\r\n"
        f"Date: {date}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n"
    )


def _add_message(writer: OleWriter, prefix: list[str], message: MsgMessage, top_level: bool) -> None:
    strings = {
        0x001A: "IPM.Note",
        0x0037: message.subject,
        0x0C1A: message.sender_name,
        0x0C1F: message.sender_email,
        0x5D01: message.sender_email,
        0x1000: message.body,
        0x007D: _headers(message),
    }
    entries = []
    for prop_id, text in strings.items():
        encoded = _utf16(text)
        writer.addEntry(prefix + [f"__substg1.0_{prop_id:04X}{PT_UNICODE:04X}"], encoded)
        entries.append(_variable((prop_id << 16) | PT_UNICODE, len(encoded) + 2))
    entries.append(_fixed((0x0E07 << 16) | PT_LONG, struct.pack("<I", MSGFLAG_READ)))
    for prop_id in (0x0039, 0x0E06):  # client submit time, delivery time
        entries.append(_fixed((prop_id << 16) | PT_SYSTIME, struct.pack("<Q", _filetime(message.sent))))

    for number, attachment in enumerate(message.attachments):
        _add_attachment(writer, prefix + [f"__attach_version1.0_#{number:08X}"], attachment)

    count = len(message.attachments)
    if top_level:
        header = struct.pack("<8sIIII8s", b"\x00" * 8, 0, count, 0, count, b"\x00" * 8)
    else:  # an embedded message's header has no trailing reserved bytes
        header = struct.pack("<8sIIII", b"\x00" * 8, 0, count, 0, count)
    writer.addEntry(prefix + ["__properties_version1.0"], header + b"".join(entries))


def _add_attachment(writer: OleWriter, path: list[str], attachment: MsgAttachment) -> None:
    writer.addEntry(path, storage=True)
    entries = []
    for prop_id, text in ((0x3707, attachment.name), (0x3704, attachment.name[:12]), (0x370E, attachment.mime),
                          (0x3001, attachment.name)):
        encoded = _utf16(text)
        writer.addEntry(path + [f"__substg1.0_{prop_id:04X}{PT_UNICODE:04X}"], encoded)
        entries.append(_variable((prop_id << 16) | PT_UNICODE, len(encoded) + 2))
    if attachment.content_id:
        encoded = _utf16(attachment.content_id)
        writer.addEntry(path + [f"__substg1.0_3712{PT_UNICODE:04X}"], encoded)
        entries.append(_variable((0x3712 << 16) | PT_UNICODE, len(encoded) + 2))
    if attachment.embedded is not None:
        entries.append(_fixed((0x3705 << 16) | PT_LONG, struct.pack("<I", ATTACH_EMBEDDED_MSG)))
        inner = path + [f"__substg1.0_3701{PT_OBJECT:04X}"]
        writer.addEntry(inner, storage=True)
        _add_message(writer, inner, attachment.embedded, top_level=False)
        entries.append(_variable((0x3701 << 16) | PT_OBJECT, 0xFFFFFFFF))
    else:
        entries.append(_fixed((0x3705 << 16) | PT_LONG, struct.pack("<I", ATTACH_BY_VALUE)))
        writer.addEntry(path + [f"__substg1.0_3701{PT_BINARY:04X}"], attachment.data)
        entries.append(_variable((0x3701 << 16) | PT_BINARY, len(attachment.data)))
    writer.addEntry(path + ["__properties_version1.0"], b"\x00" * 8 + b"".join(entries))


def build_msg(message: MsgMessage) -> bytes:
    """The .msg file's bytes (the same message gives the same bytes)."""
    writer = OleWriter()
    # The named-property mapping storage Outlook always writes (empty: no named properties used).
    for stream in ("__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"):
        writer.addEntry(["__nameid_version1.0", stream], b"")
    _add_message(writer, [], message, top_level=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
