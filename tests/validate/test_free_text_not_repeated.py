"""Free text a council typed (A1, A4) and values that may be identifiers pasted into a child-level
code, date or count column are never repeated: not on the screen, not in the JSON, not in the
feedback HTML, not in the register's database (the issues' messages and values). The council's own
file, kept as received, is the only place they stay."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fgc_collect.cli import cli
from tests.child.rows import row, write_csv

# Unusual enough never to occur by chance in anything fgc-collect writes.
A1_TEXT = "Zebedee Quornwick Xylo"
A4_TEXT = "qwxz.private at home"
PASTED = {  # child-level column -> what was pasted into it
    "consent": "9434765919",  # an NHS number into a code column
    "referral_date": "14/07/2016 Jaxon",  # a date of birth and a name into a date column
    "review_fgcs": "QZX-CHILD-4712",  # a case number into a count column
}
RAW = (A1_TEXT, A4_TEXT, "qwxz", "Quornwick", *PASTED.values(), "Jaxon", "QZX-CHILD")


def run(*args: str):
    done = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    folder = tmp_path_factory.mktemp("inbox")
    durham = find_la("E06000047")
    values = {**clean_return(durham, np.random.default_rng(11), load_spec()), "A1": A1_TEXT, "A4": A4_TEXT}
    fill_template(values, folder / "Durham FGC return.xlsx", la=durham)
    rows = [row(child_id="C1", family_id="F1"), row(child_id="C2", family_id="F2", **PASTED)]
    write_csv(folder / "Durham children.csv", rows)
    return folder


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    key = tmp_path_factory.mktemp("key") / "fgc.key"
    assert run("keygen", "--key-file", key).exit_code == 0
    return key


def leaks(text: str) -> list[str]:
    return [raw for raw in RAW if raw.casefold() in text.casefold()]


def test_the_issues_are_found_but_say_nothing_of_the_text(inbox, key_file):
    done = run("validate", inbox, "--key-file", key_file, "--format", "json")
    document = json.loads(done.stdout)
    issues = {(issue["rule"], issue["item"]): issue for entry in document["returns"] for issue in entry["issues"]}
    assert {("FGC006", "A2"), ("FGC007", "A4"), ("FGC302", "consent"), ("FGC302", "referral_date"),
            ("FGC302", "review_fgcs")} <= set(issues)
    assert "A1 (local authority name) does not name that local authority" in issues["FGC006", "A2"]["message"]
    assert issues["FGC007", "A4"]["value"] is None
    assert all(issues["FGC302", column]["value"] is None for column in PASTED)
    assert leaks(done.stdout) == [] and leaks(done.stderr) == []


def test_nothing_of_the_text_in_the_report_or_the_feedback(inbox, key_file, tmp_path):
    done = run("validate", inbox, "--key-file", key_file)
    assert "FGC006" in done.stdout and "FGC007" in done.stdout and "FGC302" in done.stdout
    assert leaks(done.output) == []
    feedback = tmp_path / "feedback"
    run("validate", inbox, "--key-file", key_file, "--feedback", feedback)
    pages = sorted(feedback.glob("*.html"))
    assert len(pages) == 3  # two reports and the index
    for page in pages:
        assert leaks(page.read_text(encoding="utf-8")) == [], page.name


def test_nothing_of_the_text_in_the_register(inbox, key_file, tmp_path):
    store = tmp_path / "store"
    done = run("ingest", inbox, "--store", store, "--key-file", key_file)
    assert leaks(done.output) == []
    database = sorted(store.glob("register.sqlite3*"))
    assert database
    import sqlite3

    with sqlite3.connect(store / "register.sqlite3") as connection:
        stored = connection.execute("SELECT rule, message, value FROM issues").fetchall()
    assert {"FGC006", "FGC007", "FGC302"} <= {rule for rule, _, _ in stored}
    assert leaks(repr(stored)) == []
    # The register keeps A1, the LA's name, with the answers on purpose (history shows a change to
    # it); nothing else typed, and no pasted identifier, is anywhere in its database.
    kept_on_purpose = (A1_TEXT, "Quornwick")
    for path in database:
        content = path.read_bytes()
        assert [raw for raw in RAW if raw.encode() in content and raw not in kept_on_purpose] == [], path.name
    for command in (["status"], ["history", "E06000047"], ["history", "E06000047", "--format", "json"]):
        shown = run(*command, "--store", store).output
        assert [raw for raw in leaks(shown) if raw not in kept_on_purpose] == []


def test_a_formula_in_a_free_text_cell_is_not_repeated(inbox, tmp_path):
    from fgc_collect.read import read_return
    from tests.read.test_hostile_text import A_SHEET, with_cells

    data = with_cells((inbox / "Durham FGC return.xlsx").read_bytes(), A_SHEET,
                      {"D11": '<c r="D11" t="str"><f>"qwxz.private"&amp;"@home"</f></c>'})
    path = tmp_path / "Durham FGC return.xlsx"
    path.write_bytes(data)
    (note,) = [issue for issue in read_return(path).notes if issue.rule == "READ06"]
    assert (note.item, note.cell, note.value) == ("A4", "D11", None)
    assert leaks(note.message) == []
