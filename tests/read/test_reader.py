"""Reading real returns made from the template: by defined name, by the item-id column when the
names are gone, and after LibreOffice Calc has typed values, inserted a row and saved."""

import openpyxl
import pytest

from fgc_collect.demo.synthetic import demo_returns
from fgc_collect.read import read_return
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.template import cell_positions, fill_template, write_template
from tests.support.libreoffice import edit_in_calc

DURHAM = find_la("E06000047")


@pytest.fixture(scope="module")
def durham_values():
    returns, _ = demo_returns()
    return next(ret.values for ret in returns if ret.la.code == DURHAM.code)


def expected_value(raw):
    return float(raw) if isinstance(raw, (int, float)) else raw


def test_every_value_is_read_at_its_named_cell(tmp_path, durham_values):
    path = fill_template(durham_values, tmp_path / "Durham FGC return FINAL.xlsx", la=DURHAM)
    ret = read_return(path)
    values = ret.values()
    spec = load_spec()
    positions = cell_positions(spec)
    for cell in spec.input_cells:
        raw = durham_values.get(cell.id)
        if cell.kind == "choice" and raw is not None:
            assert values[cell.id] == cell.choice_code(raw), cell.id
        else:
            assert values[cell.id] == expected_value(raw), cell.id
        location = ret.location(cell.id)
        assert (location.sheet, location.cell) == positions[cell.id]
        assert location.located_by == "name"
    assert ret.metadata["la_code"] == "E06000047"
    assert ret.metadata["template_version"] == spec.template_version
    assert ret.location("B3").cell == "D16"  # the breakdown's total row, where a council looks


def test_numbers_typed_as_text_and_markers_are_kept_as_typed(tmp_path, durham_values):
    path = fill_template({**durham_values, "B1": " 1,234 ", "D10_SAFETY": "<5"}, tmp_path / "r.xlsx", la=DURHAM)
    ret = read_return(path)
    b1, safety = ret.row("B1"), ret.row("D10_SAFETY")
    assert (b1["raw_text"], b1["number"], b1["number_from_text"]) == (" 1,234 ", 1234.0, True)
    assert (safety["raw_text"], safety["number"], safety["suppressed"]) == ("<5", None, True)


def test_without_defined_names_the_item_id_column_finds_the_cells(tmp_path, durham_values):
    path = fill_template(durham_values, tmp_path / "r.xlsx", la=DURHAM)
    workbook = openpyxl.load_workbook(path)
    for name in list(workbook.defined_names):
        del workbook.defined_names[name]
    sheet = workbook["B Referrals"]
    sheet.insert_rows(6, 2)  # openpyxl moves cells but not names: exactly the case names cannot help
    workbook.save(path)
    ret = read_return(path)
    assert ret.row("B1")["located_by"] == "item_id_column"
    assert ret.values()["B1"] == float(durham_values["B1"])
    assert ret.values()["B3_U1"] == float(durham_values["B3_U1"])
    assert ret.location("B3_U1").cell == "D12"  # row 10 in the template, 2 rows inserted above


def test_a_workbook_that_is_not_a_return_is_unreadable(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Quarterly budget"
    workbook.save(tmp_path / "budget.xlsx")
    from fgc_collect.model import UnreadableReturn

    with pytest.raises(UnreadableReturn, match="not an FGC survey return"):
        read_return(tmp_path / "budget.xlsx")


@pytest.mark.libreoffice
def test_calc_typed_values_and_an_inserted_row_are_read_at_the_moved_cells(tmp_path, durham_values):
    """A council opens its prefilled template in LibreOffice Calc, types its figures, inserts a
    row in section B, and saves as .xlsx: every value is read and every cell named is the moved one."""
    template = write_template(tmp_path / "template.xlsx", la=DURHAM)
    spec = load_spec()
    positions = cell_positions(spec)
    typed = {cell_id: value for cell_id, value in durham_values.items() if cell_id not in ("A1", "A2") and value is not None}
    typed["B3_5TO9"] = int(typed["B3_5TO9"]) + 3  # a breakdown that no longer adds up
    operations = [
        {"op": "type", "sheet": positions[cell_id][0], "cell": positions[cell_id][1], "text": str(value)}
        for cell_id, value in typed.items()
    ]
    # Inserting a row needs the sheet unprotected first (no password), as in Excel.
    operations.append({"op": "unprotect", "sheet": "B Referrals"})
    operations.append({"op": "insert_rows", "sheet": "B Referrals", "before": 8, "count": 1})
    saved = edit_in_calc(template, tmp_path / "Durham return (saved in Calc).xlsx", operations)

    ret = read_return(saved)
    values = ret.values()
    for cell_id, value in typed.items():
        cell = spec.input_cell(cell_id)
        expected = cell.choice_code(value) if cell.kind == "choice" else expected_value(value)
        if cell.kind in ("count", "decimal"):
            expected = float(value)
        assert values[cell_id] == expected, cell_id
    # Rows from 8 down in section B moved one row; other sheets did not.
    assert ret.location("B1").cell == "D5"
    assert ret.location("B3_U1").cell == "D11"
    assert ret.location("B3").cell == "D17"
    assert ret.location("C1").cell == positions["C1"][1]
    assert ret.row("B3_U1")["located_by"] == "name"

    from fgc_collect.validate import validate_returns

    (result,) = validate_returns([ret])
    fgc101 = [issue for issue in result.issues if issue.rule == "FGC101"]
    assert [(issue.item, issue.sheet, issue.cell) for issue in fgc101] == [("B3", "B Referrals", "D17")]
