"""A realistic population of 153 LAs' FGC counts, and the estimates' coverage under non-response.

Each LA's expected number of families referred for an FGC is 4% of its children-in-need referrals
in 2023-24 (reference data; Herefordshire's and Hampshire's, GSS symbols there, from their
region's referrals per child), times a region effect (log-normal, sd 0.25) and an LA effect
(log-normal, sd 0.35); the count is negative binomial around it (a gamma-Poisson mixture, shape
20, so counts are overdispersed); 4% of LAs have no FGC service (0). The estimates use children
aged 0-17 as the auxiliary, as published by default, so the auxiliary is a proxy, not the cause.

    PYTHONPATH=. python -m tests.aggregate.simulation [--replications 1000]

prints the table in docs/publication.md (coverage and widths, random and non-random
non-response). The test suite runs a smaller, seeded version (test_estimate.py).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from fgc_collect.aggregate.estimate import COUNTRY_CODE, Unit, auxiliary_values, ratio_estimates
from fgc_collect.reference import local_authorities

REFERRAL_SHARE, REGION_SD, LA_SD, SHAPE, NO_SERVICE = 0.04, 0.25, 0.35, 20.0, 0.04
STRENGTH = float(np.log(2))  # non-random non-response: odds of responding x2 per standard deviation


class Population:
    def __init__(self) -> None:
        self.las = local_authorities()
        self.codes = [la.code for la in self.las]
        self.regions = list(dict.fromkeys(la.region_code for la in self.las))
        self.region_index = np.array([self.regions.index(la.region_code) for la in self.las])
        population = np.array([la.child_population_0_17 for la in self.las], dtype=float)
        referrals = np.array([np.nan if la.cin_referrals is None else la.cin_referrals
                              for la in self.las], dtype=float)
        for r in range(len(self.regions)):
            here = self.region_index == r
            known = here & ~np.isnan(referrals)
            rate = referrals[known].sum() / population[known].sum()
            referrals[here & np.isnan(referrals)] = rate * population[here & np.isnan(referrals)]
        self.population, self.referrals = population, referrals
        self.auxiliary = auxiliary_values(self.las, "population")

    @property
    def demo_used(self) -> set[str]:
        from fgc_collect.publish.sources import demo_inputs

        if not hasattr(self, "_demo_used"):
            self._demo_used = set(demo_inputs().by_code)
        return self._demo_used

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One population of counts (families referred) for the 153 LAs."""
        n = len(self.las)
        mean = (REFERRAL_SHARE * self.referrals * np.exp(rng.normal(0, REGION_SD, len(self.regions)))[self.region_index]
                * np.exp(rng.normal(0, LA_SD, n)))
        counts = rng.poisson(rng.gamma(SHAPE, mean / SHAPE)).astype(float)
        counts[rng.random(n) < NO_SERVICE] = 0
        return counts

    def respond(self, rng: np.random.Generator, counts: np.ndarray, rate: float, pattern: str) -> np.ndarray:
        """Which LAs respond, for an expected share `rate` not responding: at random, larger LAs
        (by children) more often, or busier services (families referred per child) more often."""
        if pattern == "demo":  # the demo's own: the LAs whose returns it does not use
            return np.array([code in self.demo_used for code in self.codes])
        if pattern == "random":
            score = np.zeros(len(counts))
        elif pattern == "larger":
            score = np.log(self.population)
        elif pattern == "busier":
            score = np.log((counts + 0.5) / self.population)
        else:
            raise ValueError(pattern)
        score = STRENGTH * (score - score.mean()) / (score.std() or 1.0)
        # The odds of responding double per standard deviation of the score; the intercept gives
        # the wanted response rate on average.
        low, high = -10.0, 10.0
        for _ in range(50):
            middle = (low + high) / 2
            if (1 / (1 + np.exp(-(middle + score)))).mean() < 1 - rate:
                low = middle
            else:
                high = middle
        probability = 1 / (1 + np.exp(-(low + score)))
        return rng.random(len(counts)) < probability


@dataclass
class Coverage:
    replications: int
    england: float  # share of intervals holding England's true total
    england_width: float  # mean width, as a share of the true total
    bias: float  # mean relative error of England's estimate
    regions: dict[str, float]  # region code -> coverage (where an interval is given)
    region_widths: dict[str, float]


