"""The child-level spec as the project encodes it: the research team's ids and codes, exactly."""

from __future__ import annotations

import re

import yaml

from fgc_collect.child.spec import (
    DATE_ORDER,
    DFE_ETHNICITY_LABELS,
    FAMILY_COLUMNS,
    load_child_spec,
    table_schema,
)
from fgc_collect.spec import load_spec

SPEC = load_child_spec()
SOURCE = yaml.safe_load(open("fgc_collect/spec/fgc_child_level.yaml", encoding="utf-8"))


def test_every_column_and_rule_of_the_yaml_is_encoded_in_order():
    assert list(SPEC.column_ids) == [str(c["id"]) for c in SOURCE["columns"]]
    assert [r.code for r in SPEC.rules] == [f"FGC3{n:02d}" for n in range(1, 12)]
    assert SPEC.required_columns == tuple(str(c["id"]) for c in SOURCE["columns"] if c.get("required"))
    assert (SPEC.period_start.isoformat(), SPEC.period_end.isoformat()) == ("2023-04-01", "2024-03-31")


def test_every_code_is_a_string():
    # PyYAML reads unquoted Y/N as booleans: the spec quotes them, and so must the code
    for column in SPEC.columns:
        for choice in column.choices:
            assert isinstance(choice.code, str) and isinstance(choice.label, str), column.id
    assert SPEC.column("consent").codes == ("Y", "N", "P", "X")
    assert SPEC.column("unborn").codes == ("Y", "N")
    assert SPEC.column("disability").codes == ("YES", "NO", "UNK")


def test_choice_columns_share_the_aggregate_category_sets():
    aggregate = load_spec()
    assert SPEC.column("status_at_referral").choices == aggregate.category_sets["STATUS"]
    assert SPEC.column("decline_reason").choices == aggregate.category_sets["DECLINE"]
    assert set(SPEC.ethnicity_groups.values()) == {c.code for c in aggregate.category_sets["ETH"]}


def test_every_ethnicity_code_has_its_dfe_label():
    assert set(DFE_ETHNICITY_LABELS) == set(SPEC.ethnicity_groups)
    assert SPEC.ethnicity_groups["CHNE"] == "ASIAN"  # Chinese is counted under Asian


def test_the_date_order_is_fgc303s():
    check = SPEC.rule("FGC303").check
    assert tuple(re.findall(r"[a-z_]+_date", check)) == DATE_ORDER


def test_family_level_columns_are_those_fgc308_names():
    check = SPEC.rule("FGC308").check
    named = re.search(r"\(([^)]*)\)", check)[1].replace(" fields", "").split(", ")
    assert named == ["referral_date", "referral_source", "offer", "consent", "fgc"]
    for column in FAMILY_COLUMNS:
        assert column in SPEC.column_ids
    assert {c for c in SPEC.column_ids if any(c.startswith(word) for word in named)} <= set(FAMILY_COLUMNS)
    child_level = {"child_id", "family_id", "birth_month", "unborn", "sex", "ethnicity", "disability",
                   "status_at_referral", "review_fgcs"}
    assert child_level.isdisjoint(FAMILY_COLUMNS)


def test_every_aggregate_breakdown_has_its_derivation():
    aggregate = load_spec()
    assert [b.item for b in SPEC.breakdowns] == [item.id for item in aggregate.breakdowns]
    assert {b.item: b.column for b in SPEC.breakdowns}["B5"] == "ethnicity"
    assert {b.item: b.unit for b in SPEC.breakdowns}["C10"] == "families"


def test_the_table_schema_describes_the_csv():
    schema = table_schema()
    assert [field["name"] for field in schema["fields"]] == list(SPEC.column_ids)
    fields = {field["name"]: field for field in schema["fields"]}
    assert fields["consent"]["constraints"] == {"enum": ["Y", "N", "P", "X"], "required": True}
    assert fields["referral_date"]["type"] == "date" and fields["birth_month"]["type"] == "yearmonth"
    assert fields["review_fgcs"]["constraints"] == {"minimum": 0}
    assert schema["primaryKey"] == ["family_id", "child_id"]
