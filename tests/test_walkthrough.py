"""docs/architecture.md's walk-through "How to add a question", followed as the research team
would: one survey file adds a question and a check, and nothing else changes. The question
reaches the template (its Q_ name and Check formula), validation (the check fires at its cell),
the child-level derivation and the published tables (its label and unit)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl

from fgc_collect.child.spec import load_child_spec
from fgc_collect.demo.synthetic import clean_return
from fgc_collect.reference import find_la_by_name
from fgc_collect.spec import load_spec
from fgc_collect.template import fill_template
from tests.test_template import _check_formula

ROOT = Path(__file__).resolve().parents[1]
SURVEY = """\
year: "2024-25"
contact: {organisation: FGC research team, email: fgc@university.ac.uk}
changes:
  aggregate:
    items:
      add:
        - {after: D11, id: D12, type: count, unit: families,
           label: "Initial FGCs held within 4 weeks of consent (families)"}
    rules:
      add:
        - {code: FGC115, severity: error, applies_to: "D12<=D1",
           check: "FGCs held within 4 weeks of consent are among the initial FGCs held"}
  child_level:
    derivation:
      add:
        D12: {stage: held, count: families, where: {plan_agreed: "Y"},
              words: "families counted in D1 whose plan was agreed (a stand-in for the test)"}
"""
CHANGES = {
    "aggregate": {
        "items": {"add": [{"after": "D11", "id": "D12", "type": "count", "unit": "families",
                           "label": "Initial FGCs held within 4 weeks of consent (families)"}]},
        "rules": {"add": [{"code": "FGC115", "severity": "error", "applies_to": "D12<=D1",
                           "check": "FGCs held within 4 weeks of consent are among the initial FGCs held"}]},
    },
    "child_level": {"derivation": {"add": {"D12": {
        "stage": "held", "count": "families", "where": {"plan_agreed": "Y"},
        "words": "families counted in D1 whose plan was agreed (a stand-in for the test)"}}}},
}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FGC_SURVEY", None)
    return subprocess.run([sys.executable, "-m", "fgc_collect.cli", *args, "--survey", str(tmp_path / "fgc-survey.yaml")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


def test_a_question_added_in_the_survey_file_reaches_every_stage(tmp_path):
    (tmp_path / "fgc-survey.yaml").write_text(SURVEY, encoding="utf-8")
    spec = load_spec("2024-25", CHANGES)

    # The template: the question's row, its defined name, and its check in the workbook itself.
    done = run(tmp_path, "template", "--out", "template.xlsx")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "template.xlsx")
    ((sheet, _),) = book.defined_names["Q_D12"].destinations
    assert sheet == "D FGCs held"
    check = _check_formula(book, "D12")  # the row's Check column, as the council sees it
    assert "D12" in check and "D1" in check and "should be no more than " in check

    # Validation: three councils fill it in; one gives more FGCs within 4 weeks than FGCs held.
    files = []
    for number, name in enumerate(("County Durham", "Darlington", "Hartlepool")):
        la = find_la_by_name(name)
        values = clean_return(la, np.random.default_rng(number), spec)
        assert values["D12"] <= values["D1"]  # the demo's returns obey the new check too
        if name == "Darlington":
            values["D12"] = values["D1"] + 3
        files.append(fill_template(values, tmp_path / "returns" / f"{la.slug}.xlsx", la=la, spec=spec))
    done = run(tmp_path, "validate", "--format", "json", "returns")
    assert done.returncode == 1, done.stderr  # Darlington's return has an error
    by_la = {ret["la_name"]: ret for ret in json.loads(done.stdout)["returns"]}
    (issue,) = [i for i in by_la["Darlington"]["issues"] if i["rule"] == "FGC115"]
    assert issue["item"] == "D12" and issue["severity"] == "error" and issue["cell"]
    assert "D12 should be no more than D1" in issue["message"]
    assert not [i for i in by_la["County Durham"]["issues"] if i["severity"] == "error"]
    done = run(tmp_path, "rules", "--format", "json")
    assert "FGC115" in {rule["code"] for rule in json.loads(done.stdout)}

    # The child level: the derivation the survey file gives makes D12 from the rows.
    assert "D12" in [entry.item for entry in load_child_spec("2024-25", json.dumps(CHANGES, sort_keys=True)).derived]

    # The tables: published with its label and unit, with no code change.
    done = run(tmp_path, "aggregate", "returns", "--out", "published")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "published" / "fgc_funnel.meta.csv").open(encoding="utf-8") as handle:
        meta = {row["col_name"]: row for row in csv.DictReader(handle)}
    assert meta["d12"]["label"].startswith("Initial FGCs held within 4 weeks of consent")
    assert meta["d12"]["indicator_grouping"] == "Families"
    with (tmp_path / "published" / "fgc_funnel.csv").open(encoding="utf-8") as handle:
        england = next(row for row in csv.DictReader(handle)
                       if row["geographic_level"] == "National" and row["time_period"] == "202425")
    assert england["d12"] not in ("", "x")
