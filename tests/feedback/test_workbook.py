"""The annotated copy of a council's workbook, reopened as the council would see it (openpyxl)."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from openpyxl.comments import Comment

from fgc_collect.feedback import council_result, write_annotated_copy, write_feedback
from fgc_collect.feedback.workbook import (
    COMMENT_AUTHOR,
    ERROR_FILL_COLOUR,
    VALIDATION_SHEET,
    WARNING_FILL_COLOUR,
)
from fgc_collect.model import ERROR, Issue, ReturnResult
from fgc_collect.read import read_return
from fgc_collect.survey import current_survey
from fgc_collect.template.build import INPUT_COLOUR
from tests.feedback.conftest import CHECKED_ON, PASSWORD

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def fill_of(cell) -> str:
    return str(cell.fill.fgColor.rgb or "")[-6:].upper()


def placed(result: ReturnResult) -> list[Issue]:
    return [issue for issue in result.issues if issue.sheet and issue.cell]


def validation_rows(workbook) -> list[dict]:
    sheet = workbook[VALIDATION_SHEET]
    header = None
    rows = []
    for row in sheet.iter_rows():
        values = [cell.value for cell in row]
        if values[:2] == ["Sheet", "Cell"]:
            header = values
            continue
        if header and any(values):
            rows.append({"values": dict(zip(header, values)), "link": row[1].hyperlink})
    return rows


def test_each_note_sits_at_the_cell_its_issue_names(batch):
    result = batch.results["durham"]
    rules = {issue.rule for issue in result.issues}
    assert {"FGC101", "FGC002", "FGC003", "FGC007"} <= rules  # the seeded mistakes were found

    workbook = openpyxl.load_workbook(batch.workbook("durham"))
    for issue in placed(result):
        cell = workbook[issue.sheet][issue.cell]
        assert cell.comment is not None, (issue.rule, issue.cell)
        assert cell.comment.author == COMMENT_AUTHOR
        assert f"{issue.rule} ({issue.severity}): {issue.message}" in cell.comment.text
        worst = {i.severity for i in placed(result) if (i.sheet, i.cell) == (issue.sheet, issue.cell)}
        assert fill_of(cell) == (ERROR_FILL_COLOUR if ERROR in worst else WARNING_FILL_COLOUR)

    # Nothing else is marked: every note in the workbook belongs to an issue.
    notes = {(ws.title, c.coordinate) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.comment}
    assert notes == {(issue.sheet, issue.cell) for issue in placed(result)}


def test_the_validation_sheet_lists_every_issue_and_links_to_its_cell(batch):
    result = council_result(batch.results["durham"])  # FGC204 (the other Durham file) is the coordinator's
    workbook = openpyxl.load_workbook(batch.workbook("durham"))
    assert workbook.sheetnames[0] == VALIDATION_SHEET
    assert workbook.active.title == VALIDATION_SHEET

    rows = validation_rows(workbook)
    listed = Counter((r["values"]["Rule"], r["values"]["Severity"], r["values"]["Sheet"], r["values"]["Cell"],
                      r["values"]["What to do"]) for r in rows)
    expected = Counter((i.rule, i.severity, i.sheet or "(the return)", i.cell, i.message) for i in result.issues)
    assert listed == expected
    for row in rows:
        sheet, cell = row["values"]["Sheet"], row["values"]["Cell"]
        if cell:
            assert row["link"] is not None and row["link"].location == f"'{sheet}'!{cell}"
            assert workbook[sheet][cell].comment is not None  # the link lands on the note
        # Never a bare item id in the Question column (the reader's fallback looks for those).
        assert ":" in row["values"]["Question"] or row["values"]["Question"] == "The file as a whole"
    sheet_text = " ".join(str(c.value) for row in workbook[VALIDATION_SHEET].iter_rows() for c in row if c.value)
    assert "Durham" in sheet_text and "How to resend" in sheet_text
    # checked on 7 April 2025, after 2023-24's deadline (4 April 2025)
    assert (f"email the whole workbook to {current_survey().contact.sentence()} as soon as you can (the deadline "
            "was Friday 4 April 2025).") in sheet_text


def test_issues_without_a_cell_are_on_the_validation_sheet_only(batch, tmp_path):
    # Two returns for Durham in one batch: FGC204 is about the return, not a cell. The council's
    # copy leaves it out (it names the other file); a copy made with it lists it on the sheet only.
    result = batch.results["durham_rows"]
    about_return = [issue for issue in result.issues if issue.cell is None]
    assert about_return, "expected an issue about the return as a whole"
    councils = [r["values"]["Rule"] for r in validation_rows(openpyxl.load_workbook(batch.workbook("durham_rows")))]
    assert councils and "FGC204" not in councils
    copy = write_annotated_copy(batch.files["durham_rows"], tmp_path / "copy.xlsx", result, checked_on=CHECKED_ON)
    workbook = openpyxl.load_workbook(copy)
    listed = [r["values"] for r in validation_rows(workbook)]
    notes = [c.comment.text for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.comment]
    for issue in about_return:
        row = next(values for values in listed if values["Rule"] == issue.rule)
        assert row["Cell"] is None and row["What to do"] == issue.message
        assert not any(issue.rule in text for text in notes)


def test_notes_follow_rows_the_council_inserted(batch):
    before, after = batch.results["durham"], batch.results["durham_rows"]
    moved = {(i.rule, i.item): i.cell for i in placed(after)}
    workbook = openpyxl.load_workbook(batch.workbook("durham_rows"))
    checked = 0
    for issue in placed(before):
        cell = moved[(issue.rule, issue.item)]
        if issue.sheet == "B Referrals":
            row = int(issue.cell[1:])
            assert cell == f"D{row + 2}", issue  # two rows inserted above row 6
            checked += 1
        else:
            assert cell == issue.cell
        note = workbook[issue.sheet][cell].comment
        assert note is not None and issue.rule in note.text
    assert checked >= 2  # B2 typed as text, and B3's total row
    sheet = workbook["B Referrals"]
    b2 = next(i for i in placed(after) if i.item == "B2")
    assert sheet[b2.cell].value == batch.returns["durham"].row("B2")["raw_text"]  # the figure typed as text
    assert sheet["D7"].comment is None  # where B2 was before the council inserted rows


def test_the_copy_reads_the_same_as_the_return_the_council_sent(batch):
    """A council may resend the annotated copy: its figures, cells and issues must be the same."""
    from fgc_collect.validate import validate_returns

    for key in ("durham", "durham_rows"):
        original = batch.returns[key]
        copy = read_return(batch.workbook(key))
        assert copy.values() == original.values()
        assert copy.metadata == original.metadata
        assert {i: original.location(i) for i in original.values()} == {i: copy.location(i) for i in copy.values()}
    # Validated in the same company as before, the copy gets exactly the issues the return got.
    again = validate_returns([read_return(batch.workbook(key)) for key in ("durham", "durham_rows", "hartlepool")])
    def same(issue: Issue) -> Issue:  # FGC204 names the other file of the batch: the copies have other names
        return replace(issue, message="", value=None) if issue.rule == "FGC204" else issue

    for key, result in zip(("durham", "durham_rows", "hartlepool"), again):
        assert [same(i) for i in result.issues] == [same(i) for i in batch.results[key].issues], key


def test_the_validation_sheet_does_not_mislead_the_readers_fallback(batch, scratch_copy):
    """Without defined names the reader finds cells by the item ids in column A of each sheet; the
    Validation sheet, now first, must not offer it ids of its own."""

    def without_names(path: Path) -> Path:
        workbook = openpyxl.load_workbook(path)
        for name in [n for n in workbook.defined_names if n.startswith(("Q_", "SUM_"))]:
            del workbook.defined_names[name]
        workbook.save(path)
        return path

    original = read_return(without_names(scratch_copy(batch.files["durham"], "original.xlsx")))
    copy = read_return(without_names(scratch_copy(batch.workbook("durham"), "copy.xlsx")))
    assert copy.row("B1")["located_by"] == "item_id_column"
    assert copy.values() == original.values()
    assert copy.location("B3_U1") == original.location("B3_U1")


def test_the_copy_keeps_the_councils_workbook(batch):
    source = openpyxl.load_workbook(batch.files["durham_rows"])
    copy = openpyxl.load_workbook(batch.workbook("durham_rows"))
    assert copy.sheetnames == [VALIDATION_SHEET] + source.sheetnames
    assert [ws.sheet_state for ws in copy.worksheets[1:]] == [ws.sheet_state for ws in source.worksheets]
    assert {n: d.attr_text for n, d in copy.defined_names.items()} == {n: d.attr_text for n, d in source.defined_names.items()}
    for ws in source.worksheets:
        other = copy[ws.title]
        assert other.protection.sheet == ws.protection.sheet
        assert len(other.data_validations.dataValidation) == len(ws.data_validations.dataValidation)
        assert [[c.value for c in row] for row in other.iter_rows()] == [[c.value for c in row] for row in ws.iter_rows()]


def test_an_encrypted_return_gets_a_copy_encrypted_with_its_password(batch, tmp_path):
    path = batch.workbook("durham_encrypted")
    data = path.read_bytes()
    assert data[:8] == OLE_MAGIC
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    workbook = openpyxl.load_workbook(plain)
    issue = next(i for i in placed(batch.results["durham_encrypted"]) if i.rule == "FGC002")
    assert issue.rule in workbook[issue.sheet][issue.cell].comment.text
    assert any("same password" in str(c.value) for row in workbook[VALIDATION_SHEET].iter_rows() for c in row)

    # Unencrypted only when the coordinator asks for it.
    result = batch.results["durham_encrypted"]
    written = write_feedback([result], tmp_path / "plain", passwords={result.file: PASSWORD}, unencrypted=True)
    copy = next(p for p in written if p.suffix == ".xlsx")
    assert zipfile.is_zipfile(copy)
    sheet_text = [str(c.value) for row in openpyxl.load_workbook(copy)[VALIDATION_SHEET].iter_rows() for c in row]
    assert any("not password-protected" in text for text in sheet_text)

    # With the coordinator's --password-file: the password that opens the file encrypts its copy.
    from fgc_collect.read.crypto import load_password_file

    password_file = tmp_path / "passwords.txt"
    password_file.write_text(f"E06000001,not-this-one\nE06000047,{PASSWORD}\n", encoding="utf-8")
    written = write_feedback([result], tmp_path / "from-file", passwords=load_password_file(password_file))
    copy = next(p for p in written if p.suffix == ".xlsx")
    office = msoffcrypto.OfficeFile(io.BytesIO(copy.read_bytes()))
    office.load_key(password=PASSWORD, verify_password=True)

    # Without the password there is nothing to copy: the report still goes, and the index says why.
    written = write_feedback([result], tmp_path / "nopassword")
    assert [p.suffix for p in written] == [".html", ".html"]
    assert "password" in (tmp_path / "nopassword" / "index.html").read_text()


def test_resending_an_annotated_copy_replaces_the_last_rounds_marks(batch, scratch_copy, tmp_path):
    """The council fixes B2 in the annotated copy, adds a note of its own, and sends it back."""
    resent = scratch_copy(batch.workbook("durham"), "Durham resent.xlsx")
    first = batch.results["durham"]
    b2 = next(i for i in placed(first) if i.item == "B2")
    d10 = next(i for i in placed(first) if i.item == "D10_SAFETY")
    workbook = openpyxl.load_workbook(resent)  # the council's program saves it again
    workbook["D FGCs held"][d10.cell].comment = None
    workbook["D FGCs held"][d10.cell].comment = Comment("We only hold a banded figure for this.", "Jo Bloggs")
    workbook.save(resent)

    second = replace(first, file=str(resent), issues=[d10])  # only the '<5' is left
    target = write_annotated_copy(resent, tmp_path / "round2.xlsx", second, checked_on=CHECKED_ON)
    workbook = openpyxl.load_workbook(target)
    assert [name for name in workbook.sheetnames if name.startswith(VALIDATION_SHEET)] == [VALIDATION_SHEET]
    assert [r["values"]["Rule"] for r in validation_rows(workbook)] == ["FGC002"]
    fixed = workbook[b2.sheet][b2.cell]
    assert fixed.comment is None
    assert fill_of(fixed) == INPUT_COLOUR  # back to the template's input colour
    still = workbook[d10.sheet][d10.cell]
    assert fill_of(still) == ERROR_FILL_COLOUR
    assert "FGC002 (error)" in still.comment.text
    assert "Your note (by Jo Bloggs)" in still.comment.text and "banded figure" in still.comment.text

    # Third round, the issue answered: the council's own note is given back to it.
    third = write_annotated_copy(target, tmp_path / "round3.xlsx", replace(second, issues=[]), checked_on=CHECKED_ON)
    cell = openpyxl.load_workbook(third)[d10.sheet][d10.cell]
    assert cell.comment.author == "Jo Bloggs" and cell.comment.text == "We only hold a banded figure for this."


def test_text_from_a_return_stays_text(batch, tmp_path):
    result = batch.results["durham"]
    hostile = Issue("FGC010", "warning", '=HYPERLINK("http://example.invalid","x") & _x0041_ <b>\x07', "E1",
                    "E Comments", None)
    target = tmp_path / "hostile.xlsx"
    write_annotated_copy(Path(result.file), target, replace(result, issues=[hostile]), checked_on=CHECKED_ON)
    workbook = openpyxl.load_workbook(target)
    row = validation_rows(workbook)[0]
    # Excel reads "_x005F_" as "_" (openpyxl does not), so Excel shows the message as it was,
    # without the control character XML cannot hold, and never as a formula.
    assert row["values"]["What to do"].replace("_x005F_", "_") == hostile.message.replace("\x07", "")
    with zipfile.ZipFile(target) as archive:
        validation_part = next(n for n in archive.namelist() if "fgc_validation" in n)
        assert b"<f>" not in archive.read(validation_part)


def test_a_macro_workbook_is_copied_as_xlsx_without_its_macros(batch, tmp_path):
    source = tmp_path / "Durham.xlsm"
    with zipfile.ZipFile(batch.files["durham"]) as original, zipfile.ZipFile(source, "w") as target:
        for name in original.namelist():
            data = original.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            if name == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/'
                                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            target.writestr(name, data)
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    result = replace(batch.results["durham"], file=str(source))
    written = write_feedback([result], tmp_path / "out", returns={str(source): batch.returns["durham"]})
    copy = next(p for p in written if p.suffix == ".xlsx")
    with zipfile.ZipFile(copy) as archive:
        assert not any("vbaProject" in name for name in archive.namelist())
        assert b"macroEnabled" not in archive.read("[Content_Types].xml")
        assert b"vbaProject" not in archive.read("xl/_rels/workbook.xml.rels")
    workbook = openpyxl.load_workbook(copy)
    assert any("without the macros" in str(c.value) for row in workbook[VALIDATION_SHEET].iter_rows() for c in row)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copy_with_its_notes(batch, tmp_path):
    from tests.support.libreoffice import convert_with_calc

    converted = convert_with_calc(batch.workbook("durham_rows"), tmp_path, "xlsx")
    workbook = openpyxl.load_workbook(converted)
    assert workbook.sheetnames[0] == VALIDATION_SHEET
    for issue in placed(batch.results["durham_rows"]):
        cell = workbook[issue.sheet][issue.cell]
        assert cell.comment is not None and issue.rule in cell.comment.text, issue
    links = [row["link"].location for row in validation_rows(workbook) if row["link"] is not None]
    assert links and all(link.startswith("'") and "!" in link for link in links)


@pytest.mark.libreoffice
def test_a_return_saved_by_calc_with_rows_inserted_gets_its_notes_at_the_moved_cells(batch, tmp_path):
    """The council works in LibreOffice Calc: inserts a row in section B and saves. Calc writes its
    own XML (shared strings, saved formula values); the copy keeps it and marks the moved cells."""
    from fgc_collect.validate import validate_returns
    from tests.support.libreoffice import edit_in_calc

    operations = [
        {"op": "unprotect", "sheet": "B Referrals"},
        {"op": "insert_rows", "sheet": "B Referrals", "before": 8, "count": 1},
    ]
    saved = edit_in_calc(batch.files["durham"], tmp_path / "Durham (Calc).xlsx", operations)
    ret = read_return(saved)
    (result,) = validate_returns([ret], scopes=("cell", "return"))
    fgc101 = next(i for i in result.issues if i.rule == "FGC101")
    assert fgc101.cell == "D17"  # the B3 total row, one row lower than in the template
    written = write_feedback([result], tmp_path / "out", returns={str(saved): ret}, checked_on=CHECKED_ON)
    copy = next(p for p in written if p.suffix == ".xlsx")
    workbook = openpyxl.load_workbook(copy)
    for issue in placed(result):
        assert issue.rule in workbook[issue.sheet][issue.cell].comment.text, issue
    again = read_return(copy)
    assert again.values() == ret.values()
    # Calc saved the values of its formulas; the copy keeps them (the B3 total row adds up to 3 over B2).
    saved_total = openpyxl.load_workbook(saved, data_only=True)["B Referrals"]["D17"].value
    assert saved_total is not None
    assert openpyxl.load_workbook(copy, data_only=True)["B Referrals"]["D17"].value == saved_total
