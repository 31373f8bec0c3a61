"""Hostile and broken files: each one is refused with exit 2 and one plain sentence, quickly and in
bounded memory. The corpus is built here, from a real filled return, by the tests themselves."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from fgc_collect.model import UnreadableReturn
from fgc_collect.pipeline import read_file
from fgc_collect.read import read_return
from fgc_collect.read.limits import LimitExceeded

CLI = [sys.executable, "-m", "fgc_collect.cli"]
SECONDS = 10.0
MEGABYTES = 1024
SHEET = "xl/worksheets/sheet3.xml"  # "B Referrals" in the template


# ---------------------------------------------------------------------------- building files


@dataclass
class Deflated:
    """A part given as raw deflate data, with the sizes and CRC the zip will claim."""

    data: bytes
    declared_size: int
    crc: int = 0


@dataclass
class Stored:
    """A part kept as it is (not compressed)."""

    data: bytes


def zip_bytes(parts: list[tuple[str, bytes | Deflated | Stored]], method: int = 8) -> bytes:
    """A zip written by hand, so its headers can say what a hostile file would say."""
    out = io.BytesIO()
    central = []
    all_parts_method = method
    for name, payload in parts:
        method = 0 if isinstance(payload, Stored) else all_parts_method
        if isinstance(payload, Stored):
            payload = payload.data
        if isinstance(payload, Deflated):
            data, crc, size = payload.data, payload.crc, payload.declared_size
        elif method == 0:
            data, crc, size = payload, zlib.crc32(payload), len(payload)
        else:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = compressor.compress(payload) + compressor.flush()
            crc, size = zlib.crc32(payload), len(payload)
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
                              len(encoded), 0) + encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
                                   size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), start, 0))
    return out.getvalue()


def parts_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def replaced(data: bytes, changes: dict[str, bytes | Deflated | None], extra: list | None = None) -> bytes:
    parts = []
    for name, content in parts_of(data):
        if name in changes:
            if changes[name] is not None:
                parts.append((name, changes[name]))
        else:
            parts.append((name, content))
    return zip_bytes(parts + list(extra or []))


def zeros_bomb(gigabytes: float) -> bytes:
    """Raw deflate data that unzips to `gigabytes` of zeros, made without ever holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * (1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * int(gigabytes * 1024) + compressor.flush()


def laughs(root: bytes) -> bytes:
    """A billion-laughs document type declaration in front of a part's root element."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, (b"&lol%s;" % (b"" if level == 1 else str(level - 1).encode())) * 10)
        for level in range(1, 10)
    )
    return b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities + b"]>" + root.replace(b"Section B", b"&lol9;", 1)


def million_cells_sheet() -> bytes:
    columns = [zipfile_column(number) for number in range(1, 1001)]
    rows = [
        "<row r=\"%d\">%s</row>" % (row, "".join(f'<c r="{column}{row}"><v>1</v></c>' for column in columns))
        for row in range(1, 1001)
    ]
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>").encode()


def random_text(length: int) -> str:
    return base64.b64encode(os.urandom(length))[:length].decode()


def zipfile_column(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def with_cell(sheet: bytes, reference: str, cell_xml: str) -> bytes:
    """The sheet with the cell at reference replaced by cell_xml."""
    pattern = re.compile(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % reference.encode(), re.S)
    assert pattern.search(sheet), reference
    return pattern.sub(cell_xml.encode().replace(b"\\", b"\\\\"), sheet, count=1)


def external_link(data: bytes, dde: bool) -> bytes:
    parts = dict(parts_of(data))
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>',
    )
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    if dde:
        link = b'<externalLink %s><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>' % main
        link_rels = None
    else:
        link = b'<externalLink %s><externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/' \
               b'officeDocument/2006/relationships"/></externalLink>' % main
        link_rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                     b'relationships/externalLinkPath" Target="file:///\\\\server\\share\\Budget.xlsx" '
                     b'TargetMode="External"/></Relationships>')
    extra = [("xl/externalLinks/externalLink1.xml", link)]
    if link_rels:
        extra.append(("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels))
    return replaced(data, {"xl/_rels/workbook.xml.rels": rels}, extra)


def corrupt_part(data: bytes, part: str) -> bytes:
    """The file with bytes in the middle of one part's compressed data overwritten."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
    header = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[header + 26: header + 30])
    start = header + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    return data[:middle] + b"\x00\xff" * 16 + data[middle + 32:]


# ---------------------------------------------------------------------------- the corpus

