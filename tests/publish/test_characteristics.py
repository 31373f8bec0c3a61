"""Who gets an FGC in the demo's publication: a small LA that left a breakdown blank does not wipe
out England's figures, and the chart and summary show the equity ratios with their intervals."""

from __future__ import annotations

import csv
import re

from fgc_collect.reference import find_la_by_name
from fgc_collect.spec import load_spec

ETHNIC_GROUPS = ("White", "Mixed / Multiple ethnic groups", "Asian / Asian British",
                 "Black / African / Caribbean / Black British", "Other ethnic group", "Unknown")
NUMBER = re.compile(r"\d+(\.\d+)?")


def test_rutland_leaving_ethnicity_at_consent_blank_does_not_wipe_out_england(demo_publication):
    folder, tables = demo_publication
    rutland = find_la_by_name("Rutland")
    record = tables.inputs.by_code[rutland.code]
    assert 1 <= record.figure("C3") <= 5  # a count the tables suppress
    assert all(record.figure(cell.id) is None for cell in load_spec().item("C6").cells)
    value = tables.value
    # England's children consented, in the funnel and as the table's Total, and by ethnicity.
    consented = value("fgc_funnel", "children_consented")
    assert NUMBER.fullmatch(consented) and value("fgc_characteristics", "children_consented") == consented
    for group in ETHNIC_GROUPS:
        for column in ("children_consented", "children_consented_pct"):
            assert NUMBER.fullmatch(value("fgc_characteristics", column, ethnicity_major=group)), (group, column)
    # Rutland is not covered for ethnicity: one LA fewer than for sex, its 5 children among Unknown.
    covered = int(value("fgc_characteristics", "las_covered", sex="Male"))
    assert value("fgc_characteristics", "las_covered", ethnicity_major="White") == str(covered - 1)
    assert value("fgc_characteristics", "children_consented", rutland.code, ethnicity_major="White") == "x"
    # Its children are still protected, and no England figure anywhere is suppressed.
    assert value("fgc_funnel", "children_consented", rutland.code) == "c"
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("geographic_level") == "National":
                    assert "c" not in row.values(), (path.name, row)


def test_england_equity_ratios_have_intervals(demo_publication):
    _, tables = demo_publication
    value = tables.value
    for group in ETHNIC_GROUPS[:-1]:
        ratio, low, high = (float(value("fgc_characteristics", column, ethnicity_major=group))
                            for column in ("equity_ratio", "equity_ratio_lower_95", "equity_ratio_upper_95"))
        assert low <= ratio <= high
        marker = value("fgc_characteristics", "equity_ratio_excludes_1", ethnicity_major=group)
        assert marker == ("Yes" if low > 1 or high < 1 else "No")
    assert value("fgc_characteristics", "equity_ratio", ethnicity_major="Unknown") == "z"


def test_summary_shows_the_equity_ratios_with_their_intervals(demo_publication):
    folder, tables = demo_publication
    page = (folder / "summary.html").read_text(encoding="utf-8")
    value = tables.value
    black = {"ethnicity_major": "Black / African / Caribbean / Black British"}
    ratio = value("fgc_characteristics", "equity_ratio", **black)
    low, high = (value("fgc_characteristics", c, **black) for c in ("equity_ratio_lower_95", "equity_ratio_upper_95"))
    marker = " *" if value("fgc_characteristics", "equity_ratio_excludes_1", **black) == "Yes" else ""
    assert (f"<th scope=\"row\">Ethnicity: Black / African / Caribbean / Black British</th>"
            f"<td>{value('fgc_characteristics', 'children_referred_pct', **black)}%</td>"
            f"<td>{value('fgc_characteristics', 'children_consented_pct', **black)}%</td>"
            f"<td>{value('fgc_characteristics', 'children_in_fgcs_held_pct', **black)}%</td>"
            f"<td>{ratio}{marker}</td><td>{low} to {high}</td>") in page
    assert "Ethnicity (unknown or not provided: " in page  # the chart's panel title
