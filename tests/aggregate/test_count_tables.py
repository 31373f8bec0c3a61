"""A table of related counts (the catalogue's `tables`: the FGDM duty, 2024-25): a region's and
England's figures all come from the LAs that provided every count of the table, so the rate
printed beside the counts is their ratio; an LA's own row keeps what it gave."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from fgc_collect.aggregate import Config, build_tables

from tests.aggregate.handbuilt import (
    DARLINGTON, DERBY, EAST_MIDLANDS, HARTLEPOOL, LEICESTER, NORTH_EAST, year_2024_25,
)

TABLE = "fgc_fgdm_duty"
COUNTS = ("families_proceedings_considered", "families_offered_fgdm", "families_not_offered_best_interests")
# Leicester gave C11 but left C12 and C13 blank (FGC114, a warning: its return is used).
DUTY = {DARLINGTON.code: dict(C11=40.0, C12=30.0, C13=8.0), HARTLEPOOL.code: dict(C11=50.0, C12=36.0, C13=9.0),
        DERBY.code: dict(C11=60.0, C12=42.0, C13=10.0), LEICESTER.code: dict(C11=30.0)}
AREAS = ("E92000001", NORTH_EAST, EAST_MIDLANDS)


@pytest.fixture(scope="module")
def tables():
    return build_tables(year_2024_25(DUTY))


def rate(offered: str, considered: str) -> str:
    """offered / considered x 100 to 1 dp, halves up, from the printed figures."""
    return str((Decimal(offered) * 100 / Decimal(considered)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_england_and_regional_rates_are_the_printed_counts_ratio(tables):
    value = tables.value
    # England: Darlington, Hartlepool and Derby gave all three; Leicester's 30 is not in 150.
    assert [value(TABLE, column) for column in COUNTS] == ["150", "108", "27"]
    assert value(TABLE, "fgdm_offer_rate") == "72.0" == rate("108", "150")
    # The East Midlands: Derby only (Leicester gave C11 alone).
    assert [value(TABLE, column, EAST_MIDLANDS) for column in COUNTS] == ["60", "42", "10"]
    assert value(TABLE, "fgdm_offer_rate", EAST_MIDLANDS) == "70.0" == rate("42", "60")
    for area in AREAS:  # and the parts are within their whole, as in every return
        considered, offered, not_offered = (int(value(TABLE, column, area)) for column in COUNTS)
        assert value(TABLE, "fgdm_offer_rate", area) == rate(str(offered), str(considered))
        assert offered + not_offered <= considered


def test_an_la_keeps_its_own_figures(tables):
    value = tables.value
    assert [value(TABLE, column, LEICESTER.code) for column in COUNTS] == ["30", "x", "x"]
    assert value(TABLE, "fgdm_offer_rate", LEICESTER.code) == "x"
    assert value(TABLE, "fgdm_offer_rate", DERBY.code) == "70.0"


def test_an_la_that_gave_the_rate_but_not_every_count_keeps_its_rate():
    duty = {**DUTY, DERBY.code: dict(C11=60.0, C12=42.0)}  # C13 blank
    value = build_tables(year_2024_25(duty)).value
    assert [value(TABLE, column, DERBY.code) for column in COUNTS] == ["60", "42", "x"]
    assert value(TABLE, "fgdm_offer_rate", DERBY.code) == "70.0"
    assert value(TABLE, "families_proceedings_considered", EAST_MIDLANDS) == "x"  # no LA there gave all three
    assert [value(TABLE, column) for column in COUNTS] == ["90", "66", "17"]
    assert value(TABLE, "fgdm_offer_rate") == "73.3" == rate("66", "90")


def test_the_note_names_the_la_and_the_table(tables):
    (note,) = [note for note in tables.notes if note.concerns(TABLE) and "Leicester" in note]
    assert note.tables == (TABLE,) and note.columns == ()  # the table as a whole: every column's areas
    assert note.text.startswith("The family group decision making (FGDM) duty: ") and f"({TABLE})" in note.text
    assert "1 LA with a service did not (Leicester) and is left out of them, including the figures Leicester " \
           "did provide, which its own row shows:" in note.text
    assert note.points == ("of which offered an FGDM meeting (C12): not provided by 1 LA with a service (Leicester)",
                           "of which not offered one: not in the child's best interests (C13): not provided by 1 LA "
                           "with a service (Leicester)")
    # No note says Leicester is left out of only C12's or C13's figure.
    assert not [n for n in tables.notes if "Leicester" in n and "this figure and of the rates built on it" in n]


def test_rounded_counts_give_the_rate_printed_beside_them():
    tables = build_tables(year_2024_25(DUTY), Config(round_to=5))
    value = tables.value
    for area in AREAS:
        considered, offered = value(TABLE, COUNTS[0], area), value(TABLE, COUNTS[1], area)
        assert value(TABLE, "fgdm_offer_rate", area) == rate(offered, considered)
    assert value(TABLE, COUNTS[0]) == "150" and value(TABLE, COUNTS[1]) == "110"  # 108 -> 110
    assert value(TABLE, "fgdm_offer_rate") == "73.3"  # 110 / 150, not 108 / 150
    assert tables.protection.audit.passed


def test_a_part_hidden_by_suppression_cannot_be_bounded_by_the_duty_rule():
    # Every used return passes FGC113 (C12 + C13 <= C11, an error), so a reader knows Darlington's
    # C13 is at most C11 - C12: with 17 and 14 printed, a suppressed 3 would be placed in 0 to 3.
    duty = {**DUTY, DARLINGTON.code: dict(C11=17.0, C12=14.0, C13=3.0)}
    tables = build_tables(year_2024_25(duty))
    value = tables.value
    assert value(TABLE, COUNTS[2], DARLINGTON.code) == "c"
    for area in (*AREAS, DARLINGTON.code, HARTLEPOOL.code, DERBY.code):
        considered, offered, not_offered = (value(TABLE, column, area) for column in COUNTS)
        if not_offered == "c" and considered.isdigit() and offered.isdigit():
            assert int(considered) - int(offered) >= 5, area
    assert tables.protection.audit.passed


def test_the_disclosure_control_note_covers_every_table_of_counts(tables):
    from fgc_collect.aggregate.notes import coverage_notes

    (note,) = [note for note in coverage_notes(tables, {}) if note.text.startswith("Disclosure control")]
    assert TABLE in note.tables and "fgc_funnel" in note.tables and "fgc_coverage" not in note.tables