def as_published(population: Population, counts: np.ndarray, responding: np.ndarray, threshold: int = 5) -> list[Unit]:
    """The known figures as the publication passes them to the estimator: in each region, the
    LAs whose counts are suppressed (1 to the threshold, and the smallest other count as a
    partner when needed) as one sum, the others one by one."""
    units = []
    for r in range(len(population.regions)):
        here = [i for i in np.flatnonzero((population.region_index == r) & responding)]
        hidden = [i for i in here if 1 <= counts[i] <= threshold]
        if hidden and (len(hidden) == 1 or counts[hidden].sum() < threshold):
            others = sorted((i for i in here if i not in hidden and counts[i] > 0), key=lambda i: counts[i])
            hidden += others[:1]
        if hidden:
            units.append(Unit(tuple(population.codes[i] for i in hidden), float(counts[hidden].sum())))
        units += [Unit((population.codes[i],), float(counts[i])) for i in here if i not in hidden]
    return units


def coverage(rate: float, replications: int, seed: int = 20240331, pattern: str = "random",
             population: Population | None = None, suppressed: bool = False) -> Coverage:
    population = population or Population()
    rng = np.random.default_rng(seed)
    held = 0
    widths, errors = [], []
    region_held = {r: 0 for r in population.regions}
    region_given = {r: 0 for r in population.regions}
    region_widths = {r: [] for r in population.regions}
    for _ in range(replications):
        counts = population.draw(rng)
        responding = population.respond(rng, counts, rate, pattern)
        known = as_published(population, counts, responding) if suppressed else \
            {code: counts[i] for i, code in enumerate(population.codes) if responding[i]}
        found = ratio_estimates(population.las, known, population.auxiliary)
        truth = counts.sum()
        england = found[COUNTRY_CODE]
        held += england.lower <= truth <= england.upper
        widths.append((england.upper - england.lower) / truth)
        errors.append((england.estimate - truth) / truth)
        for r, region in enumerate(population.regions):
            estimate = found[region]
            if estimate.is_count or estimate.pooled_variance or estimate.borrowed_ratio:
                continue  # a count, or no interval published (too few LAs known)
            region_truth = counts[population.region_index == r].sum()
            region_given[region] += 1
            region_held[region] += estimate.lower <= region_truth <= estimate.upper
            region_widths[region].append((estimate.upper - estimate.lower) / max(region_truth, 1.0))
    return Coverage(
        replications, held / replications, float(np.mean(widths)), float(np.mean(errors)),
        {r: region_held[r] / region_given[r] for r in population.regions if region_given[r]},
        {r: float(np.mean(region_widths[r])) for r in population.regions if region_widths[r]},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args(argv)
    population = Population()
    names = {la.region_code: la.region_name for la in population.las}
    runs = {(pattern, rate): coverage(rate, args.replications, pattern=pattern, population=population)
            for pattern in ("random", "larger", "busier") for rate in (0.15, 0.40)}
    runs[("the demo's 9 LAs", 9 / 153)] = coverage(9 / 153, args.replications, pattern="demo", population=population)
    for rate in (0.15, 0.40):
        runs[("random, small counts suppressed", rate)] = coverage(rate, args.replications, population=population,
                                                                   suppressed=True)
    print("| non-response | not responding | England: coverage | mean width | bias |")
    print("|---|---|---|---|---|")
    for (pattern, rate), found in runs.items():
        print(f"| {pattern} | {rate:.0%} | {found.england:.1%} | {found.england_width:.1%} | {found.bias:+.1%} |")
    print()
    print("| region | coverage, 15% | mean width, 15% | coverage, 40% | mean width, 40% |")
    print("|---|---|---|---|---|")
    low, high = runs[("random", 0.15)], runs[("random", 0.40)]
    for region in population.regions:
        cells = []
        for found in (low, high):
            cells += [f"{found.regions[region]:.1%}" if region in found.regions else "-",
                      f"{found.region_widths[region]:.1%}" if region in found.region_widths else "-"]
        print(f"| {names[region]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
