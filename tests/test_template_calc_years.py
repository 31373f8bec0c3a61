"""A 2024-25 return filled in LibreOffice Calc: clean, it validates with no error and the workbook
finds nothing to fix (FGC_CHECKS 0); with C12 + C13 above C11, validate and the workbook both say
FGC113. (Two Calc runs: each costs seconds.)"""

from __future__ import annotations

import openpyxl
import pytest

from fgc_collect.read import read_return
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.survey import Survey
from fgc_collect.template import build_template, cell_positions, fill_template, layout, save_workbook
from fgc_collect.validate import validate_returns
from tests.support.libreoffice import edit_in_calc
from tests.validate.returns import CLEAN

pytestmark = pytest.mark.libreoffice

SPEC = load_spec("2024-25")
POSITIONS = cell_positions(SPEC)
DURHAM = find_la("E06000047")
CLEAN_2024_25 = {key: value for key, value in CLEAN.items() if key != "A10"} | {"C11": 12, "C12": 8, "C13": 2, "B8_POLICE": 0}
CLEAN_2024_25 |= {cell.id: "Y" for cell in SPEC.item("A16").cells}


def _typed(values: dict) -> list[dict]:
    """Calc's operations typing the answers as a council would: the drop-down's labels, A1 and A2 prefilled."""
    ops = []
    for cell_id, value in values.items():
        if cell_id in ("A1", "A2") or value is None:
            continue
        cell = SPEC.input_cell(cell_id)
        if cell.kind == "choice":
            value = next(choice.label for choice in cell.choices if choice.code == value)
        sheet, reference = POSITIONS[cell_id]
        ops.append({"op": "type", "sheet": sheet, "cell": reference, "text": str(value)})
    return ops


def _in_calc(tmp_path, values):
    template = save_workbook(build_template(DURHAM, SPEC, Survey()), tmp_path / "template.xlsx")
    return edit_in_calc(template, tmp_path / "FGC return County Durham 2024-25.xlsx", _typed(values))


def _workbook_says(path):
    """FGC_CHECKS and the Check column of C12's row, as Calc saved them."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ((sheet, reference),) = wb.defined_names["FGC_CHECKS"].destinations
    sheet_c12, cell_c12 = POSITIONS["C12"]
    row = int(cell_c12[1:])
    return wb[sheet][reference.replace("$", "")].value, wb[sheet_c12].cell(row, layout.CHECK_COLUMN).value


def test_a_clean_2024_25_return_filled_in_calc_validates_with_no_error(tmp_path):
    path = _in_calc(tmp_path, CLEAN_2024_25)
    ret = read_return(path)
    assert ret.spec.year == "2024-25" and ret.values()["C13"] == 2
    (result,) = validate_returns([ret], spec=ret.spec, engine="polars")
    assert [issue for issue in result.issues if issue.severity == "error"] == []
    count, _ = _workbook_says(path)
    assert count == 0


def test_the_fgdm_duty_checks_in_validate_and_in_calc(tmp_path):
    path = _in_calc(tmp_path, CLEAN_2024_25 | {"C12": 9, "C13": 4})  # 13 families of 12
    ret = read_return(path)
    (result,) = validate_returns([ret], spec=ret.spec, engine="polars")
    (fgc113,) = [issue for issue in result.issues if issue.rule == "FGC113"]
    assert fgc113.severity == "error" and fgc113.cell == POSITIONS["C12"][1]
    count, shown = _workbook_says(path)
    assert count == 1 and shown == fgc113.message  # the workbook's words are validate's
    # C11 above 0 with C12 and C13 both blank: FGC114 (a warning, for validate: a blank is allowed in the workbook)
    blank = fill_template(CLEAN_2024_25 | {"C12": None, "C13": None}, tmp_path / "blank duty.xlsx", spec=SPEC)
    (result,) = validate_returns([read_return(blank)], spec=SPEC, engine="polars")
    (fgc114,) = [issue for issue in result.issues if issue.rule == "FGC114"]
    assert fgc114.severity == "warning" and "are blank although C11" in fgc114.message
