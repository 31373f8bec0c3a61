"""The register's integrity (issue 13, item 1): every stored file is checked against its SHA-256
fingerprint when it is read, `verify` checks them all and the audit log's hash chain, and a
register that fails is never published from. Tampering is done as an intruder would: straight in
the blob folder or the database, past fgc-collect (its triggers dropped)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fgc_collect.register import Register, StoreError, ingest_paths
from fgc_collect.register import store as storage
from tests.register.conftest import DARLINGTON, DURHAM
from tests.register.test_store import a_version


def swap_blob(register: Register, sha256: str, forged: bytes) -> None:
    """Replace a stored file's bytes behind fgc-collect's back."""
    if register.db.dialect == "sqlite":
        register.blobs.path(sha256).write_bytes(forged)
        return
    register.db.execute("ALTER TABLE blob_data DISABLE TRIGGER USER")
    register.db.execute("UPDATE blob_data SET data = ? WHERE sha256 = ?", (forged, sha256))
    register.db.execute("ALTER TABLE blob_data ENABLE TRIGGER USER")


def tamper(register: Register, table: str, statement: str, params=()) -> None:
    """Run `statement` on an append-only table with its triggers out of the way."""
    db = register.db
    if db.dialect == "sqlite":
        triggers = db.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))
        for trigger in triggers:
            db.execute(f"DROP TRIGGER {trigger['name']}")
        db.execute(statement, params)
        for trigger in triggers:
            db.execute(trigger["sql"])
        return
    db.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    db.execute(statement, params)
    db.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_a_stored_return_swapped_for_a_forged_one_is_refused_when_read(store, returns, quick_validator, tmp_path):
    from tests.register import helpers

    forged = helpers.write_return(tmp_path / "forged.xlsx", DURHAM, seed=1, B1=999).read_bytes()
    with Register.open(store) as register:
        ingest_paths(register, [returns / "Durham FGC return.xlsx", returns / "Darlington return.xlsx"], validator=quick_validator)
        register.decide(DURHAM, "accept", "checked", by="amy")
        durham = register.version(DURHAM)
        assert register.accepted_returns()[DURHAM].values()["B1"] != 999

        swap_blob(register, durham.sha256, forged)

        with pytest.raises(StoreError) as refused:
            register.accepted_returns()
        assert str(refused.value) == (
            f"the stored copy of Durham FGC return.xlsx (County Durham, version 1) has been changed since it was stored: "
            f"it no longer matches its SHA-256 fingerprint [{durham.sha256[:12]}], so it is not used; restore it from a backup."
        )
        with pytest.raises(StoreError, match=r"Durham FGC return.xlsx \(County Durham, version 1\) has been changed"):
            register.blob(durham.sha256)
        assert register.verify() == [str(refused.value)]
        darlington = register.version(DARLINGTON)
        assert register.read_version(darlington).values()["A2"]  # the others are still read


def test_verify_names_every_changed_or_missing_file(sqlite_store):
    with Register.open(sqlite_store) as register:
        first = register.record_version(a_version(data=b"Durham v1", container_sha256=storage.sha256_bytes(b"email"),
                                                  container_data=b"email", source="inbox/RE FGC.eml > Durham.xlsx"), set(), "amy").version
        second = register.record_version(a_version(la_code=DARLINGTON, data=b"Darlington v1", file_name="Darlington.xlsx"), set(), "amy").version
        register.record_quarantine(storage.sha256_bytes(b"%PDF"), b"%PDF", "scan.pdf", "inbox/scan.pdf", "not a spreadsheet",
                                   None, "2025-03-20T09:30:00+00:00", "amy")
        assert register.verify() == []

        register.blobs.path(first.sha256).write_bytes(b"Durham v1, B1 999")
        register.blobs.path(second.sha256).unlink()
        register.blobs.path(first.container_sha256).write_bytes(b"another email")
        register.blobs.path(storage.sha256_bytes(b"%PDF")).write_bytes(b"%PDF-forged")

        problems = register.verify()
    assert sorted(problems) == sorted([
        f"the stored copy of Durham.xlsx (County Durham, version 1) has been changed since it was stored: it no longer matches "
        f"its SHA-256 fingerprint [{first.sha256[:12]}], so it is not used; restore it from a backup.",
        f"the stored copy of Darlington.xlsx (Darlington, version 1) is missing from the register [{second.sha256[:12]}].",
        f"the stored copy of inbox/RE FGC.eml (the email or zip that brought Durham.xlsx of County Durham) has been changed "
        f"since it was stored: it no longer matches its SHA-256 fingerprint [{first.container_sha256[:12]}], so it is not used; "
        "restore it from a backup.",
        f"the stored copy of scan.pdf (in quarantine) has been changed since it was stored: it no longer matches its SHA-256 "
        f"fingerprint [{storage.sha256_bytes(b'%PDF')[:12]}], so it is not used; restore it from a backup.",
    ])


def decided(register: Register, count: int) -> list:
    register.record_version(a_version(), set(), "amy")
    register.record_version(a_version(la_code=DARLINGTON, data=b"Darlington"), set(), "amy")
    for number in range(count):
        register.decide(DURHAM if number % 2 == 0 else DARLINGTON, "accept" if number % 4 < 2 else "reject",
                        f"note {number}", by="amy", now=f"2025-04-0{number + 1}T10:00:00+00:00")
    return register.decisions()


def test_each_decision_carries_the_hash_of_the_one_before(store):
    with Register.open(store) as register:
        decisions = decided(register, 4)
        chain = register.db.query("SELECT decision_id, previous_hash, entry_hash FROM decision_chain ORDER BY decision_id")
        assert [link["decision_id"] for link in chain] == [d.id for d in decisions]
        assert chain[0]["previous_hash"] == storage.CHAIN_START
        assert all(later["previous_hash"] == earlier["entry_hash"] for earlier, later in zip(chain, chain[1:]))
        assert register.chain_head() == (4, chain[-1]["entry_hash"])
        assert register.verify() == []


def test_a_decision_changed_behind_fgc_collects_back_is_named(store):
    with Register.open(store) as register:
        decisions = decided(register, 4)
        tamper(register, "decisions", "UPDATE decisions SET note = 'all fine' WHERE id = ?", (decisions[1].id,))
        assert register.verify() == [
            f"the audit log's entry {decisions[1].id} (accept of Darlington, 2025-04-02T10:00:00+00:00 by amy) has been "
            "changed since it was recorded (its hash no longer matches)."
        ]


def test_a_decision_turned_from_reject_to_accept_is_named(store):
    with Register.open(store) as register:
        decisions = decided(register, 4)
        tamper(register, "decisions", "UPDATE decisions SET decision = 'accept' WHERE id = ?", (decisions[2].id,))
        assert register.verify() == [
            f"the audit log's entry {decisions[2].id} (accept of County Durham, 2025-04-03T10:00:00+00:00 by amy) has been "
            "changed since it was recorded (its hash no longer matches)."
        ]


def test_a_decision_removed_from_the_middle_breaks_the_chain_at_the_next(store):
    with Register.open(store) as register:
        decisions = decided(register, 4)
        tamper(register, "decision_chain", "DELETE FROM decision_chain WHERE decision_id = ?", (decisions[1].id,))
        tamper(register, "decisions", "DELETE FROM decisions WHERE id = ?", (decisions[1].id,))
        assert register.verify() == [
            f"the audit log's hash chain is broken at entry {decisions[2].id} (reject of County Durham, "
            "2025-04-03T10:00:00+00:00 by amy): the entry before it was removed or changed outside fgc-collect."
        ]


def test_a_decision_slipped_in_outside_fgc_collect_is_named(store):
    with Register.open(store) as register:
        decided(register, 2)
        version = register.version(DURHAM)
        with register.db.write() as db:
            db.execute("INSERT INTO decisions (version_id, la_code, decision, note, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (version.id, DURHAM, "accept", "forged", "amy", "2025-04-09T10:00:00+00:00"))
        (forged,) = [d for d in register.decisions() if d.note == "forged"]
        assert register.verify() == [
            f"the audit log's entry {forged.id} (accept of County Durham, 2025-04-09T10:00:00+00:00 by amy) is not in its "
            "hash chain: it was added outside fgc-collect."
        ]


def test_a_decision_moved_onto_another_file_is_named(store):
    """The chain covers the fingerprint of the file decided on: a version row pointed at another
    file shows in the decision's entry."""
    with Register.open(store) as register:
        decisions = decided(register, 1)
        other = storage.sha256_bytes(b"forged workbook")
        register.blobs.prepare(other, b"forged workbook")
        with register.db.write() as db:
            db.execute("INSERT INTO blobs (sha256, size, stored_at) VALUES (?, ?, ?)", (other, 15, "2025-04-01"))
            register.blobs.record(db, other, b"forged workbook")
        tamper(register, "versions", "UPDATE versions SET sha256 = ? WHERE id = ?", (other, decisions[0].version_id))
        assert register.verify() == [
            f"the audit log's entry {decisions[0].id} (accept of County Durham, 2025-04-01T10:00:00+00:00 by amy) has been "
            "changed since it was recorded (its hash no longer matches)."
        ]


