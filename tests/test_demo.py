"""`fgc-collect demo` end to end: the pipeline on 153 synthetic returns, run once for the module."""

import json
from pathlib import Path

import pytest

from fgc_collect.demo import run_demo
from fgc_collect.demo.synthetic import demo_returns
from fgc_collect.pipeline import validate_files
from fgc_collect.read import read_return


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    code = run_demo(out, echo=lines.append)
    return out, code, "\n".join(lines)


def test_demo_finishes_and_reports_every_seeded_mistake(demo):
    out, code, text = demo
    assert code == 0, text
    _, seeded = demo_returns()
    assert f"Seeded mistakes reported with the right rule and item: {len(seeded)} of {len(seeded)}." in text


def test_each_seeded_mistake_is_named_at_the_cell_the_council_sees(demo):
    out, _, _ = demo
    returns, seeded = demo_returns()
    file_of = {ret.la.code: out / "returns" / ret.file_name for ret in returns}
    for mistake in seeded:
        path = file_of[mistake.la_code]
        (result,) = validate_files([path])
        location = read_return(path).location(mistake.cell_item)
        matching = [i for i in result.issues if i.rule == mistake.rule and i.item == mistake.item]
        assert matching, (mistake, result.issues)
        assert (matching[0].sheet, matching[0].cell) == (location.sheet, location.cell), mistake


def test_demo_writes_feedback_register_and_published_tables(demo):
    out, _, text = demo
    assert (out / "feedback" / "index.html").is_file()
    assert len(list((out / "feedback").glob("*_feedback.xlsx"))) >= 140
    assert (out / "store").is_dir()
    funnel = (out / "published" / "fgc_funnel.csv").read_text(encoding="utf-8")
    assert funnel.startswith("time_period,time_identifier,geographic_level")
    manifest = json.loads((out / "published" / "manifest.json").read_text())
    (accepted_line,) = [line for line in text.splitlines() if line.strip().startswith("Accepted ")]
    accepted = int(accepted_line.split()[1])
    assert accepted > 130  # every return without errors (the aggregate files; child-level ones are not ingested)
    assert len(manifest["returns_used"]) == accepted
    assert f"Used {accepted} accepted returns" in text


def test_child_level_las_are_in_the_demo(demo):
    out, _, text = demo
    child_files = list((out / "returns").glob("fgc_child_return_*"))
    assert len(child_files) == 3
    assert "3 of them child-level" in text
