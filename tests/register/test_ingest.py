"""Ingest through the library: identification, versions, re-ingest, quarantine, emails (real
.xlsx returns; the real validator without its Great Expectations suites, to stay quick)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from fgc_collect.register import Register, ingest_paths
from fgc_collect.register.ingest import (
    ALREADY_HELD, ALREADY_QUARANTINED, NEW_VERSION, QUARANTINED, REFUSED, IngestError, format_ingest,
)
from tests.register import helpers
from tests.register.conftest import DARLINGTON, DURHAM, GATESHEAD, HARTLEPOOL
from tests.register.msgbuilder import MsgAttachment, MsgMessage, build_msg


def kinds(report):
    """(file name as sent, what happened, LA, version) per file."""
    return [(outcome.source.split(" > ")[-1].rsplit("/", 1)[-1], outcome.kind, outcome.la_code, outcome.version_no)
            for outcome in report.outcomes]


def test_returns_become_versions_and_the_same_bytes_again_change_nothing(store, returns, quick_validator):
    with Register.open(store) as register:
        first = ingest_paths(register, [returns / "Durham FGC return.xlsx", returns / "Darlington return.xlsx"], validator=quick_validator, by="amy")
        assert kinds(first) == [
            ("Durham FGC return.xlsx", NEW_VERSION, DURHAM, 1),
            ("Darlington return.xlsx", NEW_VERSION, DARLINGTON, 1),
        ]
        assert first.exit_code == 0
        before = register.db.query("SELECT * FROM versions ORDER BY id")

        again = ingest_paths(register, [returns / "Durham FGC return.xlsx", returns / "Darlington return.xlsx"], validator=quick_validator)

        assert kinds(again) == [
            ("Durham FGC return.xlsx", ALREADY_HELD, DURHAM, 1),
            ("Darlington return.xlsx", ALREADY_HELD, DARLINGTON, 1),
        ]
        assert format_ingest(again).splitlines()[0].endswith("already held as version 1 of County Durham; nothing to do.")
        assert register.db.query("SELECT * FROM versions ORDER BY id") == before
        assert register.versions(DURHAM)[0].ingested_by == "amy"


def test_a_resubmission_is_the_next_version_and_says_what_changed(store, returns, quick_validator):
    with Register.open(store) as register:
        ingest_paths(register, [returns / "Durham FGC return.xlsx"], validator=quick_validator)
        report = ingest_paths(register, [returns / "Durham FGC return v2.xlsx"], validator=quick_validator)

        assert kinds(report) == [("Durham FGC return v2.xlsx", NEW_VERSION, DURHAM, 2)]
        v1, v2 = register.versions(DURHAM)
        assert (v1.file_name, v2.file_name) == ("Durham FGC return.xlsx", "Durham FGC return v2.xlsx")
        (fgc204,) = [issue for issue in register.issues(v2.id) if issue.rule == "FGC204"]
        assert "Durham FGC return.xlsx (version 1)" in fgc204.message
        first = helpers.return_values(DURHAM)
        assert f"A10 {first['A10']} -> 3.5; D2 {first['D2']} -> 40" in fgc204.message
        assert "FGC204" not in {issue.rule for issue in register.issues(v1.id)}


def test_a_return_with_errors_is_stored_with_its_issues_where_the_council_looks(store, returns, quick_validator):
    with Register.open(store) as register:
        ingest_paths(register, [returns / "Gateshead return.xlsx"], validator=quick_validator)
        (version,) = register.versions(GATESHEAD)
        assert version.validation == "errors" and version.errors >= 1
        (fgc002,) = [issue for issue in register.issues(version.id) if issue.rule == "FGC002"]
        assert (fgc002.item, fgc002.sheet, fgc002.severity, fgc002.value) == ("B3_5TO9", "B Referrals", "error", "<5")
        assert fgc002.cell


def test_a_return_naming_two_las_goes_to_quarantine_until_someone_says_whose_it_is(store, returns, quick_validator):
    from fgc_collect.reference import find_la

    path = returns / "Hartlepool template from Darlington.xlsx"
    with Register.open(store) as register:
        report = ingest_paths(register, [path], validator=quick_validator)
        (outcome,) = report.outcomes
        assert outcome.kind == QUARANTINED and report.exit_code == 2
        assert outcome.reason == (
            "Hartlepool template from Darlington.xlsx names more than one LA: the template was prefilled for "
            "Hartlepool (E06000001); A2 gives the code of Hartlepool (E06000001); A1 gives the name of Darlington "
            "(E06000005); ask the council, then ingest it again with --la CODE."
        )
        assert register.versions() == []
        (entry,) = register.quarantine()
        assert register.blob(entry.sha256) == path.read_bytes()

        again = ingest_paths(register, [path], validator=quick_validator)
        assert [o.kind for o in again.outcomes] == [ALREADY_QUARANTINED] and len(register.quarantine()) == 1

        settled = ingest_paths(register, [path], la=find_la(DARLINGTON), validator=quick_validator, by="amy")
        assert kinds(settled) == [("Hartlepool template from Darlington.xlsx", NEW_VERSION, DARLINGTON, 1)]
        assert register.versions(HARTLEPOOL) == []
        assert register.quarantine() == []  # taken in: no longer outstanding
        (entry,) = register.quarantine(include_resolved=True)  # the record of what happened stays
        resolution = entry.resolution
        assert (resolution.resolution, resolution.la_code, resolution.version_no, resolution.resolved_by) == (
            "taken", DARLINGTON, 1, "amy")

        later = ingest_paths(register, [path], validator=quick_validator)  # the daily run meets it again
        assert kinds(later) == [("Hartlepool template from Darlington.xlsx", ALREADY_HELD, DARLINGTON, 1)]
        assert later.exit_code == 0 and register.quarantine() == []


def test_a_file_that_is_not_a_workbook_is_kept_in_quarantine_with_the_readers_reason(store, tmp_path, quick_validator):
    fake = tmp_path / "FGC return FINAL.xlsx"
    fake.write_bytes(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
    with Register.open(store) as register:
        report = ingest_paths(register, [fake], validator=quick_validator)
        (entry,) = register.quarantine()
        assert "not an Excel workbook" in entry.reason and entry.file_name == "FGC return FINAL.xlsx"
        assert register.blob(entry.sha256) == fake.read_bytes()
        assert report.exit_code == 2


def test_a_folder_of_emails_from_outlook_and_other_mail_programs(store, returns, tmp_path, quick_validator):
    """Durham's first return came in Outlook (forwarded by a colleague), its correction later as a
    zipped attachment to an ordinary email with an inline logo and a cover letter."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    v1, v2 = (returns / "Durham FGC return.xlsx").read_bytes(), (returns / "Durham FGC return v2.xlsx").read_bytes()
    correction = helpers.email_with(
        [("Durham returns.zip", helpers.zip_of({"Durham FGC return v2.xlsx": v2}), ("application", "zip")),
         ("cover letter.pdf", b"%PDF-1.7 letter", ("application", "pdf"))],
        sender="jo.bloggs@durham.gov.uk", date=datetime(2025, 3, 28, 10, 14, tzinfo=timezone.utc), inline_image=True,
    )
    (inbox / "a RE FGC survey - correction.eml").write_bytes(correction.as_bytes())
    council = MsgMessage("FGC return", "Jo Bloggs", "jo.bloggs@durham.gov.uk", datetime(2025, 3, 3, 16, 5, tzinfo=timezone.utc),
                         attachments=[MsgAttachment("Durham FGC return.xlsx", v1, "/".join(helpers.XLSX_TYPE))])
    forward = MsgMessage("FW: FGC return", "Sam Colleague", "sam@example.org", datetime(2025, 3, 4, 9, 0, tzinfo=timezone.utc),
                         attachments=[MsgAttachment("FGC return", embedded=council)])
    (inbox / "b FW FGC return.msg").write_bytes(build_msg(forward))

    with Register.open(store) as register:
        report = ingest_paths(register, [inbox], validator=quick_validator)

        assert sorted(kinds(report), key=str) == sorted([
            ("Durham FGC return.xlsx", NEW_VERSION, DURHAM, 1),  # the older email first, whatever the folder order
            ("Durham FGC return v2.xlsx", NEW_VERSION, DURHAM, 2),
            ("cover letter.pdf", QUARANTINED, None, None),
            ("inline image", "skipped", None, None),
        ], key=str)
        first, second = register.versions(DURHAM)
        assert register.blob(first.sha256) == v1 and register.blob(second.sha256) == v2
        assert (first.sender, first.received_at) == ("jo.bloggs@durham.gov.uk", "2025-03-03T16:05:00+00:00")
        assert (second.sender, second.received_at) == ("jo.bloggs@durham.gov.uk", "2025-03-28T10:14:00+00:00")
        assert second.source.endswith("a RE FGC survey - correction.eml > Durham returns.zip > Durham FGC return v2.xlsx")
        # The emails themselves are kept too, as evidence of how each return arrived.
        assert register.blob(first.container_sha256) == (inbox / "b FW FGC return.msg").read_bytes()
        assert register.blob(second.container_sha256) == (inbox / "a RE FGC survey - correction.eml").read_bytes()


