"""Synthetic child-level returns: plausible rows for an LA, shaped like a case management system's
report, whose derived aggregate return passes the aggregate rules (FGC1xx) without an error.

The rows include what makes child-level data interesting to derive: families with several
children, referrals made before 1 April 2023 that reached consent or a conference in the year,
consents and conferences still pending at 31 March 2024, a few children referred twice. The
identifiers are invented (C + 7 digits, F + 6 digits) and look like no personal data. Pure:
values only, no files (see `write_demo_child_return` for files).
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from fgc_collect.child.spec import ChildSpec, load_child_spec
from fgc_collect.reference import LocalAuthority

AGE_SHARES = {"U1": 10, "1TO4": 24, "5TO9": 28, "10TO15": 31, "16PLUS": 7}
AGE_YEARS = {"U1": (0, 0), "1TO4": (1, 4), "5TO9": (5, 9), "10TO15": (10, 15), "16PLUS": (16, 17)}
ETH_SHARES = {"WHITE": 72, "MIXED": 9, "ASIAN": 8, "BLACK": 7, "OTHER": 3, "UNK": 1}
LONDON_ETH_SHARES = {"WHITE": 40, "MIXED": 14, "ASIAN": 18, "BLACK": 20, "OTHER": 6, "UNK": 2}
DIS_SHARES = {"YES": 9, "NO": 84, "UNK": 7}
STATUS_SHARES = {"EH": 15, "CIN": 25, "CP": 30, "PLO": 15, "PROC": 3, "LAC": 7, "OTHER": 3, "UNK": 2}
SOURCE_SHARES = {"CSC": 74, "EH": 12, "EDU": 3, "HEALTH": 3, "OTHERAG": 4, "SELF": 2, "UNK": 2}
DECLINE_SHARES = {"NOTWANT": 45, "NONETWORK": 20, "MISTRUST": 15, "ALTERNATIVE": 10, "OTHER": 7, "UNK": 3}
NOTHELD_SHARES = {"WITHDREW": 25, "NONEED": 20, "NONETWORK": 15, "SAFETY": 8, "CIRC": 12, "PROCEED": 5,
                  "CAPACITY": 8, "OTHER": 5, "UNK": 2}
EARLY_REFERRALS = 0.04  # families referred in February or March 2023 whose consent or FGC fell in 2023-24


@dataclass(frozen=True)
class SeededRowMistake:
    la_code: str
    rule: str
    item: str  # the column the issue names
    what: str


_CUMULATIVE: dict[int, tuple[list[str], list[float]]] = {}


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    """A code drawn with the shares' weights."""
    table = _CUMULATIVE.get(id(shares))
    if table is None:
        codes, cumulative, running = list(shares), [], 0.0
        for code in codes:
            running += shares[code]
            cumulative.append(running)
        table = _CUMULATIVE[id(shares)] = (codes, [c / running for c in cumulative])
    codes, cumulative = table
    return codes[min(bisect.bisect_right(cumulative, rng.random()), len(codes) - 1)]


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: enough for the small means used here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _ethnicity_codes(spec: ChildSpec) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for code, group in spec.ethnicity_groups.items():
        groups.setdefault(group, []).append(code)
    return groups


def default_families(la: LocalAuthority, rng: np.random.Generator) -> int:
    base = la.children_in_need or max(1, round((la.child_population_0_17 or 2000) * 0.03))
    return max(3, round(base * rng.uniform(0.04, 0.12) / 1.8))


def demo_child_rows(la: LocalAuthority, rng: np.random.Generator, families: int | None = None,
                    spec: ChildSpec | None = None) -> pl.DataFrame:
    """Rows of a clean child-level return for `la` (every value as text, dates as ISO text)."""
    spec = spec or load_child_spec()
    start, end = spec.period_start, spec.period_end
    families = families or default_families(la, rng)
    rng = random.Random(int(rng.integers(2**62)))  # per-row draws: the standard library's is faster
    eth_codes = _ethnicity_codes(spec)
    eth_shares = LONDON_ETH_SHARES if la.region_name == "London" else ETH_SHARES
    records: list[dict] = []
    child_number = 0
    earlier_children: list[dict] = []
    for family in range(families):
        family_id = f"F{100000 + family:06d}"
        previous_children = len(earlier_children)
        early = rng.random() < EARLY_REFERRALS
        if early:
            referral = date(2023, 2, 1) + _days(rng, 0, 50)
        else:
            referral = start + _days(rng, 0, (end - start).days)
        offered = early or rng.random() < 0.88
        offer = referral + _days(rng, 2, 20) if offered else None
        if early and offer < start:
            offer = start + _days(rng, 0, 20)  # offered in the year (C1 counts it, B1 does not)
        consent, consent_date, decline = ("X", None, None) if not offered else ("Y", None, None)
        held = fgc_date = not_held = plan = fgc_plo = None
        if offered:
            decided = offer + _days(rng, 2, 20)
            if decided > end:
                consent = "P"  # pending at 31 March 2024
            elif rng.random() < 0.72:
                consent, consent_date = "Y", decided
            else:
                consent, decline = "N", _pick(rng, DECLINE_SHARES)
        if consent == "Y":
            conference = consent_date + _days(rng, 10, 45)
            if conference > end:
                held = "P"
            elif rng.random() < 0.82:
                held, fgc_date = "Y", conference
                fgc_plo = "Y" if rng.random() < 0.2 else "N"
                plan = "Y" if rng.random() < 0.9 else "N"
            else:
                held, not_held = "N", _pick(rng, NOTHELD_SHARES)
        family_fields = {
            "referral_date": referral.isoformat(),
            "referral_source": _pick(rng, SOURCE_SHARES),
            "offer_date": offer.isoformat() if offer else None,
            "offer_at_plo": ("Y" if rng.random() < 0.2 else "N") if offer else None,
            "consent": consent,
            "consent_date": consent_date.isoformat() if consent_date else None,
            "decline_reason": decline,
            "fgc_held": held,
            "fgc_date": fgc_date.isoformat() if fgc_date else None,
            "fgc_at_plo": fgc_plo,
            "not_held_reason": not_held,
            "plan_agreed": plan,
        }
        size = 1 + min(5, _poisson(rng, 0.8))
        status = _pick(rng, STATUS_SHARES)
        for position in range(size):
            again = earlier_children[rng.randrange(previous_children)] if previous_children and rng.random() < 0.01 else None
            if again is not None and again["birth_month"] and (
                    referral.year - 17 < int(again["birth_month"][:4]) and again["birth_month"] <= f"{referral:%Y-%m}"):
                child = dict(again)  # a child of an earlier referral, referred again
            else:
                child_number += 1
                child = _child(rng, spec, referral, eth_codes, eth_shares)
                child["child_id"] = f"C{7_000_000 + child_number:07d}"
                earlier_children.append(child)
            reviews = None
            if position == 0 and held == "Y":
                reviews = str(_poisson(rng, 0.6))
            records.append({
                **child, "family_id": family_id, "status_at_referral": status, **family_fields,
                "review_fgcs": reviews,
            })
    frame = pl.DataFrame(records, schema={column.id: pl.String for column in spec.columns}, orient="row")
    return frame.select(spec.column_ids)


