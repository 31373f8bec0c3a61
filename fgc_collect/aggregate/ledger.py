"""Every count the publication shows, once, with the additive structure that ties them together.

A count is identified by what it adds up: an item of the return (B1, B3_U1, ...) over a set of
LAs. The LA-level cell is the item over one LA; a regional or national figure is the item over
the LAs in that area that provided it. Two tables showing the same sum (the funnel's children
referred in an LA, and the Total row of that LA's children by age) share one key, so they are
suppressed together.

The ledger also records the equations a reader of the tables can use to work a hidden count out
(an area's figure is the sum of its LAs', England's the sum of the regions', a breakdown adds up
to its total) and the inequalities every used return satisfies (the spec's "part is not larger
than its whole" and "at least one child per family" rules). Disclosure control and its audit work
on this structure alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

LA_LEVEL, REGION_LEVEL, NATIONAL_LEVEL = 0, 1, 2

Key = tuple[str, frozenset[str]]  # (item id, the LA codes it adds up over)


@dataclass
class Ledger:
    region_of: Mapping[str, str]  # LA code -> region code
    la_values: Mapping[tuple[str, str], int]  # (item id, LA code) -> the LA's figure, provided only
    values: dict[Key, int] = field(default_factory=dict)
    level: dict[Key, int] = field(default_factory=dict)
    equations: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)  # parent = sum(children)
    inequalities: list[tuple[tuple[Key, ...], tuple[Key, ...]]] = field(default_factory=list)  # sum(a) <= sum(b)
    _equation_set: set = field(default_factory=set, repr=False)

    def provided(self, item: str, code: str) -> bool:
        return (item, code) in self.la_values

    def providers(self, items: Sequence[str], codes: Iterable[str]) -> frozenset[str]:
        """The LAs among codes that provided every one of items."""
        return frozenset(code for code in codes if all((item, code) in self.la_values for item in items))

    def count(self, item: str, codes: Iterable[str], level: int) -> Key | None:
        """Register the sum of item over codes (every one must have provided it) shown at level;
        None when no LA is in the set (the figure is not available)."""
        members = frozenset(codes)
        if not members:
            return None
        key = (item, members)
        if key not in self.values:
            missing = [code for code in members if (item, code) not in self.la_values]
            if missing:
                raise ValueError(f"{item} was not provided by {', '.join(sorted(missing))}")
            self.values[key] = sum(self.la_values[(item, code)] for code in members)
            if len(members) > 1:
                regions = sorted({self.region_of[code] for code in members})
                if len(regions) > 1:
                    children = tuple(
                        self.count(item, (c for c in members if self.region_of[c] == region), REGION_LEVEL)
                        for region in regions
                    )
                else:
                    children = tuple(self.count(item, (code,), LA_LEVEL) for code in sorted(members))
                self.equation(key, children)
        self.level[key] = max(self.level.get(key, level), level)
        return key

    def equation(self, parent: Key, children: Sequence[Key]) -> None:
        """parent = sum(children); kept once."""
        signature = (parent, frozenset(children))
        if len(children) == 1 and children[0] == parent:
            return
        if signature not in self._equation_set:
            self._equation_set.add(signature)
            self.equations.append((parent, tuple(children)))

    def breakdown(self, total_item: str, category_items: Sequence[str], codes: Iterable[str], level: int) -> tuple[Key, list[Key]] | None:
        """Register a breakdown over codes (each of which provided it whole and adding up to its
        total): the total's key and the categories' keys, with the equation between them."""
        members = frozenset(codes)
        if not members:
            return None
        total = self.count(total_item, members, level)
        categories = [self.count(item, members, level) for item in category_items]
        self.equation(total, categories)
        return total, categories

    def inequality(self, smaller: Sequence[Key], larger: Sequence[Key]) -> None:
        self.inequalities.append((tuple(smaller), tuple(larger)))

    @property
    def keys(self) -> list[Key]:
        return list(self.values)