def test_accepted_returns_are_what_feeds_the_tables(store, returns, quick_validator):
    with Register.open(store) as register:
        ingest_paths(register, [returns / "Durham FGC return.xlsx", returns / "Darlington return.xlsx"], validator=quick_validator)
        ingest_paths(register, [returns / "Durham FGC return v2.xlsx"], validator=quick_validator)
        assert register.accepted_returns() == {}

        register.decide(DURHAM, "accept", "figures confirmed by phone", version_no=1, by="amy")
        register.decide(DARLINGTON, "reject", "B3 query unanswered", by="amy")
        accepted = register.accepted_returns()

        assert list(accepted) == [DURHAM]
        assert accepted[DURHAM].file == "Durham FGC return.xlsx"
        assert accepted[DURHAM].values()["B1"] == helpers.return_values(DURHAM, seed=1)["B1"]

        register.decide(DURHAM, "accept", "correction received", by="amy")  # the latest, version 2
        assert register.accepted_returns()[DURHAM].values()["D2"] == 40


def test_free_text_is_not_copied_into_the_issues(sqlite_store, tmp_path, quick_validator):
    path = helpers.write_return(tmp_path / "Darlington.xlsx", DARLINGTON, seed=2,
                                E1="Figures checked. One family moved to LS6 2DX, child born 03/02/2019.")
    with Register.open(sqlite_store) as register:
        ingest_paths(register, [path], validator=quick_validator)
        (version,) = register.versions()
        assert "FGC010" in {issue.rule for issue in register.issues(version.id)}
    dump = "\n".join(sqlite3.connect(tmp_path / "store" / "register.sqlite3").iterdump())
    assert "LS6 2DX" not in dump and "03/02/2019" not in dump


