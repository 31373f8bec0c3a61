"""England and regional totals adjusted for non-response: a ratio estimator within regions.

For a count y (families referred, ...) and an auxiliary figure x known for every LA (children aged
0-17, or children in need at 31 March 2024):

    estimate for region r = (y of the LAs whose figure is known)
                          + R_r * (x of the LAs whose figure is not known),
    R_r = sum of y / sum of x over the LAs whose figure is known.

LAs without an FGC service count as known, with y = 0. A region where no LA's figure is known
borrows England's ratio. England's estimate is the sum of the regions'. The 95% interval is a
percentile bootstrap: the known LAs are resampled with replacement within each region (the same
draws for every region's ratio and England's), and the estimate recomputed each time. With
children in need as the auxiliary, an LA without that figure (a GSS symbol in the reference data)
is given its region's children-in-need-per-child rate times its child population.

Pure: arrays in, numbers out; the seed is fixed, so the same inputs give the same intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from fgc_collect.reference import LocalAuthority

AUXILIARIES = ("population", "cin")
AUXILIARY_LABELS = {
    "population": "children aged 0 to 17 (ONS mid-year estimates)",
    "cin": "children in need at 31 March 2024 (DfE)",
}


@dataclass(frozen=True)
class Estimate:
    area: str  # region code, or "E92000001" for England
    known_las: int  # LAs whose figure is known (including LAs without a service)
    total_las: int
    observed: int  # the known LAs' total
    estimate: float
    lower: float
    upper: float
    borrowed_ratio: bool  # a region with no known LA, estimated with England's ratio


def auxiliary_values(las: Sequence[LocalAuthority], auxiliary: str) -> dict[str, float]:
    """Each LA's auxiliary figure, with missing children-in-need figures imputed (see above)."""
    if auxiliary not in AUXILIARIES:
        raise ValueError(f"the auxiliary variable must be one of {', '.join(AUXILIARIES)}")
    if auxiliary == "population":
        missing = [la.name for la in las if la.child_population_0_17 is None]
        if missing:
            raise ValueError(f"no child population for {', '.join(missing)}")
        return {la.code: float(la.child_population_0_17) for la in las}
    values: dict[str, float] = {}
    for la in las:
        if la.cin_at_31_march_2024 is not None:
            values[la.code] = float(la.cin_at_31_march_2024)
    for la in las:
        if la.code in values:
            continue
        peers = [p for p in las if p.region_code == la.region_code and p.cin_at_31_march_2024 is not None
                 and p.child_population_0_17]
        rate = sum(p.cin_at_31_march_2024 for p in peers) / sum(p.child_population_0_17 for p in peers)
        values[la.code] = rate * float(la.child_population_0_17 or 0)
    return values


def ratio_estimates(
    las: Sequence[LocalAuthority],
    known: Mapping[str, int],
    auxiliary: Mapping[str, float],
    draws: int = 2000,
    seed: int = 20240331,
) -> dict[str, Estimate]:
    """Estimates for each region (by region code) and England ("E92000001") of a count known for
    the LAs in `known` (LA code -> figure)."""
    regions = list(dict.fromkeys(la.region_code for la in las))
    rng = np.random.default_rng(seed)
    known_y_all = float(sum(known.values()))
    known_x_all = float(sum(auxiliary[code] for code in known))
    national_ratio = known_y_all / known_x_all if known_x_all > 0 else 0.0

    # Bootstrap draws of every region's (sum y, sum x) over its known LAs.
    boot_y: dict[str, np.ndarray] = {}
    boot_x: dict[str, np.ndarray] = {}
    for region in regions:
        codes = [la.code for la in las if la.region_code == region and la.code in known]
        if codes:
            y = np.array([known[c] for c in codes], dtype=float)
            x = np.array([auxiliary[c] for c in codes], dtype=float)
            picks = rng.integers(0, len(codes), size=(draws, len(codes)))
            boot_y[region], boot_x[region] = y[picks].sum(axis=1), x[picks].sum(axis=1)
    all_y = sum(boot_y.values(), np.zeros(draws))
    all_x = sum(boot_x.values(), np.zeros(draws))
    boot_national_ratio = np.divide(all_y, all_x, out=np.zeros(draws), where=all_x > 0)

    results: dict[str, Estimate] = {}
    total_point = 0.0
    total_boot = np.zeros(draws)
    for region in regions:
        members = [la for la in las if la.region_code == region]
        known_codes = [la.code for la in members if la.code in known]
        missing_x = sum(auxiliary[la.code] for la in members if la.code not in known)
        observed = int(sum(known[c] for c in known_codes))
        x_known = sum(auxiliary[c] for c in known_codes)
        borrowed = not known_codes or x_known <= 0
        if borrowed:
            ratio = national_ratio
            boot_ratio = boot_national_ratio
        else:
            ratio = observed / x_known
            boot_ratio = np.divide(boot_y[region], boot_x[region], out=np.zeros(draws), where=boot_x[region] > 0)
        point = observed + ratio * missing_x
        boot = observed + boot_ratio * missing_x
        total_point += point
        total_boot += boot
        lower, upper = np.percentile(boot, [2.5, 97.5])
        results[region] = Estimate(region, len(known_codes), len(members), observed, point,
                                   float(lower), float(upper), borrowed)
    lower, upper = np.percentile(total_boot, [2.5, 97.5])
    results["E92000001"] = Estimate("E92000001", len(known), len(las), int(sum(known.values())),
                                    total_point, float(lower), float(upper), False)
    return results
