"""The child-level return's spec (fgc_collect/spec/fgc_child_level.yaml), typed.

The YAML is the research team's; this module reads it and never restates it, with three
exceptions that the YAML states only in prose and that are pinned here (tests hold each against
the YAML's words):

- FAMILY_COLUMNS: the "family-level fields" of FGC308 (the same for every child of a referral);
- DFE_ETHNICITY_LABELS: the DfE census labels of the ethnicity codes, for the Codes sheet (the YAML
  maps each code to its aggregate ETH group, not to a label);
- the derivation of each aggregate item: which stage (referral, offer, consent, FGC held, not
  held, declined) and which column a breakdown reads, as the YAML's `derivation` says in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property

from fgc_collect.spec import CHILD_SPEC_FILE, Category, Rule, Spec, load_child_spec_document, load_spec

CHILD_SPEC_NAME = CHILD_SPEC_FILE.removesuffix(".yaml")  # fgc_child_level

# Types of a column.
TEXT, YEAR_MONTH, CHOICE, DATE, COUNT = "text", "year_month", "choice", "date", "count"
ID_COLUMNS = ("child_id", "family_id")
BIRTH_MONTH = "birth_month"

# FGC308's "family-level fields (referral_date, referral_source, offer, consent, fgc fields)".
FAMILY_COLUMNS = (
    "referral_date",
    "referral_source",
    "offer_date",
    "offer_at_plo",
    "consent",
    "consent_date",
    "decline_reason",
    "fgc_held",
    "fgc_date",
    "fgc_at_plo",
    "not_held_reason",
    "plan_agreed",
)
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
    def is_family_level(self) -> bool:
        return self.id in FAMILY_COLUMNS

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
class Breakdown:
    """How one aggregate breakdown is derived: its stage and the column its categories come from."""

    item: str  # B3
    stage: str  # referral | consent | held | family_referral | declined | not_held
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
    def breakdowns(self) -> tuple[Breakdown, ...]:
        return tuple(_breakdowns(self))


# The aggregate category set a column's categories feed (ethnicity goes through its ETH group).
_SET_COLUMNS = {"AGE": "birth_month", "SEX": "sex", "ETH": "ethnicity", "DIS": "disability",
                "STATUS": "status_at_referral", "SOURCE": "referral_source",
                "DECLINE": "decline_reason", "NOTHELD": "not_held_reason"}
# The derivation's stages: the total item each breakdown adds up to -> (stage, unit).
_STAGES = {"B2": ("referral", "children"), "C3": ("consent", "children"), "D3": ("held", "children"),
           "B1": ("family_referral", "families"), "C9": ("declined", "families"),
           "D9": ("not_held", "families")}


def _breakdowns(spec: ChildSpec):
    for item in spec.aggregate.breakdowns:
        stage, unit = _STAGES[item.total]
        yield Breakdown(item.id, stage, _SET_COLUMNS[item.category_set], unit)


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
    return ChildSpec(
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
def load_child_spec() -> ChildSpec:
    """The child-level spec (loaded once per process), with the aggregate spec it derives into."""
    return parse_child_spec(load_child_spec_document(), load_spec())


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
