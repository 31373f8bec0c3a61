"""Hostile text in returns: a lone surrogate escaped in a cell (_xD800_) and terminal escape
sequences in cells, file names, attachment names and senders. Each file stands alone (one bad
file never stops the batch), and nothing a council wrote reaches a terminal as a control
character, in any command or format. The files are built here from a real filled return."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fgc_collect.cli import cli
from fgc_collect.read import read_return
from fgc_collect.read.ooxml import unescape
from fgc_collect.text import printable, printable_json, printable_lines

A_SHEET = "xl/worksheets/sheet2.xml"  # "A Service": A1 in D5, A4 in D11
B_SHEET = "xl/worksheets/sheet3.xml"  # "B Referrals": B1 in D5
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Set the window title, clear the screen, and the same as one C1 byte (CSI, U+009B).
TITLE, CLEAR, C1_CLEAR = "\x1b]0;pwned\x07", "\x1b[2J", "\x9b2J"
BAD_BYTES = (b"\x1b", b"\x9b", b"\x07")


# ---------------------------------------------------------------------------- building files


def filled_return(folder: Path, code: str, seed: int) -> bytes:
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    la = find_la(code)
    values = clean_return(la, np.random.default_rng(seed), load_spec())
    return fill_template(values, folder / f"{code}.xlsx", la=la).read_bytes()


def rewritten(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The zip with the parts in `changes` replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, changes.pop(info.filename, None) or source.read(info))
        for name, content in changes.items():
            target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def with_cells(data: bytes, sheet: str, cells: dict[str, str]) -> bytes:
    """The return with cells of one sheet replaced: reference -> the new <c> element."""
    xml = part(data, sheet)
    for reference, cell in cells.items():
        xml, found = re.subn(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % reference.encode(), cell.encode(), xml, count=1,
                             flags=re.S)
        assert found, reference
    return rewritten(data, {sheet: xml})


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def with_shared_strings(data: bytes, texts: list[str]) -> bytes:
    """The return with a shared strings part holding texts (the template has none; Excel always
    writes one)."""
    strings = f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{text}</t></si>" for text in texts) + "</sst>"
    rels = part(data, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    types = part(data, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>')
    return rewritten(data, {"xl/sharedStrings.xml": strings.encode(), "xl/_rels/workbook.xml.rels": rels,
                            "[Content_Types].xml": types})


def escaped(text: str) -> str:
    """Control characters as OOXML writes them in a cell (_x001B_): XML itself cannot hold them."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda match: f"_x{ord(match[0]):04X}_", text)


@pytest.fixture(scope="module")
def durham(tmp_path_factory) -> bytes:
    return filled_return(tmp_path_factory.mktemp("durham"), "E06000047", 7)


def run(*args: str, color: bool = True):
    """The command in this process; color=True: output is not stripped of ANSI sequences, as at a
    terminal (click strips some of them when stdout is a pipe, which would hide the problem)."""
    return CliRunner().invoke(cli, list(args), color=color)


def assert_printable(done) -> None:
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    for stream in (done.stdout_bytes, done.stderr_bytes):
        for byte in BAD_BYTES:
            assert byte not in stream, (byte, stream.decode("utf-8", "replace")[:2000])
    assert "internal error" not in done.output


# ---------------------------------------------------------------------------- 1. a lone surrogate


def test_escapes_decode_and_a_lone_surrogate_becomes_a_replacement_character():
    assert unescape("Durham_xD800_") == "Durham\ufffd"
    assert unescape("_xDE00_ and _xD83D_") == "\ufffd and \ufffd"
    assert unescape("_xD83D__xDE00_") == "\U0001f600"  # an escaped surrogate pair is its character
    assert unescape("line_x000D_break") == "line\rbreak"


@pytest.mark.parametrize("where", ["inline string", "shared string", "formula result"])
def test_a_lone_surrogate_in_a_cell_is_read(durham, tmp_path, where):
    if where == "inline string":
        data = with_cells(durham, A_SHEET, {"D5": inline("D5", "Durham_xD800_")})
    elif where == "shared string":
        data = with_cells(with_shared_strings(durham, ["Durham_xD800_"]), A_SHEET, {"D5": '<c r="D5" t="s"><v>0</v></c>'})
    else:
        data = with_cells(durham, A_SHEET, {"D5": '<c r="D5" t="str"><f>"Durham"</f><v>Durham_xD800_</v></c>'})
    path = tmp_path / "FGC return.xlsx"
    path.write_bytes(data)
    ret = read_return(path)
    assert ret.row("A1")["raw_text"] == "Durham\ufffd"
    ret.cells.write_json()  # every text of the return encodes (no lone surrogate left)


