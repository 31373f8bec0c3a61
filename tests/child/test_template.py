"""The child-level template: what a council sees, and what the reader relies on."""

from __future__ import annotations


import openpyxl
import pytest

from fgc_collect.child import layout
from fgc_collect.child.read import read_child_return
from fgc_collect.child.template import (
    CHILD_TEMPLATE_VERSION,
    build_child_template,
    child_file_name,
    fill_child_template,
    write_child_template,
)
from fgc_collect.reference import find_la
from fgc_collect.template import workbook_bytes
from tests.child.rows import COLUMNS, SPEC, row
from tests.support.workbooks import load_strictly

DURHAM = find_la("E06000047")


@pytest.fixture(scope="module")
def blank():
    return load_strictly(workbook_bytes(build_child_template()))


@pytest.fixture(scope="module")
def durham():
    return load_strictly(workbook_bytes(build_child_template(DURHAM)))


def test_sheets_in_order_with_the_lists_hidden_and_the_metadata_very_hidden(blank):
    assert blank.sheetnames == ["Cover", "Children", "Codes", "_lists", "_meta"]
    assert blank["_lists"].sheet_state == "hidden" and blank["_meta"].sheet_state == "veryHidden"
    assert blank["Children"].sheet_state == "visible"


def test_the_children_sheet_has_the_column_ids_as_headers_and_nothing_below(blank):
    sheet = blank["Children"]
    assert [cell.value for cell in sheet[1]] == COLUMNS
    assert sheet.max_row == 1  # formats and checks are on columns and ranges: no cells to read
    assert sheet.freeze_panes == "A2"
    assert not sheet.protection.sheet  # councils paste their system's report in


def test_every_column_has_its_check_over_the_prefilled_range(blank):
    sheet = blank["Children"]
    last = layout.FIRST_DATA_ROW + layout.PREFILLED_ROWS - 1
    by_range = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    for index, column in enumerate(SPEC.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        validation = by_range[f"{letter}2:{letter}{last}"]
        expected = {"choice": "list", "date": "date", "count": "whole", "year_month": "textLength",
                    "text": "textLength"}[column.type]
        assert validation.type == expected, column.id
        assert validation.promptTitle == column.id
    assert last >= 20_000


def test_dropdowns_point_at_the_codes_on_the_lists_sheet(blank):
    sheet = blank["Children"]
    lists = blank["_lists"]
    consent = next(v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith("M2:"))
    assert consent.formula1.startswith("'_lists'!$") or consent.formula1.startswith("_lists!$")
    column = consent.formula1.split("!$")[1].split("$")[0]
    codes = [lists[f"{column}{r}"].value for r in range(2, 6)]
    assert codes == ["Y", "N", "P", "X"]  # strings, never the booleans YAML would make of them


def test_the_codes_sheet_lists_every_code_with_its_label(blank):
    sheet = blank["Codes"]
    rows = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] and r[1] and r[0] != "Column"}
    assert rows[("ethnicity", "CHNE")] == "Chinese"
    assert rows[("consent", "P")] == "Pending at 31 March 2024"
    assert rows[("status_at_referral", "PLO")] == "Pre-proceedings (Public Law Outline)"
    chinese = next(r for r in sheet.iter_rows(values_only=True) if r[:2] == ("ethnicity", "CHNE"))
    assert chinese[3] == "Asian or Asian British (including Chinese)"
    for column in SPEC.columns:
        for choice in column.choices:
            assert (column.id, choice.code) in rows


def test_metadata_says_child_level(blank, durham):
    def meta(workbook):
        return {key: value for key, value in workbook["_meta"].iter_rows(values_only=True)}

    assert meta(blank) == {"collection": "fgc-survey", "level": "child", "year": "2023-24",
                           "template_version": CHILD_TEMPLATE_VERSION, "la_code": None, "la_name": None}
    assert meta(durham)["la_code"] == "E06000047" and meta(durham)["la_name"] == "County Durham"


def test_prefilled_for_an_la_the_cover_names_it_and_locks_it(blank, durham):
    def cover_lines(workbook):
        return {r[0]: r[1] for r in workbook["Cover"].iter_rows(values_only=True) if r[0]}

    assert cover_lines(durham)["Local authority"] == "County Durham"
    assert cover_lines(durham)["Local authority code"] == "E06000047"
    assert cover_lines(blank)["Local authority code"] is None
    code_cell = next(r[1] for r in blank["Cover"].iter_rows() if r[0].value == "Local authority code")
    assert code_cell.protection.locked is False and blank["Cover"].protection.sheet
    code_cell = next(r[1] for r in durham["Cover"].iter_rows() if r[0].value == "Local authority code")
    assert code_cell.protection.locked is True


def test_the_cover_describes_every_column_and_forbids_personal_data(blank):
    text = " ".join(str(v) for r in blank["Cover"].iter_rows(values_only=True) for v in r if v)
    for column in COLUMNS:
        assert column in text
    assert "Never put a name, an NHS number, an address or a date of birth" in text
    assert "la_code" in text


def test_the_same_inputs_give_the_same_bytes(tmp_path):
    first = write_child_template(tmp_path / "a.xlsx", DURHAM).read_bytes()
    second = write_child_template(tmp_path / "b.xlsx", DURHAM).read_bytes()
    assert first == second
    assert write_child_template(tmp_path / "c.xlsx").read_bytes() != first


def test_file_names():
    assert child_file_name() == "fgc_child_return_2023_24.xlsx"
    assert child_file_name(DURHAM) == "fgc_child_return_2023_24_E06000047_County_Durham.xlsx"


def test_a_filled_template_reads_back(tmp_path):
    path = fill_child_template([row(child_id="A"), row(child_id="B")], tmp_path / "filled.xlsx", la=DURHAM)
    ret = read_child_return(path)
    assert ret.rows.height == 2 and ret.la_code == "E06000047"
