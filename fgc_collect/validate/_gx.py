"""Great Expectations, imported and set up once per process, only when a rule needs it.

GX costs seconds to import and would post usage analytics and draw progress bars: analytics are
switched off before the import, the context is ephemeral (nothing written to disk, nothing sent),
progress bars are off, and the context, data asset and suite are made once and cached (GX refuses a
second suite or asset of the same name in one context)."""

from __future__ import annotations

import json

import os
import warnings
from functools import cache


def import_gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
    return gx


@cache
def context():
    """The process's one GX context: ephemeral, progress bars off. GX needs a current context even
    to build a suite."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_context = gx.get_context(mode="ephemeral")
    gx_context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return gx_context


@cache
def _batch_definition():
    return (
        context().data_sources.add_pandas("fgc_returns")
        .add_dataframe_asset("returns")
        .add_batch_definition_whole_dataframe("all returns")
    )


_suites: dict[str, object] = {}


def runtime(suite_data: dict | None = None):
    """(batch definition, suite): the context's whole-dataframe batch and a return-rules suite (the
    spec's in force by default), each made once per process (a year's or a survey file's suite is
    another suite, under a name of its own: the context refuses two of one name)."""
    gx = import_gx()

    from fgc_collect.validate.suites import load_suite_dict

    key = json.dumps(suite_data or load_suite_dict(), sort_keys=True)
    if key not in _suites:
        data = json.loads(key)  # a copy: GX writes into the meta it is given
        data["name"] = f"{data['name']}.{len(_suites)}"
        _suites[key] = context().suites.add(gx.ExpectationSuite(**data))
    return _batch_definition(), _suites[key]


def gx_failed_outcomes(batch_definition, suite, dataframe, result_format: str, what: str) -> list:
    """The outcomes of the suite's expectations that failed on `dataframe`, with `result_format`
    detail. Two passes: the whole suite with BOOLEAN_ONLY (about half the cost of the detailed
    formats), then only the expectations that failed, for their figures or rows. An expectation
    that could not run raises RuntimeError naming `what` (and the rule, where its meta has one)."""
    gx = import_gx()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = batch_definition.get_batch(batch_parameters={"dataframe": dataframe})
        result = batch.validate(suite, result_format="BOOLEAN_ONLY")
        _raise_if_broken(result, what)
        failed = [outcome.expectation_config.to_json_dict() for outcome in result.results if not outcome.success]
        if not failed:
            return []
        # Not added to the context: a suite only validated once needs no name of its own there.
        detail = gx.ExpectationSuite(name=f"{suite.name}.failed", expectations=failed)
        result = batch.validate(detail, result_format=result_format)
        _raise_if_broken(result, what)
    return [outcome for outcome in result.results if not outcome.success]


def _raise_if_broken(result, what: str) -> None:
    for outcome in result.results:
        info = outcome.exception_info or {}
        if info.get("raised_exception"):
            rule = outcome.expectation_config.meta.get("rule")
            raise RuntimeError(
                f"{what}{' (' + rule + ')' if rule else ''} could not run: {info.get('exception_message')}"
            )
