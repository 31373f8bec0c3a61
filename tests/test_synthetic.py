"""The demo's synthetic returns follow whatever spec they are given: every count within the
bounds the rules set, every breakdown adding up, the same LA close from one year to the next."""

from __future__ import annotations

import numpy as np
import pytest

from fgc_collect.demo.synthetic import clean_return
from fgc_collect.reference import local_authorities
from fgc_collect.spec import load_spec

D12 = {"aggregate": {
    "items": {"add": [{"after": "D11", "id": "D12", "type": "count", "unit": "families",
                       "label": "Initial FGCs held within 4 weeks of consent (families)"}]},
    "rules": {"modify": {"FGC105": {"applies_to": "C1_PLO<=C1, D1_PLO<=D1, D11<=D1, D12<=D1"}}}}}


def _comparisons(spec):
    """At least a child per family (FGC104), parts within wholes (FGC105), the funnel (FGC108), the
    FGDM duty's figures (FGC113, from 2024-25)."""
    codes = {"FGC104", "FGC105", "FGC108", "FGC113"} & {rule.code for rule in spec.rules}
    return [comparison for code in sorted(codes) for comparison in spec.comparisons(code)]


@pytest.mark.parametrize("spec", [load_spec("2023-24"), load_spec("2024-25"), load_spec("2024-25", D12)],
                         ids=["2023-24", "2024-25", "a question added"])
def test_every_count_is_filled_within_its_bounds_and_every_breakdown_adds_up(spec):
    las = list(local_authorities())[:40]
    for index, la in enumerate(las):
        values = clean_return(la, np.random.default_rng(index), spec)
        numbers = {key: float(value) for key, value in values.items() if isinstance(value, int)}
        assert all(item.id in numbers for item in spec.counts), la.name
        for comparison in _comparisons(spec):
            assert comparison.holds(numbers) is True, (la.name, str(comparison), numbers)
        for item in spec.breakdowns:
            assert sum(numbers[cell.id] for cell in item.cells) == numbers[item.total], (la.name, item.id)
        for cell in spec.input_cells:
            if cell.kind == "choice" and cell.id in values:
                assert values[cell.id] in {choice.label for choice in cell.choices}, (cell.id, values[cell.id])


def test_the_same_la_is_close_the_next_year():
    moved = []
    for index, la in enumerate(local_authorities()):
        first = clean_return(la, np.random.default_rng(index), load_spec("2023-24"))
        second = clean_return(la, np.random.default_rng(index), load_spec("2024-25"))
        for item in ("B1", "B2", "C1", "C2", "D1", "D3"):
            if item in first:
                ratio = second[item] / max(1, first[item])
                moved.append(ratio)
                assert 0.85 <= ratio <= 1.2 or abs(second[item] - first[item]) <= 3, (la.name, item, first[item], second[item])
    assert 0.97 < float(np.median(moved)) < 1.05
