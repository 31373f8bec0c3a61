"""Where each LA stands, from the register's rows (pure: no database)."""

from __future__ import annotations

import csv
import io

from fgc_collect.reference import local_authorities
from fgc_collect.register.records import Decision, QuarantineEntry, Version
from fgc_collect.register.status import (
    accepted_version_ids, chaser_csv, compute_status, format_status, status_json,
)

DURHAM, DARLINGTON, GATESHEAD = "E06000047", "E06000005", "E08000037"


def version(id, la, number, validation="valid", received="2025-03-20T09:00:00+00:00", sha=None, sender=None):
    return Version(id, la, number, sha or f"{id:064x}", f"{la}.xlsx", f"inbox/{la}.xlsx", None, sender, received,
                   received, "amy", validation, int(validation == "errors"), int(validation == "warnings"), "2023-24.1")


def decision(id, version_id, la, what, number=1):
    return Decision(id, version_id, number, la, what, "note", "amy", f"2025-04-0{id}T10:00:00+00:00")


def by_code(rows):
    return {row.la_code: row for row in rows}


def test_every_la_is_listed_and_the_unreceived_are_not_received():
    rows = compute_status(local_authorities(), [version(1, DURHAM, 1)], [], {})
    assert len(rows) == 153 and [row.la_code for row in rows] == [la.code for la in local_authorities()]
    darlington = by_code(rows)[DARLINGTON]
    assert (darlington.state, darlington.versions, darlington.last_received, darlington.outstanding_rules) == ("not received", 0, None, ())


def test_the_state_is_the_latest_versions_validation_until_the_coordinator_decides():
    versions = [version(1, DURHAM, 1, "errors", "2025-03-01T09:00:00+00:00"), version(2, DURHAM, 2, "warnings", "2025-03-28T10:14:00+00:00")]
    rules = {1: ["FGC101"], 2: ["FGC108", "FGC204"]}

    row = by_code(compute_status(local_authorities(), versions, [], rules))[DURHAM]
    assert (row.state, row.versions, row.last_received, row.outstanding_rules, row.latest_version) == (
        "warnings", 2, "2025-03-28T10:14:00+00:00", ("FGC108", "FGC204"), 2)

    accepted = by_code(compute_status(local_authorities(), versions, [decision(1, 2, DURHAM, "accept", 2)], rules))[DURHAM]
    assert (accepted.state, accepted.outstanding_rules, accepted.accepted_version) == ("accepted", (), 2)

    rejected = by_code(compute_status(local_authorities(), versions, [decision(1, 2, DURHAM, "reject", 2)], rules))[DURHAM]
    assert (rejected.state, rejected.outstanding_rules, rejected.accepted_version) == ("rejected", ("FGC108", "FGC204"), None)


def test_a_newer_version_awaits_a_decision_while_the_accepted_one_still_feeds_the_tables():
    versions = [version(1, DURHAM, 1), version(2, DURHAM, 2, "errors")]
    row = by_code(compute_status(local_authorities(), versions, [decision(1, 1, DURHAM, "accept")], {2: ["FGC101"]}))[DURHAM]
    assert (row.state, row.accepted_version, row.outstanding_rules) == ("errors", 1, ("FGC101",))


def test_the_accepted_version_is_the_latest_accept_not_since_rejected():
    v1, v2 = 1, 2
    assert accepted_version_ids([decision(1, v1, DURHAM, "accept"), decision(2, v2, DURHAM, "accept")]) == {DURHAM: v2}
    # Version 2 accepted by mistake, then rejected: version 1 feeds the tables again.
    assert accepted_version_ids([decision(1, v1, DURHAM, "accept"), decision(2, v2, DURHAM, "accept"),
                                 decision(3, v2, DURHAM, "reject")]) == {DURHAM: v1}
    assert accepted_version_ids([decision(1, v1, DURHAM, "accept"), decision(2, v1, DURHAM, "reject")]) == {}


def test_versions_count_distinct_files():
    same = "ab" * 32
    rows = compute_status(local_authorities(), [version(1, DURHAM, 1, sha=same), version(2, DURHAM, 2)], [], {})
    assert by_code(rows)[DURHAM].versions == 2


def test_status_json_has_the_contracts_fields_for_every_la():
    rows = compute_status(local_authorities(), [version(1, DURHAM, 1, "errors")], [], {1: ["FGC101"]})
    quarantine = [QuarantineEntry("cd" * 32, "scan.pdf", "inbox/x.eml > scan.pdf", "a@b.gov.uk", "2025-03-01T00:00:00+00:00",
                                  "2025-03-02T00:00:00+00:00", "scan.pdf is a .pdf file, not a spreadsheet.")]
    document = status_json("fgc-store", rows, quarantine)
    assert document["store"] == "fgc-store" and len(document["las"]) == 153
    durham = next(entry for entry in document["las"] if entry["la_code"] == DURHAM)
    assert {key: durham[key] for key in ("la_code", "la_name", "region_name", "state", "versions", "last_received", "outstanding_rules")} == {
        "la_code": DURHAM, "la_name": "County Durham", "region_name": "North East", "state": "errors",
        "versions": 1, "last_received": "2025-03-20T09:00:00+00:00", "outstanding_rules": ["FGC101"],
    }
    assert document["quarantine"][0]["reason"] == "scan.pdf is a .pdf file, not a spreadsheet."


def test_the_chaser_list_is_the_las_not_received_with_errors_or_rejected():
    versions = [version(1, DURHAM, 1, "errors", sender="jo@durham.gov.uk"), version(2, DARLINGTON, 1, "warnings"), version(3, GATESHEAD, 1)]
    rows = compute_status(local_authorities(), versions, [decision(1, 3, GATESHEAD, "reject")], {1: ["FGC002", "FGC101"]})

    table = list(csv.DictReader(io.StringIO(chaser_csv(rows))))

    assert len(table) == 153 - 1  # everyone but Darlington (warnings only)
    durham = next(row for row in table if row["la_code"] == DURHAM)
    assert durham == {"la_code": DURHAM, "la_name": "County Durham", "region_name": "North East", "state": "errors",
                      "versions": "1", "last_received": "2025-03-20T09:00:00+00:00",
                      "outstanding_rules": "FGC002 FGC101", "last_sender": "jo@durham.gov.uk",
                      "contact_name": "", "contact_email": "jo@durham.gov.uk", "outstanding_problems": ""}
    assert next(row for row in table if row["la_code"] == GATESHEAD)["state"] == "rejected"
    bristol = next(row for row in table if row["la_name"] == "Bristol, City of")  # a comma in a name stays one field
    assert bristol["state"] == "not received"


def test_the_chaser_list_cannot_carry_a_spreadsheet_formula():
    rows = compute_status(local_authorities(), [version(1, DURHAM, 1, "errors", sender="=HYPERLINK(\"http://x\")@x.org")], [], {})
    durham = next(row for row in csv.DictReader(io.StringIO(chaser_csv(rows))) if row["la_code"] == DURHAM)
    assert durham["last_sender"].startswith("'=")


def test_the_text_table_starts_with_the_counts():
    rows = compute_status(local_authorities(), [version(1, DURHAM, 1, "errors")], [], {1: ["FGC101"]})
    lines = format_status(rows, [], "fgc-store").splitlines()
    assert lines[0] == "Register: fgc-store"
    assert lines[1] == "153 LAs: 152 not received, 1 with errors, 0 with warnings, 0 valid, 0 accepted, 0 rejected; 0 files in quarantine."
    assert any(line.startswith("E06000047  County Durham") and "errors" in line and line.endswith("FGC101") for line in lines)
