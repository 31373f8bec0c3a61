"""What arrives in emails, Outlook files and zips, as the register unpacks it (no database)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from fgc_collect.register import unpack
from fgc_collect.register.unpack import unpack_paths
from tests.register import helpers
from tests.register.msgbuilder import MsgAttachment, MsgMessage, build_msg

XLSX = helpers.XLSX_TYPE
SHEET = b"PK\x03\x04 stands in for a workbook: unpacking never opens it"


def names(unpacked):
    return [(arrival.name, arrival.problem is None) for arrival in unpacked.arrivals]


def test_an_eml_gives_its_spreadsheet_with_sender_and_date_and_skips_inline_images(tmp_path):
    message = helpers.email_with([("Durham FGC return.xlsx", SHEET, XLSX)], inline_image=True)
    path = tmp_path / "RE FGC survey.eml"
    path.write_bytes(message.as_bytes())

    unpacked = unpack_paths([path])

    (arrival,) = unpacked.arrivals
    assert arrival.name == "Durham FGC return.xlsx" and arrival.data == SHEET
    assert arrival.sender == "fgc.lead@durham.gov.uk"
    assert arrival.received_at == "2025-03-20T09:30:00+00:00"
    assert arrival.source == f"{path} > Durham FGC return.xlsx"
    assert arrival.container.data == path.read_bytes()
    assert [why for _, why in unpacked.skipped] == ["an image in the email's text"]


def test_a_forwarded_email_keeps_the_councils_sender_and_date(tmp_path):
    council = helpers.email_with([("Return.xlsx", SHEET, XLSX)], sender="data@hartlepool.gov.uk",
                                 date=datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc))
    forward = helpers.email_with([], sender="colleague@example.org", subject="FW: return", forwarded=council)
    path = tmp_path / "FW.eml"
    path.write_bytes(forward.as_bytes())

    (arrival,) = unpack_paths([path]).arrivals

    assert arrival.sender == "data@hartlepool.gov.uk"
    assert arrival.received_at == "2025-03-01T08:00:00+00:00"
    assert arrival.data == SHEET


def test_a_zip_attachment_is_unpacked_and_other_attachments_are_kept_for_quarantine(tmp_path):
    archive = helpers.zip_of({"returns/Durham.xlsx": SHEET, "returns/notes.txt": b"see figures", "__MACOSX/._Durham.xlsx": b"x"})
    message = helpers.email_with([("returns.zip", archive, ("application", "zip")), ("letter.pdf", b"%PDF-1.7", ("application", "pdf"))])
    path = tmp_path / "with zip.eml"
    path.write_bytes(message.as_bytes())

    unpacked = unpack_paths([path])

    assert names(unpacked) == [("Durham.xlsx", True), ("notes.txt", False), ("letter.pdf", False)]
    assert unpacked.arrivals[0].source == f"{path} > returns.zip > Durham.xlsx"
    assert unpacked.arrivals[1].problem == "notes.txt is a .txt file, not a spreadsheet."
    assert unpacked.arrivals[2].problem == "letter.pdf is a .pdf file, not a spreadsheet."


def test_an_email_without_a_spreadsheet_is_itself_kept(tmp_path):
    path = tmp_path / "figures in the body.eml"
    path.write_bytes(helpers.email_with([]).as_bytes())

    (arrival,) = unpack_paths([path]).arrivals

    assert arrival.data == path.read_bytes()
    assert arrival.problem == "figures in the body.eml has no spreadsheet attached."


def test_winmail_dat_says_what_to_ask_the_council(tmp_path):
    path = tmp_path / "rtf.eml"
    path.write_bytes(helpers.email_with([("winmail.dat", b"\x78\x9f\x3e\x22", ("application", "ms-tnef"))]).as_bytes())

    (arrival,) = unpack_paths([path]).arrivals

    assert "winmail.dat is Outlook's rich-text wrapper" in arrival.problem


def test_an_outlook_msg_with_an_inline_logo_a_forwarded_message_and_a_pdf(tmp_path):
    council = MsgMessage("FGC return", "Jo Bloggs", "Jo.Bloggs@Durham.gov.uk", datetime(2025, 3, 20, 9, 30, tzinfo=timezone.utc),
                         attachments=[MsgAttachment("Durham FGC return.xlsx", SHEET, "/".join(XLSX))])
    outer = MsgMessage("FW: FGC return", "Survey team", "team@example.org", datetime(2025, 3, 21, 10, 0, tzinfo=timezone.utc),
                       attachments=[MsgAttachment("image001.png", b"\x89PNG logo", "image/png", content_id="image001.png@01DB"),
                                    MsgAttachment("FGC return", embedded=council),
                                    MsgAttachment("cover letter.pdf", b"%PDF-1.4", "application/pdf")])
    path = tmp_path / "FW FGC return.msg"
    path.write_bytes(build_msg(outer))

    unpacked = unpack_paths([path])

    assert names(unpacked) == [("Durham FGC return.xlsx", True), ("cover letter.pdf", False)]
    sheet = unpacked.arrivals[0]
    assert sheet.data == SHEET
    assert sheet.sender == "jo.bloggs@durham.gov.uk"  # the council's, not the forwarder's
    assert sheet.received_at == "2025-03-20T09:30:00+00:00"
    assert sheet.source == f"{path} > FGC return.msg > Durham FGC return.xlsx"
    assert unpacked.arrivals[1].sender == "team@example.org"
    assert [where for where, _ in unpacked.skipped] == [f"{path} > image001.png"]


def test_a_damaged_msg_is_kept_with_a_plain_reason(tmp_path):
    path = tmp_path / "broken.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    (arrival,) = unpack_paths([path]).arrivals

    assert arrival.problem == "broken.msg could not be read as an Outlook message (.msg); it may be damaged."
    assert arrival.data == path.read_bytes()


def test_a_zip_bomb_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Durham.xlsx", b"\x00" * (3 * 1024 * 1024))  # 3 MB of zeros: ~3 kB compressed
    path = tmp_path / "returns.zip"
    path.write_bytes(bomb.getvalue())

    (arrival,) = unpack_paths([path]).arrivals

    assert "like a zip bomb" in arrival.problem and "was not unpacked" in arrival.problem
    assert arrival.data == path.read_bytes()  # the zip itself is what is kept


def test_a_zip_member_over_the_size_limit_is_read_no_further_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_FILE_BYTES", 1024)
    path = tmp_path / "big.zip"
    path.write_bytes(helpers.zip_of({"Durham.xlsx": b"A" * 5000}))  # the zip is small; the member is not
    reads = []
    original_open = zipfile.ZipFile.open

    def watched_open(self, *args, **kwargs):
        stream = original_open(self, *args, **kwargs)
        original_read = stream.read
        stream.read = lambda size=-1: reads.append(size) or original_read(size)
        return stream

    monkeypatch.setattr(zipfile.ZipFile, "open", watched_open)

    (arrival,) = unpack_paths([path]).arrivals

    assert reads == [1025]  # never "read everything"
    assert arrival.problem == "Durham.xlsx in big.zip expands past the size limit, like a zip bomb; it was not unpacked."
    assert arrival.data == path.read_bytes()


def test_a_zip_that_lies_about_its_sizes_is_reported_damaged(tmp_path):
    data = bytearray(helpers.zip_of({"Durham.xlsx": b"A" * 5000}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # declared uncompressed size: 10 bytes
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))

    (arrival,) = unpack_paths([path]).arrivals

    assert arrival.problem == "Durham.xlsx in liar.zip could not be unpacked; the zip may be damaged."


def test_an_encrypted_zip_member_asks_for_the_file_without_a_password(tmp_path):
    data = bytearray(helpers.zip_of({"Durham.xlsx": SHEET}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" flag
        at = data.find(signature)
        data[at + offset] |= 0x1
    path = tmp_path / "locked.zip"
    path.write_bytes(bytes(data))

    (arrival,) = unpack_paths([path]).arrivals

    assert arrival.problem == "Durham.xlsx is encrypted inside locked.zip; ask the council to send it without a zip password."


def test_folders_are_searched_recursively_and_other_files_listed_as_ignored(tmp_path):
    (tmp_path / "inbox" / "March").mkdir(parents=True)
    (tmp_path / "inbox" / "March" / "Durham.xlsx").write_bytes(SHEET)
    (tmp_path / "inbox" / "~$Durham.xlsx").write_bytes(b"lock")
    (tmp_path / "inbox" / "tracking.docx").write_bytes(b"doc")

    unpacked = unpack_paths([tmp_path / "inbox"])

    assert names(unpacked) == [("Durham.xlsx", True)]
    assert unpacked.ignored == [str(tmp_path / "inbox" / "tracking.docx")]


def test_a_signed_email_gives_its_spreadsheet_and_skips_the_signature(tmp_path):
    message = helpers.email_with([("Durham.xlsx", SHEET, XLSX), ("smime.p7s", b"0\x82 signature", ("application", "pkcs7-signature"))])
    path = tmp_path / "signed.eml"
    path.write_bytes(message.as_bytes())

    unpacked = unpack_paths([path])

    assert names(unpacked) == [("Durham.xlsx", True)]
    assert unpacked.skipped == [(f"{path} > smime.p7s", "the email's digital signature")]


def test_a_link_in_a_folder_is_listed_and_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    (outside / "Durham.xlsx").write_bytes(SHEET)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "Darlington.xlsx").write_bytes(SHEET + b" Darlington")
    (inbox / "Hartlepool.xlsx").symlink_to(outside / "passwd")
    (inbox / "shared").symlink_to(outside, target_is_directory=True)

    unpacked = unpack_paths([inbox])

    assert names(unpacked) == [("Darlington.xlsx", True)]
    assert unpacked.links == [str(inbox / "Hartlepool.xlsx"), str(inbox / "shared")]
    assert all(b"root:" not in arrival.data and arrival.data != SHEET for arrival in unpacked.arrivals)


def test_a_link_given_by_name_is_refused_unread(tmp_path):
    (tmp_path / "secret").write_bytes(b"root:x:0:0")
    (tmp_path / "Durham.xlsx").symlink_to(tmp_path / "secret")

    unpacked = unpack_paths([tmp_path / "Durham.xlsx"])

    assert unpacked.arrivals == []
    assert unpacked.refused == [(str(tmp_path / "Durham.xlsx"), "Durham.xlsx is a symbolic link; fgc-collect never follows "
                                 "links, so give the file or folder it points to.")]


def test_a_link_inside_a_zip_is_refused_as_a_member(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        link = zipfile.ZipInfo("Durham.xlsx")
        link.create_system = 3  # unix
        link.external_attr = (0o120777 << 16)  # a symbolic link, as `zip --symlinks` stores it
        archive.writestr(link, "/etc/passwd")
        archive.writestr("Darlington.xlsx", SHEET)
    path = tmp_path / "returns.zip"
    path.write_bytes(out.getvalue())

    unpacked = unpack_paths([path])

    assert names(unpacked) == [("returns.zip", False), ("Darlington.xlsx", True)]
    assert unpacked.arrivals[0].problem == "Durham.xlsx in returns.zip is a symbolic link; links are never followed, so it was not unpacked."


def test_what_could_not_be_opened_is_withheld_and_what_was_opened_is_not(tmp_path, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("children.csv", b"child_id,family_id\n" + b",\n" * (1024 * 1024))  # padded: ~500 to 1
        archive.writestr("letter.pdf", b"%PDF-1.4")
    path = tmp_path / "returns.zip"
    path.write_bytes(out.getvalue())

    bomb, letter = unpack_paths([path]).arrivals

    assert "like a zip bomb" in bomb.problem and bomb.withheld
    assert letter.problem == "letter.pdf is a .pdf file, not a spreadsheet." and not letter.withheld


def test_a_file_over_the_limit_is_fingerprinted_without_being_read(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setattr(unpack, "MAX_FILE_BYTES", 1024)
    path = tmp_path / "Durham.csv"
    path.write_bytes(b"child_id\n" + b"A" * 5000)

    (arrival,) = unpack_paths([path]).arrivals

    assert arrival.withheld and arrival.data == b""
    assert (arrival.sha256, arrival.size) == (hashlib.sha256(path.read_bytes()).hexdigest(), 5009)
    assert arrival.problem.startswith("Durham.csv is ") and arrival.problem.endswith("limit for a file; it is not a return and was not read.")


def test_a_name_with_bytes_that_are_not_text_can_still_be_recorded(tmp_path):
    import os

    folder = os.fsencode(tmp_path / "inbox")
    os.mkdir(folder)
    with open(os.path.join(folder, b"Durham \xff return.xlsx"), "wb") as handle:  # not UTF-8: a surrogate in Python
        handle.write(SHEET)

    (arrival,) = unpack_paths([tmp_path / "inbox"]).arrivals

    assert arrival.name == "Durham \ufffd return.xlsx"
    assert arrival.source.encode("utf-8")  # storable and printable: no lone surrogate left


def test_a_pipe_given_by_name_is_refused_without_waiting(tmp_path):
    import os

    pipe = tmp_path / "Durham.xlsx"
    os.mkfifo(pipe)  # reading it would wait for a writer forever

    unpacked = unpack_paths([pipe])

    assert unpacked.arrivals == []
    assert unpacked.refused == [(str(pipe), "Durham.xlsx is not a file (a device or a pipe, say), so it was not read.")]