# name -> (file name, builder(base bytes) -> bytes, what the sentence must say)
CASES = {
    "zip bomb (sizes told)": ("FGC return.xlsx", lambda base: replaced(
        base, {SHEET: Deflated(zeros_bomb(2), declared_size=2 * 1024**3 - 1)}), r"zip bomb|would unzip"),
    "zip bomb (sizes hidden)": ("FGC return.xlsx", lambda base: replaced(
        base, {SHEET: Deflated(zeros_bomb(2), declared_size=40_000)}), r"damaged"),
    "billion laughs in a sheet": ("FGC return.xlsx", lambda base: replaced(
        base, {SHEET: laughs(dict(parts_of(base))[SHEET])}), r"document type declaration"),
    "billion laughs in workbook.xml": ("FGC return.xlsx", lambda base: replaced(
        base, {"xl/workbook.xml": laughs(dict(parts_of(base))["xl/workbook.xml"])}), r"document type declaration"),
    "external entity": ("FGC return.xlsx", lambda base: replaced(
        base, {SHEET: b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               + dict(parts_of(base))[SHEET].replace(b"Section B", b"&e;", 1)}), r"document type declaration"),
    "truncated zip": ("FGC return.xlsx", lambda base: base[: len(base) // 2], r"damaged.*cut off"),
    "corrupt zip data": ("FGC return.xlsx", lambda base: corrupt_part(base, SHEET), r"damaged"),
    "two parts with one name": ("FGC return.xlsx", lambda base: zip_bytes(
        parts_of(base) + [("xl/workbook.xml", b"<workbook/>")]), r"damaged.*two parts"),
    "too many parts": ("FGC return.xlsx", lambda base: zip_bytes(
        parts_of(base) + [(f"xl/media/x{n}.bin", b"") for n in range(6000)], method=0), r"parts, more than the limit"),
    "PDF renamed .xlsx": ("FGC return FINAL.xlsx", lambda base: b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n",
                          r"is a PDF document, not an Excel workbook"),
    "Word file renamed .xlsx": ("FGC return.xlsx", lambda base: zip_bytes([
        ("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<document/>")]), r"is a Word document"),
    "empty file": ("FGC return.xlsx", lambda base: b"", r"is empty \(0 bytes\)"),
    "workbook with no sheets": ("FGC return.xlsx", lambda base: replaced(base, {"xl/workbook.xml": re.sub(
        rb"<sheets>.*</sheets>", b"<sheets/>", re.sub(rb"<definedNames>.*</definedNames>", b"",
                                                      dict(parts_of(base))["xl/workbook.xml"], flags=re.S),
        flags=re.S)}), r"no sheets"),
    "a million filled cells": ("FGC return.xlsx", lambda base: replaced(base, {SHEET: million_cells_sheet()}),
                               r"more than 100,000 filled cells|took more than 5 seconds"),
    "a 100,000-character cell": ("FGC return.xlsx", lambda base: replaced(base, {SHEET: with_cell(
        dict(parts_of(base))[SHEET], "D5", '<c r="D5" t="inlineStr"><is><t>' + random_text(100_000) + "</t></is></c>")}),
        r"more than 32,767 characters"),
    "a ten-million-character cell": ("FGC return.xlsx", lambda base: replaced(base, {SHEET: with_cell(
        dict(parts_of(base))[SHEET], "D5", '<c r="D5" t="inlineStr"><is><t>' + "x" * 10_000_000 + "</t></is></c>")}),
        r"zip bomb|more than 32,767 characters"),
    "external link": ("FGC return.xlsx", lambda base: external_link(base, dde=False), r"links to another file"),
    "DDE link": ("FGC return.xlsx", lambda base: external_link(base, dde=True), r"DDE"),
    "DDE formula": ("FGC return.xlsx", lambda base: replaced(base, {SHEET: with_cell(
        dict(parts_of(base))[SHEET], "E5", "<c r=\"E5\"><f>cmd|'/c calc'!A0</f><v>0</v></c>")}), r"DDE"),
    "Office header, then rubbish": ("FGC return.xls", lambda base: bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 600,
                                    r"damaged"),
    "odd file name, not a workbook": ("FGC r\u00e9turn\nFINAL\u2028v3 (2) \u65e5\u672c.xlsx",
                                      lambda base: b"%PDF-1.4\n%%EOF\n", r"is a PDF document"),
}


@pytest.fixture(scope="module")
def base_return(tmp_path_factory) -> bytes:
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    la = find_la("E06000047")
    values = clean_return(la, np.random.default_rng(7), load_spec())
    path = fill_template(values, tmp_path_factory.mktemp("base") / "base.xlsx", la=la)
    return path.read_bytes()


@pytest.fixture(scope="module")
def corpus(base_return, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = {}
    for index, (case, (file_name, build, _)) in enumerate(CASES.items()):
        path = folder / f"{index:02d}" / file_name
        path.parent.mkdir()
        path.write_bytes(build(base_return))
        files[case] = path
    return files


def test_the_base_return_is_read(base_return, tmp_path):
    path = tmp_path / "base.xlsx"
    path.write_bytes(base_return)
    assert read_return(path).row("B1")["number"] is not None


@pytest.mark.parametrize("case", list(CASES))
def test_each_hostile_file_is_refused_in_one_plain_sentence(corpus, case):
    started = time.monotonic()
    ret, result = read_file(corpus[case])
    elapsed = time.monotonic() - started
    assert ret is None and result.status == "unreadable"
    (issue,) = result.issues
    assert issue.rule == "FGC000"
    message = issue.message
    assert re.search(CASES[case][2], message), message
    assert "\n" not in message and "Traceback" not in message and "\u2028" not in message
    assert message.endswith(".")
    assert elapsed < SECONDS


def test_a_limit_says_which_limit(corpus):
    with pytest.raises(LimitExceeded) as raised:
        read_return(corpus["a million filled cells"])
    assert raised.value.limit in ("cells", "seconds")  # whichever comes first on a busy machine
    with pytest.raises(LimitExceeded) as raised:
        read_return(corpus["zip bomb (sizes told)"])
    assert raised.value.limit in ("entry_ratio", "total_uncompressed_bytes")


def test_a_zip_nested_in_a_return_is_never_opened(base_return, tmp_path):
    # An embedded workbook is legitimate (an OLE object); one that is a zip bomb is never unzipped.
    nested = zip_bytes([("bomb.xml", Deflated(zeros_bomb(1), declared_size=1024**3 - 1))])
    embedded = "xl/embeddings/Microsoft_Excel_Worksheet.xlsx"
    path = tmp_path / "FGC return.xlsx"
    path.write_bytes(replaced(base_return, {}, [(embedded, Stored(nested))]))
    started = time.monotonic()
    ret = read_return(path)
    assert time.monotonic() - started < SECONDS
    assert ret.row("B1")["number"] is not None
    # Compressed once more, the nested bomb shrinks 300-fold: that ratio alone is refused.
    path.write_bytes(replaced(base_return, {}, [(embedded, nested)]))
    with pytest.raises(LimitExceeded, match="zip bomb"):
        read_return(path)


def test_an_undecodable_file_name_is_printable(tmp_path):
    name = os.fsdecode(b"FGC \xff\xfe return.xlsx")
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    _, result = read_file(path)
    message = result.issues[0].message
    message.encode("utf-8")  # no lone surrogates left to crash a terminal or a JSON encoder
    assert message.startswith("FGC ?? return.xlsx is a PDF document")


def test_the_corpus_through_the_cli_exit_2_one_line_each_bounded(corpus, tmp_path):
    """All hostile files in one `validate` run: exit 2, one sentence per file on stderr, within the
    time and memory budget (peak resident memory of the command, measured by a wrapper)."""
    wrapper = (
        "import resource, subprocess, sys, time; start = time.monotonic(); "
        "done = subprocess.run(sys.argv[1:], capture_output=True); "
        "sys.stdout.buffer.write(done.stdout); sys.stderr.buffer.write(done.stderr); "
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
        "open(%r, 'w').write('%%d %%f' %% (peak, time.monotonic() - start)); sys.exit(done.returncode)"
    ) % str(tmp_path / "usage.txt")
    files = [str(path) for path in corpus.values()]
    done = subprocess.run([sys.executable, "-c", wrapper, *CLI, "validate", "--format", "json", *files],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GX_ANALYTICS_ENABLED": "false"})
    peak_kb, seconds = (tmp_path / "usage.txt").read_text().split()
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == len(files)
    assert all(line.startswith("fgc-collect: ") and line.endswith(".") for line in lines)
    report = json.loads(done.stdout)
    assert [entry["status"] for entry in report["returns"]] == ["unreadable"] * len(files)
    assert int(peak_kb) < MEGABYTES * 1024
    assert float(seconds) < SECONDS * len(files)


def test_one_hostile_file_on_the_command_line(corpus):
    done = subprocess.run(CLI + ["validate", str(corpus["billion laughs in a sheet"])], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "fgc-collect: FGC return.xlsx contains an XML document type declaration in xl/worksheets/sheet3.xml, "
        "which Excel and LibreOffice never write and which is how entity-expansion attacks are built, so it "
        "was not read."
    ]


def test_unreadable_is_an_unreadable_return():
    assert issubclass(LimitExceeded, UnreadableReturn)
