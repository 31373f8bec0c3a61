"""The register's storage: one small DB-API layer over SQLite (a folder) or PostgreSQL (a URL),
numbered schema migrations, and a content-addressed blob store that never overwrites or deletes.

SQLite store (`--store DIR`): `DIR/register.sqlite3` (WAL, foreign keys, synchronous=FULL) and
the original files under `DIR/blobs/ab/cdef...` (named by SHA-256). A blob is written to a
temporary file, fsynced and renamed into place *before* the database row that refers to it is
committed, so a crash leaves at worst an orphan blob, never a row without its file.

PostgreSQL store (`--store postgresql://...`): the blobs live in the database (table
`blob_data`, bytea) and are inserted in the same transaction as their rows, so a team sharing
one register needs nothing but the URL.

SQL is written once with `?` placeholders; the PostgreSQL layer translates them. Every write
goes through `Database.write()`, which holds the register's single write lock for the
transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory lock), so two
processes ingesting at once are serialised at commit time and never number a version twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SQLITE_FILE = "register.sqlite3"
BLOB_FOLDER = "blobs"
BLOB_TMP_FOLDER = "tmp"
BUSY_TIMEOUT_SECONDS = 120
WRITE_LOCK_KEY = 0x46474331  # "FGC1": the PostgreSQL advisory lock that serialises writers
STALE_TEMP_SECONDS = 3600


class StoreError(Exception):
    """A register that cannot be opened or used; the message is one plain sentence."""


def is_postgres_url(store: str | os.PathLike) -> bool:
    return str(store).startswith(("postgresql://", "postgres://"))


def display_store(store: str | os.PathLike) -> str:
    """The store as it may be shown: a URL without its password."""
    text = str(store)
    if is_postgres_url(text):
        return re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@/]*@", r"\1:***@", text)
    return text


# --------------------------------------------------------------------------- migrations

# Each step is applied once, in order, in one transaction, and recorded in schema_version.
# {ID} and {BYTES} are filled in per dialect; statements under a dialect key run only there, and
# functions under "python" (data derived from rows already there) after them, in the same transaction.
# Never edit a step that has been released: add a new one.
_APPEND_ONLY_TABLES = ("blobs", "versions", "version_cells", "issues", "quarantine", "decisions")

# Step 3 (integrity). The audit log is a hash chain: each decision's entry hash covers its content,
# the fingerprint of the file decided on, and the hash of the entry before it, so a decision
# changed, removed from the middle or slipped in afterwards shows (`Register.verify`).
CHAIN_START = "0" * 64
DECISION_ENTRY_QUERY = (
    "SELECT d.id, d.version_id, v.sha256 AS version_sha256, d.la_code, d.decision, d.note, d.decided_by, "
    "d.decided_at FROM decisions d LEFT JOIN versions v ON v.id = d.version_id"
)


def decision_hash(entry: dict[str, Any], previous_hash: str) -> str:
    """The chain hash of one decision (a row of DECISION_ENTRY_QUERY) after `previous_hash`."""
    content = [entry["id"], entry["version_id"], entry["version_sha256"], entry["la_code"], entry["decision"],
               entry["note"], entry["decided_by"], entry["decided_at"], previous_hash]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def _chain_existing_decisions(db: Database) -> None:
    """Migration 3: chain the decisions already in the log, oldest first."""
    previous = CHAIN_START
    for entry in db.query(DECISION_ENTRY_QUERY + " ORDER BY d.id"):
        entry_hash = decision_hash(entry, previous)
        db.execute("INSERT INTO decision_chain (decision_id, previous_hash, entry_hash) VALUES (?, ?, ?)",
                   (entry["id"], previous, entry_hash))
        previous = entry_hash


def _append_only(tables: Sequence[str]) -> dict[str, list[str]]:
    """The triggers that keep `tables` append-only, per dialect (as migration 1 made them)."""
    return {
        "sqlite": [
            f"""CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                BEGIN SELECT RAISE(ABORT, 'the register is append-only: {table} cannot be {verb}'); END"""
            for table in tables for action, verb in (("UPDATE", "changed"), ("DELETE", "deleted"))
        ],
        "postgresql": [
            statement
            for table in tables
            for statement in (
                f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION fgc_append_only()""",
                f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION fgc_append_only()""",
            )
        ],
    }


_INTEGRITY_TABLES = ("receipts", "contacts", "decision_chain")
_integrity_triggers = _append_only(_INTEGRITY_TABLES)


# Step 5 (years). Versions are numbered per collection year and LA: 2024-25's first return from an
# LA is its version 1 of 2024-25, never version 2 of 2023-24. Every version held before is 2023-24.
# PostgreSQL swaps the unique constraint in place. SQLite cannot drop a table's UNIQUE clause, so the
# table is rebuilt as SQLite documents it (https://sqlite.org/lang_altertable.html#otheralter): a
# new table, every row copied with its id (the audit log's hash chain covers version ids), the old
# one dropped and the new one renamed, with foreign keys off for the swap (migrate() turns them off
# before its transaction: they cannot change inside one) and checked before the commit. DROP TABLE
# fires no trigger and, with foreign keys off, deletes nothing first, so the append-only triggers
# stand until the old table goes, and are made again on the new one.
_VERSION_COLUMNS = (
    "id, la_code, version_no, sha256, file_name, source, container_sha256, sender, received_at, ingested_at, "
    "ingested_by, validation, errors, warnings, template_version, level"
)
BASE_YEAR = "2023-24"  # the year of every version held by a register made before years

_YEARS_SQLITE = [
    """CREATE TABLE versions_by_year (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        la_code TEXT NOT NULL,
        version_no INTEGER NOT NULL,
        sha256 TEXT NOT NULL UNIQUE REFERENCES blobs(sha256),
        file_name TEXT NOT NULL,
        source TEXT NOT NULL,
        container_sha256 TEXT REFERENCES blobs(sha256),
        sender TEXT,
        received_at TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        ingested_by TEXT NOT NULL,
        validation TEXT NOT NULL CHECK (validation IN ('valid', 'warnings', 'errors')),
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        template_version TEXT,
        level TEXT NOT NULL DEFAULT 'aggregate',
        year TEXT NOT NULL,
        UNIQUE (year, la_code, version_no)
    )""",
    f"INSERT INTO versions_by_year ({_VERSION_COLUMNS}, year) SELECT {_VERSION_COLUMNS}, '{BASE_YEAR}' FROM versions ORDER BY id",
    "DROP TABLE versions",
    "ALTER TABLE versions_by_year RENAME TO versions",
    "CREATE INDEX versions_by_la ON versions (la_code, version_no)",  # as step 1 made it
    *_append_only(("versions",))["sqlite"],
]
_YEARS_POSTGRESQL = [
    f"ALTER TABLE versions ADD COLUMN year TEXT NOT NULL DEFAULT '{BASE_YEAR}'",
    "ALTER TABLE versions ALTER COLUMN year DROP DEFAULT",  # a new version always names its year
    """DO $$ DECLARE old_unique TEXT; BEGIN
         SELECT conname INTO old_unique FROM pg_constraint
          WHERE conrelid = 'versions'::regclass AND contype = 'u'
            AND pg_get_constraintdef(oid) = 'UNIQUE (la_code, version_no)';
         EXECUTE format('ALTER TABLE versions DROP CONSTRAINT %I', old_unique);
       END $$""",
    "ALTER TABLE versions ADD CONSTRAINT versions_year_la_version UNIQUE (year, la_code, version_no)",
]


MIGRATIONS: tuple[dict[str, list], ...] = (
    {  # 1: the register
        "common": [
            """CREATE TABLE blobs (
                sha256 TEXT PRIMARY KEY,
                size BIGINT NOT NULL,
                stored_at TEXT NOT NULL
            )""",
            # One row per distinct spreadsheet identified as an LA's return: a version.
            """CREATE TABLE versions (
                id {ID},
                la_code TEXT NOT NULL,
                version_no INTEGER NOT NULL,
                sha256 TEXT NOT NULL UNIQUE REFERENCES blobs(sha256),
                file_name TEXT NOT NULL,
                source TEXT NOT NULL,
                container_sha256 TEXT REFERENCES blobs(sha256),
                sender TEXT,
                received_at TEXT NOT NULL,
                ingested_at TEXT NOT NULL,
                ingested_by TEXT NOT NULL,
                validation TEXT NOT NULL CHECK (validation IN ('valid', 'warnings', 'errors')),
                errors INTEGER NOT NULL,
                warnings INTEGER NOT NULL,
                template_version TEXT,
                UNIQUE (la_code, version_no)
            )""",
            # Each version's answers as read, free text left out (it may be personal): later
            # returns are compared with the other LAs' figures without re-reading every workbook.
            """CREATE TABLE version_cells (
                version_id BIGINT PRIMARY KEY REFERENCES versions(id),
                snapshot TEXT NOT NULL
            )""",
            # The validation result of each version, so status and history never re-validate.
            """CREATE TABLE issues (
                id {ID},
                version_id BIGINT NOT NULL REFERENCES versions(id),
                position INTEGER NOT NULL,
                rule TEXT NOT NULL,
                severity TEXT NOT NULL,
                item TEXT,
                sheet TEXT,
                cell TEXT,
                value TEXT,
                message TEXT NOT NULL,
                UNIQUE (version_id, position)
            )""",
            # Files that could not be read or tied to an LA, kept with the reason.
            """CREATE TABLE quarantine (
                id {ID},
                sha256 TEXT NOT NULL REFERENCES blobs(sha256),
                file_name TEXT NOT NULL,
                source TEXT NOT NULL,
                container_sha256 TEXT REFERENCES blobs(sha256),
                sender TEXT,
                received_at TEXT NOT NULL,
                ingested_at TEXT NOT NULL,
                ingested_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                UNIQUE (sha256, reason)
            )""",
            # The coordinator's decisions: the audit log, append-only.
            """CREATE TABLE decisions (
                id {ID},
                version_id BIGINT NOT NULL REFERENCES versions(id),
                la_code TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
                note TEXT NOT NULL,
                decided_by TEXT NOT NULL,
                decided_at TEXT NOT NULL
            )""",
            "CREATE INDEX versions_by_la ON versions (la_code, version_no)",
            "CREATE INDEX decisions_by_version ON decisions (version_id, id)",
        ],
        "sqlite": [
            trigger
            for table in _APPEND_ONLY_TABLES
            for trigger in (
                f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                    BEGIN SELECT RAISE(ABORT, 'the register is append-only: {table} cannot be changed'); END""",
                f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                    BEGIN SELECT RAISE(ABORT, 'the register is append-only: {table} cannot be deleted'); END""",
            )
        ],
        "postgresql": [
            """CREATE TABLE blob_data (
                sha256 TEXT PRIMARY KEY REFERENCES blobs(sha256),
                data BYTEA NOT NULL
            )""",
            """CREATE FUNCTION fgc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                 RAISE EXCEPTION 'the register is append-only: % cannot be changed or deleted', TG_TABLE_NAME;
               END $$""",
            *[
                statement
                for table in (*_APPEND_ONLY_TABLES, "blob_data")
                for statement in (
                    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                        FOR EACH ROW EXECUTE FUNCTION fgc_append_only()""",
                    f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                        FOR EACH STATEMENT EXECUTE FUNCTION fgc_append_only()""",
                )
            ],
        ],
    },
    {  # 2: child-level versions (the stored blob is the pseudonymised rows as Parquet, never the file)
        "common": [
            "ALTER TABLE versions ADD COLUMN level TEXT NOT NULL DEFAULT 'aggregate'",
        ],
    },
    {  # 3: receipts (every sending of a version), the LAs' contacts, the audit log's hash chain
        "common": [
            # Each time a version arrived: the first sending, and an earlier version sent again
            # (in a new email or zip). The latest receipt that counts says which version the LA means.
            """CREATE TABLE receipts (
                id {ID},
                version_id BIGINT NOT NULL REFERENCES versions(id),
                la_code TEXT NOT NULL,
                file_name TEXT NOT NULL,
                source TEXT NOT NULL,
                container_sha256 TEXT REFERENCES blobs(sha256),
                sender TEXT,
                sender_check TEXT CHECK (sender_check IN ('known', 'unknown', 'unverified')),
                received_at TEXT NOT NULL,
                ingested_at TEXT NOT NULL,
                ingested_by TEXT NOT NULL
            )""",
            "CREATE INDEX receipts_by_la ON receipts (la_code, id)",
            """INSERT INTO receipts (version_id, la_code, file_name, source, container_sha256, sender, sender_check,
                                     received_at, ingested_at, ingested_by)
               SELECT id, la_code, file_name, source, container_sha256, sender, NULL, received_at, ingested_at, ingested_by
               FROM versions ORDER BY id""",
            # The research team's contacts (--contacts FILE): the LAs' known senders, and whom to chase.
            """CREATE TABLE contacts (
                id {ID},
                la_code TEXT NOT NULL,
                name TEXT,
                email TEXT NOT NULL,
                added_at TEXT NOT NULL,
                added_by TEXT NOT NULL,
                UNIQUE (la_code, email)
            )""",
            """CREATE TABLE decision_chain (
                decision_id BIGINT PRIMARY KEY REFERENCES decisions(id),
                previous_hash TEXT NOT NULL,
                entry_hash TEXT NOT NULL UNIQUE
            )""",
        ],
        "sqlite": _integrity_triggers["sqlite"],
        "postgresql": _integrity_triggers["postgresql"],
        "python": [_chain_existing_decisions],
    },
    {  # 4: quarantine: files held by their fingerprint only, and how each quarantined file was resolved
        "common": [
            # Files refused whose bytes may hold children's identifiers (a child-level file that
            # cannot be pseudonymised, anything that could not be opened): never stored, only this.
            """CREATE TABLE withheld_files (
                id {ID},
                sha256 TEXT NOT NULL,
                size BIGINT NOT NULL,
                file_name TEXT NOT NULL,
                source TEXT NOT NULL,
                sender TEXT,
                received_at TEXT NOT NULL,
                ingested_at TEXT NOT NULL,
                ingested_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                UNIQUE (sha256, reason)
            )""",
            # A quarantined file (by SHA-256, in quarantine or withheld_files) taken in as a version
            # (`ingest --la`) or dropped by the coordinator with a note: the entry itself stays.
            """CREATE TABLE quarantine_resolutions (
                id {ID},
                sha256 TEXT NOT NULL,
                resolution TEXT NOT NULL CHECK (resolution IN ('taken', 'dropped')),
                version_id BIGINT REFERENCES versions(id),
                note TEXT NOT NULL,
                resolved_by TEXT NOT NULL,
                resolved_at TEXT NOT NULL
            )""",
            "CREATE INDEX quarantine_resolutions_by_sha ON quarantine_resolutions (sha256)",
        ],
        "sqlite": [
            f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, 'the register is append-only: {table} cannot be changed'); END"""
            for table in ("withheld_files", "quarantine_resolutions") for verb in ("UPDATE", "DELETE")
        ],
        "postgresql": [
            statement
            for table in ("withheld_files", "quarantine_resolutions")
            for statement in (
                f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION fgc_append_only()""",
                f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION fgc_append_only()""",
            )
        ],
    },
    {  # 5: versions numbered per collection year and LA (the rows held become 2023-24)
        "sqlite": _YEARS_SQLITE,
        "postgresql": _YEARS_POSTGRESQL,
    },
)


