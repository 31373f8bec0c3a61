"""`fgc-collect check-publication DIR`: the checks of DfE's EES data screener that apply to these
files, run before anything is published.

The screener (dfe-analytical-services' dfe-published-data-qa and eesyscreener) checks file names,
mandatory columns, the metadata and its agreement with the data, geography codes and names
against its lookups, symbols, blanks, duplicates and time periods. This module repeats those
checks for the geographic levels and time identifier this publication uses; where the screener
only advises (a filter without a Total, a filter group not declared as a filter, an indicator
without decimal places, generic characteristic columns), this publication's own standard makes it
a problem. DfE's data dictionary checks are not repeated: the dictionary has no name for most of
this publication's indicators (docs/publication.md says which filters use its names and items).
Each problem is one line: the file and what is wrong.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

MANDATORY_DATA = ("geographic_level", "time_period", "time_identifier", "country_code", "country_name")
MANDATORY_META = ("col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                  "filter_hint", "filter_grouping_column")
LEVEL_COLUMNS = {
    "National": ("country_code", "country_name"),
    "Regional": ("country_code", "country_name", "region_code", "region_name"),
    "Local authority": ("country_code", "country_name", "region_code", "region_name", "old_la_code",
                        "new_la_code", "la_name"),
}
GEOGRAPHY_COLUMNS = ("country_code", "country_name", "region_code", "region_name", "old_la_code", "new_la_code",
                     "la_name")
OBSERVATIONAL_UNITS = ("time_period", "time_identifier", "geographic_level", *GEOGRAPHY_COLUMNS)
SIX_DIGIT_IDENTIFIERS = ("Financial year", "Academic year", "Tax year")
FOUR_DIGIT_IDENTIFIERS = ("Calendar year", "Reporting year")
GSS_SYMBOLS = ("c", "x", "z", "low", "u")
LEGACY_SYMBOLS = (":", "~", "N/A", "n/a", ".", "..", "-")
NULLS = ("NA", "na", "Null", "null", "NULL")
UNITS = ("", "%", "pp", "£", "£m")
FILE_NAME = re.compile(r"[a-z0-9_]+")
COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]*")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
COUNTRIES = {("E92000001", "England")}
# DfE's harmonised variables: a column whose name contains the pattern must be one of the names
# (the screener's harmonised_col_names), and GSS's major ethnic groups (its ethnicity.csv).
HARMONISED = {
    "ethnic": ("ethnicity_major", "ethnicity_minor", "ethnicity_detailed", "minority_ethnic"),
    "sen_": ("sen_status", "sen_primary_need", "sen_secondary_need", "sen_provision"),
    "primary_need": ("sen_primary_need",),
    "secondary_need": ("sen_secondary_need",),
    "establishment_type": ("establishment_type", "establishment_type_group"),
    "provider_type": ("provider_type",),
    "school_type": ("establishment_type", "establishment_type_group"),
}
ETHNICITY_MAJOR = ("Total", "White", "Mixed / Multiple ethnic groups", "Mixed/Multiple ethnic groups",
                   "Asian / Asian British", "Asian/Asian British", "Black / African / Caribbean / Black British",
                   "Black/African/Caribbean/Black British", "Other ethnic group", "Unknown")
# The EES API's character limits: column names, labels, filter items.
NAME_LIMIT, LABEL_LIMIT, ITEM_LIMIT = 50, 100, 120
# Generic characteristic columns, which the EES table tool cannot offer as separate choices.
GENERIC = ("characteristic", "characteristic_group", "characteristic_type")
# Words that belong in a filter, not in an indicator's name (the screener's tidy-data check).
FILTER_WORDS = ("male", "female", "asian", "chinese", "indian", "pakistani", "bangladeshi", "black", "african",
                "caribbean", "white", "roma", "irish", "english", "british", "scottish", "welsh", "arab")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]] | str:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    except (UnicodeDecodeError, csv.Error) as problem:
        return f"cannot be read as a UTF-8 CSV file ({problem})"


def _lookups() -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    from fgc_collect.reference import SCREENER_FILE, _rows, local_authorities

    regions = {(la.region_code, la.region_name) for la in local_authorities()}
    las = {(row["old_la_code"], row["new_la_code"], row["la_name"]) for row in _rows(SCREENER_FILE)}
    return regions, las


def check_publication(folder: str | Path) -> list[str]:
    """Every problem found in the folder's EES files, one line each (empty: they pass)."""
    folder = Path(folder)
    if not folder.is_dir():
        return [f"{folder}: not a folder"]
    problems: list[str] = []
    csvs = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    metas = {p.name[: -len(".meta.csv")]: p for p in csvs if p.name.endswith(".meta.csv")}
    datas = {p.stem: p for p in csvs if not p.name.endswith(".meta.csv")}
    if not datas:
        return [f"{folder}: no data files (.csv) to check"]
    for name in sorted(set(metas) - set(datas)):
        problems.append(f"{metas[name].name}: a metadata file without its data file {name}.csv")
    regions, las = _lookups()
    for name, path in sorted(datas.items()):
        problems += [f"{path.name}: {p}" for p in _check_pair(name, path, metas.get(name), regions, las)]
    return problems