@pytest.fixture(scope="module")
def surrogate_folder(durham, tmp_path_factory) -> Path:
    """Durham's return with a lone surrogate in A1 and in B1, beside Darlington's honest return."""
    folder = tmp_path_factory.mktemp("surrogate")
    bad = with_cells(durham, A_SHEET, {"D5": inline("D5", "Durham_xD800_")})
    bad = with_cells(bad, B_SHEET, {"D5": inline("D5", "12_xD800_")})
    (folder / "Durham FGC return.xlsx").write_bytes(bad)
    (folder / "Darlington FGC return.xlsx").write_bytes(filled_return(tmp_path_factory.mktemp("darlington"), "E06000005", 3))
    return folder


def test_validate_reads_every_file_of_a_folder_with_a_lone_surrogate(surrogate_folder):
    done = run("validate", str(surrogate_folder), "--format", "json", color=False)
    assert_printable(done)
    document = json.loads(done.stdout)
    statuses = {Path(entry["file"]).name: entry["status"] for entry in document["returns"]}
    assert statuses == {"Darlington FGC return.xlsx": "valid", "Durham FGC return.xlsx": "errors"}
    (durham,) = [entry for entry in document["returns"] if entry["file"].endswith("Durham FGC return.xlsx")]
    assert [(issue["rule"], issue["item"]) for issue in durham["issues"]] == [("FGC001", "B1")]
    assert done.exit_code == 1


@pytest.fixture(scope="module")
def aggregate_folder(surrogate_folder, tmp_path_factory) -> Path:
    """The surrogate folder, two more honest returns, and a file every reader gives up on."""
    folder = tmp_path_factory.mktemp("aggregate")
    for path in surrogate_folder.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    for code, seed in (("E08000037", 4), ("E06000001", 5)):  # Gateshead, Hartlepool
        (folder / f"{code} FGC return.xlsx").write_bytes(filled_return(tmp_path_factory.mktemp(code), code, seed))
    return folder


def test_aggregate_from_files_takes_each_file_on_its_own(aggregate_folder, tmp_path):
    out = tmp_path / "published"
    done = run("aggregate", str(aggregate_folder), "--out", str(out), color=False)
    assert_printable(done)
    assert done.exit_code == 0, done.output
    assert "Used 3 returns (1 received but not used)" in done.stdout
    notes = (out / "coverage_notes.txt").read_text(encoding="utf-8")
    assert "County Durham (E06000047): validation errors (FGC001)" in notes  # LAs named, never files
    assert "Durham FGC return.xlsx" not in notes
    manifest = json.loads((out / "manifest.json").read_text())
    assert {entry["la_name"] for entry in manifest["returns_used"]} == {"Darlington", "Gateshead", "Hartlepool"}


def test_a_fault_reading_one_file_leaves_the_others_to_be_published(aggregate_folder, tmp_path, monkeypatch):
    """Whatever goes wrong on one file (here a fault made on purpose in reading Durham's), that file
    is listed as not used with its sentence and the others are published."""
    import fgc_collect.read.aggregate as reader

    honest = reader.read_workbook

    def faulty(book, file, *args, **kwargs):
        if "Durham" in file:
            raise RuntimeError("made on purpose")
        return honest(book, file, *args, **kwargs)

    monkeypatch.setattr(reader, "read_workbook", faulty)
    out = tmp_path / "published"
    done = run("aggregate", str(aggregate_folder), "--out", str(out), color=False)
    assert_printable(done)
    assert done.exit_code == 0, done.output
    assert "Used 3 returns (1 received but not used)" in done.stdout
    notes = (out / "coverage_notes.txt").read_text(encoding="utf-8")
    assert "A file that could not be read as a return, so the LA that sent it is not known" in notes
    assert "Durham FGC return.xlsx" not in notes


# ---------------------------------------------------------------------------- 2. control characters


def test_printable_replaces_every_control_character():
    hostile = "a\x00b\tc\nd\re\x1bf\x7fg\x85h\x9bi\u202ej\u2066k\u2028l\udc9bm"
    assert printable(hostile) == "a?b?c?d?e?f?g?h?i?j?k?l?m"
    assert printable_lines("one\x1b[2J\ntwo\u202e") == "one?[2J\ntwo?"  # a report's own lines stay
    assert printable_json({"k\x1b": ["v\x9b", 1, None, {"x": "\x07"}]}) == {"k?": ["v?", 1, None, {"x": "?"}]}
    assert printable("Bristol, City of – Ōtautahi 日本") == "Bristol, City of – Ōtautahi 日本"


