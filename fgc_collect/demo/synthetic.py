"""Synthetic returns for the demo: plausible figures for every LA, sized from the reference data,
and the mistakes councils really make, seeded into a few of them. Pure: values only, no files.

The figures are invented. They are shaped so the demo's national tables show something to look
at (a funnel that narrows, older children and some ethnic groups less often reaching an FGC).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from fgc_collect.reference import LocalAuthority, local_authorities
from fgc_collect.spec import BASE_YEAR, Comparison, Item, Spec, load_spec

SEED = 20240331

# Shares of children (or families) in each category at referral.
REFERRAL_SHARES = {
    "AGE": {"UNBORN": 4, "U1": 10, "1TO4": 22, "5TO9": 26, "10TO15": 30, "16PLUS": 6, "UNK": 2},
    "SEX": {"M": 50, "F": 47, "U": 3},
    "ETH": {"WHITE": 72, "MIXED": 9, "ASIAN": 8, "BLACK": 7, "OTHER": 3, "UNK": 1},
    "DIS": {"YES": 9, "NO": 84, "UNK": 7},
    "STATUS": {"EH": 15, "CIN": 25, "CP": 30, "PLO": 15, "PROC": 3, "LAC": 7, "OTHER": 3, "UNK": 2},
    "SOURCE": {"CSC": 74, "EH": 12, "EDU": 3, "HEALTH": 3, "OTHERAG": 4, "SELF": 2, "UNK": 2},
    "DECLINE": {"NOTWANT": 45, "NONETWORK": 20, "MISTRUST": 15, "ALTERNATIVE": 10, "OTHER": 7, "UNK": 3},
    "NOTHELD": {"WITHDREW": 25, "NONEED": 20, "NONETWORK": 15, "SAFETY": 8, "CIRC": 12, "PROCEED": 5,
                "CAPACITY": 8, "OTHER": 5, "UNK": 2},
}
LONDON_ETH = {"WHITE": 40, "MIXED": 14, "ASIAN": 18, "BLACK": 20, "OTHER": 6, "UNK": 2}
# How much more (or less) likely a child in a category is to reach consent / an FGC held.
STAGE_FACTORS = {
    "AGE": {"16PLUS": 0.6, "10TO15": 0.85, "UNBORN": 1.15, "U1": 1.1},
    "ETH": {"BLACK": 0.75, "ASIAN": 0.8, "MIXED": 0.9},
    "DIS": {"YES": 0.85},
    "STATUS": {"PLO": 1.2, "PROC": 0.7, "EH": 0.9},
}
NO_SERVICE_SHARE = 0.04
# A count bounded by others is drawn as a share of what its bounds leave (0.6 to 0.95 unless
# named here); a few are sized from another count. Items not named are drawn all the same.
SHARE_OF_BOUND = {"C1_PLO": (0.1, 0.3), "D1_PLO": (0.1, 0.3), "D11": (0.8, 0.97), "C13": (0.05, 0.25)}
SIZED_FROM = {"D2": ("D1", (0.3, 0.7)), "C11": ("B1", (0.15, 0.35))}


@dataclass(frozen=True)
class SeededMistake:
    la_code: str
    rule: str
    item: str  # the item id the issue names
    what: str  # what the council did
    at: str | None = None  # the input cell the issue points at, when not the item's own place

    @property
    def cell_item(self) -> str:
        return self.at or self.item


@dataclass(frozen=True)
class DemoReturn:
    la: LocalAuthority
    values: dict[str, object]
    file_name: str
    template_la: LocalAuthority  # the LA whose prefilled template the council filled in


def _allocate(rng: np.random.Generator, total: int, shares: dict[str, float]) -> dict[str, int]:
    codes = list(shares)
    weights = np.array([shares[code] for code in codes], dtype=float)
    counts = rng.multinomial(total, weights / weights.sum())
    return dict(zip(codes, (int(count) for count in counts)))


def _weighted(shares: dict[str, float], factors: dict[str, float]) -> dict[str, float]:
    return {code: share * factors.get(code, 1.0) for code, share in shares.items()}


def _fill_breakdown(values: dict, item: Item, counts: dict[str, int]) -> None:
    for cell in item.cells:
        values[cell.id] = counts.get(cell.category.code, 0)


def _item_rng(base_seed: int, *names: str) -> np.random.Generator:
    """A generator of its own for one LA's item: an item drawn in one year draws the same in the
    next, whatever items a year adds or removes before it."""
    return np.random.default_rng([base_seed, *(zlib.crc32(name.encode()) for name in names)])


def _growth(base_seed: int, la: LocalAuthority, year: str) -> float:
    """How much an LA's service grew since the first year (a few per cent a year, either way)."""
    first = int(BASE_YEAR[:4])
    growth = 1.0
    for start in range(first + 1, int(year[:4]) + 1):
        growth *= _item_rng(base_seed, la.code, f"growth {start}").uniform(0.92, 1.12)
    return growth


