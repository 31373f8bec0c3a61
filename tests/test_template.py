"""The Excel survey template: what a council sees, and what the reader relies on (layout.py)."""

from __future__ import annotations

import time
import zipfile

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, range_boundaries
from openpyxl.utils.cell import coordinate_from_string

from fgc_collect.reference import find_la, local_authorities
from fgc_collect.spec import load_spec
from fgc_collect.template import (
    TEMPLATE_FILE_NAME,
    build_template,
    committed_template_path,
    fill_template,
    fill_workbook,
    la_file_name,
    layout,
    workbook_bytes,
    write_all_templates,
    write_template,
)
from tests.support.workbooks import load_strictly

SPEC = load_spec()
DURHAM = find_la("E06000047")


@pytest.fixture(scope="module")
def blank_bytes() -> bytes:
    return workbook_bytes(build_template())


@pytest.fixture(scope="module")
def blank(blank_bytes) -> openpyxl.Workbook:
    return load_strictly(blank_bytes)


@pytest.fixture(scope="module")
def durham() -> openpyxl.Workbook:
    return load_strictly(workbook_bytes(build_template(DURHAM)))


def _cell(wb, name):
    ((sheet, reference),) = list(wb.defined_names[name].destinations)
    return wb[sheet][reference.replace("$", "")]


