"""The register's rows as plain records (no database, no files)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    """One distinct file received for an LA (versions are numbered 1, 2, ... per LA)."""

    id: int
    la_code: str
    version_no: int
    sha256: str
    file_name: str  # the spreadsheet's name as sent
    source: str  # where it came from: "inbox/RE FGC.eml > returns.zip > Durham.xlsx"
    container_sha256: str | None  # the email or zip it arrived in, also kept
    sender: str | None  # the address of the email it arrived in (evidence)
    received_at: str  # the email's date, else when it was ingested (ISO 8601, UTC offset)
    ingested_at: str
    ingested_by: str
    validation: str  # valid | warnings | errors
    errors: int
    warnings: int
    template_version: str | None
    level: str = "aggregate"  # aggregate | child (the blob is the pseudonymised rows, not the file)
    year: str = "2023-24"  # the collection year: versions are numbered per year and LA

    @property
    def label(self) -> str:
        return f"version {self.version_no}"


@dataclass(frozen=True)
class Decision:
    id: int
    version_id: int
    version_no: int
    la_code: str
    decision: str  # accept | reject
    note: str
    decided_by: str
    decided_at: str
    year: str = "2023-24"  # the collection year of the version decided on

    def to_json(self) -> dict:
        return {
            "version": self.version_no, "decision": self.decision, "note": self.note,
            "by": self.decided_by, "at": self.decided_at,
        }


@dataclass(frozen=True)
class QuarantineEntry:
    """A file that arrived but was not taken in as an LA's return: with the reason."""

    sha256: str
    file_name: str
    source: str
    sender: str | None
    received_at: str
    ingested_at: str
    reason: str
    kept: bool = True  # False: only its fingerprint, size and name (it may hold children's identifiers)
    size: int | None = None
    resolution: Resolution | None = None  # how it left the quarantine, if it has

    def to_json(self) -> dict:
        return {
            "sha256": self.sha256, "file": self.file_name, "source": self.source, "sender": self.sender,
            "received_at": self.received_at, "ingested_at": self.ingested_at, "reason": self.reason,
            "kept": self.kept, "size": self.size,
            "resolution": self.resolution.to_json() if self.resolution else None,
        }


@dataclass(frozen=True)
class Resolution:
    """How a quarantined file was resolved: taken in as an LA's version, or dropped with a note."""

    resolution: str  # taken | dropped
    note: str
    resolved_by: str
    resolved_at: str
    la_code: str | None = None  # taken: the version it became
    version_no: int | None = None

    def to_json(self) -> dict:
        return {
            "resolution": self.resolution, "note": self.note, "by": self.resolved_by, "at": self.resolved_at,
            "la_code": self.la_code, "version": self.version_no,
        }


@dataclass(frozen=True)
class Receipt:
    """One sending of a version: its first arrival, or an earlier version sent again in a new email
    or zip. The LA's latest receipt that counts says which version it means."""

    id: int
    version_id: int
    la_code: str
    file_name: str
    source: str
    container_sha256: str | None
    sender: str | None
    sender_check: str | None  # known | unknown (held for the coordinator) | unverified (no contacts) | None (no sender)
    received_at: str
    ingested_at: str
    ingested_by: str


@dataclass(frozen=True)
class Contact:
    """One of an LA's contacts, from the research team's contacts file (`--contacts FILE`)."""

    la_code: str
    name: str | None
    email: str  # lower case
