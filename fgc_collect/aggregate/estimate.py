"""England and regional totals adjusted for non-response: a ratio estimator within regions, with
intervals that include the error of predicting the LAs whose figure is not known.

For a count y (families referred, ...) and an auxiliary figure x known for every LA (children aged
0-17, or children in need at 31 March 2024), in a region r with N LAs of which those in s are known:

    estimate  T = R * X,    R = sum of y over s / sum of x over s,    X = sum of x over the region
    variance  V = (X_m * X / x_s^2) * sum over s of e_i^2 / (1 - h_i)^2
    e_i = y_i - R * x_i,    h_i = x_i / x_s,    x_s = sum of x over s,    X_m = X - x_s

V is Royall and Cumberland's robust estimate of the prediction error T - (the true total) of the
ratio estimator: X_m / x_s for the error of R, 1 for the missing LAs' own variation around it
(X_m X / x_s^2 = X_m^2 / x_s^2 + X_m / x_s), with the finite population built in (no error when
X_m = 0: every LA is known and the total is a count, not an estimate). Dividing by (1 - h_i)^2
(the jackknife's leverage correction) keeps a few large LAs from making it too small. The 95%
interval is T +/- t * sqrt(V), t with n - 1 degrees of freedom (n known LAs), and never below the
known LAs' total (the missing LAs cannot have fewer than none).

A region with fewer than `min_units` known LAs (but at least one) uses the residual variance
pooled over the regions with enough: V = s2 * X_m * X / x_s, s2 = sum of the regions' sums of
e_i^2 / (1 - h_i)^2 over the sum of their x_s, with their pooled degrees of freedom. A region
with no known LA borrows England's ratio and England's residuals (around England's ratio, so the
regions' differences are in them). England's estimate is the sum of the regions', its variance
the sum of theirs, its degrees of freedom Satterthwaite's.

A known "LA" may be several LAs whose figures are only published as a sum (`Unit`): the
publication passes the figures it publishes, so an interval reveals nothing a reader does not
already know (see tables.py). LAs without an FGC service count as known, with y = 0. With
children in need as the auxiliary, an LA without that figure (a GSS symbol in the reference data)
is given its region's children-in-need-per-child rate times its child population.

Pure: figures in, numbers out; no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fgc_collect.reference import LocalAuthority

COUNTRY_CODE = "E92000001"
AUXILIARIES = ("population", "cin")
AUXILIARY_LABELS = {
    "population": "children aged 0 to 17 (ONS mid-year estimates)",
    "cin": "children in need at 31 March (DfE)",
}
CONFIDENCE = 0.95
MIN_UNITS = 5  # fewer known LAs in a region: the pooled residual variance
# What the intervals do not cover (docs/publication.md gives the simulation behind the figures).
CAVEAT = (
    "The estimates assume that, within a region, the LAs whose figure is missing refer and hold FGCs at the "
    "same rate per child as those whose figure is known; the 95% intervals allow for chance, not for that "
    "assumption failing. If busier FGC services were more likely to send their figures, the estimates would be "
    "too high: in a simulation where a service one standard deviation busier was twice as likely (in odds) to "
    "respond, England's estimate was about 5% too high with 15% of LAs missing and 10% with 40% missing, and about "
    "half the intervals missed the true total; larger LAs responding more often moved it by 1% or less. The estimates with "
    "children aged 0 to 17 and with children in need as the auxiliary variable, side by side, show how much "
    "the choice of auxiliary matters."
)


@dataclass(frozen=True)
class Unit:
    """A known figure: of one LA, or the sum of several LAs' figures (in one region)."""

    codes: tuple[str, ...]
    value: float


@dataclass(frozen=True)
class Estimate:
    area: str  # region code, or "E92000001" for England
    known_las: int  # LAs whose figure is known (including LAs without a service)
    total_las: int
    observed: float  # the known LAs' total
    estimate: float
    lower: float
    upper: float
    borrowed_ratio: bool  # a region with no known LA, estimated with England's ratio
    standard_error: float = 0.0
    degrees_of_freedom: float = math.inf
    pooled_variance: bool = False  # too few known LAs: the variance pooled over regions

    @property
    def is_count(self) -> bool:
        """Every LA's figure is known: the total is a count, with no interval."""
        return self.known_las == self.total_las


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
        if la.children_in_need is not None:
            values[la.code] = float(la.children_in_need)
    for la in las:
        if la.code in values:
            continue
        peers = [p for p in las if p.region_code == la.region_code and p.children_in_need is not None
                 and p.child_population_0_17]
        rate = sum(p.children_in_need for p in peers) / sum(p.child_population_0_17 for p in peers)
        values[la.code] = rate * float(la.child_population_0_17 or 0)
    return values


def t_quantile(df: float, confidence: float = CONFIDENCE) -> float:
    """Student's t quantile for a two-sided interval (the normal one for infinite df)."""
    from scipy.special import ndtri, stdtrit

    p = 0.5 + confidence / 2
    return float(ndtri(p)) if math.isinf(df) else float(stdtrit(max(df, 1.0), p))


def _fit(units: Sequence[Unit], auxiliary: Mapping[str, float]) -> tuple[float, float, float]:
    """(sum of y, sum of x, sum of e^2 / (1 - h)^2) of the units around their own ratio."""
    xs = [sum(auxiliary[c] for c in unit.codes) for unit in units]
    y_sum, x_sum = sum(unit.value for unit in units), sum(xs)
    ratio = y_sum / x_sum if x_sum > 0 else 0.0
    spread = 0.0
    if len(units) >= 2 and x_sum > 0:
        for unit, x in zip(units, xs):
            spread += (unit.value - ratio * x) ** 2 / (1 - x / x_sum) ** 2
    return y_sum, x_sum, spread


