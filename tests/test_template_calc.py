"""The workbook checks itself, as a council sees it in LibreOffice Calc: each mistake shows in the row
of its item with the words `validate` gives, and the cover counts them (FGC_CHECKS)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from fgc_collect.read import read_return
from fgc_collect.read.aggregate import ITEM_ID_SCAN_COLUMNS
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.survey import Survey
from fgc_collect.template import build_template, cell_positions, layout, save_workbook
from fgc_collect.template.checks import CHECK_ADDS_UP, CHECK_OK, WORKBOOK_RULES
from fgc_collect.validate import validate_returns
from tests.support.libreoffice import edit_in_calc
from tests.validate.returns import CLEAN

pytestmark = pytest.mark.libreoffice

SPEC = load_spec()
DURHAM = find_la("E06000047")
POSITIONS = cell_positions(SPEC)


def _as_a_council_types(values: dict[str, object]) -> dict[str, object]:
    """CLEAN (a complete, consistent return) with the drop-down's labels instead of codes; A1 and A2
    are prefilled."""
    typed = {}
    for cell_id, value in values.items():
        if cell_id in ("A1", "A2") or value is None:
            continue
        cell = SPEC.input_cell(cell_id)
        if cell.kind == "choice":
            value = next(choice.label for choice in cell.choices if choice.code == value)
        typed[cell_id] = value
    return typed


CLEAN_TYPED = _as_a_council_types(CLEAN)
DATE = "1/4/2024"
# One mistake (or more) for each rule the workbook checks; each cell is named in a comment.
MISTAKES = {
    **CLEAN_TYPED,
    "D2": -3,  # FGC001 negative
    "C9": 2.5,  # FGC001 not a whole number (C10 then has no total to add up to)
    "D11": "not known",  # FGC001 words
    "A10": 600,  # FGC001 decimal out of its range
    "D9": DATE,  # FGC001 a date (typed as a date)
    "B3_U1": "<5",  # FGC002 (B3 is not added up until it is a figure)
    "B1": "'40",  # FGC003: text, read as 40 (B8 adds up to it: the Check column used to say "B1 is blank")
    "C1_PLO": "'50",  # FGC003 and FGC105 (50 offered at pre-proceedings of 35 offered), in one row
    "A13": "Maybe",  # FGC008
    "A14": "x" * 4100,  # FGC009
    "C2": "=1/0",  # FGC011
    "B4_M": int(CLEAN["B4_M"]) + 2,  # FGC101: 2 over
    "D1": 45,  # FGC104: 40 children in the FGCs of 45 families
    "A5": "No",  # FGC106: no service, but counts
}
BLANKED = ("A3", "B5_MIXED", "B5_OTHER")  # FGC004 (A3 required), FGC103 (B5 partly blank, two categories)
for _blank in BLANKED:
    del MISTAKES[_blank]
INSERTED_UNDER_B1 = 2  # rows a council inserts on B Referrals: the messages follow their cells


def _operations(values: dict[str, object]) -> list[dict]:
    ops = []
    for cell_id, value in values.items():
        sheet, cell = POSITIONS[cell_id]
        ops.append({"op": "type_date" if value == DATE else "type", "sheet": sheet, "cell": cell, "text": str(value)})
    return ops


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return save_workbook(build_template(DURHAM, survey=Survey()), tmp_path_factory.mktemp("template") / "durham.xlsx")


def _filled(template: Path, folder: Path, values: dict[str, object], extra: list[dict] = ()) -> Path:
    return edit_in_calc(template, folder / "FGC return County Durham.xlsx", _operations(values) + list(extra))


def _shown(path: Path) -> tuple[dict[tuple[str, int], str], int, list[str]]:
    """What Calc saved: the Check column's text of every row (problems only), FGC_CHECKS, the cover."""
    wb = openpyxl.load_workbook(path, data_only=True)
    problems = {}
    for section in SPEC.sections:
        ws = wb[section.sheet]
        for row in range(layout.HEADER_ROW + 1, ws.max_row + 1):
            text = ws.cell(row, layout.CHECK_COLUMN).value
            if text not in (None, "", CHECK_OK, CHECK_ADDS_UP):
                problems[(section.sheet, row)] = text
    ((sheet, reference),) = wb.defined_names["FGC_CHECKS"].destinations
    count = wb[sheet][reference.replace("$", "")].value
    cover = [str(v) for row in wb[layout.COVER_SHEET].iter_rows(values_only=True) for v in row if v is not None]
    return problems, count, cover


