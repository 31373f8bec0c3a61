"""Each return is read and checked against its own year: a 2023-24 and a 2024-25 return in one
`validate` call, a workbook without its metadata sheet (--year, else the default year), and a year
fgc-collect has no questions for."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from fgc_collect.cli import cli
from fgc_collect.spec import load_spec
from fgc_collect.template import fill_template
from fgc_collect.template.layout import META_SHEET
from tests.validate.returns import CLEAN

OLD, NEW = load_spec("2023-24"), load_spec("2024-25")
NEW_CLEAN = {key: value for key, value in CLEAN.items() if key != "A10"} | {"C11": 12, "C12": 8, "C13": 2, "B8_POLICE": 0}
NEW_CLEAN |= {cell.id: "Y" for cell in NEW.item("A16").cells}


@pytest.fixture(autouse=True)
def no_survey_file(monkeypatch, tmp_path):
    monkeypatch.delenv("FGC_SURVEY", raising=False)
    monkeypatch.chdir(tmp_path)


def validate(*args):
    done = CliRunner().invoke(cli, ["validate", "--format", "json", *map(str, args)])
    return done.exit_code, (json.loads(done.stdout) if done.stdout.startswith("{") else done.output)


def results_by_file(document):
    return {result["file"].rsplit("/", 1)[-1]: result for result in document["returns"]}


def issues(result, rule=None):
    return [issue for issue in result["issues"] if rule is None or issue["rule"] == rule]


def test_one_batch_holds_both_years_each_checked_against_its_own(tmp_path):
    fill_template(CLEAN | {"A10": 600}, tmp_path / "late_2023_24.xlsx", spec=OLD)
    fill_template(NEW_CLEAN | {"C12": 9, "C13": 4}, tmp_path / "durham_2024_25.xlsx", spec=NEW)
    code, document = validate(tmp_path / "late_2023_24.xlsx", tmp_path / "durham_2024_25.xlsx")
    assert code == 1, document
    results = results_by_file(document)
    old, new = results["late_2023_24.xlsx"], results["durham_2024_25.xlsx"]
    assert (old["year"], new["year"]) == ("2023-24", "2024-25")
    assert old["template_version"] != new["template_version"] == "2024-25.1"
    # A10 is a question of 2023-24 only: its figure is checked there, and 2024-25 has no A10
    assert {issue["item"] for issue in issues(old)} == {"A10"}, issues(old)
    # FGC113 (C12 + C13 <= C11) is a 2024-25 rule: 9 + 4 > 12 breaks it
    (broken,) = issues(new, "FGC113")
    assert broken["item"] in ("C12", "C13", "C11") and broken["severity"] == "error"
    assert not any(issue["item"] == "A10" for issue in issues(new))


def test_a_clean_return_of_each_year_is_valid_in_one_batch(tmp_path):
    fill_template(CLEAN, tmp_path / "a.xlsx", spec=OLD)
    fill_template(NEW_CLEAN, tmp_path / "b.xlsx", spec=NEW)
    code, document = validate(tmp_path)
    assert code == 0, document
    assert [result["year"] for result in document["returns"]] == ["2023-24", "2024-25"]
    assert all(result["issues"] == [] for result in document["returns"])


def _without_metadata(path):
    book = openpyxl.load_workbook(path)
    book.security = None  # the structure lock would keep the sheet
    del book[META_SHEET]
    book.save(path)


def test_a_workbook_without_its_metadata_takes_year_else_the_latest(tmp_path):
    path = tmp_path / "no_meta.xlsx"
    fill_template(CLEAN, path, spec=OLD)
    _without_metadata(path)
    code, document = validate(path, "--year", "2023-24")
    assert code == 0, document
    assert document["returns"][0]["year"] == "2023-24"
    # read as the latest year, its 2024-25 questions are not there (no A10, no C11 to C13)
    code, document = validate(path)
    assert document["returns"][0]["year"] == "2024-25"
    assert "C11" in json.dumps(document["returns"][0]["issues"])


def test_a_return_of_a_year_without_questions_is_unreadable_in_one_sentence(tmp_path):
    path = tmp_path / "old.xlsx"
    fill_template(CLEAN, path, spec=OLD)
    book = openpyxl.load_workbook(path)
    meta = book[META_SHEET]
    for row in meta.iter_rows():
        if row[0].value == "year":
            row[1].value = "2019-20"
    book.save(path)
    done = CliRunner().invoke(cli, ["validate", str(path)])
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        "fgc-collect: old.xlsx was made from a template for 2019-20, a year fgc-collect has no questions for (it "
        "knows 2023-24, 2024-25), so it was not read: ask the council to fill in this year's template.")


def test_validate_refuses_a_year_it_cannot_make(tmp_path):
    fill_template(CLEAN, tmp_path / "a.xlsx", spec=OLD)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path / "a.xlsx"), "--year", "2024/25"])
    assert done.exit_code == 2
    assert done.output.strip() == "fgc-collect: '2024/25' is not a collection year: write it as YYYY-YY, such as 2024-25."
