"""The national tables from hand-built returns: every figure below is worked out by hand from
tests/aggregate/handbuilt.py and the reference data."""

from __future__ import annotations

import pytest

from fgc_collect.aggregate import Config, Inputs, LARecord, build_tables
from fgc_collect.aggregate.audit import exact_ranges
from fgc_collect.reference import local_authorities

from tests.aggregate.handbuilt import (
    DARLINGTON, DERBY, EAST_MIDLANDS, GATESHEAD, HARTLEPOOL, LEICESTER, LONDON, NORTH_EAST, handbuilt_inputs,
    service_values,
)


@pytest.fixture(scope="module")
def tables():
    return build_tables(handbuilt_inputs())


def test_funnel_counts_for_england_regions_and_las(tables):
    value = tables.value
    # England: the four LAs with a service; Gateshead (no service) adds nothing.
    assert value("fgc_funnel", "families_referred") == "210"  # 40 + 60 + 80 + 30
    assert value("fgc_funnel", "children_referred") == "370"  # 70 + 100 + 150 + 50
    assert value("fgc_funnel", "fgcs_held") == "92"
    assert value("fgc_funnel", "fgcs_not_held") == "36"
    assert value("fgc_funnel", "review_fgcs") == "36"  # 9 + 20 + 0 + 7: Derby's 0 is a figure
    # North East: Darlington + Hartlepool.
    assert value("fgc_funnel", "families_referred", NORTH_EAST) == "100"
    assert value("fgc_funnel", "families_offered", EAST_MIDLANDS) == "84"
    # LA rows.
    assert value("fgc_funnel", "families_referred", DERBY.code) == "80"
    assert value("fgc_funnel", "families_referred", GATESHEAD.code) == "z"  # no service
    assert value("fgc_funnel", "families_referred", "E09000033") == "x"  # Westminster sent nothing
    # A region with no return at all.
    assert value("fgc_funnel", "families_referred", LONDON) == "x"


def test_a_blank_item_is_not_provided_and_left_out_never_zero(tables):
    value = tables.value
    # Derby left C1_PLO blank: England's figure is Darlington + Hartlepool + Leicester only.
    assert value("fgc_funnel", "families_offered_pre_proceedings") == "38"  # 10 + 20 + 8
    assert value("fgc_funnel", "families_offered_pre_proceedings", DERBY.code) == "x"
    assert value("fgc_funnel", "families_offered_pre_proceedings", EAST_MIDLANDS) == "8"
    assert any("(C1_PLO): not provided by 1 LA with a service (Derby)" in note for note in tables.notes)
    (note,) = [note for note in tables.notes if "(C1_PLO): not provided" in note]
    assert note.text.endswith("Each such rate is over the LAs that gave both of its figures, so it can differ from the "
                         "ratio of the two counts printed beside it, the other of which still includes these LAs.")


def test_rates(tables):
    value = tables.value
    assert value("fgc_funnel", "offer_rate") == "78.1"  # 164 / 210
    assert value("fgc_funnel", "consent_rate") == "75.0"  # 123 / 164
    assert value("fgc_funnel", "take_up_rate") == "74.8"  # 92 / 123
    assert value("fgc_funnel", "overall_rate") == "43.8"  # 92 / 210
    assert value("fgc_funnel", "children_per_family_referred") == "1.76"  # 370 / 210
    assert value("fgc_funnel", "take_up_rate", DERBY.code) == "77.8"  # 35 / 45
    assert value("fgc_funnel", "offer_rate", GATESHEAD.code) == "z"
    assert value("fgc_funnel", "offer_rate", LONDON) == "x"


