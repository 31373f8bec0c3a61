"""Feedback on a batch holding two years: each return's report and annotated copy are made with
the questions of its own year (the labels of its funnel, the cells its notes sit at)."""

from __future__ import annotations

import numpy as np
import openpyxl

from fgc_collect.demo.synthetic import clean_return
from fgc_collect.feedback import write_feedback
from fgc_collect.pipeline import read_file
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.template import fill_template
from fgc_collect.validate import validate_returns
from tests.feedback.conftest import CHECKED_ON

DURHAM = "E06000047"


def two_year_files(folder):
    """County Durham's 2023-24 return and its 2024-25 one with FGC113 at C12 (a cell 2023-24's
    template does not have), read and validated each against its own year: (returns, results)."""
    durham = find_la(DURHAM)
    files = []
    for year in ("2023-24", "2024-25"):
        spec = load_spec(year)
        values = clean_return(durham, np.random.default_rng(3), spec)
        if year == "2024-25":
            values["C12"] = values["C11"] + 1
        files.append(fill_template(values, folder / f"durham {year}.xlsx", la=durham, spec=spec))
    returns = [read_file(path)[0] for path in files]
    return returns, [validate_returns([ret], spec=ret.spec, engine="polars")[0] for ret in returns]


def test_each_return_of_a_two_year_batch_gets_feedback_in_its_own_years_words(tmp_path):
    returns, results = two_year_files(tmp_path)
    write_feedback(results, tmp_path / "fb", returns={ret.file: ret for ret in returns}, checked_on=CHECKED_ON,
                   contact_email="fgc@example.invalid")
    reports = {year: (tmp_path / "fb").glob(f"*{year}*feedback.html") for year in ("2023-24", "2024-25")}
    page = {year: next(found).read_text(encoding="utf-8") for year, found in reports.items()}
    assert "B1: Referrals to the FGC service received in 2024-25" in page["2024-25"]
    assert "in 2023-24" not in page["2024-25"]
    assert "B1: Referrals to the FGC service received in 2023-24" in page["2023-24"]

    (issue,) = [issue for issue in results[1].issues if issue.rule == "FGC113"]
    annotated = openpyxl.load_workbook(next((tmp_path / "fb").glob("*2024-25*feedback.xlsx")))
    ((sheet, reference),) = annotated.defined_names["Q_C12"].destinations
    assert (issue.sheet, issue.cell) == (sheet, reference.replace("$", ""))
    assert "FGC113" in annotated[sheet][issue.cell].comment.text


def test_validate_returns_checks_returns_against_the_spec_they_were_read_against(tmp_path):
    durham = find_la(DURHAM)
    spec = load_spec("2024-25")
    values = clean_return(durham, np.random.default_rng(3), spec)
    values["C12"] = values["C11"] + 1
    this = read_file(fill_template(values, tmp_path / "d.xlsx", la=durham, spec=spec))[0]
    (result,) = validate_returns([this], engine="polars")  # no spec given: the return's own year's
    assert "FGC113" in {issue.rule for issue in result.issues}
    last_spec = load_spec("2023-24")
    last = read_file(fill_template(clean_return(durham, np.random.default_rng(3), last_spec), tmp_path / "l.xlsx",
                                   la=durham, spec=last_spec))[0]
    both = validate_returns([last, this], engine="polars")  # a batch of two years: each against its own
    assert both[0].issues == [] and "FGC113" in {issue.rule for issue in both[1].issues}
