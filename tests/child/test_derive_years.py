"""The child-level derivation is data: 2024-25's FGDM figures derive from its new columns, and a
question added without a derivation is refused when the spec loads."""

from __future__ import annotations

import json

import pytest

from fgc_collect.child.derive import derived_values
from fgc_collect.child.read import read_child_return
from fgc_collect.child.spec import DerivationError, load_child_spec
from tests.child.rows import csv_text, family

SPEC_2024 = load_child_spec("2024-25")
FAMILY = dict(referral_source="POLICE", offer_at_plo="N", consent="X", consent_date="", decline_reason="",
              fgc_held="", fgc_date="", fgc_at_plo="", not_held_reason="", plan_agreed="")
CHILD = dict(birth_month="2015-03", unborn="N", sex="M", ethnicity="WBRI", disability="NO", status_at_referral="PLO")


def read_2024(tmp_path, rows):
    path = tmp_path / "rows.csv"
    path.write_text(csv_text(rows, list(SPEC_2024.column_ids)))
    return read_child_return(path, spec=SPEC_2024)


def test_the_fgdm_duty_figures_derive_from_the_new_columns(tmp_path):
    rows = (
        # offered FGDM: two children, proceedings considered (referred in the year)
        family("F1", {**CHILD, "child_id": "A"}, {**CHILD, "child_id": "B"}, **FAMILY, referral_date="2024-05-01",
               offer_date="", proceedings_considered="Y", fgdm_offered="Y", fgdm_not_offered_reason="")
        # not offered: the child's best interests
        + family("F2", {**CHILD, "child_id": "C"}, **FAMILY, referral_date="2024-06-01", offer_date="",
                 proceedings_considered="Y", fgdm_offered="N", fgdm_not_offered_reason="BESTINT")
        # not offered for another reason: in C11 only
        + family("F3", {**CHILD, "child_id": "D"}, **FAMILY, referral_date="2024-07-01", offer_date="",
                 proceedings_considered="Y", fgdm_offered="N", fgdm_not_offered_reason="OTHER")
        # proceedings considered, but referred and offered before the year: not counted
        + family("F4", {**CHILD, "child_id": "E"}, **FAMILY, referral_date="2024-02-01", offer_date="2024-03-01",
                 proceedings_considered="Y", fgdm_offered="Y", fgdm_not_offered_reason="")
        # proceedings not considered
        + family("F5", {**CHILD, "child_id": "F"}, **FAMILY, referral_date="2024-08-01", offer_date="",
                 proceedings_considered="N", fgdm_offered="", fgdm_not_offered_reason="")
    )
    values = derived_values(read_2024(tmp_path, rows))
    assert (values["C11"], values["C12"], values["C13"]) == (3, 1, 1)
    assert values["B1"] == 4 and values["B2"] == 5  # F4 was referred before 1 April 2024
    assert values["B8_POLICE"] == 4 and values["B8_OTHERAG"] == 0


def test_family_fields_of_2024_25_are_read_from_the_familys_first_row(tmp_path):
    rows = family("F1", {**CHILD, "child_id": "A", "fgdm_offered": "Y"}, {**CHILD, "child_id": "B", "fgdm_offered": "N"},
                  **FAMILY, referral_date="2024-05-01", offer_date="", proceedings_considered="Y",
                  fgdm_not_offered_reason="")
    values = derived_values(read_2024(tmp_path, rows))
    assert (values["C11"], values["C12"], values["C13"]) == (1, 1, 0)  # one family, counted once


def _changes(**derivation):
    changes = {"aggregate": {"items": {"add": [
        {"after": "D11", "id": "D12", "type": "count", "unit": "families", "label": "Families with a second FGC"}]}}}
    if derivation:
        changes["child_level"] = {"derivation": derivation}
    return json.dumps(changes)


def test_a_count_added_without_a_derivation_is_refused_when_the_spec_loads():
    with pytest.raises(DerivationError, match=r"D12 has no child-level derivation"):
        load_child_spec("2024-25", _changes())


def test_a_count_added_with_its_derivation_is_derived(tmp_path):
    spec = load_child_spec("2024-25", _changes(add={"D12": {"stage": "held", "count": "families", "where": {"plan_agreed": "N"}}}))
    assert [entry.item for entry in spec.derived][-1] == "D12"
    listed = load_child_spec("2024-25", _changes(not_collected={"add": ["D12"]}))
    assert "D12" in listed.not_collected


def test_a_derivation_that_reads_a_column_the_spec_lacks_is_refused():
    with pytest.raises(DerivationError, match="reads the column fgc_typo"):
        load_child_spec("2024-25", _changes(add={"D12": {"stage": "held", "count": "families", "where": {"fgc_typo": "Y"}}}))


def test_a_breakdown_over_a_new_set_needs_its_column():
    changes = {"aggregate": {
        "category_sets": {"add": {"LANG": {"EN": "English", "OTH": "Other", "UNK": "Unknown"}}},
        "items": {"add": [{"after": "B8", "id": "B9", "type": "breakdown", "of": "LANG", "total": "B2",
                           "label": "Children referred, by first language"}]}}}
    with pytest.raises(DerivationError, match=r"B9 is a breakdown by LANG.*names no column coded by LANG: name one "
                       r"\(child_level: derivation: categories: add: \{LANG: COLUMN\}\), or list B9 under"):
        load_child_spec("2024-25", json.dumps(changes))
    changes["aggregate"]["category_sets"]["add"]["LANG"] = {"E": "English", "O": "Other", "U": "Unknown"}
    changes["child_level"] = {
        "columns": {"add": [{"after": "ethnicity", "id": "first_language", "type": "choice", "choices": "LANG"}]},
        "derivation": {"categories": {"add": {"LANG": "first_language"}}},
    }
    named = load_child_spec("2024-25", json.dumps(changes))
    (b9,) = [entry for entry in named.breakdowns if entry.item == "B9"]
    assert b9.column == "first_language" and b9.stage.name == "referral"
    listed = {**changes, "child_level": {"derivation": {"not_collected": {"add": ["B9"]}}}}
    assert "B9" in load_child_spec("2024-25", json.dumps(listed)).not_collected


def test_a_survey_file_adding_a_question_without_its_derivation_is_refused_in_one_sentence(tmp_path):
    from click.testing import CliRunner

    from fgc_collect.cli import cli

    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text(
        'year: "2024-25"\nchanges:\n  aggregate:\n    items:\n      add:\n'
        '        - {after: D11, id: D12, type: count, unit: families, label: "FGCs held within 4 weeks"}\n'
    )
    for command in (["survey", "show"], ["template", "--level", "child", "--out", str(tmp_path / "c.xlsx")],
                    ["template", "--out", str(tmp_path / "t.xlsx")]):
        done = CliRunner().invoke(cli, [*command, "--survey", str(survey)])
        assert done.exit_code == 2, (command, done.output)
        assert done.output.strip() == (
            f"fgc-collect: {survey}: D12 has no child-level derivation: say how child-level rows make it "
            "(child_level: derivation: add:), or list it under child_level: derivation: not_collected: add:."), command
