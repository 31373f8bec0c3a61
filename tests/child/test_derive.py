"""Hand-built rows give a known derived aggregate return (the spec's `derivation`, worked by hand)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from fgc_collect.child.demo import demo_child_rows
from fgc_collect.child.derive import DERIVED, NOT_COLLECTED, derive_aggregate, derived_values
from fgc_collect.child.read import read_child_return
from fgc_collect.read.aggregate import FRAME_SCHEMA
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from tests.child.rows import family, read_rows, row, write_csv

BLANK_OUTCOME = dict(consent_date="", decline_reason="", fgc_held="", fgc_date="", fgc_at_plo="",
                     not_held_reason="", plan_agreed="")


def _child(child_id, birth_month, sex, ethnicity, disability, status, **more):
    return dict(child_id=child_id, birth_month=birth_month, unborn="N", sex=sex, ethnicity=ethnicity,
                disability=disability, status_at_referral=status, **more)


C1 = _child("C1", "2015-03", "M", "WBRI", "NO", "CIN")
C2 = dict(child_id="C2", birth_month="", unborn="Y", sex="U", ethnicity="MWBC", disability="UNK", status_at_referral="CIN")
C3 = _child("C3", "2007-01", "F", "BAFR", "YES", "CP")
C4 = _child("C4", "2020-06", "F", "AIND", "NO", "PLO")
C5 = _child("C5", "2023-01", "M", "CHNE", "NO", "PLO")
C6 = _child("C6", "2012-09", "M", "REFU", "NO", "EH")
C7 = _child("C7", "2010-02", "F", "WOTH", "NO", "CIN")
C8 = _child("C8", "2018-11", "M", "WBRI", "NO", "CIN")
C9 = _child("C9", "2016-05", "F", "NOBT", "UNK", "LAC")
C10 = _child("C10", "2019-12", "M", "WBRI", "NO", "CP")

ROWS = (
    # F1: three children (C1 listed twice by mistake), everything in the year, reviews on the first row only
    family("F1", {**C1, "review_fgcs": "2"}, C2, C3, C1,
           referral_date="2023-05-01", referral_source="CSC", offer_date="2023-05-08", offer_at_plo="Y",
           consent="Y", consent_date="2023-05-15", decline_reason="", fgc_held="Y", fgc_date="2023-06-20",
           fgc_at_plo="Y", not_held_reason="", plan_agreed="Y")
    # F2: referred and offered in March 2023, consented and held in the year; reviews repeated on each row
    + family("F2", {**C4, "review_fgcs": "1"}, {**C5, "review_fgcs": "1"},
             referral_date="2023-03-10", referral_source="CSC", offer_date="2023-03-20", offer_at_plo="N",
             consent="Y", consent_date="2023-04-05", decline_reason="", fgc_held="Y", fgc_date="2023-05-10",
             fgc_at_plo="N", not_held_reason="", plan_agreed="N")
    # F3: referred and offered in late March 2024, consent pending at 31 March 2024
    + family("F3", C6, referral_date="2024-03-20", referral_source="EDU", offer_date="2024-03-25",
             offer_at_plo="N", consent="P", **BLANK_OUTCOME)
    # F4: declined
    + family("F4", C7, C8, referral_date="2023-09-01", referral_source="CSC", offer_date="2023-09-05",
             offer_at_plo="N", consent="N", **{**BLANK_OUTCOME, "decline_reason": "MISTRUST"})
    # F5: consented, the FGC did not take place; C7 referred a second time
    + family("F5", C9, C7, referral_date="2023-10-01", referral_source="HEALTH", offer_date="2023-10-03",
             offer_at_plo="N", consent="Y", consent_date="2023-10-10", decline_reason="", fgc_held="N",
             fgc_date="", fgc_at_plo="", not_held_reason="WITHDREW", plan_agreed="")
    # F6: consented in February 2024, the FGC pending at 31 March 2024
    + family("F6", C10, referral_date="2024-02-01", referral_source="SELF", offer_date="2024-02-05",
             offer_at_plo="N", consent="Y", consent_date="2024-02-10", decline_reason="", fgc_held="P",
             fgc_date="", fgc_at_plo="", not_held_reason="", plan_agreed="")
)

EXPECTED = {
    "B1": 5, "B2": 9,
    "B3_UNBORN": 1, "B3_U1": 0, "B3_1TO4": 2, "B3_5TO9": 2, "B3_10TO15": 3, "B3_16PLUS": 1, "B3_UNK": 0,
    "B4_M": 4, "B4_F": 4, "B4_U": 1,
    "B5_WHITE": 5, "B5_MIXED": 1, "B5_ASIAN": 0, "B5_BLACK": 1, "B5_OTHER": 0, "B5_UNK": 2,
    "B6_YES": 1, "B6_NO": 6, "B6_UNK": 2,
    "B7_EH": 1, "B7_CIN": 5, "B7_CP": 2, "B7_PLO": 0, "B7_PROC": 0, "B7_LAC": 1, "B7_OTHER": 0, "B7_UNK": 0,
    "B8_CSC": 2, "B8_EH": 0, "B8_EDU": 1, "B8_HEALTH": 1, "B8_OTHERAG": 0, "B8_SELF": 1, "B8_UNK": 0,
    "C1": 5, "C1_PLO": 1, "C2": 4, "C3": 8,
    "C4_UNBORN": 1, "C4_U1": 1, "C4_1TO4": 2, "C4_5TO9": 2, "C4_10TO15": 1, "C4_16PLUS": 1, "C4_UNK": 0,
    "C5_M": 3, "C5_F": 4, "C5_U": 1,
    "C6_WHITE": 3, "C6_MIXED": 1, "C6_ASIAN": 2, "C6_BLACK": 1, "C6_OTHER": 0, "C6_UNK": 1,
    "C7_YES": 1, "C7_NO": 5, "C7_UNK": 2,
    "C8_EH": 0, "C8_CIN": 3, "C8_CP": 2, "C8_PLO": 2, "C8_PROC": 0, "C8_LAC": 1, "C8_OTHER": 0, "C8_UNK": 0,
    "C9": 1,
    "C10_NOTWANT": 0, "C10_NONETWORK": 0, "C10_MISTRUST": 1, "C10_ALTERNATIVE": 0, "C10_OTHER": 0, "C10_UNK": 0,
    "D1": 2, "D1_PLO": 1, "D2": 3, "D3": 5,
    "D4_UNBORN": 1, "D4_U1": 1, "D4_1TO4": 1, "D4_5TO9": 1, "D4_10TO15": 0, "D4_16PLUS": 1, "D4_UNK": 0,
    "D5_M": 2, "D5_F": 2, "D5_U": 1,
    "D6_WHITE": 1, "D6_MIXED": 1, "D6_ASIAN": 2, "D6_BLACK": 1, "D6_OTHER": 0, "D6_UNK": 0,
    "D7_YES": 1, "D7_NO": 3, "D7_UNK": 1,
    "D8_EH": 0, "D8_CIN": 2, "D8_CP": 1, "D8_PLO": 2, "D8_PROC": 0, "D8_LAC": 0, "D8_OTHER": 0, "D8_UNK": 0,
    "D9": 1,
    "D10_WITHDREW": 1, "D10_NONEED": 0, "D10_NONETWORK": 0, "D10_SAFETY": 0, "D10_CIRC": 0, "D10_PROCEED": 0,
    "D10_CAPACITY": 0, "D10_OTHER": 0, "D10_UNK": 0,
    "D11": 1,
}


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    return read_rows(tmp_path_factory.mktemp("derive"), ROWS)


def test_the_worked_example_derives_every_count_of_sections_b_to_d(worked):
    values = derived_values(worked)
    counts = [cell.id for cell in load_spec().input_cells if cell.kind == "count"]
    assert set(EXPECTED) == set(counts), "the worked example must name every count of the aggregate return"
    assert {item: values[item] for item in counts} == EXPECTED


def test_the_derived_return_is_an_aggregate_return_the_aggregate_stages_can_use(worked):
    derived = derive_aggregate(worked)
    spec = load_spec()
    assert derived.cells.schema == pl.Schema(FRAME_SCHEMA)
    assert derived.cells.get_column("item_id").to_list() == [cell.id for cell in spec.input_cells]
    values = derived.values()
    assert values["B1"] == 5.0 and values["D2"] == 3.0
    assert values["A1"] == "County Durham" and values["A2"] == "E06000047" and values["A5"] == "Y"
    rows = {row["item_id"]: row for row in derived.cells.iter_rows(named=True)}
    assert rows["B3_U1"]["located_by"] == DERIVED and rows["B3_U1"]["raw_kind"] == "number"
    assert rows["B3_U1"]["sheet"] is None and rows["B3_U1"]["cell"] is None
    # what a child-level return does not collect is blank, and says so
    assert rows["A3"]["located_by"] == NOT_COLLECTED and values["A3"] is None
    assert rows["E1"]["located_by"] == NOT_COLLECTED
    assert derived.location("B1") is None  # an issue on a derived item names the item only
    assert derived.metadata["level"] == "child" and derived.file == worked.file


def test_every_breakdown_adds_up_to_its_total(worked):
    values = derived_values(worked)
    for item in load_spec().breakdowns:
        assert sum(values[cell.id] for cell in item.cells) == values[item.total], item.id


def test_codes_that_cannot_be_read_count_as_unknown_so_breakdowns_still_add_up(tmp_path):
    rows = [row(child_id="A", ethnicity="Martian", sex="X", disability=""), row(child_id="B", birth_month="")]
    values = derived_values(read_rows(tmp_path, rows))
    assert values["B2"] == 2
    assert (values["B5_UNK"], values["B4_U"], values["B6_UNK"], values["B3_UNK"]) == (1, 1, 1, 1)


def test_family_fields_come_from_the_familys_first_row(tmp_path):
    # the second row disagrees (FGC308): the family is counted once, by its first row, with both children
    rows = family("F9", {"child_id": "A"}, {"child_id": "B", "consent": "N", "decline_reason": "OTHER"},
                  consent="Y", consent_date="2023-05-15")
    values = derived_values(read_rows(tmp_path, rows))
    assert (values["C2"], values["C3"], values["C9"]) == (1, 2, 0)


def test_ages_are_taken_from_the_middle_of_the_birth_month(tmp_path):
    # born March 2023, so "born" on 15 March 2023: under 1 on 14 March 2024, 1 on 15 March 2024
    rows = [row(child_id="A", birth_month="2023-03", referral_date="2024-03-14", offer_date="2024-03-14",
                consent_date="2024-03-14", fgc_date="2024-03-15")]
    values = derived_values(read_rows(tmp_path, rows))
    assert (values["B3_U1"], values["C4_U1"]) == (1, 1)
    assert (values["D4_U1"], values["D4_1TO4"]) == (0, 1)


def test_a_birth_month_after_the_date_counts_the_child_as_unborn_then(tmp_path):
    rows = [row(birth_month="2023-08", referral_date="2023-05-01")]  # FGC309 reports it
    values = derived_values(read_rows(tmp_path, rows))
    assert values["B3_UNBORN"] == 1 and values["D4_U1"] == 0 and values["D4_UNBORN"] == 1


def test_an_empty_return_derives_zeros(tmp_path):
    # an empty CSV's la_code column names no LA: the command gives --la
    derived = derive_aggregate(read_child_return(write_csv(tmp_path / "empty.csv", []), la="E06000047"))
    values = derived.values()
    assert values["B1"] == 0.0 and values["D3"] == 0.0
    assert values["A5"] is None  # no rows says nothing about whether there was a service


@pytest.mark.parametrize("la_code", ["E06000047", "E09000033", "E10000016"])
def test_demo_rows_derive_a_return_the_aggregate_rules_accept(tmp_path, la_code):
    from fgc_collect.validate import validate_returns

    la = find_la(la_code)
    rows = demo_child_rows(la, np.random.default_rng(7))
    path = tmp_path / "demo.csv"
    rows.with_columns(pl.lit(la.code).alias("la_code")).write_csv(path)
    derived = derive_aggregate(read_child_return(path))
    [result] = validate_returns([derived], scopes=("cell", "return"))
    relevant = [issue for issue in result.issues if issue.item not in {"A3", "A4", "A6"}]
    assert [issue for issue in relevant if issue.severity == "error"] == []
    referred_in_year = rows.filter(pl.col("referral_date") >= "2023-04-01").unique(["family_id", "child_id"])
    assert derived.values()["B2"] == referred_in_year.height
    assert derived.values()["C2"] > 0 and derived.values()["D1"] > 0


def test_writing_rows_back_gives_the_same_counts(tmp_path, worked):
    # the CSV and the stored (pseudonymised) form derive the same figures
    from fgc_collect.child.read import from_stored_bytes

    again = from_stored_bytes(worked.to_stored_bytes())
    assert derived_values(again) == derived_values(worked)
    assert write_csv(tmp_path / "x.csv", ROWS).read_text() == write_csv(tmp_path / "y.csv", ROWS).read_text()
