"""A year's spec is the year before with the research team's changes applied (spec/overlay.py)."""

from __future__ import annotations

from datetime import date

import pytest

from fgc_collect.spec import BASE_YEAR, known_years, latest_year, load_child_spec_document, load_spec
from fgc_collect.spec.overlay import SpecChangeError, apply_changes, move_on


def test_the_2023_24_spec_stays_exactly_as_written():
    spec = load_spec("2023-24")
    assert spec is load_spec()  # the default is the first year's spec, unchanged
    assert spec.year == BASE_YEAR and spec.period_end == date(2024, 3, 31)
    assert "A10" in [item.id for item in spec.items] and "C11" not in [item.id for item in spec.items]
    assert spec.item("A5").label.endswith("at any point in 2023-24?")


def test_2024_25_is_the_changes_file_applied():
    spec = load_spec("2024-25")
    assert known_years() == ("2023-24", "2024-25") and latest_year() == "2024-25"
    assert (spec.year, spec.period_start, spec.period_end, spec.template_version) == (
        "2024-25", date(2024, 4, 1), date(2025, 3, 31), "2024-25.1")
    ids = [item.id for item in spec.items]
    assert "A10" not in ids
    assert ids[ids.index("A9") + 1] == "A16" and ids[ids.index("C10") + 1:ids.index("C10") + 4] == ["C11", "C12", "C13"]
    assert [cell.id for cell in spec.item("A16").cells] == ["A16_FGC", "A16_FNM", "A16_LLINKS", "A16_OTHER"]
    assert spec.item("C11").required_if is not None and str(spec.item("C11").required_if) == "A5 == Y"
    source = spec.category_sets["SOURCE"]
    assert [c.code for c in source] == ["CSC", "EH", "EDU", "HEALTH", "POLICE", "OTHERAG", "SELF", "UNK"]
    assert dict((c.code, c.label) for c in source)["OTHERAG"] == "Other agency (probation, voluntary sector, other)"
    assert "B8_POLICE" in [cell.id for cell in spec.item("B8").cells]
    assert spec.item("B8").note == "police referrals now have their own category"
    assert spec.rule("FGC113").severity == "error" and spec.rule("FGC114").severity == "warning"
    assert spec.rule("FGC205").scope == "batch"
    assert str(spec.comparisons("FGC105")[-1]) == "C13 <= C11"
    # "2023-24" read as "2024-25" and every date moved on one year, where the changes file is silent
    assert spec.item("A5").label.endswith("at any point in 2024-25?")
    assert "31 March 2025" in spec.rule("FGC203").check
    assert spec.item("B1").label == "Referrals to the FGC service received in 2024-25 (families)"


def test_the_child_level_columns_rules_and_derivation_move_with_the_year():
    child = load_child_spec_document("2024-25")
    columns = [column["id"] for column in child["columns"]]
    assert columns[columns.index("offer_at_plo") + 1:columns.index("offer_at_plo") + 4] == [
        "proceedings_considered", "fgdm_offered", "fgdm_not_offered_reason"]
    assert next(c for c in child["columns"] if c["id"] == "consent")["choices"]["P"] == "Pending at 31 March 2025"
    assert {"C11", "C12", "C13"} <= set(child["derivation"])
    assert "FGC312" in [rule["code"] for rule in child["rules"]]
    assert load_child_spec_document("2023-24")["collection"]["year"] == "2023-24"


def test_a_later_year_without_a_changes_file_is_the_latest_moved_on():
    spec = load_spec("2025-26")
    assert spec.period_start == date(2025, 4, 1) and "C11" in [item.id for item in spec.items]
    assert spec.item("A5").label.endswith("in 2025-26?")


@pytest.mark.parametrize("year, words", [
    ("2022-23", "the collection began in 2023-24"),
    ("2024-26", "the second part is the year after the first"),
    ("24-25", "write it as YYYY-YY"),
])
def test_a_year_fgc_collect_cannot_make_is_one_sentence(year, words):
    with pytest.raises(SpecChangeError, match=words):
        load_spec(year)


def test_a_survey_files_changes_add_a_question():
    changes = {"aggregate": {"items": {"add": [
        {"after": "D11", "id": "D12", "type": "count", "unit": "families", "label": "Families with a second FGC"}]},
        "rules": {"modify": {"FGC105": {"applies_to": "C1_PLO<=C1, D1_PLO<=D1, D11<=D1, D12<=D1"}}}}}
    spec = load_spec("2024-25", changes)
    assert [item.id for item in spec.items][-2:] == ["D12", "E1"]
    assert str(spec.comparisons("FGC105")[-1]) == "D12 <= D1"
    assert "D12" not in [item.id for item in load_spec("2024-25").items]  # the year's own spec is untouched


@pytest.mark.parametrize("changes, words", [
    ({"aggregate": {"items": {"remove": ["Z9"]}}}, "removes the item Z9, which the spec does not have"),
    ({"aggregate": {"items": {"add": [{"after": "Q1", "id": "D12", "type": "count", "label": "x"}]}}}, "after Q1"),
    ({"aggregate": {"category_sets": {"modify": {"NOPE": {"add": {"X": "x"}}}}}}, "category set NOPE"),
    ({"aggregate": {"category_sets": {"modify": {"SEX": {"order": ["M", "F"]}}}}}, "not every code of the set once"),
    ({"aggregate": {"rules": {"modify": {"FGC999": {"check": "x"}}}}}, "rule FGC999"),
    ({"aggregate": {"itemz": {}}}, "'itemz'"),
    ({"surprise": {}}, "'surprise'"),
])
def test_a_change_that_names_nothing_is_refused_with_a_sentence(changes, words):
    aggregate, child = load_spec_documents()
    with pytest.raises(SpecChangeError, match=words):
        apply_changes(aggregate, child, changes, source="the survey file")


def test_removing_an_item_a_rule_still_compares_is_refused_when_the_spec_loads():
    with pytest.raises(SpecChangeError, match="FGC105 compares D11, which the 2024-25 spec does not have"):
        load_spec("2024-25", {"aggregate": {"items": {"remove": ["D11"]}}})


def test_moving_on_changes_years_not_codes():
    moved = move_on({"label": "in 2023-24, at 31 March 2024, since 2022-23", "code": "E06000047",
                     "start": date(2023, 4, 1), "number": 2024}, "2023-24", "2024-25")
    assert moved == {"label": "in 2024-25, at 31 March 2025, since 2023-24", "code": "E06000047",
                     "start": date(2024, 4, 1), "number": 2024}


def load_spec_documents():
    from fgc_collect.spec import year_documents

    return year_documents("2023-24")
