"""A return opened in LibreOffice Calc, a row inserted, and saved as .xlsx, .xls and .ods validates
to the same issues as the original, at the cells the council now sees."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from fgc_collect.pipeline import validate_files
from fgc_collect.read import read_return
from tests.support.libreoffice import convert_with_calc, edit_in_calc, require_calc

pytestmark = pytest.mark.libreoffice

SHEET = "B Referrals"
INSERTED_BEFORE, INSERTED = 6, 2  # two rows inserted under B1


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    """Durham's return with the mistakes councils make: a breakdown that does not add up, a figure
    typed as text, a suppression marker."""
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    la = find_la("E06000047")
    values = clean_return(la, np.random.default_rng(3), load_spec())
    values["B3_U1"] = int(values["B3_U1"]) + 5  # B3 no longer adds up to B2
    values["B4_M"] = f"{int(values['B4_M']):,}  "  # typed as text, with a space
    values["C10_OTHER"] = "<5"
    return fill_template(values, tmp_path_factory.mktemp("original") / "FGC return County Durham.xlsx", la=la)


@pytest.fixture(scope="module")
def saved_by_calc(original, tmp_path_factory) -> dict[str, Path]:
    require_calc()
    folder = tmp_path_factory.mktemp("calc")
    xlsx = edit_in_calc(original, folder / "FGC return County Durham.xlsx",
                        [{"op": "unprotect", "sheet": SHEET},  # as a council does (no password)
                         {"op": "insert_rows", "sheet": SHEET, "before": INSERTED_BEFORE, "count": INSERTED}])
    return {
        "xlsx": xlsx,
        "xls": convert_with_calc(xlsx, folder, "xls"),
        "ods": convert_with_calc(xlsx, folder, "ods"),
    }


def _issues(path: Path) -> list[tuple]:
    (result,) = validate_files([path])
    assert result.status != "unreadable", result.issues
    return sorted((issue.rule, issue.severity, issue.item, issue.sheet, issue.cell) for issue in result.issues)


def _moved(cell: str | None, sheet: str | None) -> str | None:
    """Where a cell of the original is after the rows were inserted."""
    if cell is None or sheet != SHEET:
        return cell
    column, row = re.fullmatch(r"([A-Z]+)(\d+)", cell).groups()
    row = int(row)
    return f"{column}{row + INSERTED if row >= INSERTED_BEFORE else row}"


@pytest.fixture(scope="module")
def expected(original) -> list[tuple]:
    issues = _issues(original)
    rules = {issue[0] for issue in issues}
    assert {"FGC101", "FGC003", "FGC002"} <= rules  # the seeded mistakes are there to compare
    return sorted((rule, severity, item, sheet, _moved(cell, sheet)) for rule, severity, item, sheet, cell in issues)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_calc_round_trip_validates_to_the_same_issues(saved_by_calc, expected, fmt):
    assert _issues(saved_by_calc[fmt]) == expected


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_calc_round_trip_reads_the_same_answers(original, saved_by_calc, fmt):
    before, after = read_return(original), read_return(saved_by_calc[fmt])
    columns = ["item_id", "raw_kind", "raw_text", "number", "code", "text"]
    assert after.cells.select(columns).equals(before.cells.select(columns))
    assert after.metadata == before.metadata
    assert after.file_format == fmt
    located = set(after.cells["located_by"])
    assert located == ({"item_id_column"} if fmt == "xls" else {"name"})  # .xls names are not read
    assert after.location("B2").cell == f"D{7 + INSERTED}"
