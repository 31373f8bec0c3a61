"""FGC101-FGC112 as a Great Expectations expectation suite, generated from the spec.

The suite runs on one wide frame: one row per return, a column per input cell (its usable value:
blank, or invalid at cell level, is null) and helper columns derived from them, such as
`B3__sum`. A rule's condition is folded into its helper column (null = the rule does not apply to
that return) rather than written as a GX row_condition: GX applies a row condition with
pandas.query once per expectation, which triples the run time on a frame this wide.

Validation builds the suite from the spec in force at run time (`suite_dict`: plain dicts, no GX
import), so a spec changed by a new year or a survey file can never meet a stale suite. The
2023-24 suite is also committed as JSON in `validations/` for readers and GX users (a test keeps it
equal to what GX's own classes build); `python -m fgc_collect.validate write` regenerates it. This
module does not import GX at module level.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import fgc_collect
from fgc_collect.spec import AGGREGATE_SPEC_FILE, BASE_YEAR, Condition, Spec, load_spec
from fgc_collect.validate.common import ReturnView, per_spec

SUITE_STEM = AGGREGATE_SPEC_FILE.removesuffix(".yaml")  # fgc_2023_24_aggregate
SUITE_NAME = f"{SUITE_STEM}.return_rules"
SUITE_FILE = f"{SUITE_NAME}.json"
VALIDATIONS_DIR = Path(fgc_collect.__file__).resolve().parent.parent / "validations"
UNKNOWN_SHARE_LIMIT = 0.5  # FGC110: "more than half of the total"
GX_SEVERITY = {"error": "critical", "warning": "warning"}


@dataclass(frozen=True)
class Derived:
    """A helper column of the wide frame: its name, what it holds, how it is computed."""

    name: str
    description: str
    compute: Callable[[ReturnView], float | None] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Planned:
    """One expectation of the suite, before GX builds it."""

    rule: str
    expectation: str  # GX class name
    kwargs: dict
    meta: dict
    derived: tuple[Derived, ...] = ()


# --- helper columns ------------------------------------------------------------------------------


def _number(view: ReturnView, item_id: str) -> float | None:
    value = view.value(item_id)
    return value if isinstance(value, float) else None


def _breakdown_state(view: ReturnView, cells: tuple[str, ...]) -> tuple[int | None, float | None]:
    """(how many categories are filled, their sum when all are): filled is None when a category
    holds something unusable (reported at cell level; the breakdown is checked once it is fixed)."""
    if any(cell in view.invalid for cell in cells):
        return None, None
    figures = [_number(view, cell) for cell in cells]
    filled = sum(figure is not None for figure in figures)
    total = sum(figures) if filled == len(cells) else None
    return filled, total


def _sum_if_complete(cells):
    return lambda view: _breakdown_state(view, cells)[1]


def _filled(cells):
    def compute(view):
        filled = _breakdown_state(view, cells)[0]
        return None if filled is None else float(filled)

    return compute


def _filled_if_total(cells, total):
    def compute(view):
        filled = _breakdown_state(view, cells)[0]
        figure = _number(view, total)
        return float(filled) if filled is not None and figure is not None and figure > 0 else None

    return compute


def _share(part, whole):
    def compute(view):
        numerator, denominator = _number(view, part), _number(view, whole)
        if numerator is None or denominator is None or denominator <= 0:
            return None
        return numerator / denominator

    return compute


def _plus(terms):
    def compute(view):
        figures = [_number(view, term) for term in terms]
        return None if any(figure is None for figure in figures) else sum(figures)

    return compute


def _counts_above_0_if(condition: Condition, cells):
    def compute(view):
        if view.value(condition.item) != condition.value:
            return None
        return float(sum(1 for cell in cells if (_number(view, cell) or 0) > 0))

    return compute


def _value_if(item_id, condition: Condition):
    return lambda view: _number(view, item_id) if view.value(condition.item) == condition.value else None


def _named_if(item_id, condition_item, codes):
    def compute(view):
        if view.value(condition_item) not in codes:
            return None
        return 1.0 if view.value(item_id) is not None else 0.0

    return compute


def column_name(terms: tuple[str, ...]) -> str:
    return "__plus__".join(terms)


# --- the plan: every expectation, from the spec --------------------------------------------------


def comparison_rules(spec: Spec) -> tuple[str, ...]:
    """The rules inside one return whose applies_to is a list of inequalities between counts."""
    found = []
    for rule in spec.rules:
        if rule.level != "aggregate" or rule.scope != "return" or not re.search(r"<=|>=", rule.applies_to):
            continue
        try:
            spec.comparisons(rule.code)
        except ValueError:
            continue
        found.append(rule.code)
    return tuple(found)


def _items_in(text: str) -> list[str]:
    return re.findall(r"\b[A-E]\d+(?:_[A-Z0-9]+)?\b", text)


@per_spec
def plan(spec: Spec) -> tuple[Planned, ...]:
    """Every expectation of the suite, in order, with the helper columns it reads: each rule's
    planner in the registry, in the spec's order; the rules comparing counts (FGC104, FGC105,
    FGC108, FGC113 and any a survey file adds) together, where the first of them comes."""
    from fgc_collect.validate.registry import REGISTRY

    comparisons = comparison_rules(spec)
    planned: list[Planned] = []
    for rule in spec.rules:
        if rule.code in comparisons:
            if rule.code == comparisons[0]:
                for code in comparisons:
                    planned += plan_comparison(spec, code)
            continue
        entry = REGISTRY.get(rule.code)
        if rule.level == "aggregate" and rule.scope == "return" and entry and entry.plan:
            planned += entry.plan(spec)
    return tuple(planned)


def _planned(rule, expectation, kwargs, meta, *derived) -> Planned:
    meta = {"rule": rule, **meta}
    if derived:
        meta["columns"] = {d.name: d.description for d in derived}
    return Planned(rule, expectation, kwargs, meta, tuple(derived))


# --- one planner per return-scope rule (the registry's `plan`): spec -> its expectations ----------


def plan_fgc101(spec: Spec) -> list[Planned]:
    """The categories add up to their total."""
    planned = []
    for item in spec.breakdowns:
        cells = tuple(cell.id for cell in item.cells)
        planned.append(_planned(
            "FGC101", "ExpectColumnPairValuesToBeEqual",
            {"column_A": f"{item.id}__sum", "column_B": item.total, "ignore_row_if": "either_value_is_missing"},
            {"items": [item.id, item.total]},
            Derived(f"{item.id}__sum", f"sum of {item.id}'s categories when every one holds a usable figure, else null",
                    _sum_if_complete(cells))))
    return planned


def plan_fgc102(spec: Spec) -> list[Planned]:
    """Wholly blank while the total is above 0."""
    planned = []
    for item in spec.breakdowns:
        cells = tuple(cell.id for cell in item.cells)
        planned.append(_planned(
            "FGC102", "ExpectColumnValuesToBeBetween",
            {"column": f"{item.id}__filled_if_total", "min_value": 1},
            {"items": [item.id, item.total]},
            Derived(f"{item.id}__filled_if_total",
                    f"how many of {item.id}'s categories are filled, when {item.total} is above 0, else null",
                    _filled_if_total(cells, item.total))))
    return planned


def plan_fgc103(spec: Spec) -> list[Planned]:
    """Partly blank."""
    planned = []
    for item in spec.breakdowns:
        cells = tuple(cell.id for cell in item.cells)
        planned.append(_planned(
            "FGC103", "ExpectColumnValuesToBeInSet",
            {"column": f"{item.id}__filled", "value_set": [0, len(cells)]},
            {"items": [item.id]},
            Derived(f"{item.id}__filled",
                    f"how many of {item.id}'s categories are filled; null when one holds an unusable value",
                    _filled(cells))))
    return planned


def plan_comparison(spec: Spec, rule: str) -> list[Planned]:
    """Inequalities between counts (FGC104, FGC105, FGC108, FGC113, ...)."""
    planned = []
    for comparison in spec.comparisons(rule):
        larger, smaller = (comparison.left, comparison.right) if comparison.op == ">=" else (comparison.right, comparison.left)
        derived = [Derived(column_name(side), f"{' + '.join(side)} when every term is filled, else null", _plus(side))
                   for side in (larger, smaller) if len(side) > 1]
        planned.append(_planned(
            rule, "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": column_name(larger), "column_B": column_name(smaller), "or_equal": True,
             "ignore_row_if": "either_value_is_missing"},
            {"items": list(comparison.left + comparison.right), "comparison": str(comparison),
             "left": list(comparison.left), "op": comparison.op, "right": list(comparison.right)},
            *derived))
    return planned


def plan_fgc106(spec: Spec) -> list[Planned]:
    """No service, but counts above 0."""
    condition = Condition.parse(spec.rule("FGC106").applies_to)
    count_cells = tuple(cell.id for cell in spec.input_cells if cell.kind == "count")
    name = f"counts_above_0__if_{condition.item}_{condition.value}"
    return [_planned("FGC106", "ExpectColumnValuesToBeBetween", {"column": name, "max_value": 0},
                     {"items": [condition.item], "condition": str(condition)},
                     Derived(name, f"how many counts are above 0 when {condition}, else null",
                             _counts_above_0_if(condition, count_cells)))]


def plan_fgc107(spec: Spec) -> list[Planned]:
    """A service but B1 is 0."""
    condition = Condition.parse(spec.rule("FGC107").applies_to)
    item_id = _items_in(spec.rule("FGC107").check)[0]
    name = f"{item_id}__if_{condition.item}_{condition.value}"
    return [_planned("FGC107", "ExpectColumnValuesToBeBetween", {"column": name, "min_value": 0, "strict_min": True},
                     {"items": [item_id, condition.item], "condition": str(condition)},
                     Derived(name, f"{item_id} when {condition}, else null", _value_if(item_id, condition)))]


def plan_fgc109(spec: Spec) -> list[Planned]:
    """Children per family."""
    limit = int(re.search(r"more than (\d+)", spec.rule("FGC109").check)[1])
    planned = []
    for numerator, denominator in spec.ratios("FGC109"):
        name = f"{numerator}__per__{denominator}"
        planned.append(_planned(
            "FGC109", "ExpectColumnValuesToBeBetween", {"column": name, "max_value": limit},
            {"items": [numerator, denominator], "limit": limit},
            Derived(name, f"{numerator} / {denominator} when {denominator} is above 0, else null",
                    _share(numerator, denominator))))
    return planned


def plan_fgc110(spec: Spec) -> list[Planned]:
    """Unknown holds more than half."""
    planned = []
    for item in spec.breakdowns:
        unknown = item.unknown_cell
        if unknown is None:
            continue
        name = f"{item.id}__unknown_share"
        planned.append(_planned(
            "FGC110", "ExpectColumnValuesToBeBetween", {"column": name, "max_value": UNKNOWN_SHARE_LIMIT},
            {"items": [item.id, unknown.id, item.total]},
            Derived(name, f"{unknown.id} / {item.total} when {item.total} is above 0, else null",
                    _share(unknown.id, item.total))))
    return planned


def plan_fgc111(spec: Spec) -> list[Planned]:
    """Figures for a stage at which FGCs were not offered."""
    match = re.fullmatch(r"(\w+) is (\w+) but (.+) is above 0", spec.rule("FGC111").check)
    condition = Condition(match[1], match[2])
    planned = []
    for item_id in _items_in(match[3]):
        name = f"{item_id}__if_{condition.item}_{condition.value}"
        planned.append(_planned(
            "FGC111", "ExpectColumnValuesToBeBetween", {"column": name, "max_value": 0},
            {"items": [item_id, condition.item], "condition": str(condition)},
            Derived(name, f"{item_id} when {condition}, else null", _value_if(item_id, condition))))
    return planned


def plan_fgc112(spec: Spec) -> list[Planned]:
    """Provider not named."""
    delivery, provider = _items_in(spec.rule("FGC112").applies_to)
    check = spec.rule("FGC112").check.casefold()
    codes = [choice.code for choice in spec.item(delivery).choices if choice.code.casefold() in check]
    name = f"{provider}__named__if_{delivery}_{'_'.join(codes)}"
    return [_planned("FGC112", "ExpectColumnValuesToBeBetween", {"column": name, "min_value": 1},
                     {"items": [provider, delivery], "condition": f"{delivery} in {', '.join(codes)}"},
                     Derived(name, f"1 if {provider} is filled, 0 if blank, when {delivery} is {' or '.join(codes)}; else null",
                             _named_if(provider, delivery, tuple(codes))))]


def plan_fgc114(spec: Spec) -> list[Planned]:
    """The FGDM duty's figures not provided."""
    total = _items_in(spec.rule("FGC114").applies_to)[0]
    parts = tuple(item for item in _items_in(spec.rule("FGC114").check) if item != total)
    name = f"{'_'.join(parts)}__filled__if_{total}_above_0"
    return [_planned("FGC114", "ExpectColumnValuesToBeBetween", {"column": name, "min_value": 1},
                     {"items": [*parts, total]},
                     Derived(name, f"how many of {', '.join(parts)} are filled, when {total} is above 0, else null",
                             _filled_if_total(parts, total)))]


