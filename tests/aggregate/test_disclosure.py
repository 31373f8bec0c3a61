"""The attacker's view: recoveries a reader could try with every published figure and the public
reference data (children aged 0-17 and children in need of every LA), re-run against the tables.
Each must fail: no suppressed count pinned down by the estimates or their intervals, no rounded
count given back exactly by the rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from fgc_collect.aggregate import Config, Inputs, LARecord, build_tables
from fgc_collect.reference import find_la_by_name, local_authorities

from tests.aggregate.handbuilt import DARLINGTON, handbuilt_inputs

EAST_MIDLANDS = "E12000004"
LINCOLNSHIRE = find_la_by_name("Lincolnshire")


@pytest.fixture(scope="module")
def demo():
    from fgc_collect.publish.sources import demo_inputs

    return demo_inputs()


def with_figures(records, changes: dict[str, dict[str, int]]) -> Inputs:
    """The records with some LAs' figures replaced (LA code -> item -> figure)."""
    return Inputs(tuple(
        LARecord(r.la, {**r.values, **{item: float(v) for item, v in changes.get(r.la.code, {}).items()}})
        for r in records))


def test_estimates_do_not_give_back_suppressed_counts_of_a_region(demo):
    # The issue's attack: the East Midlands' demo returns without Lincolnshire's, so the region's
    # estimates impute one LA. A small LA's families offered is suppressed (a count from 1 to 5) and
    # so is its partner's; a reader knows the two add up to the region's total less the published
    # LAs, re-runs the publication for each candidate and keeps those that reproduce the published
    # estimates. Every candidate must survive: the estimates reveal nothing.
    records = [r for r in demo.used if r.la.region_code == EAST_MIDLANDS and r.la != LINCOLNSHIRE]
    true = build_tables(Inputs(tuple(records)))
    figures = {r.la.code: int(r.values["C1"]) for r in records if r.values.get("C1") is not None}
    hidden = [code for code in figures if true.value("fgc_funnel", "families_offered", code) == "c"]
    small = min(hidden, key=lambda code: figures[code])
    partner = next(code for code in hidden if code != small)
    assert 1 <= figures[small] <= 5, "the demo's East Midlands should have a suppressed small count"
    pair = figures[small] + figures[partner]
    assert true.value("fgc_estimates", "families_offered_estimate", EAST_MIDLANDS) not in ("c", "x")

    def published(tables):
        counts = tables.frame("fgc_funnel").select([count.column for count in tables.catalogue.funnel])
        return counts, tables.frame("fgc_estimates")

    true_counts, true_estimates = published(true)
    surviving = []
    for guess in range(1, 6):
        candidate = build_tables(with_figures(records, {small: {"C1": guess}, partner: {"C1": pair - guess}}))
        counts, estimates = published(candidate)
        assert counts.equals(true_counts)  # the counts alone cannot tell the candidates apart
        if estimates.equals(true_estimates):
            surviving.append(guess)
    assert surviving == [1, 2, 3, 4, 5], f"the estimates give the suppressed families offered away: {surviving}"


def round_half_up(value: float, dp: int = 0) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)


def candidates(text: str, base: int) -> set[int] | None:
    """The counts a published count, rounded to base, can stand for (None: not published)."""
    if text == "low":
        return {y for y in range(1, base) if round_half_up(y / base) == 0}
    if not text.isdigit():
        return None
    shown = int(text)
    return {y for y in range(max(0, shown - base), shown + base + 1) if round_half_up(y / base) * base == shown}


def test_rates_do_not_undo_rounding(demo):
    # The attack: with counts rounded to 5, every rate of an LA's row and its children
    # aged 0-17 and in need (public) narrow each count's candidates, item by item, until one is
    # left. A count "recovered" that differs from the rounded figure shown is a count given back.
    base = 5
    tables = build_tables(demo, Config(round_to=base))
    funnel = tables.frame("fgc_funnel").filter(tables.frame("fgc_funnel")["geographic_level"] == "Local authority")
    items = {count.column: count.item for count in tables.catalogue.funnel}
    by_code = {la.code: la for la in local_authorities()}
    given_back = {}
    for row in funnel.iter_rows(named=True):
        la = by_code[row["new_la_code"]]
        sets = {items[col]: candidates(row[col], base) for col in items}
        checks = [(rate.numerator, rate.denominator, rate.scale, row[rate.column], rate.dp)
                  for rate in tables.catalogue.rates]
        checks += [("B2", None, 10000 / la.child_population_0_17, row["children_referred_per_10000"], 1)]
        if la.children_in_need:
            checks += [("B2", None, 100 / la.children_in_need, row["children_referred_per_100_cin"], 1)]
        checks = [c for c in checks if sets.get(c[0]) and (c[1] is None or sets.get(c[1]))
                  and c[3].replace(".", "").isdigit()]
        changed = True
        while changed:
            changed = False
            for top, bottom, scale, text, dp in checks:
                half = 0.5 * 10 ** -dp + 1e-9
                target = float(text)
                if bottom is None:
                    keep = {t for t in sets[top] if abs(t * scale - target) <= half}
                    changed |= keep != sets[top]
                    sets[top] = keep
                    continue
                pairs = {(t, b) for t in sets[top] for b in sets[bottom] if b and abs(t / b * scale - target) <= half}
                tops, bottoms = {t for t, _ in pairs}, {b for _, b in pairs}
                changed |= tops != sets[top] or bottoms != sets[bottom]
                sets[top], sets[bottom] = tops, bottoms
        exact = {item: next(iter(found)) for item, found in sets.items()
                 if found is not None and len(found) == 1 and next(iter(found)) != int(row[{v: k for k, v in items.items()}[item]])}
        if exact:
            given_back[la.name] = exact
    assert not given_back, f"{len(given_back)} LAs' rounded counts come back exactly from the rates, e.g. " \
                           f"{next(iter(given_back.items()))}"