def test_a_missing_path_ingests_nothing_and_says_which(sqlite_store, returns, tmp_path, quick_validator):
    with Register.open(sqlite_store) as register:
        with pytest.raises(IngestError, match=r"nowhere\.xlsx does not exist; nothing was ingested\."):
            ingest_paths(register, [returns / "Durham FGC return.xlsx", tmp_path / "nowhere.xlsx"], validator=quick_validator)
        assert register.versions() == []


def test_other_las_figures_come_from_the_register_without_their_free_text(sqlite_store, returns, quick_validator):
    from fgc_collect.spec import load_spec

    with Register.open(sqlite_store) as register:
        ingest_paths(register, [returns / "Darlington return.xlsx"], validator=quick_validator)
        (version,) = register.versions()
        full, peer = register.read_version(version), register.peer_return(version)
        kinds_of = {cell.id: cell.kind for cell in load_spec().input_cells}
        for item, value in full.values().items():
            if kinds_of[item] in ("text", "longtext", "email") and item != "A1":
                assert peer.values()[item] is None
            else:
                assert peer.values()[item] == value, item
        assert full.values()["A14"] and peer.metadata == full.metadata


# --------------------------------------------------------------------------- each file stands alone

LONG_NAME = "Résumé_" + "é" * 140 + ".xlsx"  # 289 bytes in UTF-8: over what a file system takes


