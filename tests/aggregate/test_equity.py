"""Who gets an FGC: percentages among children whose category is known, the equity ratio as the
ratio of the two percentages beside it, and its 95% interval with LAs as clusters. Every figure
is worked out by hand below from five hand-built returns (four North East LAs and Derby) that give
children by ethnicity at referral (B5), consent (C6) and FGC held (D6)."""

from __future__ import annotations

import math

import pytest

from fgc_collect.aggregate import Config, Inputs, LARecord, build_tables
from fgc_collect.aggregate.equity import equity_interval, pooled
from fgc_collect.reference import find_la_by_name
from fgc_collect.spec import load_spec

from tests.aggregate.handbuilt import ALL_IN, NORTH_EAST

ETHNICITIES = ("WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "UNK")
ITEMS = {  # DfE's filter items, in the spec's order
    "WHITE": "White", "MIXED": "Mixed / Multiple ethnic groups", "ASIAN": "Asian / Asian British",
    "BLACK": "Black / African / Caribbean / Black British", "OTHER": "Other ethnic group", "UNK": "Unknown",
}
# Children by ethnicity (White, Mixed, Asian, Black, Other, Unknown) at referral, consent, FGC held.
ETHNICITY = {
    "Darlington": ((60, 10, 8, 6, 0, 6), (40, 6, 6, 0, 0, 8), (32, 6, 0, 0, 0, 7)),
    "Hartlepool": ((80, 12, 0, 10, 6, 12), (50, 8, 0, 6, 0, 6), (40, 6, 0, 6, 0, 8)),
    "Middlesbrough": ((70, 15, 20, 12, 8, 0), (45, 10, 12, 6, 6, 0), (38, 8, 8, 0, 6, 0)),
    "Stockton-on-Tees": ((90, 10, 14, 8, 0, 10), (60, 6, 8, 6, 0, 7), (44, 6, 6, 0, 0, 12)),
    "Derby": ((100, 20, 30, 25, 10, 15), (65, 12, 18, 14, 6, 9), (55, 10, 12, 8, 6, 8)),
}


def ethnicity_values(name: str, stages) -> dict[str, object]:
    """A return whose every count is 0 or at least 6 (nothing is suppressed), ethnicity as given,
    every other breakdown in one category."""
    spec = load_spec()
    la = find_la_by_name(name)
    totals = dict(zip(("B2", "C3", "D3"), (sum(stage) for stage in stages)))
    values: dict[str, object] = {cell.id: None for cell in spec.input_cells}
    values.update(A1=la.name, A2=la.code, A5="Y", A6="INHOUSE")
    values.update(B1=50.0, C1=40.0, C1_PLO=10.0, C2=30.0, C9=10.0, D1=25.0, D1_PLO=8.0, D9=0.0, D2=10.0, D11=20.0)
    values.update({item: float(total) for item, total in totals.items()})
    breakdown_of = {"B5": stages[0], "C6": stages[1], "D6": stages[2]}
    for item in spec.breakdowns:
        if item.id in breakdown_of:
            for code, figure in zip(ETHNICITIES, breakdown_of[item.id]):
                values[f"{item.id}_{code}"] = float(figure)
            continue
        into = {"AGE": "10TO15"}.get(item.category_set) or ALL_IN[item.category_set]
        total = values[item.total]
        for cell in item.cells:
            values[cell.id] = total if cell.category.code == into else 0.0
    return values


def inputs(ethnicity=ETHNICITY, **changes) -> Inputs:
    records = []
    for name, stages in ethnicity.items():
        values = ethnicity_values(name, stages)
        values.update(changes.get(name, {}))
        records.append(LARecord(find_la_by_name(name), values))
    return Inputs(tuple(records))


def by_hand(stages_by_la, code: str):
    """(share at referral, share at FGC held, equity ratio, clusters) over the LAs given, among
    children of known ethnicity."""
    k = ETHNICITIES.index(code)
    clusters = []
    for referral, _, held in stages_by_la:
        clusters.append((held[k], sum(held[:5]), referral[k], sum(referral[:5])))
    a, b, c, d = (sum(cluster[i] for cluster in clusters) for i in range(4))
    return c / d, a / b, (a / b) / (c / d), clusters


def interval_by_hand(clusters, ratio):
    """The delta method on the log scale, LAs as clusters; Student's t with Satterthwaite's
    effective degrees of freedom, (sum u^2)^2 / sum u^4, at most n - 1."""
    from scipy.stats import t

    a, b, c, d = (sum(cluster[i] for cluster in clusters) for i in range(4))
    n = len(clusters)
    u = [ai / a - bi / b - ci / c + di / d for ai, bi, ci, di in clusters]
    assert math.isclose(sum(u), 0, abs_tol=1e-12)
    df = min(n - 1, sum(x * x for x in u) ** 2 / sum(x ** 4 for x in u))
    half = t.ppf(0.975, df) * math.sqrt(n / (n - 1) * sum(x * x for x in u))
    return ratio * math.exp(-half), ratio * math.exp(half)


@pytest.fixture(scope="module")
def tables():
    return build_tables(inputs())


def test_percentages_are_among_children_whose_category_is_known(tables):
    value = tables.value
    assert not tables.protection.suppressed  # every count is 0 or at least 6
    referral, held, _, _ = by_hand(ETHNICITY.values(), "WHITE")
    # White at referral: 400 of the 624 children of known ethnicity (667 referred, 43 unknown).
    assert value("fgc_characteristics", "children_referred", ethnicity_major="White") == "400"
    assert referral == 400 / 624
    assert value("fgc_characteristics", "children_referred_pct", ethnicity_major="White") == f"{100 * referral:.1f}"
    assert value("fgc_characteristics", "children_in_fgcs_held_pct", ethnicity_major="White") == f"{100 * held:.1f}"
    # The Total row is every child at the stage, the funnel's figure.
    assert value("fgc_characteristics", "children_referred") == value("fgc_funnel", "children_referred") == "667"
    # Unknown: a share of all children (a data-quality figure), with no equity ratio.
    assert value("fgc_characteristics", "children_referred", ethnicity_major="Unknown") == "43"
    assert value("fgc_characteristics", "children_referred_pct", ethnicity_major="Unknown") == f"{100 * 43 / 667:.1f}"
    for column in ("equity_ratio", "equity_ratio_lower_95", "equity_ratio_upper_95", "equity_ratio_excludes_1"):
        assert value("fgc_characteristics", column, ethnicity_major="Unknown") == "z"
    # Shares of the known categories add up to 100.
    shares = [by_hand(ETHNICITY.values(), code)[0] for code in ETHNICITIES[:5]]
    assert math.isclose(sum(shares), 1.0)


@pytest.mark.parametrize("code", ETHNICITIES[:5])
def test_the_equity_ratio_is_the_ratio_of_the_two_percentages_beside_it(tables, code):
    value = tables.value
    item = ITEMS[code]
    referral, held, ratio, clusters = by_hand(ETHNICITY.values(), code)
    assert value("fgc_characteristics", "children_referred_pct", ethnicity_major=item) == f"{100 * referral:.1f}"
    assert value("fgc_characteristics", "children_in_fgcs_held_pct", ethnicity_major=item) == f"{100 * held:.1f}"
    assert value("fgc_characteristics", "equity_ratio", ethnicity_major=item) == f"{held / referral:.2f}"
    # The 95% interval, LAs as clusters (delta method on the log scale).
    low, high = interval_by_hand(clusters, ratio)
    assert value("fgc_characteristics", "equity_ratio_lower_95", ethnicity_major=item) == f"{low:.2f}"
    assert value("fgc_characteristics", "equity_ratio_upper_95", ethnicity_major=item) == f"{high:.2f}"
    assert value("fgc_characteristics", "equity_ratio_excludes_1", ethnicity_major=item) == (
        "Yes" if low > 1 or high < 1 else "No")
    assert value("fgc_characteristics", "las_covered", ethnicity_major=item) == "5"


def test_regional_and_la_figures(tables):
    value = tables.value
    north_east = [ETHNICITY[name] for name in ("Darlington", "Hartlepool", "Middlesbrough", "Stockton-on-Tees")]
    referral, held, ratio, _ = by_hand(north_east, "ASIAN")
    asian = {"ethnicity_major": ITEMS["ASIAN"]}
    assert value("fgc_characteristics", "equity_ratio", NORTH_EAST, **asian) == f"{ratio:.2f}"
    assert value("fgc_characteristics", "children_referred_pct", NORTH_EAST, **asian) == f"{100 * referral:.1f}"
    # Four LAs are fewer than the 5 an interval needs; one LA has no interval of its own.
    assert value("fgc_characteristics", "equity_ratio_lower_95", NORTH_EAST, **asian) == "x"
    derby = find_la_by_name("Derby").code
    assert value("fgc_characteristics", "equity_ratio", derby, **asian) == f"{(12 / 91) / (30 / 185):.2f}"
    assert value("fgc_characteristics", "equity_ratio_lower_95", derby, **asian) == "z"
    # No child of Asian ethnicity at an FGC in Darlington: an equity ratio of 0.
    assert value("fgc_characteristics", "equity_ratio", find_la_by_name("Darlington").code, **asian) == "0.00"
    # No child of Other ethnicity referred in Darlington: no ratio at all.
    other = {"ethnicity_major": ITEMS["OTHER"]}
    assert value("fgc_characteristics", "equity_ratio", find_la_by_name("Darlington").code, **other) == "z"


def test_the_other_characteristics_are_filters_of_their_own(tables):
    value = tables.value
    frame = tables.frame("fgc_characteristics")
    for column in ("age_group", "sex", "ethnicity_major", "disability_status", "social_care_status"):
        assert column in frame.columns
    assert "characteristic" not in frame.columns and "characteristic_type" not in frame.columns
    # Everyone is male here: 100% of the children of known sex.
    assert value("fgc_characteristics", "children_referred_pct", sex="Male") == "100.0"
    assert value("fgc_characteristics", "children_referred", sex="Unknown") == "0"
    assert value("fgc_characteristics", "children_referred", age_group="10 to 15") == "667"
    assert value("fgc_characteristics", "children_referred", disability_status="No known disability") == "667"


def test_an_la_that_left_a_breakdown_blank_drops_out_of_it_and_england_stays():
    # Stockton-on-Tees left ethnicity at consent blank: its children are "not provided" for
    # ethnicity at every stage (Unknown), so the percentages and ratio compare the same four LAs.
    blank = {f"C6_{code}": None for code in ETHNICITIES}
    built = build_tables(inputs(**{"Stockton-on-Tees": blank}), Config(min_interval_las=4))
    value = built.value
    covered = [stages for name, stages in ETHNICITY.items() if name != "Stockton-on-Tees"]
    referral, held, ratio, clusters = by_hand(covered, "WHITE")
    white = {"ethnicity_major": "White"}
    assert value("fgc_characteristics", "las_covered", **white) == "4"
    assert value("fgc_characteristics", "children_referred", **white) == "310"  # 400 - Stockton's 90
    assert value("fgc_characteristics", "children_referred_pct", **white) == f"{100 * referral:.1f}"
    assert value("fgc_characteristics", "equity_ratio", **white) == f"{ratio:.2f}"
    low, high = interval_by_hand(clusters, ratio)
    assert value("fgc_characteristics", "equity_ratio_lower_95", **white) == f"{low:.2f}"
    assert value("fgc_characteristics", "equity_ratio_upper_95", **white) == f"{high:.2f}"
    # Stockton's 87 children consented are "unknown or not provided"; the Total is the funnel's.
    assert value("fgc_characteristics", "children_consented", ethnicity_major="Unknown") == str(8 + 6 + 0 + 9 + 87)
    assert value("fgc_characteristics", "children_consented") == value("fgc_funnel", "children_consented") == "420"
    stockton = find_la_by_name("Stockton-on-Tees").code
    assert value("fgc_characteristics", "children_referred", stockton, **white) == "x"
    assert value("fgc_characteristics", "las_covered", stockton, **white) == "0"
    national = built.frame("fgc_characteristics").filter(built.frame("fgc_characteristics")["geographic_level"] == "National")
    assert "c" not in {v for column in national.columns for v in national[column]}


# Darlington and Hartlepool have 1 to 5 children of Other ethnicity at FGCs held: suppressed, with
# their Unknown counts as partners. The two versions differ only in those four counts.
HIDDEN = {  # children by ethnicity at FGCs held
    "A": {"Darlington": (25, 10, 0, 0, 3, 7), "Hartlepool": (40, 10, 0, 0, 3, 7)},
    "B": {"Darlington": (25, 10, 0, 0, 2, 8), "Hartlepool": (40, 10, 0, 0, 4, 6)},
}


def with_hidden(version: str) -> dict:
    ethnicity = dict(ETHNICITY)
    for name, held in HIDDEN[version].items():
        referral, consent, _ = ethnicity[name]
        ethnicity[name] = (referral, consent, held)
    return ethnicity


def test_the_interval_reveals_nothing_about_a_suppressed_count():
    built = {version: build_tables(inputs(with_hidden(version)), Config(min_interval_las=4)) for version in HIDDEN}
    a, b = built["A"], built["B"]
    assert a.protection.suppressed == b.protection.suppressed
    darlington, hartlepool = (find_la_by_name(name).code for name in ("Darlington", "Hartlepool"))
    assert a.value("fgc_characteristics", "children_in_fgcs_held", darlington, ethnicity_major="Unknown") == "c"
    # Every published figure is the same in both versions, the intervals included...
    for name in ("fgc_characteristics", "fgc_funnel"):
        assert a.frame(name).equals(b.frame(name)), name
    # ...though the intervals over every LA on its own would differ: the two LAs are pooled.
    white_a = by_hand(with_hidden("A").values(), "WHITE")
    white_b = by_hand(with_hidden("B").values(), "WHITE")
    assert interval_by_hand(white_a[3], white_a[2]) != interval_by_hand(white_b[3], white_b[2])
    clusters = {find_la_by_name(name).code: cluster for name, cluster in zip(with_hidden("A"), white_a[3])}
    area = tuple(sum(c[i] for c in clusters.values()) for i in range(4))
    joined = pooled(area, clusters, {darlington, hartlepool})
    assert len(joined) == 4  # with the default of at least 5 LAs, no interval
    assert build_tables(inputs(with_hidden("A"))).value(
        "fgc_characteristics", "equity_ratio_lower_95", ethnicity_major="White") == "x"
    low, high = equity_interval(joined)
    assert a.value("fgc_characteristics", "equity_ratio_lower_95", ethnicity_major="White") == f"{low:.2f}"
    assert a.value("fgc_characteristics", "equity_ratio_upper_95", ethnicity_major="White") == f"{high:.2f}"


def test_equity_interval_by_hand():
    # Four LAs: (group at FGC held, known at FGC held, group at referral, known at referral).
    clusters = [(10, 40, 20, 100), (5, 30, 10, 60), (8, 20, 12, 50), (30, 60, 25, 90)]
    ratio = (53 / 150) / (67 / 300)
    u = [10 / 53 - 40 / 150 - 20 / 67 + 100 / 300, 5 / 53 - 30 / 150 - 10 / 67 + 60 / 300,
         8 / 53 - 20 / 150 - 12 / 67 + 50 / 300, 30 / 53 - 60 / 150 - 25 / 67 + 90 / 300]
    squares = [x * x for x in u]
    # Effective degrees of freedom (sum u^2)^2 / sum u^4 = 2.1047 (fewer than the 3 of four equal
    # LAs: the fourth LA dominates); Student's t's 97.5% point for them is 4.10399.
    assert math.isclose(sum(squares) ** 2 / sum(x * x for x in squares), 2.10466, rel_tol=1e-5)
    half = 4.10399 * math.sqrt(4 / 3 * sum(squares))
    low, high = equity_interval(clusters)
    assert math.isclose(low, ratio * math.exp(-half), rel_tol=1e-5)
    assert math.isclose(high, ratio * math.exp(half), rel_tol=1e-5)
    assert equity_interval(clusters[:1]) is None
    assert equity_interval([(0, 40, 20, 100), (0, 30, 10, 60)]) is None  # a ratio of 0: no log-scale interval


def test_pooling_by_hand():
    by_la = {"A": (1, 10, 2, 20), "B": (2, 10, 3, 20), "C": (3, 10, 4, 20), "D": (4, 10, 5, 20), "E": (5, 10, 6, 20)}
    england = (15, 50, 20, 100)
    # B and C are hidden in a region {A, B, C} whose figures are published; E in one whose are not.
    region = (6, 30, 9, 60)
    clusters = pooled(england, by_la, {"B", "C", "E"}, [(region, {"A", "B", "C"})])
    assert sorted(clusters) == sorted([(1, 10, 2, 20), (4, 10, 5, 20), (5, 20, 7, 40), (5, 10, 6, 20)])
    # Without the region, the three hidden LAs are one cluster: England minus A and D.
    assert sorted(pooled(england, by_la, {"B", "C", "E"})) == sorted([(1, 10, 2, 20), (4, 10, 5, 20), (10, 30, 13, 60)])


def test_the_interval_holds_its_coverage_in_a_simulation():
    # Synthetic LAs whose group shares and chances of reaching an FGC vary from LA to LA; nine
    # regions, most LAs pooled within them (as when their small counts are suppressed).
    import numpy as np

    rng = np.random.default_rng(20240331)

    def draw(n):
        known = rng.binomial(rng.negative_binomial(4, 4 / 204, n) + 5, 0.97)
        share = rng.beta(2, 18, n)
        level, extra = rng.normal(0, 0.5, n), rng.normal(0, 0.3, n)
        group = rng.binomial(known, share)
        held = rng.binomial(group, 1 / (1 + np.exp(0.6 - level - extra)))
        others = rng.binomial(known - group, 1 / (1 + np.exp(0.3 - level)))
        return held, held + others, group, known

    a, b, c, d = draw(400_000)
    truth = (a.sum() / b.sum()) / (c.sum() / d.sum())
    for pooled_share, runs in ((0.0, 300), (0.9, 300)):
        hits = 0
        for _ in range(runs):
            las = {str(i): cluster for i, cluster in enumerate(zip(*(x.tolist() for x in draw(140))))}
            area = tuple(sum(cluster[k] for cluster in las.values()) for k in range(4))
            regions = [{code for code in las if int(code) % 9 == r} for r in range(9)]
            parts = [(tuple(sum(las[code][k] for code in members) for k in range(4)), members) for members in regions]
            hidden = {code for code in las if rng.random() < pooled_share}
            low, high = equity_interval(pooled(area, las, hidden, parts))
            hits += low <= truth <= high
        assert hits / runs >= 0.92, (pooled_share, hits / runs)
