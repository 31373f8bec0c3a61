"""The register across collection years: versions keyed by year, LA and version; status, history
and decisions per year; a register made before years migrated in place; FGC205 fed from the LAs'
accepted returns of the year before."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fgc_collect.register import Register
from fgc_collect.register import store as storage
from tests.register import helpers
from tests.register.test_commands import run
from tests.register.test_store import a_version

DURHAM, DARLINGTON, GATESHEAD, HARTLEPOOL = "E06000047", "E06000005", "E08000037", "E06000001"
RELEASE_REGISTER = Path(__file__).parent / "fixtures" / "release_register.zip"


def by_la(document: dict) -> dict:
    return {row["la_code"]: row for row in document["las"]}


def test_a_register_made_before_years_opens_as_2023_24_migrated_in_place(tmp_path):
    store = tmp_path / "store"
    with zipfile.ZipFile(RELEASE_REGISTER) as archive:
        archive.extractall(store)
    done = run("status", "--store", str(store), "--year", "2023-24", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    las = by_la(document)
    assert document["year"] == "2023-24"
    assert {code: row["state"] for code, row in las.items() if row["state"] != "not received"} == {
        DURHAM: "accepted", DARLINGTON: "valid", GATESHEAD: "rejected"}
    assert (las[DURHAM]["accepted_version"], las[DURHAM]["latest_version"]) == (1, 1)
    assert json.loads(run("status", "--store", str(store), "--format", "json").stdout)["year"] == "2023-24"  # the only year held
    checked = run("verify", "--store", str(store))
    assert checked.returncode == 0 and "the audit log's 2 decisions are intact" in checked.stdout
    with Register.open(store, create=False) as register:
        assert storage.schema_version(register.db) == storage.SCHEMA_VERSION
        assert {version.year for version in register.versions()} == {"2023-24"}
        assert register.db.scalar("PRAGMA foreign_keys") == 1
        with pytest.raises(Exception, match="append-only"):  # the rebuilt table keeps its triggers
            with register.db.write() as db:
                db.execute("UPDATE versions SET year = '2024-25'")


def schema_4_register(store: str, monkeypatch) -> None:
    """A register as the release before years made it: migrations 1-4, two Durham versions and a
    decision, written as that release wrote them."""
    with monkeypatch.context() as patch:
        patch.setattr(storage, "MIGRATIONS", storage.MIGRATIONS[:4])
        patch.setattr(storage, "SCHEMA_VERSION", 4)
        with Register.open(store) as register:
            with register.db.write() as db:
                for number, data in ((1, b"v1"), (2, b"v2")):
                    sha = storage.sha256_bytes(data)
                    db.execute("INSERT INTO blobs (sha256, size, stored_at) VALUES (?, ?, 'then')", (sha, len(data)))
                    register.blobs.prepare(sha, data)
                    register.blobs.record(db, sha, data)
                    version_id = db.scalar(
                        "INSERT INTO versions (la_code, version_no, sha256, file_name, source, received_at, ingested_at, "
                        "ingested_by, validation, errors, warnings) VALUES (?, ?, ?, 'Durham.xlsx', 'inbox', 'then', 'then', "
                        "'me', 'valid', 0, 0) RETURNING id", (DURHAM, number, sha))
                    db.execute("INSERT INTO receipts (version_id, la_code, file_name, source, received_at, ingested_at, "
                               "ingested_by) VALUES (?, ?, 'Durham.xlsx', 'inbox', 'then', 'then', 'me')", (version_id, DURHAM))
                decision = db.scalar("INSERT INTO decisions (version_id, la_code, decision, note, decided_by, decided_at) "
                                     "VALUES (1, ?, 'accept', 'fine', 'me', 'then') RETURNING id", (DURHAM,))
                register._chain(db, decision)


def test_versions_are_numbered_per_year_and_la_after_the_migration(store, monkeypatch):
    schema_4_register(store, monkeypatch)
    with Register.open(store) as register:
        assert [(v.year, v.version_no) for v in register.versions()] == [("2023-24", 1), ("2023-24", 2)]
        new = register.record_version(a_version(data=b"next year", year="2024-25"), set(), "me").version
        assert (new.year, new.version_no) == ("2024-25", 1)  # never version 3 of 2023-24
        late = register.record_version(a_version(data=b"late", year="2023-24"), None, "me").version
        assert (late.year, late.version_no) == ("2023-24", 3)
        assert register.verify() == []
        assert [d.year for d in register.decisions()] == ["2023-24"]
        with pytest.raises(Exception, match="append-only"):
            with register.db.write() as db:
                db.execute("DELETE FROM versions")


def test_status_decisions_and_held_versions_keep_the_years_apart(store):
    with Register.open(store) as register:
        register.record_version(a_version(data=b"d23 v1", year="2023-24"), None, "me")
        register.record_version(a_version(data=b"d23 v2", year="2023-24"), None, "me")
        register.record_version(a_version(data=b"d24 v1", year="2024-25", validation="valid", issues=[]), None, "me")
        register.record_version(a_version(DARLINGTON, data=b"darl24", year="2024-25"), None, "me")
        register.decide(DURHAM, "accept", "checked", by="amy", year="2023-24")
        assert register.years() == ["2023-24", "2024-25"]
        last = {row.la_code: row for row in register.status(year="2023-24")}
        this = {row.la_code: row for row in register.status()}  # the latest year held
        assert (last[DURHAM].state, last[DURHAM].versions, last[DURHAM].latest_version, last[DURHAM].accepted_version) == (
            "accepted", 2, 2, 2)
        assert last[DARLINGTON].state == "not received"
        assert (this[DURHAM].state, this[DURHAM].versions, this[DURHAM].latest_version, this[DURHAM].accepted_version) == (
            "valid", 1, 1, None)
        assert this[DARLINGTON].state == "warnings"
        assert list(register.accepted_versions("2023-24")) == [DURHAM] and register.accepted_versions() == {}
        made = register.decide(DURHAM, "reject", "B1 looks wrong", by="amy")  # the latest year's version 1
        assert (made.year, made.version_no) == ("2024-25", 1)
        assert {row.la_code: row.state for row in register.status(year="2023-24")}[DURHAM] == "accepted"
        assert register.verify() == []  # one audit log across the years


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """Durham's 2023-24 returns: one with the figures of an LA a quarter its size (B1 far from
    2024-25's), one as the demo draws Durham; and its clean 2024-25 return, close to the latter."""
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    folder = tmp_path_factory.mktemp("years")
    durham = helpers.la(DURHAM)
    small = helpers.write_return(folder / "Durham 2023-24 small.xlsx", HARTLEPOOL, template_la=DURHAM, seed=1,
                                 A1=durham.name, A2=durham.code)
    close = helpers.write_return(folder / "Durham 2023-24.xlsx", DURHAM, seed=1)
    spec = load_spec("2024-25")
    this = fill_template(clean_return(durham, np.random.default_rng(1), spec), folder / "Durham 2024-25.xlsx", la=durham, spec=spec)
    return small, close, this, helpers.return_values(HARTLEPOOL, seed=1)["B1"]


