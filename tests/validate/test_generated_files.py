"""Every file generated from the spec, for every year the project knows, is what the spec builds
now: the blank templates, the expectation suites in validations/ and the rule pages. None can go
stale unseen (regenerate: python -m fgc_collect.template; python -m fgc_collect.validate write;
python -m fgc_collect.child write)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fgc_collect.spec import known_years, load_child_spec_document, load_spec
from fgc_collect.validate.catalogue import RULE_DOCS, render_catalogue, rule_catalogue

REPO = Path(__file__).resolve().parents[2]
YEARS = known_years()


def test_the_project_knows_both_years():
    assert YEARS == ("2023-24", "2024-25")


@pytest.mark.parametrize("year", YEARS)
def test_every_generated_file_of_the_year_is_what_its_spec_builds(year):
    from fgc_collect.child.distributions import suite_file, suite_json as child_suite_json
    from fgc_collect.child.spec import load_child_spec
    from fgc_collect.survey import Survey
    from fgc_collect.template import build_template, committed_template_path, workbook_bytes
    from fgc_collect.validate.__main__ import docs_page
    from fgc_collect.validate.suites import VALIDATIONS_DIR, suite_json, suite_name

    spec = load_spec(year)
    generated = {
        committed_template_path(year): workbook_bytes(build_template(spec=spec, survey=Survey())),
        VALIDATIONS_DIR / f"{suite_name(spec)}.json": suite_json(spec).encode(),
        VALIDATIONS_DIR / suite_file(year): child_suite_json(load_child_spec(year)).encode(),
        docs_page(year): render_catalogue("markdown", spec).encode(),
    }
    stale = [str(path.relative_to(REPO)) for path, data in generated.items() if not path.is_file() or path.read_bytes() != data]
    assert not stale, f"stale or missing: {', '.join(stale)}"


@pytest.mark.parametrize("year", YEARS)
def test_the_catalogue_of_a_year_has_every_rule_of_that_year(year):
    spec = load_spec(year)
    child_rules = {str(rule["code"]) for rule in load_child_spec_document(year)["rules"]}
    listed = {entry["code"] for entry in rule_catalogue(spec)}
    assert {rule.code for rule in spec.rules} <= listed
    # the child-level rules: in the catalogue, or in docs/child-level.md's table
    child_page = (REPO / "docs" / "child-level.md").read_text(encoding="utf-8")
    for code in child_rules:
        assert code in listed or f"| {code} |" in child_page, code
    assert all(code in RULE_DOCS for code in listed if code.startswith("FGC"))


def test_rules_year_lists_that_years_rules(monkeypatch, tmp_path):
    from fgc_collect.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FGC_SURVEY", raising=False)

    def codes(*args):
        done = CliRunner().invoke(cli, ["rules", *args])
        assert done.exit_code == 0, done.output
        return {line.split()[0] for line in done.output.splitlines() if line.startswith(("FGC", "READ"))}

    assert {"FGC113", "FGC114", "FGC205", "FGC312"} <= codes("--year", "2024-25")
    assert not {"FGC113", "FGC114", "FGC205", "FGC312"} & codes("--year", "2023-24")
    assert codes() == codes("--year", "2024-25")  # the latest year by default
    done = CliRunner().invoke(cli, ["rules", "--year", "2024"])
    assert done.exit_code == 2 and done.output.startswith("fgc-collect: '2024' is not a collection year")
