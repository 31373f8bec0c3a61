"""The register's storage on both databases: migrations, append-only tables, content-addressed blobs."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from fgc_collect.register import Register, StoreError
from fgc_collect.register import store as storage
from fgc_collect.register.core import NewVersion
from fgc_collect.register.records import Contact
from fgc_collect.model import Issue


def a_version(la_code="E06000047", data=b"workbook bytes", **changes):
    fields = dict(
        la_code=la_code, sha256=storage.sha256_bytes(data), data=data, file_name="Durham.xlsx",
        source="inbox/Durham.xlsx", sender="a@durham.gov.uk", received_at="2025-03-20T09:30:00+00:00",
        validation="warnings", issues=[Issue("FGC003", "warning", "B1 was typed as text.", "B1", "B Referrals", "D6", "12")],
        template_version="2023-24.1",
    )
    fields.update(changes)
    return NewVersion(**fields)


def test_a_new_store_is_migrated_and_reopens(store):
    with Register.open(store) as register:
        assert storage.schema_version(register.db) == storage.SCHEMA_VERSION
        assert register.versions() == []
    with Register.open(store, create=False) as register:  # a second open applies nothing twice
        assert storage.schema_version(register.db) == storage.SCHEMA_VERSION
        assert register.db.scalar("SELECT COUNT(*) FROM schema_version") == storage.SCHEMA_VERSION


def test_sqlite_store_uses_wal_and_foreign_keys(sqlite_store):
    with Register.open(sqlite_store) as register:
        assert register.db.scalar("PRAGMA journal_mode") == "wal"
        assert register.db.scalar("PRAGMA foreign_keys") == 1
        with pytest.raises(sqlite3.IntegrityError):  # an issue for a version that does not exist
            with register.db.write() as db:
                db.execute("INSERT INTO issues (version_id, position, rule, severity, message) VALUES (99, 0, 'FGC001', 'error', 'x')")


def test_a_new_sqlite_register_opened_while_another_process_writes_waits_for_it(tmp_path):
    # Switching to WAL needs an exclusive lock; SQLite says "database is locked" at once rather
    # than wait for it, which made two ingests starting together on a new store fail (CI, stop 8).
    database_file = tmp_path / "store" / storage.SQLITE_FILE
    database_file.parent.mkdir()
    writer = sqlite3.connect(database_file, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE started_first (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO started_first VALUES (1)")
    finishes = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    finishes.start()
    try:
        db = storage.SQLiteDatabase.connect(database_file)
        assert db.scalar("PRAGMA journal_mode") == "wal"
        db.close()
    finally:
        finishes.join()
        writer.close()


def test_a_version_is_stored_with_its_blob_and_issues(store):
    with Register.open(store) as register:
        recorded = register.record_version(a_version(), validated_against=set(), by="coordinator")
        assert recorded.outcome == "stored"
        version = recorded.version
        assert (version.la_code, version.version_no, version.validation, version.warnings) == ("E06000047", 1, "warnings", 1)
        assert register.blob(version.sha256) == b"workbook bytes"
        assert register.issues(version.id) == [Issue("FGC003", "warning", "B1 was typed as text.", "B1", "B Referrals", "D6", "12")]
        assert register.verify() == []


def test_sqlite_blobs_are_files_named_by_their_sha256(sqlite_store, tmp_path):
    with Register.open(sqlite_store) as register:
        version = register.record_version(a_version(), set(), "me").version
    path = tmp_path / "store" / "blobs" / version.sha256[:2] / version.sha256[2:]
    assert path.read_bytes() == b"workbook bytes"
    assert not list((tmp_path / "store" / "blobs" / "tmp").iterdir())  # no temporary file left


def test_the_same_bytes_are_stored_once(store):
    with Register.open(store) as register:
        register.record_version(a_version(), set(), "me")
        again = register.record_version(a_version(), {storage.sha256_bytes(b"workbook bytes")}, "me")
        assert again.outcome == "already_held" and again.version.version_no == 1
        assert len(register.versions()) == 1


def test_a_version_validated_against_out_of_date_versions_is_not_stored(store):
    with Register.open(store) as register:
        register.record_version(a_version(data=b"v1"), set(), "me")
        # Validated before v1 arrived: it must be validated again (FGC204 would miss v1).
        assert register.record_version(a_version(data=b"v2"), set(), "me").outcome == "stale"
        assert register.record_version(a_version(data=b"v2"), {storage.sha256_bytes(b"v1")}, "me").version.version_no == 2


@pytest.mark.parametrize("statement", [
    "UPDATE decisions SET note = 'changed'",
    "DELETE FROM decisions",
    "UPDATE versions SET la_code = 'E06000005'",
    "DELETE FROM versions",
    "DELETE FROM issues",
    "DELETE FROM blobs",
    "DELETE FROM receipts",
    "UPDATE decision_chain SET entry_hash = 'forged'",
    "DELETE FROM decision_chain",
    "UPDATE contacts SET email = 'x@example.com'",
])
def test_the_register_is_append_only(store, statement):
    with Register.open(store) as register:
        register.record_version(a_version(), set(), "me")
        register.decide("E06000047", "reject", "B3 does not add up", by="coordinator")
        register.add_contacts([Contact("E06000047", None, "a@durham.gov.uk")])
        with pytest.raises(Exception, match="append-only"):
            with register.db.write() as db:
                db.execute(statement)
        assert [d.note for d in register.decisions()] == ["B3 does not add up"]
        assert len(register.versions()) == 1


def test_a_note_with_percent_signs_and_question_marks_is_kept_as_typed(store):
    with Register.open(store) as register:
        register.record_version(a_version(), set(), "me")
        register.decide("E06000047", "accept", "100% checked? yes; B1 ok", by="o'brien")
        (decision,) = register.decisions()
        assert (decision.note, decision.decided_by) == ("100% checked? yes; B1 ok", "o'brien")


def test_a_store_from_a_newer_fgc_collect_is_refused_in_one_sentence(sqlite_store):
    with Register.open(sqlite_store) as register:
        with register.db.write() as db:
            db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (storage.SCHEMA_VERSION + 1, "later"))
    with pytest.raises(StoreError, match="made by a newer fgc-collect"):
        Register.open(sqlite_store)


def test_opening_a_missing_store_to_read_says_to_ingest_first(tmp_path):
    with pytest.raises(StoreError, match=r"there is no register at .*nowhere yet; run fgc-collect ingest first"):
        Register.open(tmp_path / "nowhere", create=False)
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_of_other_files_is_not_taken_for_a_store(tmp_path):
    (tmp_path / "Documents").mkdir()
    (tmp_path / "Documents" / "budget.xlsx").write_bytes(b"x")
    with pytest.raises(StoreError, match="is a folder of other files, not a register"):
        Register.open(tmp_path / "Documents")


def test_a_wrong_postgres_url_is_one_sentence_without_the_password():
    with pytest.raises(StoreError) as caught:
        Register.open("postgresql://fgc:s3cret@127.0.0.1:1/nowhere")
    assert "could not connect to the PostgreSQL register postgresql://fgc:***@127.0.0.1:1/nowhere" in str(caught.value)
    assert "s3cret" not in str(caught.value)