def _bounds(spec: Spec) -> list[Comparison]:
    """Every inequality between counts the spec's rules state (at least a child per family, a
    part no larger than its whole, the funnel narrowing), written as left <= right."""
    comparisons = []
    for rule in spec.rules:
        if rule.level != "aggregate" or rule.scope != "return":
            continue
        try:
            found = spec.comparisons(rule.code)
        except ValueError:
            continue
        for comparison in found:
            if comparison.op == ">=":
                comparison = Comparison(comparison.right, "<=", comparison.left)
            comparisons.append(comparison)
    return comparisons


def _service_values(base_seed: int, la: LocalAuthority, spec: Spec) -> dict[str, object]:
    """Every count of the spec, in its order, drawn within the bounds the rules set on it by the
    counts drawn before it: a part (or a later stage) a share of its whole, children a few per
    family; a count nothing bounds is sized from the LA (its children in need)."""
    values: dict[str, object] = {}
    base = la.children_in_need or max(1, round((la.child_population_0_17 or 2000) * 0.03))
    size = _growth(base_seed, la, spec.year) * base * _item_rng(base_seed, la.code, "size").uniform(0.04, 0.12)
    per_family = _item_rng(base_seed, la.code, "per family").uniform(1.6, 2.1)
    bounds = _bounds(spec)
    for item in spec.counts:
        rng = _item_rng(base_seed, la.code, item.id)
        above = [c for c in bounds if item.id in c.left and all(term in values for term in c.right)]
        below = [c for c in bounds if item.id in c.right and all(term in values for term in c.left)]
        upper = min((sum(int(values[t]) for t in c.right) - sum(int(values.get(t, 0)) for t in c.left if t != item.id)
                     for c in above), default=None)
        lower = max((sum(int(values[t]) for t in c.left) - sum(int(values.get(t, 0)) for t in c.right if t != item.id)
                     for c in below), default=0)
        if item.unit == "children" and lower > 0:  # children of families counted before
            value = round(lower * per_family * rng.uniform(0.95, 1.05))
        elif item.id in SIZED_FROM and SIZED_FROM[item.id][0] in values:
            other, share = SIZED_FROM[item.id]
            value = round(int(values[other]) * rng.uniform(*share))
        elif upper is not None:
            value = round(upper * rng.uniform(*SHARE_OF_BOUND.get(item.id, (0.6, 0.95))))
        elif not values:  # the first count: the LA's referrals
            value = round(size / per_family)
        else:  # a count of its own
            value = round(size / per_family * rng.uniform(0.2, 0.8))
        values[item.id] = max(lower, min(value, upper) if upper is not None else value, 0)

    eth = LONDON_ETH if la.region_name == "London" else REFERRAL_SHARES["ETH"]
    shares = {**REFERRAL_SHARES, "ETH": eth}
    depth = _funnel_depth(spec, bounds)
    for item in spec.breakdowns:
        total = int(values[item.total])
        category_set = item.category_set
        known = shares.get(category_set) or {cell.category.code: 1.0 for cell in item.cells}
        # later stages lean by the factors, compounding: who misses out shows in the tables
        exponent = max(0, depth.get(item.total, 0) - 1) if item.unit != "families" else 0
        factors = {code: factor ** exponent for code, factor in STAGE_FACTORS.get(category_set, {}).items()}
        counts = _allocate(_item_rng(base_seed, la.code, item.id), total, _weighted(known, factors))
        _fill_breakdown(values, item, counts)
    return values


