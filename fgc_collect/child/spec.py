"""The child-level return's spec (fgc_collect/spec/fgc_child_level.yaml), typed.

The YAML is the research team's; this module reads it and never restates it. What the YAML says
only in prose is data beside it, in fgc_collect/spec/fgc_child_level_derivation.yaml: the
derivation of each aggregate item (its stage, unit and conditions) and the "family-level fields"
of FGC308; a spec where an aggregate item has no derivation is refused when it loads. One table
is pinned here: DFE_ETHNICITY_LABELS, the DfE census labels of the ethnicity codes for the Codes
sheet (the YAML maps each code to its aggregate ETH group, not to a label).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property

from fgc_collect.spec.overlay import SpecChangeError
from fgc_collect.spec import BASE_YEAR, CHILD_SPEC_FILE, Category, Rule, Spec, load_child_spec_document, load_spec

CHILD_SPEC_NAME = CHILD_SPEC_FILE.removesuffix(".yaml")  # fgc_child_level

# Types of a column.
TEXT, YEAR_MONTH, CHOICE, DATE, COUNT = "text", "year_month", "choice", "date", "count"
ID_COLUMNS = ("child_id", "family_id")
BIRTH_MONTH = "birth_month"

# FGC308's "family-level fields" of the first year (each year's are ChildSpec.family_columns).
FAMILY_COLUMNS = tuple(load_child_spec_document()["derive"]["family_fields"])
# FGC303: "referral_date <= offer_date <= consent_date <= fgc_date".
DATE_ORDER = ("referral_date", "offer_date", "consent_date", "fgc_date")

# DfE CIN census / SSDA903 ethnicity labels (the Codes sheet shows them beside the codes).
DFE_ETHNICITY_LABELS = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy/Roma",
    "WOTH": "Any other White background",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "CHNE": "Chinese",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Any other Black background",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}


@dataclass(frozen=True)
class Column:
    """One column of the Children sheet (or the CSV)."""

    id: str
    type: str  # text, year_month, choice, date, count
    required: bool
    choices: tuple[Category, ...] = ()
    category_set: str | None = None  # the aggregate category set the choices are, if any
    max_chars: int | None = None
    note: str | None = None

    @property
    def is_id(self) -> bool:
        return self.id in ID_COLUMNS


    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(choice.code for choice in self.choices)

    def choice_lookup(self) -> dict[str, str]:
        """Code or label, case-folded with spaces collapsed -> the code."""
        lookup: dict[str, str] = {}
        for choice in self.choices:
            for text in (choice.label, choice.code):
                lookup[" ".join(text.split()).casefold()] = choice.code
        return lookup


@dataclass(frozen=True)
class Stage:
    """An event of a unit: in the period when any of `dates` is, and `where` holds."""

    name: str
    dates: tuple[str, ...]
    where: tuple[tuple[str, str], ...] = ()

    @property
    def age_date(self) -> str:
        """The date a child's age is taken at, for an AGE breakdown at this stage."""
        return self.dates[0]


@dataclass(frozen=True)
class Derived:
    """How one count item is made from the rows: units of a stage (families or children) meeting
    `where`, or the sum of a column per family over the stage's families."""

    item: str
    stage: Stage
    unit: str  # families | children | sum
    where: tuple[tuple[str, str], ...] = ()
    sum_column: str | None = None
    words: str = ""


@dataclass(frozen=True)
class Breakdown:
    """How one aggregate breakdown is derived: its total's stage and unit, and the column its
    categories come from."""

    item: str  # B3
    stage: Stage
    column: str  # the child-level column its categories come from ("birth_month" for AGE)
    unit: str  # children | families