def rules_of(store, code: str, year: str) -> list[str]:
    return by_la(json.loads(run("status", "--store", str(store), "--year", year, "--format", "json").stdout))[code]["outstanding_rules"]


def test_fgc205_compares_a_2024_25_return_with_the_las_accepted_2023_24_one(two_years, tmp_path):
    last, _, this, b1 = two_years
    store = tmp_path / "store"
    assert run("ingest", str(last), "--store", str(store)).returncode == 0
    assert run("accept", DURHAM, "--store", str(store), "--note", "checked").returncode == 0
    done = run("ingest", str(this), "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert "County Durham (E06000047) version 1: warnings" in done.stdout  # version 1 of 2024-25
    document = json.loads(run("status", "--store", str(store), "--format", "json").stdout)
    assert document["year"] == "2024-25" and by_la(document)[DURHAM]["state"] == "warnings"
    assert "FGC205" in by_la(document)[DURHAM]["outstanding_rules"]
    assert by_la(json.loads(run("status", "--store", str(store), "--year", "2023-24", "--format", "json").stdout))[DURHAM][
        "state"] == "accepted"
    history = json.loads(run("history", DURHAM, "--store", str(store), "--format", "json").stdout)
    assert history["year"] == "2024-25" and [v["version"] for v in history["versions"]] == [1]
    assert "FGC205" in history["versions"][0]["rules"]
    with Register.open(store, create=False) as register:
        (issue,) = [i for i in register.issues(register.version(DURHAM).id) if i.rule == "FGC205" and i.item == "B1"]
        assert str(b1) in issue.message and "2023-24" in issue.message and issue.severity == "warning"


def test_no_fgc205_without_an_accepted_return_for_the_year_before(two_years, tmp_path):
    small, close, this, _ = two_years
    store = tmp_path / "store"
    assert run("ingest", str(small), str(this), "--store", str(store)).returncode == 0  # 2023-24 not accepted
    assert "FGC205" not in rules_of(store, DURHAM, "2024-25")
    accepted = tmp_path / "accepted"  # accepted, and the 2024-25 figures close to it: no FGC205 either
    run("ingest", str(close), "--store", str(accepted))
    run("accept", DURHAM, "--store", str(accepted), "--note", "ok")
    run("ingest", str(this), "--store", str(accepted))
    assert "FGC205" not in rules_of(accepted, DURHAM, "2024-25")


def test_history_shows_one_year_and_says_where_the_others_are(two_years, tmp_path):
    last, _, this, _ = two_years
    store = tmp_path / "store"
    run("ingest", str(last), str(this), "--store", str(store))
    run("accept", DURHAM, "--store", str(store), "--year", "2023-24", "--note", "checked")
    shown = run("history", DURHAM, "--store", str(store)).stdout
    assert shown.startswith("County Durham (E06000047) for 2024-25: 1 version")
    assert shown.rstrip().endswith(
        "Also held for 2023-24: 1 version, accepted (fgc-collect history E06000047 --year 2023-24)")
    document = json.loads(run("history", DURHAM, "--store", str(store), "--year", "2023-24", "--format", "json").stdout)
    assert document["other_years"] == [{"year": "2024-25", "versions": 1, "state": "valid"}]


def test_history_of_a_year_before_the_collection_is_one_sentence(two_years, tmp_path):
    store = tmp_path / "store"
    run("ingest", str(two_years[2]), "--store", str(store))
    done = run("history", DURHAM, "--store", str(store), "--year", "2019-20")
    assert done.returncode == 0 and "internal error" not in done.stderr
    assert done.stdout.splitlines()[0] == "County Durham (E06000047): no return received for 2019-20."
