"""outputs/ holds the demo's published tables as the worked example; they must be what a fresh
run of publish_demo writes (regenerate: PYTHONPATH=. python -c "from fgc_collect.publish import
publish_demo; publish_demo('outputs')")."""

from __future__ import annotations

import re
from pathlib import Path

from fgc_collect.publish import CHARTS_FOLDER, MANIFEST_NAME, NOTES_NAME, SUMMARY_NAME, WORKBOOK_NAME

COMMITTED = Path(__file__).resolve().parents[2] / "outputs"


def test_committed_outputs_match_a_fresh_run(demo_publication):
    fresh, _ = demo_publication
    names = sorted(p.name for p in fresh.glob("*.csv"))
    assert names == sorted(p.name for p in COMMITTED.glob("*.csv"))
    for name in [*names, MANIFEST_NAME, NOTES_NAME, WORKBOOK_NAME]:
        assert (COMMITTED / name).read_bytes() == (fresh / name).read_bytes(), (
            f"outputs/{name} is out of date: regenerate it with publish_demo('outputs')")


def strip_svg(page: str) -> str:
    return re.sub(r"<svg.*?</svg>", "<svg/>", page, flags=re.S)


def test_committed_summary_and_charts_are_in_step(demo_publication):
    # Chart bytes depend on the matplotlib version, so the page is compared without them.
    fresh, _ = demo_publication
    assert strip_svg((COMMITTED / SUMMARY_NAME).read_text()) == strip_svg((fresh / SUMMARY_NAME).read_text())
    for chart in sorted((fresh / CHARTS_FOLDER).iterdir()):
        assert (COMMITTED / CHARTS_FOLDER / chart.name).stat().st_size > 5000, chart.name


def test_demo_england_figures_add_up_from_the_used_returns(demo_publication):
    _, tables = demo_publication
    used = [r for r in tables.inputs.used if r.service == "Y"]
    assert tables.value("fgc_funnel", "families_referred") == str(sum(r.figure("B1") for r in used))
    assert tables.value("fgc_funnel", "fgcs_held") == str(sum(r.figure("D1") for r in used))
    assert len(tables.inputs.used) == 144 and tables.protection.audit.passed
