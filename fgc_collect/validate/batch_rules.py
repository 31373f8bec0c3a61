"""FGC201-FGC205: a return against the other returns, the reference data and the LA's previous
year (Python).

The comparison group is every other LA with a figure, among the batch and the returns already held
(one figure per LA: its newest return). Issues are only raised on the returns of the batch.

Each rule is reached through its entry in the rule registry (registry.py), whose `batch_check` is a
function of the batch's context (BatchContext) -> [(return index, Issue)]; batch_issues runs the
entries of the rules the spec has, in the spec's order.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cmp_to_key
from pathlib import Path

from fgc_collect.model import Issue
from fgc_collect.reference import LocalAuthority
from fgc_collect.spec import Spec
from fgc_collect.validate import messages
from fgc_collect.validate.common import ReturnView, fmt, make_issue

MIN_RETURNS = 10  # FGC201, FGC202: the fences mean something once 10 or more returns are in
FENCE = 3.0  # quartiles +/- 3 x IQR
SHOWN_CHANGES = 2


@dataclass(frozen=True)
class BatchContext:
    """What every batch rule reads: the spec, the returns to report on, every return (the batch
    and those held) oldest first, and the LAs' accepted returns of the year before (or None)."""

    spec: Spec
    batch: list[ReturnView]
    ordered: list[ReturnView]
    previous: PreviousYear | None = None


def _number(view: ReturnView, item_id: str) -> float | None:
    value = view.value(item_id)
    return value if isinstance(value, float) else None


def fences(others: list[float]) -> tuple[float, float]:
    q1, _, q3 = statistics.quantiles(others, n=4, method="inclusive")
    spread = q3 - q1
    return q1 - FENCE * spread, q3 + FENCE * spread


def _newest_per_la(views: list[ReturnView]) -> dict[str, ReturnView]:
    """LA code -> its newest return (views are in order, oldest first)."""
    newest: dict[str, ReturnView] = {}
    for view in views:
        if view.la is not None:
            newest[view.la.code] = view
    return newest


def _outliers(
    batch: list[ReturnView],
    ordered: list[ReturnView],
    metric: Callable[[ReturnView], float | None],
    issue: Callable[[ReturnView, float, float, float, int], Issue],
) -> list[tuple[int, Issue]]:
    newest = _newest_per_la(ordered)
    figures = {code: metric(view) for code, view in newest.items()}
    figures = {code: figure for code, figure in figures.items() if figure is not None}
    found = []
    for view in batch:
        figure = metric(view)
        if figure is None or view.la is None:
            continue
        others = [value for code, value in figures.items() if code != view.la.code]
        if len(others) + 1 < MIN_RETURNS:
            continue
        low, high = fences(others)
        if figure < low or figure > high:
            found.append((view.index, issue(view, figure, max(low, 0.0), high, len(others))))
    return found


def rate_per_10000(view: ReturnView, item_id: str = "B2") -> float | None:
    la: LocalAuthority | None = view.la
    figure = _number(view, item_id)
    if la is None or figure is None or not la.child_population_0_17:
        return None
    return figure / la.child_population_0_17 * 10_000


def check_fgc201(context: BatchContext) -> list[tuple[int, Issue]]:
    spec = context.spec
    item_id = re.match(r"\s*([A-E]\d+)", spec.rule("FGC201").applies_to)[1]

    def issue(view, rate, low, high, others):
        location = view.location(item_id)
        message = messages.fgc201(location.cell if location else None, _number(view, item_id), rate, low, high, others)
        return make_issue(spec, "FGC201", view, item_id, message, _number(view, item_id))

    return _outliers(context.batch, context.ordered, lambda view: rate_per_10000(view, item_id), issue)


def _ratio(numerator: str, denominator: str):
    def metric(view):
        num, den = _number(view, numerator), _number(view, denominator)
        return None if num is None or not den else num / den

    return metric


def check_fgc202(context: BatchContext) -> list[tuple[int, Issue]]:
    spec, found = context.spec, []
    for numerator, denominator in spec.ratios("FGC202"):

        def issue(view, ratio, low, high, others, numerator=numerator, denominator=denominator):
            location = view.location(numerator)
            message = messages.fgc202(
                numerator, denominator, location.cell if location else None,
                _number(view, numerator), _number(view, denominator), low, high, others,
            )
            return make_issue(spec, "FGC202", view, numerator, message, _number(view, numerator))

        found += _outliers(context.batch, context.ordered, _ratio(numerator, denominator), issue)
    return found


def check_fgc203(context: BatchContext) -> list[tuple[int, Issue]]:
    spec = context.spec
    item_id = spec.rule("FGC203").applies_to.strip()
    found = []
    for view in context.batch:
        figure = _number(view, item_id)
        la = view.la
        if figure is None or la is None or la.children_in_need is None:
            continue
        if figure > la.children_in_need:
            location = view.location(item_id)
            message = messages.fgc203(location.cell if location else None, figure, la.children_in_need, la.name)
            found.append((view.index, make_issue(spec, "FGC203", view, item_id, message, figure)))
    return found


# --- FGC204: a return for the same LA is already held ---------------------------------------------


def _shown(view: ReturnView, item_id: str) -> str:
    value = view.value(item_id)
    if value is None and item_id in view.invalid:
        return repr(view.raw(item_id))
    return fmt(value)


