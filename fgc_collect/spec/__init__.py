"""The collection's data specification, loaded once and typed.

The YAML files beside this module are the research team's specification, copied verbatim from
the shared spec. Everything else in fgc-collect (template, reader, schemas, expectation suites,
rule catalogue, published metadata) reads the spec through this module and never restates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from importlib import resources

import yaml

AGGREGATE_SPEC_FILE = "fgc_2023_24_aggregate.yaml"
CHILD_SPEC_FILE = "fgc_child_level.yaml"
# The child-level `derivation` as data the project computes (the YAML's own is words).
DERIVATION_FILE = "fgc_child_level_derivation.yaml"
# The publication catalogue: which items make which published tables (fgc-collect's own file).
PUBLICATION_FILE = "publication.yaml"
# The first year's files are the spec as the research team wrote it; each later year is the
# year before with a changes file applied (fgc_collect/spec/overlay.py).
BASE_YEAR = "2023-24"
YEAR_CHANGES_FILES = {"2024-25": "fgc_2024_25_changes.yaml"}

# Template version: bump when the layout of the generated workbook changes, so a reader can say
# which layout a return was made from.
TEMPLATE_VERSION = "2023-24.1"

# Item types that hold one input cell each.
SINGLE_CELL_TYPES = frozenset({"text", "la_code", "email", "choice", "decimal", "longtext", "count"})
# The "Unknown" category of a breakdown (rule FGC110): UNK in most sets, but SEX calls it U,
# "Unknown or not recorded"; so a category is unknown by its code or by its label.
UNKNOWN_CODES = ("UNK",)
UNKNOWN_LABEL_STARTS = ("unknown", "not known")


@dataclass(frozen=True)
class Category:
    code: str
    label: str


@dataclass(frozen=True)
class Condition:
    """A `required_if` condition such as "A5 == Y"."""

    item: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Condition:
        match = re.fullmatch(r"\s*(\w+)\s*==\s*(\w+)\s*", text)
        if not match:
            raise ValueError(f"cannot read the condition {text!r}")
        return cls(match[1], match[2])

    def __str__(self) -> str:
        return f"{self.item} == {self.value}"


@dataclass(frozen=True)
class InputCell:
    """One cell a council fills in: an item id with its own defined name Q_<id>."""

    id: str
    item: Item
    kind: str  # count, text, email, la_code, choice, decimal, longtext
    category: Category | None = None  # the breakdown category or grid row this cell is for
    choices: tuple[Category, ...] = ()

    @property
    def defined_name(self) -> str:
        return "Q_" + self.id

    @property
    def label(self) -> str:
        if self.category is None:
            return self.item.label
        return f"{self.item.label}: {self.category.label}"

    def choice_code(self, text: str) -> str | None:
        """The code a council's entry stands for: a code or a label, case and spaces ignored."""
        wanted = " ".join(str(text).split()).casefold()
        for choice in self.choices:
            if wanted in (choice.code.casefold(), " ".join(choice.label.split()).casefold()):
                return choice.code
        return None


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    type: str
    label: str
    required: bool = False
    required_if: Condition | None = None
    choices: tuple[Category, ...] = ()  # choice, choice_grid
    rows: tuple[Category, ...] = ()  # choice_grid rows, breakdown categories
    category_set: str | None = None  # "of" for a breakdown, "rows" for a grid
    total: str | None = None  # breakdown: the item it adds up to
    unit: str | None = None
    publish: bool = True
    prefilled: bool = False
    max_chars: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = None
    note: str | None = None
    cells: tuple[InputCell, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_breakdown(self) -> bool:
        return self.type == "breakdown"

    def cell(self, category_code: str) -> InputCell:
        for cell in self.cells:
            if cell.category is not None and cell.category.code == category_code:
                return cell
        raise KeyError(f"{self.id} has no category {category_code}")

    @property
    def unknown_cell(self) -> InputCell | None:
        """The Unknown / Not known category of a breakdown, if it has one."""
        for cell in self.cells:
            category = cell.category
            if category is not None and (
                category.code in UNKNOWN_CODES or category.label.casefold().startswith(UNKNOWN_LABEL_STARTS)
            ):
                return cell
        return None


@dataclass(frozen=True)
class Section:
    code: str
    sheet: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # error | warning
    applies_to: str
    check: str
    level: str  # aggregate | child

    @property
    def scope(self) -> str:
        """cell, return, batch (against other returns) or row (child level)."""
        number = int(self.code[3:])
        if self.level == "child":
            return "row"
        if number < 100:
            return "cell"
        if number < 200:
            return "return"
        return "batch"


@dataclass(frozen=True)
class Comparison:
    """One inequality from a rule's applies_to, e.g. "C2+C9<=C1": sum(left) <= sum(right)."""

    left: tuple[str, ...]
    op: str  # "<=" or ">="
    right: tuple[str, ...]

    def __str__(self) -> str:
        return f"{'+'.join(self.left)} {self.op} {'+'.join(self.right)}"

    def holds(self, values: dict[str, float | None]) -> bool | None:
        """True/False, or None when a term is blank (the check cannot be made)."""
        terms = [values.get(item) for item in self.left + self.right]
        if any(term is None for term in terms):
            return None
        left = sum(values[item] for item in self.left)
        right = sum(values[item] for item in self.right)
        return left <= right if self.op == "<=" else left >= right


@dataclass(frozen=True)
class Spec:
    collection_id: str
    year: str
    level: str
    title: str
    period_start: date
    period_end: date
    deadline: date
    category_sets: dict[str, tuple[Category, ...]]
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    template_version: str = TEMPLATE_VERSION
    # the `publication:` changes of the year's changes files and the survey file, in order
    publication_changes: tuple = field(default=(), compare=False, repr=False)

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def input_cells(self) -> tuple[InputCell, ...]:
        return tuple(cell for item in self.items for cell in item.cells)

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def _cells_by_id(self) -> dict[str, InputCell]:
        return {cell.id: cell for cell in self.input_cells}

    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]

    def input_cell(self, cell_id: str) -> InputCell:
        return self._cells_by_id[cell_id]

    def has_input_cell(self, cell_id: str) -> bool:
        return cell_id in self._cells_by_id

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def rule(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)

    @property
    def breakdowns(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.is_breakdown)

    @property
    def counts(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.type == "count")

    def comparisons(self, rule_code: str) -> tuple[Comparison, ...]:
        """The inequalities a rule lists in applies_to ("B2>=B1, C3>=C2")."""
        return parse_comparisons(self.rule(rule_code).applies_to)

    def ratios(self, rule_code: str) -> tuple[tuple[str, str], ...]:
        """The ratios a rule lists in applies_to ("B2/B1, C3/C2") as (numerator, denominator)."""
        return tuple(
            (match[1], match[2])
            for match in re.finditer(r"\b([A-E]\d+(?:_\w+)?)\s*/\s*([A-E]\d+(?:_\w+)?)\b", self.rule(rule_code).applies_to)
        )


