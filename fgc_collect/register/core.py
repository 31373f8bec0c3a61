"""The returns register: every file received, each LA's versions with their validation result,
the quarantine, and the coordinator's decisions (append-only). A notebook can use it directly:

    from fgc_collect.register import Register
    with Register.open("fgc-store") as register:
        rows = register.status()
        accepted = register.accepted_returns()   # {la_code: AggregateReturn}
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fgc_collect.register import store as storage
from fgc_collect.register.records import Contact, Decision, QuarantineEntry, Receipt, Version
from fgc_collect.register.senders import UNKNOWN
from fgc_collect.register.store import BlobChanged, BlobMissing, StoreError

# Issue values are kept only for items whose answers are figures or codes: free text may hold
# personal data (a child's name in a comment), and the original file already holds it.
_VALUE_KINDS = ("count", "decimal", "choice", "la_code")
_NO_VALUE_RULES = ("FGC010",)
_IDENTIFIER_ITEMS = ("child_id", "family_id")  # child-level: never kept, even pseudonymised


class DecisionError(Exception):
    """A decision that cannot be recorded; the message is one plain sentence."""


class AlreadyDecided(DecisionError):
    """The version already stands with that decision: nothing was recorded (the message says so)."""

    def __init__(self, message: str, decision: Decision) -> None:
        super().__init__(message)
        self.decision = decision


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@dataclass(frozen=True)
class NewVersion:
    """A return ready to be recorded: identified, validated, its bytes in hand."""

    la_code: str
    sha256: str
    data: bytes
    file_name: str
    source: str
    sender: str | None
    received_at: str
    validation: str
    issues: Sequence[Any]  # fgc_collect.model.Issue
    template_version: str | None
    container_sha256: str | None = None
    container_data: bytes | None = None
    snapshot: str | None = None  # its answers without free text (fgc_collect.register.snapshot)
    level: str = "aggregate"  # child: `data` is ChildReturn.to_stored_bytes(), never the council's file
    year: str = storage.BASE_YEAR  # the collection year the return is for (its versions are numbered within it)


@dataclass(frozen=True)
class Recorded:
    """What recording a version did: stored it (`version`), found it already held, or found that
    the LA's versions changed since it was validated (`stale`: validate again)."""

    outcome: str  # stored | already_held | stale
    version: Version | None = None
    held: bool = False  # emailed by a sender not known for the LA: awaits the coordinator's confirmation


