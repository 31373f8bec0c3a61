"""From the text a council gave to typed values, column by column (vectorised; pure).

For every column c other than the ids, the typed frame holds `c` (the code, date, month or count;
null when blank or not readable), `c__raw` (the text as given) and `c__bad` (given but not
readable: FGC302 reports it, and nothing else uses it). Dates are real dates (read as
"YYYY-MM-DD 00:00:00") or ISO text; birth_month is "YYYY-MM" (the reader has dropped any day).
"""

from __future__ import annotations

import polars as pl

from fgc_collect.child.read import LINE, ROW
from fgc_collect.child.spec import CHOICE, COUNT, DATE, ID_COLUMNS, TEXT, YEAR_MONTH, ChildSpec, load_child_spec

ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
MONTH = r"^\d{4}-\d{2}$"
WHOLE_NUMBER = r"^\+?\d+(?:\.0+)?$"
FAMILY_KEY, CHILD_KEY = "family_key", "child_key"


def raw(column: str) -> str:
    return f"{column}__raw"


def bad(column: str) -> str:
    return f"{column}__bad"


def _typed(column, text: pl.Expr) -> pl.Expr:
    if column.type == CHOICE:
        folded = text.str.replace_all(r"\s+", " ").str.to_lowercase()
        return folded.replace_strict(column.choice_lookup(), default=None, return_dtype=pl.String)
    if column.type == DATE:
        return pl.when(text.str.contains(ISO_DATE)).then(
            text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        ).otherwise(None)
    if column.type == YEAR_MONTH:
        return pl.when(text.str.contains(MONTH)).then(
            (text + "-01").str.to_date("%Y-%m-%d", strict=False)
        ).otherwise(None)
    if column.type == COUNT:
        return pl.when(text.str.contains(WHOLE_NUMBER)).then(
            text.str.replace(r"^\+", "").str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        ).otherwise(None)
    if column.type == TEXT:
        return text
    raise ValueError(f"column {column.id} has an unknown type {column.type!r}")


def typed_frame(rows: pl.DataFrame, spec: ChildSpec | None = None) -> pl.DataFrame:
    """The rows with typed values beside the text as given (see the module's docstring)."""
    spec = spec or load_child_spec()
    expressions: list[pl.Expr] = [pl.col(ROW), pl.col(LINE)]
    for column_id in ID_COLUMNS:
        expressions += [pl.col(column_id), pl.col(f"{column_id}_problem"), pl.col(f"{column_id}_personal")]
    for column in spec.columns:
        if column.is_id:
            continue
        text = pl.col(column.id)
        value = _typed(column, text)
        expressions += [
            value.alias(column.id),
            text.alias(raw(column.id)),
            (text.is_not_null() & value.is_null()).alias(bad(column.id)),
        ]
    frame = rows.select(expressions)
    row_text = pl.lit("row ") + pl.col(ROW).cast(pl.String)
    return frame.with_columns(
        pl.coalesce(pl.col("family_id"), row_text).alias(FAMILY_KEY),
        pl.coalesce(pl.col("child_id"), row_text).alias(CHILD_KEY),
    )