def test_rates_per_child_use_the_reference_data(tables):
    # Per 10,000 children aged 0-17 of the responding LAs, Gateshead (no service, no referrals) included.
    responding = (DARLINGTON, HARTLEPOOL, GATESHEAD, DERBY, LEICESTER)
    population = sum(la.child_population_0_17 for la in responding)
    assert tables.value("fgc_funnel", "children_referred_per_10000") == f"{370 / population * 10000:.1f}"
    north_east = sum(la.child_population_0_17 for la in (DARLINGTON, HARTLEPOOL, GATESHEAD))
    assert tables.value("fgc_funnel", "children_referred_per_10000", NORTH_EAST) == f"{170 / north_east * 10000:.1f}"
    cin = sum(la.children_in_need for la in responding)
    assert tables.value("fgc_funnel", "children_referred_per_100_cin") == f"{370 / cin * 100:.1f}"
    assert tables.value("fgc_funnel", "children_referred_per_10000", GATESHEAD.code) == "z"


def test_characteristics_with_a_blank_breakdown(tables):
    value = tables.value
    under_one = {"age_group": "Under 1"}
    # Leicester left the age of children referred blank: the age figures at every stage cover the
    # other three LAs (70 + 100 + 150 = 320 children referred), and Leicester's children are in
    # Unknown (not provided). The Total is every child referred, as in the funnel.
    assert value("fgc_characteristics", "las_covered", **under_one) == "3"
    assert value("fgc_characteristics", "children_referred") == "370"
    assert value("fgc_characteristics", "children_referred", **under_one) == "120"
    assert value("fgc_characteristics", "children_referred_pct", **under_one) == "37.5"  # 120 / 320
    assert value("fgc_characteristics", "children_referred", age_group="Unknown") == "50"
    assert value("fgc_characteristics", "children_referred_pct", age_group="Unknown") == "13.5"  # 50 / 370
    # FGCs held, the same three LAs: (15 + 25 + 30) / (27 + 50 + 60) = 70 / 137.
    assert value("fgc_characteristics", "children_in_fgcs_held_pct", **under_one) == "51.1"
    # The equity ratio is the ratio of the two percentages beside it.
    assert value("fgc_characteristics", "equity_ratio", **under_one) == f"{(70 / 137) / (120 / 320):.2f}"
    assert value("fgc_characteristics", "children_referred", LEICESTER.code, **under_one) == "x"
    assert value("fgc_characteristics", "children_referred", LEICESTER.code, age_group="Unknown") == "50"
    assert value("fgc_characteristics", "equity_ratio", age_group="Unknown") == "z"
    assert any("(B3): not provided by 1 LA (Leicester)" in note for note in tables.notes)


def test_reasons_and_sources(tables):
    value = tables.value
    assert value("fgc_decline_reasons", "families_declined", reason="Total") == "39"  # 8 + 10 + 15 + 6
    label = "Family did not want an FGC or did not see the need"
    assert value("fgc_decline_reasons", "families_declined_pct", reason=label) == "100.0"
    assert value("fgc_referral_sources", "families_referred", referral_source="Total") == "210"
    assert value("fgc_not_held_reasons", "fgcs_not_held", NORTH_EAST, reason="Family withdrew consent") == "20"


def test_coverage(tables):
    value = tables.value
    assert value("fgc_coverage", "las") == "153"
    assert value("fgc_coverage", "returns_used") == "5"
    assert value("fgc_coverage", "las_with_service") == "4"
    assert value("fgc_coverage", "las_without_service") == "1"
    assert value("fgc_coverage", "service_inhouse") == "4"
    assert value("fgc_coverage", "offered_at_plo") == "4"
    assert value("fgc_coverage", "offered_at_eh") == "0"
    assert value("fgc_coverage", "returns_used", LONDON) == "0"
    assert value("fgc_coverage", "las_with_service", LONDON) == "x"
    las = local_authorities()
    share = 100 * sum(la.child_population_0_17 for la in (DARLINGTON, HARTLEPOOL, GATESHEAD, DERBY, LEICESTER)) / sum(
        la.child_population_0_17 for la in las)
    assert value("fgc_coverage", "child_population_covered_pct") == f"{share:.1f}"
    assert value("fgc_coverage", "external_provider", DERBY.code) == "z"  # in-house


