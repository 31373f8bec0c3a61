"""Returns as councils really send them: each honest variant is read to the same answers, and
what reading noticed about the file is reported as a READnn warning."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from fgc_collect.model import UnreadableReturn
from fgc_collect.read import read_return
from fgc_collect.read.aggregate import read_workbook
from fgc_collect.read.crypto import PasswordFileError, Passwords, load_password_file
from fgc_collect.read.limits import LimitExceeded
from fgc_collect.read.notes import READ_NOTES
from fgc_collect.read.workbook import load_xlsx, open_return

DURHAM = "E06000047"
ANSWER_COLUMNS = ["item_id", "raw_kind", "raw_text", "number", "number_from_text", "suppressed", "code", "text"]
STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
}


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A complete, valid return for County Durham, filled through the template's names."""
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    la = find_la(DURHAM)
    values = clean_return(la, np.random.default_rng(11), load_spec())
    return fill_template(values, tmp_path_factory.mktemp("base") / "FGC return County Durham.xlsx", la=la)


@pytest.fixture(scope="module")
def answers(base):
    return read_return(base).cells.select(ANSWER_COLUMNS)


def copy(base: Path, folder: Path, name: str = "FGC return County Durham.xlsx") -> Path:
    target = folder / name
    shutil.copyfile(base, target)
    return target


def rewrite(source: Path, target: Path, edit) -> Path:
    """Rewrite the zip's parts: edit(name, bytes) -> bytes, or None to drop the part."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as written:
        for info in archive.infolist():
            data = edit(info.filename, archive.read(info))
            if data is not None:
                written.writestr(info.filename, data)
        for name, data in getattr(edit, "extra", {}).items():
            written.writestr(name, data)
    target.write_bytes(out.getvalue())
    return target


def in_openpyxl(source: Path, target: Path, change) -> Path:
    """Open, change and save as a council's program would (openpyxl keeps no cached values)."""
    workbook = openpyxl.load_workbook(source)
    change(workbook)
    workbook.save(target)
    return target


def note_codes(ret) -> list[str]:
    return [issue.rule for issue in ret.notes]


def same_answers(ret, answers) -> None:
    frame = ret.cells.select(ANSWER_COLUMNS)
    assert frame.equals(answers), frame.join(answers, on="item_id", suffix="_expected").head()


# ---------------------------------------------------------------------------- the fast reader


def test_the_fast_reader_reads_what_openpyxl_reads(base):
    ours = read_return(base)
    theirs = read_workbook(load_xlsx(base), str(base), ours.sha256)
    assert ours.cells.equals(theirs.cells)
    assert ours.totals == theirs.totals
    assert ours.metadata == theirs.metadata
    assert set(ours.cells["located_by"]) == {"name"}
    assert ours.notes == [] and ours.file_format == "xlsx"


def test_read_notes_have_codes_of_their_own():
    codes = [note.code for note in READ_NOTES]
    assert codes == sorted(set(codes)) and all(re.fullmatch(r"READ\d\d", code) for code in codes)
    assert {note.severity for note in READ_NOTES} == {"warning"}


# ---------------------------------------------------------------------------- the file's name


def test_a_file_renamed_by_the_council_takes_its_la_from_the_return(base, tmp_path, answers):
    ret = read_return(copy(base, tmp_path, "FGC return FINAL v3 (2).xlsx"))
    assert ret.metadata["la_code"] == DURHAM and ret.row("A2")["text"] == DURHAM
    assert ret.notes == []
    same_answers(ret, answers)


def test_a_file_name_naming_another_la_is_reported(base, tmp_path):
    ret = read_return(copy(base, tmp_path, "Kent FGC return 2023-24.xlsx"))
    (note,) = ret.notes
    assert note.rule == "READ05" and note.severity == "warning"
    assert (note.item, note.sheet, note.cell) == ("A2", "A Service", "D7")
    assert note.message.startswith("The file name mentions Kent (E10000016), but this return is for County Durham")


# ---------------------------------------------------------------------------- .xlsm, protection


def test_macros_are_never_run_or_kept_and_are_reported(base, tmp_path, answers):
    def edit(name, data):
        if name == "[Content_Types].xml":
            return data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
        return data

    edit.extra = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really VBA"}
    ret = read_return(rewrite(base, tmp_path / "FGC return.xlsm", edit))
    assert ret.file_format == "xlsm"
    assert note_codes(ret) == ["READ01"]
    assert "not run and not kept" in ret.notes[0].message
    same_answers(ret, answers)


