"""The register's commands as a coordinator runs them: ingest an inbox, status, accept, reject,
history, the chaser list; with the full validator, and one plain sentence for every mistake."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.register import helpers
from tests.register.conftest import DARLINGTON, DURHAM, GATESHEAD
from tests.register.msgbuilder import MsgAttachment, MsgMessage, build_msg

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "fgc_collect.cli"]


def run(*args, env=None):
    import os

    environment = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run(CLI + [str(arg) for arg in args], capture_output=True, text=True, cwd=ROOT, env=environment, timeout=300)


def one_sentence(done) -> str:
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def inbox(returns_dir, tmp_path_factory):
    """Durham in Outlook (v1), then Durham's correction and Gateshead's return (errors) by email,
    Darlington as a plain file, and a scan nobody can read."""
    folder = tmp_path_factory.mktemp("inbox")
    durham_v1 = (returns_dir / "Durham FGC return.xlsx").read_bytes()
    message = MsgMessage("FGC return", "Jo Bloggs", "jo.bloggs@durham.gov.uk", datetime(2025, 3, 3, 16, 5, tzinfo=timezone.utc),
                         attachments=[MsgAttachment("Durham FGC return.xlsx", durham_v1, "/".join(helpers.XLSX_TYPE))])
    (folder / "FGC return.msg").write_bytes(build_msg(message))
    correction = helpers.email_with(
        [("Durham returns.zip", helpers.zip_of({"Durham FGC return v2.xlsx": (returns_dir / "Durham FGC return v2.xlsx").read_bytes()}),
          ("application", "zip"))],
        sender="jo.bloggs@durham.gov.uk", date=datetime(2025, 3, 28, 10, 14, tzinfo=timezone.utc), inline_image=True)
    (folder / "RE FGC return.eml").write_bytes(correction.as_bytes())
    gateshead = helpers.email_with([("Gateshead return.xlsx", (returns_dir / "Gateshead return.xlsx").read_bytes(), helpers.XLSX_TYPE)],
                                   sender="cs.data@gateshead.gov.uk", date=datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc))
    (folder / "Gateshead.eml").write_bytes(gateshead.as_bytes())
    (folder / "Darlington return.xlsx").write_bytes((returns_dir / "Darlington return.xlsx").read_bytes())
    (folder / "scan.xlsx").write_bytes(b"%PDF-1.7 scanned paper form")
    return folder


@pytest.fixture(scope="module")
def ingested(inbox, tmp_path_factory):
    store = tmp_path_factory.mktemp("cli") / "fgc-store"
    done = run("ingest", inbox, "--store", store, "--by", "amy")
    return store, done


def status_of(store) -> dict:
    done = run("status", "--store", store, "--format", "json")
    assert done.returncode == 0, done.stderr
    return {entry["la_code"]: entry for entry in json.loads(done.stdout)["las"]}


def test_ingest_reports_each_file_and_exits_2_for_the_quarantined_scan(ingested):
    store, done = ingested
    assert done.returncode == 2
    assert one_sentence(done) == (
        "fgc-collect: 1 file could not be read as a return or tied to one LA; kept in quarantine (see fgc-collect quarantine)."
    )
    lines = done.stdout.splitlines()
    assert any(line.endswith("> Durham FGC return.xlsx: County Durham (E06000047) version 1: valid") or
               ("Durham FGC return.xlsx: County Durham (E06000047) version 1" in line) for line in lines)
    assert any("Durham FGC return v2.xlsx: County Durham (E06000047) version 2" in line for line in lines)
    assert any("scan.xlsx: QUARANTINED: scan.xlsx" in line and "not an Excel workbook" in line for line in lines)
    assert lines[-1] == f"5 files into {store}: 4 new versions, 0 already held, 1 quarantined; 1 email part skipped (images in the text, signatures)."


def test_status_json_lists_all_153_las_with_where_each_stands(ingested):
    store, _ = ingested
    document = json.loads(run("status", "--store", store, "--format", "json").stdout)
    assert document["store"] == str(store) and len(document["las"]) == 153
    las = {entry["la_code"]: entry for entry in document["las"]}
    assert las[DURHAM]["versions"] == 2 and las[DURHAM]["last_received"] == "2025-03-28T10:14:00+00:00"
    assert "FGC204" in las[DURHAM]["outstanding_rules"] and las[DURHAM]["state"] == "warnings"
    assert las[GATESHEAD]["state"] == "errors" and "FGC002" in las[GATESHEAD]["outstanding_rules"]
    assert las[DARLINGTON]["versions"] == 1
    assert sum(1 for entry in document["las"] if entry["state"] == "not received") == 150
    (scan,) = document["quarantine"]
    assert scan["file"] == "scan.xlsx" and "not an Excel workbook" in scan["reason"]


def test_reingesting_the_inbox_changes_nothing(ingested, inbox):
    store, _ = ingested
    before = status_of(store)
    done = run("ingest", inbox, "--store", store)
    assert done.returncode == 0, done.stderr  # a daily run on an unchanged inbox: the scan is no new failure
    assert done.stderr == ""
    assert done.stdout.splitlines()[-2:] == [
        f"5 files into {store}: 0 new versions, 4 already held, 0 quarantined (1 more already in quarantine); 1 email part skipped (images in the text, signatures).",
        "Nothing new was found: every file was already held or already in quarantine.",
    ]
    assert status_of(store) == before


def test_accept_reject_and_history_keep_the_coordinators_decisions(ingested, tmp_path):
    store, _ = ingested
    refused = run("accept", GATESHEAD, "--store", store, "--note", "looks fine")
    assert refused.returncode == 2
    assert one_sentence(refused).startswith("fgc-collect: version 1 of Gateshead has 1 error (FGC002), so it cannot be accepted")

    done = run("reject", "Gateshead", "--store", store, "--note", "B3 has <5: exact figures needed", "--by", "amy")
    assert done.returncode == 0 and done.stdout.startswith("Rejected version 1 of Gateshead (E08000037); recorded ")
    done = run("accept", "840", "--store", store, "--version", "1", "--note", "v1 checked by phone", "--by", "amy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Accepted version 1 of County Durham (E06000047)")

    las = status_of(store)
    assert las[GATESHEAD]["state"] == "rejected"
    assert las[DURHAM]["state"] == "warnings" and las[DURHAM]["accepted_version"] == 1  # version 2 awaits a decision

    history = run("history", DURHAM, "--store", store)
    assert history.returncode == 0, history.stderr
    text = history.stdout
    assert text.startswith("County Durham (E06000047) for 2023-24: 2 versions; state: warnings")
    assert "Version 1: Durham FGC return.xlsx, received 2025-03-03T16:05:00+00:00 from jo.bloggs@durham.gov.uk" in text
    assert "ACCEPTED" in text and "by amy: v1 checked by phone" in text
    assert "changed since version 1" in text
    first = helpers.return_values(DURHAM)  # version 1 as the helper wrote it; version 2 changed D2 and A10
    assert f"D2           Review FGCs held in 2023-24: {first['D2']} -> 40" in text
    assert f"A10          FGC coordinators (full-time equivalent) at 31 March 2024: {first['A10']} -> 3.5" in text

    document = json.loads(run("history", DURHAM, "--store", store, "--format", "json").stdout)
    changes = {change["item"]: change for change in document["versions"][1]["changes_from_previous"]}
    assert set(changes) == {"A10", "D2"} and changes["D2"] == {
        "item": "D2", "label": "Review FGCs held in 2023-24", "before": str(first["D2"]), "after": "40"}
    assert document["versions"][0]["decisions"][0]["note"] == "v1 checked by phone"

    chasers = tmp_path / "chasers.csv"
    done = run("status", "--store", store, "--chasers", chasers)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == f"Chaser list (151 LAs) written to {chasers}."
    rows = list(csv.DictReader(chasers.read_text(encoding="utf-8-sig").splitlines()))
    assert {row["la_code"] for row in rows} >= {GATESHEAD} and DURHAM not in {row["la_code"] for row in rows}
    assert next(row for row in rows if row["la_code"] == GATESHEAD)["last_sender"] == "cs.data@gateshead.gov.uk"


@pytest.mark.parametrize("args, sentence", [
    (["status", "--store", "{tmp}/nowhere"], "fgc-collect: there is no register at {tmp}/nowhere yet; run fgc-collect ingest first (or give --store)."),
    (["accept", "Narnia", "--note", "x", "--store", "{tmp}/nowhere"],
     "fgc-collect: 'Narnia' is not the code or name of one of England's 153 local authorities (give a 9-character code such as E06000047, a 3-digit code such as 840, or the name)."),
    (["ingest", "{tmp}/missing.xlsx", "--store", "{tmp}/store"], "fgc-collect: {tmp}/missing.xlsx does not exist; nothing was ingested."),
    (["ingest", "{tmp}", "--store", "{tmp}/store"], "fgc-collect: no spreadsheets or emails were found in {tmp}; nothing was ingested."),
    (["history", "E06000047", "--store", "postgresql://fgc:secret@127.0.0.1:1/x"],
     "fgc-collect: could not connect to the PostgreSQL register postgresql://fgc:***@127.0.0.1:1/x"),
    (["status", "--store", "{tmp}", "--year", "2024"],
     "fgc-collect: '2024' is not a collection year: write it as YYYY-YY, such as 2024-25."),
    (["accept", "E06000047", "--store", "{tmp}", "--note", "x", "--year", "2024-26"],
     "fgc-collect: '2024-26' is not a collection year: the second part is the year after the first (such as 2024-25)."),
])
def test_mistakes_are_one_sentence_and_exit_2(tmp_path, args, sentence):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run(*[arg.format(tmp=empty) for arg in args])
    assert done.returncode == 2
    assert one_sentence(done).startswith(sentence.format(tmp=empty))


def test_accepting_when_nothing_is_held_says_so(ingested):
    store, _ = ingested
    done = run("accept", "Cornwall", "--store", store, "--note", "x")
    assert done.returncode == 2
    assert one_sentence(done) == "fgc-collect: no return from Cornwall (E06000052) for 2023-24 is held, so there is nothing to accept."
    done = run("accept", DURHAM, "--store", store, "--version", "9", "--note", "x")
    assert one_sentence(done) == "fgc-collect: County Durham has no version 9 for 2023-24 (versions held: 2)."


def test_the_store_defaults_to_the_environment_variable(ingested, tmp_path):
    store, _ = ingested
    done = run("status", "--format", "json", env={"FGC_COLLECT_STORE": str(store)})
    assert done.returncode == 0 and json.loads(done.stdout)["store"] == str(store)
