"""Who may send an LA's return: the research team's contacts file (`--contacts FILE`, CSV
la_code,name,email) and the senders of the LA's accepted returns. A return emailed from anyone
else is held for the coordinator to confirm (`accept LA --version N`); with nobody known for the LA
yet it is taken, and `status` shows the sender so the coordinator can check it before accepting.
Standard library only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from fgc_collect.register.records import Contact, Decision, Version

KNOWN, UNKNOWN, UNVERIFIED = "known", "unknown", "unverified"
_HEADERS = {
    "la_code": ("la_code", "la code", "code", "la", "local authority code"),
    "name": ("name", "contact", "contact_name", "contact name"),
    "email": ("email", "e-mail", "email address", "email_address", "e-mail address"),
}


class ContactsError(Exception):
    """The contacts file cannot be used; the message is one plain sentence."""


def address(text: str | None) -> str | None:
    """An email address as compared: lower case, without a display name or spaces; None if blank."""
    if not text or not text.strip():
        return None
    from email.utils import getaddresses  # not at start-up: the CLI imports this module for --help

    found = [addr for _, addr in getaddresses([text]) if addr]
    return (found[0] if found else text).strip().lower() or None


def read_contacts(path: str | Path) -> list[Contact]:
    """The contacts in a CSV file: la_code,name,email (a header row naming them is optional; fields
    may be quoted; several addresses in one cell separated by ';'). UTF-8 (with or without a BOM),
    or Windows-1252 as Excel saves "CSV". ContactsError names the line of a row that cannot be used."""
    from fgc_collect.reference import find_la

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContactsError(f"the contacts file {path} could not be read ({error.strerror or error}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    columns = {"la_code": 0, "name": 1, "email": 2}
    first = 0
    if rows and any(cell.strip().lower() in _HEADERS["email"] for cell in rows[0]):
        header = [cell.strip().lower() for cell in rows[0]]
        columns = {key: next((i for i, cell in enumerate(header) if cell in names), None) for key, names in _HEADERS.items()}
        if columns["la_code"] is None:
            raise ContactsError(f"the contacts file {path} has no la_code column (its columns should be la_code, name, email).")
        first = 1
    contacts: list[Contact] = []
    for number, row in enumerate(rows[first:], start=first + 1):
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {number} of the contacts file {path}"

        def cell(key: str) -> str:
            index = columns[key]
            return row[index].strip() if index is not None and index < len(row) else ""

        code, name, emails = cell("la_code"), cell("name") or None, cell("email")
        la = find_la(code)
        if la is None:
            raise ContactsError(f"{where} gives {code[:20]!r}, not the code of a local authority "
                                "(give a 9-character code such as E06000047 or a 3-digit code such as 840).")
        if not emails:
            continue  # no address yet for this LA: nothing to know
        for part in emails.replace(",", ";").split(";"):
            found = address(part)
            if found is None:
                continue
            if found.count("@") != 1 or any(ch.isspace() for ch in found):
                raise ContactsError(f"{where} gives {part.strip()[:60]!r}, which is not an email address.")
            contacts.append(Contact(la.code, name, found))
    if not contacts:
        raise ContactsError(f"the contacts file {path} holds no LA code with an email address (its columns should be la_code, name, email).")
    return contacts


def known_senders(la_code: str, contacts: Iterable[Contact], versions: Iterable[Version],
                  decisions: Iterable[Decision]) -> set[str]:
    """The LA's known senders: its contacts' addresses, and the senders of its versions the
    coordinator has accepted (accepting a return confirms its sender)."""
    known = {contact.email for contact in contacts if contact.la_code == la_code}
    accepted = {decision.version_id for decision in decisions if decision.decision == "accept" and decision.la_code == la_code}
    known |= {address(version.sender) for version in versions
              if version.la_code == la_code and version.id in accepted and address(version.sender)}
    return known


def sender_check(sender: str | None, known: set[str]) -> str | None:
    """How a sending is taken: None with no sender (a file from a folder), `unverified` when no
    sender is known for the LA yet, else `known` or `unknown` (held for the coordinator)."""
    sent_by = address(sender)
    if sent_by is None:
        return None
    if not known:
        return UNVERIFIED
    return KNOWN if sent_by in known else UNKNOWN


def counts(check: str | None, sender: str | None, known: set[str]) -> bool:
    """Whether a sending counts as the LA's: anything but an unknown sender, unless that sender has
    become known since (a contacts file, or a return of theirs accepted)."""
    return check != UNKNOWN or address(sender) in known


def held_note(la, version_no: int, sender: str | None) -> str:
    """What ingest says of a version held for the coordinator."""
    return (f"HELD: sent from {sender}, not a known sender for {la.name}; not counted until you confirm it "
            f"(fgc-collect accept {la.code} --version {version_no} --note ...)")


def resent_note(la, version_no: int, latest_no: int | None, held: bool, sender: str | None) -> str:
    """What ingest says of an earlier version sent again."""
    if held:
        return (f"{la.name} ({la.code}) version {version_no} sent again from {sender}, not a known sender for "
                f"{la.name}: recorded, not taken as the council's latest word.")
    if latest_no is not None and latest_no != version_no:
        return (f"{la.name} ({la.code}) sent version {version_no} again (after version {latest_no}): recorded as a new "
                f"receipt; status now follows version {version_no}.")
    return f"{la.name} ({la.code}) sent version {version_no} again: recorded as a new receipt."
