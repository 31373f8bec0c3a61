"""The returns register: every file received (content-addressed, never overwritten or deleted,
checked against its fingerprint whenever read), each LA's versions with their validation, a
quarantine for what cannot be tied to an LA, and the coordinator's decisions in an append-only,
hash-chained audit log. SQLite in a folder by default, or a shared PostgreSQL database. See
docs/register.md.

Light to import (standard library only); readers and validators load when used."""

from fgc_collect.register.core import AlreadyDecided, DecisionError, Register
from fgc_collect.register.records import Decision, QuarantineEntry, Version
from fgc_collect.register.store import StoreError


def __getattr__(name: str):
    # ingest pulls in the reader (openpyxl, polars): load it only when asked for.
    if name in ("ingest_paths", "format_ingest", "IngestReport", "IngestError"):
        from fgc_collect.register import ingest

        return getattr(ingest, name)
    if name in ("format_status", "status_json", "chaser_csv", "LaStatus"):
        from fgc_collect.register import status

        return getattr(status, name)
    raise AttributeError(name)


def accepted_returns(store) -> dict:
    """LA code -> AggregateReturn of the version the coordinator accepted, for the LAs that have
    one (reference order). Only these feed the published tables."""
    with Register.open(store, create=False) as register:
        return register.accepted_returns()


__all__ = [
    "AlreadyDecided", "Decision", "DecisionError", "QuarantineEntry", "Register", "StoreError", "Version", "accepted_returns",
    "chaser_csv", "format_ingest", "format_status", "ingest_paths", "status_json",
]
