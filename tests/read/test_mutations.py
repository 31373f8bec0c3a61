"""Properties of the reader on files nobody would write by hand.

1. Whatever is done to a valid return (cells given random text, numbers, booleans, errors and
   formulas; rows, sheets and names deleted; sheets renamed; the metadata changed; the file cut
   short or its bytes damaged), reading and validating it gives a report: a result per file,
   never an exception.
2. On any workbook openpyxl writes, the fast reader reads the values openpyxl reads.
3. A seeded run of 520 mutated workbooks through reading, validation and the annotated copy: no
   exception, no hang, under 3 minutes and 1 GB.
"""

from __future__ import annotations

import io
import math
import re
import string
import warnings
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
            assert not any(marker in issue.message for marker in UNFORESEEN)  # no unforeseen exception
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


# ---------------------------------------------------------------------------- a seeded mutation run

# 3. A seeded run of more than 500 workbooks damaged as files are damaged (bytes flipped, cut short,
#    zip entries swapped, dropped or renamed, XML spans deleted, doubled or spliced with hostile
#    fragments, attributes and cells given hostile values), read, validated and annotated as
#    `validate --feedback` does, in a child process that measures its own time and peak memory.
#    Every file gets a result: never an exception, never the reader's catch-all for an unforeseen
#    one, no hang.

MUTATION_RUN = {"files": 520, "seed": 20240331, "batch": 130}
UNFORESEEN = ("could not be read as a workbook (", "could not be read as a return (", "fault in fgc-collect")
ESC = "_x001B_"
HOSTILE_TEXT = [
    "_xD800_", "_xDFFF_x", "_xD83D__xDE00_", f"Durham{ESC}]0;pwned_x0007_{ESC}[2J", "_x009B_2J", "\u202eevil",
    "=HYPERLINK(\"http://evil.example\")", "\uff1d1+1", "<5", "12 ", "1,234", "1e308", "-0", "NaN", "x" * 32_000,
    "_x0000_", "&amp;lt;", "\u0661\u0662", "E06000047", "E10000023", "Y", "MAYBE",
]
XML_FRAGMENTS = [
    '<c r="D5" t="inlineStr"><is><t>_xD800_</t></is></c>', '<c r="D5" t="s"><v>999999</v></c>',
    '<c r="XFD1048577"><v>1</v></c>', '<c r="A0"><v>1</v></c>', '<row r="0">', '<row r="99999999999">', "</row>",
    "</sheetData>", "<sheetData>", "<v>1e999</v>", "<v>-</v>", '<c t="b"><v>2</v></c>', '<c t="d"><v>2024-13-45</v></c>',
    '<c t="e"><v>#WHAT?</v></c>', "<f>cmd|' /c calc'!A0</f>", "<f>SUM(</f>", "&#0;", "&#xD800;", "&bogus;",
    "<!DOCTYPE x>", "<![CDATA[", "]]>", "<?pi x?>", "<!-- -->",
    '<definedName name="Q_B1">\'B Referrals\'!$D$1048576</definedName>',
    '<definedName name="Q_A2">#REF!</definedName>', '<sheet name="B Referrals" sheetId="99" r:id="rId99"/>',
    '<numFmt numFmtId="200" formatCode="dd/mm/yyyy"/>', '<xf numFmtId="14"/>',
    '<Relationship Id="rId9" Type="x/externalLink" Target="../../../etc/passwd"/>', f"_x{'0' * 3}A_" * 50,
]
ATTRIBUTE_VALUES = ["", "-1", "0", "99999999999", "A0", "ZZZZ1", "XFD1048577", "_xD800_", "1.5", "s", "inlineStr",
                    "e", "b", "d", "str", "n", "veryHidden", "../../x", "rId1", "Q_B1"]


def _zip(entries: list[tuple[str, bytes]], stored: bool = False) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries:
                archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 31, 0, 0, 0)), data)
    return out.getvalue()


