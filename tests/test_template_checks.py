"""The workbook's own checks come from the rule registry: every rule whose entry names a workbook
writer (registry.Rule.workbook) has its words in the template's _checks sheet, a rule without one
has none, and a rule a year's spec drops takes its formulas with it."""

from __future__ import annotations

import dataclasses
import string

import openpyxl
import pytest

from fgc_collect.spec import known_years, load_spec
from fgc_collect.validate import messages
from fgc_collect.validate.suites import comparison_rules

# Each rule's message in validate's words: the template its fixed phrase is taken from.
MESSAGE = {
    "FGC001": messages.FGC001_TEXT, "FGC002": messages.FGC002, "FGC003": messages.FGC003, "FGC004": messages.FGC004,
    "FGC008": messages.FGC008, "FGC009": messages.FGC009, "FGC011": messages.FGC011, "FGC101": messages.FGC101,
    "FGC103": messages.FGC103, "FGC106": messages.FGC106,
}


def _phrase(code: str, spec) -> str:
    """The longest fixed piece of the rule's message: it has a word cell of its own on the _checks
    sheet (or sits in a formula) whenever the workbook writes the message."""
    if code in comparison_rules(spec):
        return messages.comparison_advice(code, spec.rule(code).severity)
    if code not in MESSAGE:
        raise AssertionError(f"{code}: name its message template in MESSAGE (tests/test_template_checks.py)")
    return max((text for text, *_ in string.Formatter().parse(MESSAGE[code])), key=len)


def _checks_text(spec) -> str:
    """Every value of the _checks sheet the spec builds (the words column and the formulas)."""
    from fgc_collect.template.build import check_rows
    from fgc_collect.template.checks import write_checks

    ws = openpyxl.Workbook().active
    write_checks(ws, spec, check_rows(spec))
    return "\n".join(str(value) for row in ws.iter_rows(values_only=True) for value in row if value is not None)


def _without(year: str, code: str):
    return load_spec(year, changes={"aggregate": {"rules": {"remove": [code]}}})


@pytest.mark.parametrize("year", known_years())
def test_every_rule_the_registry_puts_in_the_workbook_has_its_words_there_and_no_other(year):
    from fgc_collect.template.checks import workbook_rules

    spec = load_spec(year)
    text = _checks_text(spec)
    checked = workbook_rules(spec)
    missing = [code for code in checked if _phrase(code, spec) not in text]
    assert not missing, f"the registry says the workbook checks {missing}, but the {year} template has no such message"
    unchecked = [rule.code for rule in spec.rules if rule.code not in checked and (rule.code in MESSAGE or rule.code in comparison_rules(spec))]
    assert "FGC108" in unchecked  # a query: the coordinator's to raise, not the council's to fix
    assert not [code for code in unchecked if _phrase(code, spec) in text]


def test_the_workbook_checks_what_it_did_before_the_registry_named_the_writers():
    from fgc_collect.template.checks import WORKBOOK_RULES, workbook_rules

    assert set(workbook_rules(load_spec("2024-25"))) == set(WORKBOOK_RULES) == {
        "FGC001", "FGC002", "FGC003", "FGC004", "FGC008", "FGC009", "FGC011", "FGC101", "FGC103", "FGC104", "FGC105",
        "FGC106", "FGC113"}
    assert set(workbook_rules(load_spec("2023-24"))) == set(WORKBOOK_RULES) - {"FGC113"}


def test_a_rule_removed_from_the_years_spec_leaves_the_template():
    from fgc_collect.template import build_template, workbook_bytes
    from fgc_collect.survey import Survey
    from tests.support.workbooks import load_strictly
    from tests.test_template import _check_formula

    spec = _without("2024-25", "FGC113")
    wb = load_strictly(workbook_bytes(build_template(spec=spec, survey=Survey())))
    c12 = _check_formula(wb, "C12")
    assert "C12+C13" not in c12 and messages.COMPARISON_ADVICE["FGC113"] not in c12
    assert messages.COMPARISON_ADVICE["FGC113"] not in _checks_text(spec)
    assert "a part cannot be larger than its whole" in c12  # FGC105's C12<=C11 stays
    assert "C12+C13" in _check_formula(load_strictly(workbook_bytes(build_template(spec=load_spec("2024-25"), survey=Survey()))), "C12")


@pytest.mark.parametrize("code", ["FGC001", "FGC002", "FGC003", "FGC004", "FGC008", "FGC009", "FGC011", "FGC101",
                                  "FGC103", "FGC104", "FGC105", "FGC106"])
def test_each_workbook_rule_removed_from_the_spec_takes_only_its_own_words(code):
    spec = load_spec("2024-25")
    text = _checks_text(_without("2024-25", code))
    assert _phrase(code, spec) not in text
    others = [other for other in ("FGC001", "FGC004", "FGC011", "FGC101", "FGC105", "FGC113") if other != code]
    assert all(_phrase(other, spec) in text for other in others)


def test_a_rule_whose_writer_the_workbook_does_not_know_is_refused_by_name(monkeypatch):
    from fgc_collect.validate.registry import REGISTRY

    monkeypatch.setitem(REGISTRY, "FGC107", dataclasses.replace(REGISTRY["FGC107"], workbook=lambda builder: None))
    with pytest.raises(ValueError, match="FGC107"):
        _checks_text(load_spec("2024-25"))


def test_a_survey_rule_comparing_counts_is_checked_in_the_workbook_without_an_entry():
    from fgc_collect.template.checks import workbook_rules

    spec = load_spec("2024-25", changes={"aggregate": {
        "rules": {"add": [{"code": "FGC115", "severity": "error", "applies_to": "C13<=C11", "check": "C13 within C11"}]}}})
    assert workbook_rules(spec)["FGC115"].__name__ == "write_comparisons"
    advice = messages.comparison_advice("FGC115", "error")  # the words of a rule a survey file adds
    assert advice in _checks_text(spec) and advice not in _checks_text(load_spec("2024-25"))