class Register:
    """One register (a folder or a postgresql:// URL), open for reading and appending."""

    def __init__(self, store: str, db: storage.Database, blobs) -> None:
        self.store = store
        self.db = db
        self.blobs = blobs

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(cls, store: str | os.PathLike, create: bool = True) -> Register:
        """Open (and, with create, make or upgrade) the register; StoreError in one sentence if not."""
        db, blobs = storage.open_store(store, create=create, now=now_iso())
        return cls(str(store), db, blobs)

    @property
    def label(self) -> str:
        return storage.display_store(self.store)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------- reading

    def years(self) -> list[str]:
        """The collection years the register holds versions for, oldest first."""
        return [row["year"] for row in self.db.query("SELECT DISTINCT year FROM versions ORDER BY year")]

    def year(self, year: str | None = None) -> str:
        """The year a command works on: the one given, else the latest the register holds, else
        the collection's (the survey file's, else the latest year fgc-collect has a spec for)."""
        if year:
            return year
        held = self.years()
        if held:
            return held[-1]
        from fgc_collect.survey import collection_year

        return collection_year()

    def versions(self, la_code: str | None = None, year: str | None = None) -> list[Version]:
        """The versions held (of one LA, of one year: None for all), by year, LA and number."""
        where, params = _where(("la_code", la_code), ("year", year))
        rows = self.db.query("SELECT * FROM versions" + where + " ORDER BY year, la_code, version_no", params)
        return [Version(**row) for row in rows]

    def version(self, la_code: str, version_no: int | None = None, year: str | None = None) -> Version | None:
        """The LA's version N of the year (default: the latest year held), or with None the version
        it means: its latest, or an earlier one it sent again, leaving out versions held for the
        coordinator (an unknown sender)."""
        year = self.year(year)
        if version_no is None:
            return self.standing(la_code, year=year).meant
        held = self.versions(la_code, year)
        return next((version for version in held if version.version_no == version_no), None)

    def standing(self, la_code: str, contacts: Sequence[Contact] = (), year: str | None = None):
        """Where the LA's sendings of the year (default: the latest held) leave it
        (fgc_collect.register.status.Standing): the version it means, its sendings that count, its
        versions held for the coordinator. Its known senders are those of every year."""
        from fgc_collect.register.senders import known_senders
        from fgc_collect.register.status import la_standing

        year = self.year(year)
        with self._consistent_read():
            every = [*self.contacts(la_code), *contacts]
            known = known_senders(la_code, every, self.versions(la_code), self.decisions(la_code))
            return la_standing(la_code, self.versions(la_code, year), self.receipts(la_code, year),
                               self.decisions(la_code, year), every, known)

    def receipts(self, la_code: str | None = None, year: str | None = None) -> list[Receipt]:
        """Every sending of a version (its first arrival, and each time it was sent again), in order
        (of one LA, of one year's versions: None for all)."""
        where, params = _where(("la_code", la_code), ("version_id IN (SELECT id FROM versions WHERE year = ?)", year))
        return [Receipt(**row) for row in self.db.query("SELECT * FROM receipts" + where + " ORDER BY id", params)]

    def contacts(self, la_code: str | None = None) -> list[Contact]:
        """The contacts the research team has given (--contacts FILE), in the order given."""
        sql = "SELECT la_code, name, email FROM contacts"
        params: tuple = ()
        if la_code is not None:
            sql += " WHERE la_code = ?"
            params = (la_code,)
        return [Contact(**row) for row in self.db.query(sql + " ORDER BY id", params)]

    def version_with_sha(self, sha256: str) -> Version | None:
        rows = self.db.query("SELECT * FROM versions WHERE sha256 = ?", (sha256,))
        return Version(**rows[0]) if rows else None

    def issues(self, version_id: int):
        from fgc_collect.model import Issue

        rows = self.db.query(
            "SELECT rule, severity, item, sheet, cell, value, message FROM issues WHERE version_id = ? ORDER BY position",
            (version_id,),
        )
        return [Issue(**{**row, "value": json.loads(row["value"]) if row["value"] is not None else None}) for row in rows]

    def rules_by_version(self, year: str | None = None) -> dict[int, list[str]]:
        where, params = _where(("version_id IN (SELECT id FROM versions WHERE year = ?)", year))
        found: dict[int, list[str]] = {}
        for row in self.db.query("SELECT DISTINCT version_id, rule FROM issues" + where + " ORDER BY version_id, rule", params):
            found.setdefault(row["version_id"], []).append(row["rule"])
        return found

    def decisions(self, la_code: str | None = None, year: str | None = None) -> list[Decision]:
        """The audit log, oldest first (on one LA's versions, on one year's: None for all)."""
        sql = (
            "SELECT d.id, d.version_id, v.version_no, d.la_code, d.decision, d.note, d.decided_by, d.decided_at, v.year "
            "FROM decisions d JOIN versions v ON v.id = d.version_id"
        )
        where, params = _where(("d.la_code", la_code), ("v.year", year))
        return [Decision(**row) for row in self.db.query(sql + where + " ORDER BY d.id", params)]

    def quarantine(self, include_resolved: bool = False) -> list[QuarantineEntry]:
        """The files in quarantine not yet taken in or dropped (all of them with include_resolved)."""
        from fgc_collect.register.quarantine import entries

        return entries(self, include_resolved)

    def is_quarantined(self, sha256: str, reason: str) -> bool:
        return self.db.scalar("SELECT 1 FROM quarantine WHERE sha256 = ? AND reason = ?", (sha256, reason)) is not None

    def blob(self, sha256: str) -> bytes:
        """A stored file's bytes, checked against its fingerprint: StoreError naming the file if
        it is missing or was changed after it was stored."""
        try:
            return self.blobs.read(self.db, sha256)
        except (BlobMissing, BlobChanged) as problem:
            raise StoreError(self.blob_problem(problem)) from None

    @contextmanager
    def blob_file(self, sha256: str, name: str):
        """The stored bytes as a temporary file called `name` (readers name files in messages)."""
        try:
            with self.blobs.as_file(self.db, sha256, safe_file_name(name)) as path:
                yield path
        except (BlobMissing, BlobChanged) as problem:
            raise StoreError(self.blob_problem(problem)) from None

    def blob_problem(self, problem: BlobMissing | BlobChanged) -> str:
        """One sentence on a stored file that is missing or changed, naming it and its LA."""
        what = self._blob_name(problem.sha256)
        if isinstance(problem, BlobMissing):
            return f"the stored copy of {what} is missing from the register [{problem.sha256[:12]}]."
        return (f"the stored copy of {what} has been changed since it was stored: it no longer matches its "
                f"SHA-256 fingerprint [{problem.sha256[:12]}], so it is not used; restore it from a backup.")

    def _blob_name(self, sha256: str) -> str:
        """A stored file as a coordinator knows it: "Durham.xlsx (County Durham, version 2)"."""
        from fgc_collect.reference import find_la

        def la_name(code: str) -> str:
            la = find_la(code)
            return la.name if la else code

        rows = self.db.query("SELECT la_code, version_no, file_name FROM versions WHERE sha256 = ?", (sha256,))
        if rows:
            return f"{rows[0]['file_name']} ({la_name(rows[0]['la_code'])}, version {rows[0]['version_no']})"
        rows = self.db.query("SELECT file_name FROM quarantine WHERE sha256 = ?", (sha256,))
        if rows:
            return f"{rows[0]['file_name']} (in quarantine)"
        rows = self.db.query(
            "SELECT source, la_code, file_name FROM receipts WHERE container_sha256 = ? UNION ALL "
            "SELECT source, NULL, file_name FROM quarantine WHERE container_sha256 = ?", (sha256, sha256))
        if rows:
            row = rows[0]
            carried = f"{row['file_name']} of {la_name(row['la_code'])}" if row["la_code"] else row["file_name"]
            return f"{row['source'].split(' > ')[0]} (the email or zip that brought {carried})"
        return f"file {sha256[:12]}"

    def status(self, contacts: Sequence[Contact] = (), year: str | None = None):
        """All 153 LAs (fgc_collect.register.status.LaStatus) for the year (default: the latest the
        register holds), in the reference order; `contacts` beside those the register holds. An LA's
        known senders are those of every year (an address accepted last year is known this year)."""
        from fgc_collect.reference import local_authorities
        from fgc_collect.register.status import compute_status

        year = self.year(year)
        with self._consistent_read():
            versions = self.versions(year=year)
            decisions = self.decisions(year=year)
            rules = self.rules_by_version(year)
            receipts = self.receipts(year=year)
            held = self.contacts()
            senders = self._accepted_senders(year)
        return compute_status(local_authorities(), versions, decisions, rules, receipts, [*held, *contacts], senders)

    def _accepted_senders(self, besides: str) -> list[tuple[str, str | None]]:
        """(LA code, sender) of the versions accepted in years other than `besides`."""
        return [(row["la_code"], row["sender"]) for row in self.db.query(
            "SELECT v.la_code, v.sender FROM versions v JOIN decisions d ON d.version_id = v.id "
            "WHERE d.decision = 'accept' AND v.year <> ? AND v.sender IS NOT NULL", (besides,))]

    def read_version(self, version: Version, file: str | None = None):
        """The version as an AggregateReturn (read from the stored bytes, not re-validated). A
        child-level version gives the aggregate return derived from its pseudonymised rows."""
        from fgc_collect.read.aggregate import read_workbook
        from fgc_collect.read.workbook import open_return

        if version.level == "child":
            return self.read_child_version(version, file)
        with self.blob_file(version.sha256, version.file_name) as path:
            book, _ = open_return(path)  # any format the reader takes (.xlsx, .xls, .ods, ...)
            return read_workbook(book, file=file or version.file_name, sha256=version.sha256)

    def read_child_version(self, version: Version, file: str | None = None):
        """A child-level version's aggregate return, derived from the stored pseudonymised rows."""
        from fgc_collect.child import derive_aggregate, from_stored_bytes

        rows = from_stored_bytes(self.blob(version.sha256), file=file or version.file_name)
        derived = derive_aggregate(rows)
        derived.sha256 = version.sha256  # the stored blob's, as for every version
        return derived

    def peer_return(self, version: Version, file: str | None = None):
        """The version's figures as an AggregateReturn, from its snapshot when there is one (fast,
        free text blank), else read from the file."""
        from fgc_collect.register.snapshot import return_from_snapshot

        text = self.db.scalar("SELECT snapshot FROM version_cells WHERE version_id = ?", (version.id,))
        if text is None:
            return self.read_version(version, file)
        return return_from_snapshot(text, file or version.file_name, version.sha256)

    def accepted_versions(self, year: str | None = None) -> dict[str, Version]:
        """LA code -> the version of the year (default: the latest held) that feeds the published
        tables (reference order)."""
        from fgc_collect.reference import local_authorities
        from fgc_collect.register.status import accepted_version_ids

        year = self.year(year)
        with self._consistent_read():
            chosen = accepted_version_ids(self.decisions(year=year))
            by_id = {version.id: version for version in self.versions(year=year)}
        return {la.code: by_id[chosen[la.code]] for la in local_authorities() if la.code in chosen}

    def accepted_returns(self, year: str | None = None) -> dict:
        """LA code -> AggregateReturn of its accepted version of the year (default: the latest the
        register holds), for the LAs that have one, in the reference order. Only these feed the
        published tables. `.file` is the file name as sent."""
        return {la_code: self.read_version(version) for la_code, version in self.accepted_versions(year).items()}

    def accepted_figures(self, year: str) -> dict[str, dict[str, float]]:
        """LA code -> item -> figure of each LA's accepted version of the year, from the stored
        snapshots (FGC205 compares the next year's returns with them)."""
        figures = {}
        for la_code, version in self.accepted_versions(year).items():
            ret = self.peer_return(version)
            figures[la_code] = {row["item_id"]: row["number"] for row in ret.cells.to_dicts() if row["number"] is not None}
        return figures

    def verify(self) -> list[str]:
        """Problems with the register's integrity, one sentence each: every stored file (returns, the
        emails and zips they came in, the quarantine) must be there and match its SHA-256, and the
        audit log's hash chain must hold (its first broken entry is named). Empty: all is well."""
        problems = []
        for row in self.db.query("SELECT sha256 FROM blobs ORDER BY stored_at, sha256"):
            try:
                self.blobs.read(self.db, row["sha256"])
            except (BlobMissing, BlobChanged) as problem:
                problems.append(self.blob_problem(problem))
        broken = self.chain_problem()
        if broken:
            problems.append(broken)
        return problems

    def stored_files(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM blobs") or 0)

    def chain_head(self) -> tuple[int, str]:
        """(number of decisions chained, the hash of the latest entry): keep the hash elsewhere to
        notice later if the latest entries were removed."""
        rows = self.db.query("SELECT entry_hash FROM decision_chain ORDER BY decision_id DESC LIMIT 1")
        count = int(self.db.scalar("SELECT COUNT(*) FROM decision_chain") or 0)
        return count, rows[0]["entry_hash"] if rows else storage.CHAIN_START

    def chain_problem(self) -> str | None:
        """The audit log's first broken entry, in one sentence, or None when the chain holds."""
        rows = self.db.query(
            storage.DECISION_ENTRY_QUERY.replace(" FROM decisions d", ", c.previous_hash, c.entry_hash FROM decisions d")
            + " LEFT JOIN decision_chain c ON c.decision_id = d.id ORDER BY d.id"
        )
        previous = storage.CHAIN_START
        for entry in rows:
            what = self._entry_name(entry)
            if entry["entry_hash"] is None:
                return f"the audit log's {what} is not in its hash chain: it was added outside fgc-collect."
            if entry["previous_hash"] != previous:
                return (f"the audit log's hash chain is broken at {what}: the entry before it was removed "
                        "or changed outside fgc-collect.")
            if storage.decision_hash(entry, previous) != entry["entry_hash"]:
                return f"the audit log's {what} has been changed since it was recorded (its hash no longer matches)."
            previous = entry["entry_hash"]
        chained = int(self.db.scalar("SELECT COUNT(*) FROM decision_chain") or 0)
        if chained != len(rows):
            return "the audit log's hash chain holds entries for decisions that are no longer in the log."
        return None

    @staticmethod
    def _entry_name(entry: dict) -> str:
        from fgc_collect.reference import find_la

        la = find_la(entry["la_code"])
        return (f"entry {entry['id']} ({entry['decision']} of {la.name if la else entry['la_code']}, "
                f"{entry['decided_at']} by {entry['decided_by']})")

    @contextmanager
    def _consistent_read(self):
        with self.db.read():
            yield

    # ----------------------------------------------------------------- appending

    def record_version(self, new: NewVersion, validated_against: Iterable[str] | None, by: str, now: str | None = None) -> Recorded:
        """Store a new version for its LA, with its issues, in one transaction.

        `validated_against`: the SHA-256 of the LA's versions it was validated with (FGC204). If
        another process added a version for the LA since, nothing is stored and the outcome is
        `stale`, so the caller validates again rather than keep an out-of-date comparison (None:
        store whatever was added meanwhile)."""
        now = now or now_iso()
        self._prepare_blobs(new.sha256, new.data, new.container_sha256, new.container_data)
        _failpoint("after_blob")
        with self.db.write() as db:
            if db.scalar("SELECT 1 FROM versions WHERE sha256 = ?", (new.sha256,)) is not None:
                return Recorded("already_held", self.version_with_sha(new.sha256))
            current = {row["sha256"] for row in db.query("SELECT sha256 FROM versions WHERE la_code = ? AND year = ?",
                                                          (new.la_code, new.year))}
            if validated_against is not None and current != set(validated_against):
                return Recorded("stale")
            self._record_blobs(db, new.sha256, new.data, new.container_sha256, new.container_data, now)
            number = int(db.scalar("SELECT COALESCE(MAX(version_no), 0) FROM versions WHERE la_code = ? AND year = ?",
                                   (new.la_code, new.year))) + 1
            errors = sum(1 for issue in new.issues if issue.severity == "error")
            warnings = sum(1 for issue in new.issues if issue.severity == "warning")
            version_id = db.scalar(
                "INSERT INTO versions (la_code, version_no, sha256, file_name, source, container_sha256, sender, "
                "received_at, ingested_at, ingested_by, validation, errors, warnings, template_version, level, year) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (new.la_code, number, new.sha256, new.file_name, new.source, new.container_sha256, new.sender,
                 new.received_at, now, by, new.validation, errors, warnings, new.template_version, new.level, new.year),
            )
            if new.snapshot is not None:
                db.execute("INSERT INTO version_cells (version_id, snapshot) VALUES (?, ?)", (version_id, new.snapshot))
            check = self._sender_check(new.la_code, new.sender)
            self._insert_receipt(db, version_id, new.la_code, new.file_name, new.source, new.container_sha256,
                                 new.sender, check, new.received_at, now, by)
            _failpoint("after_version_row")
            for position, issue in enumerate(new.issues):
                db.execute(
                    "INSERT INTO issues (version_id, position, rule, severity, item, sheet, cell, value, message) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (version_id, position, issue.rule, issue.severity, issue.item, issue.sheet, issue.cell,
                     _stored_value(issue, new.year), issue.message),
                )
            _failpoint("before_commit")
        return Recorded("stored", self.version_with_sha(new.sha256), held=check == UNKNOWN)

    def record_receipt(
        self, version: Version, file_name: str, source: str, sender: str | None, received_at: str, by: str,
        container_sha256: str | None, container_data: bytes | None, now: str | None = None,
    ) -> Receipt | None:
        """Record that a version already held arrived again, in a new email or zip: the LA may mean
        an earlier version. None when this sending is already recorded (the same email or zip), or
        came as a plain file from a folder (no new evidence: ingesting an unchanged inbox again
        records nothing)."""
        if container_sha256 is None or container_data is None:
            return None
        now = now or now_iso()
        self.blobs.prepare(container_sha256, container_data)
        with self.db.write() as db:
            if db.scalar("SELECT 1 FROM receipts WHERE version_id = ? AND container_sha256 = ?",
                         (version.id, container_sha256)) is not None:
                return None
            self._record_blobs(db, container_sha256, container_data, None, None, now)
            check = self._sender_check(version.la_code, sender)
            receipt_id = self._insert_receipt(db, version.id, version.la_code, file_name, source, container_sha256,
                                              sender, check, received_at, now, by)
        return next(receipt for receipt in self.receipts(version.la_code) if receipt.id == receipt_id)

    def add_contacts(self, contacts: Iterable[Contact], by: str | None = None, now: str | None = None) -> int:
        """Remember the research team's contacts (an address once per LA); the number added."""
        contacts = list(contacts)
        if not contacts:
            return 0  # no write lock taken
        added = 0
        with self.db.write() as db:
            for contact in contacts:
                if db.scalar("SELECT 1 FROM contacts WHERE la_code = ? AND email = ?", (contact.la_code, contact.email)):
                    continue
                db.execute("INSERT INTO contacts (la_code, name, email, added_at, added_by) VALUES (?, ?, ?, ?, ?)",
                           (contact.la_code, contact.name, contact.email, now or now_iso(), by or current_user()))
                added += 1
        return added

    def _sender_check(self, la_code: str, sender: str | None) -> str | None:
        """How a sending from `sender` is taken now (inside the write lock: the known senders cannot change meanwhile)."""
        from fgc_collect.register.senders import known_senders, sender_check

        known = known_senders(la_code, self.contacts(la_code), self.versions(la_code), self.decisions(la_code))
        return sender_check(sender, known)

    def _insert_receipt(self, db, version_id, la_code, file_name, source, container_sha256, sender, check,
                        received_at, now, by) -> int:
        return db.scalar(
            "INSERT INTO receipts (version_id, la_code, file_name, source, container_sha256, sender, sender_check, "
            "received_at, ingested_at, ingested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (version_id, la_code, file_name, source, container_sha256, sender, check, received_at, now, by),
        )

    def record_quarantine(
        self, sha256: str, data: bytes, file_name: str, source: str, reason: str, sender: str | None,
        received_at: str, by: str, container_sha256: str | None = None, container_data: bytes | None = None,
        now: str | None = None,
    ) -> bool:
        """Keep a file that is not (or not yet) an LA's return, with the reason. False if it was
        already in quarantine."""
        now = now or now_iso()
        self._prepare_blobs(sha256, data, container_sha256, container_data)
        with self.db.write() as db:
            if db.scalar("SELECT 1 FROM quarantine WHERE sha256 = ? AND reason = ?", (sha256, reason)) is not None:
                return False
            self._record_blobs(db, sha256, data, container_sha256, container_data, now)
            db.execute(
                "INSERT INTO quarantine (sha256, file_name, source, container_sha256, sender, received_at, "
                "ingested_at, ingested_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, file_name, source, container_sha256, sender, received_at, now, by, reason),
            )
        return True

    def decide(
        self, la_code: str, decision: str, note: str, by: str | None = None, version_no: int | None = None,
        allow_errors: bool = False, now: str | None = None, year: str | None = None,
    ) -> Decision:
        """Record the coordinator's accept or reject of an LA's version of the year (default: the
        latest the register holds; by default the version it means: its latest, or an earlier one
        it sent again), chained into the audit log (one log for every year). Accepting a version
        held for an unknown sender confirms it, and its sender becomes known for the LA.
        AlreadyDecided (nothing recorded) when the version already stands so."""
        from fgc_collect.reference import find_la

        if decision not in ("accept", "reject"):
            raise ValueError(f"decision must be accept or reject, not {decision!r}")
        if not note or not note.strip():
            raise DecisionError("give a note saying why (--note), for the audit log.")
        la = find_la(la_code)
        name = la.name if la else la_code
        code = la.code if la else la_code
        year = self.year(year)
        version = self.version(code, version_no, year)
        if version is None:
            if version_no is not None:
                count = len(self.versions(code, year))
                raise DecisionError(f"{name} has no version {version_no} for {year} (versions held: {count}).")
            waiting = self.standing(code, year=year).held
            if waiting:
                first = waiting[-1]
                raise DecisionError(
                    f"no return from {name} ({code}) counts yet: version {first.version_no} came from {first.sender}, "
                    f"not a known sender for {name}; to confirm it, {decision} it with --version {first.version_no}."
                )
            raise DecisionError(f"no return from {name} ({code}) for {year} is held, so there is nothing to {decision}.")
        with self.db.write() as db:
            made = [d for d in self.decisions(code, year) if d.version_id == version.id]
            if made and made[-1].decision == decision:  # no duplicate entry in the audit log
                raise AlreadyDecided(
                    f"version {version.version_no} of {name} is already {decision}ed ({made[-1].decided_at} by "
                    f"{made[-1].decided_by}); nothing was recorded.", made[-1])
            if decision == "accept" and version.validation == "errors" and not allow_errors:
                rules = sorted({issue.rule for issue in self.issues(version.id) if issue.severity == "error"})
                raise DecisionError(
                    f"version {version.version_no} of {name} has {version.errors} error{'s' if version.errors != 1 else ''} "
                    f"({', '.join(rules)}), so it cannot be accepted: reject it and ask the council to resend, "
                    "or add --despite-errors if the research team has agreed to use it."
                )
            decision_id = db.scalar(
                "INSERT INTO decisions (version_id, la_code, decision, note, decided_by, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (version.id, code, decision, note.strip(), by or current_user(), now or now_iso()),
            )
            self._chain(db, decision_id)
        return self.decisions(code, year)[-1]

    def _chain(self, db, decision_id: int) -> None:
        """Add a decision to the audit log's hash chain (inside the write lock, so the chain has one line)."""
        previous = db.scalar("SELECT entry_hash FROM decision_chain ORDER BY decision_id DESC LIMIT 1") or storage.CHAIN_START
        (entry,) = db.query(storage.DECISION_ENTRY_QUERY + " WHERE d.id = ?", (decision_id,))
        db.execute("INSERT INTO decision_chain (decision_id, previous_hash, entry_hash) VALUES (?, ?, ?)",
                   (decision_id, previous, storage.decision_hash(entry, previous)))

    def _prepare_blobs(self, sha256: str, data: bytes, container_sha256: str | None, container_data: bytes | None) -> None:
        self.blobs.prepare(sha256, data)
        if container_sha256 and container_data is not None:
            self.blobs.prepare(container_sha256, container_data)

    def _record_blobs(self, db, sha256, data, container_sha256, container_data, now) -> None:
        for digest, content in ((container_sha256, container_data), (sha256, data)):
            if digest is None or content is None:
                continue
            db.execute(
                "INSERT INTO blobs (sha256, size, stored_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                (digest, len(content), now),
            )
            self.blobs.record(db, digest, content)


