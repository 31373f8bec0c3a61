"""The publication catalogue, typed against a year's spec: which items make which tables, with
their column names, labels, units and groupings (fgc_collect/spec/publication.yaml, with the
year's and the survey file's `publication:` changes applied).

An entry whose item the spec lacks is left out; a count item the catalogue names nowhere is added
at the end of the funnel, with its label from the spec and its grouping from its unit, and a
breakdown it names nowhere (neither a characteristic at every stage nor a table of reasons) gets a
table of its own, shaped as the reasons tables are (its categories a filter, counts and
percentages of its total), so a question added to the spec is published with no change to the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from fgc_collect.spec import Item, Spec, publication_catalogue

OTHER_GROUPING = "Other counts"  # a count with no unit, or a unit the catalogue does not group


@dataclass(frozen=True)
class Count:
    item: str
    column: str
    label: str
    grouping: str


@dataclass(frozen=True)
class Rate:
    column: str
    label: str
    numerator: str
    denominator: str
    scale: float
    dp: int
    unit: str


@dataclass(frozen=True)
class Characteristic:
    category_set: str
    label: str
    column: str  # the filter column
    hint: str
    items: dict[str, str] | None  # category code -> filter item (None: the spec's labels)


@dataclass(frozen=True)
class Reasons:
    item: str
    table: str
    title: str
    column: str
    label: str
    filter: str
    filter_label: str
    filter_hint: str


@dataclass(frozen=True)
class CountTable:
    name: str
    title: str
    description: str
    counts: tuple[Count, ...]
    rates: tuple[Rate, ...]


@dataclass(frozen=True)
class Catalogue:
    funnel: tuple[Count, ...]
    rates: tuple[Rate, ...]
    estimated: tuple[str, ...]
    stages: tuple[Count, ...]
    characteristics: tuple[Characteristic, ...]
    reasons: tuple[Reasons, ...]
    tables: tuple[CountTable, ...]

    def funnel_column(self, item: str) -> str:
        return next(count.column for count in self.funnel if count.item == item)

    def funnel_label(self, item: str) -> str:
        return next(count.label for count in self.funnel if count.item == item)


def grouping(item: Item, groupings: dict[str, str]) -> str:
    """The metadata grouping of an item's count: from its unit in the spec (never its column name)."""
    return groupings.get(item.unit or "", OTHER_GROUPING)


_BUILT: dict[int, tuple[Spec, Catalogue]] = {}


def catalogue(spec: Spec) -> Catalogue:
    """The catalogue of a spec (built once for each spec object; fgc_collect.spec loads one per
    year and survey changes)."""
    found = _BUILT.get(id(spec))
    if found is None or found[0] is not spec:
        found = _BUILT[id(spec)] = (spec, _build(spec))
    return found[1]


