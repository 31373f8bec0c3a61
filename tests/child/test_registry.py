"""Every child-level rule of every year (FGC301-FGC311, FGC312 from 2024-25) through its registry
entry: the clean return does not fire it, the entry's breaking example does, at the entry's column;
the catalogue's example message is what the validator says about that example, word for word; a
rule of a year's child-level spec without an entry is refused by name, never skipped."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from fgc_collect.child.read import read_child_return
from fgc_collect.child.rules import child_rule_issues, example_issues, example_message, example_row, row_checks
from fgc_collect.child.spec import load_child_spec
from fgc_collect.spec import known_years, load_spec
from fgc_collect.spec.overlay import SpecChangeError
from fgc_collect.validate.catalogue import child_rules, render_catalogue
from fgc_collect.validate.registry import READER, REGISTRY
from tests.child.rows import BASE, clean_row, csv_text

SPECS = {year: load_child_spec(year) for year in known_years()}
CASES = [(year, rule.code) for year, spec in SPECS.items() for rule in spec.rules]
IDS = [f"{year}-{code}" for year, code in CASES]


def validated(tmp_path, year: str, columns: list[str], rows: list[dict]):
    """The issues `validate` reports on a CSV of the rows, read from a file as a council's is."""
    path = tmp_path / "return.csv"
    path.write_text(csv_text(rows, columns), encoding="utf-8")
    ret = read_child_return(path, year=year)
    assert ret.spec.year == year
    return child_rule_issues(ret)


@pytest.mark.parametrize("year", SPECS)
def test_every_rule_of_each_years_child_spec_has_an_entry_that_checks_it(year):
    rules = [rule.code for rule in SPECS[year].rules]
    assert rules[:11] == [f"FGC3{n:02d}" for n in range(1, 12)]
    missing = [code for code in rules if code not in REGISTRY or REGISTRY[code].row_breaks is None]
    assert not missing, f"child-level rules of {year} without a registry entry and a breaking example: {missing}"
    unchecked = [code for code in rules if REGISTRY[code].row_checks is None and REGISTRY[code].engine != READER]
    assert not unchecked


@pytest.mark.parametrize("year", SPECS)
def test_the_clean_row_of_each_year_fires_nothing(tmp_path, year):
    assert validated(tmp_path, year, list(SPECS[year].column_ids), [clean_row(year)]) == []


@pytest.mark.parametrize(("year", "code"), CASES, ids=IDS)
def test_the_breaking_example_fires_the_rule_at_its_column(tmp_path, year, code):
    spec, breaks = SPECS[year], REGISTRY[code].row_breaks
    clean = clean_row(year)
    assert not [i for i in validated(tmp_path, year, list(spec.column_ids), [clean]) if i.rule == code]
    found = [i for i in validated(tmp_path, year, breaks.columns(spec), breaks.rows(clean, spec)) if i.rule == code]
    assert [i.item for i in found if i.item == breaks.at], f"{code} not at {breaks.at}: {found}"
    if code != "FGC301":  # a missing column has no cell
        assert all(i.cell for i in found if i.item == breaks.at)


@pytest.mark.parametrize(("year", "code"), CASES, ids=IDS)
def test_the_example_message_is_the_validators_own_on_the_breaking_example(year, code):
    spec, breaks = SPECS[year], REGISTRY[code].row_breaks
    issues = example_issues(spec, breaks.columns(spec), breaks.rows(example_row(spec), spec))  # pandera
    assert example_message(code, year) == next(i.message for i in issues if i.rule == code and i.item == breaks.at)


@pytest.mark.parametrize("year", SPECS)
def test_the_example_row_is_clean(year):
    spec = SPECS[year]
    assert example_issues(spec, list(spec.column_ids), [example_row(spec)]) == []


