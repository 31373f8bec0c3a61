"""Child-level returns through the register, end to end in subprocesses: `ingest --key-file`,
`status`, `history`, `accept`, `aggregate --store` (and `aggregate FILE`). No raw identifier may
reach the store (the SQLite files and the blobs), the published outputs or anything printed; and
without --key-file a child-level file is refused (exit 2) with only its fingerprint, size and name kept."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.child.rows import family, write_csv

ROOT = Path(__file__).resolve().parents[2]
DURHAM, HARTLEPOOL = "E06000047", "E06000001"
RAW_IDS = ["RAWCHILD-7f3a91", "RAWCHILD-8b2c44", "RAWCHILD-3c4d55", "RAWFAM-5d6e77", "RAWFAM-9a1b22"]


def forms(raw: str) -> set[str]:
    return {raw, raw.upper(), raw.lower()}


def rows() -> list[dict]:
    return (
        family("RAWFAM-5d6e77", {"child_id": "RAWCHILD-7f3a91"}, {"child_id": "RAWCHILD-8b2c44", "sex": "F"})
        + family("RAWFAM-9a1b22", {"child_id": "RAWCHILD-3c4d55"}, referral_date="2023-09-01", offer_date="2023-09-05",
                 consent_date="2023-09-10", fgc_date="2023-10-01")
    )


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FGC_COLLECT_STORE", None)
    return subprocess.run([sys.executable, "-m", "fgc_collect.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)


def all_bytes(path: Path) -> list[tuple[str, bytes]]:
    """Every file's bytes under path, and the members of zip files (xlsx) decompressed."""
    found = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        data = file.read_bytes()
        found.append((str(file), data))
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                found.extend((f"{file} > {name}", archive.read(name)) for name in archive.namelist())
    return found


def leaks(data: bytes) -> list[str]:
    return sorted(raw for raw in RAW_IDS for form in forms(raw)
                  if form.encode() in data or form.encode("utf-16-le") in data)