def _check_pair(name: str, data_path: Path, meta_path: Path | None, regions, las) -> list[str]:
    problems: list[str] = []
    if not FILE_NAME.fullmatch(name):
        problems.append("the file name should use only lower-case letters, digits and underscores")
    if meta_path is None:
        return problems + [f"has no metadata file {name}.meta.csv"]
    data = _read(data_path)
    meta = _read(meta_path)
    if isinstance(data, str):
        return problems + [data]
    if isinstance(meta, str):
        return problems + [f"its metadata file {meta}"]
    columns, rows = data
    meta_columns, meta_rows = meta
    missing = [c for c in MANDATORY_DATA if c not in columns]
    if missing:
        problems.append(f"mandatory columns missing: {', '.join(missing)}")
    missing_meta = [c for c in MANDATORY_META if c not in meta_columns]
    if missing_meta:
        return problems + [f"mandatory metadata columns missing: {', '.join(missing_meta)}"]
    if not rows:
        return problems + ["has no rows"]
    problems += _check_columns(columns, meta_rows)
    filters = [m["col_name"] for m in meta_rows if m["col_type"] == "Filter"]
    groups = [m["filter_grouping_column"] for m in meta_rows if m["col_type"] == "Filter" and m["filter_grouping_column"]]
    indicators = [m for m in meta_rows if m["col_type"] == "Indicator"]
    problems += _check_values(rows, filters, groups, indicators, columns)
    for m in meta_rows:
        group, name = m["filter_grouping_column"], m["col_name"]
        if m["col_type"] == "Filter" and group and group in columns and name in columns:
            levels = (len({row[group] for row in rows}), len({row[name] for row in rows}))
            if levels[0] > levels[1]:
                problems.append(f"the filter group {group} has more values ({levels[0]}) than its filter {name} "
                                f"({levels[1]}): the grouping is the wrong way round")
    problems += _check_time(rows)
    problems += _check_geography(rows, columns, regions, las)
    keys = [c for c in (*OBSERVATIONAL_UNITS, *filters, *groups) if c in columns]
    duplicates = sum(n - 1 for n in Counter(tuple(row[c] for c in keys) for row in rows).values() if n > 1)
    if duplicates:
        problems.append(f"{duplicates} duplicate rows (the same geography, time and filters)")
    return problems


