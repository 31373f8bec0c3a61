"""The 153 local authorities, their reference figures for each year held, and DfE's lookup of LA
codes (see README.md here for provenance and licence). Figures marked with a GSS symbol (u, z, c,
x) are missing, not zero.

The figures have year-neutral names (`children_in_need`, ...) and `figures_year` says which year
they are for: `reference_for(year)` gives a year's, or the latest held where DfE's figures for
that year are not held yet (the coverage notes then say which year's were used)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

LA_FILE = "la_reference_2023_24.csv"
# year -> (file, {field: the file's column}): the figures held for each year. A year's file keeps
# DfE's own column names; the fields are the same every year.
REFERENCE_FILES = {
    "2023-24": (LA_FILE, {
        "child_population_0_17": "child_population_0_17",
        "cin_referrals": "cin_referrals_2023_24",
        "children_in_need": "cin_at_31_march_2024",
        "looked_after": "cla_at_31_march_2024",
        "started_looked_after": "cla_started_2023_24",
    }),
}
SCREENER_FILE = "dfe_screener_las.csv"
GSS_SYMBOLS = frozenset({"u", "z", "c", "x", "low", ":", ".."})
FIGURE_COLUMNS = tuple(REFERENCE_FILES["2023-24"][1].values())  # the 2023-24 file's columns


@dataclass(frozen=True)
class LocalAuthority:
    code: str  # ONS 9-character code
    old_code: str  # DfE 3-digit code
    name: str
    region_code: str
    region_name: str
    child_population_0_17: int | None  # ONS mid-year estimate DfE uses for its rates that year
    cin_referrals: int | None  # referrals to children's social care in the year
    children_in_need: int | None  # at 31 March, the year's end
    looked_after: int | None  # at 31 March
    started_looked_after: int | None  # in the year
    figures_year: str = "2023-24"  # the year the figures are for

    @property
    def slug(self) -> str:
        """A file-name-safe form of the name."""
        return "".join(ch if ch.isalnum() else "_" for ch in self.name).strip("_")


def _figure(text: str) -> int | None:
    text = text.strip()
    if not text or text.lower() in GSS_SYMBOLS:
        return None
    return int(text.replace(",", ""))


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files(__package__).joinpath(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def held_years() -> tuple[str, ...]:
    """The years whose reference figures the project holds, oldest first."""
    return tuple(sorted(REFERENCE_FILES))


def figures_year(year: str) -> str:
    """The year whose figures are used for `year`: its own when held, else the latest held before
    it (else the earliest held)."""
    if year in REFERENCE_FILES:
        return year
    earlier = [held for held in held_years() if held < year]
    return earlier[-1] if earlier else held_years()[0]


@cache
def reference_for(year: str) -> tuple[LocalAuthority, ...]:
    """The 153 LAs with the reference figures for `year` (see figures_year), in the file's order (by region)."""
    held = figures_year(year)
    name, columns = REFERENCE_FILES[held]
    return tuple(
        LocalAuthority(
            code=row["new_la_code"],
            old_code=row["old_la_code"],
            name=row["la_name"],
            region_code=row["region_code"],
            region_name=row["region_name"],
            **{field: _figure(row[column]) for field, column in columns.items()},
            figures_year=held,
        )
        for row in _rows(name)
    )


@cache
def local_authorities() -> tuple[LocalAuthority, ...]:
    """The 153 LAs, in the reference file's order (by region), with the 2023-24 figures."""
    return reference_for("2023-24")


@cache
def _by_code() -> dict[str, LocalAuthority]:
    index = {}
    for la in local_authorities():
        index[la.code] = la
        index[la.old_code] = la
    return index


def find_la(code: str | None) -> LocalAuthority | None:
    """The 2023-24 LA for a 9-character or 3-digit code (spaces and case ignored), else None."""
    if code is None:
        return None
    return _by_code().get(str(code).strip().upper())


def find_la_by_name(name: str | None) -> LocalAuthority | None:
    if not name:
        return None
    wanted = _normalise_name(name)
    for la in local_authorities():
        if _normalise_name(la.name) == wanted:
            return la
    return None


def _normalise_name(name: str) -> str:
    text = " ".join(str(name).replace("&", "and").split()).casefold()
    # "Bristol, City of" and "City of Bristol" are the same council.
    if ", " in text:
        head, _, tail = text.partition(", ")
        if tail in ("city of", "county of"):
            text = f"{head}"
    for prefix in ("city of ", "county of ", "london borough of ", "royal borough of "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    for suffix in (" council", " county council", " city council", " borough council"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


@dataclass(frozen=True)
class RetiredCode:
    code: str
    name: str
    terminated: str
    successors: tuple[LocalAuthority, ...]


@cache
def retired_codes() -> dict[str, RetiredCode]:
    """LA codes in DfE's lookup that were no longer in use in 2023-24, with their successors."""
    rows = _rows(SCREENER_FILE)
    current = {la.code for la in local_authorities()}
    retired = {}
    for row in rows:
        code = row["new_la_code"]
        if code in current or "/" in code:
            continue
        old_code = row["old_la_code"].strip()
        recoded = tuple(la for la in local_authorities() if old_code and la.old_code == old_code)
        successors = recoded or tuple(la for la in local_authorities() if _successor_of(row, la))
        record = RetiredCode(code, row["la_name"], row["date_of_termination"], successors)
        retired[code] = record
        if old_code.isdigit():
            retired.setdefault(old_code, record)
    return retired


def _successor_of(row: dict[str, str], la: LocalAuthority) -> bool:
    # The lookup has no successor column. A recode (North Yorkshire's in 2023, Barnsley's in 2025)
    # keeps the 3-digit code and is matched by the caller; a county split into unitaries keeps its
    # name ("Cheshire" -> "Cheshire East"; "Cornwall and Isles of Scilly" -> both). Cumbria is the
    # one split whose successors' names share nothing with it.
    name = row["la_name"]
    if name == "Cumbria":
        return la.name in ("Cumberland", "Westmorland and Furness")
    return _words_within(name, la.name) or _words_within(la.name, name)


def _words_within(part: str, whole: str) -> bool:
    return f" {part.casefold()} " in f" {whole.casefold().replace(',', ' ')} "


def regions() -> tuple[tuple[str, str], ...]:
    """(region_code, region_name) in code order."""
    return tuple(sorted({(la.region_code, la.region_name) for la in local_authorities()}))
