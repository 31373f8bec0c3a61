"""Open data in DfE's Explore Education Statistics (EES) format: one CSV per table and its
`.meta.csv`. Written byte for byte the same from the same tables (UTF-8, "\\n" line ends, fixed
column and row order, csv-module quoting so "Bristol, City of" stays one field).

Text that came from returns (provider names) is neutralised against spreadsheet formula
injection: a cell that starts with = + - @ (or their full-width forms, which spreadsheet programs
may take for them), a tab, a carriage return or a line feed, and is not a number, is written with
a leading apostrophe, so a spreadsheet program shows it as text."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fgc_collect.aggregate.tables import Table

META_COLUMNS = ("col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                "filter_hint", "filter_grouping_column")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program could take the text for a formula (a signed number is not)."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """The text, made safe to open in a spreadsheet program."""
    return "'" + text if formula_like(text) else text


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([neutralise(str(value)) for value in row])
    return buffer.getvalue().encode("utf-8")


def data_rows(table: Table, frame) -> list[list[str]]:
    return [list(frame.columns), *(list(row) for row in frame.iter_rows())]


def meta_rows(table: Table) -> list[list[str]]:
    rows = [list(META_COLUMNS)]
    for column in table.meta_filters:
        rows.append([column.name, "Filter", column.label, "", "", "", column.hint, column.grouping])
    for column in table.indicators:
        dp = str(column.dp or 0)  # set for every indicator, text too (DfE's screener warns otherwise)
        rows.append([column.name, "Indicator", column.label, column.grouping, column.unit, dp, "", ""])
    return rows


def open_data(tables) -> list[tuple[Table, object]]:
    """Each table across every year published (tables.series), oldest first, as one frame: the
    time periods one below the other. A column or a table a year does not have (an item not
    collected that year) is x in that year's rows; a table's metadata lists every year's columns,
    the headline year's first."""
    import polars as pl

    from fgc_collect.aggregate.tables import NOT_AVAILABLE, time_period

    years = [tables.series[year] for year in sorted(tables.series)] or [tables]
    if len(years) == 1:
        return [(table, tables.frame(table.name)) for table in tables.tables]
    names = list(dict.fromkeys(t.name for held in (tables, *years) for t in held.tables))
    found = []
    for name in names:
        versions = [held.table(name) for held in (tables, *years) if any(t.name == name for t in held.tables)]
        table = versions[0]
        indicators = list({c.name: c for version in reversed(versions) for c in version.indicators}.values())
        headline = {c.name for c in table.indicators}
        indicators = [*table.indicators, *(c for c in indicators if c.name not in headline)]
        combined = Table(table.name, table.title, table.description, table.filters, indicators, table.rows, table.levels)
        shape = next(held.frame(name) for held in (tables, *years) if name in held.frames)
        frames = []
        for held in years:
            if name in held.frames:
                frame = held.frame(name)
            else:  # not published that year: its rows, every figure x
                fixed = {*table.geography_columns, *(c.name for c in table.filters)}
                frame = shape.with_columns(pl.lit(time_period(held.spec)).alias("time_period"),
                                           *(pl.lit(NOT_AVAILABLE).alias(c) for c in shape.columns if c not in fixed))
            missing = [c for c in combined.columns if c not in frame.columns]
            frame = frame.with_columns(*(pl.lit(NOT_AVAILABLE).alias(c) for c in missing))
            frames.append(frame.select(combined.columns))
        found.append((combined, pl.concat(frames)))
    return found


def write_ees(tables, folder: Path) -> list[Path]:
    """Write every table's CSV and meta CSV into folder (every year published); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in open_data(tables):
        data = folder / f"{table.name}.csv"
        meta = folder / f"{table.name}.meta.csv"
        data.write_bytes(csv_bytes(data_rows(table, frame)))
        meta.write_bytes(csv_bytes(meta_rows(table)))
        written += [data, meta]
    return written