def test_estimates_scale_up_by_child_population(tables):
    # East Midlands: Derby and Leicester known; the other LAs are imputed with their ratio.
    region = [la for la in local_authorities() if la.region_code == EAST_MIDLANDS]
    known = {DERBY.code: 80, LEICESTER.code: 30}
    x_known = sum(la.child_population_0_17 for la in region if la.code in known)
    x_missing = sum(la.child_population_0_17 for la in region if la.code not in known)
    expected = 110 + 110 / x_known * x_missing
    assert tables.value("fgc_estimates", "families_referred_estimate", EAST_MIDLANDS) == str(round(expected))
    assert tables.value("fgc_estimates", "families_referred_responding", EAST_MIDLANDS) == "110"
    # Too few LAs known for an interval in a region; London has none and borrows England's ratio.
    assert tables.value("fgc_estimates", "families_referred_lower_95", EAST_MIDLANDS) == "x"
    assert tables.value("fgc_estimates", "families_referred_responding", LONDON) == "x"
    london = [la for la in local_authorities() if la.region_code == LONDON]
    everyone = (DARLINGTON, HARTLEPOOL, GATESHEAD, DERBY, LEICESTER)
    ratio = 210 / sum(la.child_population_0_17 for la in everyone)
    assert tables.value("fgc_estimates", "families_referred_estimate", LONDON) == str(
        round(ratio * sum(la.child_population_0_17 for la in london)))
    low, point, high = (float(tables.value("fgc_estimates", f"families_referred_{part}"))
                        for part in ("lower_95", "estimate", "upper_95"))
    assert 210 <= low < point < high  # never below the known LAs' total
    assert tables.value("fgc_estimates", "families_referred_lower_95", LONDON) == "x"  # borrowed: no interval
    # 148 LAs' figures estimated in England, 8 in the East Midlands.
    assert tables.value("fgc_estimates", "families_referred_las_estimated") == "148"
    assert tables.value("fgc_estimates", "families_referred_las_estimated", EAST_MIDLANDS) == "8"
    # The sensitivity: the same estimate with children in need as the auxiliary, side by side.
    cin_known = sum(la.children_in_need for la in region if la.code in known)
    cin_all = sum(la.children_in_need for la in region)
    assert tables.value("fgc_estimates", "families_referred_estimate_cin", EAST_MIDLANDS) == str(
        round(110 / cin_known * cin_all))
    assert tables.value("fgc_estimates", "families_referred_estimate_population", EAST_MIDLANDS) == str(round(expected))


def test_a_region_whose_every_la_responded_has_a_count_not_an_estimate():
    north_east = [la for la in local_authorities() if la.region_code == NORTH_EAST]
    records = []
    for la in north_east:
        values = service_values("Darlington")  # 40 families referred each
        values.update(A1=la.name, A2=la.code)
        records.append(LARecord(la, values))
    tables = build_tables(Inputs(tuple(records)))
    value = tables.value
    assert value("fgc_estimates", "families_referred_responding", NORTH_EAST) == str(40 * len(north_east))
    assert value("fgc_estimates", "families_referred_estimate", NORTH_EAST) == str(40 * len(north_east))
    assert value("fgc_estimates", "families_referred_las_estimated", NORTH_EAST) == "0"
    assert value("fgc_estimates", "families_referred_lower_95", NORTH_EAST) == "z"  # no zero-width interval
    assert value("fgc_estimates", "families_referred_upper_95", NORTH_EAST) == "z"
    assert value("fgc_estimates", "families_referred_las_estimated") == str(153 - len(north_east))
    assert any("the total is a count, not an estimate" in note for note in tables.notes)
    # Rounded to 5: 42 families each show as 40, their total 504 as 505; the count is 505.
    records = [LARecord(r.la, {**r.values, "B1": 42.0, "B8_CSC": 42.0}) for r in records]
    rounded = build_tables(Inputs(tuple(records)), Config(round_to=5))
    assert rounded.value("fgc_funnel", "families_referred", north_east[0].code) == "40"
    assert rounded.value("fgc_estimates", "families_referred_responding", NORTH_EAST) == "505"
    assert rounded.value("fgc_estimates", "families_referred_estimate", NORTH_EAST) == "505"
    assert rounded.value("fgc_estimates", "families_referred_estimate_cin", NORTH_EAST) == "505"


