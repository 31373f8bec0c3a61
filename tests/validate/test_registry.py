"""Every rule of the registry, in every year whose spec has it: the registry's breaking example
makes the validator fire the rule at the example's item, and the clean return does not fire it.
Every rule of every year's spec has a registry entry (a rule added to the spec without one fails
here by name), except a rule a survey file adds that compares counts (its words are generated)."""

from __future__ import annotations

import pytest

from fgc_collect.reference import find_la, local_authorities
from fgc_collect.spec import known_years, load_spec
from fgc_collect.validate import validate_returns
from fgc_collect.validate.batch_rules import PreviousYear
from fgc_collect.validate.catalogue import rule_catalogue
from fgc_collect.validate.registry import EXCEL_ERROR, PEERS, PREVIOUS_YEAR, REGISTRY, TWIN
from tests.validate.returns import CLEAN, DURHAM, make_return
from tests.validate.test_year_rules import BASE as CLEAN_2024_25

CLEAN_VALUES = {"2023-24": CLEAN, "2024-25": CLEAN_2024_25}
SPECS = {year: load_spec(year) for year in known_years()}
CASES = [(year, code) for year, spec in SPECS.items() for code in (rule.code for rule in spec.rules) if code in REGISTRY]
# 12 councils with a population figure, not County Durham: the others FGC201 and FGC202 compare with
PEER_LAS = [la for la in local_authorities() if la.child_population_0_17 and la.code != DURHAM][:12]


def test_every_year_has_a_clean_return():
    assert set(CLEAN_VALUES) == set(SPECS)


@pytest.mark.parametrize("year", SPECS)
def test_every_rule_of_the_spec_has_a_registry_entry(year):
    missing = [rule.code for rule in SPECS[year].rules if rule.code not in REGISTRY]
    assert not missing, f"rules of {year} without a registry entry (fgc_collect/validate/registry.py): {missing}"


def test_a_rule_a_survey_file_adds_gets_generated_words():
    from fgc_collect.spec import load_spec as load

    changes = {"aggregate": {"rules": {"add": [
        {"code": "FGC150", "severity": "warning", "applies_to": "D2<=D1", "check": "review FGCs are no more than FGCs held"},
    ]}}}
    spec = load("2023-24", changes=changes)
    assert "FGC150" not in REGISTRY
    (entry,) = [entry for entry in rule_catalogue(spec) if entry["code"] == "FGC150"]
    assert entry["title"] == "Review FGCs are no more than FGCs held"
    assert entry["example_message"].startswith("D2 (")



def _validate(year: str, code: str, broken: bool):
    """The issues of `code` on County Durham's return, clean or with the rule's breaking example,
    validated with what the example needs (other councils' returns, last year's return; an earlier
    return of its own only when broken)."""
    spec, breaks = SPECS[year], REGISTRY[code].breaks
    clean = CLEAN_VALUES[year]
    values = breaks.change(clean, spec) if broken else {}
    errors = tuple(values) if broken and breaks.needs == EXCEL_ERROR else ()
    durham = find_la(DURHAM)
    base = clean | {"A1": durham.name, "A2": durham.code}
    others, previous = [], None
    if breaks.needs == PEERS:
        others = [make_return({}, spec=spec, base=clean | {"A1": la.name, "A2": la.code}, la_code=la.code,
                              file=f"{la.slug}.xlsx") for la in PEER_LAS]
    elif breaks.needs == TWIN and broken:
        others = [make_return({}, spec=spec, base=base, file="earlier.xlsx")]
    elif breaks.needs == PREVIOUS_YEAR:
        figures = {cell.id: clean[cell.id] for cell in spec.input_cells if cell.kind == "count" and cell.id in clean}
        previous = PreviousYear("previous", {DURHAM: figures})
    ret = make_return(values, spec=spec, base=base, file="durham.xlsx", errors=errors)
    results = validate_returns([*others, ret], spec=spec, engine="polars", previous=previous)
    return [issue for issue in results[-1].issues if issue.rule == code]


@pytest.mark.parametrize(("year", "code"), CASES, ids=[f"{year}-{code}" for year, code in CASES])
def test_the_breaking_example_fires_the_rule_at_its_item(year, code):
    assert _validate(year, code, broken=False) == [], f"{code} fires on the clean {year} return"
    found = _validate(year, code, broken=True)
    at = REGISTRY[code].breaks.at
    assert [issue.item for issue in found if issue.item == at], f"{code} not at {at}: {found}"


@pytest.mark.parametrize("year", SPECS)
def test_every_return_rule_is_planned_into_the_suite_and_rendered_through_its_entry(year):
    from fgc_collect.validate.suites import suite_dict

    spec = SPECS[year]
    in_suite = {expectation["meta"]["rule"] for expectation in suite_dict(spec)["expectations"]}
    assert in_suite == {rule.code for rule in spec.rules if rule.level == "aggregate" and rule.scope == "return"}
    assert not [code for code in in_suite if REGISTRY[code].render is None]
