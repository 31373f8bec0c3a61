"""Properties of the reader on files nobody would write by hand.

1. Whatever is done to a valid return (cells given random text, numbers, booleans, errors and
   formulas; rows, sheets and names deleted; sheets renamed; the metadata changed; the file cut
   short or its bytes damaged), reading and validating it gives a report: a result per file,
   never an exception.
2. On any workbook openpyxl writes, the fast reader reads the values openpyxl reads.
"""

from __future__ import annotations

import io
import math
import re
import string
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgc_collect.model import ReturnResult
from fgc_collect.pipeline import read_file
from fgc_collect.read.workbook import open_return

SECTION_SHEETS = {  # part -> sheet title, in the template
    "xl/worksheets/sheet2.xml": "A Service",
    "xl/worksheets/sheet3.xml": "B Referrals",
    "xl/worksheets/sheet4.xml": "C Offer and consent",
    "xl/worksheets/sheet5.xml": "D FGCs held",
}
META_PART = "xl/worksheets/sheet9.xml"
# Derandomized: the same examples on every run, so CI is repeatable; raise max_examples locally to
# search further (each batch of the first property is validated once, which costs a second or two).
BATCHES = settings(max_examples=4, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WORKBOOKS = settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def base_parts(tmp_path_factory) -> dict[str, bytes]:
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    la = find_la("E08000025")
    values = clean_return(la, np.random.default_rng(5), load_spec())
    path = fill_template(values, tmp_path_factory.mktemp("base") / "base.xlsx", la=la)
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


# ---------------------------------------------------------------------------- mutations

xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
numbers = st.one_of(st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                    st.sampled_from(["", " 12 ", "1e308", "-0", "0x1F", "١٢"]))
cell_contents = st.one_of(
    numbers.map(lambda text: f"<v>{escape(text)}</v>"),
    xml_text.map(lambda text: f'<is><t xml:space="preserve">{escape(text)}</t></is>').map(lambda xml: ("inlineStr", xml)),
    st.sampled_from(["#REF!", "#DIV/0!", "#N/A", "rubbish"]).map(lambda text: ("e", f"<v>{text}</v>")),
    st.sampled_from(["0", "1", "true", "yes"]).map(lambda text: ("b", f"<v>{text}</v>")),
    st.sampled_from(["<f>1+1</f><v>2</v>", "<f>SUM(D1:D3)</f><v/>", "<f>1+1</f>", '<f>"a"</f><v>a</v>']),
    st.sampled_from([("s", "<v>0</v>"), ("s", "<v>99999</v>"), ("d", "<v>2024-03-01</v>"), ("str", "<v/>")]),
    st.just(""),
)


def set_cell(sheet: bytes, reference: str, content) -> bytes:
    kind, inner = content if isinstance(content, tuple) else (None, content)
    kind_attribute = f' t="{kind}"' if kind else ""
    replacement = f'<c r="{reference}"{kind_attribute}>{inner}</c>' if inner else f'<c r="{reference}"/>'
    return re.sub(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % reference.encode(), replacement.encode().replace(b"\\", b"\\\\"),
                  sheet, count=1, flags=re.S)


@st.composite
def mutated_return(draw, base_parts: dict[str, bytes]) -> bytes:
    parts = dict(base_parts)
    for _ in range(draw(st.integers(0, 8))):
        part = draw(st.sampled_from(sorted(SECTION_SHEETS)))
        column = draw(st.sampled_from("ABCDE"))
        row = draw(st.integers(1, 60))
        parts[part] = set_cell(parts[part], f"{column}{row}", draw(cell_contents))
    structural = draw(st.lists(st.sampled_from(
        ["delete_row", "delete_sheet", "rename_sheet", "drop_names", "meta", "drop_meta", "shared_strings"]),
        max_size=3))
    for change in structural:
        if change == "delete_row":
            part = draw(st.sampled_from(sorted(SECTION_SHEETS)))
            row = draw(st.integers(1, 60))
            parts[part] = re.sub(rb'<row r="%d"[^>]*?(?:/>|>.*?</row>)' % row, b"", parts[part], count=1, flags=re.S)
        elif change == "delete_sheet":
            title = draw(st.sampled_from(sorted(SECTION_SHEETS.values()))).encode()
            parts["xl/workbook.xml"] = re.sub(rb'<sheet name="%s"[^>]*/>' % title, b"", parts["xl/workbook.xml"])
        elif change == "rename_sheet":
            title = draw(st.sampled_from(sorted(SECTION_SHEETS.values()))).encode()
            parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="%s"' % title, b'name="Renamed"', 1)
        elif change == "drop_names":
            parts["xl/workbook.xml"] = re.sub(rb"<definedNames>.*</definedNames>", b"", parts["xl/workbook.xml"],
                                              flags=re.S)
        elif change == "meta":
            key = draw(st.sampled_from(["B1", "B2", "B3", "B4", "B5"]))
            parts[META_PART] = set_cell(parts[META_PART], key, draw(cell_contents))
        elif change == "drop_meta":
            parts["xl/workbook.xml"] = re.sub(rb'<sheet name="_meta"[^>]*/>', b"", parts["xl/workbook.xml"])
        elif change == "shared_strings":
            parts["xl/sharedStrings.xml"] = (
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>B1</t></si></sst>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    data = out.getvalue()
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "flip"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip":
        position = draw(st.integers(0, len(data) - 1))
        data = data[:position] + bytes([data[position] ^ draw(st.integers(1, 255))]) + data[position + 1:]
    return data


@BATCHES
@given(data=st.data())
def test_every_mutated_return_gives_a_report(base_parts, tmp_path_factory, data):
    from fgc_collect.validate import validate_returns

    folder = tmp_path_factory.mktemp("mutated")
    files = []
    for index in range(data.draw(st.integers(6, 12), label="files")):
        path = folder / f"FGC return {index}.xlsx"
        path.write_bytes(data.draw(mutated_return(base_parts), label=f"file {index}"))
        files.append(path)
    outcomes = [read_file(path) for path in files]
    readable = [ret for ret, _ in outcomes if ret is not None]
    for ret, unreadable in outcomes:
        if unreadable is not None:
            (issue,) = unreadable.issues
            assert issue.rule == "FGC000" and "\n" not in issue.message and issue.message.endswith(".")
            assert "could not be read as a workbook (" not in issue.message  # no unforeseen exception
    results = validate_returns(readable)
    assert len(results) == len(readable)
    assert all(isinstance(result, ReturnResult) and result.status != "unreadable" for result in results)


# ---------------------------------------------------------------------------- the same values as openpyxl

titles = st.text(alphabet=string.ascii_letters + string.digits + " '-_()&", min_size=1, max_size=31).filter(
    lambda title: title.strip() == title and not title.startswith("'") and not title.endswith("'")
    and title.lower() != "history")
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60).filter(
    lambda text: "_x" not in text and not text.startswith("="))
values = st.one_of(
    st.none(), texts, st.booleans(), st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.sampled_from(["#REF!", "#DIV/0!", "#N/A", "=1+1", "=SUM(A1:B2)", "  padded  ", "line\nbreak", "1,234"]),
)
sheets = st.dictionaries(
    st.tuples(st.integers(1, 200), st.integers(1, 30)), values, max_size=40,
)


@WORKBOOKS
@given(book=st.lists(st.tuples(titles, sheets), min_size=1, max_size=3, unique_by=lambda sheet: sheet[0].lower()))
def test_the_fast_reader_reads_what_openpyxl_reads(tmp_path_factory, book):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, cells in book:
        worksheet = workbook.create_sheet(title)
        for (row, column), value in cells.items():
            worksheet.cell(row, column, value)
    path = tmp_path_factory.mktemp("openpyxl") / "book.xlsx"
    workbook.save(path)

    ours, _ = open_return(path)
    theirs = openpyxl.load_workbook(path, data_only=True)
    assert ours.sheetnames == theirs.sheetnames
    for worksheet in theirs.worksheets:
        expected = {(cell.row, cell.column): cell.value for row in worksheet.iter_rows() for cell in row
                    if cell.value is not None}
        found = {position: cell.value for position, cell in ours[worksheet.title].cells.items() if cell.value is not None}
        assert found.keys() == expected.keys()
        for position, value in expected.items():
            assert type(found[position]) is type(value) and (
                found[position] == value or (isinstance(value, float) and math.isnan(value))), position