@per_spec
def derived_columns(spec: Spec) -> tuple[Derived, ...]:
    seen: dict[str, Derived] = {}
    for planned in plan(spec):
        for derived in planned.derived:
            seen.setdefault(derived.name, derived)
    return tuple(seen.values())


# --- the suite as GX JSON ------------------------------------------------------------------------


def suite_name(spec: Spec) -> str:
    return f"fgc_{spec.year.replace('-', '_')}_aggregate.return_rules"


def suite_meta(spec: Spec) -> dict:
    return {
        "description": "FGC101-FGC112: consistency inside one return, generated from the spec",
        "spec": f"fgc_collect/spec/{AGGREGATE_SPEC_FILE}" if spec.year == BASE_YEAR else f"the {spec.year} spec",
        "regenerate": "python -m fgc_collect.validate write",
    }


@per_spec
def suite_dict(spec: Spec) -> dict:
    """The suite as GX serialises it, built from the spec at run time without importing GX: what
    validation runs, so a changed spec can never meet a stale suite. `build_suite_dict` builds the
    same through GX's classes (a test holds the two equal, and the committed file to both)."""
    def plain(value):
        return json.loads(json.dumps(value))

    expectations = [
        {"type": _snake(planned.expectation), "kwargs": plain(planned.kwargs), "meta": plain(planned.meta),
         "severity": GX_SEVERITY[spec.rule(planned.rule).severity]}
        for planned in plan(spec)
    ]
    return {"name": suite_name(spec), "id": None, "expectations": expectations, "meta": suite_meta(spec), "notes": None}