@dataclass(frozen=True)
class ChildSpec:
    collection_id: str
    level: str
    year: str
    period_start: date
    period_end: date
    ethnicity_groups: dict[str, str]  # DfE code -> ETH group of the aggregate return
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    derivation: dict[str, str]  # the YAML's words, item (or range) -> how
    aggregate: Spec
    family_columns: tuple[str, ...] = FAMILY_COLUMNS
    derived: tuple[Derived, ...] = ()  # every count item of the aggregate spec
    breakdowns: tuple[Breakdown, ...] = ()  # every breakdown of the aggregate spec
    from_return: dict[str, str] | None = None  # A1 -> la_name, A2 -> la_code, A5 -> rows_sent
    not_collected: frozenset[str] = frozenset()

    @cached_property
    def _by_id(self) -> dict[str, Column]:
        return {column.id: column for column in self.columns}

    def column(self, column_id: str) -> Column:
        return self._by_id[column_id]

    @property
    def column_ids(self) -> tuple[str, ...]:
        return tuple(column.id for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.id for column in self.columns if column.required)

    def rule(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        return self.aggregate.rule(code)

    def in_period(self, day: date | None) -> bool:
        return day is not None and self.period_start <= day <= self.period_end

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        """The stages the derivation uses, each once."""
        seen: dict[str, Stage] = {}
        for entry in (*self.derived, *self.breakdowns):
            seen.setdefault(entry.stage.name, entry.stage)
        return tuple(seen.values())


class DerivationError(SpecChangeError):
    """A spec whose child-level derivation cannot be computed: one sentence for the research team
    (a SpecChangeError, so every command refuses the spec with it, never a traceback)."""


def _where(raw: dict | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(column), str(value)) for column, value in (raw or {}).items())


def parse_derivation(derive: dict, aggregate: Spec, columns: dict[str, Column]) -> dict:
    """The typed derivation of every aggregate item, or DerivationError naming the first item
    that has none (a question added without saying how child-level rows make it)."""
    def column(name: str, what: str) -> str:
        if name not in columns:
            raise DerivationError(f"the child-level derivation of {what} reads the column {name}, which the {aggregate.year} child-level spec does not have.")
        return name

    stages = {}
    for name, raw in derive["stages"].items():
        dates = tuple(column(str(day), f"the stage {name}") for day in raw["dates"])
        where = tuple((column(c, f"the stage {name}"), v) for c, v in _where(raw.get("where")))
        stages[str(name)] = Stage(str(name), dates, where)
    entries = derive["items"]
    not_collected = frozenset(str(item) for item in derive.get("not_collected", []))
    from_return = {str(item): str(how) for item, how in derive.get("from_return", {}).items()}
    categories = {str(name): str(col) for name, col in derive["categories"].items()}
    derived, breakdowns = [], []
    for item in aggregate.items:
        if item.id in not_collected or item.id in from_return:
            continue
        raw = entries.get(item.id)
        if item.is_breakdown:
            raw = raw or entries.get(item.total)
            if raw is None or raw.get("stage") not in stages or raw.get("count") not in ("families", "children"):
                raise DerivationError(f"{item.id} has no child-level derivation: its total {item.total} counts no stage's families or children.")
            if item.category_set not in categories:
                raise DerivationError(
                    f"{item.id} is a breakdown by {item.category_set}, and the child-level derivation names no column "
                    f"coded by {item.category_set}: name one (child_level: derivation: categories: add: "
                    f"{{{item.category_set}: COLUMN}}), or list {item.id} under child_level: derivation: not_collected: add:.")
            unit = item.unit if item.unit in ("families", "children") else raw["count"]
            breakdowns.append(Breakdown(item.id, stages[raw["stage"]], column(categories[item.category_set], item.id), unit))
            continue
        if item.type != "count":
            raise DerivationError(f"{item.id} has no child-level derivation: list it under child_level: derivation: not_collected: add:, or say how rows give it.")
        if raw is None:
            raise DerivationError(f"{item.id} has no child-level derivation: say how child-level rows make it (child_level: derivation: add:), or list it under child_level: derivation: not_collected: add:.")
        if raw.get("stage") not in stages:
            raise DerivationError(f"the child-level derivation of {item.id} names the stage {raw.get('stage')!r}, which is not among the stages ({', '.join(stages)}).")
        where = tuple((column(c, item.id), v) for c, v in _where(raw.get("where")))
        if "sum" in raw:
            derived.append(Derived(item.id, stages[raw["stage"]], "sum", where, column(str(raw["sum"]), item.id), str(raw.get("words", ""))))
        elif raw.get("count") in ("families", "children"):
            derived.append(Derived(item.id, stages[raw["stage"]], raw["count"], where, None, str(raw.get("words", ""))))
        else:
            raise DerivationError(f"the child-level derivation of {item.id} neither counts families or children nor sums a column.")
    family_columns = tuple(column(str(name), "the family-level fields") for name in derive["family_fields"])
    return dict(derived=tuple(derived), breakdowns=tuple(breakdowns), from_return=from_return,
                not_collected=not_collected, family_columns=family_columns)