def test_each_file_stands_alone_beside_a_lone_surrogate_a_long_name_and_a_huge_file(sqlite_store, returns, tmp_path, quick_validator):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "Durham FGC return.xlsx").write_bytes((returns / "Durham FGC return.xlsx").read_bytes())
    # The OOXML escape of a lone surrogate (not a character) in A4.
    helpers.write_return(inbox / "Gateshead.xlsx", GATESHEAD, seed=3, A4="Jo _xD800_ Bloggs")
    (inbox / "returns.zip").write_bytes(helpers.zip_of({LONG_NAME: (returns / "Darlington return.xlsx").read_bytes()}))
    with open(inbox / "Hartlepool.xlsx", "wb") as huge:  # 51 MB (sparse: quick to make)
        huge.truncate(51 * 1024 * 1024)

    with Register.open(sqlite_store) as register:
        report = ingest_paths(register, [inbox], validator=quick_validator)
        by_name = {outcome.source.rsplit("/", 1)[-1].split(" > ")[-1]: outcome for outcome in report.outcomes}

        assert (by_name["Durham FGC return.xlsx"].kind, by_name["Durham FGC return.xlsx"].la_code) == (NEW_VERSION, DURHAM)
        assert (by_name[LONG_NAME].kind, by_name[LONG_NAME].la_code) == (NEW_VERSION, DARLINGTON)
        assert register.versions(DARLINGTON)[0].file_name == LONG_NAME
        huge = by_name["Hartlepool.xlsx"]
        assert huge.kind == REFUSED and huge.reason == (
            "Hartlepool.xlsx is 51 MB, over the 50 MB limit for a file; it is not a return and was not read.")
        surrogate = by_name["Gateshead.xlsx"]  # taken in once the reader copes; until then, its own sentence
        assert surrogate.kind == NEW_VERSION or (surrogate.kind == QUARANTINED and surrogate.reason.startswith("Gateshead.xlsx "))
        assert report.exit_code == 2
        assert format_ingest(report).splitlines()[-1].startswith("4 files into")


def test_a_fault_on_one_file_quarantines_it_with_what_failed_and_the_others_go_on(sqlite_store, returns, monkeypatch, quick_validator):
    from fgc_collect import pipeline

    real_read = pipeline.read_file

    def tripping_read(path, *args, **kwargs):
        if "Darlington" in path.name:
            raise RuntimeError("the reader tripped on sheet C at 'Jo Bloggs, 12 Elm Road'")
        return real_read(path, *args, **kwargs)

    def tripping_validator(rets, held=(), **options):
        if any(ret.values().get("A2") == helpers.la(GATESHEAD).code for ret in rets):
            raise ValueError("a rule tripped")
        return quick_validator(rets, held=held, **options)

    monkeypatch.setattr(pipeline, "read_file", tripping_read)
    files = [returns / name for name in ("Durham FGC return.xlsx", "Darlington return.xlsx", "Gateshead return.xlsx")]
    with Register.open(sqlite_store) as register:
        report = ingest_paths(register, files, validator=tripping_validator)

        assert sorted(kinds(report)) == [
            ("Darlington return.xlsx", QUARANTINED, None, None),
            ("Durham FGC return.xlsx", NEW_VERSION, DURHAM, 1),
            ("Gateshead return.xlsx", QUARANTINED, None, None),
        ]
        reasons = {entry.file_name: entry.reason for entry in register.quarantine()}
        assert reasons == {
            "Darlington return.xlsx": "Darlington return.xlsx could not be taken in: fgc-collect failed while reading it "
                                      "(RuntimeError: the reader tripped on sheet C at …); please report this with the file's fingerprint.",
            "Gateshead return.xlsx": "Gateshead return.xlsx could not be taken in: fgc-collect failed while validating it "
                                     "(ValueError: a rule tripped); please report this with the file's fingerprint.",
        }
        kept = {entry.file_name: register.blob(entry.sha256) for entry in register.quarantine()}
        assert kept["Darlington return.xlsx"] == files[1].read_bytes()  # kept whole: an aggregate return


def test_safe_file_name_fits_a_file_system_and_keeps_the_extension():
    from fgc_collect.register.core import safe_file_name

    name = safe_file_name(LONG_NAME)
    assert len(name.encode("utf-8")) <= 255 and name.endswith(".xlsx") and name.startswith("Résumé_éé")
    assert name.encode("utf-8").decode("utf-8") == name  # never cut inside a character
    assert safe_file_name("a/b/../Durham\x1b]0;x\x07.xlsx") == "Durham_]0;x_.xlsx"
    assert safe_file_name("Durham \ud800.csv") == "Durham _.csv"
    assert safe_file_name("...") == "file"
    assert safe_file_name("x." + "y" * 300).endswith("y") and len(safe_file_name("x." + "y" * 300).encode()) <= 255
