"""Reading child-level returns: CSV and workbooks, which LA, where each value was, what cannot be read."""

from __future__ import annotations

from datetime import date

import openpyxl
import polars as pl
import pytest

from fgc_collect.child.read import from_stored_bytes, is_child_file, read_child_return
from fgc_collect.child.rules import child_rule_issues
from fgc_collect.child.template import fill_child_template, write_child_template
from fgc_collect.model import UnreadableReturn
from fgc_collect.reference import find_la
from tests.child.rows import COLUMNS, csv_text, row, write_csv

DURHAM = find_la("E06000047")


def unreadable(path, **options) -> str:
    with pytest.raises(UnreadableReturn) as caught:
        read_child_return(path, **options)
    return str(caught.value)


# --------------------------------------------------------------------------- which LA


def test_a_csv_names_its_la_in_a_la_code_column(tmp_path):
    ret = read_child_return(write_csv(tmp_path / "r.csv", [row()]))
    assert (ret.la_code, ret.la_name, ret.la_source) == ("E06000047", "County Durham", "its la_code column")
    assert ret.metadata["level"] == "child" and ret.sheet is None and ret.is_csv


def test_a_csv_without_la_code_needs_la(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row()], la_code=None)
    assert unreadable(path) == ("r.csv does not say which local authority it is from: add a column la_code "
                                "with the LA's code on every row, or give --la CODE.")
    assert read_child_return(path, la="840").la_code == "E06000047"  # the 3-digit code will do


def test_the_la_given_must_agree_with_the_file(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row()])
    assert unreadable(path, la="E08000021") == (
        "r.csv: its la_code column says County Durham (E06000047) but --la says Newcastle upon Tyne "
        "(E08000021); which LA is it from?")


def test_one_file_one_la(tmp_path):
    text = csv_text([row(), row(child_id="B")]).replace("E06000047\n", "E08000021\n", 1)
    path = tmp_path / "two.csv"
    path.write_text(text)
    assert "names more than one local authority in its la_code column (E06000047, E08000021)" in unreadable(path)


def test_an_out_of_date_la_code_names_its_successors(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row()], la_code="E10000006")
    message = unreadable(path)
    assert "'E10000006' (from its la_code column) is not the code of one of England's 153 local authorities" in message
    assert "Cumberland" in message and "Westmorland and Furness" in message


def test_a_blank_template_takes_its_la_from_the_cover_sheet(tmp_path):
    path = write_child_template(tmp_path / "blank.xlsx")
    assert "fill in the local authority code on its Cover sheet, or give --la" in unreadable(path)
    workbook = openpyxl.load_workbook(path)
    cover = workbook["Cover"]
    for cells in cover.iter_rows():
        if cells[0].value == "Local authority code":
            cells[1].value = "E06000047"
    workbook.save(path)
    ret = read_child_return(path)
    assert (ret.la_code, ret.la_source, ret.rows.height) == ("E06000047", "the cover sheet", 0)


# --------------------------------------------------------------------------- workbooks


def test_a_filled_template_is_read_with_its_metadata_and_rows(tmp_path):
    values = [{**row(child_id="A"), "referral_date": date(2023, 5, 1), "birth_month": date(2015, 3, 1)},
              {**row(child_id=1234567, family_id=7654321), "review_fgcs": 2}]
    path = fill_child_template(values, tmp_path / "durham.xlsx", la=DURHAM)
    assert is_child_file(path)
    ret = read_child_return(path)
    assert ret.metadata["template_version"] == "2023-24.child.1" and ret.la_source == "the template"
    assert (ret.sheet, ret.header_row, ret.columns["consent"]) == ("Children", 1, "M")
    assert ret.rows.get_column("row").to_list() == [2, 3]
    typed = ret.typed
    assert typed.get_column("referral_date").to_list() == [date(2023, 5, 1)] * 2
    assert typed.get_column("birth_month").to_list() == [date(2015, 3, 1)] * 2  # a date cell: its month
    assert typed.get_column("review_fgcs").to_list() == [None, 2]
    assert child_rule_issues(ret) == []