def _funnel_depth(spec: Spec, bounds: list[Comparison]) -> dict[str, int]:
    """How many stages a count is down the funnel: B1 0, C1 1, C2 2, D1 3 (a children count takes
    its families' depth): a single-item bound on a single item is one step."""
    depth: dict[str, int] = {}
    for item in spec.counts:
        steps = [depth.get(c.right[0], 0) + 1 for c in bounds
                 if c.left == (item.id,) and len(c.right) == 1 and spec.item(c.right[0]).unit == item.unit == "families"]
        families = [depth.get(c.left[0], 0) for c in bounds
                    if c.right == (item.id,) and len(c.left) == 1 and item.unit == "children"]
        depth[item.id] = max(steps + families, default=0)
    return depth


# Answers councils commonly give, where the demo wants them (any other item: drawn from its options).
PREFERRED_ANSWERS = {
    "A6": {"INHOUSE": 3, "COMMISSIONED": 1, "MIXED": 1},
    "A9": {"ALL": 1, "MOST": 1, "SOME": 1},
    "A11": {"Y": 1},
    "A13": {"CMS": 1, "BOTH": 1, "SHEET": 1},
}
GRID_YES = {"A8": ("CIN", "CP", "PLO"), "A12": ("CSC", "EH"), "A16": ("FGC",)}
DEMO_TEXT = {
    "A14": "Social workers refer through the case management system; the FGC service triages within 5 working days.",
    "A15": "The coordinator meets parents and carers to explain the FGC and ask for consent.",
}
PROVIDERS = ["Family Rights Group partner", "Daybreak FGC", "Barnardo's", "Local FGC Co-operative"]


def _service_answers(base_seed: int, la: LocalAuthority, spec: Spec, has_service: bool) -> dict[str, object]:
    """Section A's answers (what the service is): every question of the spec, in its words."""
    yes_no = {c.code: c.label for c in spec.category_sets["YESNO"]}
    values: dict[str, object] = {"A5": yes_no["Y" if has_service else "N"]}
    if not has_service:
        return values
    for item in spec.sections[0].items:
        rng = _item_rng(base_seed, la.code, item.id)
        if item.prefilled or item.id in values or item.type in ("text", "email"):
            continue
        if item.type == "choice":
            weights = PREFERRED_ANSWERS.get(item.id, {choice.code: 1 for choice in item.choices if choice.code != "UNK"})
            codes = list(weights)
            code = codes[rng.choice(len(codes), p=np.array(list(weights.values()), float) / sum(weights.values()))]
            values[item.id] = next(choice.label for choice in item.choices if choice.code == code)
        elif item.type == "choice_grid":
            likely = GRID_YES.get(item.id, ())
            for cell in item.cells:
                values[cell.id] = yes_no["Y" if cell.category.code in likely or rng.random() < 0.5 else "N"]
        elif item.type == "decimal":
            low = item.minimum or 0
            values[item.id] = round(float(rng.uniform(low + 1, min(item.maximum or 50, 15))), item.decimals or 0)
        elif item.type == "longtext":
            values[item.id] = DEMO_TEXT.get(item.id, "Described in our service guidance.")
    if spec.has_input_cell("A7") and values.get("A6") not in (None, spec.item("A6").choices[0].label):
        # commissioned or mixed: the provider is named (FGC112)
        values["A7"] = PROVIDERS[int(_item_rng(base_seed, la.code, "A7").integers(len(PROVIDERS)))]
    return values