def _mutate_xml(rng, xml: bytes) -> bytes:
    if not xml:
        return xml
    kind = rng.choice(["delete", "duplicate", "insert", "attribute", "flip", "escape"])
    at = rng.randrange(len(xml))
    if kind == "delete":
        return xml[:at] + xml[at + rng.randint(1, 300):]
    if kind == "duplicate":
        span = xml[at:at + rng.randint(1, 3000)]
        return xml[:at] + span * rng.randint(2, 20) + xml[at:]
    if kind == "insert":
        tag = xml.find(b"<", at)
        at = at if tag < 0 else tag
        return xml[:at] + rng.choice(XML_FRAGMENTS).encode() + xml[at:]
    if kind == "attribute":
        attributes = [match.span(1) for match in re.finditer(rb'="([^"]*)"', xml)]
        if not attributes:
            return xml
        start, end = rng.choice(attributes)
        return xml[:start] + escape(rng.choice(ATTRIBUTE_VALUES), {'"': "&quot;"}).encode() + xml[end:]
    if kind == "flip":
        return xml[:at] + bytes([xml[at] ^ rng.randint(1, 255)]) + xml[at + 1:]
    texts = [match.span(1) for match in re.finditer(rb"<t[^>]*>([^<]*)</t>|<v>([^<]*)</v>", xml) if match.group(1)]
    if not texts:
        return xml
    start, end = rng.choice(texts)
    return xml[:start] + escape(rng.choice(HOSTILE_TEXT)).encode() + xml[end:]


def _set_input_cell(rng, entries: dict[str, bytes]) -> None:
    part = rng.choice(sorted(SECTION_SHEETS))
    if part in entries:
        cell = f"D{rng.randint(4, 60)}"
        text = escape(rng.choice(HOSTILE_TEXT))
        entries[part] = set_cell(entries[part], cell, ("inlineStr", f'<is><t xml:space="preserve">{text}</t></is>'))


def mutant(rng, base: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """(what was done, the file) for one mutated workbook."""
    entries = list(base)
    done = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["xml", "xml", "xml", "cell", "cell", "swap", "drop", "rename", "duplicate", "flip",
                           "truncate", "stored"])
        done.append(kind)
        index = rng.randrange(len(entries))
        if kind == "xml":
            name, data = entries[index]
            entries[index] = (name, _mutate_xml(rng, data))
        elif kind == "cell":
            parts = dict(entries)
            _set_input_cell(rng, parts)
            entries = list(parts.items())
        elif kind == "swap":
            other = rng.randrange(len(entries))
            (a, data_a), (b, data_b) = entries[index], entries[other]
            entries[index], entries[other] = (a, data_b), (b, data_a)
        elif kind == "drop":
            del entries[index]
        elif kind == "rename":
            name = rng.choice([entries[rng.randrange(len(entries))][0], "xl/worksheets/sheet99.xml", "/x", "../x",
                               entries[index][0].upper(), "\u00e9" * 140 + ".xml"])
            entries[index] = (name, entries[index][1])
        elif kind == "duplicate":
            entries.append(entries[index])
        if not entries:
            entries = list(base[:1])
    data = _zip(entries, stored="stored" in done)
    if "flip" in done:
        data = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(len(data))] ^= rng.randint(1, 255)
        data = bytes(data)
    if "truncate" in done:
        data = data[:rng.randrange(len(data))]
    return "+".join(done), data


def mutation_bases() -> list[list[tuple[str, bytes]]]:
    """A filled return as the template writes it (inline strings), and the same saved by openpyxl
    (shared strings, its own styles and parts), as Excel-like programs write them."""
    import tempfile
    from pathlib import Path

    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    bases = []
    with tempfile.TemporaryDirectory() as folder:
        for code, seed in (("E06000047", 1), ("E08000025", 2)):
            path = fill_template(clean_return(find_la(code), np.random.default_rng(seed), load_spec()),
                                 Path(folder) / f"{code}.xlsx", la=find_la(code))
            resaved = Path(folder) / f"{code} resaved.xlsx"
            openpyxl.load_workbook(path).save(resaved)
            with zipfile.ZipFile(path) as archive:
                template = [(info.filename, archive.read(info)) for info in archive.infolist()]
            with zipfile.ZipFile(resaved) as archive:
                # openpyxl stamps the time of saving into core.xml: the template's keeps the run seeded
                core = dict(template)["docProps/core.xml"]
                bases += [template, [(info.filename, core if info.filename == "docProps/core.xml" else
                                      archive.read(info)) for info in archive.infolist()]]
    return bases


def mutants(files: int, seed: int):
    import random

    rng = random.Random(seed)
    bases = mutation_bases()
    for number in range(files):
        yield mutant(rng, bases[number % len(bases)])