_ITEM_ID = r"[A-E]\d+(?:_[A-Z0-9]+)?"


def parse_comparisons(text: str) -> tuple[Comparison, ...]:
    comparisons = []
    for part in text.split(","):
        match = re.fullmatch(rf"\s*({_ITEM_ID}(?:\+{_ITEM_ID})*)\s*(<=|>=)\s*({_ITEM_ID}(?:\+{_ITEM_ID})*)\s*", part)
        if not match:
            raise ValueError(f"cannot read the comparison {part!r}")
        comparisons.append(Comparison(tuple(match[1].split("+")), match[2], tuple(match[3].split("+"))))
    return tuple(comparisons)


def _categories(mapping: dict) -> tuple[Category, ...]:
    # Codes stay strings whatever YAML made of them (see the spec's note on yes/no).
    return tuple(Category(str(code), str(label)) for code, label in mapping.items())


def _build_item(raw: dict, section: str, category_sets: dict[str, tuple[Category, ...]]) -> Item:
    item_type = raw["type"]
    choices_raw = raw.get("choices")
    if isinstance(choices_raw, str):
        choices = category_sets[choices_raw]
    elif isinstance(choices_raw, dict):
        choices = _categories(choices_raw)
    else:
        choices = ()
    category_set = raw.get("of") or raw.get("rows")
    rows: tuple[Category, ...] = ()
    if category_set:
        excluded = {str(code) for code in raw.get("exclude", [])}
        rows = tuple(c for c in category_sets[category_set] if c.code not in excluded)
    item = Item(
        id=str(raw["id"]),
        section=section,
        type=item_type,
        label=str(raw["label"]),
        required=bool(raw.get("required", False)),
        required_if=Condition.parse(raw["required_if"]) if raw.get("required_if") else None,
        choices=choices,
        rows=rows,
        category_set=category_set,
        total=raw.get("total"),
        unit=raw.get("unit"),
        publish=bool(raw.get("publish", True)),
        prefilled=bool(raw.get("prefilled", False)),
        max_chars=raw.get("max_chars"),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        decimals=raw.get("dp"),
        note=raw.get("note"),
    )
    if item_type in SINGLE_CELL_TYPES:
        cells = (InputCell(item.id, item, item_type, choices=choices),)
    elif item_type == "breakdown":
        cells = tuple(InputCell(f"{item.id}_{c.code}", item, "count", category=c) for c in rows)
    elif item_type == "choice_grid":
        cells = tuple(InputCell(f"{item.id}_{c.code}", item, "choice", category=c, choices=choices) for c in rows)
    else:
        raise ValueError(f"item {item.id} has an unknown type {item_type!r}")
    object.__setattr__(item, "cells", cells)
    return item


