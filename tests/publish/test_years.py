"""Tables across years: each year from its own returns and spec, the EES files carrying every year
as time periods, the FGDM duty table (2024-25), and the change since the previous year."""

from __future__ import annotations

import csv

import pytest

from fgc_collect.aggregate.tables import build_series
from fgc_collect.publish import check_publication, publish, workbook_name
from fgc_collect.reference import reference_for

from tests.aggregate.handbuilt import DARLINGTON, DERBY, HARTLEPOOL, NORTH_EAST, handbuilt_inputs, year_2024_25

DUTY = {DARLINGTON.code: dict(C11=20.0, C12=14.0, C13=3.0), HARTLEPOOL.code: dict(C11=25.0, C12=20.0, C13=2.0),
        DERBY.code: dict(C11=30.0, C12=9.0, C13=5.0)}  # Leicester left them blank


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    folder = tmp_path_factory.mktemp("years")
    tables = build_series({"2023-24": handbuilt_inputs(), "2024-25": year_2024_25(DUTY)})
    publish(tables, folder)
    return folder, tables


def test_the_headline_is_the_latest_year_and_the_files_hold_both(published):
    folder, tables = published
    assert tables.year == "2024-25" and sorted(tables.series) == ["2023-24", "2024-25"]
    funnel = [r for r in rows(folder / "fgc_funnel.csv") if r["geographic_level"] == "National"]
    assert {r["time_period"]: r["families_referred"] for r in funnel} == {"202324": "210", "202425": "250"}
    assert (folder / workbook_name("2024-25")).exists()
    assert not (folder / workbook_name("2023-24")).exists()
    assert check_publication(folder) == []


def test_the_fgdm_duty_table_by_la_region_and_england(published):
    folder, tables = published
    value = tables.value
    assert value("fgc_fgdm_duty", "families_proceedings_considered") == "75"  # 20 + 25 + 30
    assert value("fgc_fgdm_duty", "families_offered_fgdm") == "43"  # 14 + 20 + 9
    assert value("fgc_fgdm_duty", "families_not_offered_best_interests") == "10"
    assert value("fgc_fgdm_duty", "fgdm_offer_rate") == "57.3"  # 43 / 75
    assert value("fgc_fgdm_duty", "fgdm_offer_rate", DARLINGTON.code) == "70.0"  # 14 / 20
    assert value("fgc_fgdm_duty", "families_proceedings_considered", NORTH_EAST) == "45"
    # disclosure control as elsewhere: 3, 2, 5 and the North East's 5 are from 1 to 5
    assert value("fgc_fgdm_duty", "families_not_offered_best_interests", DARLINGTON.code) == "c"
    assert value("fgc_fgdm_duty", "families_not_offered_best_interests", NORTH_EAST) == "c"
    assert tables.protection.audit.passed
    # 2023-24 did not collect it: its rows are x
    duty = rows(folder / "fgc_fgdm_duty.csv")
    old = [r for r in duty if r["time_period"] == "202324"]
    assert len(old) == len([r for r in duty if r["time_period"] == "202425"]) == 1 + 9 + 153
    assert {r["fgdm_offer_rate"] for r in old} == {r["families_offered_fgdm"] for r in old} == {"x"}
    meta = rows(folder / "fgc_fgdm_duty.meta.csv")
    assert [m["col_name"] for m in meta] == ["families_proceedings_considered", "families_offered_fgdm",
                                             "families_not_offered_best_interests", "fgdm_offer_rate"]
    assert meta[0]["indicator_grouping"] == "Families" and meta[3]["indicator_unit"] == "%"


def test_an_item_a_year_did_not_collect_is_x_in_that_years_rows(published):
    folder, _ = published
    # B8 in 2024-25 has a Police category: the 2023-24 rows have no Police row, and every other
    # 2023-24 figure is as it was published then
    sources = rows(folder / "fgc_referral_sources.csv")
    assert "Police" in {r["referral_source"] for r in sources if r["time_period"] == "202425"}
    assert "Police" not in {r["referral_source"] for r in sources if r["time_period"] == "202324"}
    header = list(rows(folder / "fgc_funnel.meta.csv")[0])
    assert header[:3] == ["col_name", "col_type", "label"]


def test_summary_shows_the_change_since_the_previous_year(published):
    folder, _ = published
    text = (folder / "summary.html").read_text(encoding="utf-8")
    assert "Change since 2023-24" in text
    assert "<th scope=\"row\">Families referred</th><td>210</td><td>250</td><td>+40</td>" in text
    assert "Offer rate" in text and "percentage points" in text


def test_the_coverage_notes_name_the_reference_year(published):
    _, tables = published
    assert any("DfE's figures for 2024-25 are not held yet, so those for 2023-24 are used" in note
               for note in tables.notes)
    assert reference_for("2024-25")[0].figures_year == "2023-24"
    assert reference_for("2023-24")[0].children_in_need == 4109  # County Durham, at 31 March 2024


def test_the_2024_25_workbook_numbers_the_fgdm_duty_sheet_in_its_place(published):
    import openpyxl

    folder, _ = published
    book = openpyxl.load_workbook(folder / workbook_name("2024-25"))
    assert book.sheetnames == ["Cover", "Contents", "Notes", "1_Coverage", "2_Funnel", "3_Who", "4a_Referral_sources",
                               "4b_Decline_reasons", "4c_Not_held_reasons", "5_FGDM_duty", "6_Estimates"]
    listed = [row[0] for row in book["Contents"].iter_rows(min_row=4, max_col=1, values_only=True) if row[0]]
    assert listed == book.sheetnames[2:]  # the contents link every sheet by its name
