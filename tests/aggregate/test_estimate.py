"""The ratio estimator on its own: known answers, a region with every LA known, determinism."""

from __future__ import annotations

import pytest

from fgc_collect.aggregate.estimate import auxiliary_values, ratio_estimates
from fgc_collect.reference import find_la_by_name, local_authorities


def test_known_regions_and_a_borrowed_ratio():
    las = local_authorities()
    aux = auxiliary_values(las, "population")
    north_east = [la for la in las if la.region_code == "E12000001"]
    known = {la.code: 10 for la in north_east}  # every North East LA: 10 each
    known[find_la_by_name("Derby").code] = 50
    found = ratio_estimates(las, known, aux, draws=500)
    assert found["E12000001"].estimate == pytest.approx(10 * len(north_east))
    assert found["E12000001"].lower == pytest.approx(found["E12000001"].upper)  # nothing to impute
    east_midlands = [la for la in las if la.region_code == "E12000004"]
    derby = find_la_by_name("Derby")
    expected = 50 / aux[derby.code] * sum(aux[la.code] for la in east_midlands)
    assert found["E12000004"].estimate == pytest.approx(expected)
    london = found["E12000007"]
    assert london.borrowed_ratio and london.known_las == 0
    ratio = sum(known.values()) / sum(aux[c] for c in known)
    assert london.estimate == pytest.approx(ratio * sum(aux[la.code] for la in las if la.region_code == "E12000007"))
    assert found["E92000001"].estimate == pytest.approx(sum(e.estimate for k, e in found.items() if k != "E92000001"))
    assert found == ratio_estimates(las, known, aux, draws=500)  # fixed seed: the same intervals


def test_children_in_need_gaps_are_imputed_from_the_region():
    aux = auxiliary_values(local_authorities(), "cin")
    hampshire = find_la_by_name("Hampshire")
    assert hampshire.cin_at_31_march_2024 is None and aux[hampshire.code] > 0
