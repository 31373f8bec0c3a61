"""FGC312 (2024-25): the FGDM duty's columns follow from proceedings_considered, firing and not."""

from __future__ import annotations

from fgc_collect.child.read import read_child_return
from fgc_collect.child.rules import child_rule_issues
from fgc_collect.child.spec import load_child_spec
from tests.child.rows import csv_text, family

SPEC_2024 = load_child_spec("2024-25")
DATES = dict(referral_date="2024-05-01", offer_date="2024-05-08", consent_date="2024-05-15", fgc_date="2024-06-20")


def fgc312(tmp_path, **fields):
    path = tmp_path / "rows.csv"
    path.write_text(csv_text(family("F1", {"child_id": "A"}, **DATES, **fields), list(SPEC_2024.column_ids)))
    ret = read_child_return(path, year="2024-25")
    assert ret.spec.year == "2024-25"
    return [(issue.item, issue.cell, issue.message) for issue in child_rule_issues(ret) if issue.rule == "FGC312"]


def test_fgc312_is_quiet_when_the_duty_answers_follow_each_other(tmp_path):
    assert fgc312(tmp_path, proceedings_considered="Y", fgdm_offered="Y") == []
    assert fgc312(tmp_path, proceedings_considered="Y", fgdm_offered="N", fgdm_not_offered_reason="BESTINT") == []
    assert fgc312(tmp_path, proceedings_considered="N") == []
    assert fgc312(tmp_path) == []  # none of the three given


def test_fgc312_fires_on_an_offer_without_proceedings_considered(tmp_path):
    column = SPEC_2024.column_ids.index("fgdm_offered")
    letter = chr(ord("A") + column)
    ((item, cell, message),) = fgc312(tmp_path, proceedings_considered="N", fgdm_offered="Y")
    assert (item, cell) == ("fgdm_offered", f"{letter}2")
    assert message == (
        "Line 2, fgdm_offered: is Y but proceedings_considered is N: whether an FGDM meeting was offered is recorded "
        "only for families for whom care proceedings were considered (set proceedings_considered to Y, or leave "
        "fgdm_offered blank).")


def test_fgc312_fires_on_a_reason_without_a_refusal(tmp_path):
    ((item, _, message),) = fgc312(tmp_path, proceedings_considered="Y", fgdm_offered="Y", fgdm_not_offered_reason="OTHER")
    assert item == "fgdm_not_offered_reason"
    assert message.startswith("Line 2, fgdm_not_offered_reason: is OTHER but fgdm_offered is Y and "
                              "proceedings_considered is Y: a reason is given only when")


def test_fgc312_is_not_a_2023_24_rule(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(csv_text(family("F1", {"child_id": "A"}), list(load_child_spec("2023-24").column_ids)))
    ret = read_child_return(path, year="2023-24")
    assert "FGC312" not in {rule.code for rule in ret.spec.rules}
    assert not [issue for issue in child_rule_issues(ret) if issue.rule == "FGC312"]


def test_fgc308_the_fgdm_columns_are_the_same_for_every_child_of_a_referral(tmp_path):
    """2024-25's family-level fields include the FGDM duty's columns (the derivation reads them from
    the family's first row), so a child whose row disagrees is FGC308, as for the other fields."""
    rows = family("F1", {"child_id": "A"}, {"child_id": "B", "proceedings_considered": "N", "fgdm_offered": ""},
                  **DATES, proceedings_considered="Y", fgdm_offered="Y")
    path = tmp_path / "rows.csv"
    path.write_text(csv_text(rows, list(SPEC_2024.column_ids)))
    found = [(i.item, i.message) for i in child_rule_issues(read_child_return(path, year="2024-25")) if i.rule == "FGC308"]
    assert found == [
        ("proceedings_considered", "Line 3, proceedings_considered: 'N' differs from 'Y' on line 2 for the same family_id; "
                                   "proceedings_considered is about the referral, so it must be the same for every child in it."),
        ("fgdm_offered", "Line 3, fgdm_offered: blank differs from 'Y' on line 2 for the same family_id; fgdm_offered is "
                         "about the referral, so it must be the same for every child in it."),
    ]