def _not_collected(view: ReturnView, item_id: str) -> bool:
    """A cell the return does not collect (a child-level return has no contact, no comments)."""
    row = view.rows.get(item_id)
    return row is not None and row["located_by"] == "not_collected"


def changes(old: ReturnView, new: ReturnView) -> str:
    """What changed item by item, briefly: 'B1 12 -> 14; C2 8 -> 9 (+3 more)'. Cells one of the two
    does not collect are left out, and a usable value is compared as a value (Yes typed in one
    and Y in the other are the same answer)."""
    changed = []
    for cell in new.spec.input_cells:
        if _not_collected(old, cell.id) or _not_collected(new, cell.id):
            continue
        before, after = old.value(cell.id), new.value(cell.id)
        if before == after and (before is not None or old.raw(cell.id) == new.raw(cell.id)):
            continue
        if cell.kind in ("text", "email", "longtext", "la_code"):
            changed.append(f"{cell.id} changed")  # free text is not repeated (it may be long or personal)
        else:
            changed.append(f"{cell.id} {_shown(old, cell.id)} -> {_shown(new, cell.id)}")
    if not changed:
        return "no answer changed"
    shown = "; ".join(changed[:SHOWN_CHANGES])
    more = f" (+{len(changed) - SHOWN_CHANGES} more)" if len(changed) > SHOWN_CHANGES else ""
    return f"{shown}{more}"


def check_fgc204(context: BatchContext) -> list[tuple[int, Issue]]:
    spec, ordered, found = context.spec, context.ordered, []
    position = {id(view): number for number, view in enumerate(ordered)}
    for view in context.batch:
        if view.la is None:
            continue
        others = [
            other for other in ordered
            if other.ret is not view.ret and other.la is not None and other.la.code == view.la.code
        ]
        if not others:
            continue
        here = position[id(view)]
        older = [other for other in others if position[id(other)] < here]
        newer = [other for other in others if position[id(other)] > here]
        if newer:  # compare with the next version, which will replace this one
            other, this_is_newer = newer[0], False
            what = changes(view, other)
        else:  # this is the newest: compare with the version it replaces
            other, this_is_newer = older[-1], True
            what = changes(other, view)
        if other.ret.sha256 == view.ret.sha256:
            what = "the same file, byte for byte"
        name = Path(other.ret.file).name
        message = messages.fgc204(view.la.name, name, other.index < 0, this_is_newer, what, len(others) - 1)
        found.append((view.index, make_issue(spec, "FGC204", view, None, message, name)))
    return found


def order_by_receipt(
    batch: list[ReturnView], held: list[ReturnView], received: Mapping[str, datetime] | None
) -> list[ReturnView]:
    """Oldest first. Held returns come before the batch and each keeps its given order, unless the
    caller gives times of receipt (by file): two returns that both have one are ordered by them."""
    ordered = list(held) + list(batch)
    if not received:
        return ordered
    positions = {id(view): number for number, view in enumerate(ordered)}

    def compare(a: ReturnView, b: ReturnView) -> int:
        when_a, when_b = received.get(a.ret.file), received.get(b.ret.file)
        if when_a is not None and when_b is not None and when_a != when_b:
            return -1 if when_a < when_b else 1
        return positions[id(a)] - positions[id(b)]

    return sorted(ordered, key=cmp_to_key(compare))


# --- FGC205: against the LA's accepted return for the previous year -------------------------------


@dataclass(frozen=True)
class PreviousYear:
    """The LAs' accepted returns of the year before (from the register): LA code -> item -> figure."""

    year: str
    figures: Mapping[str, Mapping[str, float | None]]


def year_on_year_limits(spec: Spec) -> tuple[float, float]:
    """FGC205's 'changed by more than 50% and by more than 20': (0.5, 20)."""
    check = spec.rule("FGC205").check
    share = float(re.search(r"more than (\d+(?:\.\d+)?)%", check)[1]) / 100
    count = float(re.search(r"by more than (\d+)(?!%)\b", check)[1])
    return share, count


def check_fgc205(context: BatchContext) -> list[tuple[int, Issue]]:
    spec, previous = context.spec, context.previous
    if previous is None:
        return []
    share, count = year_on_year_limits(spec)
    items = re.findall(r"[A-E]\d+(?:_\w+)?", spec.rule("FGC205").applies_to)
    found = []
    for view in context.batch:
        before = previous.figures.get(view.la.code) if view.la is not None else None
        if before is None:
            continue
        for item_id in items:
            now, then = _number(view, item_id), before.get(item_id)
            if now is None or then is None:
                continue
            change = abs(now - then)
            if change > count and (then == 0 or change / then > share):
                location = view.location(item_id)
                message = messages.fgc205(item_id, location.cell if location else None, now, spec.year, then, previous.year)
                found.append((view.index, make_issue(spec, "FGC205", view, item_id, message, now)))
    return found


def batch_issues(
    batch: list[ReturnView], held: list[ReturnView], received: Mapping[str, datetime] | None = None,
    previous: PreviousYear | None = None,
) -> list[tuple[int, Issue]]:
    if not batch:
        return []
    from fgc_collect.validate.registry import entries_for

    spec = batch[0].spec
    context = BatchContext(spec, batch, order_by_receipt(batch, held, received), previous)
    return [found for entry in entries_for(spec, "batch", "batch_check").values() for found in entry.batch_check(context)]
