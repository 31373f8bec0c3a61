"""What every rule engine shares: a return's usable values, where its items are, how items are
named in messages, and how an issue is made. Pure Python: no pandera, no Great Expectations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from fgc_collect.model import Issue
from fgc_collect.read.aggregate import AggregateReturn, Location
from fgc_collect.reference import LocalAuthority, find_la
from fgc_collect.spec import Item, Spec, load_spec

BLANK_KINDS = ("blank",)


# --- numbers and names in messages ---------------------------------------------------------------


def fmt(value: object) -> str:
    """A figure as a council officer would write it: 12, 1,234, 2.5."""
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def quoted(text: object, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"'{text}'"


def join_words(words: list[str], conjunction: str = "and") -> str:
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _lower_first(text: str) -> str:
    # "Children referred" -> "children referred"; "FGC coordinators" stays as it is.
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


# The spec the rules are checking against: a message names items in the words of the return's own
# year (and of a survey file's changes), though the message functions take no spec.
_spec_in_force: ContextVar[Spec | None] = ContextVar("spec_in_force", default=None)


def spec_in_force() -> Spec:
    return _spec_in_force.get() or load_spec()


@contextmanager
def checking_against(spec: Spec) -> Iterator[Spec]:
    """Within the block, messages and catalogue examples speak of `spec`'s items."""
    token = _spec_in_force.set(spec)
    try:
        yield spec
    finally:
        _spec_in_force.reset(token)


def per_spec(function):
    """Cache a function of a spec (a Spec holds dicts, so it cannot be a functools.cache key)."""
    results: dict[int, tuple[Spec, object]] = {}

    def cached(spec: Spec | None = None, *args):
        spec = spec or spec_in_force()
        key = (id(spec), *args)
        if key not in results:
            results[key] = (spec, function(spec, *args))
        return results[key][1]

    cached.__doc__ = function.__doc__
    cached.__name__ = function.__name__
    return cached


def short_label(item_id: str, spec: Spec | None = None) -> str:
    return _short_label(spec, item_id)


@per_spec
def _short_label(spec: Spec, item_id: str) -> str:
    """An item's label shortened for a sentence: no period, no brackets, starts lower case.

    Works for items (B2) and input cells (B3_U1 -> "children referred, by age at referral:
    Under 1 year"). Derived from the spec's labels, never restated."""
    if spec.has_input_cell(item_id) and spec.input_cell(item_id).category is not None:
        cell = spec.input_cell(item_id)
        return f"{short_label(cell.item.id, spec).rstrip('?')}: {cell.category.label}"
    item = spec.item(item_id)
    label = item.label
    if label.startswith("of which:"):  # a part of the nearest whole before it (C1_PLO of C1, C13 of C11)
        section = spec.section_of(item_id).items
        before = [other for other in section[: section.index(item)] if not other.label.startswith("of which:")]
        parent = before[-1].id if before else item_id.split("_")[0]
        return f"{short_label(parent, spec)}, of which {label.removeprefix('of which:').strip()}"
    label = re.sub(r"\s*\([^)]*\)", "", label)
    label = re.sub(r"\s+(at any point )?in \d{4}-\d{2}", "", label)
    return _lower_first(label.strip())


def named(item_id: str, spec: Spec | None = None) -> str:
    """'B2 (children subject to an FGC referral)'."""
    return f"{item_id} ({short_label(item_id, spec)})"


def in_cell(location: Location | None) -> str:
    """' in D14', or nothing when the cell is not known."""
    return f" in {location.cell}" if location is not None and location.cell else ""


# --- a return as the rules see it -----------------------------------------------------------------


@dataclass
class ReturnView:
    """One return with what every rule needs: usable values (a value that breaks a cell-level rule
    is blank here, never a guess), which cells hold such invalid values, and where things are."""

    ret: AggregateReturn
    index: int  # position in the batch
    spec: Spec = field(default_factory=spec_in_force)

    @cached_property
    def rows(self) -> dict[str, dict]:
        return {row["item_id"]: row for row in self.ret.cells.iter_rows(named=True)}

    @cached_property
    def values(self) -> dict[str, float | str | None]:
        values: dict[str, float | str | None] = {}
        for cell in self.spec.input_cells:
            row = self.rows.get(cell.id)
            values[cell.id] = None if row is None else usable_value(row, cell.item)
        return values

    @cached_property
    def invalid(self) -> frozenset[str]:
        """Input cells holding something that is not blank but cannot be used (reported at cell
        level: a non-figure, suppression, an option not in the list, an Excel error)."""
        bad = set()
        for item_id, row in self.rows.items():
            if row["raw_kind"] not in BLANK_KINDS and row["raw_kind"] is not None and self.values.get(item_id) is None:
                bad.add(item_id)
        return frozenset(bad)

    def value(self, item_id: str) -> float | str | None:
        return self.values.get(item_id)

    def raw(self, item_id: str) -> str | None:
        row = self.rows.get(item_id)
        return None if row is None else row["raw_text"]

    def location(self, item_id: str) -> Location | None:
        location = self.ret.location(item_id)
        if location is None and self.spec.has_input_cell(item_id) is False:
            # a breakdown whose total row was not found: its first category is where to look
            try:
                item = self.spec.item(item_id)
            except KeyError:
                return None
            if item.cells:
                return self.ret.location(item.cells[0].id)
        return location

    @cached_property
    def la_from_a2(self) -> LocalAuthority | None:
        return find_la(self.value("A2")) if isinstance(self.value("A2"), str) else None

    @cached_property
    def la(self) -> LocalAuthority | None:
        """The LA the return is for: A2 when it is a 2023-24 code, else the template's own."""
        return self.la_from_a2 or find_la(self.ret.metadata.get("la_code"))

    @property
    def la_code(self) -> str | None:
        if self.la is not None:
            return self.la.code
        return self.ret.metadata.get("la_code") or None

    @property
    def la_name(self) -> str | None:
        if self.la is not None:
            return self.la.name
        return self.ret.metadata.get("la_name") or None


def usable_value(row: dict, item: Item) -> float | str | None:
    """The value later rules may use, or None: blank, or invalid at cell level."""
    kind = row["kind"]
    if row["raw_kind"] == "error":
        return None
    if kind == "count":
        number = row["number"]
        if number is None or number < 0 or not float(number).is_integer():
            return None
        return number
    if kind == "decimal":
        number = row["number"]
        if number is None or not within(number, item.minimum, item.maximum):
            return None
        return number
    if kind == "choice":
        return row["code"]
    return row["text"]


def within(number: float, minimum: float | None, maximum: float | None) -> bool:
    low = 0 if minimum is None else minimum
    return number >= low and (maximum is None or number <= maximum)


def make_issue(
    spec: Spec,
    code: str,
    view: ReturnView,
    item: str | None,
    message: str,
    value: object = None,
    at: str | None = None,
) -> Issue:
    """An Issue for rule `code` about `item`, located where `at` (default: the item) is."""
    location = view.location(at or item) if (at or item) else None
    return Issue(
        rule=code,
        severity=spec.rule(code).severity,
        message=message,
        item=item,
        sheet=location.sheet if location else None,
        cell=location.cell if location else None,
        value=json_safe(value),
    )


def json_safe(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def row_of(cell: str | None) -> int:
    match = re.match(r"([A-Z]+)(\d+)", cell or "")
    return int(match[2]) if match else 0


def column_of(cell: str | None) -> str:
    match = re.match(r"([A-Z]+)", cell or "")
    return match[1].rjust(3) if match else ""
