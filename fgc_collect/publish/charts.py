"""Charts of the national picture, as PNG and SVG: the funnel, who is at each stage, why not, and
the regions' rates. Drawn from the published tables (so a suppressed figure is never drawn) with
matplotlib's Agg backend, no pyplot state, and fixed metadata and SVG ids, so the same tables
give the same files. Colours are the GSS accessible palette."""

from __future__ import annotations

from pathlib import Path

from fgc_collect.aggregate.tables import COUNTRY_CODE, NationalTables, characteristic_rows

COLOURS = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _figure(width: float, height: float, left: float = 0.3, top: float = 0.88, bottom: float = 0.12,
            hspace: float = 0.2):
    # Fixed margins, not a layout engine: same look, a fraction of the time.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    figure.subplots_adjust(left=left, right=0.96, top=top, bottom=bottom, hspace=hspace, wspace=0.6)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, folder: Path, name: str) -> list[Path]:
    import matplotlib

    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "fgc-collect", "svg.fonttype": "none"}):
        svg = folder / f"{name}.svg"
        figure.savefig(svg, format="svg", metadata=SVG_METADATA)
        png = folder / f"{name}.png"
        figure.savefig(png, format="png", metadata=PNG_METADATA)
        paths += [png, svg]
    return paths


def _bars(axes, labels, values, colour, decimals: int = 0, unit: str = "") -> None:
    """Horizontal bars, top to bottom in the given order, each labelled with its value (or c) to
    the given decimals; unit "%" only for percentages (a rate per 100 or per 10,000 has none)."""
    positions = list(range(len(labels)))[::-1]
    shown = [v if v is not None else 0 for v in values]
    axes.barh(positions, shown, color=colour)
    axes.set_yticks(positions, labels)
    top = max(shown, default=0) or 1
    for position, value in zip(positions, values):
        text = "c (suppressed)" if value is None else f"{value:,.{decimals}f}{unit}"
        axes.text((value or 0) + top * 0.01, position, text, va="center", fontsize=8)
    axes.set_xlim(0, top * 1.2)
    axes.spines[["top", "right"]].set_visible(False)


def chart_data(tables: NationalTables) -> dict:
    """Everything the charts show, as plain lists and text (the drawing needs nothing else)."""
    cat = tables.catalogue
    labels = {count.column: count.label for count in cat.funnel}
    stages = [(stage.column, stage.label) for stage in cat.stages]
    wanted = ("families_referred", "families_offered", "families_consented", "fgcs_held")
    data: dict = {"year": tables.spec.year}
    data["funnel"] = [(labels[c], _number(tables.value("fgc_funnel", c))) for c in wanted]
    data["characteristics"] = []
    for type_label, rows in characteristic_rows(tables):
        known, unknown = rows[:-1], rows[-1]
        data["characteristics"].append({
            "label": type_label,
            "categories": [row["item"] for row in known],
            "stages": [(label, [_number(row[f"{col}_pct"]) for row in known]) for col, label in stages],
            "unknown": unknown[f"{stages[0][0]}_pct"],
            "equity": [tuple(_number(row[c]) for c in ("equity_ratio", "equity_ratio_lower_95", "equity_ratio_upper_95"))
                       + (row["equity_ratio_excludes_1"] == "Yes", row["equity_ratio"]) for row in known],
        })
    data["reasons"] = []
    for reason in cat.reasons:
        frame = tables.frame(reason.table)
        column = reason.filter
        rows = frame.filter((frame["geographic_level"] == "National") & (frame[column] != "Total"))
        data["reasons"].append((reason.title, list(rows[column]), [_number(v) for v in rows[f"{reason.column}_pct"]]))
    funnel = tables.frame("fgc_funnel")
    regions = funnel.filter(funnel["geographic_level"] == "Regional")
    data["regions"] = list(regions["region_name"])
    data["per_10000"] = [_number(v) for v in regions["children_referred_per_10000"]]
    data["overall_rate"] = [_number(v) for v in regions["overall_rate"]]
    data["england_per_10000"] = tables.value("fgc_funnel", "children_referred_per_10000", COUNTRY_CODE)
    return data


def funnel_chart(data: dict, folder: Path) -> list[Path]:
    figure = _figure(8, 3.2, left=0.3, top=0.85, bottom=0.18)
    axes = figure.add_subplot()
    _bars(axes, [label for label, _ in data["funnel"]], [value for _, value in data["funnel"]], COLOURS[0])
    axes.set_title(f"Families at each stage of the FGC funnel, England, {data['year']}", loc="left", fontsize=11)
    axes.set_xlabel("Families (LAs whose returns are used)")
    return _save(figure, folder, "funnel")