def test_returns_with_the_same_rounded_counts_publish_the_same_tables():
    # Darlington referred 41 families and offered 31, or 40 and 30: rounded to 5, every count of
    # every table is the same (40, 30; 100 and 80 in the North East; 210 and 165 in England), so
    # nothing published may tell the two apart: not a rate, a percentage, an estimate or interval.
    base = Config(round_to=5)
    one = build_tables(handbuilt_inputs(), base)
    other = build_tables(handbuilt_inputs(Darlington={"B1": 41, "C1": 31}), base)
    assert one.value("fgc_funnel", "families_referred", DARLINGTON.code) == "40"
    for name, frame in one.frames.items():
        assert frame.equals(other.frames[name]), f"{name} tells returns with the same rounded counts apart"


def test_the_audit_puts_an_estimate_into_the_lp_as_a_linear_relation():
    # Three regions; the first two regions' totals (12 and 30) are suppressed, England's 60
    # published, so a reader knows only that they add up to 42: each lies in [0, 42]. England's
    # estimate 1.5 x 12 + 1.2 x 30 + 1.1 x 18 = 73.8, published as 74, is a second equation:
    # together they pin both totals down, and the audit must say so.
    from fgc_collect.aggregate.audit import Relation, audit, audit_relations, exact_ranges
    from tests.aggregate.test_suppress import build_ledger

    ledger = build_ledger([[[6, 6]], [[15, 15]], [[9, 9]]], 2)
    first, second, third = (("T", frozenset({f"R{r}L0"})) for r in range(3))
    hidden = {first, second, ("K1", frozenset({"R0L0"})), ("K2", frozenset({"R0L0"})),
              ("K1", frozenset({"R1L0"})), ("K2", frozenset({"R1L0"}))}
    before = audit(ledger, hidden, 5)
    assert before.passed and exact_ranges(ledger, hidden)[first] == pytest.approx((0.0, 42.0))
    estimate = Relation(((first, 1.5), (second, 1.2), (third, 1.1)), 73.5, 74.5, "England's estimate")
    after = audit_relations(ledger, hidden, [estimate], 5, before)
    assert not after.passed and first in after.failing
    low, high = exact_ranges(ledger, hidden, [estimate])[first]
    assert high - low < 5 and low <= 12 <= high
    # A relation between published counts only tells nothing new, and must hold for them.
    published = Relation(((third, 1.1),), 19.5, 20.5, "the third region's estimate")
    assert audit_relations(ledger, hidden, [published], 5, before) is before
    with pytest.raises(ValueError, match="does not follow"):
        audit_relations(ledger, hidden, [Relation(((third, 1.1),), 30, 31, "a wrong estimate")], 5, before)


def test_tables_are_not_published_when_a_published_figure_pins_a_suppressed_count(monkeypatch):
    # Were an estimate ever published over a suppressed count (here: one that is that count to
    # within a half), the audit must stop the publication.
    from fgc_collect.aggregate import ProtectionError, tables as module
    from fgc_collect.aggregate.audit import Relation

    fill = module._fill_estimates

    def leaking(b, table, suppressed):
        results, relations = fill(b, table, suppressed)
        key = ("D9", frozenset({DARLINGTON.code}))
        assert key in suppressed
        value = b.ledger.values[key]
        return results, [*relations, Relation(((key, 1.0),), value - 0.5, value + 0.5, "a leaking estimate")]

    monkeypatch.setattr(module, "_fill_estimates", leaking)
    with pytest.raises(ProtectionError, match=r"the estimates would let \d+ suppressed counts be worked out \(the narrowest feasible range is 1,"):
        build_tables(handbuilt_inputs(Darlington={"D9": 3}))
