"""Disclosure control: which counts are published as `c`.

1. Primary: an LA-level or regional count from 1 to `threshold` (5 by default), or an England
   figure made of one region's LAs only (it is that region's figure). Other national figures are
   not suppressed for being small.
2. Secondary, by rule: in every equation of the ledger (an area is the sum of its LAs; England is
   the sum of the regions; a breakdown adds up to its total), a suppressed count must not be the
   only one, and when the whole is published the suppressed parts must add up to at least the
   threshold (otherwise each of them lies in a range narrower than the threshold). The partner
   chosen is the cheapest: an LA count before a regional one before a national one, a category
   before a total, and the smallest count that does the job.
3. The audit (LP, `fgc_collect.aggregate.audit`) then finds every suppressed count's feasible
   range. For a range still too narrow, another LP finds the cheapest published counts nearby
   whose suppression widens it enough (see `_widening_partners`); they are suppressed, the rules
   applied to them, and the audit runs again.

Rates, percentages and estimates built on a suppressed count are suppressed by the table builder.
Pure: a ledger in, a set of keys out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from fgc_collect.aggregate.audit import EQUAL, TOLERANCE, Auditor, AuditResult, key_order, solve_lp
from fgc_collect.aggregate.ledger import REGION_LEVEL, Key, Ledger

DEFAULT_THRESHOLD = 5


class ProtectionError(Exception):
    """Disclosure control could not protect the tables: they are not published."""


@dataclass
class Protection:
    threshold: int
    primary: frozenset[Key]
    suppressed: frozenset[Key]
    audit: AuditResult
    rounds: int

    @property
    def secondary(self) -> frozenset[Key]:
        return self.suppressed - self.primary


def primary_suppressions(ledger: Ledger, threshold: int) -> set[Key]:
    """Counts from 1 to threshold shown for an LA or a region, or made of one region's LAs only
    (England's figure when no other region gave it is that region's figure)."""
    return {
        key for key, value in ledger.values.items()
        if 1 <= value <= threshold
        and (ledger.level[key] <= REGION_LEVEL or len({ledger.region_of[code] for code in key[1]}) == 1)
    }


def protect(ledger: Ledger, threshold: int = DEFAULT_THRESHOLD, max_rounds: int = 100) -> Protection:
    """Suppress the small counts and enough others that the audit passes (ProtectionError if it
    cannot)."""
    if threshold < 1:
        raise ValueError("the suppression threshold must be at least 1")
    primary = primary_suppressions(ledger, threshold)
    suppressed = set(primary)
    equations = ledger.equations
    containing: dict[Key, list[int]] = defaultdict(list)
    for number, (parent, children) in enumerate(equations):
        containing[parent].append(number)
        for child in children:
            containing[child].append(number)

    def enforce(keys: list[Key]) -> None:
        _close(ledger, equations, containing, suppressed, keys, threshold)

    parents = {parent for parent, _ in equations}
    enforce(sorted(suppressed, key=key_order))
    auditor = Auditor(ledger, threshold, primary=primary)
    result = auditor.audit(suppressed)
    for rounds in range(1, max_rounds + 1):
        if result.passed:
            return Protection(threshold, frozenset(primary), frozenset(suppressed), result, rounds)
        added: list[Key] = []
        widened: set[frozenset[Key]] = set()
        for key in result.failing:
            piece = auditor.piece_of[key]
            if piece in widened:
                continue  # one piece at a time: the next audit says if it was enough
            widened.add(piece)
            lower = result.ranges[key].lower
            added.extend(k for k in _widening_partners(ledger, auditor, key, lower, suppressed, threshold, parents)
                         if k not in suppressed and k not in added)
        if not added:
            break
        suppressed.update(added)
        enforce(added)
        result = auditor.audit(suppressed)
    raise ProtectionError(
        f"disclosure control could not protect {len(result.failing)} suppressed counts "
        f"(the narrowest feasible range is {result.narrowest:g}, the threshold {threshold})"
    )


def _close(ledger: Ledger, equations, containing, suppressed: set[Key], keys: list[Key], threshold: int) -> list[Key]:
    """Apply the rules to the equations of `keys` (just suppressed), suppressing partners in
    place until every equation is safe; the partners added, in order."""
    added: list[Key] = []
    pending = [number for key in keys for number in containing[key]]
    while pending:
        number = pending.pop()
        partner = _partner_needed(ledger, equations[number], suppressed, threshold)
        if partner is not None:
            suppressed.add(partner)
            added.append(partner)
            pending.extend(containing[partner])
            pending.append(number)  # look again: one partner may not be enough
    return added


def _partner_needed(ledger: Ledger, equation, suppressed: set[Key], threshold: int) -> Key | None:
    """The count to suppress next in this equation, or None if the equation is safe as it is."""
    parent, children = equation
    terms = [parent, *children]
    hidden = [key for key in terms if key in suppressed]
    if not hidden:
        return None
    if parent not in suppressed:
        need = threshold - sum(ledger.values[key] for key in hidden)
        if len(hidden) >= 2 and need <= 0:
            return None
    else:
        if len(hidden) >= 2:
            return None
        need = 1
    candidates = [key for key in terms if key not in suppressed]
    if not candidates:
        return None
    return min(candidates, key=lambda key: _cost(ledger, key, max(need, 1), key == parent))


def _cost(ledger: Ledger, key: Key, need: int, is_total: bool = False):
    """Cheapest first: lower geographic level, a part before a total, the smallest count that is
    enough on its own (else the largest), then a fixed order."""
    value = ledger.values[key]
    enough = value >= need
    return (ledger.level[key], is_total, not enough, value if enough else -value, key_order(key))


LEVEL_WEIGHT = (1.0, 20.0, 400.0)  # cost of moving a published LA, regional, national count by 1
NEIGHBOURHOOD = 3  # relations away from the narrow count within which partners are sought


def _tie_break(position: int) -> float:
    """A factor within 0.1% of 1, different for every count of the LP (a low-discrepancy sequence
    by its position in key order). Counts of one level and kind cost the same, so the LP would
    have many optimal answers and which one HiGHS returns changes between its versions (the
    published tables did, from 1.15 to 1.16); these factors make the cheapest answer one answer."""
    return 1.0 + 1e-3 * ((position * 0.6180339887498949) % 1.0)


def _widening_partners(ledger: Ledger, auditor: Auditor, key: Key, lower: float, suppressed: set[Key],
                       threshold: int, parents: set[Key]) -> list[Key]:
    """The published counts to suppress so that key's range becomes wide enough.

    An LP finds the cheapest way to move published counts near key (an LA count before a
    regional one before a national one, a part before a total) so that key can reach
    lower + threshold while every relation still holds. Suppressing the counts that moved makes
    that point feasible, and the point at the current minimum stays feasible: the range is then
    at least the threshold wide."""
    structure = auditor.structure
    area = set(auditor.piece_of[key])
    frontier = set(area)
    for _ in range(NEIGHBOURHOOD):
        reached = {other for member in frontier for number in structure.containing.get(member, ())
                   for other in structure.relations[number][1]} - area
        if not reached:
            break
        area |= reached
        frontier = reached
    keys = sorted(area, key=key_order)
    index = {k: i for i, k in enumerate(keys)}
    free = [k in suppressed for k in keys]
    # Columns: x for a suppressed count; up and down deviations for a published one.
    column_of: dict[tuple[int, int], int] = {}
    costs, col_lower, col_upper = [], [], []
    for i, k in enumerate(keys):
        value = ledger.values[k]
        if free[i]:
            column_of[(i, 0)] = len(costs)
            costs.append(0.0)
            col_lower.append(lower + threshold if k == key else 0.0)
            col_upper.append(math.inf)
        else:
            weight = LEVEL_WEIGHT[ledger.level[k]] * (2.0 if k in parents else 1.0) * _tie_break(i)
            for sign, high in ((1, math.inf), (-1, float(value))):
                column_of[(i, sign)] = len(costs)
                costs.append(weight)
                col_lower.append(0.0)
                col_upper.append(high)
    numbers = sorted({n for k in keys for n in structure.containing.get(k, ())})
    data, rows, cols, row_lower, row_upper = [], [], [], [], []
    for number in numbers:
        kind, terms, coefficients = structure.relations[number]
        constant = 0.0
        entries: dict[int, float] = {}
        for k, a in zip(terms, coefficients):
            i = index.get(k)
            if i is None or not free[i]:
                constant -= a * ledger.values[k]
            if i is None:
                continue
            if free[i]:
                entries[column_of[(i, 0)]] = entries.get(column_of[(i, 0)], 0.0) + a
            else:
                entries[column_of[(i, 1)]] = entries.get(column_of[(i, 1)], 0.0) + a
                entries[column_of[(i, -1)]] = entries.get(column_of[(i, -1)], 0.0) - a
        if not entries:
            continue
        for c, a in entries.items():
            rows.append(len(row_lower))
            cols.append(c)
            data.append(a)
        row_lower.append(constant if kind == EQUAL else -math.inf)
        row_upper.append(constant)
    matrix = sparse.csc_matrix((data, (rows, cols)), shape=(len(row_lower), len(costs)))
    status, x = solve_lp(np.array(costs), matrix, np.array(row_lower), np.array(row_upper),
                         np.array(col_lower), np.array(col_upper))
    if status != "optimal":
        return []
    moved = [k for i, k in enumerate(keys) if not free[i]
             and x[column_of[(i, 1)]] + x[column_of[(i, -1)]] > TOLERANCE]
    return moved