def characteristics_chart(data: dict, folder: Path) -> list[Path]:
    panels = data["characteristics"]
    figure = _figure(12, 15, left=0.22, top=0.92, bottom=0.04, hspace=0.5)
    grid = figure.add_gridspec(len(panels), 2, width_ratios=(3, 1.3), wspace=0.08)
    for number, panel in enumerate(panels):
        shares, ratios = figure.add_subplot(grid[number, 0]), figure.add_subplot(grid[number, 1])
        categories = panel["categories"]
        height = 0.8 / len(panel["stages"])
        for stage, (label, values) in enumerate(panel["stages"]):
            positions = [len(categories) - 1 - i + (1 - stage) * height for i in range(len(categories))]
            shares.barh(positions, [v or 0 for v in values], height=height, color=COLOURS[stage],
                        label=label if number == 0 else None)
            for position, value in zip(positions, values):
                if value is None:
                    shares.text(0.2, position, "c", va="center", fontsize=7)
        shares.set_yticks(range(len(categories))[::-1], categories, fontsize=8)
        unknown = panel["unknown"]
        shares.set_title(f"{panel['label']} (unknown or not provided: {unknown}{'%' if _number(unknown) is not None else ''}"
                         " of children referred)", loc="left", fontsize=10)
        shares.set_xlabel("Percentage of the children at the stage whose category is known (c: suppressed)", fontsize=8)
        # The equity ratio with its 95% interval; filled where the interval excludes 1.
        ratios.axvline(1, color=COLOURS[4], linewidth=0.8, linestyle="--")
        for i, (ratio, low, high, excludes, text) in enumerate(panel["equity"]):
            position = len(categories) - 1 - i
            if ratio is None:  # c, x or z
                ratios.text(1, position, text, va="center", ha="center", fontsize=7)
                continue
            if low is not None and high is not None:
                ratios.plot([low, high], [position, position], color=COLOURS[2], linewidth=1.5)
            ratios.plot([ratio], [position], marker="o", markersize=5, color=COLOURS[2],
                        markerfacecolor=COLOURS[2] if excludes else "white")
        ratios.set_yticks(range(len(categories))[::-1], [""] * len(categories))
        ratios.set_ylim(-0.6, len(categories) - 0.4)
        ratios.set_xlabel("Equity ratio (95% interval)", fontsize=8)
        ratios.tick_params(axis="x", labelsize=7)
        for axes in (shares, ratios):
            axes.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="upper left", bbox_to_anchor=(0.01, 0.965), fontsize=8, frameon=False, ncols=3)
    figure.suptitle(f"Children at referral, consent and FGC held, by characteristic, and the equity ratio, England, "
                    f"{data['year']}", x=0.01, y=0.99, ha="left", fontsize=11)
    figure.text(0.01, 0.943, "Equity ratio: percentage among children in FGCs held / percentage among children "
                "referred; below 1, the group is less likely to reach an FGC. Filled: its 95% interval excludes 1.",
                fontsize=8)
    return _save(figure, folder, "characteristics")


def reasons_chart(data: dict, folder: Path) -> list[Path]:
    figure = _figure(10, 10, left=0.42, top=0.93, bottom=0.04, hspace=0.35)
    panels = figure.subplots(len(data["reasons"]), 1)
    for number, (axes, (title, categories, values)) in enumerate(zip(panels, data["reasons"])):
        _bars(axes, categories, values, COLOURS[number], 1, "%")
        axes.set_title(title, loc="left", fontsize=10)
        axes.tick_params(axis="y", labelsize=8)
    figure.suptitle(f"Referral sources and why FGCs did not happen, England, {data['year']} (percentages)",
                    x=0.01, ha="left", fontsize=11)
    return _save(figure, folder, "reasons")


def regional_chart(data: dict, folder: Path) -> list[Path]:
    figure = _figure(10, 4.5, left=0.19, top=0.82, bottom=0.08)
    left, right = figure.subplots(1, 2)
    _bars(left, data["regions"], data["per_10000"], COLOURS[0], 1)
    left.set_title("Children referred per 10,000 children aged 0 to 17", loc="left", fontsize=10)
    _bars(right, data["regions"], data["overall_rate"], COLOURS[1], 1)
    right.set_title("FGCs held per 100 families referred", loc="left", fontsize=10)
    for axes in (left, right):
        axes.tick_params(axis="y", labelsize=8)
    figure.suptitle(f"FGC rates by region, {data['year']} (England: {data['england_per_10000']} per 10,000)",
                    x=0.01, ha="left", fontsize=11)
    return _save(figure, folder, "regional_rates")


CHARTS = (
    ("funnel", funnel_chart, "Families referred, offered an FGC, consenting, and at an FGC held, England."),
    ("characteristics", characteristics_chart,
     "Percentages of children by age, sex, ethnicity, disability and social care status at referral, consent and FGC "
     "held (of those whose category is known), and the equity ratio with its 95% interval."),
    ("reasons", reasons_chart, "Who referred families, why families declined, and why consented FGCs did not happen."),
    ("regional_rates", regional_chart, "Children referred per 10,000 children, and FGCs held per 100 families referred, by region."),
)


def draw_charts(data: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for _, draw, _ in CHARTS:
        paths += draw(data, folder)
    return paths


def write_charts(tables: NationalTables, folder: Path) -> list[Path]:
    return draw_charts(chart_data(tables), folder)
