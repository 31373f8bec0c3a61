"""Crash safety and concurrency: `ingest` killed with SIGKILL at random points, and two ingests
on one store at once. After every crash the register must open, hold every fully ingested file
byte-identical, and hold nothing half-written; after both concurrent ingests, every file once."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fgc_collect.register import Register
from fgc_collect.register.store import sha256_bytes
from tests.register import helpers

ROOT = Path(__file__).resolve().parents[2]
LAS = ("E06000047", "E06000005", "E08000037", "E06000001")  # Durham, Darlington, Gateshead, Hartlepool
KILLS = int(os.environ.get("FGC_CRASH_KILLS", "12"))


@pytest.fixture(scope="module")
def crash_returns(tmp_path_factory):
    """Two versions for each of four LAs, and a file that is not a return (quarantine)."""
    folder = tmp_path_factory.mktemp("crash-returns")
    for number, code in enumerate(LAS):
        helpers.write_return(folder / f"{number} {code} v1.xlsx", code, seed=number)
        helpers.write_return(folder / f"{number} {code} v2.xlsx", code, seed=number, B1=1 + number, B2=2 + number)
    (folder / "scan of the return.xlsx").write_bytes(b"%PDF-1.7 a scan, not a workbook")
    return folder


def sources_of(folder: Path) -> dict[str, tuple[str, bytes]]:
    """SHA-256 -> (file name, bytes) of every file given to ingest."""
    return {sha256_bytes(path.read_bytes()): (path.name, path.read_bytes()) for path in sorted(folder.iterdir())}


def driver(store: str, *paths, env=None) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.register.ingest_driver", store, *map(str, paths)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def check_register(store: str, sources: dict[str, tuple[str, bytes]]) -> tuple[int, int]:
    """Everything a crash must not break; returns (versions, quarantined) held."""
    if not store.startswith("postgresql://"):
        database = Path(store) / "register.sqlite3"
        if database.exists():
            with sqlite3.connect(database) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Register.open(store) as register:
        assert register.verify() == []
        versions = register.versions()
        for version in versions:
            name, data = sources[version.sha256]
            assert register.blob(version.sha256) == data, f"{name} is not byte-identical"
            assert version.file_name == name
        by_la: dict[str, list] = {}
        for version in versions:
            by_la.setdefault(version.la_code, []).append(version)
        for code, held in by_la.items():
            assert [v.version_no for v in held] == list(range(1, len(held) + 1)), f"{code}: versions lost or duplicated"
            for version in held:
                # Nothing half-written: a version row always comes with all of its issues.
                expected = ["FGC003"] + (["FGC204"] if version.version_no > 1 else [])
                issues = register.issues(version.id)
                assert [issue.rule for issue in issues] == expected
                if version.version_no > 1:
                    assert issues[1].message == f"compared with {version.version_no - 1} earlier versions"
        assert len({v.sha256 for v in versions}) == len(versions)
        for entry in register.quarantine():
            assert register.blob(entry.sha256) == sources[entry.sha256][1]
        # Every blob row has its bytes (a row is never committed before its file).
        for row in register.db.query("SELECT sha256 FROM blobs"):
            assert sha256_bytes(register.blob(row["sha256"])) == row["sha256"]
        return len(versions), len(register.quarantine())


def complete(store: str, folder: Path) -> None:
    process = driver(store, folder)
    out, err = process.communicate(timeout=300)
    # 2 when the scan goes to quarantine now; 0 when a killed run had put it there (no new failure)
    assert process.returncode in (0, 2), err
    assert "Traceback" not in err


def test_ingest_killed_at_random_points_loses_nothing_and_half_writes_nothing(crash_returns, tmp_path):
    sources = sources_of(crash_returns)
    rng = random.Random(20250404)
    store_number = 0
    store = str(tmp_path / f"store{store_number}")
    progress = []
    for kill in range(KILLS):
        process = driver(store, crash_returns)
        if kill % 3 == 2:
            time.sleep(rng.uniform(0.0, 2.5))  # anywhere: starting up, migrating, reading
        else:
            rounds = rng.choice([1, 2])  # in the storing of round 1 or 2, where files and rows are written
            for line in process.stdout:
                if line.strip() == "VALIDATED":
                    rounds -= 1
                    if rounds == 0:
                        break
            time.sleep(rng.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        versions, quarantined = check_register(store, sources)
        progress.append(versions)
        if versions == 2 * len(LAS):  # all in: start again on a new store so kills keep landing mid-way
            store_number += 1
            store = str(tmp_path / f"store{store_number}")
    assert any(0 < count < 2 * len(LAS) for count in progress), f"no kill landed mid-ingest: {progress}"
    complete(store, crash_returns)
    assert check_register(store, sources) == (2 * len(LAS), 1)


@pytest.mark.parametrize("point", ["after_blob", "after_version_row", "before_commit"])
def test_a_crash_between_writing_a_file_and_committing_its_row_leaves_no_row(crash_returns, tmp_path, point):
    store = str(tmp_path / "store")
    sources = sources_of(crash_returns)
    process = driver(store, crash_returns, env={"FGC_COLLECT_FAILPOINT": point})
    process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL

    assert check_register(store, sources) == (0, 1)  # only the quarantined scan, stored before
    blobs = {path.parent.name + path.name for path in (tmp_path / "store" / "blobs").rglob("*")
             if path.is_file() and path.parent.name != "tmp"}
    first = sha256_bytes((crash_returns / f"0 {LAS[0]} v1.xlsx").read_bytes())
    scan = sha256_bytes((crash_returns / "scan of the return.xlsx").read_bytes())
    assert blobs == {scan, first}  # the first return's file is an orphan: harmless, reused next time
    if point == "after_blob":  # and the next ingest completes over it
        complete(store, crash_returns)
        assert check_register(store, sources) == (2 * len(LAS), 1)


def _two_at_once(store: str, folder: Path, sources, barrier: Path) -> None:
    files = sorted(path for path in folder.iterdir() if path.suffix == ".xlsx" and "scan" not in path.name)
    # Overlapping halves: the first starts with every LA's version 1, the second with every LA's
    # version 2, and both carry some of the other's files. They wait for each other after
    # validating their first round, so both store at once, each validated without the other's.
    first = files[0::2] + files[1:4]
    second = files[1::2] + files[0:3]
    barrier.mkdir()
    processes = [driver(store, *half, env={"FGC_TEST_BARRIER": str(barrier)}) for half in (first, second)]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "DONE" in out
        outputs.append(out)
    assert check_register(store, sources) == (len(files), 0)
    # Each file was stored by exactly one of the two; the other said it was already held.
    for path in files:
        stored = [line for out in outputs for line in out.splitlines() if line.startswith(str(path) + ":") and " version " in line
                  and "already held" not in line]
        assert len(stored) == 1, (path.name, outputs)


def test_two_ingests_on_one_sqlite_store_at_once_lose_and_duplicate_nothing(crash_returns, tmp_path):
    _two_at_once(str(tmp_path / "store"), crash_returns, sources_of(crash_returns), tmp_path / "barrier")


def test_two_ingests_on_one_postgres_store_at_once_lose_and_duplicate_nothing(crash_returns, postgres_store, tmp_path):
    _two_at_once(postgres_store, crash_returns, sources_of(crash_returns), tmp_path / "barrier")