def clean_return(la: LocalAuthority, rng: np.random.Generator, spec: Spec, has_service: bool = True) -> dict[str, object]:
    """A complete, internally consistent return for one LA, for any year's spec: the same `rng`
    gives the same LA a close return the next year (its service grown or shrunk a little)."""
    slug = la.slug.lower().replace("_", "-")
    values: dict[str, object] = {
        "A1": la.name,
        "A2": la.code,
        "A3": "Demo Data Officer",
        "A4": f"fgc.lead@{slug}.gov.uk",
    }
    base_seed = int(rng.integers(2**32))
    values.update(_service_answers(base_seed, la, spec, has_service))
    if has_service:
        values.update(_service_values(base_seed, la, spec))
    return values


def _small_la(returns: dict[str, DemoReturn], name: str) -> DemoReturn | None:
    return next((ret for ret in returns.values() if ret.la.name == name and ret.values.get("A5") == "Yes"), None)


def _mistakes(rng: np.random.Generator, returns: dict[str, DemoReturn], spec: Spec) -> list[SeededMistake]:
    """Seed the mistakes councils make into a few returns (each LA gets at most one)."""
    las = {la.code: la for la in local_authorities()}
    small = _small_la(returns, "Rutland")  # a small LA leaving a breakdown blank (see FGC102 below)
    candidates = [code for code, ret in returns.items() if ret.values.get("A5") == "Yes" and ret is not small]
    chosen = iter(rng.permutation(candidates).tolist())
    seeded: list[SeededMistake] = []

    def take() -> DemoReturn:
        return returns[next(chosen)]

    ret = take()
    ret.values["B3_5TO9"] = int(ret.values["B3_5TO9"]) + 3
    seeded.append(SeededMistake(ret.la.code, "FGC101", "B3", "children by age add up to 3 more than B2"))

    ret = take()
    ret.values["D10_SAFETY"] = "<5"
    seeded.append(SeededMistake(ret.la.code, "FGC002", "D10_SAFETY", "typed <5 instead of a figure"))

    ret = take()
    ret.values["B2"] = f" {int(ret.values['B2']):,} "
    seeded.append(SeededMistake(ret.la.code, "FGC003", "B2", "typed the number as text"))

    # A small LA leaving a breakdown blank: England's figures must still be published (issue 11).
    ret = small or take()
    for cell in spec.item("C6").cells:
        ret.values[cell.id] = None
    seeded.append(SeededMistake(ret.la.code, "FGC102", "C6", "left ethnicity at consent blank"))

    ret = take()
    ret.values["D5_F"] = None
    seeded.append(SeededMistake(ret.la.code, "FGC103", "D5", "left one sex category blank", at="D5_F"))

    ret = take()
    ret.values["C2"] = None
    seeded.append(SeededMistake(ret.la.code, "FGC004", "C2", "left a required count blank"))

    ret = take()
    ret.values["A2"] = ret.la.code[:-2] + ret.la.code[-1] + ret.la.code[-2]  # two digits swapped
    if ret.values["A2"] == ret.la.code or ret.values["A2"] in las:
        ret.values["A2"] = ret.la.code[:-1] + "X"
    seeded.append(SeededMistake(ret.la.code, "FGC005", "A2", "mistyped the LA code"))

    cumberland = returns.get("E06000063")
    if cumberland is not None and cumberland.values.get("A5") == "Yes":
        cumberland.values["A2"] = "E10000006"
        seeded.append(SeededMistake("E06000063", "FGC005", "A2", "used Cumbria's old code"))

    # A council filled in the template prefilled for its neighbour and typed its own name over
    # A1, leaving the neighbour's code in A2.
    ret = take()
    neighbour = next(la for la in local_authorities() if la.region_code == ret.la.region_code and la.code != ret.la.code)
    returns[ret.la.code] = DemoReturn(ret.la, {**ret.values, "A2": neighbour.code}, ret.file_name, neighbour)
    seeded.append(SeededMistake(ret.la.code, "FGC006", "A2", f"filled in the template prefilled for {neighbour.name}"))

    ret = take()
    ret.values["E1"] = "Figures checked by the team. One family moved to LS6 2DX mid-year so their FGC was not held."
    seeded.append(SeededMistake(ret.la.code, "FGC010", "E1", "wrote a postcode in the comments"))

    ret = take()
    ret.values["C1_PLO"] = int(ret.values["C1"]) + 2
    seeded.append(SeededMistake(ret.la.code, "FGC105", "C1_PLO", "C1_PLO larger than C1"))

    ret = take()
    ret.values["A5"] = "No"
    seeded.append(SeededMistake(ret.la.code, "FGC106", "A5", "said No service but gave figures"))
    return seeded