def _stored_value(issue, year: str = storage.BASE_YEAR) -> str | None:
    from fgc_collect.survey import spec_for

    if issue.value is None or issue.rule in _NO_VALUE_RULES or issue.item in _IDENTIFIER_ITEMS:
        return None
    spec = spec_for(year)
    item = issue.item
    if item and spec.has_input_cell(item):
        if spec.input_cell(item).kind not in _VALUE_KINDS and item != "A1":
            return None
    elif item is not None and not isinstance(issue.value, (int, float)):
        return None
    return json.dumps(issue.value, default=str)


def _where(*conditions: tuple[str, object]) -> tuple[str, tuple]:
    """A WHERE clause of the conditions whose value is given ("column" or "expression with ?")."""
    given = [(condition if "?" in condition else f"{condition} = ?", value)
             for condition, value in conditions if value is not None]
    if not given:
        return "", ()
    return " WHERE " + " AND ".join(clause for clause, _ in given), tuple(value for _, value in given)


MAX_NAME_BYTES = 255  # what file systems accept for one name (ext4, APFS, NTFS: 255 bytes or more)


def safe_file_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that is safe to create in a temporary folder (no folders, no control characters),
    at most `max_bytes` in UTF-8 and keeping its extension (the readers go by it)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = "".join(ch if ch.isprintable() and ch not in '<>:"|?*' else "_" for ch in base).strip(" .") or "file"
    suffix = Path(cleaned).suffix
    if len(suffix.encode("utf-8")) > 16:  # not an extension a reader knows: cut it like the rest
        suffix = ""
    stem = cleaned[: len(cleaned) - len(suffix)] if suffix else cleaned
    budget = max_bytes - len(suffix.encode("utf-8"))
    stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(" .") or "file"
    return stem + suffix


# A crash-test hook: FGC_COLLECT_FAILPOINT=name kills this process at that point (SIGKILL), so the
# tests can prove a crash between writing a file and committing its row loses nothing.
_FAILPOINT = os.environ.get("FGC_COLLECT_FAILPOINT")


def _failpoint(name: str) -> None:
    if _FAILPOINT == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
