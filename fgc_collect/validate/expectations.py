"""The project's Great Expectations suites, run by GX or evaluated with polars.

The suites in validations/ are GX expectation suites (JSON, built through GX's own classes). GX
takes seconds to import and converts every frame to pandas, which is most of the time of
validating one large child-level return. So the same committed JSON can also be evaluated here,
in polars, for the expectation types the suites use, with GX's semantics: a column-value
expectation ignores missing values and passes when the share of unexpected values is within
`mostly`; a pair expectation skips rows where either value is missing (`ignore_row_if`). Tests
run every suite through both engines on the same data and require the same failures, rows and
counts (tests/validate/test_expectation_engines.py), and an expectation of a type this module
does not know is an error, never a silent pass.

Engines: "polars" evaluates here, and "auto" (the default) is polars for every batch: importing
GX was most of the time of validating one return (docs/benchmarks.md). "gx" runs Great
Expectations (an ephemeral context, analytics and progress bars off: `_gx.py`), the reference the
parity tests hold this module to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

ENGINES = ("auto", "gx", "polars")


@dataclass(frozen=True)
class Failure:
    """A failed expectation: its meta (the rule and the items), the positions of the rows that
    failed it, and GX's counts (`missing`: rows whose value was missing, so not considered)."""

    meta: dict
    unexpected_rows: tuple[int, ...]
    element_count: int
    missing_count: int
    unexpected_count: int


