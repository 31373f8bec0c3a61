"""The template of each year, from that year's spec: 2024-25's questions, metadata, deadline and
checks; `template --year` (default: the survey file's year, else the latest); the child level; and
a question added through a survey file's `changes:`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fgc_collect.cli import cli
from fgc_collect.spec import known_years, load_spec
from fgc_collect.survey import Survey
from fgc_collect.template import build_template, committed_template_path, layout, workbook_bytes
from fgc_collect.template.output import template_file_name
from tests.support.workbooks import load_strictly
from tests.test_template import _check_formula, _cover_text

NEW = load_spec("2024-25")


@pytest.fixture(scope="module")
def blank_2024_25():
    return load_strictly(workbook_bytes(build_template(spec=NEW, survey=Survey())))


def _meta(wb) -> dict:
    ws = wb[layout.META_SHEET]
    return {ws.cell(row, 1).value: ws.cell(row, 2).value for row in range(1, ws.max_row + 1)}


def _item_ids(wb) -> set[str]:
    return {str(row[0].value) for ws in wb.worksheets for row in ws.iter_rows(max_col=1) if row[0].value}


def test_the_2024_25_template_asks_the_2024_25_questions(blank_2024_25):
    names = set(blank_2024_25.defined_names)
    for cell_id in ("C11", "C12", "C13", "B8_POLICE", *(cell.id for cell in NEW.item("A16").cells)):
        assert "Q_" + cell_id in names, cell_id
    assert len(NEW.item("A16").cells) == 4
    assert "Q_A10" not in names and "A10" not in _item_ids(blank_2024_25)
    ((sheet, reference),) = blank_2024_25.defined_names["Q_B8_POLICE"].destinations
    row = int(reference.split("$")[-1])
    assert blank_2024_25[sheet].cell(row, layout.CATEGORY_COLUMN).value == "Police"
    assert blank_2024_25[sheet].cell(row, layout.ITEM_ID_COLUMN).value == "B8_POLICE"
    assert _meta(blank_2024_25) | {"la_code": None, "la_name": None} == {
        "collection": NEW.collection_id, "level": "aggregate", "year": "2024-25", "template_version": "2024-25.1",
        "la_code": None, "la_name": None}
    cover = _cover_text(blank_2024_25)
    assert "Please return this workbook by Friday 3 April 2026." in cover
    assert "1 April 2024 to 31 March 2025" in cover and "Template version 2024-25.1" in cover


def test_the_2024_25_checks_include_fgc113_in_c12s_row(blank_2024_25):
    check = _check_formula(blank_2024_25, "C12")
    assert "C12+C13" in check and "C11" in check and "should be no more than " in check
    assert "C12+C13" not in _check_formula(load_strictly(workbook_bytes(build_template(survey=Survey()))), "C1")


@pytest.mark.parametrize("year", known_years())
def test_each_years_committed_blank_template_is_what_its_spec_builds(year):
    committed = committed_template_path(year)
    assert committed.name == template_file_name(year) == f"fgc_return_{year.replace('-', '_')}.xlsx"
    assert committed.read_bytes() == workbook_bytes(build_template(spec=load_spec(year), survey=Survey())), (
        "regenerate them: python -m fgc_collect.template")


def _run(tmp_path, *args, survey: str | None = None):
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        patch.delenv("FGC_SURVEY", raising=False)
        if survey is not None:
            (tmp_path / "fgc-survey.yaml").write_text(survey, encoding="utf-8")
            args = ("--survey", str(tmp_path / "fgc-survey.yaml"), *args)
        return CliRunner().invoke(cli, ["template", *args])


def test_template_year_defaults_to_the_survey_files_else_the_latest(tmp_path):
    import openpyxl

    done = _run(tmp_path)
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "Wrote fgc_return_2024_25.xlsx"
    assert _meta(openpyxl.load_workbook(tmp_path / "fgc_return_2024_25.xlsx"))["year"] == "2024-25"
    done = _run(tmp_path, "--year", "2023-24", "--la", "E06000047")
    assert done.exit_code == 0, done.output
    written = openpyxl.load_workbook(tmp_path / "fgc_return_2023_24_E06000047_County_Durham.xlsx")
    assert _meta(written)["year"] == "2023-24" and "Q_A10" in written.defined_names
    later = tmp_path / "later"
    later.mkdir()
    done = _run(later, survey='year: "2023-24"\ndeadline: 2024-06-28\n')
    assert done.exit_code == 0, done.output
    written = openpyxl.load_workbook(later / "fgc_return_2023_24.xlsx")
    assert _meta(written)["year"] == "2023-24"
    assert "Please return this workbook by Friday 28 June 2024." in _cover_text(written)
    done = _run(tmp_path, "--year", "2019-20")
    assert done.exit_code == 2
    assert done.output.strip() == "fgc-collect: there are no questions for 2019-20: the collection began in 2023-24."


def test_the_child_level_template_of_a_year(tmp_path):
    import openpyxl

    from fgc_collect.child import layout as child_layout

    done = _run(tmp_path, "--level", "child", "--year", "2024-25")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "Wrote fgc_child_return_2024_25.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "fgc_child_return_2024_25.xlsx")
    assert _meta(wb)["year"] == "2024-25" and _meta(wb)["template_version"] == "2024-25.child.1"
    header = [cell.value for cell in wb[child_layout.CHILDREN_SHEET][1]]
    assert {"proceedings_considered", "fgdm_offered", "fgdm_not_offered_reason"} <= set(header)
    done = _run(tmp_path, "--level", "child", "--year", "2023-24")
    wb = openpyxl.load_workbook(tmp_path / "fgc_child_return_2023_24.xlsx")
    assert _meta(wb)["year"] == "2023-24" and "fgdm_offered" not in [cell.value for cell in wb[child_layout.CHILDREN_SHEET][1]]


ADDED_QUESTION = """\
year: "2024-25"
changes:
  aggregate:
    items:
      add:
        - {after: C13, id: C14, type: count, unit: families,
           label: "of which: offered an FGC by the duty's first hearing"}
    rules:
      add:
        - {code: FGC115, severity: error, applies_to: "C14<=C12",
           check: "families offered an FGC by the first hearing are no more than the families offered an FGDM meeting"}
  child_level:
    derivation:
      not_collected: {add: [C14]}
