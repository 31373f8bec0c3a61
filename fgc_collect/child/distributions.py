"""The distribution checks of a child-level return, as a Great Expectations suite.

FGC110 ("the Unknown category holds more than half of the total") read at the rows: for every
breakdown of the aggregate return with an Unknown category, the share of the children (or
families) it counts whose category is Unknown. The suite runs on one frame, a row per child of a
referral and a column per breakdown (the unit's category, null when the unit is not counted
there: `derive.breakdown_frame`), so the figures are the derived return's own. Each issue names
the child-level column to look at, where the aggregate rule can name only the item; the aggregate
engine's FGC110 issues on a derived return are replaced by these (`validate.child_result`).

The suite validation runs is built from the return's own year's spec at run time (`suite_dict`),
so a changed spec never meets a stale suite; each year's is also committed for readers and GX
users as validations/fgc_child_level.json (2023-24) and fgc_child_level_<year>.json (a test keeps
them in step; `python -m fgc_collect.child write` regenerates them). GX is imported only
in the functions that build or run the suite, through the project's one GX context
(`fgc_collect.validate._gx`: analytics off before the import, ephemeral, no progress bars).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from fgc_collect.child.read import ChildReturn
from fgc_collect.child.spec import CHILD_SPEC_NAME, ChildSpec, load_child_spec
from fgc_collect.model import Issue

SUITE_NAME = CHILD_SPEC_NAME  # fgc_child_level
SUITE_FILE = f"{SUITE_NAME}.json"
DATA_SOURCE, ASSET, BATCH = "fgc_child_rows", "child_rows", "child-level rows"
RULE = "FGC110"


def validations_dir() -> Path:
    from fgc_collect.validate.suites import VALIDATIONS_DIR

    return VALIDATIONS_DIR


def _unknown_phrase(spec: ChildSpec, item, code: str) -> str:
    column = next(b.column for b in spec.breakdowns if b.item == item.id)
    if item.category_set == "AGE":
        return "have no birth_month (and are not unborn)"
    if item.category_set == "ETH":
        codes = [c for c, group in spec.ethnicity_groups.items() if group == code]
        return f"have ethnicity {' or '.join(codes)}, or none"
    child_labels = {c.code: c.label for c in spec.column(column).choices}
    label = child_labels.get(code) or next(c.label for c in item.rows if c.code == code)
    return f"have {column} {code} ({label}), or none"


def plan(spec: ChildSpec | None = None) -> list[dict]:
    """Every expectation of the suite (GX class name, kwargs, meta), from the spec."""
    from fgc_collect.validate.suites import UNKNOWN_SHARE_LIMIT

    spec = spec or load_child_spec()
    planned = []
    for breakdown in spec.breakdowns:
        item = spec.aggregate.item(breakdown.item)
        unknown = item.unknown_cell  # the category FGC110 reads, as the aggregate suite does
        if unknown is None:
            continue
        code = unknown.category.code
        planned.append({
            "expectation": "ExpectColumnValuesToNotBeInSet",
            "kwargs": {"column": item.id, "value_set": [code], "mostly": round(1 - UNKNOWN_SHARE_LIMIT, 6)},
            "meta": {
                "rule": RULE,
                "item": item.id,
                "unknown_cell": unknown.id,
                "total": item.total,
                "column": breakdown.column,
                "unit": breakdown.unit,
                "unknown": _unknown_phrase(spec, item, code),
            },
        })
    return planned


def suite_file(year: str) -> str:
    """fgc_child_level.json for 2023-24 (its name before years), fgc_child_level_2024_25.json after."""
    from fgc_collect.spec import BASE_YEAR

    return SUITE_FILE if year == BASE_YEAR else f"{SUITE_NAME}_{year.replace('-', '_')}.json"


def _meta(spec: ChildSpec) -> dict:
    from fgc_collect.spec import BASE_YEAR

    return {
        "description": "FGC110 at the rows of a child-level return (a breakdown's Unknown category "
                       "holding more than half of its children or families), generated from the spec",
        "spec": "fgc_collect/spec/fgc_child_level.yaml" if spec.year == BASE_YEAR else f"the {spec.year} child-level spec",
        "regenerate": "python -m fgc_collect.child write",
    }


def build_suite_dict(spec: ChildSpec | None = None) -> dict:
    """The suite, built through GX's own classes (every argument checked) and serialised."""
    from fgc_collect.validate._gx import context, import_gx

    spec = spec or load_child_spec()
    gx = import_gx()
    context()
    suite = gx.ExpectationSuite(name=SUITE_NAME, meta=_meta(spec))
    for planned in plan(spec):
        expectation_class = getattr(gx.expectations, planned["expectation"])
        suite.add_expectation(expectation_class(**planned["kwargs"], meta=planned["meta"], severity="warning"))
    data = suite.to_json_dict()
    data["meta"].pop("great_expectations_version", None)  # the JSON depends on the spec alone
    # GX gives ids once a suite of this name is in the context (after a run): never part of the file
    data["id"] = None
    for expectation in data["expectations"]:
        expectation.pop("id", None)
    return data