def _categories(mapping: dict) -> tuple[Category, ...]:
    # Codes stay strings whatever YAML made of them ("Y", "N": see the spec's note on yes/no).
    return tuple(Category(str(code), str(label)) for code, label in mapping.items())


def parse_child_spec(document: dict, aggregate: Spec) -> ChildSpec:
    collection = document["collection"]
    ethnicity = {str(code): str(group) for code, group in document["ethnicity_codes"].items()}
    columns = []
    for raw in document["columns"]:
        choices_raw = raw.get("choices")
        category_set = None
        if choices_raw == "ethnicity_codes":
            choices = tuple(Category(code, DFE_ETHNICITY_LABELS[code]) for code in ethnicity)
        elif isinstance(choices_raw, str):
            category_set = choices_raw
            choices = aggregate.category_sets[choices_raw]
        elif isinstance(choices_raw, dict):
            choices = _categories(choices_raw)
        else:
            choices = ()
        columns.append(Column(
            id=str(raw["id"]),
            type=str(raw["type"]),
            required=bool(raw.get("required", False)),
            choices=choices,
            category_set=category_set,
            max_chars=raw.get("max_chars"),
            note=raw.get("note"),
        ))
    rules = tuple(
        Rule(str(r["code"]), str(r["severity"]), str(r.get("applies_to", "rows")), str(r["check"]), "child")
        for r in document["rules"]
    )
    typed_columns = {column.id: column for column in columns}
    return ChildSpec(
        **parse_derivation(document["derive"], aggregate, typed_columns),
        collection_id=str(collection["id"]),
        level=str(collection["level"]),
        year=str(collection["year"]),
        period_start=collection["period_start"],
        period_end=collection["period_end"],
        ethnicity_groups=ethnicity,
        columns=tuple(columns),
        rules=rules,
        derivation={str(key): str(value) for key, value in document["derivation"].items()},
        aggregate=aggregate,
    )


@cache
def load_child_spec(year: str = BASE_YEAR, changes_key: str = "") -> ChildSpec:
    """The child-level spec of a year (loaded once per process), with the aggregate spec it derives
    into; `changes_key` is a survey file's changes as JSON."""
    import json

    changes = json.loads(changes_key) if changes_key else None
    return parse_child_spec(load_child_spec_document(year, changes), load_spec(year, changes))


def table_schema(spec: ChildSpec | None = None) -> dict:
    """A Frictionless Table Schema for the CSV form of the return: the column types, required
    columns, codes and lengths, and the family/child key (FGC302, FGC307). Councils' tools can
    check an export with it; the benchmark compares fgc-collect with `frictionless validate`."""
    spec = spec or load_child_spec()
    fields = []
    for column in spec.columns:
        field: dict = {"name": column.id}
        constraints: dict = {}
        if column.type == DATE:
            field["type"] = "date"
        elif column.type == YEAR_MONTH:
            field["type"] = "yearmonth"
        elif column.type == COUNT:
            field["type"] = "integer"
            constraints["minimum"] = 0
        else:
            field["type"] = "string"
        if column.choices:
            constraints["enum"] = list(column.codes)
        if column.max_chars:
            constraints["maxLength"] = column.max_chars
        if column.required:
            constraints["required"] = True
        if column.note:
            field["description"] = column.note
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": ["family_id", "child_id"], "missingValues": [""]}
