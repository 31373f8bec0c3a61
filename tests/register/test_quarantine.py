"""The quarantine: nothing of a child-level file is ever kept raw (not even in quarantine, nor
the zip or email it came in); links are never followed; and the coordinator lists the quarantine,
takes a file in with `ingest --la` or drops it with a note, and a daily ingest of an unchanged
inbox exits 0."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fgc_collect.register import Register, ingest_paths
from fgc_collect.register.ingest import ALREADY_QUARANTINED, NEW_VERSION, QUARANTINED, REFUSED
from tests.child.rows import COLUMNS, row
from tests.register import helpers
from tests.register.conftest import DARLINGTON, DURHAM, GATESHEAD, HARTLEPOOL

ROOT = Path(__file__).resolve().parents[2]

# A child as a council's own system exports it: NHS number, name and date of birth.
NHS_NUMBER, NAME, BIRTH = "9434765919", "Jasmine Okonkwo-Reilly", "14/03/2016"
RAW = [NHS_NUMBER, "943 476 5919", NAME, "Okonkwo", BIRTH]


def child_csv(padding: int = 0) -> bytes:
    """A child-level CSV with the child's identifiers, padded with `padding` empty rows (Excel's
    export of a formatted sheet)."""
    columns = COLUMNS + ["la_code", "child_name", "date_of_birth"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    record = {**row(child_id="943 476 5919", birth_month=BIRTH), "la_code": DURHAM, "child_name": NAME, "date_of_birth": BIRTH}
    writer.writerow([record.get(column, "") for column in columns])
    out.write(("," * (len(columns) - 1) + "\n") * padding)
    return out.getvalue().encode("utf-8")


def padded_zip() -> bytes:
    """The child-level CSV padded past 1 MB, compressing far more than 100 to 1, and a letter."""
    data = helpers.zip_of({"durham children.csv": child_csv(padding=60_000), "covering letter.pdf": b"%PDF-1.4 letter"})
    (info, _) = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert info.file_size > 1024 * 1024 and info.file_size / info.compress_size > 100
    return data


def damaged_child_workbook() -> bytes:
    """A council's own child-level workbook, cut short in the post (its zip directory lost)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Children"
    sheet.append(["child_id", "family_id", "child_name", "date_of_birth", "la_code"])
    sheet.append([NHS_NUMBER, "F1", NAME, BIRTH, DURHAM])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    return data[: data.rfind(b"PK\x01\x02")]  # everything but the central directory


def leaks(data: bytes) -> list[str]:
    return sorted({raw for raw in RAW for form in (raw, raw.upper(), raw.lower())
                   if form.encode() in data or form.encode("utf-16-le") in data})


def everything_stored(store: Path) -> list[tuple[str, bytes]]:
    """Every file under the store as bytes, zip members unpacked, Parquet rows as text, and the
    database dumped as SQL."""
    import polars as pl

    found = []
    for path in sorted(p for p in store.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found.append((str(path), data))
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                found.extend((f"{path} > {name}", archive.read(name)) for name in archive.namelist())
        if data.startswith(b"PAR1"):
            frame = pl.read_parquet(io.BytesIO(data))
            found.append((f"{path} as rows", frame.write_csv().encode()))
    with sqlite3.connect(store / "register.sqlite3") as db:
        found.append(("the database", "\n".join(db.iterdump()).encode()))
    return found


def validator(returns, held=(), **options):
    """The child-level batch validator (polars): no Great Expectations start-up in these tests."""
    from fgc_collect.child import validate_batch

    return validate_batch(returns, held=held, distributions=False, scopes=("cell", "batch"), **options)


def outcome_of(report, name: str):
    (found,) = [outcome for outcome in report.outcomes if outcome.source.endswith(name)]
    return found


def test_nothing_of_a_child_level_file_is_kept_raw_anywhere_in_the_store(sqlite_store, tmp_path, returns):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "returns.zip").write_bytes(padded_zip())
    darlington = (returns / "Darlington return.xlsx").read_bytes()
    email = helpers.email_with([("returns.zip", padded_zip(), ("application", "zip")),
                                ("Darlington return.xlsx", darlington, helpers.XLSX_TYPE)])
    (inbox / "RE FGC return.eml").write_bytes(email.as_bytes())
    (inbox / "both levels.zip").write_bytes(helpers.zip_of({
        "durham.csv": child_csv(), "Gateshead return.xlsx": (returns / "Gateshead return.xlsx").read_bytes(),
        "notes.txt": b"see the figures"}))
    damaged = damaged_child_workbook()
    (inbox / "children.xlsx").write_bytes(damaged)
    assert leaks(child_csv()) == sorted(set(RAW) - {NHS_NUMBER})  # the search finds them in the council's file (spaced)
    key = secrets.token_bytes(32)

    with Register.open(sqlite_store) as register:
        without_key = ingest_paths(register, [inbox], validator=validator)
        with_key = ingest_paths(register, [inbox], validator=validator, key=key)
        found = [(name, leaks(data)) for name, data in everything_stored(Path(sqlite_store)) if leaks(data)]
        assert found == []

        assert outcome_of(without_key, "eml > returns.zip > durham children.csv").kind == REFUSED
        assert "compressed" in outcome_of(without_key, "eml > returns.zip > durham children.csv").reason
        assert outcome_of(without_key, "both levels.zip > durham.csv").kind == REFUSED
        assert outcome_of(without_key, "children.xlsx").kind == REFUSED  # damaged: unreadable, but shows the columns
        assert outcome_of(without_key, "Darlington return.xlsx").kind == NEW_VERSION
        assert outcome_of(with_key, "both levels.zip > durham.csv").la_code == DURHAM  # pseudonymised once keyed
        assert outcome_of(with_key, "eml > returns.zip > durham children.csv").kind == ALREADY_QUARANTINED
        assert {v.la_code: v.level for v in register.versions()} == {DURHAM: "child", DARLINGTON: "aggregate", GATESHEAD: "aggregate"}
        # The email and zips carried a child's identifiers: the returns beside them are kept, not them.
        assert [v.container_sha256 for v in register.versions()] == [None, None, None]
        withheld = {entry.file_name: entry for entry in register.quarantine() if not entry.kept}
        assert set(withheld) == {"returns.zip", "children.xlsx"}  # the zip stands for its unopened part
        assert withheld["children.xlsx"].size == len(damaged)
        kept = {entry.file_name for entry in register.quarantine() if entry.kept}
        assert kept == {"covering letter.pdf", "notes.txt"}