def _child(rng: random.Random, spec: ChildSpec, referral: date, eth_codes, eth_shares) -> dict:
    unborn = rng.random() < 0.04
    if unborn:
        birth_month, sex = None, "U"
    else:
        band = _pick(rng, AGE_SHARES)
        low, high = AGE_YEARS[band]
        months = rng.randint(low * 12 + 1, high * 12 + 11)
        year, month = divmod(referral.year * 12 + referral.month - 1 - months, 12)
        birth_month = f"{year:04d}-{month + 1:02d}"
        sex = "M" if rng.random() < 0.5 else "F"
    group = _pick(rng, eth_shares)
    codes = eth_codes[group]
    return {
        "birth_month": birth_month,
        "unborn": "Y" if unborn else "N",
        "sex": sex,
        "ethnicity": codes[rng.randrange(len(codes))],
        "disability": _pick(rng, DIS_SHARES),
    }


def seed_row_mistakes(rows: pl.DataFrame, la: LocalAuthority, rng: np.random.Generator) -> tuple[pl.DataFrame, list[SeededRowMistake]]:
    """Three mistakes councils make with child-level rows, each on one row: a date typed as
    dd/mm/yyyy (FGC302), a consent with no consent date (FGC305), a child's case number in the
    form of an NHS number (FGC311)."""
    records = rows.to_dicts()
    seeded = []
    consented = [i for i, r in enumerate(records) if r["consent"] == "Y" and r["consent_date"]]
    others = [i for i in range(len(records)) if i not in set(consented[:2])]
    if len(consented) >= 2 and others:
        first, second = consented[0], consented[1]
        day = date.fromisoformat(records[first]["consent_date"])
        records[first]["consent_date"] = f"{day:%d/%m/%Y}"
        seeded.append(SeededRowMistake(la.code, "FGC302", "consent_date", "typed a date as dd/mm/yyyy"))
        family = records[second]["family_id"]
        for record in records:
            if record["family_id"] == family:
                record["consent_date"] = None
        seeded.append(SeededRowMistake(la.code, "FGC305", "consent_date", "left the consent date blank"))
        target = others[int(rng.integers(len(others)))]
        records[target]["child_id"] = "943 476 5919"  # a valid NHS number format, invented
        seeded.append(SeededRowMistake(la.code, "FGC311", "child_id", "gave an NHS number as the child's id"))
    return pl.DataFrame(records, schema=rows.schema, orient="row"), seeded


def write_child_csv(rows: pl.DataFrame, path: str | Path, la: LocalAuthority | None = None) -> Path:
    """The rows as a CSV return (UTF-8, header of column ids), naming its LA in a la_code column."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = rows.with_columns(pl.lit(la.code).alias("la_code")) if la is not None else rows
    frame.write_csv(path)
    return path


def write_demo_child_return(folder: str | Path, la: LocalAuthority, rng: np.random.Generator,
                            file_format: str = "xlsx", mistakes: bool = False) -> tuple[Path, list[SeededRowMistake]]:
    """One LA's synthetic child-level return written as a council would send it: the prefilled
    template filled in (.xlsx), or a CSV with a la_code column."""
    from fgc_collect.child.template import child_file_name, fill_child_template

    rows = demo_child_rows(la, rng)
    seeded: list[SeededRowMistake] = []
    if mistakes:
        rows, seeded = seed_row_mistakes(rows, la, rng)
    folder = Path(folder)
    if file_format == "csv":
        return write_child_csv(rows, folder / f"fgc_child_return_{la.code}.csv", la), seeded
    return fill_child_template(_as_cells(rows), folder / child_file_name(la), la=la), seeded


def _as_cells(rows: pl.DataFrame) -> list[dict]:
    """Rows as a spreadsheet holds them: dates as dates, counts as numbers, the rest as text."""
    from fgc_collect.child.spec import COUNT, DATE

    spec = load_child_spec()
    out = []
    for record in rows.iter_rows(named=True):
        cells = {}
        for column in spec.columns:
            value = record.get(column.id)
            if value is not None and column.type == DATE:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    pass  # a seeded mistake stays as typed
            elif value is not None and column.type == COUNT:
                value = int(value)
            cells[column.id] = value
        out.append(cells)
    return out
