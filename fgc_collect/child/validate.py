"""Validating child-level returns: their own rules, and the aggregate rules on what they derive.

A child-level return is checked twice over, and reported once, in the contract's JSON:
1. FGC301-FGC311 on its rows (`rules.py`) and FGC110 at its rows (`distributions.py`);
2. the aggregate return derived from it (`derive.py`) goes through the aggregate engine with
   every other return of the batch, so FGC1xx and FGC2xx apply unchanged. Its issues name an
   item and no cell (a derived figure has no cell). Issues about answers a child-level return
   does not collect (the contact, section A's service questions: FGC004 on A3, A4, A6) are
   dropped, and FGC110 is reported at the rows instead (step 1) for the breakdowns the suite
   covers.
"""

from __future__ import annotations

from collections.abc import Sequence

from fgc_collect.child.derive import derive_aggregate, not_collected_items
from fgc_collect.child.read import ChildReturn
from fgc_collect.model import Issue, ReturnResult
from fgc_collect.read.aggregate import AggregateReturn


def validate_child(ret: ChildReturn, distributions: bool = True, engine: str = "polars") -> list[Issue]:
    """FGC301-FGC311 (and FGC110 at the rows unless `distributions` is False), in that order;
    `engine` runs the distribution suite ("gx" or "polars")."""
    from fgc_collect.child.rules import child_rule_issues

    issues = child_rule_issues(ret)
    if distributions:
        from fgc_collect.child.distributions import distribution_issues

        issues += distribution_issues(ret, engine=engine)
    return issues


def child_result(
    ret: ChildReturn,
    derived: AggregateReturn,
    derived_result: ReturnResult | None,
    child_issues: list[Issue],
    distributions: bool = True,
) -> ReturnResult:
    """The one result of a child-level return: its own issues, then the derived return's that apply
    (`distributions`: whether child_issues include FGC110 at the rows, which replaces the derived
    return's FGC110)."""
    from fgc_collect.child.distributions import RULE as ROW_LEVEL_FGC110, covered_items

    skipped = not_collected_items(derived)
    at_rows = covered_items(ret.spec) if distributions else frozenset()
    aggregate_issues = []
    for issue in derived_result.issues if derived_result is not None else ():
        if issue.item in skipped:
            continue
        if issue.rule == ROW_LEVEL_FGC110 and issue.item in at_rows:
            continue
        aggregate_issues.append(issue)
    metadata = ret.metadata
    return ReturnResult(
        file=ret.file,
        sha256=ret.sha256,
        issues=list(child_issues) + aggregate_issues,
        la_code=ret.la.code,
        la_name=ret.la.name,
        collection=metadata.get("collection"),
        year=metadata.get("year"),
        level="child",
        template_version=metadata.get("template_version"),
    )


def validate_batch(
    returns: Sequence[AggregateReturn | ChildReturn],
    held: Sequence[AggregateReturn] = (),
    *,
    distributions: bool = True,
    engine: str = "auto",
    **options,
) -> list[ReturnResult]:
    """Aggregate and child-level returns validated as one batch (one result each, in order): the
    call behind `validate` when a child-level file is among the files. `held` and `options` go to
    the aggregate engine (`fgc_collect.validate.validate_returns`). engine: what runs the
    expectation suites; "auto" is polars when the batch holds a child-level return, because
    importing GX and handing it 100,000 rows as pandas would be most of the run
    (docs/benchmarks.md), and the two engines agree (tests/validate/test_expectation_engines.py)."""
    from fgc_collect.validate import validate_returns
    from fgc_collect.validate.expectations import resolve_engine

    engine = resolve_engine(engine, has_child_level=any(isinstance(ret, ChildReturn) for ret in returns))

    aggregate_forms: list[AggregateReturn] = []
    derived: dict[int, AggregateReturn] = {}
    for index, ret in enumerate(returns):
        if isinstance(ret, ChildReturn):
            derived[index] = derive_aggregate(ret)
            aggregate_forms.append(derived[index])
        else:
            aggregate_forms.append(ret)
    results = validate_returns(aggregate_forms, held, engine=engine, **options) if aggregate_forms else []
    final = []
    for index, (ret, result) in enumerate(zip(returns, results)):
        if isinstance(ret, ChildReturn):
            final.append(child_result(ret, derived[index], result, validate_child(ret, distributions, engine), distributions))
        else:
            final.append(result)
    return final