"""


def test_a_question_added_in_the_survey_file_reaches_the_template(tmp_path):
    import openpyxl

    done = _run(tmp_path, survey=ADDED_QUESTION)
    assert done.exit_code == 0, done.output
    wb = openpyxl.load_workbook(tmp_path / "fgc_return_2024_25.xlsx")
    ((sheet, reference),) = wb.defined_names["Q_C14"].destinations
    ws = wb[sheet]
    row = int(reference.split("$")[-1])
    assert ws.cell(row, layout.ITEM_ID_COLUMN).value == "C14"
    assert ws.cell(row, layout.QUESTION_COLUMN).value.startswith("of which: offered an FGC by the duty's first hearing")
    assert int(wb.defined_names["Q_C13"].destinations.__next__()[1].split("$")[-1]) < row  # after C13
    check = _check_formula(wb, "C14")
    assert "C14" in check and "C12" in check and "should be no more than " in check


def test_the_survey_files_deadline_is_for_its_own_year(tmp_path):
    import openpyxl

    survey = 'year: "2024-25"\ndeadline: 2026-05-01\n'

    def deadline_line(name):
        cover = openpyxl.load_workbook(tmp_path / name)[layout.COVER_SHEET]
        (line,) = [v for row in cover.iter_rows(values_only=True) for v in row
                   if isinstance(v, str) and v.startswith("Please return this workbook by")]
        return line

    assert _run(tmp_path, survey=survey).exit_code == 0
    assert deadline_line("fgc_return_2024_25.xlsx") == "Please return this workbook by Friday 1 May 2026."
    assert _run(tmp_path, "--year", "2023-24", survey=survey).exit_code == 0  # a late 2023-24 template
    assert deadline_line("fgc_return_2023_24.xlsx") == "Please return this workbook by Friday 4 April 2025."