@pytest.fixture(scope="module")
def encrypted(base, tmp_path_factory) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    target = tmp_path_factory.mktemp("protected") / "Durham FGC return.xlsx"
    with open(base, "rb") as plain, open(target, "wb") as out:
        OOXMLFile(plain).encrypt("Tr0ub4dor&3", out)
    return target


def test_a_password_protected_return_without_a_password_says_what_to_do(encrypted):
    with pytest.raises(UnreadableReturn) as raised:
        read_return(encrypted)
    assert str(raised.value) == (
        "Durham FGC return.xlsx is password-protected: ask the council for the password (sent separately from "
        "the file) and give it with --password-file FILE (one password, or LA_CODE,password lines)."
    )


def test_a_password_protected_return_is_decrypted_in_memory(encrypted, answers):
    ret = read_return(encrypted, passwords=Passwords("pw.txt", common=("Tr0ub4dor&3",)))
    assert ret.encrypted
    same_answers(ret, answers)


def test_the_las_own_password_is_found_by_the_file_name(encrypted, answers, tmp_path):
    from fgc_collect.reference import local_authorities

    lines = [f"{la.code},{la.code.lower()}-secret" for la in local_authorities() if la.code != DURHAM]
    lines.insert(100, f"{DURHAM},Tr0ub4dor&3")
    password_file = tmp_path / "passwords.csv"
    password_file.write_text("la_code,password\n" + "\n".join(lines) + "\n")
    passwords = load_password_file(password_file)
    assert passwords.candidates(str(encrypted))[0] == "Tr0ub4dor&3"
    same_answers(read_return(encrypted, passwords=passwords), answers)


def test_a_wrong_password_says_so(encrypted):
    with pytest.raises(UnreadableReturn, match=r"the password in pw.txt does not open it: ask the council"):
        read_return(encrypted, passwords=Passwords("pw.txt", common=("letmein",)))


@pytest.mark.parametrize(
    ("text", "common", "by_la"),
    [
        ("  spaces, and a comma  \n", ("  spaces, and a comma  ",), {}),
        ("E06000047,one\n840 , one-again\nE08000025,two\n", (), {DURHAM: "one-again", "E08000025": "two"}),
        ("\ufeffla_code,password\r\nE06000047,x,y\r\n", (), {DURHAM: "x,y"}),
        ("E06000047,one\nshared\n", ("shared",), {DURHAM: "one"}),
    ],
)
def test_password_files(tmp_path, text, common, by_la):
    path = tmp_path / "pw.txt"
    path.write_text(text, encoding="utf-8")
    passwords = load_password_file(path)
    assert passwords.common == common and passwords.by_la == by_la


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "is empty"), ("E99999999,x\nE06000047,y\n", "not the code of one of England's 153 local authorities"),
     ("E06000047,\nE08000025,y\n", "has an LA code but no password")],
)
def test_password_files_that_cannot_be_used(tmp_path, text, message):
    path = tmp_path / "pw.txt"
    path.write_text(text)
    with pytest.raises(PasswordFileError, match=message):
        load_password_file(path)


