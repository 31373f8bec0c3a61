"""validate_returns: every rule of the spec over a batch of aggregate returns (pure: no files)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from fgc_collect.model import Issue, ReturnResult
from fgc_collect.read.aggregate import AggregateReturn
from fgc_collect.spec import Spec, load_spec
from fgc_collect.validate.common import ReturnView, checking_against, column_of, row_of

if TYPE_CHECKING:
    from fgc_collect.validate.batch_rules import PreviousYear

SCOPES = ("cell", "return", "batch")


def _read_against(ret: AggregateReturn) -> Spec:
    return getattr(ret, "spec", None) or load_spec()


def _by_year(returns: Sequence[AggregateReturn]) -> list[tuple[Spec, list[AggregateReturn]]]:
    """The returns grouped by the spec they were read against, in order of their first return."""
    groups: dict[str, tuple[Spec, list[AggregateReturn]]] = {}
    for ret in returns:
        spec = _read_against(ret)
        groups.setdefault(spec.year, (spec, []))[1].append(ret)
    return list(groups.values())


def validate_returns(
    returns: Sequence[AggregateReturn],
    held: Sequence[AggregateReturn] = (),
    *,
    received: Mapping[str, datetime] | None = None,
    scopes: Collection[str] = SCOPES,
    spec: Spec | None = None,
    engine: str = "auto",
    previous: PreviousYear | None = None,
) -> list[ReturnResult]:
    """One ReturnResult per return, in order.

    held: returns already held for the same LAs (the register's), compared with the batch by the
    cross-return rules (FGC201-FGC204) but not reported on. Within the batch, later returns are
    newer than earlier ones and all are newer than the held ones, unless `received` maps files
    (AggregateReturn.file) to times of receipt. scopes: which kinds of rule to run (cell, return,
    batch; all by default). engine: what runs the expectation suite, "polars" (the suite evaluated
    without GX: `expectations.py`; "auto", the default, is polars) or "gx" (Great Expectations
    itself). previous: the LAs' accepted returns of the year before (FGC205, when the spec has it).
    spec: the questions and rules to check against; by default each return's own, the spec it was
    read against (its year's; 2023-24's for a return made in code without one): a batch holding
    two years is checked one year at a time, each return against the returns of its own year."""
    from fgc_collect.validate.expectations import resolve_engine
    from fgc_collect.validate.registry import refuse_unchecked_rules

    engine = resolve_engine(engine)
    if spec is None:
        years = _by_year(returns)
        if len(years) > 1:
            results: dict[int, ReturnResult] = {}
            for year_spec, group in years:
                same_year = [ret for ret in held if _read_against(ret).year == year_spec.year]
                checked = validate_returns(group, same_year, received=received, scopes=scopes, spec=year_spec,
                                           engine=engine, previous=previous)
                results.update((id(ret), result) for ret, result in zip(group, checked))
            return [results[id(ret)] for ret in returns]
        spec = years[0][0] if years else load_spec()
    refuse_unchecked_rules(spec)  # never skip a rule silently
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown rule scopes: {sorted(unknown)}; use {', '.join(SCOPES)}")
    with checking_against(spec):  # messages name items in the words of this spec
        return _validate(returns, held, received, scopes, spec, engine, previous)


def _validate(returns, held, received, scopes, spec: Spec, engine: str, previous) -> list[ReturnResult]:
    views = [ReturnView(ret, index, spec) for index, ret in enumerate(returns)]
    found: list[list[Issue]] = [list(ret.notes) for ret in returns]
    if views:
        pairs: list[tuple[int, Issue]] = []
        if "cell" in scopes:
            from fgc_collect.validate.cell_rules import cell_issues

            pairs += cell_issues(views)
        if "return" in scopes:
            from fgc_collect.validate.return_rules import return_rule_issues

            pairs += return_rule_issues(views, engine)
        if "batch" in scopes:
            from fgc_collect.validate.batch_rules import batch_issues

            held_views = [ReturnView(ret, -1 - index, spec) for index, ret in enumerate(held)]
            pairs += batch_issues(views, held_views, received, previous)
        for index, issue in pairs:
            found[index].append(issue)
    return [_result(view, spec, sort_issues(issues, view)) for view, issues in zip(views, found)]


def sort_issues(issues: list[Issue], view: ReturnView) -> list[Issue]:
    """Issues about the whole file first, then by sheet (in the workbook's order), row, column."""
    sheets: dict[str, int] = {}
    for sheet in view.ret.cells.get_column("sheet").to_list():
        if sheet is not None and sheet not in sheets:
            sheets[sheet] = len(sheets)
    rules = {rule.code: number for number, rule in enumerate(view.spec.rules)}

    def key(issue: Issue):
        if issue.sheet is None:
            return (0, 0, 0, "", rules.get(issue.rule, -1))
        return (1, sheets.get(issue.sheet, len(sheets)), row_of(issue.cell), column_of(issue.cell), rules.get(issue.rule, -1))

    return sorted(issues, key=key)


def _result(view: ReturnView, spec: Spec, issues: list[Issue]) -> ReturnResult:
    metadata = view.ret.metadata
    return ReturnResult(
        file=view.ret.file,
        sha256=view.ret.sha256,
        issues=issues,
        la_code=view.la_code,
        la_name=view.la_name,
        collection=metadata.get("collection") or spec.collection_id,
        year=metadata.get("year") or spec.year,
        level=metadata.get("level") or spec.level,
        template_version=metadata.get("template_version"),
    )