def test_a_register_from_before_the_chain_is_migrated_in_place(tmp_path):
    """A register made by the previous release (schema 2): its decisions are chained and each
    version gets its receipt when it is next opened, and nothing else changes."""
    folder = tmp_path / "store"
    folder.mkdir()
    db = storage.SQLiteDatabase.connect(folder / storage.SQLITE_FILE)
    with db.write():
        db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for number, step in enumerate(storage.MIGRATIONS[:2], start=1):
            for statement in storage.migration_statements(step, "sqlite"):
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (number, "2025-01-01"))
        blobs = storage.FolderBlobs(folder / storage.BLOB_FOLDER)
        for number, data in enumerate((b"v1", b"v2"), start=1):
            digest = storage.sha256_bytes(data)
            blobs.prepare(digest, data)
            db.execute("INSERT INTO blobs (sha256, size, stored_at) VALUES (?, ?, ?)", (digest, 2, "2025-03-01"))
            db.execute(
                "INSERT INTO versions (la_code, version_no, sha256, file_name, source, sender, received_at, ingested_at, "
                "ingested_by, validation, errors, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
                (DURHAM, number, digest, f"v{number}.xlsx", f"inbox/v{number}.xlsx", "jo@durham.gov.uk",
                 f"2025-03-0{number}T09:00:00+00:00", "2025-03-10", "amy", "valid"))
        for number, (version_id, what) in enumerate(((1, "accept"), (2, "accept"), (2, "reject")), start=1):
            db.execute("INSERT INTO decisions (version_id, la_code, decision, note, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (version_id, DURHAM, what, f"note {number}", "amy", f"2025-04-0{number}"))
    db.close()

    with Register.open(folder) as register:
        assert storage.schema_version(register.db) == storage.SCHEMA_VERSION
        assert register.verify() == []
        assert register.chain_head()[0] == 3
        assert [(r.version_id, r.sender, r.sender_check) for r in register.receipts()] == [
            (1, "jo@durham.gov.uk", None), (2, "jo@durham.gov.uk", None)]
        assert register.version(DURHAM).version_no == 2
        register.decide(DURHAM, "accept", "after the upgrade", version_no=2, by="amy")
        assert register.verify() == [] and register.chain_head()[0] == 4


def test_a_register_holding_files_that_fail_is_never_published_from(tmp_path, returns, quick_validator):
    from fgc_collect.publish.sources import SourceError, inputs_from_store

    store = tmp_path / "store"
    with Register.open(store) as register:
        ingest_paths(register, [returns / "Durham FGC return.xlsx"], validator=quick_validator)
        register.decide(DURHAM, "accept", "checked", by="amy")
        sha = register.version(DURHAM).sha256
    assert len(inputs_from_store(str(store)).used) == 1
    (store / "blobs" / sha[:2] / sha[2:]).write_bytes(b"forged")
    with pytest.raises(SourceError) as refused:
        inputs_from_store(str(store))
    assert str(refused.value) == (
        "nothing was published, because the register fails its check: the stored copy of Durham FGC return.xlsx "
        "(County Durham, version 1) has been changed since it was stored: it no longer matches its SHA-256 fingerprint "
        f"[{sha[:12]}], so it is not used; restore it from a backup."
    )


def test_a_swapped_file_is_noticed_by_history_which_still_shows_the_rest(tmp_path, returns, quick_validator):
    from fgc_collect.reference import find_la
    from fgc_collect.register.history import format_history, la_history

    store = tmp_path / "store"
    with Register.open(store) as register:
        ingest_paths(register, [returns / "Durham FGC return.xlsx"], validator=quick_validator)
        ingest_paths(register, [returns / "Durham FGC return v2.xlsx"], validator=quick_validator)
        first = register.version(DURHAM, 1)
        register.blobs.path(first.sha256).write_bytes(b"forged")
        entries = la_history(register, find_la(DURHAM))
    assert [entry.problem is not None for entry in entries] == [True, False]
    text = format_history(find_la(DURHAM), entries, "warnings")
    assert "  STORED FILE DAMAGED: the stored copy of Durham FGC return.xlsx (County Durham, version 1) has been changed" in text
    assert "Version 2: Durham FGC return v2.xlsx" in text


def test_reading_every_file_checks_it_and_a_clean_copy_reads_the_same(store):
    """The check is on the read itself: what is returned is what was stored."""
    with Register.open(store) as register:
        version = register.record_version(a_version(data=b"exact bytes"), set(), "amy").version
        assert register.blob(version.sha256) == b"exact bytes"
        with register.blob_file(version.sha256, "Durham.xlsx") as path:
            assert Path(path).read_bytes() == b"exact bytes"
        swap_blob(register, version.sha256, b"exact bytez")
        with pytest.raises(StoreError, match="has been changed since it was stored"):
            with register.blob_file(version.sha256, "Durham.xlsx"):
                pass


def test_sqlite_integrity_of_the_migrated_schema(sqlite_store):
    with Register.open(sqlite_store) as register:
        decided(register, 2)
    connection = sqlite3.connect(Path(sqlite_store) / storage.SQLITE_FILE)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
