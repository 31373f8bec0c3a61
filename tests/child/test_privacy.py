"""The point of pseudonymisation: a council's raw child_id and family_id never reach a stored file,
an output, a log, a message or an error. A test return full of distinctive identifiers (and of
mistakes, so that every rule has something to say about their rows) goes through everything the
child-level stage does; then every file written, every log record and everything printed is
searched for the identifiers, in every form they were given."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from fgc_collect import report
from fgc_collect.child.derive import derive_aggregate, derived_values
from fgc_collect.child.pseudonymise import keygen, load_key
from fgc_collect.child.read import from_stored_bytes, read_child_return
from fgc_collect.child.reconcile import reconcile, reconciliation_json, reconciliation_text
from fgc_collect.child.template import fill_child_template
from fgc_collect.child.validate import validate_batch
from fgc_collect.model import UnreadableReturn
from fgc_collect.read import read_return
from fgc_collect.reference import find_la
from fgc_collect.template import fill_template
from tests.child.rows import COLUMNS, csv_text, family, write_csv

ROOT = Path(__file__).resolve().parents[2]
LONG_ID = "QZXLONGIDENTIFIER" * 3
RAW_IDS = ["QZX-CHILD-4711", "QZX-CHILD-4712", "QZX-FAM-0815", "QZX-FAM-0816", "Jane Qzxdoe", "943 476 5919", LONG_ID]


def forms(raw: str) -> set[str]:
    """Every form an identifier could leak in: as given, normalised, without spaces."""
    return {raw, raw.upper(), raw.lower(), raw.replace(" ", ""), raw.upper().replace(" ", "")}


def rows() -> list[dict]:
    return (
        family("QZX-FAM-0815", {"child_id": "QZX-CHILD-4711"}, {"child_id": "Jane Qzxdoe", "consent_date": "2023-05-16"},
               {"child_id": "QZX-CHILD-4711"}, {"child_id": "943 476 5919", "sex": "Q"})
        + family("QZX-FAM-0816", {"child_id": "QZX-CHILD-4711"}, {"child_id": "QZX-CHILD-4712", "referral_date": "1/5/2023"},
                 {"child_id": LONG_ID, "birth_month": "1990-01"})
    )


def leaks(text: str) -> list[str]:
    return sorted(raw for raw in RAW_IDS for form in forms(raw) if form in text)


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """Run the whole child-level stage on the test return; return the folders and texts it produced."""
    base = tmp_path_factory.mktemp("privacy")
    inbox, store, out = base / "inbox", base / "store", base / "out"
    for folder in (inbox, store, out):
        folder.mkdir()
    key_file = keygen(base / "keys" / "fgc.key")
    key = load_key(key_file)
    la = find_la("E06000047")
    csv_path = write_csv(inbox / "durham.csv", rows())
    cells = [{**record, "referral_date": date.fromisoformat(record["referral_date"]) if "-" in record["referral_date"]
              else record["referral_date"]} for record in rows()]
    xlsx_path = fill_child_template(cells, inbox / "durham.xlsx", la=la)
    texts: list[str] = []

    handler_records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            handler_records.append(record)

    keep = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    try:
        child_csv = read_child_return(csv_path, key=key)
        child_xlsx = read_child_return(xlsx_path, key=key)
        aggregate_values = {k: v for k, v in derived_values(child_csv).items()}
        aggregate = read_return(fill_template({**aggregate_values, "B2": 99}, inbox / "aggregate.xlsx", la=la))
        results = validate_batch([aggregate, child_csv, child_xlsx])
        (out / "report.json").write_text(json.dumps(report.results_json(results), default=str))
        (out / "report.txt").write_text(report.results_text(results))
        items = reconcile(derive_aggregate(child_csv), aggregate)
        (out / "reconciliation.txt").write_text(reconciliation_text(items, la.name))
        (out / "reconciliation.json").write_text(json.dumps(reconciliation_json(items, la.code)))
        for ret in (child_csv, child_xlsx):
            (store / f"{Path(ret.file).stem}.{ret.source_format}.parquet").write_bytes(ret.to_stored_bytes())
            again = from_stored_bytes((store / f"{Path(ret.file).stem}.{ret.source_format}.parquet").read_bytes())
            texts.append(repr(again))
            texts.append(again.rows.write_csv())
        texts.append(repr(child_csv))
        texts.append(str(derived_values(child_csv)))
        # what cannot be read is reported without the values either
        broken = inbox / "broken.csv"
        broken.write_text(csv_text(rows()).replace("QZX-CHILD-4712", '"QZX-CHILD-4712', 1))
        other_la = inbox / "other.csv"
        other_la.write_text(csv_text(rows()).replace("E06000047", "E08000021", 1))
        for path in (broken, other_la):
            try:
                texts.append(repr(read_child_return(path, key=key).rows))
            except UnreadableReturn as problem:
                texts.append(str(problem))
                texts.append(repr(problem))
    finally:
        root.removeHandler(keep)
        root.setLevel(old_level)
    texts += [record.getMessage() for record in handler_records]
    commands = []
    for output_format in ("json",):
        completed = subprocess.run(
            [sys.executable, "-m", "fgc_collect.child", "validate", str(csv_path), str(xlsx_path),
             "--key-file", str(key_file), "--format", output_format],
            capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false",
                                                          "PATH": "/usr/bin:/bin"},
        )
        commands.append(completed)
        texts += [completed.stdout, completed.stderr]
    return {"store": store, "out": out, "texts": texts, "results": results, "commands": commands,
            "returns": (child_csv, child_xlsx)}


def test_the_test_return_gives_every_rule_something_to_say(everything):
    _, csv_result, xlsx_result = everything["results"]
    rules = {issue.rule for issue in csv_result.issues}
    assert {"FGC302", "FGC307", "FGC308", "FGC309", "FGC310", "FGC311"} <= rules
    assert {issue.rule for issue in xlsx_result.issues} >= {"FGC307", "FGC310", "FGC311"}
    assert [c.returncode for c in everything["commands"]] == [1]


def test_the_search_finds_identifiers_where_they_are(everything):
    inbox = everything["store"].parent / "inbox"
    assert leaks((inbox / "durham.csv").read_text()) == sorted(RAW_IDS)


def test_no_raw_identifier_in_any_message_or_value(everything):
    for result in everything["results"]:
        for issue in result.issues:
            assert leaks(issue.message) == [], issue
            assert leaks(json.dumps(issue.to_json(), default=str)) == [], issue


def test_no_pseudonym_in_any_message_either(everything):
    pseudonyms = set()
    for ret in everything["returns"]:
        pseudonyms |= set(ret.rows.get_column("child_id").drop_nulls()) | set(ret.rows.get_column("family_id").drop_nulls())
    for result in everything["results"]:
        for issue in result.issues:
            assert not any(p in issue.message for p in pseudonyms)


def test_no_raw_identifier_in_the_store_or_the_outputs(everything):
    files = [p for folder in (everything["store"], everything["out"]) for p in folder.rglob("*") if p.is_file()]
    assert len(files) == 6
    for path in files:
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        assert leaks(text) == [], path
        if path.suffix == ".parquet":  # compressed: look at the values too
            frame = pl.read_parquet(path)
            assert leaks(frame.write_csv()) == [], path
            assert set(frame.columns) >= set(COLUMNS) - {"la_code"}
            assert frame.get_column("child_id").str.len_chars().unique().to_list() in ([64], [64, None], [None, 64])


def test_no_raw_identifier_in_logs_printed_output_or_errors(everything):
    for text in everything["texts"]:
        assert leaks(text) == [], text[:500]