def _check_columns(columns: list[str], meta_rows: list[dict[str, str]]) -> list[str]:
    problems = []
    names = [m["col_name"] for m in meta_rows]
    for column, count in Counter(columns).items():
        if count > 1:
            problems.append(f"the column {column} appears {count} times")
    for column in columns:
        if not COLUMN_NAME.fullmatch(column):
            problems.append(f"the column name {column!r} is not in snake case (lower-case letters, digits, underscores)")
    for name, count in Counter(names).items():
        if count > 1:
            problems.append(f"the metadata lists {name} {count} times")
    labels = Counter(m["label"] for m in meta_rows)
    for label, count in labels.items():
        if count > 1:
            problems.append(f"the label {label!r} is used {count} times in the metadata")
    groups = {m["filter_grouping_column"] for m in meta_rows if m["filter_grouping_column"]}
    declared = {m["col_name"] for m in meta_rows if m["col_type"] == "Filter"}
    for group in sorted(groups - declared):
        problems.append(f"metadata: the filter group {group} is not declared as a filter of its own (add a Filter "
                        "row for it)")
    for group, count in Counter(m["filter_grouping_column"] for m in meta_rows if m["filter_grouping_column"]).items():
        if count > 1:
            problems.append(f"metadata: the filter group {group} groups {count} filters (one each)")
    generic = [name for name in GENERIC if name in names or name in groups]
    if generic:
        which = f"columns {' and '.join(generic)} are" if len(generic) > 1 else f"column {generic[0]} is"
        problems.append(f"the {which} not recommended for the EES table tool: give each characteristic a filter "
                        "column of its own")
    for name in sorted(set(names) | groups):
        for pattern, allowed in HARMONISED.items():
            if pattern in name.lower() and name not in allowed:
                problems.append(f"the column {name} looks like a harmonised variable: DfE's standard names are "
                                + ", ".join(allowed))
                break
    for m in meta_rows:
        name = m["col_name"]
        if len(name) > NAME_LIMIT:
            problems.append(f"metadata: the column name {name} is longer than {NAME_LIMIT} characters")
        if len(m["label"]) > LABEL_LIMIT:
            problems.append(f"metadata: the label of {name} is longer than {LABEL_LIMIT} characters")
        if m["col_type"] not in ("Filter", "Indicator"):
            problems.append(f"metadata: {name} has col_type {m['col_type']!r} (Filter or Indicator)")
        if not m["label"].strip():
            problems.append(f"metadata: {name} has no label")
        if name in OBSERVATIONAL_UNITS:
            problems.append(f"metadata: {name} is an observational unit and must not be listed")
        if name not in columns:
            problems.append(f"metadata: {name} is not a column of the data file")
        if m["col_type"] == "Filter":
            if m["indicator_grouping"] or m["indicator_unit"] or m["indicator_dp"]:
                problems.append(f"metadata: the filter {name} has indicator settings")
            if m["filter_grouping_column"] and m["filter_grouping_column"] not in columns:
                problems.append(f"metadata: the filter group {m['filter_grouping_column']} is not a column of the data file")
        if m["col_type"] == "Indicator":
            if m["filter_hint"] or m["filter_grouping_column"]:
                problems.append(f"metadata: the indicator {name} has filter settings")
            if m["indicator_unit"] not in UNITS:
                problems.append(f"metadata: the indicator {name} has the unit {m['indicator_unit']!r} "
                                f"(allowed: %, pp, £, £m or blank)")
            if not m["indicator_dp"].strip():
                problems.append(f"metadata: the indicator {name} has no decimal places (indicator_dp)")
            elif not m["indicator_dp"].isdigit():
                problems.append(f"metadata: the indicator {name} has indicator_dp {m['indicator_dp']!r} (a whole number)")
            if any(word in name.lower() for word in FILTER_WORDS):
                problems.append(f"metadata: the indicator {name} names a filter's value: make it a filter")
    listed = set(names) | groups
    for column in columns:
        if column not in OBSERVATIONAL_UNITS and column not in listed:
            problems.append(f"the column {column} is neither an observational unit nor in the metadata")
    return problems


def _check_values(rows, filters, groups, indicators, columns) -> list[str]:
    problems = []
    everything = [value for row in rows for value in row.values()]
    found_nulls = sorted({v for v in everything if v in NULLS})
    if found_nulls:
        problems.append(f"NULL or NA values found: {', '.join(found_nulls)}")
    for column in dict.fromkeys([*filters, *groups]):
        if column not in columns:
            continue
        values = [row[column] for row in rows]
        if any(not v.strip() for v in values):
            problems.append(f"the filter {column} has blank cells (use Total for no breakdown)")
        if "Total" not in values:
            problems.append(f"the filter {column} has no Total")
        if any(v != v.strip() for v in values):
            problems.append(f"the filter {column} has values with leading or trailing spaces")
        if column in filters and len(set(values)) < 2:
            problems.append(f"the filter {column} has fewer than two values")
        for value in sorted(v for v in set(values) if len(v) > ITEM_LIMIT)[:5]:
            problems.append(f"the filter {column} has a value longer than {ITEM_LIMIT} characters: {value[:40]!r}...")
    for column in filters:
        if column == "ethnicity_major" and column in columns:
            for value in sorted({row[column] for row in rows} - set(ETHNICITY_MAJOR)):
                problems.append(f"the ethnicity_major value {value!r} is not one of the GSS harmonised major ethnic groups")
    for unit in OBSERVATIONAL_UNITS:
        if unit in columns and any(row[unit] in ("Total", "total", "All", "all") for row in rows):
            problems.append(f"the observational unit {unit} contains Total or All")
    for m in indicators:
        column = m["col_name"]
        if column not in columns:
            continue
        values = [row[column] for row in rows]
        if any(v == "" for v in values):
            problems.append(f"the indicator {column} has blank cells (use a GSS symbol: c, x, z, low)")
        legacy = sorted({v for v in values if v in LEGACY_SYMBOLS})
        if legacy:
            problems.append(f"the indicator {column} uses legacy symbols: {', '.join(legacy)}")
        if any(NUMBER.fullmatch(v) for v in values):  # a figure, not text such as a provider's name
            wrong = sorted({v for v in values if v and v not in GSS_SYMBOLS and v not in LEGACY_SYMBOLS
                            and not NUMBER.fullmatch(v)})
            if wrong:
                problems.append(f"the indicator {column} holds values that are neither numbers nor GSS symbols: "
                                + ", ".join(repr(v) for v in wrong[:5]))
    return problems


