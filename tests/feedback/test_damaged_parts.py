"""`validate --feedback` on a return with a damaged part the validator never reads (a CRC error in
the document properties, a drawing whose data cannot be unpacked, a damaged sheet of definitions,
content types that are something else): the verdict stays, the annotated copy is written when it
can be (the damaged part as it is when only its checksum is wrong, else left out with what points
at it), and otherwise the index says in one sentence why there is none. Never an internal error."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from fgc_collect.cli import cli
from fgc_collect.feedback.workbook import VALIDATION_SHEET
from fgc_collect.read import read_return
from tests.support.workbooks import load_strictly

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DRAWING = "xl/drawings/drawing1.xml"
SHEET = "xl/worksheets/sheet2.xml"  # A Service
DEFINITIONS = "xl/worksheets/sheet7.xml"  # nothing the validator reads
DRAWING_XML = (
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor>'
    "<xdr:from><xdr:col>6</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
    "<xdr:to><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>6</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="Council logo"/><xdr:cNvSpPr/></xdr:nvSpPr>'
    '<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1000000" cy="500000"/></a:xfrm><a:prstGeom prst="rect">'
    "<a:avLst/></a:prstGeom></xdr:spPr></xdr:sp><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>"
)


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_drawing(data: bytes) -> bytes:
    """The return with a drawing (a shape, as a council's logo would be) on sheet A Service."""
    parts = parts_of(data)
    parts[SHEET] = parts[SHEET].replace(b"</worksheet>", f'<drawing xmlns:r="{R}" r:id="rIdLogo"/></worksheet>'.encode())
    parts["xl/worksheets/_rels/sheet2.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdLogo" Type="{R}/drawing" Target="../drawings/drawing1.xml"/></Relationships>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/drawings/drawing1.xml" '
                     b'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>')
    parts[DRAWING] = DRAWING_XML.encode()
    return zipped(parts)


def headers(data: bytes, part: str) -> tuple[zipfile.ZipInfo, int, int]:
    """The member's info, the offset of its central directory entry, and of its data."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(part)] != part.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    return info, central, info.header_offset + 30 + name_length + extra_length


def wrong_crc(data: bytes, part: str) -> bytes:
    """The zip claims another checksum for the part: unzip tools say 'bad CRC'."""
    info, central, _ = headers(data, part)
    crc = struct.pack("<I", info.CRC ^ 0x5A5A5A5A)
    out = bytearray(data)
    out[info.header_offset + 14:info.header_offset + 18] = crc
    out[central + 16:central + 20] = crc
    return bytes(out)


def broken_data(data: bytes, part: str) -> bytes:
    """The part's compressed data overwritten: it cannot be unpacked at all."""
    info, _, start = headers(data, part)
    return data[:start] + b"\xff" * info.compress_size + data[start + info.compress_size:]


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> dict[str, Path]:
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    folder = tmp_path_factory.mktemp("damaged")
    durham = find_la("E06000047")
    values = clean_return(durham, np.random.default_rng(7), load_spec())
    base = with_drawing(fill_template(values, folder / "base.xlsx", la=durham).read_bytes())
    (folder / "base.xlsx").unlink()
    files = {
        "properties": wrong_crc(base, "docProps/app.xml"),
        "drawing": broken_data(base, DRAWING),
        "definitions": broken_data(base, DEFINITIONS),
        "types": zipped({**parts_of(base), "[Content_Types].xml": parts_of(base)["docProps/app.xml"]}),
    }
    paths = {}
    for case, data in files.items():
        paths[case] = folder / f"Durham {case}.xlsx"
        paths[case].write_bytes(data)
    return paths


def validate(*args: str):
    return CliRunner().invoke(cli, ["validate", *args, "--format", "json"])


@pytest.fixture(scope="module")
def feedback(returns, tmp_path_factory):
    out = tmp_path_factory.mktemp("feedback")
    return validate(*map(str, returns.values()), "--feedback", str(out)), out


def copy_of(out: Path, case: str) -> Path:
    return out / f"E06000047_Durham_{case}_feedback.xlsx"


def test_the_verdict_stays_and_nothing_crashes(feedback):
    done, out = feedback
    assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
    assert "internal error" not in done.output
    verdict = json.loads(done.stdout)["returns"]
    assert verdict == json.loads(validate(*(entry["file"] for entry in verdict)).stdout)["returns"]
    assert [entry["status"] for entry in verdict] == ["warnings"] * 4  # FGC204 only: four from Durham
    assert {issue["rule"] for entry in verdict for issue in entry["issues"]} == {"FGC204"}
    assert done.exit_code == 0
    assert (out / "index.html").is_file()


def test_a_part_whose_checksum_is_wrong_is_copied_as_it_is(feedback, returns):
    _, out = feedback
    copy = copy_of(out, "properties")
    workbook = load_strictly(copy.read_bytes())
    assert workbook.sheetnames[0] == VALIDATION_SHEET
    with zipfile.ZipFile(copy) as archive:
        assert archive.testzip() is None
        with zipfile.ZipFile(returns["drawing"]) as source:  # the same properties, undamaged there
            assert archive.read("docProps/app.xml") == source.read("docProps/app.xml")
    assert read_return(copy).values() == read_return(returns["properties"]).values()


def test_a_part_that_cannot_be_unpacked_is_left_out_with_what_points_at_it(feedback, returns):
    _, out = feedback
    copy = copy_of(out, "drawing")
    workbook = load_strictly(copy.read_bytes())
    about = " ".join(str(cell.value) for row in workbook[VALIDATION_SHEET].iter_rows() for cell in row if cell.value)
    assert f"Part of your file was damaged and could not be copied ({DRAWING})" in about
    with zipfile.ZipFile(copy) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert DRAWING not in names
        assert b"<drawing" not in archive.read(SHEET)
        assert b"drawing1" not in archive.read("[Content_Types].xml")
        assert b"drawing1" not in archive.read("xl/worksheets/_rels/sheet2.xml.rels")
    assert read_return(copy).values() == read_return(returns["drawing"]).values()


def test_a_damaged_sheet_means_no_copy_and_one_sentence_why(feedback):
    _, out = feedback
    assert not copy_of(out, "definitions").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"Durham definitions.xlsx could not be opened as an Excel workbook (its part {DEFINITIONS} is damaged)." in index
    # [Content_Types].xml holding something else: the validator never reads it; the copy needs it
    assert not copy_of(out, "types").exists()
    assert "Durham types.xlsx could not be copied (PackageError: a part of it is not what its name says)." in index


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copies(feedback, tmp_path):
    from tests.support.libreoffice import convert_with_calc

    _, out = feedback
    for case in ("properties", "drawing"):
        converted = convert_with_calc(copy_of(out, case), tmp_path, "xlsx")
        assert openpyxl.load_workbook(converted).sheetnames[0] == VALIDATION_SHEET
