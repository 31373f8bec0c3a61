"""The summary report: one self-contained HTML page of the national picture (charts inline as
SVG, styles inline, no script, nothing fetched from the network), for anyone without a
spreadsheet program."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fgc_collect.aggregate.estimate import AUXILIARIES, AUXILIARY_LABELS, CAVEAT
from fgc_collect.aggregate.tables import COUNTRY_CODE, SYMBOLS, NationalTables, characteristic_rows

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 1040px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.9em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 2px solid #12436D; }
.lede { font-size: 1.15em; }
.figures { display: flex; flex-wrap: wrap; gap: .8em; padding: 0; list-style: none; }
.figures li { background: #f3f2f1; padding: .7em 1em; min-width: 11em; }
.figures strong { display: block; font-size: 1.6em; color: #12436D; }
table { border-collapse: collapse; margin: 1em 0; font-size: .92em; }
th, td { border-bottom: 1px solid #b1b4b6; padding: .3em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: bold; padding: .4em 0; }
figure { margin: 1.2em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9em; color: #505a5f; }
.notes li { margin-bottom: .4em; } .notes ul { margin-top: .3em; } .notes ul li { margin-bottom: .1em; }
"""


# The characteristics table's share columns, one per stage of STAGES (referral, consent, FGC held).
SHARE_HEADINGS = ("Share at referral", "Share at consent", "Share in FGCs held")


def _svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    return text


