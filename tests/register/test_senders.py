"""Who sent a return, and which version the council means (issue 13, items 5 and 8): the LAs'
contacts (`--contacts FILE`), returns emailed from unknown addresses held for the coordinator, and
an earlier version sent again recorded as a new receipt that status and history follow."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from fgc_collect.register import Register, ingest_paths
from fgc_collect.register.ingest import ALREADY_HELD, NEW_VERSION, format_ingest
from fgc_collect.register.records import Contact
from fgc_collect.register.senders import ContactsError, read_contacts
from fgc_collect.register.status import format_status
from tests.register import helpers
from tests.register.conftest import DARLINGTON, DURHAM, GATESHEAD

JO, FORGER = "jo.bloggs@durham.gov.uk", "durham.returns@example.com"


def emailed(folder: Path, name: str, workbook: Path, sender: str, day: int) -> Path:
    """A saved email from `sender` carrying `workbook`, sent on `day` March 2025."""
    message = helpers.email_with([(workbook.name, workbook.read_bytes(), helpers.XLSX_TYPE)], sender=sender,
                                 date=datetime(2025, 3, day, 9, 0, tzinfo=timezone.utc))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(message.as_bytes())
    return path


def durham(register: Register):
    return next(row for row in register.status() if row.la_code == DURHAM)


# --------------------------------------------------------------------------- the contacts file


def test_a_contacts_file_with_quoted_names_commas_and_a_header(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "la_code,name,email\n"
        'E06000047,"Bloggs, Jo",Jo.Bloggs@Durham.gov.uk\n'
        '801,"Bristol, City of","data@bristol.gov.uk; fgc@bristol.gov.uk"\n'
        "E06000005,Darlington Borough Council,\n"  # no address yet: nothing to know
        "\n", encoding="utf-8-sig")
    assert read_contacts(path) == [
        Contact(DURHAM, "Bloggs, Jo", "jo.bloggs@durham.gov.uk"),
        Contact("E06000023", "Bristol, City of", "data@bristol.gov.uk"),
        Contact("E06000023", "Bristol, City of", "fgc@bristol.gov.uk"),
    ]


def test_a_contacts_file_without_a_header_saved_by_excel_on_windows(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes('E06000047,"Zoë Brontë",zoe@durham.gov.uk\r\n'.encode("cp1252"))
    assert read_contacts(path) == [Contact(DURHAM, "Zoë Brontë", "zoe@durham.gov.uk")]


@pytest.mark.parametrize("text, sentence", [
    ("la_code,name,email\nE0600004,Jo,jo@durham.gov.uk\n",
     "line 2 of the contacts file {path} gives 'E0600004', not the code of a local authority (give a 9-character code such as E06000047 or a 3-digit code such as 840)."),
    ("la_code,name,email\nE06000047,Jo,jo at durham\n",
     "line 2 of the contacts file {path} gives 'jo at durham', which is not an email address."),
    ("name,email\nJo,jo@durham.gov.uk\n",
     "the contacts file {path} has no la_code column (its columns should be la_code, name, email)."),
    ("la_code,name,email\n", "the contacts file {path} holds no LA code with an email address (its columns should be la_code, name, email)."),
])
def test_a_contacts_file_that_cannot_be_used_is_one_sentence(tmp_path, text, sentence):
    path = tmp_path / "contacts.csv"
    path.write_text(text)
    with pytest.raises(ContactsError) as refused:
        read_contacts(path)
    assert str(refused.value) == sentence.format(path=path)


# --------------------------------------------------------------------------- known senders


def test_a_return_emailed_from_an_unknown_address_is_held_until_the_coordinator_confirms_it(store, returns, tmp_path, quick_validator):
    inbox = tmp_path / "inbox"
    emailed(inbox, "a.eml", returns / "Durham FGC return.xlsx", JO, 3)
    emailed(inbox, "b.eml", returns / "Durham FGC return v2.xlsx", FORGER, 5)
    with Register.open(store) as register:
        register.add_contacts([Contact(DURHAM, "Bloggs, Jo", JO)], by="amy")
        report = ingest_paths(register, [inbox], validator=quick_validator)

        (first, second) = report.outcomes
        assert (first.kind, first.version_no, first.held) == (NEW_VERSION, 1, False)
        assert (second.kind, second.version_no, second.held) == (NEW_VERSION, 2, True)
        assert format_ingest(report).splitlines()[1].endswith(
            f"; HELD: sent from {FORGER}, not a known sender for County Durham; "
            "not counted until you confirm it (fgc-collect accept E06000047 --version 2 --note ...)")
        row = durham(register)
        assert (row.latest_version, row.state, row.versions) == (1, "valid", 2)
        assert [held.to_json() for held in row.held] == [
            {"version": 2, "sender": FORGER, "received_at": "2025-03-05T09:00:00+00:00", "file": "Durham FGC return v2.xlsx"}]
        assert register.version(DURHAM).version_no == 1  # what accept and reject apply to by default
        text = format_status(register.status(), [], "store")
        assert text.splitlines()[1].endswith("; 0 files in quarantine; 1 return held for you to confirm.")
        assert (f"  County Durham (E06000047) version 2, Durham FGC return v2.xlsx, received 2025-03-05T09:00:00+00:00 from "
                f"{FORGER}: to confirm it, fgc-collect accept E06000047 --version 2 --note ...") in text.splitlines()

        register.decide(DURHAM, "accept", "phoned Durham: new data officer", version_no=2, by="amy")
        row = durham(register)
        assert (row.latest_version, row.state, row.held, row.sender_known) == (2, "accepted", (), True)
        assert register.accepted_returns()[DURHAM].values()["D2"] == 40

        # Confirming made the sender known: the next return from that address counts at once.
        again = helpers.write_return(tmp_path / "v3" / "Durham FGC return.xlsx", DURHAM, seed=1, A10=4.5)
        report = ingest_paths(register, [emailed(tmp_path / "later", "c.eml", again, FORGER, 9)], validator=quick_validator)
        assert [(o.version_no, o.held) for o in report.outcomes] == [(3, False)]
        assert durham(register).latest_version == 3


def test_a_held_return_is_confirmed_when_its_sender_joins_the_contacts(sqlite_store, returns, tmp_path, quick_validator):
    inbox = tmp_path / "inbox"
    emailed(inbox, "a.eml", returns / "Durham FGC return.xlsx", JO, 3)
    emailed(inbox, "b.eml", returns / "Durham FGC return v2.xlsx", "sam@durham.gov.uk", 5)
    with Register.open(sqlite_store) as register:
        register.add_contacts([Contact(DURHAM, None, JO)])
        ingest_paths(register, [inbox], validator=quick_validator)
        assert (durham(register).latest_version, [h.version for h in durham(register).held]) == (1, [2])
        register.add_contacts([Contact(DURHAM, "Sam", "sam@durham.gov.uk")])
        assert (durham(register).latest_version, durham(register).held) == (2, ())


def test_with_nobody_known_for_the_la_a_return_is_taken_and_its_sender_shown(store, returns, tmp_path, quick_validator):
    with Register.open(store) as register:
        register.add_contacts([Contact(DARLINGTON, None, "data@darlington.gov.uk")])  # contacts for another LA only
        report = ingest_paths(register, [emailed(tmp_path / "inbox", "a.eml", returns / "Durham FGC return.xlsx", JO, 3)],
                              validator=quick_validator)
        assert [(o.version_no, o.held) for o in report.outcomes] == [(1, False)]
        row = durham(register)
        assert (row.latest_version, row.last_sender, row.sender_known, row.to_json()["sender_known"]) == (1, JO, False, False)
        lines = format_status(register.status(), [], "store").splitlines()
        assert f"  County Durham (E06000047) version 1 from {JO}" in lines
        assert register.receipts(DURHAM)[0].sender_check == "unverified"
        register.decide(DURHAM, "accept", "checked the address with the council", by="amy")
        assert durham(register).sender_known is True
        assert f"  County Durham (E06000047) version 1 from {JO}" not in format_status(register.status(), [], "store")


def test_a_file_ingested_from_a_folder_has_no_sender_and_counts(sqlite_store, returns, quick_validator):
    with Register.open(sqlite_store) as register:
        register.add_contacts([Contact(DURHAM, None, JO)])
        ingest_paths(register, [returns / "Durham FGC return.xlsx"], validator=quick_validator)
        row = durham(register)
        assert (row.latest_version, row.held, row.last_sender, row.sender_known) == (1, (), None, None)
        assert register.receipts(DURHAM)[0].sender_check is None


# --------------------------------------------------------------------------- an earlier version sent again


def test_an_earlier_version_sent_again_is_a_new_receipt_that_status_and_history_follow(store, returns, tmp_path, quick_validator):
    from fgc_collect.reference import find_la
    from fgc_collect.register.history import format_history, history_json, la_history

    broken = helpers.write_return(tmp_path / "v2" / "Durham FGC return v2.xlsx", DURHAM, seed=1, B3_5TO9="<5")  # FGC002
    inbox = tmp_path / "inbox"
    emailed(inbox, "a.eml", returns / "Durham FGC return.xlsx", JO, 3)
    emailed(inbox, "b.eml", broken, JO, 10)
    with Register.open(store) as register:
        ingest_paths(register, [inbox], validator=quick_validator)
        assert (durham(register).latest_version, durham(register).state) == (2, "errors")

        resent = emailed(tmp_path / "later", "RE use v1.eml", returns / "Durham FGC return.xlsx", JO, 12)
        report = ingest_paths(register, [resent], validator=quick_validator)

        (outcome,) = report.outcomes
        assert (outcome.kind, outcome.version_no) == (ALREADY_HELD, 1)
        assert format_ingest(report).splitlines()[0] == (
            f"{resent} > Durham FGC return.xlsx: County Durham (E06000047) sent version 1 again (after version 2): "
            "recorded as a new receipt; status now follows version 1.")
        row = durham(register)
        assert (row.latest_version, row.state, row.resent_version, row.outstanding_rules, row.last_received) == (
            1, "valid", 1, (), "2025-03-12T09:00:00+00:00")
        assert row.to_json()["resent_version"] == 1 and row.to_json()["latest_version"] == 1
        assert "  County Durham (E06000047) sent version 1 again on 2025-03-12T09:00:00+00:00." in format_status(
            register.status(), [], "store").splitlines()
        register.decide(DURHAM, "accept", "the council means version 1", by="amy")  # the version it means
        assert register.accepted_versions()[DURHAM].version_no == 1

        la = find_la(DURHAM)
        entries = la_history(register, la)
        text = format_history(la, entries, durham(register))
        assert text.splitlines()[0] == ("County Durham (E06000047): 2 versions; state: accepted (the council sent version 1 "
                                        "again on 2025-03-12T09:00:00+00:00: it is the version it means)")
        assert f"  SENT AGAIN 2025-03-12T09:00:00+00:00 from {JO} ({resent} > Durham FGC return.xlsx)" in text.splitlines()
        document = history_json(la, entries, durham(register))
        assert document["versions"][0]["sent_again"] == [
            {"received_at": "2025-03-12T09:00:00+00:00", "sender": JO, "source": f"{resent} > Durham FGC return.xlsx", "counted": True}]

        # The same email again, or the same file from a folder, is no new sending.
        receipts = len(register.receipts())
        again = ingest_paths(register, [resent, inbox, returns / "Durham FGC return.xlsx"], validator=quick_validator)
        assert {o.kind for o in again.outcomes} == {ALREADY_HELD} and not any(o.note for o in again.outcomes)
        assert len(register.receipts()) == receipts and durham(register).latest_version == 1


def test_an_earlier_version_sent_again_from_an_unknown_address_changes_nothing(sqlite_store, returns, tmp_path, quick_validator):
    inbox = tmp_path / "inbox"
    emailed(inbox, "a.eml", returns / "Durham FGC return.xlsx", JO, 3)
    emailed(inbox, "b.eml", returns / "Durham FGC return v2.xlsx", JO, 10)
    with Register.open(sqlite_store) as register:
        register.add_contacts([Contact(DURHAM, None, JO)])
        ingest_paths(register, [inbox], validator=quick_validator)
        report = ingest_paths(register, [emailed(tmp_path / "x", "x.eml", returns / "Durham FGC return.xlsx", FORGER, 12)],
                              validator=quick_validator)
        (outcome,) = report.outcomes
        assert outcome.held and outcome.line().endswith(
            f"County Durham (E06000047) version 1 sent again from {FORGER}, not a known sender for County Durham: recorded, "
            "not taken as the council's latest word.")
        assert (durham(register).latest_version, durham(register).resent_version) == (2, None)


# --------------------------------------------------------------------------- the chaser list


def test_the_chaser_list_says_whom_to_write_to_and_what_is_wrong_in_words(sqlite_store, returns, tmp_path, quick_validator):
    """Contacts from the contacts file for LAs that sent nothing; for Gateshead (a plain file with
    errors) the sender of its earlier emailed return."""
    import csv
    import io

    from fgc_collect.register.status import chaser_csv, chaser_rows, problems_in_words

    first = helpers.write_return(tmp_path / "g1" / "Gateshead return.xlsx", GATESHEAD, seed=3, A10=2.5)
    with Register.open(sqlite_store) as register:
        register.add_contacts([Contact(DARLINGTON, "Smith, Pat", "pat.smith@darlington.gov.uk")])
        ingest_paths(register, [emailed(tmp_path / "inbox", "g.eml", first, "cs.data@gateshead.gov.uk", 3)], validator=quick_validator)
        ingest_paths(register, [returns / "Gateshead return.xlsx"], validator=quick_validator)  # FGC002, by hand
        rows = register.status()
        versions = {(v.la_code, v.version_no): v for v in register.versions()}
        problems = {row.la_code: problems_in_words(register.issues(versions[row.la_code, row.latest_version].id))
                    for row in chaser_rows(rows) if row.latest_version}
    table = {row["la_code"]: row for row in csv.DictReader(io.StringIO(chaser_csv(rows, problems)))}
    assert len(table) == 153  # 152 not received, Gateshead with errors
    assert (table[DARLINGTON]["contact_name"], table[DARLINGTON]["contact_email"]) == ("Smith, Pat", "pat.smith@darlington.gov.uk")
    assert (table[GATESHEAD]["state"], table[GATESHEAD]["contact_email"], table[GATESHEAD]["last_sender"]) == (
        "errors", "cs.data@gateshead.gov.uk", "")
    assert table[GATESHEAD]["outstanding_problems"].startswith("FGC002 Exact figures, not suppressed ones (error: B3_5TO9)")
    assert table[DURHAM]["contact_email"] == ""


def test_every_cell_of_the_chaser_list_is_neutralised_against_formulas():
    import csv
    import io

    from fgc_collect.reference import local_authorities
    from fgc_collect.register.status import chaser_csv, compute_status

    rows = compute_status(local_authorities(), [], [], {}, contacts=[
        Contact(DURHAM, "\t=cmd|' /C calc'!A0", "jo@durham.gov.uk"),
        Contact(DARLINGTON, "\rPat", "=1+2@darlington.gov.uk"),
    ])
    problems = {GATESHEAD: "@SUM(A1:A9)"}
    table = {row["la_code"]: row for row in csv.DictReader(io.StringIO(chaser_csv(rows, problems), newline=""))}
    assert table[DURHAM]["contact_name"] == "'\t=cmd|' /C calc'!A0"
    assert table[DARLINGTON]["contact_name"] == "'\rPat"
    assert table[DARLINGTON]["contact_email"] == "'=1+2@darlington.gov.uk"
    assert table[GATESHEAD]["outstanding_problems"] == "'@SUM(A1:A9)"