@pytest.fixture(scope="module")
def hostile_inbox(durham, tmp_path_factory) -> Path:
    """Durham's return with escape sequences in A1 and A4 and in its file name; the same by email,
    from a sender and with an attachment name that carry them too; and junk with one in its name,
    as a file and as a zip member (quarantined)."""
    folder = tmp_path_factory.mktemp("inbox")
    data = with_cells(durham, A_SHEET, {
        "D5": inline("D5", escaped(f"Darlington{TITLE}{CLEAR}")),
        "D11": inline("D11", escaped(f"jo{CLEAR}{C1_CLEAR} at durham")),
    })
    (folder / f"Durham {TITLE}{CLEAR} return.xlsx").write_bytes(data)
    resent = with_cells(data, A_SHEET, {"D11": inline("D11", escaped(f"jo{TITLE} again"))})
    eml = (
        "From: Jo <jo\x1b[2J@durham.gov.uk>\r\nTo: fgc.survey@example.org\r\nSubject: FGC return\r\n"
        "Date: Thu, 20 Mar 2025 09:30:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        "--XX\r\nContent-Type: text/plain\r\n\r\nOur return.\r\n--XX\r\n"
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
        "Content-Disposition: attachment; filename*=utf-8''Durham%1B%5D0%3Bmail%07%1B%5B2J%C2%9B2J.xlsx\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(resent).replace(b"\n", b"\r\n") + b"--XX--\r\n"
    (folder / "FGC return.eml").write_bytes(eml)
    (folder / f"scan {CLEAR}.xlsx").write_bytes(b"%PDF-1.7 a scanned form")
    with zipfile.ZipFile(folder / "returns.zip", "w") as archive:
        archive.writestr(f"Gateshead {TITLE}.xlsx", b"%PDF-1.7 another scan")
    return folder


def test_validate_prints_no_control_character(hostile_inbox, tmp_path):
    files = [str(path) for path in sorted(hostile_inbox.glob("*.xlsx"))]
    assert len(files) == 2
    for arguments in ([], ["--format", "json"], ["--feedback", str(tmp_path / "feedback")]):
        done = run("validate", *files, *arguments)
        assert_printable(done)
        assert done.exit_code == 2  # the scan is unreadable
        assert "Durham ?]0;pwned??[2J return.xlsx" in done.output
        assert "scan ?[2J.xlsx" in done.output


def test_register_commands_print_no_control_character(hostile_inbox, tmp_path):
    store = str(tmp_path / "store")
    done = run("ingest", str(hostile_inbox), "--store", store)
    assert_printable(done)
    assert "scan ?[2J.xlsx" in done.output
    assert "Gateshead ?]0;pwned?.xlsx" in done.output  # a zip member's name
    for command in (["status"], ["status", "--format", "json"], ["status", "--chasers", "-"],
                    ["history", "E06000047"], ["history", "E06000047", "--format", "json"]):
        done = run(*command, "--store", store)
        assert_printable(done)
        assert done.exit_code == 0, done.output
    history = json.loads(run("history", "E06000047", "--store", store, "--format", "json").stdout)
    assert {(version["file"], version["sender"]) for version in history["versions"]} == {
        ("Durham ?]0;pwned??[2J return.xlsx", None), ("Durham?]0;mail??[2J?2J.xlsx", "jo?")}  # parseaddr stops at the sequence


def test_rules_prints_no_control_character():
    for output_format in ("text", "json", "markdown"):
        assert_printable(run("rules", "--format", output_format))


def test_the_child_level_shell_prints_no_control_character(tmp_path):
    import os
    import subprocess
    import sys

    from tests.child.rows import row, write_csv

    path = write_csv(tmp_path / f"children {TITLE}{CLEAR}.csv", [row()])
    root = Path(__file__).resolve().parents[2]
    for output_format in ("text", "json"):
        done = subprocess.run([sys.executable, "-m", "fgc_collect.child", "validate", str(path), "--format", output_format,
                               "--year", "2023-24"],
                              capture_output=True, cwd=root, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(root), "GX_ANALYTICS_ENABLED": "false"})
        assert done.returncode == 0, done.stderr[-2000:]
        assert b"children ?]0;pwned??[2J.csv" in done.stdout
        assert not any(byte in done.stdout + done.stderr for byte in BAD_BYTES)
