"""The publication catalogue comes from the spec: a question added to the spec is published with its
label and unit, groupings follow the item's unit, and a `publication:` change relabels a column."""

from __future__ import annotations

import csv

import pytest

from fgc_collect.aggregate import Inputs, LARecord, build_tables
from fgc_collect.aggregate.catalogue import catalogue
from fgc_collect.publish import publish
from fgc_collect.spec import load_spec
from fgc_collect.spec.overlay import SpecChangeError

from tests.aggregate.handbuilt import DARLINGTON, DERBY, HARTLEPOOL, handbuilt_inputs

D12 = {"aggregate": {"items": {"add": [
    {"after": "D11", "id": "D12", "type": "count", "unit": "families",
     "label": "Families who had a second review FGC in 2024-25"}]}}}


def meta(folder, name):
    with (folder / f"{name}.meta.csv").open(encoding="utf-8", newline="") as handle:
        return {row["col_name"]: row for row in csv.DictReader(handle)}


def data(folder, name):
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def with_figures(inputs: Inputs, figures: dict) -> Inputs:
    return Inputs(tuple(LARecord(r.la, {**r.values, **figures.get(r.la.code, {})}) for r in inputs.used))


def test_a_count_added_in_a_survey_file_is_published_with_its_label(tmp_path):
    spec = load_spec("2024-25", changes=D12)
    inputs = with_figures(handbuilt_inputs(), {DARLINGTON.code: {"D12": 7.0}, HARTLEPOOL.code: {"D12": 11.0},
                                              DERBY.code: {"D12": 4.0}})
    tables = build_tables(inputs, spec=spec)
    publish(tables, tmp_path)
    column = meta(tmp_path, "fgc_funnel")["d12"]
    assert column["label"] == "Families who had a second review FGC in 2024-25"
    assert column["indicator_grouping"] == "Families"  # from its unit
    rows = data(tmp_path, "fgc_funnel")
    england = next(r for r in rows if r["geographic_level"] == "National")
    assert england["d12"] == "22"  # 7 + 11 + 4; Leicester left it blank
    assert next(r for r in rows if r["new_la_code"] == DERBY.code)["d12"] == "c"  # 4: suppressed


LANGUAGE = {"aggregate": {
    "category_sets": {"add": {"LANG": {"EN": "English", "OTH": "Another language", "UNK": "Not known"}}},
    "items": {"add": [{"after": "B8", "id": "B9", "type": "breakdown", "of": "LANG", "total": "B1",
                       "label": "Families referred, by main language spoken at home"}]}}}


def test_a_breakdown_by_a_new_category_set_is_published_as_a_table_of_its_own(tmp_path):
    spec = load_spec("2024-25", changes=LANGUAGE)
    figures = {DARLINGTON.code: {"B9_EN": 30.0, "B9_OTH": 8.0}, HARTLEPOOL.code: {"B9_EN": 20.0, "B9_OTH": 9.0}}
    inputs = handbuilt_inputs()
    for record in inputs.used:  # the rest of each LA's families under Not known
        if record.la.code in figures:
            given = figures[record.la.code]
            given["B9_UNK"] = record.values["B1"] - given["B9_EN"] - given["B9_OTH"]
    publish(build_tables(with_figures(inputs, figures), spec=spec), tmp_path)
    columns = meta(tmp_path, "fgc_b9")
    assert columns["lang"]["col_type"] == "Filter" and columns["lang"]["label"] == "Main language spoken at home"
    assert columns["families_referred"]["label"] == "Families referred"  # its total's, as in the funnel
    england = {row["lang"]: row for row in data(tmp_path, "fgc_b9") if row["geographic_level"] == "National"}
    assert list(england) == ["Total", "English", "Another language", "Not known"]
    funnel = next(r for r in data(tmp_path, "fgc_funnel") if r["geographic_level"] == "National")
    assert england["Total"]["families_referred"] == funnel["families_referred"]
    assert england["English"]["families_referred"] == "50"  # 30 + 20: the LAs that left B9 blank are Not known
    shown = [int(england[label]["families_referred"]) for label in ("English", "Another language", "Not known")]
    assert sum(shown) == int(funnel["families_referred"])
    assert "fgc_b9" not in {table.name for table in build_tables(handbuilt_inputs(), spec=load_spec("2024-25")).tables}


def test_a_count_of_conferences_is_not_labelled_families():
    from fgc_collect.publish.ees import meta_rows

    tables = build_tables(handbuilt_inputs())
    header, *rows = meta_rows(tables.table("fgc_funnel"))
    columns = {row[0]: dict(zip(header, row)) for row in rows}
    assert columns["review_fgcs"]["indicator_grouping"] == "Conferences"  # D2's unit
    assert columns["families_referred"]["indicator_grouping"] == "Families"
    assert columns["children_referred"]["indicator_grouping"] == "Children"


def test_a_publication_change_relabels_and_adds_a_table():
    changes = {"publication": {
        "funnel": {"modify": {"B1": {"label": "Families referred to the FGC service"}}},
        "tables": {"add": [{"name": "fgc_plans", "title": "Plans agreed", "description": "Plans.",
                            "counts": [{"item": "D11", "column": "plans"}]}]},
    }}
    tables = build_tables(handbuilt_inputs(), spec=load_spec("2023-24", changes=changes))
    funnel = tables.table("fgc_funnel")
    assert next(c.label for c in funnel.indicators if c.name == "families_referred") == \
        "Families referred to the FGC service"
    assert tables.value("fgc_plans", "plans") == "77"  # 12 + 25 + 30 + 10
    # the spec's label where the catalogue gives none
    assert tables.table("fgc_plans").indicators[0].label == load_spec().item("D11").label


def test_a_publication_change_that_cannot_apply_is_refused_when_the_spec_loads():
    with pytest.raises(SpecChangeError, match="publication.*Z9"):
        load_spec("2023-24", changes={"publication": {"funnel": {"remove": ["Z9"]}}})
    with pytest.raises(SpecChangeError, match="'charts'"):
        load_spec("2023-24", changes={"publication": {"charts": {"add": []}}})


def test_the_fgdm_duty_table_is_in_the_2024_25_catalogue_only():
    assert [t.name for t in catalogue(load_spec("2024-25")).tables] == ["fgc_fgdm_duty"]
    assert catalogue(load_spec("2023-24")).tables == ()


def test_a_characteristic_missing_a_stage_is_published_as_tables_of_its_own(tmp_path):
    """A survey file that drops C8 (social care status at consent): the characteristic cannot be
    compared across the stages, so B7 and D8 are each a table, named as the characteristic."""
    spec = load_spec("2024-25", changes={"aggregate": {"items": {"remove": ["C8"]}}})
    cat = catalogue(spec)
    assert "STATUS" not in {c.category_set for c in cat.characteristics}
    assert [(r.table, r.filter, r.filter_label) for r in cat.reasons][-2:] == [
        ("fgc_b7", "social_care_status", "Social care status at referral"),
        ("fgc_d8", "social_care_status", "Social care status at referral")]
    publish(build_tables(handbuilt_inputs(), spec=spec), tmp_path)
    england = [row for row in data(tmp_path, "fgc_d8") if row["geographic_level"] == "National"]
    assert england[0]["social_care_status"] == "Total"
    funnel = next(r for r in data(tmp_path, "fgc_funnel") if r["geographic_level"] == "National")
    assert england[0]["children_in_fgcs_held"] == funnel["children_in_fgcs_held"]