def test_a_link_in_the_inbox_is_never_followed(sqlite_store, tmp_path, returns):
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\nfgc-secret-line\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "Durham FGC return.xlsx").write_bytes((returns / "Durham FGC return.xlsx").read_bytes())
    (inbox / "Darlington return.xlsx").symlink_to(secret)
    (inbox / "passwd").symlink_to(secret)
    (inbox / "more").symlink_to(secret.parent, target_is_directory=True)

    with Register.open(sqlite_store) as register:
        report = ingest_paths(register, [inbox], validator=validator)
        given = ingest_paths(register, [inbox / "passwd"], validator=validator)
        assert not [name for name, data in everything_stored(Path(sqlite_store)) if b"fgc-secret-line" in data]

        assert [outcome.line() for outcome in report.outcomes if outcome.kind != NEW_VERSION] == [
            f"{inbox / name}: a symbolic link, not followed (fgc-collect never follows links)."
            for name in ("Darlington return.xlsx", "more", "passwd")
        ]
        assert [outcome.line() for outcome in given.outcomes] == [
            f"{inbox / 'passwd'}: NOT READ: passwd is a symbolic link; fgc-collect never follows links, so give the file "
            "or folder it points to."]
        assert given.exit_code == 2 and report.exit_code == 0
        assert [v.la_code for v in register.versions()] == [DURHAM] and register.quarantine() == []


# --------------------------------------------------------------------------- the coordinator's commands


