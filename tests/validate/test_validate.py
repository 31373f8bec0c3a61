"""validate_returns as the CLI sees it: results in order, metadata, sorting, the committed suite and
rule page in step with the spec, and a cheap import."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fgc_collect.model import ERRORS, VALID, WARNINGS, Issue
from fgc_collect.spec import load_spec
from fgc_collect.validate import render_catalogue, rule_catalogue, validate_returns
from fgc_collect.validate.suites import SUITE_FILE, VALIDATIONS_DIR, suite_json
from tests.validate.returns import case, cell_of, make_return

REPO = Path(__file__).resolve().parents[2]
SORTED = case("sorting", {"E1": "DOB 01/02/2015", "A3": None, "D2": -1, "B1": "<5", "B4_M": None})
NO_METADATA = case("no_metadata", {"A2": "nonsense"}, metadata={key: None for key in
                   ("collection", "level", "year", "template_version", "la_code", "la_name")})


def test_clean_return_has_no_issues(clean_return):
    (result,) = validate_returns([clean_return])
    assert result.issues == []
    assert result.status == VALID
    assert (result.la_code, result.la_name) == ("E06000047", "County Durham")
    assert (result.collection, result.year, result.level) == ("fgc-survey", "2023-24", "aggregate")
    assert result.template_version == load_spec().template_version


def test_a_batch_gives_one_result_per_return_in_order():
    returns = [
        make_return({"B1": -1}, file="a.xlsx"),
        make_return(la_code="E06000005", file="b.xlsx"),
        make_return({"C9": 10}, la_code="E06000001", file="c.xlsx"),
    ]
    results = validate_returns(returns)
    assert [result.file for result in results] == ["a.xlsx", "b.xlsx", "c.xlsx"]
    assert [result.sha256 for result in results] == [ret.sha256 for ret in returns]
    assert [result.status for result in results] == [ERRORS, VALID, ERRORS]
    assert [result.la_code for result in results] == ["E06000047", "E06000005", "E06000001"]
    assert {issue.rule for issue in results[2].issues} == {"FGC101", "FGC108"}
    assert validate_returns([]) == []


def test_issues_sorted_by_sheet_then_row(validated):
    issues = validated[SORTED].issues
    places = [(issue.sheet, issue.cell) for issue in issues]
    assert places == [
        ("A Service", cell_of("A3")),
        ("B Referrals", cell_of("B1")),
        ("B Referrals", cell_of("B4_M")),
        ("D FGCs held", cell_of("D2")),
        ("E Comments", cell_of("E1")),
    ]


def test_metadata_falls_back_to_the_spec_and_la_code_to_none(validated):
    result = validated[NO_METADATA]
    assert (result.collection, result.year, result.level, result.template_version) == ("fgc-survey", "2023-24", "aggregate", None)
    assert (result.la_code, result.la_name) == (None, None)
    assert [issue.rule for issue in result.issues] == ["FGC005"]


def test_reader_notes_are_kept_and_file_level_issues_come_first():
    ret = make_return({"B1": -1})
    ret.notes.append(Issue("FGC000", "warning", "A note from the reader."))
    (result,) = validate_returns([ret], scopes=("cell",))
    assert [issue.rule for issue in result.issues] == ["FGC000", "FGC001"]
    assert result.status == ERRORS


def test_warnings_only_status():
    (result,) = validate_returns([make_return({"A4": "nobody"})], scopes=("cell",))
    assert result.status == WARNINGS


def test_every_message_is_one_sentence_naming_item_and_cell(validated):
    for name, result in validated.items():
        for issue in result.issues:
            text = issue.message
            assert text[0].isupper() and text.endswith(".") and "\n" not in text, (name, text)
            assert text.count(". ") == 0, (name, text)
            if issue.cell:
                assert issue.cell in text, (name, text)
            if issue.item:
                assert issue.item.split("_")[0] in text, (name, text)


def test_committed_suite_is_what_the_spec_generates():
    committed = (VALIDATIONS_DIR / SUITE_FILE).read_text(encoding="utf-8")
    assert committed == suite_json(), "run: python -m fgc_collect.validate write"
    suite = json.loads(committed)
    rules = {expectation["meta"]["rule"] for expectation in suite["expectations"]}
    assert rules == {f"FGC1{n:02d}" for n in range(1, 13)}
    assert all(expectation["meta"]["items"] for expectation in suite["expectations"])


def test_validation_builds_its_suite_from_the_spec_as_gx_would():
    """What validation runs is built from the spec in force, never read from a file that could be
    stale; GX's own classes build the same suite for every year."""
    from fgc_collect.validate.suites import build_suite_dict, load_suite_dict

    for year in ("2023-24", "2024-25"):
        assert load_suite_dict(load_spec(year)) == build_suite_dict(load_spec(year))
    rules = {e["meta"]["rule"] for e in load_suite_dict(load_spec("2024-25"))["expectations"]}
    assert "FGC113" in rules