def _validations(ws, coordinate):
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def _range_values(wb, reference):
    sheet, _, cells = reference.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    ws = wb[sheet]
    return sheet, [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


# --------------------------------------------------------------------------- the spec's codes


def test_every_category_code_is_a_string():
    # YAML 1.1 reads unquoted yes/no/y/n as booleans; the codes must stay "YES", "NO", "Y", "N".
    for name, categories in SPEC.category_sets.items():
        for category in categories:
            assert isinstance(category.code, str), (name, category)
            assert isinstance(category.label, str), (name, category)
    for item in SPEC.items:
        for category in item.choices + item.rows:
            assert isinstance(category.code, str), (item.id, category)
    assert [c.code for c in SPEC.category_sets["YESNO"]] == ["Y", "N"]
    assert [c.code for c in SPEC.category_sets["DIS"]][:2] == ["YES", "NO"]


def test_definitions_sheet_lists_every_category_with_its_code(blank):
    ws = blank[layout.DEFINITIONS_SHEET]
    pairs = {(row[0], row[1]) for row in ws.iter_rows(values_only=True, max_col=2)}
    for name, categories in SPEC.category_sets.items():
        assert any(code == name for code, _ in pairs), name
        for category in categories:
            assert (category.code, category.label) in pairs, (name, category)
    for item in SPEC.items:
        for choice in item.choices:
            assert (choice.code, choice.label) in pairs, item.id
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for phrase in ("Blank means", "0 means", "families", "<5", "children"):
        assert phrase in text


# --------------------------------------------------------------------------- sheets


def test_sheets_are_named_as_the_spec_says(blank):
    assert blank.sheetnames == [
        layout.COVER_SHEET,
        *[section.sheet for section in SPEC.sections],
        layout.DEFINITIONS_SHEET,
        layout.LISTS_SHEET,
        layout.META_SHEET,
    ]
    assert blank.sheetnames[1:6] == ["A Service", "B Referrals", "C Offer and consent", "D FGCs held", "E Comments"]
    assert blank[layout.LISTS_SHEET].sheet_state == "hidden"
    assert blank[layout.META_SHEET].sheet_state == "veryHidden"
    for name in blank.sheetnames[:7]:
        assert blank[name].sheet_state == "visible"
    assert blank.active.title == layout.COVER_SHEET


def test_cover_says_what_when_and_how(blank, durham):
    text = " ".join(str(v) for row in blank[layout.COVER_SHEET].iter_rows(values_only=True) for v in row if v)
    for phrase in ("1 April 2023 to 31 March 2024", "4 April 2025", "Email the completed workbook",
                   "Do not rename", ".xlsx", "example.org", "Pale yellow", "Grey", "Pale blue"):
        assert phrase in text, phrase
    durham_text = " ".join(
        str(v) for row in durham[layout.COVER_SHEET].iter_rows(values_only=True) for v in row if v
    )
    assert "County Durham (E06000047)" in durham_text
    assert "County Durham" not in text


def test_meta_sheet_has_every_key(blank, durham):
    for wb, la_code, la_name in ((blank, None, None), (durham, "E06000047", "County Durham")):
        ws = wb[layout.META_SHEET]
        meta = {row[0]: row[1] for row in ws.iter_rows(min_col=1, max_col=2, values_only=True)}
        assert tuple(meta) == layout.META_KEYS
        assert meta["collection"] == SPEC.collection_id == "fgc-survey"
        assert meta["level"] == "aggregate"
        assert meta["year"] == "2023-24"
        assert meta["template_version"] == SPEC.template_version
        assert meta["la_code"] == la_code
        assert meta["la_name"] == la_name


def test_section_sheet_headings_and_frozen_panes(blank):
    for section in SPEC.sections:
        ws = blank[section.sheet]
        assert ws.cell(layout.HEADER_ROW, layout.ITEM_ID_COLUMN).value == layout.ITEM_ID_HEADER
        assert ws.cell(layout.HEADER_ROW, layout.QUESTION_COLUMN).value == "Question"
        assert ws.cell(layout.HEADER_ROW, layout.CATEGORY_COLUMN).value == "Category"
        assert ws.cell(layout.HEADER_ROW, layout.ANSWER_COLUMN).value == layout.ANSWER_HEADER
        assert ws.cell(layout.HEADER_ROW, layout.CHECK_COLUMN).value == "Check"
        assert section.code in ws["A1"].value and section.title in ws["A1"].value
        assert ws["A2"].value
        assert ws.freeze_panes == f"A{layout.HEADER_ROW + 1}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows
        assert not [str(r) for r in ws.merged_cells.ranges if range_boundaries(str(r))[0] <= 4]


# --------------------------------------------------------------------------- input cells


def test_every_input_cell_has_its_defined_name_on_the_right_row(blank):
    for section in SPEC.sections:
        for item in section.items:
            for cell in item.cells:
                name = blank.defined_names[cell.defined_name]
                ((sheet, reference),) = list(name.destinations)
                assert sheet == section.sheet
                assert reference.startswith("$") and reference.count("$") == 2, reference
                assert f"'{section.sheet}'!" in name.attr_text
                column, row = coordinate_from_string(reference.replace("$", ""))
                assert column_index_from_string(column) == layout.ANSWER_COLUMN
                ws = blank[sheet]
                assert ws.cell(row, layout.ITEM_ID_COLUMN).value == cell.id
                if cell.category is not None:
                    assert ws.cell(row, layout.CATEGORY_COLUMN).value == cell.category.label
    names = {name for name in blank.defined_names if name.startswith(layout.INPUT_NAME_PREFIX)}
    assert names == {cell.defined_name for cell in SPEC.input_cells}
    assert "Q_B3_U1" in names and "Q_A8_PLO" in names


def test_breakdowns_end_in_a_locked_total_row(blank):
    for item in SPEC.breakdowns:
        total = _cell(blank, layout.TOTAL_NAME_PREFIX + item.id)
        ws = total.parent
        rows = [_cell(blank, cell.defined_name).row for cell in item.cells]
        assert rows == list(range(rows[0], rows[0] + len(rows)))
        assert total.row == rows[-1] + 1 and total.column == layout.ANSWER_COLUMN
        assert ws.cell(total.row, layout.ITEM_ID_COLUMN).value == item.id
        assert total.value == f"=SUM(D{rows[0]}:D{rows[-1]})"
        assert total.protection.locked
        label = ws.cell(total.row, layout.QUESTION_COLUMN).value
        assert label.startswith("Total of the categories above") and item.total in label
        check = ws.cell(total.row, layout.CHECK_COLUMN).value
        assert check.startswith("=IF(COUNT(") and f"Does not add up to {item.total}" in check
        assert ws.cell(rows[0], layout.QUESTION_COLUMN).value == item.label


def test_count_cells_take_whole_numbers_of_zero_or_more(blank):
    counts = [cell for cell in SPEC.input_cells if cell.kind == "count"]
    assert len(counts) > 100
    for cell in counts:
        target = _cell(blank, cell.defined_name)
        (dv,) = _validations(target.parent, target.coordinate)
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        assert dv.allow_blank and dv.showErrorMessage and dv.error and dv.showInputMessage
        assert dv.promptTitle and len(dv.promptTitle) <= 32 and dv.prompt and len(dv.prompt) <= 255


def test_choice_cells_drop_down_the_labels_from_the_lists_sheet(blank):
    choices = [cell for cell in SPEC.input_cells if cell.kind == "choice"]
    assert {cell.id for cell in choices} >= {"A5", "A6", "A8_PLO", "A12_SELF", "A13"}
    for cell in choices:
        target = _cell(blank, cell.defined_name)
        (dv,) = _validations(target.parent, target.coordinate)
        assert dv.type == "list"
        assert "," not in dv.formula1.split("!")[-1]  # a range, never an inline list
        sheet, values = _range_values(blank, dv.formula1)
        assert sheet == layout.LISTS_SHEET
        assert values == [choice.label for choice in cell.choices]


def test_other_validations(blank):
    a10 = _cell(blank, "Q_A10")
    (dv,) = _validations(a10.parent, a10.coordinate)
    assert (dv.type, dv.operator, float(dv.formula1), float(dv.formula2)) == ("decimal", "between", 0, 500)
    for cell_id in ("A14", "A15", "E1"):
        target = _cell(blank, "Q_" + cell_id)
        (dv,) = _validations(target.parent, target.coordinate)
        assert (dv.type, dv.operator, int(dv.formula1)) == ("textLength", "lessThanOrEqual", SPEC.item(cell_id).max_chars)
        assert target.alignment.wrap_text
        assert target.parent.row_dimensions[target.row].height >= 60


def test_only_input_cells_are_unlocked_and_sheets_are_protected_without_password(blank):
    inputs = {(s, r.replace("$", "")) for n in SPEC.input_cells for s, r in blank.defined_names[n.defined_name].destinations}
    for ws in blank.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password and not ws.protection.hashValue, ws.title
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=max(ws.max_column, 6)):
            for cell in row:
                expected_locked = (ws.title, cell.coordinate) not in inputs
                assert cell.protection.locked == expected_locked, (ws.title, cell.coordinate)
    b1 = _cell(blank, "Q_B1")
    assert b1.fill.fgColor.rgb.endswith("FFF2CC")
    assert b1.border.left.style == "thin"