def resolve_engine(engine: str, has_child_level: bool = False) -> str:
    """"auto" is polars whatever the batch holds (has_child_level is kept for callers that pass it)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    return "polars" if engine == "auto" else engine


def failed_expectations(
    suite: dict, frame, engine: str, what: str, *, rows: bool = True, gx_runtime: Callable | None = None
) -> list[Failure]:
    """The failures of the suite (a GX suite as a dict) on a polars frame whose row positions
    identify the units (returns, or children), in the suite's order.

    rows: whether the failing rows are wanted (else only the counts: GX's BASIC result format,
    much cheaper on a large frame). gx_runtime: for engine "gx", a function giving the (batch
    definition, suite) made once per process in the project's GX context. `what` names the suite
    in an error."""
    if engine == "gx":
        # GX reports in an order of its own; put its failures in the suite's order, as here
        order = {_key(expectation.get("meta", {})): position for position, expectation in enumerate(suite["expectations"])}
        return sorted(_gx_failures(frame, what, rows, gx_runtime), key=lambda failure: order.get(_key(failure.meta), -1))
    if engine != "polars":
        raise ValueError(f"unknown validation engine {engine!r}; use gx or polars")
    failures = []
    for expectation in suite["expectations"]:
        failure = evaluate(expectation, frame, what, rows)
        if failure is not None:
            failures.append(failure)
    return failures


# --------------------------------------------------------------------------- polars


def _column_values(predicate: Callable) -> Callable:
    """A column-value expectation: missing values are not considered; `predicate(column, kwargs)`
    is true for the expected values."""

    def run(frame, kwargs):
        import polars as pl

        column = pl.col(kwargs["column"])
        return column.is_not_null() & ~predicate(column, kwargs).fill_null(True), column.is_null()

    return run


def _column_pair(predicate: Callable) -> Callable:
    """A pair expectation: rows where either value is missing are skipped (the only
    ignore_row_if the suites use; anything else is refused in `evaluate`)."""

    def run(frame, kwargs):
        import polars as pl

        a, b = pl.col(kwargs["column_A"]), pl.col(kwargs["column_B"])
        missing = a.is_null() | b.is_null()
        return ~missing & ~predicate(a, b, kwargs).fill_null(True), missing

    return run


def _between(column, kwargs):
    import polars as pl

    expected = pl.lit(True)
    if kwargs.get("min_value") is not None:
        expected &= column > kwargs["min_value"] if kwargs.get("strict_min") else column >= kwargs["min_value"]
    if kwargs.get("max_value") is not None:
        expected &= column < kwargs["max_value"] if kwargs.get("strict_max") else column <= kwargs["max_value"]
    return expected


def _in_set(column, kwargs):
    # GX compares numbers as numbers (3 is in [0, 3.0]) and text as text: polars wants one type
    import polars as pl

    values = kwargs["value_set"]
    if all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
        return column.cast(pl.Float64, strict=False).is_in(pl.Series(values, dtype=pl.Float64).implode())
    return column.cast(pl.String).is_in(pl.Series([str(value) for value in values], dtype=pl.String).implode())


def _not_in_set(column, kwargs):
    return ~_in_set(column, kwargs)


def _equal(a, b, kwargs):
    return a == b


def _a_greater(a, b, kwargs):
    return a >= b if kwargs.get("or_equal") else a > b


EXPECTATIONS: dict[str, Callable] = {
    "expect_column_values_to_be_between": _column_values(_between),
    "expect_column_values_to_be_in_set": _column_values(_in_set),
    "expect_column_values_to_not_be_in_set": _column_values(_not_in_set),
    "expect_column_pair_values_to_be_equal": _column_pair(_equal),
    "expect_column_pair_values_a_to_be_greater_than_b": _column_pair(_a_greater),
}
_PAIR_ROWS_IGNORED = "either_value_is_missing"


def evaluate(expectation: dict, frame, what: str = "an expectation", rows: bool = True) -> Failure | None:
    """One expectation (as in a suite's JSON) on a polars frame: its Failure, or None when it passes."""
    import polars as pl

    kind, kwargs = expectation["type"], expectation["kwargs"]
    rule = expectation.get("meta", {}).get("rule")
    run = EXPECTATIONS.get(kind)
    unsupported = (run is None or kwargs.get("row_condition") is not None
                   or (kind.startswith("expect_column_pair") and kwargs.get("ignore_row_if") != _PAIR_ROWS_IGNORED))
    if unsupported:
        raise RuntimeError(f"{what}{' (' + rule + ')' if rule else ''} cannot be evaluated without Great Expectations "
                           f"({kind} {sorted(kwargs)}); run with --engine gx.")
    unexpected, missing = run(frame, kwargs)
    flags = frame.select(unexpected.alias("unexpected"), missing.alias("missing"))
    unexpected_count = int(flags.get_column("unexpected").sum())
    missing_count = int(flags.get_column("missing").sum())
    considered = frame.height - missing_count
    mostly = kwargs.get("mostly", 1)
    if unexpected_count == 0 or (considered and (considered - unexpected_count) / considered >= mostly):
        return None
    positions = flags.with_row_index("row").filter(pl.col("unexpected")).get_column("row").to_list() if rows else []
    return Failure(dict(expectation.get("meta", {})), tuple(positions), frame.height, missing_count, unexpected_count)


# --------------------------------------------------------------------------- GX


def _gx_failures(frame, what: str, rows: bool, gx_runtime: Callable | None) -> list[Failure]:
    from fgc_collect.validate._gx import gx_failed_outcomes

    if gx_runtime is None:
        raise ValueError("engine gx needs the suite's GX runtime")
    batch_definition, suite = gx_runtime()
    failures = []
    for outcome in gx_failed_outcomes(batch_definition, suite, _to_pandas(frame), "COMPLETE" if rows else "BASIC", what):
        result = outcome.result
        failures.append(Failure(
            meta=dict(outcome.expectation_config.meta),
            unexpected_rows=tuple(int(index) for index in result.get("unexpected_index_list") or ()),
            element_count=int(result.get("element_count") or 0),
            missing_count=int(result.get("missing_count") or 0),
            unexpected_count=int(result.get("unexpected_count") or 0),
        ))
    return failures


def _key(meta: dict) -> str:
    return json.dumps(meta, sort_keys=True)


def _to_pandas(frame):
    """The frame for GX: text columns as categoricals (GX's set checks run about 2.5 times as fast
    on them as on strings), a RangeIndex so index values are row positions."""
    import polars as pl

    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(pl.col(text).cast(pl.Categorical)).to_pandas()
