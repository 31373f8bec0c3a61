"""The spec as the project encodes it: the research team's ids and codes, exactly."""

import re

import yaml

from fgc_collect.spec import Comparison, load_spec, parse_comparisons


def test_every_code_and_id_is_a_string():
    # PyYAML turns unquoted yes/no into booleans; a code must never become True.
    spec = load_spec()
    for name, categories in spec.category_sets.items():
        for category in categories:
            assert isinstance(category.code, str) and isinstance(category.label, str), (name, category)
    for cell in spec.input_cells:
        assert isinstance(cell.id, str)
        for choice in cell.choices:
            assert isinstance(choice.code, str)
    assert [c.code for c in spec.category_sets["DIS"]] == ["YES", "NO", "UNK"]
    assert [c.code for c in spec.category_sets["YESNO"]] == ["Y", "N"]


def test_input_cells_follow_the_spec_naming():
    spec = load_spec()
    ids = [cell.id for cell in spec.input_cells]
    assert len(ids) == len(set(ids))
    assert ids[:4] == ["A1", "A2", "A3", "A4"]
    assert [c.id for c in spec.item("B3").cells] == [
        "B3_UNBORN", "B3_U1", "B3_1TO4", "B3_5TO9", "B3_10TO15", "B3_16PLUS", "B3_UNK"]
    # A8 is a grid over STATUS without UNK, each row a Yes/No choice.
    assert [c.id for c in spec.item("A8").cells][-1] == "A8_OTHER"
    assert spec.input_cell("A8_PLO").kind == "choice"
    # Defined names must never read as a cell address (Q_B1 is fine; B1 alone would not be).
    for cell in spec.input_cells:
        assert cell.defined_name == "Q_" + cell.id
        assert not re.fullmatch(r"[A-Z]{1,3}\d+", cell.defined_name)


def test_every_item_of_the_yaml_is_encoded():
    spec = load_spec()
    source = yaml.safe_load(open("fgc_collect/spec/fgc_2023_24_aggregate.yaml"))
    yaml_ids = [str(item["id"]) for section in source["sections"] for item in section["items"]]
    assert [item.id for item in spec.items] == yaml_ids
    assert [rule.code for rule in spec.rules] == [str(rule["code"]) for rule in source["rules"]]


def test_breakdowns_know_their_totals_and_unknown_category():
    spec = load_spec()
    assert spec.item("B8").total == "B1" and spec.item("B3").total == "B2"
    assert spec.item("C10").unknown_cell.id == "C10_UNK"
    assert spec.item("B4").unknown_cell.id == "B4_U"  # SEX calls it U, "Unknown or not recorded"


def test_choice_accepts_code_or_label_ignoring_case_and_spaces():
    cell = load_spec().input_cell("A6")
    assert cell.choice_code("  commissioned from an external PROVIDER ") == "COMMISSIONED"
    assert cell.choice_code("mixed") == "MIXED"
    assert cell.choice_code("Outsourced") is None


def test_rule_comparisons_come_from_applies_to():
    spec = load_spec()
    assert [str(c) for c in spec.comparisons("FGC104")] == ["B2 >= B1", "C3 >= C2", "D3 >= D1"]
    assert str(spec.comparisons("FGC108")[1]) == "C2+C9 <= C1"
    assert spec.ratios("FGC109") == (("B2", "B1"), ("C3", "C2"), ("D3", "D1"))
    check = parse_comparisons("C2+C9<=C1")[0]
    assert check.holds({"C2": 5, "C9": 3, "C1": 8}) is True
    assert check.holds({"C2": 5, "C9": 4, "C1": 8}) is False
    assert check.holds({"C2": 5, "C9": None, "C1": 8}) is None  # blank is not 0
    assert isinstance(check, Comparison)