def test_blank_template_leaves_a1_and_a2_to_fill_in(blank):
    for name in ("Q_A1", "Q_A2"):
        cell = _cell(blank, name)
        assert cell.value is None and not cell.protection.locked


def test_prefilled_template_locks_the_la(durham):
    a1, a2 = _cell(durham, "Q_A1"), _cell(durham, "Q_A2")
    assert (a1.value, a2.value) == ("County Durham", "E06000047")
    assert a1.protection.locked and a2.protection.locked
    assert a1.fill.fgColor.rgb.endswith("E7E6E6")
    assert not _cell(durham, "Q_A3").protection.locked
    assert _cell(durham, "Q_A3").value is None


def test_in_sheet_checks(blank):
    ws = blank["C Offer and consent"]
    plo = _cell(blank, "Q_C1_PLO")
    c1 = _cell(blank, "Q_C1")
    check = ws.cell(plo.row, layout.CHECK_COLUMN).value
    assert "Must not exceed C1" in check and c1.coordinate in check
    for ws in blank.worksheets[1:6]:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and value.startswith("="):
                    assert "_xlfn" not in value and "LET(" not in value and "FILTER(" not in value


# --------------------------------------------------------------------------- files


def test_write_template_is_reproducible_and_is_the_committed_file(tmp_path, blank_bytes):
    first = write_template(tmp_path / "one.xlsx")
    second = write_template(tmp_path / "two.xlsx")
    assert first.read_bytes() == second.read_bytes() == blank_bytes
    committed = committed_template_path()
    assert committed.name == TEMPLATE_FILE_NAME and committed.parent.name == "templates"
    assert committed.read_bytes() == blank_bytes, "regenerate it: python -m fgc_collect.template"
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        assert b"2025-01-01T00:00:00Z" in archive.read("docProps/core.xml")
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_all_templates_one_per_la(tmp_path):
    started = time.perf_counter()
    paths = write_all_templates(tmp_path)
    elapsed = time.perf_counter() - started
    assert len(paths) == len(local_authorities()) == 153
    assert len({path.name for path in paths}) == 153
    assert tmp_path / "fgc_return_2023_24_E06000047_County_Durham.xlsx" in paths
    assert sorted(tmp_path.iterdir()) == sorted(paths)
    assert elapsed < 10, elapsed
    # Each file is what write_template gives for that LA.
    for la in (DURHAM, local_authorities()[0], local_authorities()[-1]):
        path = tmp_path / la_file_name(la)
        assert path.read_bytes() == workbook_bytes(build_template(la))
    wb = load_strictly((tmp_path / la_file_name(local_authorities()[-1])).read_bytes())
    assert _cell(wb, "Q_A2").value == local_authorities()[-1].code


def test_fill_workbook_writes_through_the_defined_names(tmp_path):
    wb = build_template()
    fill_workbook(wb, {"B1": 12, "B3_U1": 4, "A5": "Yes", "Q_E1": "Nothing to add"})
    assert _cell(wb, "Q_B1").value == 12
    assert _cell(wb, "Q_B3_U1").value == 4
    assert _cell(wb, "Q_A5").value == "Yes"
    assert _cell(wb, "Q_E1").value == "Nothing to add"
    with pytest.raises(KeyError, match="B99.*SUM_B3|SUM_B3.*B99"):
        fill_workbook(wb, {"B2": 5, "B99": 1, "SUM_B3": 3})
    assert _cell(wb, "Q_B2").value is None  # nothing written when an id is unknown

    path = fill_template({"B1": 7, "A3": "Jo Bloggs"}, tmp_path / "return.xlsx", la=DURHAM)
    loaded = load_strictly(path.read_bytes())
    assert _cell(loaded, "Q_B1").value == 7
    assert _cell(loaded, "Q_A1").value == "County Durham"
    assert _cell(loaded, "Q_A3").value == "Jo Bloggs"