def test_small_counts_are_suppressed_with_a_partner_and_rates_follow():
    tables = build_tables(handbuilt_inputs(Darlington={"D9": 3}))
    value = tables.value
    assert value("fgc_funnel", "fgcs_not_held", DARLINGTON.code) == "c"
    # The North East figure (3 + 10) is published, so Hartlepool's 10 must go too, else 13 - 10 = 3.
    assert value("fgc_funnel", "fgcs_not_held", NORTH_EAST) == "13"
    assert value("fgc_funnel", "fgcs_not_held", HARTLEPOOL.code) == "c"
    assert value("fgc_funnel", "fgcs_not_held") == "29"  # national: never suppressed for being small
    reason = "Family withdrew consent"
    assert value("fgc_not_held_reasons", "fgcs_not_held", DARLINGTON.code, reason=reason) == "c"
    assert value("fgc_not_held_reasons", "fgcs_not_held_pct", DARLINGTON.code, reason=reason) == "c"
    assert tables.protection.audit.passed
    assert tables.protection.audit.narrowest >= 5


def test_an_la_left_out_of_a_breakdown_cannot_be_recovered_by_difference():
    # Leicester did not give ages at referral and referred only 4 children. Its children are the
    # age table's Unknown (not provided), so the age table's Total is the funnel's and no
    # difference between two published totals gives its 4; England's totals stay published.
    changes = {"B2": 4, "B1": 3, "C1": 3, "C1_PLO": 1, "C2": 3, "C3": 4, "C9": 0, "D1": 3, "D1_PLO": 1, "D3": 4,
               "D9": 0, "D2": 0, "D11": 3}
    tables = build_tables(handbuilt_inputs(Leicester=changes))
    assert tables.value("fgc_funnel", "children_referred") == "324"  # 70 + 100 + 150 + 4
    assert tables.value("fgc_characteristics", "children_referred") == "324"
    assert tables.value("fgc_characteristics", "children_referred", LEICESTER.code, age_group="Unknown") == "c"
    low, high = exact_ranges(tables.ledger, tables.protection.suppressed)[("B2", frozenset({LEICESTER.code}))]
    assert high - low >= 5
    assert tables.protection.audit.passed


def test_a_return_whose_breakdown_does_not_add_up_is_left_out_of_it():
    values = service_values("Derby")
    values["B3_U1"] = 51.0  # 51 + 100 is not Derby's 150
    inputs = handbuilt_inputs()
    records = tuple(LARecord(r.la, values) if r.la == DERBY else r for r in inputs.used)
    tables = build_tables(Inputs(records))
    # Age covers Darlington and Hartlepool (Leicester left it blank): 30 + 40 under 1 year.
    assert tables.value("fgc_characteristics", "children_referred", age_group="Under 1") == "70"
    assert tables.value("fgc_characteristics", "las_covered", age_group="Under 1") == "2"
    assert tables.value("fgc_characteristics", "children_referred", age_group="Unknown") == "200"  # 150 + 50
    assert any("from Derby was not used: it adds up to 151, not 150" in note for note in tables.notes)


