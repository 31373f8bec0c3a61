"""The disclosure audit: how far could a reader pin down each suppressed count?

A reader who has every published table knows every unsuppressed count, the equations that tie
counts together (areas add up, breakdowns add up to their totals), the inequalities every return
satisfies, and that counts are never negative. The suppressed counts are then only known to lie
in a polytope; the feasible range of one suppressed count is [min, max] of it over that polytope:
two linear programmes (HiGHS). A publication is protected when every suppressed count's range is
at least `threshold` wide.

The system falls apart into independent pieces (suppressed counts linked by an equation or an
inequality), audited one at a time, and a piece already audited is not audited again. Within a
piece the audit first looks for *witnesses*: feasible points found by a few LPs that push every
count up or down at random at once. A count whose values across the witnesses (and the true
figures, which are feasible too) already differ by the threshold is proven protected, because its
range contains all of them. Only the counts left unproven get their exact min and max. Every
point the solver returns is checked against the constraints before it is believed.

Published figures other than counts are part of the attacker's view too. An estimate is a known
factor times a responding total (the factor comes from public reference data), published rounded:
a linear relation between counts (`Relation`), which `audit_relations` adds to the LP. Rates,
percentages and intervals are computed from published (rounded) counts and public reference data
only, so they tell a reader nothing the counts do not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from fgc_collect.aggregate.ledger import Key, Ledger

try:  # HiGHS's own Python interface
    from highspy import Highs, HighsLp, HighsModelStatus, MatrixFormat
except ImportError:  # the same HiGHS as bundled with scipy
    from scipy.optimize._highspy._core import HighsLp, HighsModelStatus, MatrixFormat
    from scipy.optimize._highspy._core import _Highs as Highs

TOLERANCE = 1e-6
WITNESS_ROUNDS = 4
EQUAL, AT_MOST, BETWEEN = "=", "<=", "<=<="


def quiet_highs():
    """A HiGHS solver that prints nothing, single-threaded (the same answer every run). HiGHS
    1.16 writes a banner to standard output when a process makes its first solver, before any
    option can be set, which would mix into a command's output: it goes to /dev/null."""
    import os
    import sys

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to protect
        saved = None
    if saved is None:
        highs = Highs()
    else:
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highs = Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    return highs


def key_order(key: Key) -> tuple[str, tuple[str, ...]]:
    return key[0], tuple(sorted(key[1]))


@dataclass(frozen=True)
class CellRange:
    """What the audit established about one suppressed count: a reader can tell only that it lies
    in [lower, upper] (exact), or in a range containing [lower, upper] (witnessed)."""

    value: int
    lower: float
    upper: float  # math.inf when a reader cannot bound it from above
    exact: bool

    @property
    def width(self) -> float:
        return self.upper - self.lower


@dataclass
class AuditResult:
    threshold: int
    ranges: dict[Key, CellRange] = field(default_factory=dict)
    linear_programmes: int = 0
    pieces: int = 0

    @property
    def failing(self) -> list[Key]:
        return sorted(
            (key for key, found in self.ranges.items() if found.width < self.threshold - TOLERANCE),
            key=key_order,
        )

    @property
    def passed(self) -> bool:
        return not self.failing

    @property
    def narrowest(self) -> float:
        return min((found.width for found in self.ranges.values()), default=math.inf)


@dataclass(frozen=True)
class Relation:
    """What a published figure tells a reader about counts: lower <= sum of coefficient * count <=
    upper (an estimate published as 1,114 is a factor times a total, between 1,113.5 and 1,114.5)."""

    terms: tuple[tuple[Key, float], ...]
    lower: float
    upper: float
    figure: str  # which figure, for messages

    def holds(self, values: dict[Key, int]) -> bool:
        total = sum(a * values[key] for key, a in self.terms)
        slack = TOLERANCE * (1.0 + abs(total))
        return self.lower - slack <= total <= self.upper + slack


