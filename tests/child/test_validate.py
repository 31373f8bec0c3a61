"""Child-level returns validated with aggregate ones: one result each, in the contract's JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fgc_collect.child.distributions import SUITE_FILE, covered_items, suite_dict, suite_file, suite_json, validations_dir
from fgc_collect.child.spec import load_child_spec
from fgc_collect.spec import known_years
from fgc_collect.child.reconcile import AGREES, DIFFERS, NOT_GIVEN, reconcile, reconciliation_json, reconciliation_text
from fgc_collect.child.derive import derive_aggregate
from fgc_collect.child.validate import validate_batch
from fgc_collect.demo.synthetic import clean_return
from fgc_collect.read import read_return
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.template import cell_positions, fill_template
from tests.child.rows import family, read_rows, row, write_csv


@pytest.fixture(scope="module")
def aggregate_return(tmp_path_factory):
    la = find_la("E08000021")
    values = clean_return(la, np.random.default_rng(3), load_spec())
    return read_return(fill_template(values, tmp_path_factory.mktemp("agg") / "newcastle.xlsx", la=la))


@pytest.mark.parametrize("year", known_years())
def test_each_years_committed_suite_is_the_one_its_spec_makes(year):
    spec = load_child_spec(year)
    committed = (validations_dir() / suite_file(year)).read_text(encoding="utf-8")
    assert committed == suite_json(spec), "run `python -m fgc_collect.child write` and commit validations/"
    assert suite_dict(spec) == json.loads(committed)  # what validation runs, built without GX


def test_validation_builds_the_suite_from_the_spec_never_from_the_committed_file(tmp_path, monkeypatch):
    import fgc_collect.child.distributions as distributions

    stale = json.loads((validations_dir() / SUITE_FILE).read_text(encoding="utf-8")) | {"expectations": []}
    (tmp_path / SUITE_FILE).write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(distributions, "validations_dir", lambda: tmp_path)
    getattr(distributions.load_suite_dict, "cache_clear", lambda: None)()
    rows = [row(child_id=f"K{n}", family_id=f"F{n}", ethnicity="REFU" if n < 3 else "WBRI") for n in range(5)]
    [result] = validate_batch([read_rows(tmp_path, rows)])
    assert [i.cell for i in result.issues if i.rule == "FGC110"] == ["F1", "F1", "F1"]


def test_a_batch_of_both_levels_gives_one_result_each_in_order(tmp_path, aggregate_return):
    child = read_rows(tmp_path, family("F1", {"child_id": "A"}, {"child_id": "B", "consent": "Maybe"}))
    results = validate_batch([aggregate_return, child])
    assert [r.level for r in results] == ["aggregate", "child"]
    result = results[1]
    assert (result.la_code, result.la_name, result.status) == ("E06000047", "County Durham", "errors")
    assert result.template_version is None and result.sha256 == child.sha256
    document = json.loads(json.dumps(result.to_json()))
    # an unreadable consent is FGC302's; FGC308 compares only values it can read
    assert [(i["rule"], i["item"], i["sheet"], i["cell"]) for i in document["issues"]] == [
        ("FGC302", "consent", None, "M3")]


def test_answers_a_child_level_return_does_not_collect_are_not_asked_for(tmp_path):
    [result] = validate_batch([read_rows(tmp_path, [row()])])
    assert result.status == "valid", [i.message for i in result.issues]


def test_aggregate_rules_on_the_derived_return_name_the_item_and_no_cell(tmp_path):
    children = [{"child_id": f"K{n}"} for n in range(5)]  # five children in one family: FGC109
    [result] = validate_batch([read_rows(tmp_path, family("F1", *children))])
    assert [(i.rule, i.severity, i.item, i.sheet, i.cell) for i in result.issues] == [
        ("FGC109", "warning", item, None, None) for item in ("B2", "C3", "D3")]
    assert result.issues[0].message.startswith("B2 (children subject to an FGC referral)")


def test_unknowns_are_reported_at_the_rows_not_twice(tmp_path):
    rows = [row(child_id=f"K{n}", family_id=f"F{n}", ethnicity="REFU" if n < 3 else "WBRI") for n in range(5)]
    child = read_rows(tmp_path, rows)
    [result] = validate_batch([child])
    fgc110 = [i for i in result.issues if i.rule == "FGC110"]
    assert [(i.item, i.sheet, i.cell) for i in fgc110] == [
        ("B5_UNK", None, "F1"), ("C6_UNK", None, "F1"), ("D6_UNK", None, "F1")]
    assert fgc110[0].message == (
        "3 of the 5 children counted in B2 (children subject to an FGC referral) have ethnicity REFU or NOBT, "
        "or none: 60%, more than half, so B5_UNK holds most of B5. Check whether column ethnicity can be filled "
        "in from your records.")
    assert {"B5", "C6", "D6", "B3", "C10", "D10"} <= covered_items()
    # without the row-level checks, the aggregate engine's FGC110 stands
    [plain] = validate_batch([child], distributions=False)
    assert [(i.rule, i.item, i.cell) for i in plain.issues if i.rule == "FGC110"] == [
        ("FGC110", "B5_UNK", None), ("FGC110", "C6_UNK", None), ("FGC110", "D6_UNK", None)]


def test_reconciling_both_levels_item_by_item(tmp_path):
    child = read_rows(tmp_path, family("F1", {"child_id": "A"}, {"child_id": "B"}))
    derived = derive_aggregate(child)
    values = {key: value for key, value in derived.values().items() if key[0] in "BCD"}
    values.update(B2=3, B3_5TO9=3, D11=None)
    la = find_la("E06000047")
    submitted = read_return(fill_template(values, tmp_path / "durham.xlsx", la=la))
    items = reconcile(derived, submitted)
    assert len(items) == sum(1 for c in load_spec().input_cells if c.kind == "count")
    by_id = {item.item_id: item for item in items}
    assert (by_id["B2"].status, by_id["B2"].submitted, by_id["B2"].derived, by_id["B2"].difference) == (DIFFERS, 3, 2, 1)
    assert (by_id["B2"].sheet, by_id["B2"].cell) == cell_positions()["B2"]  # where the council typed it
    assert by_id["D11"].status == NOT_GIVEN and by_id["B1"].status == AGREES
    text = reconciliation_text(items, "County Durham")
    assert text.splitlines()[0] == (f"County Durham: aggregate return against its child-level rows: {len(items) - 3} of "
                                    f"{len(items)} counts agree, 2 differ, 1 not given in the aggregate return.")
    assert "B3_5TO9" in text and "+1" in text
    assert reconciliation_json(items, "E06000047")["summary"] == {AGREES: len(items) - 3, DIFFERS: 2, NOT_GIVEN: 1}


def test_the_module_command_validates_and_sets_the_exit_code(tmp_path, capsys):
    from fgc_collect.child.__main__ import main

    good = write_csv(tmp_path / "good.csv", [row()])
    bad = write_csv(tmp_path / "bad.csv", [row(consent="Maybe")])
    assert main(["validate", str(good)]) == 0
    capsys.readouterr()
    assert main(["validate", str(bad), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"] == {"files": 1, "valid": 0, "warnings": 0, "errors": 1, "unreadable": 0}
    assert document["returns"][0]["level"] == "child"
    nameless = write_csv(tmp_path / "nameless.csv", [row()], la_code=None)
    assert main(["validate", str(nameless)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("fgc-collect: nameless.csv does not say which local authority it is from: add a column "
                           "la_code with the LA's code on every row, or give --la CODE.")
    assert main(["validate", str(good), "--key-file", str(tmp_path / "missing.key")]) == 2
    assert "does not exist; create it once with `fgc-collect keygen" in capsys.readouterr().err


def test_reconcile_levels_pairs_each_la_that_sent_both_and_skips_a_return_naming_two_las(tmp_path, aggregate_return):
    from fgc_collect.pipeline import read_files, reconcile_levels
    from fgc_collect.child.reconcile import write_reconciliations

    rows = family("F1", {"child_id": "A"}, {"child_id": "B"})
    child_path = write_csv(tmp_path / "durham rows.csv", rows)
    values = {key: value for key, value in derive_aggregate(read_rows(tmp_path, rows)).values().items() if key[0] in "BCD"}
    durham, hartlepool = find_la("E06000047"), find_la("E06000001")
    first = fill_template({**values, "B2": 4}, tmp_path / "durham v1.xlsx", la=durham)
    second = fill_template(values, tmp_path / "=durham v2.xlsx", la=durham)
    # Durham's prefilled template with Hartlepool's name typed over A1: whose it is is not known,
    # though its code (what validation reports as its LA) is Durham's
    muddled = fill_template({**values, "A1": hartlepool.name}, tmp_path / "muddled.xlsx", la=durham)
    returns = [ret for ret, _ in read_files([first, child_path, muddled, second])] + [aggregate_return, None]
    reconciliations = reconcile_levels(returns)
    assert [(r.la_code, r.aggregate_file, r.child_file) for r in reconciliations] == [
        ("E06000047", str(first), str(child_path)), ("E06000047", str(second), str(child_path))]
    assert [r.count(DIFFERS) for r in reconciliations] == [1, 0]
    assert reconcile_levels([aggregate_return]) == []  # Newcastle sent one level only

    written = write_reconciliations(reconciliations, tmp_path / "feedback")
    assert [p.name for p in written] == ["E06000047_reconciliation.csv", "E06000047_durham_v2_reconciliation.csv"]
    text = written[1].read_text(encoding="utf-8-sig")
    assert ",'=durham v2.xlsx,durham rows.csv," in text  # a file name is never run as a formula
    assert "\nE06000047,County Durham,durham v1.xlsx" in written[0].read_text(encoding="utf-8-sig")


def test_reconciliation_csv_keeps_negative_figures_as_numbers(tmp_path):
    from fgc_collect.child.reconcile import Reconciliation, ReconciledItem, reconciliation_csv

    item = ReconciledItem("D11", "Initial FGCs at which the family agreed a plan", 3, 4, -1, DIFFERS, "D FGCs held", "D63")
    text = reconciliation_csv(Reconciliation("E06000047", "County Durham", "+a.xlsx", "@b.csv", (item,)))
    assert text.splitlines()[1] == ("E06000047,County Durham,'+a.xlsx,'@b.csv,D11,Initial FGCs at which the family "
                                    "agreed a plan,D FGCs held,D63,3,4,-1,differs")


def test_fgc204_between_the_two_levels_names_only_what_both_collect(tmp_path):
    # Durham's aggregate return beside Durham's rows: the contact (A3, A4) is not collected at
    # child level, and A5 "Yes" from the dropdown is the rows' Y: neither is a change.
    la = find_la("E06000047")
    aggregate = read_return(fill_template(clean_return(la, np.random.default_rng(5), load_spec()), tmp_path / "durham.xlsx", la=la))
    child = read_rows(tmp_path, family("F1", {"child_id": "A"}, {"child_id": "B"}))
    results = validate_batch([aggregate, child])
    [message] = [issue.message for issue in results[1].issues if issue.rule == "FGC204"]
    assert "durham.xlsx" in message
    assert "B1 " in message  # the figures do differ: one family in the rows
    for not_a_change in ("A3", "A4", "A5"):
        assert not_a_change not in message, message