def _validated(path: Path):
    (result,) = validate_returns([read_return(path)], scopes=("cell", "return"), engine="polars")
    return result


def test_every_mistake_shows_in_its_row_in_validates_words_and_the_cover_counts_them(template, tmp_path):
    folder = tmp_path / "mistakes"
    folder.mkdir()
    insert = [{"op": "unprotect", "sheet": "B Referrals"},
              {"op": "insert_rows", "sheet": "B Referrals", "before": int(POSITIONS["B1"][1][1:]) + 1,
               "count": INSERTED_UNDER_B1}]
    path = _filled(template, folder, MISTAKES, insert)
    problems, count, cover = _shown(path)
    result = _validated(path)

    expected = [issue for issue in result.issues if issue.rule in WORKBOOK_RULES]
    assert {issue.rule for issue in expected} == set(WORKBOOK_RULES) & {rule.code for rule in SPEC.rules}
    by_row: dict[tuple[str, int], list[str]] = {}
    for issue in expected:
        by_row.setdefault((issue.sheet, int(re.sub(r"\D", "", issue.cell))), []).append(issue.message)
    for where, words in by_row.items():
        assert where in problems, (where, words)
        assert sorted(problems[where].split("\n")) == sorted(words), where
    assert set(problems) == set(by_row)  # nothing else is flagged
    assert count == len(expected) == 17  # five FGC001, two FGC003, one of each other rule
    assert f"{len(expected)} problems to fix before you send it" in " ".join(cover)

    # the rows moved by the inserted rows are named where they are now
    b3_u1 = next(issue for issue in expected if issue.item == "B3_U1")
    assert b3_u1.cell == f"D{int(POSITIONS['B3_U1'][1][1:]) + INSERTED_UNDER_B1}" and f"in {b3_u1.cell} holds '<5'" in b3_u1.message
    # B1 typed as text is read as a number: B8 adds up to it
    wb = openpyxl.load_workbook(path, data_only=True)
    ((sheet, total),) = wb.defined_names["SUM_B8"].destinations
    assert wb[sheet].cell(int(total.split("$")[-1]), layout.CHECK_COLUMN).value == CHECK_ADDS_UP
    # the words of the drop-down, and every kind of FGC001
    assert any("is No but B1 (40), B2 (60)" in text and "change A5 to Yes" in text for text in problems.values())
    fgc001 = " ".join(issue.message for issue in expected if issue.rule == "FGC001")
    for words in ("is -3, which is negative", "is 2.5, which is not a whole number", "holds 'not known', not a figure",
                  "is 600, outside the range", "holds a date (2024-01-04)"):
        assert words in fgc001
    # the cover: a line per sheet, linked to it
    assert "Offer and consent" in " ".join(cover) and "problems to fix, the first in row" in " ".join(cover)
    # what Calc saved in the checks sheet cannot be taken for an answer by the reader's fallback
    ids = {cell.id for cell in SPEC.input_cells} | {item.id for item in SPEC.items}
    checks = wb[layout.CHECKS_SHEET]
    seen = {str(v).strip() for row in checks.iter_rows(max_col=ITEM_ID_SCAN_COLUMNS, values_only=True) for v in row if v}
    assert not seen & ids


def test_a_clean_return_is_ready_to_send(template, tmp_path):
    path = _filled(template, tmp_path, CLEAN_TYPED)
    problems, count, cover = _shown(path)
    assert problems == {} and count == 0
    assert "Ready to send: the workbook found nothing to fix." in cover
    assert not [issue for issue in _validated(path).issues if issue.rule in WORKBOOK_RULES]