def _build(spec: Spec) -> Catalogue:
    document = publication_catalogue(spec)
    groupings = {str(unit): str(name) for unit, name in (document.get("groupings") or {}).items()}
    has = {item.id for item in spec.items}

    def count(entry: dict) -> Count | None:
        item_id = str(entry["item"])
        if item_id not in has:
            return None
        item = spec.item(item_id)
        return Count(item_id, str(entry.get("column") or item_id.lower()), str(entry.get("label") or item.label),
                     str(entry.get("grouping") or grouping(item, groupings)))

    def counts(entries) -> tuple[Count, ...]:
        return tuple(found for found in map(count, entries or ()) if found is not None)

    def rates(entries) -> tuple[Rate, ...]:
        return tuple(Rate(str(e["column"]), str(e["label"]), str(e["numerator"]), str(e["denominator"]),
                          e.get("scale", 100), int(e.get("dp", 1)), str(e.get("unit", "")))
                     for e in entries or () if str(e["numerator"]) in has and str(e["denominator"]) in has)

    tables = []
    for entry in document.get("tables") or ():
        table_counts = counts(entry.get("counts"))
        if table_counts:  # a year without any of the table's items does not publish it
            tables.append(CountTable(str(entry["name"]), str(entry["title"]), str(entry.get("description", "")),
                                     table_counts, rates(entry.get("rates"))))
    funnel = list(counts(document.get("funnel")))
    stages = counts(document.get("stages"))
    reasons = tuple(
        Reasons(str(e["item"]), str(e["table"]), str(e["title"]), str(e["column"]), str(e["label"]),
                str(e.get("filter", "category")), str(e.get("filter_label", "Category")), str(e.get("filter_hint", "")))
        for e in document.get("reasons") or () if str(e["item"]) in has)
    named = {c.item for c in (*funnel, *stages)} | {c.item for table in tables for c in table.counts}
    taken = {c.column for c in funnel}
    for item in spec.counts:  # a count the catalogue does not name: still published, in the funnel
        if item.id not in named and item.publish:
            column = item.id.lower() if item.id.lower() not in taken else f"item_{item.id.lower()}"
            funnel.append(Count(item.id, column, item.label, grouping(item, groupings)))
    # A characteristic is compared across the stages: it needs a breakdown at every one (a year or a
    # survey file that drops one publishes its other breakdowns as tables of their own, below).
    by_stage = {(item.category_set, item.total) for item in spec.breakdowns}
    characteristics = tuple(
        Characteristic(str(e["category_set"]), str(e["label"]), str(e["column"]), str(e.get("hint", "")),
                       {str(code): str(text) for code, text in e["items"].items()} if e.get("items") else None)
        for e in document.get("characteristics") or ()
        if all((str(e["category_set"]), stage.item) in by_stage for stage in stages))
    listed = {str(e["category_set"]): (str(e["column"]), str(e["label"])) for e in document.get("characteristics") or ()}
    reasons += _unnamed_breakdowns(spec, reasons, characteristics, stages, funnel, listed)
    estimated = tuple(str(item) for item in document.get("estimated") or () if str(item) in has
                      and any(c.item == str(item) for c in funnel))
    return Catalogue(tuple(funnel), rates(document.get("rates")), estimated, stages, characteristics, reasons,
                     tuple(tables))


FILTER_LABEL_LIMIT = 100  # characters: the EES metadata's limit for a label


def _unnamed_breakdowns(spec: Spec, reasons, characteristics, stages, funnel,
                        listed: dict[str, tuple[str, str]]) -> tuple[Reasons, ...]:
    """A table for each breakdown the catalogue publishes nowhere, in the shape of the reasons
    tables: `fgc_<item>`, its title the item's label, its counts those of its total, its filter the
    category set: named as the catalogue's characteristic of that set when it has one (`listed`:
    set -> (column, label)), else from the spec (the set's title, as on the template's Definitions
    sheet, cut to its first clause when longer than EES allows)."""
    from fgc_collect.template.definitions import category_set_title

    published = {reason.item for reason in reasons}
    characteristic_sets = {c.category_set for c in characteristics}
    stage_totals = {count.item for count in stages}
    columns = {count.item: count for count in funnel}
    found = []
    for item in spec.breakdowns:
        if item.id in published or not item.publish or (
                item.category_set in characteristic_sets and item.total in stage_totals):
            continue
        total = spec.item(item.total)
        count = columns.get(total.id)
        filter_column, filter_label = listed.get(item.category_set) or (
            item.category_set.lower(), category_set_title(spec, item.category_set, spec.category_sets[item.category_set]))
        if len(filter_label) > FILTER_LABEL_LIMIT:
            filter_label = filter_label.split(":")[0].split(" (")[0][:FILTER_LABEL_LIMIT].strip()
        found.append(Reasons(
            item.id, f"fgc_{item.id.lower()}", item.label,
            count.column if count else total.id.lower(), count.label if count else total.label,
            filter_column, filter_label, ""))
    return tuple(found)
