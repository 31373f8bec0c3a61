"""FGC101-FGC114: consistency inside one return, an expectation suite run by Great Expectations
(or evaluated with polars: `expectations.py`).

All returns of a batch are one wide frame (one row per return), validated once against the suite
from `validations/` (so GX's fixed costs are paid once per batch, not per return). Each failed
expectation's unexpected rows (result_format COMPLETE, unexpected_index_list) are mapped back to
their returns, and the message is written from the return's own figures by the rule's renderer
(below; the registry names each rule's renderer).
"""

from __future__ import annotations


from fgc_collect.model import Issue
from fgc_collect.spec import Spec
from fgc_collect.validate import messages
from fgc_collect.validate.common import ReturnView, make_issue
from fgc_collect.validate.suites import derived_columns


def wide_frame(views: list[ReturnView], columns: list[str] | None = None):
    """One row per return (row position = position in the batch): the items' usable values (null
    when blank or invalid at cell level) and the suite's helper columns. Only the columns the suite
    reads, by default: GX scans every column's name for every metric, so each unused column costs
    time."""
    import polars as pl

    spec = views[0].spec
    derived = {d.name: d for d in derived_columns(spec)}
    columns = columns if columns is not None else suite_columns(spec)
    data = []
    for name in columns:
        if name in derived:
            values = [derived[name].compute(view) for view in views]
        else:
            values = [view.value(name) for view in views]
        numeric = name in derived or spec.input_cell(name).kind in ("count", "decimal")
        data.append(pl.Series(name, values, dtype=pl.Float64 if numeric else pl.String, strict=False))
    return pl.DataFrame(data, height=len(views))


def suite_columns(spec: Spec | None = None) -> list[str]:
    """Every column the return-rules suite reads, in order of first use."""
    from fgc_collect.validate.suites import load_suite_dict

    columns: dict[str, None] = {}
    for expectation in load_suite_dict(spec)["expectations"]:
        for key in ("column", "column_A", "column_B"):
            if key in expectation["kwargs"]:
                columns[expectation["kwargs"][key]] = None
    return list(columns)


def run_suite(frame, engine: str = "gx", spec: Spec | None = None) -> list[tuple[dict, list[int]]]:
    """(expectation meta, positions of the rows that failed it) for every failed expectation of
    the spec's suite (built from the spec at run time)."""
    from fgc_collect.validate._gx import runtime
    from fgc_collect.validate.expectations import failed_expectations
    from fgc_collect.validate.suites import load_suite_dict

    suite = load_suite_dict(spec)
    failures = failed_expectations(
        suite, frame, engine, "a return-rules expectation", gx_runtime=lambda: runtime(suite),
    )
    return [(failure.meta, list(failure.unexpected_rows)) for failure in failures]


def return_rule_issues(views: list[ReturnView], engine: str = "gx") -> list[tuple[int, Issue]]:
    if not views:
        return []
    found = []
    for meta, rows in run_suite(wide_frame(views), engine, views[0].spec):
        for row in rows:
            view = views[row]
            found.append((view.index, render(view.spec, meta, view)))
    return found


def _figure(view: ReturnView, item_id: str) -> float:
    value = view.value(item_id)
    assert isinstance(value, float), (item_id, value)
    return value


def render(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    """The issue for one failed expectation on one return, written from the return's figures by
    its rule's renderer in the registry (a comparison a survey file adds: render_comparison)."""
    from fgc_collect.validate.registry import REGISTRY

    entry = REGISTRY.get(meta["rule"])
    renderer = entry.render if entry and entry.render else render_comparison if "comparison" in meta else None
    if renderer is None:  # pragma: no cover - the suite holds only rules with a renderer
        raise ValueError(f"no message for {meta['rule']}")
    return renderer(spec, meta, view)


def _cell_of(view: ReturnView, item_id: str) -> str | None:
    location = view.location(item_id)
    return location.cell if location else None


# --- one renderer per return-scope rule (the registry's `render`) ---------------------------------


def render_fgc101(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    breakdown, total = meta["items"]
    figures = [_figure(view, cell.id) for cell in spec.item(breakdown).cells]
    added = sum(figures)
    message = messages.fgc101(breakdown, _cell_of(view, breakdown), total, added, _figure(view, total))
    return make_issue(spec, "FGC101", view, breakdown, message, added)


def render_fgc102(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    breakdown, total = meta["items"]
    message = messages.fgc102(breakdown, _cell_of(view, breakdown), total, _figure(view, total))
    return make_issue(spec, "FGC102", view, breakdown, message, None)


def render_fgc103(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    (breakdown,) = meta["items"]
    blank = [cell for cell in spec.item(breakdown).cells if view.value(cell.id) is None]
    message = messages.fgc103(breakdown, [(cell.category.label, _cell_of(view, cell.id)) for cell in blank])
    # shown at the first blank category: that is where the council has something to enter
    return make_issue(spec, "FGC103", view, breakdown, message, None, at=blank[0].id)


def render_comparison(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    """FGC104, FGC105, FGC108, FGC113 and any rule comparing counts."""
    rule = meta["rule"]
    left, right = tuple(meta["left"]), tuple(meta["right"])
    figures = {item_id: _figure(view, item_id) for item_id in left + right}
    message = messages.comparison(rule, _cell_of(view, left[0]), left, meta["op"], right, figures,
                                  spec.rule(rule).severity)
    return make_issue(spec, rule, view, left[0], message, sum(figures[item_id] for item_id in left))


def render_fgc106(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    (item_id,) = meta["items"]
    above = []
    for cell in spec.input_cells:
        value = view.value(cell.id)
        if cell.kind == "count" and isinstance(value, float) and value > 0:
            above.append((cell.id, value))
    above.sort(key=lambda pair: spec.input_cell(pair[0]).item.is_breakdown)  # the main counts first
    message = messages.fgc106(_cell_of(view, item_id), above)
    return make_issue(spec, "FGC106", view, item_id, message, view.raw(item_id))


def render_fgc107(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    item_id = meta["items"][0]
    return make_issue(spec, "FGC107", view, item_id, messages.fgc107(_cell_of(view, item_id)), 0)


def render_fgc109(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    numerator, denominator = meta["items"]
    num, den = _figure(view, numerator), _figure(view, denominator)
    message = messages.fgc109(numerator, denominator, _cell_of(view, numerator), num, den)
    return make_issue(spec, "FGC109", view, numerator, message, num)


def render_fgc110(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    breakdown, unknown, total = meta["items"]
    value = _figure(view, unknown)
    message = messages.fgc110(breakdown, unknown, _cell_of(view, unknown), value, total, _figure(view, total))
    return make_issue(spec, "FGC110", view, unknown, message, value)


def render_fgc111(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    item_id = meta["items"][0]
    value = _figure(view, item_id)
    return make_issue(spec, "FGC111", view, item_id, messages.fgc111(item_id, _cell_of(view, item_id), value), value)


def render_fgc112(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    provider, delivery = meta["items"]
    code = view.value(delivery)
    label = next(choice.label for choice in spec.item(delivery).choices if choice.code == code)
    return make_issue(spec, "FGC112", view, provider, messages.fgc112(_cell_of(view, provider), label), None)


def render_fgc114(spec: Spec, meta: dict, view: ReturnView) -> Issue:
    *parts, total = meta["items"]
    figure = _figure(view, total)
    message = messages.fgc114(_cell_of(view, parts[0]), parts, total, figure)
    return make_issue(spec, "FGC114", view, parts[0], message, None)