def suite_json(spec: ChildSpec | None = None) -> str:
    return json.dumps(build_suite_dict(spec), indent=2, ensure_ascii=False) + "\n"


def write_suite(folder: Path | None = None) -> list[Path]:
    """Every year's suite, from each year's own child-level spec."""
    from fgc_collect.spec import known_years

    folder = folder or validations_dir()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in known_years():
        path = folder / suite_file(year)
        path.write_text(suite_json(load_child_spec(year)), encoding="utf-8")
        paths.append(path)
    return paths


_suites: dict[int, tuple[ChildSpec, dict]] = {}


def suite_dict(spec: ChildSpec | None = None) -> dict:
    """The suite as GX serialises it, built from `spec` at run time without importing GX (what
    validation runs; build_suite_dict makes the same through GX's classes, held equal by a test)."""
    spec = spec or load_child_spec()
    if id(spec) not in _suites:
        expectations = [
            {"type": re.sub(r"(?<!^)(?=[A-Z])", "_", planned["expectation"]).lower(),
             "kwargs": json.loads(json.dumps(planned["kwargs"])), "meta": json.loads(json.dumps(planned["meta"])),
             "severity": "warning"}
            for planned in plan(spec)
        ]
        _suites[id(spec)] = (spec, {"name": SUITE_NAME, "id": None, "expectations": expectations,
                                    "meta": _meta(spec), "notes": None})
    return _suites[id(spec)][1]


def load_suite_dict(spec: ChildSpec | None = None) -> dict:
    """The suite validation runs: built from the spec at run time, never read from validations/."""
    return suite_dict(spec)


@cache
def _batch_definition():
    from fgc_collect.validate._gx import context

    return (context().data_sources.add_pandas(DATA_SOURCE).add_dataframe_asset(ASSET)
            .add_batch_definition_whole_dataframe(BATCH))


_gx_suites: dict[str, object] = {}


def _runtime(data: dict | None = None):
    """(batch definition, suite) in the project's GX context (the 2023-24 suite unless given), each
    suite made once per process (a year's is another suite, under a name of its own: the context
    refuses two of one name)."""
    from fgc_collect.validate._gx import context, import_gx

    gx = import_gx()
    key = json.dumps(data or suite_dict(), sort_keys=True)
    if key not in _gx_suites:
        copy = json.loads(key)
        copy["name"] = f"{copy['name']}.{len(_gx_suites)}"
        _gx_suites[key] = context().suites.add(gx.ExpectationSuite(**copy))
    return _batch_definition(), _gx_suites[key]


def covered_items(spec: ChildSpec | None = None) -> frozenset[str]:
    """The breakdowns (and their Unknown cells) whose FGC110 the suite reports at the rows."""
    metas = [expectation["meta"] for expectation in suite_dict(spec)["expectations"]]
    return frozenset(meta["item"] for meta in metas) | frozenset(meta["unknown_cell"] for meta in metas)


def distribution_issues(ret: ChildReturn, frame=None, engine: str = "gx") -> list[Issue]:
    """FGC110 warnings at the rows (see the module's docstring); engine "gx" or "polars"
    (`fgc_collect.validate.expectations`)."""
    import polars as pl

    from fgc_collect.child.derive import breakdown_frame
    from fgc_collect.validate.common import short_label
    from fgc_collect.validate.expectations import failed_expectations

    spec = ret.spec
    suite = suite_dict(spec)
    columns = [expectation["kwargs"]["column"] for expectation in suite["expectations"]]
    frame = breakdown_frame(ret) if frame is None else frame
    if frame.height == 0:
        return []
    failed = failed_expectations(
        suite, frame.select(pl.col(columns)), engine, "the child-level distribution suite",
        rows=False, gx_runtime=lambda: _runtime(suite),
    )
    issues = []
    for failure in failed:
        meta = failure.meta
        counted = failure.element_count - failure.missing_count
        unknown = failure.unexpected_count
        share = round(100 * unknown / counted) if counted else 0
        unit = "children" if meta["unit"] == "children" else "families"
        population = short_label(meta["total"], spec.aggregate)
        column = meta["column"]
        issues.append(Issue(
            rule=RULE,
            severity=spec.rule(RULE).severity,
            message=(f"{unknown:,} of the {counted:,} {unit} counted in {meta['total']} ({population}) {meta['unknown']}: "
                     f"{share}%, more than half, so {meta['unknown_cell']} holds most of {meta['item']}. Check whether "
                     f"column {column} "
                     "can be filled in from your records."),
            item=meta["unknown_cell"],  # as the aggregate engine names FGC110: the Unknown category
            sheet=ret.sheet,
            cell=ret.cell(None, column),
            value=unknown,
        ))
    return issues


