"""Synthetic returns for the demo: plausible figures for every LA, sized from the reference data,
and the mistakes councils really make, seeded into a few of them. Pure: values only, no files.

The figures are invented. They are shaped so the demo's national tables show something to look
at (a funnel that narrows, older children and some ethnic groups less often reaching an FGC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fgc_collect.reference import LocalAuthority, local_authorities
from fgc_collect.spec import Item, Spec, load_spec

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


def _service_values(rng: np.random.Generator, la: LocalAuthority, spec: Spec) -> dict[str, object]:
    values: dict[str, object] = {}
    base = la.cin_at_31_march_2024 or max(1, round((la.child_population_0_17 or 2000) * 0.03))
    children = max(3, round(base * rng.uniform(0.04, 0.12)))
    per_family = rng.uniform(1.6, 2.1)
    families = max(2, min(children, round(children / per_family)))
    values["B1"], values["B2"] = families, children

    offered = round(families * rng.uniform(0.75, 0.95))
    consented = round(offered * rng.uniform(0.6, 0.85))
    declined = round((offered - consented) * rng.uniform(0.7, 0.95))
    held = round(consented * rng.uniform(0.7, 0.9))
    not_held = round((consented - held) * rng.uniform(0.6, 0.95))
    values.update(
        C1=offered, C1_PLO=round(offered * rng.uniform(0.1, 0.3)), C2=consented, C9=declined,
        D1=held, D1_PLO=round(held * rng.uniform(0.1, 0.3)), D9=not_held,
        D2=round(held * rng.uniform(0.3, 0.7)), D11=round(held * rng.uniform(0.8, 0.97)),
    )
    values["C3"] = max(consented, round(consented * per_family * rng.uniform(0.95, 1.05)))
    values["D3"] = max(held, min(values["C3"], round(held * per_family * rng.uniform(0.95, 1.05))))

    eth = LONDON_ETH if la.region_name == "London" else REFERRAL_SHARES["ETH"]
    shares = {**REFERRAL_SHARES, "ETH": eth}
    for item in spec.breakdowns:
        total = int(values[item.total])
        category_set = item.category_set
        stage = item.total  # B2 referral, C3 consent, D3 held: later stages lean by the factors
        factors = {} if stage in ("B1", "B2", "C9", "D9") else STAGE_FACTORS.get(category_set, {})
        weights = _weighted(shares[category_set], factors if stage == "C3" else {
            code: factor ** 2 for code, factor in factors.items()})
        _fill_breakdown(values, item, _allocate(rng, total, weights))
    return values


def _service_answers(rng: np.random.Generator, spec: Spec, has_service: bool) -> dict[str, object]:
    values: dict[str, object] = {"A5": "Yes" if has_service else "No"}
    if not has_service:
        return values
    model = rng.choice(["INHOUSE", "INHOUSE", "INHOUSE", "COMMISSIONED", "MIXED"])
    values["A6"] = spec.item("A6").cells[0].choices[["INHOUSE", "COMMISSIONED", "MIXED"].index(model)].label
    if model != "INHOUSE":
        values["A7"] = str(rng.choice(["Family Rights Group partner", "Daybreak FGC", "Barnardo's", "Local FGC Co-operative"]))
    for cell in spec.item("A8").cells:
        values[cell.id] = "Yes" if cell.category.code in ("CIN", "CP", "PLO") or rng.random() < 0.6 else "No"
    values["A9"] = str(rng.choice(["To all families", "To most families", "To some families"]))
    values["A10"] = round(float(rng.uniform(1, 15)), 1)
    values["A11"] = "Yes, always"
    for cell in spec.item("A12").cells:
        values[cell.id] = "Yes" if cell.category.code in ("CSC", "EH") or rng.random() < 0.4 else "No"
    values["A13"] = str(rng.choice(["Case management system", "Both", "Spreadsheet or local database"]))
    values["A14"] = "Social workers refer through the case management system; the FGC service triages within 5 working days."
    values["A15"] = "The coordinator meets parents and carers to explain the FGC and ask for consent."
    return values


def clean_return(la: LocalAuthority, rng: np.random.Generator, spec: Spec, has_service: bool = True) -> dict[str, object]:
    """A complete, internally consistent return for one LA."""
    slug = la.slug.lower().replace("_", "-")
    values: dict[str, object] = {
        "A1": la.name,
        "A2": la.code,
        "A3": "Demo Data Officer",
        "A4": f"fgc.lead@{slug}.gov.uk",
    }
    values.update(_service_answers(rng, spec, has_service))
    if has_service:
        values.update(_service_values(rng, la, spec))
    return values


def _mistakes(rng: np.random.Generator, returns: dict[str, DemoReturn], spec: Spec) -> list[SeededMistake]:
    """Seed the mistakes councils make into a few returns (each LA gets at most one)."""
    las = {la.code: la for la in local_authorities()}
    candidates = [code for code, ret in returns.items() if ret.values.get("A5") == "Yes"]
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

    ret = take()
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
    "{name} FGC survey 2023-24.xlsx",
    "fgc_return_2023_24_{code}.xlsx",
    "FGC return {name} v2 (1).xlsx",
)


def demo_returns(spec: Spec | None = None, seed: int = SEED) -> tuple[list[DemoReturn], list[SeededMistake]]:
    """Returns for all 153 LAs (a few without an FGC service) and the mistakes seeded into them."""
    spec = spec or load_spec()
    rng = np.random.default_rng(seed)
    returns: dict[str, DemoReturn] = {}
    for index, la in enumerate(local_authorities()):
        has_service = la.name != "Isles of Scilly" and rng.random() > NO_SERVICE_SHARE
        values = clean_return(la, rng, spec, has_service)
        name = FILE_NAME_STYLES[index % len(FILE_NAME_STYLES)].format(name=la.name.replace(",", ""), code=la.code)
        returns[la.code] = DemoReturn(la, values, name, la)
    seeded = _mistakes(rng, returns, spec)
    return list(returns.values()), seeded