def mutation_run(folder: str, files: int, seed: int, batch: int) -> dict:
    """Read and validate `files` mutants (seeded) as `validate` does; what went wrong, how long the
    slowest file took, the whole run's time and this process's peak memory."""
    import hashlib
    import json as json_module
    import resource
    import time
    from pathlib import Path

    from datetime import date

    from fgc_collect import report
    from fgc_collect.feedback.ooxml import PackageError
    from fgc_collect.feedback.workbook import CopyFacts, annotated_bytes
    from fgc_collect.text import printable_json, printable_lines
    from fgc_collect.validate import validate_returns

    started = time.monotonic()
    digest = hashlib.sha256()
    problems, outcomes, slowest = [], [], 0.0
    for number, (what, data) in enumerate(mutants(files, seed)):
        digest.update(data)
        path = Path(folder) / f"mutant {number:03d}.xlsx"
        path.write_bytes(data)
        began = time.monotonic()
        try:
            ret, unreadable = read_file(path)
        except Exception as error:  # noqa: BLE001 - what the run looks for
            problems.append(f"{number} ({what}): {type(error).__name__}: {error}")
            continue
        slowest = max(slowest, time.monotonic() - began)
        if unreadable is not None and any(marker in unreadable.issues[0].message for marker in UNFORESEEN):
            problems.append(f"{number} ({what}): {unreadable.issues[0].message}")
        outcomes.append((ret, unreadable))
    readable = [ret for ret, _ in outcomes if ret is not None]
    validated = []
    for start in range(0, len(readable), batch):
        try:
            validated += validate_returns(readable[start:start + batch])
        except Exception as error:  # noqa: BLE001 - what the run looks for
            problems.append(f"validating mutants {start}-{start + batch}: {type(error).__name__}: {error}")
    facts = CopyFacts("mutant.xlsx", date(2024, 4, 1), "fgc.survey@example.org")
    for ret, result in zip(readable, validated):  # the annotated copy of `validate --feedback`
        try:
            annotated_bytes(Path(ret.file).read_bytes(), result, facts)
        except PackageError:
            pass  # no copy, and the report says why
        except Exception as error:  # noqa: BLE001 - what the run looks for
            problems.append(f"annotating {Path(ret.file).name}: {type(error).__name__}: {error}")
    results = [unreadable for _, unreadable in outcomes if unreadable is not None] + validated
    try:  # what `validate` prints, in both formats
        printable_lines(report.results_text(results)).encode("utf-8")
        json_module.dumps(printable_json(report.results_json(results)), ensure_ascii=False, default=str).encode("utf-8")
    except Exception as error:  # noqa: BLE001
        problems.append(f"printing the results: {type(error).__name__}: {error}")
    return {
        "files": files, "readable": len(readable), "results": len(results), "problems": problems,
        "slowest_file_seconds": slowest, "seconds": time.monotonic() - started, "sha256": digest.hexdigest(),
        "peak_megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def test_the_mutants_are_seeded():
    import time

    first = list(mutants(12, MUTATION_RUN["seed"]))
    time.sleep(1.1)  # nothing of the time of day gets in (zip entry times, saved dates)
    assert list(mutants(12, MUTATION_RUN["seed"])) == first
    assert len({data for _, data in first}) == 12


def test_a_seeded_mutation_run_of_520_workbooks(tmp_path):
    """Through the reader and validation in a child process: no exception, no unforeseen error, no
    hang (a file in under 10 s, the run in under 3 minutes), peak memory under 1 GB."""
    import json as json_module
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import json, sys; from tests.read.test_mutations import mutation_run; "
            "print(json.dumps(mutation_run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))")
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), *(str(MUTATION_RUN[key]) for key in ("files", "seed", "batch"))],
        capture_output=True, text=True, timeout=300, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "GX_ANALYTICS_ENABLED": "false"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = json_module.loads(done.stdout.strip().splitlines()[-1])
    assert run["problems"] == []
    assert run["results"] == run["files"] == MUTATION_RUN["files"]
    assert 0 < run["readable"] < run["files"]  # the run reaches validation and the refusals both
    assert run["slowest_file_seconds"] < 10
    assert run["seconds"] < 180
    assert run["peak_megabytes"] < 1024