def test_rounding_is_configurable_and_national_figures_are_unrounded_by_default(tables):
    rounded = build_tables(handbuilt_inputs(), Config(round_to=5))
    assert tables.value("fgc_funnel", "fgcs_held") == "92"
    assert rounded.value("fgc_funnel", "fgcs_held") == "90"
    # Rates from the rounded counts, so they cannot give the exact ones back: 90 / 125, not 92 / 123.
    assert rounded.value("fgc_funnel", "take_up_rate") == "72.0"
    assert rounded.value("fgc_funnel", "children_per_family_referred") == "1.76"  # 370 / 210
    population = sum(la.child_population_0_17 for la in (DARLINGTON, HARTLEPOOL, GATESHEAD, DERBY, LEICESTER))
    assert rounded.value("fgc_funnel", "children_referred_per_10000") == f"{370 / population * 10000:.1f}"
    # Darlington's 6 FGCs held at pre-proceedings show as 5; the North East's 16 as 15.
    assert rounded.value("fgc_funnel", "fgcs_held_pre_proceedings", DARLINGTON.code) == "5"
    # Percentages too: among the children whose age is known, from the counts as published.
    under_one, unknown = (int(rounded.value("fgc_characteristics", "children_referred", age_group=group))
                          for group in ("Under 1", "Unknown"))
    everyone = int(rounded.value("fgc_characteristics", "children_referred"))
    assert under_one % 5 == unknown % 5 == everyone % 5 == 0
    assert rounded.value("fgc_characteristics", "children_referred_pct", age_group="Under 1") == (
        f"{100 * under_one / (everyone - unknown):.1f}")


def test_text_from_a_return_is_kept_as_text(tables):
    values = service_values("Derby")
    values.update(A6="COMMISSIONED", A7="=HYPERLINK(\"http://evil\",\"Daybreak\")")
    inputs = handbuilt_inputs()
    records = tuple(LARecord(r.la, values) if r.la == DERBY else r for r in inputs.used)
    built = build_tables(Inputs(records))
    assert built.value("fgc_coverage", "external_provider", DERBY.code) == "=HYPERLINK(\"http://evil\",\"Daybreak\")"
    assert built.value("fgc_coverage", "service_commissioned") == "1"


def test_england_made_of_one_regions_las_is_suppressed_like_the_region():
    # Only Darlington (2) and Hartlepool (3) gave D9: England's figure is the North East's, 5, a
    # regional count from 1 to 5, shown in the England row too.
    records = []
    for record in handbuilt_inputs(Darlington={"D9": 2}, Hartlepool={"D9": 3}).used:
        values = dict(record.values)
        if record.la in (DERBY, LEICESTER):
            values.update({key: None for key in values if key == "D9" or key.startswith("D10_")})
        records.append(LARecord(record.la, values))
    tables = build_tables(Inputs(tuple(records)))
    assert tables.value("fgc_funnel", "fgcs_not_held", NORTH_EAST) == "c"
    assert tables.value("fgc_funnel", "fgcs_not_held") == "c"


def test_a_blank_reasons_breakdown_is_not_known_and_england_stays(tables):
    # Leicester (30 families referred) left who referred them blank: its families are "Not known",
    # so the table's Total is the funnel's 210, not 180 (which would make Leicester a difference).
    values = service_values("Leicester")
    values.update({key: None for key in values if key.startswith("B8_")})
    records = tuple(LARecord(r.la, values) if r.la == LEICESTER else r for r in handbuilt_inputs().used)
    built = build_tables(Inputs(records))
    value = built.value
    assert value("fgc_referral_sources", "families_referred") == value("fgc_funnel", "families_referred") == "210"
    assert value("fgc_referral_sources", "families_referred", referral_source="Not known") == "30"
    assert value("fgc_referral_sources", "families_referred_pct", referral_source="Not known") == f"{100 * 30 / 210:.1f}"
    assert value("fgc_referral_sources", "families_referred", LEICESTER.code, referral_source="Not known") == "30"
    assert value("fgc_referral_sources", "families_referred", LEICESTER.code,
                 referral_source="Children's social care (social worker)") == "x"
    assert any("(B8): not provided by 1 LA (Leicester)" in note and "Not known" in note for note in built.notes)