class Structure:
    """The ledger's relations (and published figures' relations), indexed by the counts they contain."""

    def __init__(self, ledger: Ledger, published: Iterable[Relation] = ()):
        self.values = ledger.values
        self.relations: list[tuple[str, tuple[Key, ...], tuple[float, ...]]] = []
        self.bounds: dict[int, tuple[float, float]] = {}  # a BETWEEN relation's lower and upper
        for parent, children in ledger.equations:
            self.relations.append((EQUAL, (parent, *children), (1.0,) + (-1.0,) * len(children)))
        for smaller, larger in ledger.inequalities:
            self.relations.append((AT_MOST, (*smaller, *larger), (1.0,) * len(smaller) + (-1.0,) * len(larger)))
        for relation in published:
            self.bounds[len(self.relations)] = (relation.lower, relation.upper)
            self.relations.append((BETWEEN, tuple(k for k, _ in relation.terms), tuple(a for _, a in relation.terms)))
        self.containing: dict[Key, list[int]] = {}
        for number, (_, keys, _) in enumerate(self.relations):
            for key in keys:
                self.containing.setdefault(key, []).append(number)

    def pieces(self, suppressed: set[Key] | frozenset[Key]) -> list[frozenset[Key]]:
        """The suppressed counts grouped into independent pieces (linked through relations)."""
        parent = {key: key for key in suppressed}

        def find(key: Key) -> Key:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        seen: set[int] = set()
        for key in suppressed:
            for number in self.containing.get(key, ()):
                if number in seen:
                    continue
                seen.add(number)
                hidden = [k for k in self.relations[number][1] if k in parent]
                root = find(hidden[0])
                for other in hidden[1:]:
                    other_root = find(other)
                    if other_root != root:
                        parent[other_root] = root
        groups: dict[Key, list[Key]] = {}
        for key in suppressed:
            groups.setdefault(find(key), []).append(key)
        return [frozenset(group) for group in groups.values()]


class _Piece:
    """One piece's LP: its suppressed counts are the variables, published counts constants."""

    def __init__(self, structure: Structure, keys: frozenset[Key]):
        self.keys = sorted(keys, key=key_order)
        index = {key: i for i, key in enumerate(self.keys)}
        self.values = np.array([structure.values[key] for key in self.keys], dtype=float)
        numbers = sorted({n for key in self.keys for n in structure.containing.get(key, ())})
        columns: list[list[tuple[int, float]]] = [[] for _ in self.keys]
        lower, upper = [], []
        rows = []
        for number in numbers:
            kind, terms, coefficients = structure.relations[number]
            row: dict[int, float] = {}
            constant = 0.0
            for key, a in zip(terms, coefficients):
                if key in index:
                    row[index[key]] = row.get(index[key], 0.0) + a
                else:
                    constant -= a * structure.values[key]
            row = {i: a for i, a in row.items() if a}
            if not row:
                continue
            for i, a in row.items():
                columns[i].append((len(rows), a))
            rows.append(row)
            if kind == BETWEEN:
                low, high = structure.bounds[number]
                lower.append(low + constant)
                upper.append(high + constant)
            else:
                lower.append(constant if kind == EQUAL else -math.inf)
                upper.append(constant)
        self.rows, self.row_lower, self.row_upper = rows, np.array(lower), np.array(upper)
        n = len(self.keys)
        self.matrix = np.zeros((len(rows), n))
        for r, row in enumerate(rows):
            for i, a in row.items():
                self.matrix[r, i] = a
        start, indices, data = [0], [], []
        for column in columns:
            for r, a in column:
                indices.append(r)
                data.append(a)
            start.append(len(indices))
        lp = HighsLp()
        lp.num_col_, lp.num_row_ = n, len(rows)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, math.inf)
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        lp.a_matrix_.format_ = MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, len(rows)
        lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(data, dtype=float)
        self.highs = quiet_highs()
        self.highs.passModel(lp)
        self.columns = np.arange(n, dtype=np.int32)
        self.solves = 0

    def feasible(self, x: np.ndarray) -> bool:
        if np.any(x < -TOLERANCE):
            return False
        if not self.rows:
            return True
        slack = TOLERANCE * (1.0 + float(np.max(np.abs(self.values), initial=0.0)))
        totals = self.matrix @ x
        return bool(np.all(totals >= self.row_lower - slack) and np.all(totals <= self.row_upper + slack))

    def bound(self, upper: np.ndarray) -> None:
        self.highs.changeColsBounds(len(self.keys), self.columns, np.zeros(len(self.keys)), upper)

    def solve(self, cost: np.ndarray) -> tuple[str, np.ndarray | None]:
        """"optimal" with the point, "unbounded", or "failed"."""
        self.highs.changeColsCost(len(self.keys), self.columns, cost)
        self.highs.run()
        self.solves += 1
        status = self.highs.getModelStatus()
        if status == HighsModelStatus.kOptimal:
            x = np.array(self.highs.getSolution().col_value)
            return ("optimal", x) if self.feasible(x) else ("failed", None)
        if status in (HighsModelStatus.kUnbounded, HighsModelStatus.kUnboundedOrInfeasible):
            # The true figures are feasible, so "unbounded or infeasible" means unbounded.
            return "unbounded", None
        return "failed", None


