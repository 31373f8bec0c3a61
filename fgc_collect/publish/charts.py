"""Charts of the national picture, as PNG and SVG: the funnel, who is at each stage, why not, and
the regions' rates. Drawn from the published tables (so a suppressed figure is never drawn) with
matplotlib's Agg backend, no pyplot state, and fixed metadata and SVG ids, so the same tables
give the same files. Colours are the GSS accessible palette."""

from __future__ import annotations

from pathlib import Path

from fgc_collect.aggregate.tables import CHARACTERISTICS, COUNTRY_CODE, FUNNEL, STAGES, NationalTables

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
    from fgc_collect.aggregate.tables import REASONS

    labels = {col: label for _, col, label in FUNNEL}
    wanted = ("families_referred", "families_offered", "families_consented", "fgcs_held")
    data: dict = {"year": tables.spec.year}
    data["funnel"] = [(labels[c], _number(tables.value("fgc_funnel", c))) for c in wanted]
    who = tables.frame("fgc_characteristics")
    national = who.filter(who["geographic_level"] == "National")
    data["characteristics"] = []
    for _, type_label in CHARACTERISTICS:
        rows = national.filter((national["characteristic_type"] == type_label) & (national["characteristic"] != "Total"))
        data["characteristics"].append((type_label, list(rows["characteristic"]), [
            (label, [_number(v) for v in rows[f"{col}_pct"]]) for _, col, label in STAGES]))
    data["reasons"] = []
    for _, name, title, col, _ in REASONS:
        frame = tables.frame(name)
        column = frame.columns[-3]  # the filter: referral_source or reason
        rows = frame.filter((frame["geographic_level"] == "National") & (frame[column] != "Total"))
        data["reasons"].append((title, list(rows[column]), [_number(v) for v in rows[f"{col}_pct"]]))
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
    figure = _figure(10, 13, left=0.3, top=0.93, bottom=0.04, hspace=0.45)
    panels = figure.subplots(len(data["characteristics"]), 1)
    for axes, (type_label, categories, stages) in zip(panels, data["characteristics"]):
        height = 0.8 / len(stages)
        for number, (label, values) in enumerate(stages):
            positions = [len(categories) - 1 - i + (1 - number) * height for i in range(len(categories))]
            axes.barh(positions, [v or 0 for v in values], height=height, color=COLOURS[number],
                      label=label if axes is panels[0] else None)
            for position, value in zip(positions, values):
                if value is None:
                    axes.text(0.2, position, "c", va="center", fontsize=7)
        axes.set_yticks(range(len(categories))[::-1], categories, fontsize=8)
        axes.set_title(type_label, loc="left", fontsize=10)
        axes.set_xlabel("Percentage of children at the stage (c: suppressed)", fontsize=8)
        axes.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="upper right", fontsize=8, frameon=False, ncols=3)
    figure.suptitle(f"Children at referral, consent and FGC held, by characteristic, England, {data['year']}",
                    x=0.01, ha="left", fontsize=11)
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
     "Percentages of children by age, sex, ethnicity, disability and social care status at referral, consent and FGC held."),
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
