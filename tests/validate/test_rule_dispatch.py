"""Every aggregate rule of every year's spec is checked through its registry entry: a pandera
expression and message (cell rules), a Python check of one return (cell rules), a check of the
batch (batch rules), or an expectation planned into the suite and rendered by the entry (return
rules, the comparisons included). A rule with none of these fails here by name, rather than
being skipped silently; and an entry replaced in a test changes what validate reports."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from fgc_collect.spec import known_years, load_spec
from fgc_collect.validate import validate_returns
from fgc_collect.validate.batch_rules import PreviousYear
from fgc_collect.validate.common import make_issue
from fgc_collect.validate.registry import REGISTRY, entries_for
from tests.validate.returns import CLEAN, DURHAM, cell_of, make_return
from tests.validate.test_year_rules import BASE as CLEAN_2024_25

SPECS = {year: load_spec(year) for year in known_years()}
# what checks a rule, by the engine its entry (and the catalogue) names
ENGINE_OF = {"cell_failing": "pandera", "cell_check": "python", "batch_check": "python"}


def unchecked(spec) -> list[str]:
    """The spec's aggregate rules that validate has no way to check, or whose entry's engine is
    not the one that checks them."""
    from fgc_collect.validate.suites import suite_dict

    how = {code: "gx" for code in (e["meta"]["rule"] for e in suite_dict(spec)["expectations"])}
    for scope, field in (("cell", "cell_failing"), ("cell", "cell_check"), ("batch", "batch_check")):
        for code, entry in entries_for(spec, scope, field).items():
            if field != "cell_failing" or entry.cell_message is not None:
                how.setdefault(code, ENGINE_OF[field])
    return [
        rule.code for rule in spec.rules
        if rule.level == "aggregate"
        and (rule.code not in how or rule.code in REGISTRY and REGISTRY[rule.code].engine != how[rule.code])
    ]


@pytest.mark.parametrize("year", SPECS)
def test_every_rule_of_the_spec_has_a_way_to_be_checked(year):
    missing = unchecked(SPECS[year])
    assert not missing, f"rules of {year} with no check in their registry entry (fgc_collect/validate/registry.py): {missing}"


def test_a_rule_without_a_check_is_named():
    """A survey file adding a rule validate cannot check (not a comparison of counts) is named."""
    changes = {"aggregate": {"rules": {"add": [
        {"code": "FGC099", "severity": "warning", "applies_to": "A3", "check": "a name that looks like a person's"},
        {"code": "FGC150", "severity": "warning", "applies_to": "D2<=D1", "check": "review FGCs no more than FGCs held"},
        {"code": "FGC250", "severity": "warning", "applies_to": "B1", "check": "far from the region's returns"},
    ]}}}
    assert unchecked(load_spec("2023-24", changes=changes)) == ["FGC099", "FGC250"]


def test_a_pandera_rule_is_checked_and_worded_by_its_entry(monkeypatch):
    entry = REGISTRY["FGC007"]
    clean = validate_returns([make_return()], scopes=("cell",))[0]
    assert [issue for issue in clean.issues if issue.rule == "FGC007"] == []
    monkeypatch.setitem(REGISTRY, "FGC007", replace(
        entry,
        cell_failing=lambda: pl.col("item_id") == "A3",
        cell_message=lambda spec, row, view: f"{row['item_id']} in {row['cell']} fails the replaced check.",
    ))
    (result,) = validate_returns([make_return()], scopes=("cell",))
    (issue,) = [issue for issue in result.issues if issue.rule == "FGC007"]
    assert (issue.item, issue.cell, issue.severity) == ("A3", cell_of("A3"), "warning")
    assert issue.message == f"A3 in {cell_of('A3')} fails the replaced check."


def test_a_python_cell_rule_is_checked_by_its_entry(monkeypatch):
    def check(view):
        return [make_issue(view.spec, "FGC010", view, "E1", "E1 checked by the replaced entry.")]

    monkeypatch.setitem(REGISTRY, "FGC010", replace(REGISTRY["FGC010"], cell_check=check))
    (result,) = validate_returns([make_return()], scopes=("cell",))
    assert [(issue.rule, issue.cell, issue.message) for issue in result.issues] == [
        ("FGC010", cell_of("E1"), "E1 checked by the replaced entry."),
    ]


@pytest.mark.parametrize(("year", "runs"), [("2023-24", False), ("2024-25", True)])
def test_a_batch_rule_runs_through_its_entry_only_in_a_year_whose_spec_has_it(monkeypatch, year, runs):
    """FGC205 (from 2024-25) replaced by a check that always fires: run for 2024-25, never for
    2023-24, whose spec lacks it, though last year's figures are given."""

    def check(context):
        return [(view.index, make_issue(context.spec, "FGC205", view, "B1", "B1 checked by the replaced entry."))
                for view in context.batch]

    monkeypatch.setitem(REGISTRY, "FGC205", replace(REGISTRY["FGC205"], batch_check=check))
    spec = SPECS[year]
    base = {"2023-24": CLEAN, "2024-25": CLEAN_2024_25}[year]
    ret = make_return(spec=spec, base=base | {"A1": "County Durham", "A2": DURHAM})
    previous = PreviousYear("before", {DURHAM: {"B1": 1.0}})
    (result,) = validate_returns([ret], spec=spec, scopes=("batch",), previous=previous)
    assert [(issue.rule, issue.message) for issue in result.issues] == (
        [("FGC205", "B1 checked by the replaced entry.")] if runs else []
    )


UNCHECKABLE = {"aggregate": {"rules": {"add": [
    {"code": "FGC099", "severity": "warning", "applies_to": "A3", "check": "a name that looks like a person's"},
]}}}
UNCHECKABLE_WORDS = ("FGC099 cannot be checked: a rule a survey file adds must compare counts in its applies_to, "
                     "such as \"D12<=D1\" or \"C12+C13<=C11\" (FGC099's is \"A3\").")


def test_validate_refuses_a_rule_it_could_only_skip():
    from fgc_collect.spec.overlay import SpecChangeError

    spec = load_spec("2023-24", changes=UNCHECKABLE)
    with pytest.raises(SpecChangeError) as refused:
        validate_returns([make_return({}, spec=spec)], spec=spec, engine="polars")
    assert str(refused.value) == UNCHECKABLE_WORDS


def test_a_survey_file_adding_a_rule_it_cannot_check_stops_every_command_in_one_sentence(tmp_path):
    import yaml
    from click.testing import CliRunner

    from fgc_collect.cli import cli

    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text(yaml.safe_dump({"year": "2023-24", "changes": UNCHECKABLE}))
    for command in (["rules"], ["validate", str(tmp_path)], ["template", "--out", str(tmp_path / "t.xlsx")]):
        done = CliRunner().invoke(cli, [*command, "--survey", str(survey)])
        assert (done.exit_code, done.output.strip()) == (2, f"fgc-collect: {survey}: {UNCHECKABLE_WORDS}"), command