def _audit_piece(structure: Structure, keys: frozenset[Key], threshold: int, seed: int,
                 primary: frozenset[Key] = frozenset()) -> tuple[dict[Key, CellRange], int]:
    piece = _Piece(structure, keys)
    n = len(piece.keys)
    low, high = piece.values.copy(), piece.values.copy()
    unbounded = np.zeros(n, dtype=bool)
    exact = np.zeros(n, dtype=bool)

    def proven() -> np.ndarray:
        return unbounded | (high - low >= threshold - TOLERANCE)

    def witness(x: np.ndarray | None) -> None:
        if x is not None:
            np.minimum(low, x, out=low)
            np.maximum(high, x, out=high)

    if piece.rows:
        # Witnesses: push every count up or down at once, inside a box that keeps the LP bounded
        # (a point in the box is feasible for the unboxed system too): the small (primary) counts
        # one way and their partners the other, then both ways round, then at random.
        rng = np.random.default_rng(seed)
        piece.bound(piece.values + threshold)
        small = np.array([1.0 if key in primary else -1.0 for key in piece.keys])
        directions = [small, -small] + [rng.choice((-1.0, 1.0), size=n) for _ in range(WITNESS_ROUNDS - 2)]
        for direction in directions:
            if proven().all():
                break
            witness(piece.solve(direction)[1])
        piece.bound(np.full(n, math.inf))
        for i in range(n):
            if proven()[i]:
                continue
            cost = np.zeros(n)
            cost[i] = -1.0
            status, x = piece.solve(cost)
            if status == "unbounded":
                unbounded[i] = True
                continue
            witness(x)
            if proven()[i]:
                continue
            cost[i] = 1.0
            witness(piece.solve(cost)[1])
            exact[i] = True
    else:  # no relation touches these counts: a reader knows nothing about them
        unbounded[:] = True
    ranges = {
        key: CellRange(int(piece.values[i]), float(low[i]), math.inf if unbounded[i] else float(high[i]), bool(exact[i]))
        for i, key in enumerate(piece.keys)
    }
    return ranges, piece.solves