def test_validate_with_a_password_file_on_the_command_line(encrypted, tmp_path):
    from fgc_collect.cli import cli

    password_file = tmp_path / "pw.txt"
    password_file.write_text("Tr0ub4dor&3\n")
    runner = CliRunner()
    done = runner.invoke(cli, ["validate", str(encrypted), "--password-file", str(password_file)])
    assert done.exit_code == 0, done.output
    assert "County Durham (E06000047): valid" in done.output
    missing = runner.invoke(cli, ["validate", str(encrypted), "--password-file", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2
    assert "the password file none.txt cannot be read" in missing.output


# ---------------------------------------------------------------------------- councils' edits


def _rename_sheet(workbook, old: str, new: str, update_names: bool) -> None:
    workbook[old].title = new
    if update_names:  # what Excel and LibreOffice do
        for name in workbook.defined_names.values():
            name.attr_text = name.attr_text.replace(f"'{old}'!", f"'{new}'!")


def test_sheets_renamed_and_reordered(base, tmp_path, answers):
    def change(workbook):
        _rename_sheet(workbook, "B Referrals", "Referrals (B)", update_names=True)
        workbook.move_sheet("Referrals (B)", offset=5)

    ret = read_return(in_openpyxl(base, tmp_path / "renamed.xlsx", change))
    assert ret.location("B1").sheet == "Referrals (B)" and ret.location("B1").located_by == "name"
    same_answers(ret, answers)
    assert note_codes(ret) == []


def test_names_lost_the_item_id_column_finds_the_answers(base, tmp_path, answers):
    def change(workbook):
        _rename_sheet(workbook, "C Offer and consent", "C (ours)", update_names=False)  # names now dangle
        workbook["B Referrals"].column_dimensions["A"].hidden = True
        for key in [key for key in workbook.defined_names if key.startswith("Q_B")]:
            del workbook.defined_names[key]

    ret = read_return(in_openpyxl(base, tmp_path / "copied.xlsx", change))
    same_answers(ret, answers)
    assert ret.location("C1") == ret.location("C1").__class__("C (ours)", "D5", "item_id_column")
    assert ret.location("B3_U1").located_by == "item_id_column"
    assert ret.location("A1").located_by == "name"
    (note,) = ret.notes
    assert note.rule == "READ03" and "found by the item ids in column A" in note.message


def test_rows_inserted_move_the_answers(base, tmp_path, answers):
    def change(workbook):
        sheet = workbook["B Referrals"]
        sheet.insert_rows(6, amount=3)
        for name in workbook.defined_names.values():  # Excel moves the names with their cells
            match = re.fullmatch(r"'B Referrals'!\$D\$(\d+)", name.attr_text)
            if match and int(match[1]) >= 6:
                name.attr_text = f"'B Referrals'!$D${int(match[1]) + 3}"

    ret = read_return(in_openpyxl(base, tmp_path / "inserted.xlsx", change))
    assert ret.location("B1").cell == "D5" and ret.location("B2").cell == "D10"
    same_answers(ret, answers)


def test_a_deleted_row_is_a_question_not_found(base, tmp_path):
    def change(workbook):
        workbook["D FGCs held"].delete_rows(5)  # D1's row
        workbook.defined_names["Q_D1"].attr_text = "'D FGCs held'!#REF!"

    ret = read_return(in_openpyxl(base, tmp_path / "deleted.xlsx", change))
    assert ret.row("D1")["located_by"] == "missing"
    missing = [note for note in ret.notes if note.rule == "READ04"]
    assert len(missing) == 1 and "1 questions of the template were not found in this file (D1)" in missing[0].message


def test_numbers_typed_as_text_with_spaces_and_separators(base, tmp_path):
    def change(workbook):
        sheet = workbook["B Referrals"]
        sheet["D5"] = "1,234"
        sheet["D7"] = " 2 345 "
        sheet["D9"].number_format = "@"
        sheet["D9"] = "12"

    ret = read_return(in_openpyxl(base, tmp_path / "text.xlsx", change))
    for item, number in (("B1", 1234), ("B2", 2345), ("B3_UNBORN", 12)):
        row = ret.row(item)
        assert (row["raw_kind"], row["number"], row["number_from_text"]) == ("text", number, True)


def test_values_pasted_as_formulas(base, tmp_path):
    def edit(name, data):
        if name == "xl/worksheets/sheet3.xml":  # B Referrals, saved by Excel with cached results
            data = re.sub(rb'<c r="D5"([^>]*)><v>\d+</v></c>', rb'<c r="D5"\1><f>100+27</f><v>127</v></c>', data)
        return data

    ret = read_return(rewrite(base, tmp_path / "formulas.xlsx", edit))
    assert ret.row("B1")["number"] == 127 and ret.notes == []

    unsaved = read_return(in_openpyxl(base, tmp_path / "unsaved.xlsx",
                                      lambda workbook: workbook["B Referrals"].__setitem__("D5", "=100+27")))
    assert unsaved.row("B1")["raw_kind"] == "blank"
    (note,) = unsaved.notes
    assert (note.rule, note.item, note.sheet, note.cell, note.value) == ("READ06", "B1", "B Referrals", "D5", "=100+27")


def test_rows_formatted_to_the_bottom_of_the_sheet(base, tmp_path, answers):
    empty_rows = "".join(f'<row r="{row}" s="2" customFormat="1"/>' for row in range(200, 100_000))
    bottom = '<row r="1048576" s="2" customFormat="1"><c r="A1048576" s="2"/><c r="XFD1048576" s="2"/></row>'

    def edit(name, data):
        if name == "xl/worksheets/sheet3.xml":
            data = data.replace(b'<dimension ref="A1:E53" />', b'<dimension ref="A1:XFD1048576" />')
            data = data.replace(b"</sheetData>", (empty_rows + bottom).encode() + b"</sheetData>")
        return data

    ret = read_return(rewrite(base, tmp_path / "formatted.xlsx", edit))
    same_answers(ret, answers)


def test_strict_open_xml(base, tmp_path, answers):
    def edit(name, data):
        for transitional, strict in STRICT.items():
            data = data.replace(transitional, strict)
        return data

    same_answers(read_return(rewrite(base, tmp_path / "strict.xlsx", edit)), answers)


def _meta(base: Path, target: Path, key: str, value: str) -> Path:
    def change(workbook):
        sheet = workbook["_meta"]
        for row in sheet.iter_rows(max_col=2):
            if row[0].value == key:
                row[1].value = value

    return in_openpyxl(base, target, change)


def test_another_version_of_this_years_template_is_read_and_noted(base, tmp_path, answers):
    ret = read_return(_meta(base, tmp_path / "old.xlsx", "template_version", "2023-24.0"))
    same_answers(ret, answers)
    (note,) = ret.notes
    assert note.rule == "READ02" and note.value == "2023-24.0"
    assert "made from template version 2023-24.0; the current one is 2023-24.1" in note.message


def test_a_template_of_a_year_without_questions_is_refused_with_a_sentence(base, tmp_path):
    with pytest.raises(UnreadableReturn, match=r"made from a template for 2022-23, a year fgc-collect has no questions for"):
        read_return(_meta(base, tmp_path / "last year.xlsx", "year", "2022-23"))
    with pytest.raises(UnreadableReturn, match=r"made from a template for 2099-00, a year fgc-collect has no questions"):
        read_return(_meta(base, tmp_path / "far.xlsx", "year", "2099-00"))  # refused at once, not moved on 75 times


def test_a_return_is_read_against_its_own_years_spec(base, tmp_path):
    # the fixture is a 2023-24 return: read as 2023-24 whatever the latest year, A10 among its cells
    ret = read_return(base)
    assert ret.spec.year == "2023-24" and ret.row("A10") is not None and ret.row("C11") is None
    # a year asked for applies only to a file that names none
    assert read_return(base, year="2024-25").spec.year == "2023-24"


def test_another_years_spec_given_explicitly_refuses_the_return(base, tmp_path):
    from fgc_collect.spec import load_spec

    with pytest.raises(UnreadableReturn, match=r"made from the 2023-24 template \(version 2023-24.1\), not the 2024-25 one"):
        read_return(base, spec=load_spec("2024-25"))


def test_dates_booleans_and_errors_keep_their_kind(base, tmp_path):
    def change(workbook):
        sheet = workbook["B Referrals"]
        sheet["D5"] = datetime(2024, 3, 1)
        sheet["D7"] = True
        sheet["D9"] = "#REF!"

    ret = read_return(in_openpyxl(base, tmp_path / "kinds.xlsx", change))
    assert [ret.row(item)["raw_kind"] for item in ("B1", "B2", "B3_UNBORN")] == ["date", "bool", "error"]
    assert ret.row("B1")["raw_text"] == "2024-03-01T00:00:00"


def test_a_csv_is_named_as_such(tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_text("la_code,B1\nE06000047,12\n")
    with pytest.raises(UnreadableReturn, match=r"is a text file \(such as CSV\), not an Excel workbook"):
        read_return(path)


# ---------------------------------------------------------------------------- the OOXML reader itself


def _workbook_zip(sheet_xml: str, shared: str | None = None, workbook_pr: str = "") -> bytes:
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": "<Types/>",
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="r1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {main} xmlns:r="{rel}">{workbook_pr}<sheets><sheet name="It\'s" sheetId="1" '
                           'r:id="rId1"/></sheets><definedNames><definedName name="Q_X">\'It\'\'s\'!$B$2</definedName>'
                           '<definedName name="RANGE">\'It\'\'s\'!$B$2:$B$3</definedName></definedNames></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                      f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/s.xml"/>'
                                      f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                                      '</Relationships>',
        "xl/worksheets/s.xml": f"<worksheet {main}><sheetData>{sheet_xml}</sheetData></worksheet>",
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = f"<sst {main}>{shared}</sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
    return out.getvalue()


def _open(tmp_path, data: bytes):
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    book, _ = open_return(path)
    return book


def test_shared_strings_rich_text_phonetics_and_escapes(tmp_path):
    book = _open(tmp_path, _workbook_zip(
        '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c></row>',
        shared="<si><r><t>Hel</t></r><r><t xml:space=\"preserve\">lo </t></r><rPh><t>ハロー</t></rPh></si>"
               "<si><t>line_x000D_break</t></si>",
    ))
    sheet = book["It's"]
    assert sheet["B2"].value == "Hello " and sheet["C2"].value == "line\rbreak"
    assert book.names == {"Q_X": ("It's", "B2")}


def test_cells_without_addresses_and_the_1904_date_system(tmp_path):
    book = _open(tmp_path, _workbook_zip(
        '<row><c><v>1</v></c><c t="b"><v>1</v></c></row><row r="5"><c r="C5" t="e"><v>#N/A</v></c><c><v>2.5</v></c>'
        '<c t="inlineStr"><is><t>x</t></is></c><c t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>',
        workbook_pr='<workbookPr date1904="1"/>',
    ))
    sheet = book["It's"]
    assert sheet["A1"] == (1, "n", None) and sheet["B1"] == (True, "b", None)
    assert sheet["C5"] == ("#N/A", "e", None) and sheet["D5"].value == 2.5
    assert sheet["E5"].value == "x" and sheet["F5"] == ("ab", "s", '"a"&"b"')


def test_an_impossible_cell_address_is_damage(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(_workbook_zip('<row r="1"><c r="A0"><v>1</v></c></row>'))
    book, _ = open_return(path)
    with pytest.raises(UnreadableReturn, match="impossible address"):
        book["It's"].cells


# ---------------------------------------------------------------------------- the ODS reader itself


def _ods(content: str, manifest_extra: str = "") -> bytes:
    namespaces = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                         f'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/">{manifest_extra}'
                         "</manifest:file-entry></manifest:manifest>")
        archive.writestr("content.xml", f"<office:document-content {namespaces}><office:body><office:spreadsheet>"
                         f"{content}</office:spreadsheet></office:body></office:document-content>")
    return out.getvalue()


def test_ods_values_repeats_and_named_ranges(tmp_path):
    path = tmp_path / "book.ods"
    path.write_bytes(_ods(
        '<table:table table:name="It\'s"><table:table-header-rows><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>a<text:s text:c="2"/>b</text:p><text:p>c</text:p>'
        '<office:annotation><text:p>a comment</text:p></office:annotation></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="7"/>'
        "</table:table-row></table:table-header-rows>"
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/>'
        "</table:table-row><table:table-row><table:covered-cell/>"
        '<table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" '
        'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
        '<table:table-cell office:value-type="boolean" office:boolean-value="true"/>'
        '<table:table-cell office:value-type="date" office:date-value="2024-03-01"/></table:table-row></table:table>'
        '<table:named-expressions><table:named-range table:name="Q_X" '
        "table:cell-range-address=\"$'It''s'.$C$1\"/></table:named-expressions>"
    ))
    book, _ = open_return(path)
    sheet = book["It's"]
    assert sheet["A1"] == ("a  b\nc", "s", None)
    assert sheet["B1"].value == 7 and sheet["C1"].value == 7
    assert sheet["B1048572"] == ("#DIV/0!", "e", "of:=1/0")
    assert sheet["C1048572"].value is True and sheet["D1048572"].value == datetime(2024, 3, 1)
    assert book.names == {"Q_X": ("It's", "C1")}
    assert len(sheet.cells) == 6  # the empty repeated rows and cells cost nothing


def test_ods_repeated_values_count_against_the_cell_limit(tmp_path):
    path = tmp_path / "book.ods"
    path.write_bytes(_ods(
        '<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/>'
        "</table:table-row></table:table>"
    ))
    with pytest.raises(LimitExceeded, match="more than 100,000 filled cells"):
        open_return(path)


def test_a_password_protected_ods_says_what_to_do(tmp_path):
    path = tmp_path / "book.ods"
    path.write_bytes(_ods("", manifest_extra="<manifest:encryption-data/>"))
    with pytest.raises(UnreadableReturn, match=r"password-protected LibreOffice \(.ods\) file"):
        open_return(path)