def run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false"}
    env.pop("FGC_COLLECT_STORE", None)
    return subprocess.run([sys.executable, "-m", "fgc_collect.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


@pytest.fixture
def quarantined(sqlite_store, tmp_path, returns, quick_validator):
    """A register holding three files in quarantine: a return made on another LA's template, a
    PDF named .xlsx, and a child-level CSV refused for want of the key."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("Hartlepool template from Darlington.xlsx", "Durham FGC return.xlsx"):
        (inbox / name).write_bytes((returns / name).read_bytes())
    (inbox / "scan.xlsx").write_bytes(b"%PDF-1.7 a scanned form")
    (inbox / "durham children.csv").write_bytes(child_csv())
    with Register.open(sqlite_store) as register:
        report = ingest_paths(register, [inbox], validator=quick_validator)
    assert sorted(o.kind for o in report.outcomes) == [NEW_VERSION, QUARANTINED, QUARANTINED, REFUSED], [o.line() for o in report.outcomes]
    return sqlite_store, inbox


def test_the_quarantine_lists_each_file_held_without_an_la(quarantined):
    store, inbox = quarantined
    text = run("quarantine", "--store", store)
    document = json.loads(run("quarantine", "--store", store, "--format", "json").stdout)

    assert text.returncode == 0 and text.stderr == ""
    lines = text.stdout.splitlines()
    assert lines[0] == f"3 files in quarantine in {store} (not taken in as an LA's return)."
    entries = {entry["file"]: entry for entry in document["quarantine"]}
    assert set(entries) == {"Hartlepool template from Darlington.xlsx", "scan.xlsx", "durham children.csv"}
    scan = entries["scan.xlsx"]
    assert "not an Excel workbook" in scan["reason"] and (scan["kept"], scan["resolution"]) == (True, None)
    assert entries["durham children.csv"]["kept"] is False
    assert f"scan.xlsx  [{scan['sha256'][:12]}]  received {scan['received_at']}" in lines
    assert f"  {scan['reason']}" in lines
    assert any(line.startswith("durham children.csv  [") and line.endswith("(fingerprint only: it may hold children's identifiers)")
               for line in lines)
    assert not leaks(text.stdout.encode())


def test_taking_a_file_in_or_dropping_it_resolves_it_and_the_daily_ingest_exits_0(quarantined, tmp_path):
    store, inbox = quarantined
    hartlepool = inbox / "Hartlepool template from Darlington.xlsx"

    taken = run("ingest", hartlepool, "--la", DARLINGTON, "--store", store)
    assert taken.returncode == 0, taken.stderr
    dropped = run("quarantine", "drop", "scan.xlsx", "--note", "a scan of last year's form; asked for the workbook",
                  "--store", store, "--by", "amy")
    assert dropped.returncode == 0, dropped.stderr
    assert dropped.stdout.startswith("Dropped scan.xlsx [")
    child = json.loads(run("quarantine", "--store", store, "--format", "json").stdout)["quarantine"]
    fingerprint = child[0]["sha256"][:8]
    by_fingerprint = run("quarantine", "--store", store, "drop", fingerprint, "--note", "Durham will resend it through the portal")
    assert by_fingerprint.returncode == 0, by_fingerprint.stderr

    status = json.loads(run("status", "--store", store, "--format", "json").stdout)
    assert status["quarantine"] == []  # nothing outstanding
    assert run("quarantine", "--store", store).stdout.splitlines()[0] == f"0 files in quarantine in {store} (not taken in as an LA's return)."
    history = json.loads(run("quarantine", "--store", store, "--all", "--format", "json").stdout)["quarantine"]
    resolved = {entry["file"]: entry["resolution"] for entry in history}
    assert resolved["Hartlepool template from Darlington.xlsx"]["resolution"] == "taken"
    assert (resolved["Hartlepool template from Darlington.xlsx"]["la_code"], resolved["Hartlepool template from Darlington.xlsx"]["version"]) == (DARLINGTON, 1)
    assert {key: resolved["scan.xlsx"][key] for key in ("resolution", "note", "by")} == {
        "resolution": "dropped", "note": "a scan of last year's form; asked for the workbook", "by": "amy"}
    assert resolved["durham children.csv"]["note"] == "Durham will resend it through the portal"

    again = run("quarantine", "drop", "scan.xlsx", "--note", "twice", "--store", store)
    assert again.returncode == 0 and "is no longer in quarantine: dropped on" in again.stdout and "nothing recorded" in again.stdout
    with sqlite3.connect(Path(store) / "register.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM quarantine_resolutions").fetchone()[0] == 3
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM quarantine_resolutions")

    daily = run("ingest", inbox, "--store", store)
    assert daily.returncode == 0, daily.stderr
    assert daily.stdout.splitlines()[-1] == "Nothing new was found: every file was already held or already in quarantine."
    assert any(line.startswith(f"{inbox / 'scan.xlsx'}: already in quarantine: scan.xlsx ") and "(since dropped on" in line
               for line in daily.stdout.splitlines())
    assert json.loads(run("status", "--store", store, "--format", "json").stdout)["quarantine"] == []


@pytest.mark.parametrize("given, sentence", [
    ("nothing.xlsx", "fgc-collect: no file in quarantine is called 'nothing.xlsx' or has a fingerprint starting so; "
                     "`fgc-collect quarantine` lists them."),
    ("", "fgc-collect: give a note saying why the file is dropped (--note), for the register."),
])
def test_dropping_a_file_that_is_not_there_is_one_sentence(quarantined, given, sentence):
    store, _ = quarantined
    done = run("quarantine", "drop", given or "scan.xlsx", "--note", "   " if not given else "x", "--store", store)
    assert done.returncode == 2 and done.stderr.strip() == sentence and "Traceback" not in done.stderr


def test_a_name_two_files_share_asks_for_the_fingerprint(sqlite_store, tmp_path, quick_validator):
    for folder, content in (("march", b"%PDF-1.7 one"), ("april", b"%PDF-1.7 two")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "scan.pdf").write_bytes(content)
    with Register.open(sqlite_store) as register:
        ingest_paths(register, [tmp_path / "march" / "scan.pdf", tmp_path / "april" / "scan.pdf"], validator=quick_validator)
    done = run("quarantine", "drop", "scan.pdf", "--note", "x", "--store", sqlite_store)
    assert done.returncode == 2
    assert done.stderr.startswith("fgc-collect: 'scan.pdf' matches 2 files in quarantine (")
    assert done.stderr.strip().endswith("); give the fingerprint of one.")
    named = run("quarantine", "drop", tmp_path / "april" / "scan.pdf", "--note", "x", "--store", sqlite_store)
    assert named.returncode == 0  # a path on disk names its file by its bytes
    with Register.open(sqlite_store) as register:
        (left,) = register.quarantine()
        assert left.source == str(tmp_path / "march" / "scan.pdf")
