"""The demo's synthetic returns published without the files and the register in between (the fast
path the publication tests use). outputs/ itself is what `fgc-collect demo` publishes: see
tests/test_demo.py."""

from __future__ import annotations

def test_demo_england_figures_add_up_from_the_used_returns(demo_publication):
    _, tables = demo_publication
    used = [r for r in tables.inputs.used if r.service == "Y"]
    assert tables.value("fgc_funnel", "families_referred") == str(sum(r.figure("B1") for r in used))
    assert tables.value("fgc_funnel", "fgcs_held") == str(sum(r.figure("D1") for r in used))
    assert len(tables.inputs.used) == 144 and tables.protection.audit.passed