_DIALECT_WORDS = {
    "sqlite": {"ID": "INTEGER PRIMARY KEY AUTOINCREMENT", "BYTES": "BLOB"},
    "postgresql": {"ID": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTES": "BYTEA"},
}


def migration_statements(step: dict[str, list], dialect: str) -> list[str]:
    words = _DIALECT_WORDS[dialect]
    statements = step.get("common", []) + step.get(dialect, [])
    return [re.sub(r"\{(ID|BYTES)\}", lambda m: words[m[1]], statement) for statement in statements]


SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------- the DB-API layer


class Database:
    """A connection with portable SQL: `?` placeholders, rows as dicts, explicit transactions."""

    dialect = ""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def _sql(self, sql: str) -> str:
        return sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(self._sql(sql), tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.execute(sql, params).fetchall()  # fetch all: finishes an INSERT ... RETURNING
        return rows[0][0] if rows else None

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A transaction holding the register's write lock: committed on success, else rolled back."""
        raise NotImplementedError

    def close(self) -> None:
        self.connection.close()


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode, waiting out another process doing the same.

    Changing the journal mode needs an exclusive lock, and SQLite returns "database is locked" at
    once (without its busy handler, to avoid deadlock) when two processes open a new register
    together, so the wait is here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.01
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


class SQLiteDatabase(Database):
    dialect = "sqlite"

    @classmethod
    def connect(cls, path: Path) -> SQLiteDatabase:
        # isolation_level=None: no implicit transactions; write() says BEGIN IMMEDIATE itself.
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        _switch_to_wal(connection)
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        return cls(connection)

    @contextmanager
    def write(self) -> Iterator[Database]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Database]:
        """A consistent snapshot across several queries."""
        self.connection.execute("BEGIN")
        try:
            yield self
        finally:
            self.connection.execute("COMMIT")


class PostgresDatabase(Database):
    dialect = "postgresql"

    @classmethod
    def connect(cls, url: str) -> PostgresDatabase:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is a dependency
            raise StoreError("a PostgreSQL register needs the psycopg package (pip install 'psycopg[binary]').") from None
        try:
            connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise StoreError(f"could not connect to the PostgreSQL register {display_store(url)} ({reason}).") from None
        return cls(connection)

    def _sql(self, sql: str) -> str:
        # psycopg's placeholder is %s; a literal % must be doubled.
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if not params:  # no placeholder processing: $$ bodies and % stay as written
            return self.connection.execute(sql)
        return self.connection.execute(self._sql(sql), tuple(params))

    @contextmanager
    def write(self) -> Iterator[Database]:
        with self.connection.transaction():
            self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            yield self

    @contextmanager
    def read(self) -> Iterator[Database]:
        with self.connection.transaction():
            self.connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield self


def schema_version(db: Database) -> int:
    return int(db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version") or 0)


def _up_to_date(db: Database) -> bool:
    """True when the schema is current (checked without the write lock, so readers never wait)."""
    if db.dialect == "sqlite":
        exists = db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    else:
        exists = db.scalar("SELECT to_regclass('schema_version') IS NOT NULL")
    return bool(exists) and schema_version(db) == SCHEMA_VERSION


def migrate(db: Database, now: str) -> int:
    """Bring the schema up to date; safe when several processes open a new store at once."""
    if _up_to_date(db):
        return SCHEMA_VERSION
    if db.dialect == "sqlite":  # a step may rebuild a table (5): foreign keys off for it, checked below
        db.execute("PRAGMA foreign_keys = OFF")
    try:
        _migrate(db, now)
    finally:
        if db.dialect == "sqlite":
            db.execute("PRAGMA foreign_keys = ON")
    return schema_version(db)


def _migrate(db: Database, now: str) -> None:
    with db.write():
        # Inside the write lock, so two processes never both create the tables.
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        current = schema_version(db)
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"this register was made by a newer fgc-collect (schema {current}, this one knows {SCHEMA_VERSION}); "
                "upgrade fgc-collect to use it."
            )
        for number, step in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            for statement in migration_statements(step, db.dialect):
                db.execute(statement)
            for fill in step.get("python", ()):  # data a step derives in Python (same transaction)
                fill(db)
            db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (number, now))
        if db.dialect == "sqlite" and db.query("PRAGMA foreign_key_check"):
            raise StoreError("the register's upgrade would leave rows pointing at versions that are not there, "
                             "so it was not made; the register is unchanged.")


