"""The demo's child-level LAs: returns written as councils send them, and their seeded mistakes found."""

from __future__ import annotations

import numpy as np

from fgc_collect.child.demo import write_demo_child_return
from fgc_collect.child.read import read_child_return
from fgc_collect.child.validate import validate_batch
from fgc_collect.reference import find_la


def test_demo_returns_in_both_formats_are_valid_and_seeded_mistakes_are_found(tmp_path):
    rng = np.random.default_rng(11)
    hartlepool, york = find_la("E06000001"), find_la("E06000014")
    clean_path, none_seeded = write_demo_child_return(tmp_path, hartlepool, rng, "xlsx")
    seeded_path, seeded = write_demo_child_return(tmp_path, york, rng, "csv", mistakes=True)
    assert clean_path.suffix == ".xlsx" and seeded_path.suffix == ".csv" and none_seeded == []
    clean, mistaken = validate_batch([read_child_return(clean_path), read_child_return(seeded_path)])
    assert clean.status in ("valid", "warnings"), [i.message for i in clean.issues if i.severity == "error"]
    assert clean.la_code == "E06000001" and clean.template_version == "2023-24.child.1"
    assert [(m.rule, m.item) for m in seeded] == [("FGC302", "consent_date"), ("FGC305", "consent_date"),
                                                  ("FGC311", "child_id")]
    for mistake in seeded:
        assert any(i.rule == mistake.rule and i.item == mistake.item for i in mistaken.issues), mistake
