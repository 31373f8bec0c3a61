"""The register's integrity and the coordinator's decisions as a coordinator runs them (issues 12
and 13): `ingest --contacts`, returns held for an unknown sender, `status --chasers` for a mail
merge, decisions made twice, `verify`, and publishing refused from a register that fails."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import datetime, timezone

import pytest

from tests.register import helpers
from tests.register.conftest import DARLINGTON, DURHAM, GATESHEAD
from tests.register.test_commands import one_sentence, run

CORNWALL = "E06000052"
JO, FORGER, GATESHEAD_SENDER = "jo.bloggs@durham.gov.uk", "durham.returns@example.com", "cs.data@gateshead.gov.uk"


@pytest.fixture(scope="module")
def coordinator(returns_dir, tmp_path_factory):
    """Durham's return from its known contact, then its correction from an unknown address;
    Gateshead's (with errors) from an address nobody gave; Darlington's saved from an email by hand."""
    base = tmp_path_factory.mktemp("coordinator")
    inbox = base / "inbox"
    inbox.mkdir()
    for name, workbook, sender, day in (
        ("a Durham.eml", "Durham FGC return.xlsx", JO, 3),
        ("b Durham correction.eml", "Durham FGC return v2.xlsx", FORGER, 5),
        ("c Gateshead.eml", "Gateshead return.xlsx", GATESHEAD_SENDER, 4),
    ):
        message = helpers.email_with([(workbook, (returns_dir / workbook).read_bytes(), helpers.XLSX_TYPE)], sender=sender,
                                     date=datetime(2025, 3, day, 9, 0, tzinfo=timezone.utc))
        (inbox / name).write_bytes(message.as_bytes())
    shutil.copy(returns_dir / "Darlington return.xlsx", inbox)
    contacts = base / "contacts.csv"
    contacts.write_text('la_code,name,email\nE06000047,"Bloggs, Jo",Jo.Bloggs@durham.gov.uk\n'
                        'E06000052,"Kernow, Team",fgc@cornwall.gov.uk\n', encoding="utf-8-sig")
    store = base / "store"
    done = run("ingest", inbox, "--store", store, "--contacts", contacts, "--by", "amy")
    return store, done, base


def status_json(store, *extra) -> dict:
    done = run("status", "--store", store, "--format", "json", *extra)
    assert done.returncode == 0, done.stderr
    return {entry["la_code"]: entry for entry in json.loads(done.stdout)["las"]}


def test_a_return_from_an_unknown_sender_is_held_and_status_shows_it(coordinator):
    store, done, _ = coordinator
    assert done.returncode == 0, done.stderr
    assert one_sentence(done) == (
        "fgc-collect: 1 return emailed from an address not known for its LA is held for you to confirm (see fgc-collect status).")
    assert any(line.endswith(f"HELD: sent from {FORGER}, not a known sender for County Durham; not counted until you confirm "
                             "it (fgc-collect accept E06000047 --version 2 --note ...)") for line in done.stdout.splitlines())

    las = status_json(store)  # the contacts were remembered: no --contacts needed now
    assert (las[DURHAM]["latest_version"], las[DURHAM]["state"], las[DURHAM]["versions"]) == (1, "valid", 2)
    assert las[DURHAM]["held"] == [{"version": 2, "sender": FORGER, "received_at": "2025-03-05T09:00:00+00:00",
                                    "file": "Durham FGC return v2.xlsx"}]
    assert (las[DURHAM]["last_sender"], las[DURHAM]["sender_known"]) == (JO, True)
    assert (las[GATESHEAD]["last_sender"], las[GATESHEAD]["sender_known"], las[GATESHEAD]["held"]) == (GATESHEAD_SENDER, False, [])
    assert (las[DARLINGTON]["last_sender"], las[DARLINGTON]["sender_known"]) == (None, None)

    text = run("status", "--store", store).stdout.splitlines()
    assert text[1].endswith("; 1 return held for you to confirm.")
    assert f"  Gateshead (E08000037) version 1 from {GATESHEAD_SENDER}" in text


def test_the_chaser_list_is_ready_for_a_mail_merge(coordinator):
    store, _, base = coordinator
    chasers = base / "chasers.csv"
    done = run("status", "--store", store, "--chasers", chasers)
    assert done.returncode == 0, done.stderr
    rows = {row["la_code"]: row for row in csv.DictReader(chasers.read_text(encoding="utf-8-sig").splitlines())}
    assert (rows[CORNWALL]["state"], rows[CORNWALL]["contact_name"], rows[CORNWALL]["contact_email"]) == (
        "not received", "Kernow, Team", "fgc@cornwall.gov.uk")
    assert rows[GATESHEAD]["contact_email"] == GATESHEAD_SENDER
    assert rows[GATESHEAD]["outstanding_problems"].startswith("FGC002 Exact figures, not suppressed ones (error: B3_5TO9)")
    assert DURHAM not in rows and DARLINGTON not in rows


def test_confirming_a_held_return_and_deciding_twice_records_one_decision(coordinator):
    store, _, _ = coordinator
    first = run("accept", DURHAM, "--store", store, "--note", "checked")  # the version Durham means: 1, not the held 2
    assert first.returncode == 0 and first.stdout.startswith("Accepted version 1 of County Durham")

    done = run("accept", DURHAM, "--store", store, "--version", "2", "--note", "new data officer, checked by phone", "--by", "amy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f" by amy. {FORGER} is now a known sender for County Durham.")
    again = run("accept", DURHAM, "--store", store, "--version", "2", "--note", "again", "--by", "bob")
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.startswith("Version 2 of County Durham is already accepted (")
    assert again.stdout.rstrip().endswith(" by amy); nothing was recorded.")

    las = status_json(store)
    assert (las[DURHAM]["latest_version"], las[DURHAM]["state"], las[DURHAM]["held"]) == (2, "accepted", [])
    history = run("history", DURHAM, "--store", store)
    assert history.stdout.count("ACCEPTED") == 2 and "again" not in history.stdout

    assert run("reject", GATESHEAD, "--store", store, "--note", "B3 has <5").returncode == 0
    twice = run("reject", GATESHEAD, "--store", store, "--note", "B3 has <5")
    assert twice.returncode == 0 and "is already rejected" in twice.stdout and "nothing was recorded." in twice.stdout
    assert run("history", GATESHEAD, "--store", store).stdout.count("REJECTED") == 1


def test_counts_of_one_are_singular_in_status_and_history(coordinator):
    store, _, _ = coordinator
    document = json.loads(run("history", GATESHEAD, "--store", store, "--format", "json").stdout)
    errors, warnings = document["versions"][0]["errors"], document["versions"][0]["warnings"]
    outputs = run("history", GATESHEAD, "--store", store).stdout + run("status", "--store", store).stdout
    expected = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (warnings, "warning")) if n)
    assert f"validation: errors ({expected})" in outputs
    for wrong in ("1 errors", "1 warnings", "1 versions", "1 items", "1 files", " 1 returns"):
        assert wrong not in outputs


def test_verify_and_publishing_refuse_a_register_whose_file_was_swapped(coordinator, tmp_path):
    store, _, _ = coordinator
    done = run("verify", "--store", store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"Register {store}: all ") and "stored files match their fingerprints; the audit log's" in done.stdout

    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    darlington = json.loads(run("history", DARLINGTON, "--store", copy, "--format", "json").stdout)["versions"][0]["sha256"]
    (copy / "blobs" / darlington[:2] / darlington[2:]).write_bytes(b"PK\x03\x04 a forged workbook")
    sentence = (f"the stored copy of Darlington return.xlsx (Darlington, version 1) has been changed since it was stored: it no "
                f"longer matches its SHA-256 fingerprint [{darlington[:12]}], so it is not used; restore it from a backup.")

    checked = run("verify", "--store", copy)
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [sentence[:1].upper() + sentence[1:]]
    assert one_sentence(checked).startswith(f"fgc-collect: the register at {copy} failed its check (1 problem)")

    published = run("aggregate", "--store", copy, "--out", tmp_path / "out")
    assert published.returncode == 2
    assert one_sentence(published) == f"fgc-collect: nothing was published, because the register fails its check: {sentence}"
    assert not (tmp_path / "out").exists()

    history = run("history", DARLINGTON, "--store", copy)
    assert history.returncode == 2 and one_sentence(history) == f"fgc-collect: {sentence}"
    assert "STORED FILE DAMAGED" in history.stdout


def test_a_key_file_others_can_read_is_refused_with_how_to_fix_it(tmp_path, returns_dir):
    key = tmp_path / "fgc.key"
    assert run("keygen", "--key-file", key).returncode == 0
    made = run("validate", returns_dir / "Durham FGC return.xlsx", "--key-file", key, "--engine", "polars")
    assert made.returncode == 0, made.stderr  # keygen's key (0600) is used

    os.chmod(key, 0o644)
    for args in (["validate", returns_dir / "Durham FGC return.xlsx", "--key-file", key],
                 ["ingest", returns_dir / "Durham FGC return.xlsx", "--store", tmp_path / "store", "--key-file", key]):
        done = run(*args)
        assert done.returncode == 2
        assert one_sentence(done) == (
            f"fgc-collect: the key file {key} can be read or changed by other users (-rw-r--r--), so it is not used; "
            f"make it private with `chmod 600 {key}` and run the command again.")
    assert not (tmp_path / "store").exists()
    os.chmod(key, 0o620)
    assert "(-rw--w----)" in run("validate", returns_dir / "Durham FGC return.xlsx", "--key-file", key).stderr