@pytest.mark.parametrize("engine", ["polars", "gx"])
def test_a_rule_added_to_the_spec_is_checked_with_nothing_else_changed(engine):
    from tests.validate.returns import CLEAN, make_return

    changes = {"aggregate": {
        "items": {"add": [{"after": "D11", "id": "D12", "type": "count", "unit": "families",
                           "label": "Initial FGCs held within 4 weeks of consent (families)"}]},
        "rules": {"add": [{"code": "FGC115", "severity": "error", "applies_to": "D12<=D1",
                           "check": "FGCs held within 4 weeks are among the initial FGCs held"}]}}}
    spec = load_spec("2024-25", changes)
    duty = {"C11": 10, "C12": 8, "C13": 5, "D12": 30}  # C12 + C13 > C11; D12 > D1 (24)
    values = {key: value for key, value in CLEAN.items() if key != "A10"} | duty
    (result,) = validate_returns([make_return(values, spec=spec, base=values | {"A1": "County Durham"})],
                                 spec=spec, engine=engine, scopes=("return",))
    found = {(issue.rule, issue.item): issue.message for issue in result.issues}
    assert found[("FGC113", "C12")].startswith("C12 (")
    assert "C12+C13 should be no more than C11; both are among the families" in found[("FGC113", "C12")]
    assert found[("FGC115", "D12")].endswith("D12 should be no more than D1; these figures cannot all be right, so check them.")


def test_committed_rule_page_is_the_latest_years_catalogue():
    page = (REPO / "docs" / "validation-rules.md").read_text(encoding="utf-8")
    assert page == render_catalogue("markdown", load_spec("2024-25")), "run: python -m fgc_collect.validate write"


def test_catalogue_lists_every_rule_with_engine_and_example():
    from fgc_collect.read.notes import READ_NOTES

    catalogue = rule_catalogue()
    spec_codes = [rule.code for rule in load_spec().rules]
    child_codes = [f"FGC3{n:02d}" for n in range(1, 12)]  # the child-level rules of 2023-24
    # The spec's rules in its order, the child-level rules, then the reader's notes about the file (READnn).
    assert [rule["code"] for rule in catalogue] == spec_codes + child_codes + [note.code for note in READ_NOTES]
    engines = {rule["code"]: rule["engine"] for rule in catalogue}
    assert engines["FGC001"] == "pandera" and engines["FGC101"] == "gx" and engines["FGC204"] == "python"
    assert engines["READ01"] == "reader"
    assert '<a id="READ05"></a>' in render_catalogue("markdown")
    for rule in (rule for rule in catalogue if rule["code"] in spec_codes):
        assert set(rule) >= {"code", "severity", "scope", "applies_to", "check", "engine", "example_message"}
        assert rule["scope"] in ("cell", "return", "batch")
        assert rule["example_message"].endswith(".")
        assert f'<a id="{rule["code"]}"></a>' in render_catalogue("markdown")
    assert json.loads(render_catalogue("json")) == catalogue
    assert "FGC101  error" in render_catalogue("text")


def test_importing_the_package_does_not_import_gx_or_pandera():
    code = (
        "import sys, fgc_collect.validate as v; v.rule_catalogue(); v.render_catalogue('markdown');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('great_expectations', 'pandera')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
