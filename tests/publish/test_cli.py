"""`fgc-collect aggregate` from files and from the register, as a coordinator runs it."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from fgc_collect.aggregate import Inputs, LARecord, build_tables, values_as_read
from fgc_collect.cli import cli
from fgc_collect.reference import find_la_by_name

NAMES = ("Darlington", "Hartlepool", "Gateshead")


@pytest.fixture(scope="module")
def returns_folder(tmp_path_factory):
    """Three North East returns filled in as councils would, one with an error, one naming two LAs,
    one junk file."""
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template
    import numpy as np

    folder = tmp_path_factory.mktemp("returns")
    rng = np.random.default_rng(7)
    values = {}
    for name in NAMES:
        la = find_la_by_name(name)
        values[name] = clean_return(la, rng, load_spec())
        fill_template(values[name], folder / f"FGC return {name}.xlsx", la=la)
    broken = dict(clean_return(find_la_by_name("Sunderland"), rng, load_spec()))
    broken["B3_U1"] = int(broken["B3_U1"]) + 7  # ages add up to 7 more than B2: FGC101, an error
    fill_template(broken, folder / "FGC return Sunderland.xlsx", la=find_la_by_name("Sunderland"))
    # South Tyneside's name with Newcastle's code (FGC006): which LA sent it is not known.
    mixed = dict(clean_return(find_la_by_name("South Tyneside"), rng, load_spec()))
    mixed["A2"] = find_la_by_name("Newcastle upon Tyne").code
    fill_template(mixed, folder / "FGC return South Tyneside.xlsx")
    (folder / "notes.xlsx").write_bytes(b"not a spreadsheet")
    return folder, values


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_aggregate_from_files_uses_the_returns_without_errors(returns_folder, tmp_path):
    folder, values = returns_folder
    out = tmp_path / "out"
    result = run("aggregate", str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Used 3 returns (3 received but not used)" in result.output
    expected = build_tables(Inputs(tuple(LARecord(find_la_by_name(n), values_as_read(values[n])) for n in NAMES)))
    with (out / "fgc_funnel.csv").open(encoding="utf-8", newline="") as handle:
        national = next(r for r in csv.DictReader(handle) if r["geographic_level"] == "National")
    assert national["families_referred"] == expected.value("fgc_funnel", "families_referred")
    assert national["children_referred_per_10000"] == expected.value("fgc_funnel", "children_referred_per_10000")
    notes = (out / "coverage_notes.txt").read_text()
    # LAs are named by name and code; no council's file name or path is published.
    assert "Sunderland (E08000024): validation errors (FGC101)" in notes
    assert ("A return giving the name of South Tyneside (E08000023) but the code of Newcastle upon Tyne "
            "(E08000021), so the LA that sent it could not be established: validation errors (FGC006)") in notes
    assert "A file that could not be read as a return, so the LA that sent it is not known" in notes
    assert ".xlsx" not in notes and str(folder) not in notes and "FGC return" not in notes
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["la_name"] for r in manifest["returns_used"]} == set(NAMES)
    assert all(len(r["sha256"]) == 64 for r in manifest["returns_used"])
    assert manifest["spec"]["year"] == "2023-24" and manifest["tool"]["name"] == "fgc-collect"
    with (out / "fgc_coverage.csv").open(encoding="utf-8", newline="") as handle:
        england = next(r for r in csv.DictReader(handle) if r["geographic_level"] == "National")
    # Four LAs sent a return (the junk file names none); Sunderland's has an error.
    assert (england["returns_received"], england["returns_used"], england["returns_not_used"]) == ("4", "3", "1")


def test_usage_errors_are_one_sentence_exit_2(tmp_path, returns_folder):
    both = run("aggregate", str(returns_folder[0]), "--store", str(tmp_path), "--out", str(tmp_path / "o"))
    assert both.exit_code == 2 and "give either --store or files, not both" in both.output
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run("aggregate", str(empty), "--out", str(tmp_path / "o"))
    assert nothing.exit_code == 2 and "no spreadsheet files" in nothing.output
    store = run("aggregate", "--store", str(tmp_path / "no-store"), "--out", str(tmp_path / "o"))
    assert store.exit_code == 2 and "Traceback" not in store.output
    assert len(store.output.strip().splitlines()) == 1


def test_aggregate_from_the_register_uses_the_accepted_versions(returns_folder, tmp_path):
    folder, values = returns_folder
    store = tmp_path / "store"
    files = [str(folder / f"FGC return {name}.xlsx") for name in NAMES]
    ingested = run("ingest", *files, "--store", str(store))
    assert ingested.exit_code in (0, 1), ingested.output  # 1: a return with warnings
    for name in ("Darlington", "Hartlepool"):
        accepted = run("accept", find_la_by_name(name).code, "--store", str(store), "--note", "checked")
        assert accepted.exit_code == 0, accepted.output
    out = tmp_path / "out"
    result = run("aggregate", "--store", str(store), "--out", str(out))
    assert result.exit_code == 0, result.output
    expected = build_tables(Inputs(tuple(
        LARecord(find_la_by_name(n), values_as_read(values[n])) for n in ("Hartlepool", "Darlington"))))
    with (out / "fgc_funnel.csv").open(encoding="utf-8", newline="") as handle:
        national = next(r for r in csv.DictReader(handle) if r["geographic_level"] == "National")
    assert national["families_referred"] == expected.value("fgc_funnel", "families_referred")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"] == "store"
    assert {r["la_name"] for r in manifest["returns_used"]} == {"Darlington", "Hartlepool"}
    assert any(r["la_name"] == "Gateshead" and "no version accepted" in r["reason"] for r in manifest["returns_not_used"])


def test_aggregate_year_names_the_year_and_refuses_one_not_held(returns_folder, tmp_path):
    folder, _ = returns_folder
    result = run("aggregate", str(folder), "--out", str(tmp_path / "out"), "--year", "2024-25")
    assert result.exit_code == 2
    assert "no return for 2024-25 can be used (the usable returns are for 2023-24)" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    result = run("aggregate", str(folder), "--out", str(tmp_path / "out"), "--year", "24-25")
    assert result.exit_code == 2 and "write it as YYYY-YY" in result.output


def test_returns_are_grouped_by_the_year_their_metadata_names(returns_folder):
    from fgc_collect.publish.sources import inputs_by_year_from_files

    folder, _ = returns_folder
    found = inputs_by_year_from_files([folder])
    assert list(found) == ["2023-24"]  # the template's metadata
    assert found["2023-24"].year == "2023-24" and len(found["2023-24"].used) == 3