def _table(caption: str, headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(
            (f"<th scope=\"row\">{html.escape(str(c))}</th>" if i == 0 else f"<td>{html.escape(str(c))}</td>")
            for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(text: str) -> str:
    return text + "%" if re.fullmatch(r"-?\d+(\.\d+)?", text) else text


def _interval(low: str, high: str) -> str:
    """An interval as text, or its symbol (c, x, z) when it is not given."""
    return f"{low} to {high}" if re.fullmatch(r"-?\d+(\.\d+)?", low) else low


def _thousands(text: str) -> str:
    return f"{int(text):,}" if text.isdigit() else text


def render_summary(tables: NationalTables, charts: Path) -> str:
    spec = tables.spec
    value = tables.value
    cat = tables.catalogue
    labels = {count.column: count.label for count in cat.funnel}
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>{e(spec.title)}: national summary</title>",
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>{e(spec.title)}</h1>",
        f"<p class=\"lede\">The national picture of family group conference (FGC) referral, offer, consent and "
        f"take-up in England, 1 April {spec.period_start.year} to 31 March {spec.period_end.year}, from "
        f"{e(value('fgc_coverage', 'returns_used'))} of {e(value('fgc_coverage', 'las'))} local authorities "
        f"(home to {e(value('fgc_coverage', 'child_population_covered_pct'))}% of England's children).</p>",
        "<h2 id=\"key-figures\">Key figures for England</h2><ul class=\"figures\">",
    ]
    for col in ("families_referred", "families_offered", "families_consented", "fgcs_held", "children_referred"):
        parts.append(f"<li><strong>{e(_thousands(value('fgc_funnel', col)))}</strong>{e(labels[col])}</li>")
    for col, label in (("offer_rate", "offered an FGC (of families referred)"),
                       ("consent_rate", "consented (of families offered)"),
                       ("take_up_rate", "had an FGC (of families consenting)"),
                       ("overall_rate", "had an FGC (of families referred)")):
        parts.append(f"<li><strong>{e(_pct(value('fgc_funnel', col)))}</strong>{e(label)}</li>")
    parts.append(f"<li><strong>{e(value('fgc_funnel', 'children_referred_per_10000'))}</strong>children referred "
                 "per 10,000 children aged 0 to 17</li></ul>")

    parts += _change(tables)

    chart_text = {name: caption for name, _, caption in _charts()}
    parts.append("<h2 id=\"funnel\">The funnel</h2>")
    parts.append(_figure(charts, "funnel", chart_text))
    funnel = tables.frame("fgc_funnel")
    areas = funnel.filter(funnel["geographic_level"] != "Local authority")
    rows = [[area or "England", _thousands(ref), _pct(offer), _pct(consent), _pct(take), _pct(overall), per]
            for area, ref, offer, consent, take, overall, per in zip(
                areas["region_name"], areas["families_referred"], areas["offer_rate"], areas["consent_rate"],
                areas["take_up_rate"], areas["overall_rate"], areas["children_referred_per_10000"])]
    parts.append(_table("Families referred and the rates between stages, England and regions",
                        ["Area", "Families referred", "Offer rate", "Consent rate", "Take-up rate", "Overall rate",
                         "Children referred per 10,000"], rows))

    parts += _count_tables(tables)

    parts.append("<h2 id=\"who\">Who gets an FGC</h2>")
    parts.append("<p>The equity ratio is a group's share among children in FGCs held divided by its share among "
                 "children referred: below 1, the group is less likely to reach an FGC once referred.</p>")
    parts.append(_figure(charts, "characteristics", chart_text))
    rows = [[f"{label}: {row['item']}", *(_pct(row[f"{stage.column}_pct"]) for stage in cat.stages),
             row["equity_ratio"] + (" *" if row["equity_ratio_excludes_1"] == "Yes" else ""),
             _interval(row["equity_ratio_lower_95"], row["equity_ratio_upper_95"])]
            for label, found in characteristic_rows(tables) for row in found]
    parts.append(_table("Children referred, whose families consented, and in FGCs held, by characteristic, England",
                        ["Characteristic", *SHARE_HEADINGS, "Equity ratio", "95% interval"], rows))
    parts.append("<p>Shares are of the children whose category is known; Unknown (which includes LAs that did not "
                 "give the breakdown) is a share of all children and has no equity ratio. * marks an equity ratio "
                 "whose 95% interval excludes 1.</p>")

    parts.append("<h2 id=\"why-not\">Why not</h2>")
    parts.append(_figure(charts, "reasons", chart_text))
    parts.append("<h2 id=\"regions\">Regions</h2>")
    parts.append(_figure(charts, "regional_rates", chart_text))

    parts.append("<h2 id=\"estimates\">Estimated England totals</h2>")
    parts.append("<p>Estimates adjust for LAs whose figures are missing: a ratio estimator within regions, with "
                 f"{e(AUXILIARY_LABELS[tables.config.auxiliary])} as the auxiliary variable. The 95% interval "
                 "includes the error of predicting the missing LAs' figures. They are estimates, not counts; where "
                 "every LA's figure is known, the total is a count.</p>")
    rows = []
    for item in cat.estimated:
        col = cat.funnel_column(item)
        estimated = value("fgc_estimates", f"{col}_las_estimated")
        interval = ("a count: every LA's figure is known" if estimated == "0" else
                    f"{_thousands(value('fgc_estimates', f'{col}_lower_95'))} to "
                    f"{_thousands(value('fgc_estimates', f'{col}_upper_95'))}")
        rows.append([labels[col], _thousands(value("fgc_estimates", f"{col}_responding")), estimated,
                     _thousands(value("fgc_estimates", f"{col}_estimate")), interval,
                     *(_thousands(value("fgc_estimates", f"{col}_estimate_{name}")) for name in AUXILIARIES)])
    parts.append(_table("Totals of the LAs whose figures are known, and estimated England totals, with each "
                        "auxiliary variable side by side",
                        ["Measure", "Known LAs' total", "LAs estimated", "Estimated England total", "95% interval",
                         *(f"Estimate with {AUXILIARY_LABELS[name].split(' (')[0]}" for name in AUXILIARIES)], rows))
    parts.append(f"<p class=\"caveat\"><strong>Non-response.</strong> {e(CAVEAT)}</p>")

    parts.append("<h2 id=\"notes\">Coverage notes</h2><ol class=\"notes\">")
    for number, note in enumerate(tables.notes, start=1):
        points = "".join(f"<li>{e(point)}</li>" for point in note.points)
        parts.append(f"<li id=\"note-{number}\">{e(note.text)}{f'<ul>{points}</ul>' if points else ''}</li>")
    parts.append("</ol><h2 id=\"symbols\">Symbols</h2><ul>")
    parts += [f"<li><strong>{e(symbol)}</strong>: {e(meaning)}</li>" for symbol, meaning in SYMBOLS.items()]
    parts.append(f"</ul><p>Characteristics: {e(', '.join(c.label for c in cat.characteristics))}. "
                 f"England code {COUNTRY_CODE}.</p></main></body></html>")
    return "\n".join(parts) + "\n"


# The headline figures compared with the year before: (column, label, a rate?).
CHANGE_FIGURES = (("families_referred", "Families referred", False), ("families_offered", "Families offered an FGC", False),
                  ("families_consented", "Families who consented", False), ("fgcs_held", "Initial FGCs held (families)", False),
                  ("offer_rate", "Offer rate", True), ("consent_rate", "Consent rate", True),
                  ("take_up_rate", "Take-up rate", True), ("overall_rate", "Overall rate", True))


def _count_tables(tables: NationalTables) -> list[str]:
    """The spec's tables of counts and rates the year publishes (from 2024-25, the FGDM duty), for
    England and the regions, as in their open data file."""
    parts = []
    for table in tables.catalogue.tables:
        if table.name not in tables.frames:
            continue  # not collected this year
        frame = tables.frame(table.name)
        areas = frame.filter(frame["geographic_level"] != "Local authority")
        columns = [(count.column, count.label, _thousands) for count in table.counts]
        columns += [(rate.column, rate.label, _pct if rate.unit == "%" else str) for rate in table.rates]
        rows = [[area or "England", *(shown(value) for (_, _, shown), value in zip(columns, values))]
                for area, *values in zip(areas["region_name"], *(areas[column] for column, _, _ in columns))]
        parts.append(f"<h2 id=\"{html.escape(table.name)}\">{html.escape(table.title)}</h2>")
        parts.append(f"<p>{html.escape(table.description)}</p>")
        parts.append(_table(f"{table.title}, England and regions, {tables.year}",
                            ["Area", *(label for _, label, _ in columns)], rows))
        own = [number for number, note in enumerate(tables.notes, start=1) if note.tables == (table.name,)]
        if own:  # the notes about this table alone (which LAs its figures leave out)
            links = ", ".join(f'<a href="#note-{number}">{number}</a>' for number in own)
            parts.append(f"<p>Which LAs these figures cover: coverage note{'s' if len(own) > 1 else ''} {links}.</p>")
    return parts


def _figure_number(text: str) -> float | None:
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


def _change(tables: NationalTables) -> list[str]:
    """England's headline figures beside the previous year's, when it is published with these:
    counts with their change, rates with theirs in percentage points (a symbol where either is not given)."""
    previous = tables.previous()
    if previous is None:
        return []
    rows = []
    for column, label, rate in CHANGE_FIGURES:
        before, now = (held.value("fgc_funnel", column) for held in (previous, tables))
        a, b = _figure_number(before), _figure_number(now)
        if a is None or b is None:
            change = "not available"
        elif rate:
            change = f"{b - a:+.1f} percentage points"
        else:
            change = f"{int(b - a):+,}"
        show = _pct if rate else _thousands
        rows.append([label, show(before), show(now), change])
    return [f"<h2 id=\"change\">Change since {html.escape(previous.year)}</h2>",
            _table(f"England: {previous.year} and {tables.year}, and the change",
                   ["Figure", previous.year, tables.year, "Change"], rows),
            "<p>Each year's figures are from that year's returns; the LAs whose returns are used may differ "
            "between years (see the coverage notes).</p>"]


def _charts():
    from fgc_collect.publish.charts import CHARTS

    return CHARTS


def _figure(charts: Path, name: str, captions: dict[str, str]) -> str:
    caption = html.escape(captions[name])
    return (f"<figure role=\"img\" aria-label=\"{caption}\">{_svg(charts / f'{name}.svg')}"
            f"<figcaption>{caption} PNG: charts/{name}.png</figcaption></figure>")


def write_summary(tables: NationalTables, charts: Path, path: Path) -> Path:
    path.write_text(render_summary(tables, charts), encoding="utf-8")
    return path