def _check_time(rows) -> list[str]:
    problems = []
    identifiers = {row["time_identifier"] for row in rows}
    if len(identifiers) > 1:
        problems.append(f"mixes time identifiers: {', '.join(sorted(identifiers))}")
    for identifier in identifiers:
        if identifier not in (*SIX_DIGIT_IDENTIFIERS, *FOUR_DIGIT_IDENTIFIERS):
            problems.append(f"the time_identifier {identifier!r} is not one EES accepts here")
    for period in sorted({row["time_period"] for row in rows}):
        identifier = next(iter(identifiers))
        if identifier in SIX_DIGIT_IDENTIFIERS:
            if not re.fullmatch(r"\d{6}", period):
                problems.append(f"the time_period {period!r} is not six digits (e.g. 202324) for {identifier}")
            elif (int(period[2:4]) + 1) % 100 != int(period[4:6]):
                problems.append(f"the time_period {period} is not two consecutive years")
        elif identifier in FOUR_DIGIT_IDENTIFIERS and not re.fullmatch(r"\d{4}", period):
            problems.append(f"the time_period {period!r} is not four digits for {identifier}")
    return problems


def _check_geography(rows, columns, regions, las) -> list[str]:
    problems = []
    for level in sorted({row["geographic_level"] for row in rows}):
        if level not in LEVEL_COLUMNS:
            problems.append(f"the geographic_level {level!r} is not one this publication uses")
            continue
        needed = LEVEL_COLUMNS[level]
        absent = [c for c in needed if c not in columns]
        if absent:
            problems.append(f"{level} rows need the columns {', '.join(absent)}")
            continue
        level_rows = [row for row in rows if row["geographic_level"] == level]
        for column in needed:
            if column == "new_la_code":
                continue  # the screener allows a blank new_la_code
            if any(not row[column] for row in level_rows):
                problems.append(f"the {column} column should be completed for all {level} rows")
        for column in GEOGRAPHY_COLUMNS:
            if column not in needed and column in columns and any(row[column] for row in level_rows):
                problems.append(f"the {column} column should be blank for {level} rows")
        for row in level_rows:
            if (row["country_code"], row["country_name"]) not in COUNTRIES:
                problems.append(f"{row['country_code']!r} / {row['country_name']!r} is not a country code and name pair")
                break
        if level in ("Regional", "Local authority") and "region_code" in columns:
            wrong = sorted({(r["region_code"], r["region_name"]) for r in level_rows} - regions)
            for code, name in wrong:
                problems.append(f"{code!r} / {name!r} is not a region code and name pair")
        if level == "Local authority":
            wrong = sorted({(r["old_la_code"], r["new_la_code"], r["la_name"]) for r in level_rows} - las)
            for old, new, name in wrong[:10]:
                problems.append(f"{old!r} / {new!r} / {name!r} is not an LA in the screener's lookup")
            for row in level_rows:
                if row["new_la_code"] and len(row["new_la_code"]) != 9:
                    problems.append(f"the new_la_code {row['new_la_code']!r} is not 9 characters")
                    break
    return problems