class Auditor:
    """Audits suppression patterns on one ledger, remembering pieces it has already audited."""

    def __init__(self, ledger: Ledger, threshold: int, seed: int = 20240331, primary: Iterable[Key] = ()):
        self.structure = Structure(ledger)
        self.primary = frozenset(primary)
        self.threshold = threshold
        self.seed = seed
        self._done: dict[frozenset[Key], dict[Key, CellRange]] = {}
        self.linear_programmes = 0

        self.piece_of: dict[Key, frozenset[Key]] = {}

    def audit(self, suppressed: Iterable[Key]) -> AuditResult:
        pieces = self.structure.pieces(set(suppressed))
        result = AuditResult(self.threshold, pieces=len(pieces))
        self.piece_of = {}
        for keys in sorted(pieces, key=lambda group: key_order(min(group, key=key_order))):
            result.ranges.update(self.audit_piece(keys))
            self.piece_of.update(dict.fromkeys(keys, keys))
        result.linear_programmes = self.linear_programmes
        return result

    def audit_piece(self, keys: frozenset[Key]) -> dict[Key, CellRange]:
        found = self._done.get(keys)
        if found is None:
            found, solves = _audit_piece(self.structure, keys, self.threshold, self.seed, self.primary)
            self._done[keys] = found
            self.linear_programmes += solves
        return found


def audit(ledger: Ledger, suppressed: Iterable[Key], threshold: int) -> AuditResult:
    """Every suppressed count's feasible range, or a part of it proving it at least `threshold` wide."""
    return Auditor(ledger, threshold).audit(suppressed)


def audit_relations(ledger: Ledger, suppressed: Iterable[Key], relations: Iterable[Relation], threshold: int,
                    result: AuditResult, seed: int = 20240331) -> AuditResult:
    """The audit with the relations of published figures added: the pieces of suppressed counts a
    relation reaches are audited again (a relation between published counts alone tells nothing
    new; it must hold for them, else it is not what was published)."""
    hidden = frozenset(suppressed)
    reaching = []
    for relation in relations:
        if any(key in hidden for key, _ in relation.terms):
            reaching.append(relation)
        elif not relation.holds(ledger.values):
            raise ValueError(f"{relation.figure} does not follow from the counts it is built on")
    if not reaching:
        return result
    structure = Structure(ledger, reaching)
    touched = {key for relation in reaching for key, _ in relation.terms if key in hidden}
    pieces = structure.pieces(hidden)
    found = AuditResult(result.threshold, dict(result.ranges), result.linear_programmes, len(pieces))
    for keys in sorted((p for p in pieces if p & touched), key=lambda group: key_order(min(group, key=key_order))):
        ranges, solves = _audit_piece(structure, keys, threshold, seed)
        found.ranges.update(ranges)
        found.linear_programmes += solves
    return found


def exact_ranges(ledger: Ledger, suppressed: Iterable[Key], relations: Iterable[Relation] = ()) -> dict[Key, tuple[float, float]]:
    """The exact feasible range of every suppressed count (two LPs each, no shortcuts): for tests
    and for anyone who wants to check the audit independently."""
    structure = Structure(ledger, relations)
    ranges: dict[Key, tuple[float, float]] = {}
    for keys in structure.pieces(set(suppressed)):
        piece = _Piece(structure, keys)
        n = len(piece.keys)
        for i, key in enumerate(piece.keys):
            if not piece.rows:
                ranges[key] = (0.0, math.inf)
                continue
            cost = np.zeros(n)
            cost[i] = 1.0
            _, low = piece.solve(cost)
            cost[i] = -1.0
            status, high = piece.solve(cost)
            ranges[key] = (float(low[i]), math.inf if status == "unbounded" else float(high[i]))
    return ranges


def solve_lp(cost: np.ndarray, matrix, row_lower: np.ndarray, row_upper: np.ndarray,
             col_lower: np.ndarray, col_upper: np.ndarray) -> tuple[str, np.ndarray | None]:
    """Minimise cost.x subject to row_lower <= matrix.x <= row_upper and the column bounds."""
    from scipy import sparse

    matrix = sparse.csc_matrix(matrix)
    lp = HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    highs = quiet_highs()
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    if status == HighsModelStatus.kOptimal:
        return "optimal", np.array(highs.getSolution().col_value)
    if status in (HighsModelStatus.kUnbounded, HighsModelStatus.kUnboundedOrInfeasible):
        return "unbounded", None
    return "failed", None