def test_rows_and_columns_moved_by_the_council_are_still_found_where_they_are(tmp_path):
    """A council's own workbook: a title, the header on row 4 starting in column B, a blank row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "FGC children"
    sheet["C1"] = "FGC referrals 2023-24 (export from the case management system)"
    for index, column in enumerate(COLUMNS + ["la_code"], start=2):
        sheet.cell(4, index, column)
    records = [row(child_id="A"), None, row(child_id="B", consent="Maybe")]
    for offset, record in enumerate(records, start=5):
        if record is None:
            continue
        for index, column in enumerate(COLUMNS, start=2):
            sheet.cell(offset, index, record[column] or None)
        sheet.cell(offset, len(COLUMNS) + 2, "E06000047")
    path = tmp_path / "own.xlsx"
    workbook.save(path)
    assert is_child_file(path)  # no Children sheet, no metadata: found by its header row
    ret = read_child_return(path)
    assert (ret.sheet, ret.header_row, ret.columns["child_id"]) == ("FGC children", 4, "B")
    [issue] = child_rule_issues(ret)
    assert (issue.sheet, issue.cell) == ("FGC children", "N7")
    assert issue.message.startswith("Row 7, consent:")


def test_an_aggregate_return_is_not_read_as_a_child_level_one(tmp_path):
    from fgc_collect.template import write_template

    path = write_template(tmp_path / "aggregate.xlsx", DURHAM)
    assert is_child_file(path) is False
    assert unreadable(path) == "aggregate.xlsx is an aggregate return (the template's sections A to E), not a child-level return."


@pytest.mark.parametrize("content, message", [
    (b"", "empty.xlsx is empty (0 bytes)."),
    (b"PK\x03\x04 not really a zip", "empty.xlsx is not an Excel workbook: its contents are not a spreadsheet or are damaged."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"),
     "empty.xlsx is encrypted (password-protected); ask the council for the password or an unprotected copy."),
])
def test_files_that_are_not_returns_get_one_sentence(tmp_path, content, message):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(content)
    assert unreadable(path) == message


def test_a_spreadsheet_without_the_header_row_says_what_is_missing(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Name"
    workbook.active["A2"] = "A child"
    workbook.save(tmp_path / "other.xlsx")
    assert "has no sheet with a header row of the column ids (child_id, family_id, ...)" in unreadable(tmp_path / "other.xlsx")


# --------------------------------------------------------------------------- CSV as councils export it


def test_csv_with_a_bom_semicolons_and_windows_line_ends(tmp_path):
    text = csv_text([row(), row(child_id="B")]).replace(",", ";").replace("\n", "\r\n")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ret = read_child_return(path)
    assert ret.rows.height == 2 and child_rule_issues(ret) == []


def test_csv_saved_by_excel_in_windows_1252_is_read(tmp_path):
    text = csv_text([row(child_id="Chloé-1")])
    path = tmp_path / "ansi.csv"
    path.write_bytes(text.encode("cp1252"))
    ret = read_child_return(path)
    again = read_child_return(write_csv(tmp_path / "utf8.csv", [row(child_id="Chloé-1")]))
    assert ret.rows.get_column("child_id").to_list() == again.rows.get_column("child_id").to_list()


def test_blank_lines_are_skipped_but_counted(tmp_path):
    text = csv_text([row(child_id="A"), row(child_id="B", consent="Maybe")])
    lines = text.split("\n")
    path = tmp_path / "gaps.csv"
    path.write_text("\n".join([lines[0], lines[1], "", ",,,,", lines[2]]) + "\n")
    ret = read_child_return(path)
    assert ret.rows.get_column("line").to_list() == [2, 5]
    [issue] = child_rule_issues(ret)
    assert issue.message.startswith("Line 5, consent:") and issue.cell == "M5"


def test_a_birth_month_given_as_a_full_date_loses_its_day_on_arrival(tmp_path):
    given = ["2015-03-17", "17/03/2015", "7.3.2015", "2015-03-17 00:00:00"]
    rows = [row(child_id=f"C{n}", birth_month=value) for n, value in enumerate(given)]
    ret = read_child_return(write_csv(tmp_path / "r.csv", rows))
    assert ret.rows.get_column("birth_month").to_list() == ["2015-03"] * 4
    stored = from_stored_bytes(ret.to_stored_bytes()).rows.write_csv()
    assert not any(value in stored for value in given)
    assert child_rule_issues(ret) == []


# --------------------------------------------------------------------------- the stored form


def test_the_stored_form_round_trips_and_is_reproducible(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row(child_id="A"), row(child_id="B", consent="Maybe")])
    key = bytes(range(32))
    first, second = read_child_return(path, key=key), read_child_return(path, key=key)
    data = first.to_stored_bytes()
    assert data == second.to_stored_bytes()
    back = from_stored_bytes(data)
    assert back.rows.equals(first.rows)
    assert (back.la_code, back.columns, back.sha256, back.key_id) == (first.la_code, first.columns, first.sha256, first.key_id)
    assert child_rule_issues(back) == child_rule_issues(first)


def test_unknown_columns_are_dropped_on_arrival(tmp_path):
    text = csv_text([row()]).replace("la_code\n", "la_code,worker_notes\n", 1).replace("E06000047\n", "E06000047,Mum is Jane Doe\n")
    path = tmp_path / "notes.csv"
    path.write_text(text)
    ret = read_child_return(path)
    assert "worker_notes" not in ret.rows.columns
    assert b"Jane Doe" not in ret.to_stored_bytes()
    assert ret.unknown_columns == (("worker_notes", "W"),)


def test_rows_are_read_column_by_column_not_cell_by_cell(tmp_path):
    """Not a benchmark (benchmarks/child_level.py is): a guard against a cell-by-cell loop."""
    import time

    rows = pl.DataFrame([row(child_id=f"C{n}", family_id=f"F{n // 2}") for n in range(5000)])
    path = tmp_path / "5000.csv"
    rows.with_columns(pl.lit("E06000047").alias("la_code")).write_csv(path)
    start = time.perf_counter()
    ret = read_child_return(path)
    assert ret.rows.height == 5000
    assert time.perf_counter() - start < 5


@pytest.mark.libreoffice
@pytest.mark.parametrize("to", ["ods", "xls:MS Excel 97"])
def test_a_return_saved_as_ods_or_xls_by_calc_reads_the_same(tmp_path, to):
    from tests.support.libreoffice import convert_with_calc

    values = [{**row(child_id="A"), "referral_date": date(2023, 5, 1)}, row(child_id="B", consent="Maybe")]
    source = fill_child_template(values, tmp_path / "durham.xlsx", la=DURHAM)
    converted = convert_with_calc(source, tmp_path, to)
    key = bytes(32)
    original, saved = read_child_return(source, key=key), read_child_return(converted, key=key)
    assert saved.source_format == converted.suffix.lstrip(".") and saved.la_code == "E06000047"
    assert saved.typed.select("child_id", "referral_date", "consent").equals(
        original.typed.select("child_id", "referral_date", "consent"))
    assert [(i.rule, i.cell) for i in child_rule_issues(saved)] == [("FGC302", "M3")]