def test_the_example_messages_word_for_word():
    assert {code: example_message(code, "2024-25") for code in (rule.code for rule in SPECS["2024-25"].rules)} == {
        "FGC301": ("The required column consent is missing: add a column headed consent (the header row must have "
                   "the column ids of the template's Children sheet)."),
        "FGC302": ("Line 2, consent: the value is not one of the codes of this column (Y, N, P, X; the Codes sheet "
                   "lists them with their labels)."),
        "FGC303": ("Line 2, consent_date: 2024-05-01 is before offer_date 2024-05-08; dates must run "
                   "referral_date <= offer_date <= consent_date <= fgc_date."),
        "FGC304": ("Line 2, referral_date: none of this row's dates falls between 1 April 2024 and 31 March 2025: "
                   "it belongs to another year's return; take the row out."),
        "FGC305": "Line 2, consent_date: is blank, but consent is Y (consented: give the date of consent).",
        "FGC306": ("Line 2, fgc_held: is Y but consent is N: whether the FGC took place is recorded only for families "
                   "who consented (leave fgc_held blank, or correct consent)."),
        "FGC307": ("Line 3, child_id: the same child appears twice for the same family_id (first on line 2); give "
                   "each child once per referral."),
        "FGC308": ("Line 3, referral_source: 'EH' differs from 'CSC' on line 2 for the same family_id; "
                   "referral_source is about the referral, so it must be the same for every child in it."),
        "FGC309": "Line 2, birth_month: is given, but unborn is Y: leave birth_month blank for an unborn child.",
        "FGC310": ("Line 3, child_id: this child is also in another referral (another family_id, line 2); check it "
                   "is the same child referred twice."),
        "FGC311": ("Line 2, child_id: the identifier looks like an NHS number (10 digits with a valid check digit); "
                   "it is not shown here. Use the case management system's own identifier, never personal data."),
        "FGC312": ("Line 2, fgdm_offered: is Y but proceedings_considered is N: whether an FGDM meeting was offered "
                   "is recorded only for families for whom care proceedings were considered (set "
                   "proceedings_considered to Y, or leave fgdm_offered blank)."),
    }
    assert example_message("FGC304", "2023-24").endswith("between 1 April 2023 and 31 March 2024: it belongs to "
                                                          "another year's return; take the row out.")


@pytest.mark.parametrize("year", SPECS)
def test_the_catalogue_lists_every_child_rule_of_the_year_from_its_entry(year):
    listed = child_rules(load_spec(year))
    assert [entry["code"] for entry in listed] == [rule.code for rule in SPECS[year].rules]
    for entry in listed:
        rule = REGISTRY[entry["code"]]
        assert (entry["engine"], entry["title"], entry["why"], entry["fix"]) == (rule.engine, rule.title, rule.why, rule.fix)
        assert entry["example_message"] == example_message(entry["code"], year)
    assert ("FGC312" in [entry["code"] for entry in listed]) == (year != "2023-24")
    page = render_catalogue("markdown", load_spec(year))
    assert all(f'<a id="{entry["code"]}"></a>' in page for entry in listed)


@pytest.mark.parametrize("year", SPECS)
def test_no_example_message_names_an_identifier(year):
    identifiers = {BASE["child_id"], BASE["family_id"], "943 476 5919", "9434765919"}
    for entry in child_rules(load_spec(year)):
        message = entry["example_message"]
        assert not [text for text in identifiers if text in message], (entry["code"], message)
        assert not re.search(r"[0-9a-f]{16}", message), (entry["code"], message)  # nor a pseudonym


def test_the_checks_of_a_rule_are_reached_through_its_entry(tmp_path, monkeypatch):
    spec = SPECS["2023-24"]
    breaks = REGISTRY["FGC303"].row_breaks
    rows = breaks.rows(clean_row("2023-24"), spec)
    assert [i.rule for i in validated(tmp_path, "2023-24", list(spec.column_ids), rows)] == ["FGC303"]
    monkeypatch.setitem(REGISTRY, "FGC303", dataclasses.replace(REGISTRY["FGC303"], row_checks=lambda spec, present: []))
    assert validated(tmp_path, "2023-24", list(spec.column_ids), rows) == []


def test_a_child_rule_without_an_entry_is_refused_by_name():
    changes = {"child_level": {"rules": {"add": [{"code": "FGC399", "severity": "error", "check": "something new"}]}}}
    spec = load_child_spec("2024-25", json.dumps(changes, sort_keys=True))
    assert "FGC399" in {rule.code for rule in spec.rules}
    with pytest.raises(SpecChangeError, match="child-level rule FGC399 has no way to be checked"):
        row_checks(spec, set(spec.column_ids))


def test_an_entry_naming_no_checks_is_refused_by_name(monkeypatch):
    monkeypatch.setitem(REGISTRY, "FGC306", dataclasses.replace(REGISTRY["FGC306"], row_checks=None))
    spec = SPECS["2023-24"]
    with pytest.raises(SpecChangeError, match="FGC306"):
        row_checks(spec, set(spec.column_ids))


def test_a_survey_file_adding_a_child_rule_stops_every_command_in_one_sentence(tmp_path):
    import yaml
    from click.testing import CliRunner

    from fgc_collect.cli import cli

    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text(yaml.safe_dump({"year": "2024-25", "changes": {"child_level": {"rules": {"add": [
        {"code": "FGC399", "severity": "error", "check": "something new"}]}}}}))
    for command in (["survey", "show"], ["validate", str(tmp_path)], ["rules"]):
        done = CliRunner().invoke(cli, [*command, "--survey", str(survey)])
        assert done.exit_code == 2, (command, done.output)
        assert done.output.strip() == (
            f"fgc-collect: {survey}: the 2024-25 child-level rule FGC399 has no way to be checked: fgc-collect has no "
            "registry entry naming its row checks (fgc_collect/validate/registry.py), so a child-level rule cannot "
            "be added by a survey file alone."), command