def _snake(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def build_suite_dict(spec: Spec | None = None) -> dict:
    """The suite, built through GX's own classes (so every argument is checked) and serialised."""
    spec = spec or load_spec()
    from fgc_collect.validate._gx import context, import_gx

    gx = import_gx()
    context()  # GX builds suites only inside a context

    expectations = [
        getattr(gx.expectations, planned.expectation)(
            **planned.kwargs,
            meta=planned.meta,
            severity=GX_SEVERITY[spec.rule(planned.rule).severity],
        )
        for planned in plan(spec)
    ]
    # Given to the constructor, not added one by one: add_expectation saves a suite whose name the
    # context already holds (and stamps ids on it), which the running validator's suite does.
    suite = gx.ExpectationSuite(name=suite_name(spec), expectations=expectations, meta=suite_meta(spec))
    data = suite.to_json_dict()
    data["meta"].pop("great_expectations_version", None)  # the JSON depends on the spec alone
    return data


def suite_json(spec: Spec | None = None) -> str:
    return json.dumps(build_suite_dict(spec), indent=2, ensure_ascii=False) + "\n"


def load_suite_dict(spec: Spec | None = None) -> dict:
    """The suite validation runs: built from the spec in force at run time (see suite_dict). The
    file committed in validations/ is the same suite for readers and GX users, kept equal by a test."""
    return suite_dict(spec or load_spec())


def write_suites(folder: Path | None = None) -> list[Path]:
    """Every year's suite, validations/fgc_<year>_aggregate.return_rules.json, from each year's spec."""
    from fgc_collect.spec import known_years

    folder = folder or VALIDATIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in known_years():
        spec = load_spec(year)
        path = folder / f"{suite_name(spec)}.json"
        path.write_text(suite_json(spec), encoding="utf-8")
        paths.append(path)
    return paths
