"""`fgc-collect validate` on a folder where one LA sent both levels: the reconciliation after the
results (text), under "reconciliations" (JSON), as a CSV beside the feedback; never a status or an
exit code. The files are real: the child-level return as the demo writes one, the aggregate
return through the template, from the figures the rows derive with one made to differ."""

from __future__ import annotations

import csv
import io
import json
import shutil

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from fgc_collect.child import derived_values, read_child_return, write_demo_child_return
from fgc_collect.cli import cli
from fgc_collect.demo.synthetic import clean_return
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.template import cell_positions, fill_template

DURHAM = "E06000047"
REVIEWS_ADDED = 3  # the aggregate return's D2 is the rows' D2 + 3


@pytest.fixture(scope="module")
def both_levels(tmp_path_factory):
    """A folder with County Durham's child-level CSV and its aggregate return; D2 differs."""
    folder = tmp_path_factory.mktemp("both") / "returns"
    la = find_la(DURHAM)
    child_path, _ = write_demo_child_return(folder, la, np.random.default_rng(7), "csv")
    derived = derived_values(read_child_return(child_path))
    answers = {key: value for key, value in clean_return(la, np.random.default_rng(1), load_spec()).items()
               if key[0] not in "BCD"}
    aggregate_path = fill_template({**answers, **derived, "D2": derived["D2"] + REVIEWS_ADDED},
                                   folder / "Durham FGC return FINAL.xlsx", la=la)
    raw_ids = pl.read_csv(child_path, infer_schema=False)
    ids = set(raw_ids.get_column("child_id").drop_nulls()) | set(raw_ids.get_column("family_id").drop_nulls())
    return {"folder": folder, "child": child_path, "aggregate": aggregate_path, "d2": derived["D2"], "ids": ids}


def validate(*args):
    return CliRunner().invoke(cli, ["validate", *map(str, args)])


def leaked(text: str, ids: set[str]) -> list[str]:
    return sorted(raw for raw in ids if raw in text)


def test_text_names_the_differing_item_its_cell_and_both_figures(both_levels):
    done = validate(both_levels["folder"])
    assert done.exit_code == 0, done.output  # both returns have warnings only (FGC204): a difference is no error
    text = done.stdout
    summary_line = next(line for line in text.splitlines() if line.startswith("2 returns:"))
    section = text[text.index(summary_line):]  # after the per-return results
    assert "Both levels from 1 LA" in section
    sheet, cell = cell_positions()["D2"]
    d2 = both_levels["d2"]
    row = next(line for line in section.splitlines() if line.strip().startswith("D2 "))
    assert row.split() == ["D2", *f"{sheet}!{cell}".split(), str(d2 + REVIEWS_ADDED), str(d2), f"+{REVIEWS_ADDED}"]
    assert "County Durham: aggregate return against its child-level rows: 115 of 116 counts agree, 1 differs" in section
    assert "Durham FGC return FINAL.xlsx" in section and both_levels["child"].name in section
    assert leaked(done.output, both_levels["ids"]) == []


def test_json_adds_reconciliations_and_keeps_the_contract(both_levels):
    done = validate(both_levels["folder"], "--format", "json")
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert list(document) == ["returns", "summary", "reconciliations"]
    assert [r["status"] for r in document["returns"]] == ["warnings", "warnings"]
    assert document["summary"] == {"files": 2, "valid": 0, "warnings": 2, "errors": 0, "unreadable": 0}
    (reconciliation,) = document["reconciliations"]
    assert reconciliation["la_code"] == DURHAM and reconciliation["la_name"] == "County Durham"
    assert reconciliation["aggregate_file"].endswith("Durham FGC return FINAL.xlsx")
    assert reconciliation["child_file"].endswith(both_levels["child"].name)
    assert reconciliation["summary"] == {"agrees": 115, "differs": 1, "not given": 0}
    by_id = {item["item_id"]: item for item in reconciliation["items"]}
    assert by_id["D2"] == {
        "item_id": "D2", "label": "Review FGCs held in 2023-24", "status": "differs",
        "submitted": both_levels["d2"] + REVIEWS_ADDED, "derived": both_levels["d2"], "difference": REVIEWS_ADDED,
        "sheet": cell_positions()["D2"][0], "cell": cell_positions()["D2"][1],
    }
    assert {item["status"] for i, item in by_id.items() if i != "D2"} == {"agrees"}


def test_one_level_alone_has_no_reconciliation(both_levels):
    text = validate(both_levels["child"])
    assert text.exit_code == 0, text.output
    assert "Both levels" not in text.stdout and "reconciliation" not in text.stdout.lower()
    done = validate(both_levels["aggregate"], "--format", "json")
    assert json.loads(done.stdout)["reconciliations"] == []


def test_an_error_keeps_its_exit_code_and_is_still_reconciled(both_levels, tmp_path):
    folder = tmp_path / "returns"
    shutil.copytree(both_levels["folder"], folder)
    values = derived_values(read_child_return(both_levels["child"]))
    values["B2"] += 1  # B3 by age no longer adds up to B2: FGC101, an error
    fill_template(values, folder / "Durham FGC return FINAL.xlsx", la=find_la(DURHAM))
    done = validate(folder, "--format", "json")
    assert done.exit_code == 1
    document = json.loads(done.stdout)
    assert [r["status"] for r in document["returns"]] == ["errors", "warnings"]
    (reconciliation,) = document["reconciliations"]
    assert {i["item_id"]: i["difference"] for i in reconciliation["items"] if i["status"] == "differs"} == {"B2": 1}


def test_feedback_writes_the_reconciliation_as_a_csv_and_says_so(both_levels, tmp_path):
    out = tmp_path / "feedback"
    done = validate(both_levels["folder"], "--feedback", out)
    assert done.exit_code == 0, done.output
    path = out / f"{DURHAM}_reconciliation.csv"
    assert f"Written to {path}" in done.stdout
    assert "1 reconciliation (CSV)" in done.stdout
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 116
    first = rows[0]  # the differences come first
    d2 = both_levels["d2"]
    assert (first["item_id"], first["status"], first["submitted"], first["derived"], first["difference"]) == (
        "D2", "differs", str(d2 + REVIEWS_ADDED), str(d2), str(REVIEWS_ADDED))
    assert (first["sheet"], first["cell"]) == cell_positions()["D2"]
    assert first["aggregate_file"] == "Durham FGC return FINAL.xlsx" and first["la_name"] == "County Durham"
    assert leaked(data.decode("utf-8-sig"), both_levels["ids"]) == []
    # the coordinators' index links it from both of Durham's rows
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count(f'href="{DURHAM}_reconciliation.csv">both levels compared (CSV)</a>') == 2


def test_json_with_feedback_keeps_stdout_one_document(both_levels, tmp_path):
    done = validate(both_levels["folder"], "--format", "json", "--feedback", tmp_path / "fb")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["reconciliations"][0]["la_code"] == DURHAM
    assert "Feedback:" in done.stderr


def test_tables_from_the_files_count_an_la_that_sent_both_levels_once(both_levels):
    # publish/sources.py: the child-level rows are used, the aggregate return listed as not used
    from fgc_collect.publish.sources import inputs_from_files

    inputs = inputs_from_files([both_levels["folder"]])
    assert [(record.la.code, record.file) for record in inputs.used] == [(DURHAM, str(both_levels["child"]))]
    assert inputs.used[0].values["D2"] == both_levels["d2"]
    assert [(e.file, e.reason) for e in inputs.excluded] == [
        (str(both_levels["aggregate"]), "the LA also sent child-level rows, whose figures are used")]
