"""FGC101-FGC112: consistency inside one return, an expectation suite run by Great Expectations
(or evaluated with polars: `expectations.py`).

All returns of a batch are one wide frame (one row per return), validated once against the suite
from `validations/` (so GX's fixed costs are paid once per batch, not per return). Each failed
expectation's unexpected rows (result_format COMPLETE, unexpected_index_list) are mapped back to
their returns, and the message is written here from the return's own figures.
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
    """The issue for one failed expectation on one return, written from the return's figures."""
    rule = meta["rule"]
    items = meta["items"]

    def cell_of(item_id: str) -> str | None:
        location = view.location(item_id)
        return location.cell if location else None

    if rule == "FGC101":
        breakdown, total = items
        figures = [_figure(view, cell.id) for cell in spec.item(breakdown).cells]
        added = sum(figures)
        message = messages.fgc101(breakdown, cell_of(breakdown), total, added, _figure(view, total))
        return make_issue(spec, rule, view, breakdown, message, added)
    if rule == "FGC102":
        breakdown, total = items
        message = messages.fgc102(breakdown, cell_of(breakdown), total, _figure(view, total))
        return make_issue(spec, rule, view, breakdown, message, None)
    if rule == "FGC103":
        (breakdown,) = items
        blank = [cell for cell in spec.item(breakdown).cells if view.value(cell.id) is None]
        message = messages.fgc103(breakdown, [(cell.category.label, cell_of(cell.id)) for cell in blank])
        # shown at the first blank category: that is where the council has something to enter
        return make_issue(spec, rule, view, breakdown, message, None, at=blank[0].id)
    if "comparison" in meta:  # FGC104, FGC105, FGC108, and any rule comparing counts
        left, right = tuple(meta["left"]), tuple(meta["right"])
        figures = {item_id: _figure(view, item_id) for item_id in left + right}
        message = messages.comparison(rule, cell_of(left[0]), left, meta["op"], right, figures,
                                      spec.rule(rule).severity)
        return make_issue(spec, rule, view, left[0], message, sum(figures[item_id] for item_id in left))
    if rule == "FGC106":
        (item_id,) = items
        above = []
        for cell in spec.input_cells:
            value = view.value(cell.id)
            if cell.kind == "count" and isinstance(value, float) and value > 0:
                above.append((cell.id, value))
        above.sort(key=lambda pair: spec.input_cell(pair[0]).item.is_breakdown)  # the main counts first
        message = messages.fgc106(cell_of(item_id), above)
        return make_issue(spec, rule, view, item_id, message, view.raw(item_id))
    if rule == "FGC107":
        item_id = items[0]
        return make_issue(spec, rule, view, item_id, messages.fgc107(cell_of(item_id)), 0)
    if rule == "FGC109":
        numerator, denominator = items
        num, den = _figure(view, numerator), _figure(view, denominator)
        message = messages.fgc109(numerator, denominator, cell_of(numerator), num, den)
        return make_issue(spec, rule, view, numerator, message, num)
    if rule == "FGC110":
        breakdown, unknown, total = items
        value = _figure(view, unknown)
        message = messages.fgc110(breakdown, unknown, cell_of(unknown), value, total, _figure(view, total))
        return make_issue(spec, rule, view, unknown, message, value)
    if rule == "FGC111":
        item_id = items[0]
        value = _figure(view, item_id)
        return make_issue(spec, rule, view, item_id, messages.fgc111(item_id, cell_of(item_id), value), value)
    if rule == "FGC112":
        provider, delivery = items
        code = view.value(delivery)
        label = next(choice.label for choice in spec.item(delivery).choices if choice.code == code)
        return make_issue(spec, rule, view, provider, messages.fgc112(cell_of(provider), label), None)
    if rule == "FGC114":
        *parts, total = items
        figure = _figure(view, total)
        return make_issue(spec, rule, view, parts[0], messages.fgc114(cell_of(parts[0]), parts, total, figure), None)
    raise ValueError(f"no message for {rule}")  # pragma: no cover - the suite holds only these rules