FILE_NAME_STYLES = (
    "FGC return {name} FINAL.xlsx",
    "{name} FGC survey {year}.xlsx",
    "fgc_return_{year_}_{code}.xlsx",
    "FGC return {name} v2 (1).xlsx",
)


def _later_mistakes(rng: np.random.Generator, returns: dict[str, DemoReturn], spec: Spec,
                    avoid: set[str]) -> list[SeededMistake]:
    """A later year's mistakes: the FGDM duty's figures (2024-25 on) and a figure far from the
    LA's accepted return of the year before (FGC205, raised when the register holds that one).
    avoid: the LAs given a mistake the year before (whose return of that year may not be accepted)."""
    candidates = [code for code, ret in returns.items() if ret.values.get("A5") == "Yes" and code not in avoid]
    chosen = iter(rng.permutation(candidates).tolist())
    seeded: list[SeededMistake] = []
    if spec.has_input_cell("C11") and spec.has_input_cell("C13"):
        ret = next(returns[code] for code in chosen if int(returns[code].values["C12"]) >= 3)
        ret.values["C13"] = int(ret.values["C11"]) - int(ret.values["C12"]) + 2
        seeded.append(SeededMistake(ret.la.code, "FGC113", "C12", "offered and not offered add up to more than C11"))
        ret = next(returns[code] for code in chosen if int(returns[code].values["C11"]) > 0)
        ret.values["C12"] = ret.values["C13"] = None
        seeded.append(SeededMistake(ret.la.code, "FGC114", "C12", "left the duty's figures blank"))
    # Every count three times last year's (a whole year's referrals counted from a new system):
    # consistent in itself, so only the comparison with the year before can see it.
    ret = next(returns[code] for code in chosen if int(returns[code].values["B1"]) >= 15)
    for cell in spec.input_cells:
        if cell.kind == "count" and isinstance(ret.values.get(cell.id), int):
            ret.values[cell.id] = 3 * ret.values[cell.id]
    seeded.append(SeededMistake(ret.la.code, "FGC205", "B1", "counted three times last year's figures"))
    return seeded


def demo_returns(spec: Spec | None = None, seed: int = SEED) -> tuple[list[DemoReturn], list[SeededMistake]]:
    """Returns for all 153 LAs (a few without an FGC service) and the mistakes seeded into them.
    Any year's spec: the same seed gives each LA a close return from one year to the next, and a
    later year has mistakes of its own (_later_mistakes)."""
    spec = spec or load_spec()
    rng = np.random.default_rng(seed)
    returns: dict[str, DemoReturn] = {}
    for index, la in enumerate(local_authorities()):
        has_service = la.name != "Isles of Scilly" and rng.random() > NO_SERVICE_SHARE
        values = clean_return(la, rng, spec, has_service)
        name = FILE_NAME_STYLES[index % len(FILE_NAME_STYLES)].format(
            name=la.name.replace(",", ""), code=la.code, year=spec.year, year_=spec.year.replace("-", "_"))
        returns[la.code] = DemoReturn(la, values, name, la)
    if spec.year == BASE_YEAR:
        seeded = _mistakes(rng, returns, spec)
    else:
        earlier = {mistake.la_code for mistake in demo_returns(load_spec(BASE_YEAR), seed)[1]}
        seeded = _later_mistakes(rng, returns, spec, earlier)
    return list(returns.values()), seeded
