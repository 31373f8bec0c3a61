"""The committed expectation suites give the same failures whether Great Expectations runs them or
fgc-collect evaluates them with polars: same expectations, same rows, same counts."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from fgc_collect.child import distributions
from fgc_collect.validate import _gx
from fgc_collect.validate.expectations import Failure, evaluate, failed_expectations, resolve_engine
from fgc_collect.validate.return_rules import suite_columns
from fgc_collect.validate.suites import load_suite_dict
from tests.validate import test_cell_rules, test_return_rules  # noqa: F401 - they register every rule's cases

# Figures that make ties, zeros, halves and blanks common, so every comparison meets its edge.
FIGURES = [None, None, 0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 4.0, 7.0, 0.5, 0.51, 12.0]


def both_engines(suite: dict, frame: pl.DataFrame, runtime, rows: bool = True) -> tuple[list[Failure], list[Failure]]:
    what = "a suite under test"
    return (
        failed_expectations(suite, frame, "gx", what, rows=rows, gx_runtime=runtime),
        failed_expectations(suite, frame, "polars", what, rows=rows),
    )


def random_wide_frame(seed: int, height: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {}
    for name in suite_columns():
        picks = rng.integers(0, len(FIGURES), height)
        columns[name] = pl.Series(name, [FIGURES[pick] for pick in picks], dtype=pl.Float64)
    # pair columns equal in a third of the rows, so FGC101/FGC104 pass as often as they fail
    frame = pl.DataFrame(columns)
    for expectation in load_suite_dict()["expectations"]:
        kwargs = expectation["kwargs"]
        if "column_A" in kwargs:
            same = pl.Series(rng.random(height) < 0.33)
            frame = frame.with_columns(pl.when(same).then(pl.col(kwargs["column_B"])).otherwise(pl.col(kwargs["column_A"]))
                                       .alias(kwargs["column_A"]))
    return frame


@pytest.mark.parametrize("seed", [1, 2])
def test_the_return_rules_suite_fails_the_same_returns_under_both_engines(seed):
    gx_failures, polars_failures = both_engines(load_suite_dict(), random_wide_frame(seed, 300), _gx.runtime)
    assert len(gx_failures) > 40  # the frame exercises most of the suite
    assert polars_failures == gx_failures


def random_category_frame(seed: int) -> pl.DataFrame:
    """A column per breakdown of the child-level suite with Unknown shares around one half,
    exactly one half, none, all, and columns wholly null."""
    rng = np.random.default_rng(seed)
    suite = distributions.load_suite_dict()
    height = 240
    columns = []
    for number, expectation in enumerate(suite["expectations"]):
        unknown = expectation["kwargs"]["value_set"][0]
        share = [0.0, 0.5, 0.49, 0.51, 1.0, 0.8, 0.2, None][number % 8]
        if share is None:
            values = [None] * height
        else:
            values = ["KNOWN" if rng.random() < 0.5 else "OTHER"] * height
            values = [unknown if row < round(share * 120) else values[row] for row in range(120)] + [None] * 120
        columns.append(pl.Series(expectation["kwargs"]["column"], values, dtype=pl.String))
    return pl.DataFrame(columns)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_child_level_distribution_suite_gives_the_same_counts_under_both_engines(seed):
    frame = random_category_frame(seed)
    gx_failures, polars_failures = both_engines(distributions.load_suite_dict(), frame, distributions._runtime, rows=False)
    assert len(gx_failures) >= 2  # the breakdowns whose Unknown share is 0.8 and 1
    assert polars_failures == gx_failures


# --- each expectation type on its own (polars), firing and not firing -----------------------------


def expectation(kind: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"rule": "FGC999"}}


FRAME = pl.DataFrame({"a": [1.0, 2.0, None, 5.0], "b": [1.0, 3.0, 4.0, None], "code": ["U", "M", None, "U"]})


@pytest.mark.parametrize(("kind", "kwargs", "rows"), [
    ("expect_column_values_to_be_between", {"column": "a", "min_value": 2}, (0,)),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": 1, "strict_min": True}, (0,)),
    ("expect_column_values_to_be_between", {"column": "a", "max_value": 4}, (3,)),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": 1, "max_value": 5}, None),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": [1, 5]}, (1,)),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": [1, 2, 5]}, None),
    ("expect_column_values_to_not_be_in_set", {"column": "code", "value_set": ["U"]}, (0, 3)),
    ("expect_column_values_to_not_be_in_set", {"column": "code", "value_set": ["U"], "mostly": 0.3}, None),
    ("expect_column_pair_values_to_be_equal", {"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"}, (1,)),
    ("expect_column_pair_values_a_to_be_greater_than_b",
     {"column_A": "b", "column_B": "a", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, None),
    ("expect_column_pair_values_a_to_be_greater_than_b",
     {"column_A": "b", "column_B": "a", "ignore_row_if": "either_value_is_missing"}, (0,)),
])
def test_each_expectation_type_fires_on_the_rows_it_should_and_skips_missing_values(kind, kwargs, rows):
    failure = evaluate(expectation(kind, **kwargs), FRAME)
    assert (failure.unexpected_rows if failure else None) == rows


def test_mostly_counts_only_the_values_present():
    # 2 of the 3 codes present are U (one is missing): a third are known
    kind = "expect_column_values_to_not_be_in_set"
    failure = evaluate(expectation(kind, column="code", value_set=["U"], mostly=0.5), FRAME)
    assert (failure.element_count, failure.missing_count, failure.unexpected_count) == (4, 1, 2)
    assert evaluate(expectation(kind, column="code", value_set=["U"], mostly=0.33), FRAME) is None


def test_an_expectation_the_evaluator_does_not_know_is_an_error_not_a_pass():
    with pytest.raises(RuntimeError, match="FGC999.*--engine gx"):
        evaluate(expectation("expect_column_values_to_match_regex", column="code", regex="^U$"), FRAME)
    with pytest.raises(RuntimeError, match="FGC999"):
        evaluate(expectation("expect_column_pair_values_to_be_equal", column_A="a", column_B="b", ignore_row_if="both_values_are_missing"), FRAME)


def test_auto_is_polars_for_every_batch_and_gx_only_when_asked():
    assert resolve_engine("auto", has_child_level=True) == "polars"
    assert resolve_engine("auto", has_child_level=False) == "polars"
    assert resolve_engine("auto") == "polars"
    assert resolve_engine("gx", has_child_level=True) == "gx"
    with pytest.raises(ValueError, match="unknown validation engine"):
        resolve_engine("pandas", has_child_level=False)


def test_every_rule_case_gets_the_same_issues_whichever_engine_runs_the_suite(validated):
    """`validated` runs the default engine (polars); Great Expectations, the reference, must agree."""
    from fgc_collect.validate import validate_returns
    from tests.validate.returns import CASES, build_case

    names = list(CASES)
    with_gx = validate_returns([build_case(name) for name in names], scopes=("cell", "return"), engine="gx")
    assert sum(len(result.issues) for result in with_gx) > len(names) / 2
    for name, result in zip(names, with_gx):
        assert result.issues == validated[name].issues, name