@pytest.fixture(scope="module")
def through_the_register(tmp_path_factory):
    base = tmp_path_factory.mktemp("child-register")
    inbox, store, out, out_files = base / "inbox", base / "store", base / "out", base / "out-files"
    inbox.mkdir()
    csv_path = write_csv(inbox / "durham.csv", rows())
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:  # a child CSV and a non-return in one zip
        archive.writestr("hartlepool.csv", (inbox / "durham.csv").read_text().replace(DURHAM, HARTLEPOOL))
        archive.writestr("covering letter.pdf", b"%PDF-1.4 not a return")
    zip_path = inbox / "returns.zip"
    zip_path.write_bytes(zipped.getvalue())
    key = base / "fgc.key"
    survey = base / "fgc-survey.yaml"  # the rows are a 2023-24 collection's; a CSV names no year
    survey.write_text('year: "2023-24"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FGC_SURVEY", str(survey))
        steps = _steps(store, out, out_files, csv_path, zip_path, key)
    return {"base": base, "store": store, "out": out, "out_files": out_files, "steps": steps, "csv": csv_path}


def _steps(store, out, out_files, csv_path, zip_path, key) -> dict:
    return {
        "keygen": run("keygen", "--key-file", str(key)),
        "ingest": run("ingest", str(csv_path), "--store", str(store), "--key-file", str(key)),
        "again": run("ingest", str(csv_path), "--store", str(store), "--key-file", str(key)),
        "zip": run("ingest", str(zip_path), "--store", str(store), "--key-file", str(key)),
        "status": run("status", "--store", str(store), "--format", "json"),
        "status_text": run("status", "--store", str(store)),
        "history": run("history", DURHAM, "--store", str(store)),
        "history_json": run("history", HARTLEPOOL, "--store", str(store), "--format", "json"),
        "accept": run("accept", DURHAM, "--store", str(store), "--note", "checked", "--despite-errors"),
        "accept2": run("accept", HARTLEPOOL, "--store", str(store), "--note", "checked", "--despite-errors"),
        "aggregate": run("aggregate", "--store", str(store), "--out", str(out)),
        "aggregate_files": run("aggregate", str(csv_path), "--out", str(out_files)),
    }


def test_the_search_finds_the_identifiers_in_the_council_file(through_the_register):
    assert leaks(through_the_register["csv"].read_bytes()) == sorted(RAW_IDS)


def test_every_command_worked(through_the_register):
    steps = through_the_register["steps"]
    for name in ("keygen", "ingest", "again", "status", "status_text", "history", "history_json", "accept", "accept2",
                 "aggregate", "aggregate_files"):
        assert steps[name].returncode == 0, (name, steps[name].stdout, steps[name].stderr)
    assert "County Durham (E06000047) version 1" in steps["ingest"].stdout
    assert "already held as version 1" in steps["again"].stdout
    assert steps["zip"].returncode == 2  # the PDF went to quarantine
    assert "Hartlepool (E06000001) version 1" in steps["zip"].stdout
    assert "Used 2 returns" in steps["aggregate"].stdout
    assert "Used 1 returns" in steps["aggregate_files"].stdout


def test_the_register_keeps_child_versions_as_pseudonymised_rows(through_the_register):
    from fgc_collect.child import from_stored_bytes
    from fgc_collect.register import Register

    with Register.open(through_the_register["store"], create=False) as register:
        versions = register.versions()
        assert [(v.la_code, v.level) for v in versions] == [(HARTLEPOOL, "child"), (DURHAM, "child")]
        assert all(v.container_sha256 is None for v in versions)  # the zip holds raw identifiers: not kept
        [entry] = register.quarantine()
        assert entry.file_name == "covering letter.pdf"
        stored = from_stored_bytes(register.blob(versions[1].sha256))
        assert stored.la_code == DURHAM and stored.rows.height == 3
        accepted = register.accepted_returns()
        assert (accepted[DURHAM].values()["B1"], accepted[DURHAM].values()["B2"]) == (2, 3)  # derived: families, children
        assert register.verify() == []


def test_no_raw_identifier_in_the_store_the_outputs_or_anything_printed(through_the_register):
    found = []
    for folder in ("store", "out", "out_files"):
        for name, data in all_bytes(through_the_register[folder]):
            if leaks(data):
                found.append((name, leaks(data)))
    for name, step in through_the_register["steps"].items():
        for stream, text in (("stdout", step.stdout), ("stderr", step.stderr)):
            if leaks(text.encode()):
                found.append((f"{name} {stream}", leaks(text.encode())))
    assert found == []
    assert any(name.endswith("register.sqlite3") for name, _ in all_bytes(through_the_register["store"]))


def test_without_a_key_a_child_file_is_refused_and_nothing_is_stored(tmp_path):
    csv_path = write_csv(tmp_path / "durham.csv", rows())
    store = tmp_path / "store"
    result = run("ingest", str(csv_path), "--store", str(store))
    assert result.returncode == 2
    assert "child-level file: give --key-file to pseudonymise it" in result.stdout
    assert "its contents were not stored, only its fingerprint, size and name" in result.stdout
    assert not leaks((result.stdout + result.stderr).encode())
    assert not (store / "blobs").exists() or not any(p.is_file() for p in (store / "blobs").rglob("*"))
    with sqlite3.connect(store / "register.sqlite3") as db:
        for table in ("blobs", "versions", "quarantine", "issues", "version_cells"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        # Kept so a daily ingest knows it: the file's fingerprint, size, name and the reason.
        assert db.execute("SELECT sha256, size, file_name FROM withheld_files").fetchall() == [
            (hashlib.sha256(csv_path.read_bytes()).hexdigest(), csv_path.stat().st_size, "durham.csv")]
    for name, data in all_bytes(store):
        assert not leaks(data), name


def test_a_bad_key_file_is_one_sentence(tmp_path):
    csv_path = write_csv(tmp_path / "durham.csv", rows())
    result = run("ingest", str(csv_path), "--store", str(tmp_path / "store"), "--key-file", str(tmp_path / "missing.key"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert not (tmp_path / "store").exists()