def ratio_estimates(
    las: Sequence[LocalAuthority],
    known: Mapping[str, float] | Sequence[Unit],
    auxiliary: Mapping[str, float],
    min_units: int = MIN_UNITS,
    confidence: float = CONFIDENCE,
    totals: Mapping[str, float] | None = None,
) -> dict[str, Estimate]:
    """Estimates for each region (by region code) and England ("E92000001") of a count known for
    some LAs: `known` maps LA code -> figure, or lists Units. `totals` (region code -> the known
    LAs' total) is for totals published rounded on their own, which the rounded LAs' figures need
    not add up to: the difference is spread over the region's LAs in proportion to their auxiliary
    figure, which leaves every residual e_i as it was."""
    units = [Unit((code,), float(v)) for code, v in known.items()] if isinstance(known, Mapping) else list(known)
    region_of = {la.code: la.region_code for la in las}
    if totals:
        units = _to_totals(units, region_of, auxiliary, totals)
    regions = list(dict.fromkeys(la.region_code for la in las))
    members = {r: [la.code for la in las if la.region_code == r] for r in regions}
    by_region: dict[str, list[Unit]] = {r: [] for r in regions}
    for unit in units:
        found = {region_of[c] for c in unit.codes}
        if len(found) != 1:
            raise ValueError("a known figure must be of LAs in one region")
        by_region[found.pop()].append(unit)

    fits = {r: _fit(by_region[r], auxiliary) for r in regions}
    enough = [r for r in regions if len(by_region[r]) >= min_units]
    pooled_x = sum(fits[r][1] for r in enough)
    pooled = (sum(fits[r][2] for r in enough) / pooled_x, float(sum(len(by_region[r]) - 1 for r in enough))) \
        if pooled_x > 0 else None
    if pooled is None:  # no region has enough known LAs: pool every region with two or more
        some = [r for r in regions if len(by_region[r]) >= 2]
        x = sum(fits[r][1] for r in some)
        pooled = (sum(fits[r][2] for r in some) / x, float(sum(len(by_region[r]) - 1 for r in some))) if x > 0 \
            else (math.nan, math.nan)
    national = _fit(units, auxiliary)
    national_ratio = national[0] / national[1] if national[1] > 0 else math.nan

    results: dict[str, Estimate] = {}
    parts: list[tuple[float, float]] = []  # (variance, df) of each region
    for r in regions:
        x_total = sum(auxiliary[c] for c in members[r])
        known_las = sum(len(unit.codes) for unit in by_region[r])
        observed, x_known, spread = fits[r]
        n = len(by_region[r])
        borrowed = n == 0 or x_known <= 0
        missing = 0.0 if known_las == len(members[r]) else max(x_total - x_known, 0.0)
        pooled_variance = False
        if borrowed:
            point = national_ratio * x_total
            variance = national[2] / national[1] * x_total * (x_total + national[1]) / national[1] \
                if national[1] > 0 else math.nan
            df = float(len(units) - 1)
        else:
            point = observed / x_known * x_total
            if missing == 0:
                variance, df = 0.0, math.inf
            elif n >= min_units:
                variance, df = missing * x_total / x_known ** 2 * spread, float(n - 1)
            else:
                variance, df = pooled[0] * missing * x_total / x_known, pooled[1]
                pooled_variance = True
        parts.append((variance, df))
        results[r] = _estimate(r, known_las, len(members[r]), observed, point, variance, df, borrowed,
                               pooled_variance, confidence)

    variance = sum(v for v, _ in parts)
    terms = sum(v * v / d for v, d in parts if v > 0 and not math.isinf(d))
    df = variance * variance / terms if terms > 0 else math.inf
    point = sum(e.estimate for e in results.values())
    results[COUNTRY_CODE] = _estimate(COUNTRY_CODE, sum(len(u.codes) for u in units), len(las), national[0], point,
                                      variance, df, False, any(e.pooled_variance for e in results.values()),
                                      confidence)
    return results


def _to_totals(units: list[Unit], region_of: Mapping[str, str], auxiliary: Mapping[str, float],
               totals: Mapping[str, float]) -> list[Unit]:
    sums: dict[str, list[float]] = {}  # region -> [sum of y, sum of x]
    for unit in units:
        found = sums.setdefault(region_of[unit.codes[0]], [0.0, 0.0])
        found[0] += unit.value
        found[1] += sum(auxiliary[c] for c in unit.codes)
    moved = []
    for unit in units:
        region = region_of[unit.codes[0]]
        y, x = sums[region]
        if region in totals and x > 0:
            unit = Unit(unit.codes, unit.value + (totals[region] - y) * sum(auxiliary[c] for c in unit.codes) / x)
        moved.append(unit)
    return moved


def _estimate(area, known_las, total_las, observed, point, variance, df, borrowed, pooled, confidence) -> Estimate:
    if math.isnan(point) or math.isnan(variance):
        return Estimate(area, known_las, total_las, observed, point, math.nan, math.nan, borrowed,
                        math.nan, df, pooled)
    half = t_quantile(df, confidence) * math.sqrt(variance) if variance > 0 else 0.0
    return Estimate(area, known_las, total_las, observed, point, max(point - half, observed), point + half,
                    borrowed, math.sqrt(variance), df, pooled)