def parse_aggregate_spec(document: dict) -> Spec:
    collection = document["collection"]
    category_sets = {name: _categories(codes) for name, codes in document["category_sets"].items()}
    sections = tuple(
        Section(
            code=str(raw["code"]),
            sheet=str(raw["sheet"]),
            title=str(raw["title"]),
            items=tuple(_build_item(item, str(raw["code"]), category_sets) for item in raw["items"]),
        )
        for raw in document["sections"]
    )
    rules = tuple(
        Rule(str(r["code"]), str(r["severity"]), str(r["applies_to"]), str(r["check"]), "aggregate")
        for r in document["rules"]
    )
    return Spec(
        collection_id=str(collection["id"]),
        year=str(collection["year"]),
        level=str(collection["level"]),
        title=str(collection["title"]),
        period_start=collection["period_start"],
        period_end=collection["period_end"],
        deadline=collection["deadline"],
        category_sets=category_sets,
        sections=sections,
        rules=rules,
        template_version=str(collection.get("template_version", TEMPLATE_VERSION)),
        publication_changes=tuple(document.get("publication_changes", ())),
    )


def _load_yaml(name: str) -> dict:
    # libyaml's safe loader when PyYAML has it: the same documents, a tenth of the start-up time
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"), Loader=loader)


def known_years() -> tuple[str, ...]:
    """The collection years whose spec the project holds, oldest first."""
    return (BASE_YEAR, *YEAR_CHANGES_FILES)


def latest_year() -> str:
    return known_years()[-1]


@cache
def year_documents(year: str = BASE_YEAR) -> tuple[dict, dict]:
    """The aggregate and child-level YAML documents of a year (do not modify them).

    A year after the latest one held is the latest year moved on (its words and dates), so a
    survey file's `changes:` can describe a year nobody has written a changes file for."""
    from fgc_collect.spec.overlay import SpecChangeError, apply_changes, move_on

    if year == BASE_YEAR:
        child = _load_yaml(CHILD_SPEC_FILE)
        child["derive"] = _load_yaml(DERIVATION_FILE)
        return _load_yaml(AGGREGATE_SPEC_FILE), child
    first = int(_checked_year(year)[:4])
    if year < BASE_YEAR:
        raise SpecChangeError(f"there are no questions for {year}: the collection began in {BASE_YEAR}.")
    previous = f"{first - 1}-{first % 100:02d}"
    aggregate, child = (move_on(document, previous, year) for document in year_documents(previous))
    changes_file = YEAR_CHANGES_FILES.get(year)
    if changes_file is None:
        aggregate["collection"]["year"] = child["collection"]["year"] = year
        return aggregate, child
    return apply_changes(aggregate, child, _load_yaml(changes_file), source=changes_file)


def _checked_year(year: str) -> str:
    from fgc_collect.spec.overlay import next_year

    next_year(year)  # raises SpecChangeError with a sentence when the year is not YYYY-YY
    if next_year(f"{int(year[:4]) - 1}-{int(year[:4]) % 100:02d}") != year:
        from fgc_collect.spec.overlay import SpecChangeError

        raise SpecChangeError(f"{year!r} is not a collection year: the second part is the year after the first (such as 2024-25).")
    return year


@cache
def _spec_from_documents(year: str, changes_key: str) -> tuple[Spec, dict]:
    import json

    from fgc_collect.spec.overlay import apply_changes

    aggregate, child = year_documents(year)
    if changes_key:
        aggregate, child = apply_changes(aggregate, child, json.loads(changes_key), source="a change in the survey file")
    spec = parse_aggregate_spec(aggregate)
    check_references(spec)
    publication_catalogue(spec)  # a change to the catalogue that cannot apply: refused when the spec loads
    return spec, child


def publication_catalogue(spec: Spec) -> dict:
    """The publication catalogue (publication.yaml) as the spec's year runs it: with the
    `publication:` changes of its changes files and survey file applied, in order. A plain
    document; fgc_collect.aggregate.catalogue types it against the spec."""
    from fgc_collect.spec.overlay import change_publication

    catalogue = _load_yaml(PUBLICATION_FILE)
    for entry in spec.publication_changes:
        catalogue = change_publication(catalogue, entry["changes"], entry["source"])
    return catalogue


def _changes_key(changes: dict | None) -> str:
    import json

    return json.dumps(changes, sort_keys=True, default=str) if changes else ""


def load_spec(year: str = BASE_YEAR, changes: dict | None = None) -> Spec:
    """The aggregate return's spec for a year (2023-24 unless told), with a survey file's
    `changes:` on top when given. Loaded once per process for each (year, changes)."""
    return _spec_from_documents(year, _changes_key(changes))[0]


def load_child_spec_document(year: str = BASE_YEAR, changes: dict | None = None) -> dict:
    """The child-level spec of a year as the YAML document (typed by the child-level stage)."""
    return _spec_from_documents(year, _changes_key(changes))[1]


def check_references(spec: Spec) -> None:
    """Every item a rule compares exists: a change that removes an item a rule still names is an
    error when the spec loads, not a KeyError in the middle of a batch."""
    from fgc_collect.spec.overlay import SpecChangeError

    for rule in spec.rules:
        if rule.level != "aggregate" or not re.fullmatch(r"[\sA-Z0-9_+<=>,]+", rule.applies_to) or "<=" not in rule.applies_to and ">=" not in rule.applies_to:
            continue
        for comparison in parse_comparisons(rule.applies_to):
            for item_id in comparison.left + comparison.right:
                if not spec.has_input_cell(item_id):
                    raise SpecChangeError(f"rule {rule.code} compares {item_id}, which the {spec.year} spec does not have.")
