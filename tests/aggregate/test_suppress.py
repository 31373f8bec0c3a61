"""Disclosure control on random tables: after protection, no suppressed count can be pinned down.

The tables are LA x category breakdowns with their totals, summed to regions and England, as
the publication's are. The check is independent of the audit's shortcuts: the exact feasible
range of every suppressed count (two LPs each) must be at least the threshold wide."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgc_collect.aggregate.audit import audit, exact_ranges
from fgc_collect.aggregate.ledger import LA_LEVEL, NATIONAL_LEVEL, REGION_LEVEL, Ledger
from fgc_collect.aggregate.suppress import primary_suppressions, protect

CATEGORIES = ("K1", "K2", "K3", "K4")


def build_ledger(regions: list[list[list[int]]], categories: int) -> Ledger:
    """regions -> LAs -> counts per category; the total item T adds them up."""
    region_of, la_values = {}, {}
    for r, las in enumerate(regions):
        for i, counts in enumerate(las):
            code = f"R{r}L{i}"
            region_of[code] = f"R{r}"
            for k in range(categories):
                la_values[(CATEGORIES[k], code)] = counts[k]
            la_values[("T", code)] = sum(counts[:categories])
    ledger = Ledger(region_of, la_values)
    items = list(CATEGORIES[:categories])
    for r, las in enumerate(regions):
        codes = [f"R{r}L{i}" for i in range(len(las))]
        for code in codes:
            ledger.breakdown("T", items, [code], LA_LEVEL)
        ledger.breakdown("T", items, codes, REGION_LEVEL)
    ledger.breakdown("T", items, list(region_of), NATIONAL_LEVEL)
    return ledger


small_counts = st.integers(min_value=0, max_value=12)
tables = st.integers(min_value=2, max_value=4).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(st.lists(st.lists(small_counts, min_size=k, max_size=k), min_size=1, max_size=4),
                 min_size=1, max_size=3),
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.integers(min_value=1, max_value=5))
def test_no_suppressed_count_can_be_worked_out(table, threshold):
    categories, regions = table
    ledger = build_ledger(regions, categories)
    protection = protect(ledger, threshold)
    assert primary_suppressions(ledger, threshold) <= protection.suppressed
    for key, (low, high) in exact_ranges(ledger, protection.suppressed).items():
        assert low <= ledger.values[key] <= high
        assert high - low >= threshold - 1e-6, (key, ledger.values[key], low, high)


def test_a_lone_small_count_is_exposed_until_partnered():
    # One LA, two categories: 3 and 40, total 43 published. Suppressing the 3 alone hides nothing.
    ledger = build_ledger([[[3, 40]], [[20, 20]]], 2)
    key = ("K1", frozenset({"R0L0"}))
    exposed = audit(ledger, {key}, 5)
    assert exposed.ranges[key].width == 0 and not exposed.passed
    protection = protect(ledger, 5)
    assert key in protection.suppressed
    low, high = exact_ranges(ledger, protection.suppressed)[key]
    assert high - low >= 5


def test_counts_above_the_threshold_and_national_counts_are_not_primary():
    ledger = build_ledger([[[6, 7], [8, 9]]], 2)
    assert primary_suppressions(ledger, 5) == set()
    national_small = build_ledger([[[2, 0]], [[0, 0]]], 2)
    primary = primary_suppressions(national_small, 5)
    assert all(national_small.level[key] <= REGION_LEVEL for key in primary)


def test_the_audit_finds_the_exact_range_of_a_pair():
    # Two suppressed categories of one LA, total 8 published, column totals not limiting: each
    # lies anywhere in [0, 8].
    ledger = build_ledger([[[3, 5], [30, 30]], [[10, 10]]], 2)
    keys = {("K1", frozenset({"R0L0"})), ("K2", frozenset({"R0L0"})),
            ("K1", frozenset({"R0L1"})), ("K2", frozenset({"R0L1"}))}
    ranges = exact_ranges(ledger, keys)
    assert ranges[("K1", frozenset({"R0L0"}))] == pytest.approx((0.0, 8.0))
    result = audit(ledger, keys, 5)
    assert result.passed
    assert all(math.isfinite(r.width) for r in result.ranges.values())


def test_the_solver_prints_nothing_on_standard_output():
    # HiGHS 1.16 writes a banner to stdout when a process makes its first solver: it would land in
    # the middle of a command's output (or a JSON document).
    import subprocess
    import sys

    code = ("from fgc_collect.aggregate.audit import quiet_highs; "
            "print('before'); quiet_highs(); quiet_highs(); print('after')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "before\nafter\n"