# --------------------------------------------------------------------------- blobs


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobMissing(StoreError):
    """A file the register refers to is not in the blob store."""

    def __init__(self, sha256: str, where: str = "") -> None:
        super().__init__(f"the register's copy of file {sha256[:12]} is missing{where}.")
        self.sha256 = sha256


class BlobChanged(StoreError):
    """A stored file no longer matches its SHA-256 fingerprint: changed after it was stored."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"the register's copy of file {sha256[:12]} has been changed since it was stored "
                         "(it no longer matches its SHA-256 fingerprint).")
        self.sha256 = sha256


class _Blobs:
    """What both blob stores share: every read checked against the fingerprint the file is stored
    under (a file swapped on disk or in the database is never used), and a blob handed to a reader
    as a file."""

    def read(self, db: Database, sha256: str) -> bytes:
        """The stored bytes, or BlobMissing / BlobChanged."""
        data = self.read_unchecked(db, sha256)
        if sha256_bytes(data) != sha256:
            raise BlobChanged(sha256)
        return data

    def read_unchecked(self, db: Database, sha256: str) -> bytes:
        raise NotImplementedError

    @contextmanager
    def as_file(self, db: Database, sha256: str, name: str) -> Iterator[Path]:
        """The blob as a file named `name` (readers show the name in their messages)."""
        with tempfile.TemporaryDirectory(prefix="fgc-blob-") as folder:
            path = Path(folder) / name
            path.write_bytes(self.read(db, sha256))
            yield path


class FolderBlobs(_Blobs):
    """Files under `<store>/blobs/ab/cdef...`, written once: temp file, fsync, rename, fsync folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / BLOB_TMP_FOLDER

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def prepare(self, sha256: str, data: bytes) -> None:
        """Put the file in place before its row is committed (a crash leaves an orphan at worst)."""
        target = self.path(sha256)
        if target.exists() and target.stat().st_size == len(data):
            return  # already stored (content-addressed: same name, same bytes)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f"{sha256[:16]}.{os.getpid()}.", dir=self.tmp)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)  # atomic: the name never points at a partial file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_folder(target.parent)

    def record(self, db: Database, sha256: str, data: bytes) -> None:
        """Nothing to add inside the transaction: the file is already in place."""

    def read_unchecked(self, db: Database, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(sha256, f" from {self.root}") from None

    def sweep_temporaries(self) -> None:
        """Remove temporary files a killed process left (old enough not to be in use)."""
        if not self.tmp.is_dir():
            return
        cutoff = time.time() - STALE_TEMP_SECONDS
        for leftover in self.tmp.iterdir():
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
            except OSError:
                pass


class DatabaseBlobs(_Blobs):
    """Blobs as bytea rows, inserted in the same transaction as the rows that refer to them."""

    def prepare(self, sha256: str, data: bytes) -> None:
        """Nothing before the transaction: the bytes go in with the row."""

    def record(self, db: Database, sha256: str, data: bytes) -> None:
        db.execute("INSERT INTO blob_data (sha256, data) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", (sha256, data))

    def read_unchecked(self, db: Database, sha256: str) -> bytes:
        data = db.scalar("SELECT data FROM blob_data WHERE sha256 = ?", (sha256,))
        if data is None:
            raise BlobMissing(sha256)
        return bytes(data)

    def sweep_temporaries(self) -> None:
        pass


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- opening a store


def open_store(store: str | os.PathLike, create: bool, now: str) -> tuple[Database, FolderBlobs | DatabaseBlobs]:
    """The database (migrated) and blob store for `store`: a folder or a postgresql:// URL."""
    if is_postgres_url(store):
        db: Database = PostgresDatabase.connect(str(store))
        blobs: FolderBlobs | DatabaseBlobs = DatabaseBlobs()
        if not create and db.scalar("SELECT to_regclass('schema_version')") is None:
            db.close()
            raise StoreError(f"there is no register in the database {display_store(store)} yet; run fgc-collect ingest first.")
    else:
        folder = Path(store)
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"the store {folder} is a file, not a folder; give a folder (or a postgresql:// URL).")
        database_file = folder / SQLITE_FILE
        if not database_file.exists():
            if not create:
                raise StoreError(f"there is no register at {folder} yet; run fgc-collect ingest first (or give --store).")
            if folder.exists() and any(entry for entry in folder.iterdir() if entry.name not in (SQLITE_FILE, BLOB_FOLDER)):
                raise StoreError(f"{folder} is a folder of other files, not a register; give an empty or new folder as --store.")
            folder.mkdir(parents=True, exist_ok=True)
        try:
            db = SQLiteDatabase.connect(database_file)
        except sqlite3.Error as error:
            raise StoreError(f"the register at {folder} could not be opened ({error}).") from None
        blobs = FolderBlobs(folder / BLOB_FOLDER)
        blobs.sweep_temporaries()
    try:
        migrate(db, now)
    except StoreError:
        db.close()
        raise
    except Exception as error:  # noqa: BLE001 - a damaged or foreign database is one sentence
        db.close()
        raise StoreError(f"the register at {display_store(store)} could not be opened ({type(error).__name__}: {error}).") from None
    return db, blobs
