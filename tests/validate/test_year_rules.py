"""The 2024-25 rules: FGC113 and FGC114 (the FGDM duty's figures), FGC205 (year on year), each
shown firing and not firing on a 2024-25 return."""

from __future__ import annotations

import pytest

from fgc_collect.spec import load_spec
from fgc_collect.validate import validate_returns
from fgc_collect.validate.batch_rules import PreviousYear
from tests.validate.returns import CLEAN, DURHAM, make_return

SPEC = load_spec("2024-25")
BASE = {key: value for key, value in CLEAN.items() if key != "A10"} | {"C11": 12, "C12": 8, "C13": 2}
BASE |= {cell.id: "Y" for cell in SPEC.item("A16").cells}
BASE |= {"B8_POLICE": 0}


def check(values, previous=None, engine="polars"):
    ret = make_return(values, spec=SPEC, base=BASE | {"A1": "County Durham", "A2": DURHAM})
    (result,) = validate_returns([ret], spec=SPEC, engine=engine, previous=previous)
    return result


def rules_of(result):
    return {issue.rule for issue in result.issues}


@pytest.mark.parametrize("engine", ["polars", "gx"])
def test_a_clean_2024_25_return_has_no_issue(engine):
    result = check({}, engine=engine)
    assert result.issues == [], result.issues


def test_fgc113_fires_when_the_duty_figures_exceed_their_whole_and_not_at_the_edge():
    assert "FGC113" in rules_of(check({"C12": 9, "C13": 4}))  # 13 > 12
    assert "FGC113" not in rules_of(check({"C12": 9, "C13": 3}))  # 12 = 12


def test_fgc114_fires_when_both_duty_figures_are_blank():
    result = check({"C12": None, "C13": None})
    (issue,) = [i for i in result.issues if i.rule == "FGC114"]
    assert issue.severity == "warning" and issue.item == "C12"
    assert issue.message.startswith("C12 (") and "are blank although C11" in issue.message and "is 12" in issue.message
    assert "FGC114" not in rules_of(check({"C12": None, "C13": 0}))  # one given: the duty is answered
    assert "FGC114" not in rules_of(check({"C11": 0, "C12": None, "C13": None}))  # no family: nothing to give


def test_fgc205_fires_on_a_figure_far_from_last_years_accepted_return():
    last_year = PreviousYear("2023-24", {DURHAM: {"B1": 40, "B2": 60, "C1": 35, "C2": 28, "D1": 24, "D3": 40}})
    quiet = check({}, previous=last_year)
    assert "FGC205" not in rules_of(quiet)
    result = check({"B1": 90, "B2": 150, "C1": 80, "C2": 40, "D1": 30, "D3": 62}, previous=last_year)
    found = {issue.item: issue for issue in result.issues if issue.rule == "FGC205"}
    # B1 +50 (125%), B2 +90, C1 +45: far; C2 +12, D1 +6 under 20 more; D3 +22 but 55%: far
    assert set(found) == {"B1", "B2", "C1", "D3"}
    assert found["B1"].severity == "warning"
    assert found["B1"].message == (
        "B1 (referrals to the FGC service received) in D5 is 90 for 2024-25, against 40 in your accepted 2023-24 "
        "return (+125%): confirm the figure, or explain the change in E1.")


def test_fgc205_says_nothing_without_last_years_return():
    other = PreviousYear("2023-24", {"E06000005": {"B1": 1}})
    assert "FGC205" not in rules_of(check({"B1": 400}, previous=other))
    assert "FGC205" not in rules_of(check({"B1": 400}))


def test_a_2024_25_message_names_its_own_year_and_the_reference_figures_date():
    """FGC107 speaks of the return's year; FGC203 of the date of the children in need figures used
    (2023-24's, at 31 March 2024, until DfE's 2024-25 figures are held)."""
    (fgc107,) = [i for i in check({"B1": 0}).issues if i.rule == "FGC107"]
    assert fgc107.message.endswith("change A5 if there was no service in 2024-25.")
    (fgc203,) = [i for i in check({"B2": 100_000}).issues if i.rule == "FGC203"]
    assert "children in need County Durham had at 31 March 2024:" in fgc203.message
