"""The research team's survey file: found, checked, and started with `fgc-collect survey init`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from fgc_collect.survey import Contact, SurveyFileError, load_survey_file, parse_survey

CLI = [sys.executable, "-m", "fgc_collect.cli"]
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("FGC_SURVEY", None) if env is None or "FGC_SURVEY" not in env else None
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=60)


def test_a_full_survey_file_is_read():
    survey = parse_survey(
        'year: "2024-25"\ncontact: {organisation: FGC research team, email: fgc@uni.ac.uk, phone: "020 7946 0000"}\n'
        "deadline: 2026-04-03\npublication: {date: 2026-09-24, statistician: A. Statistician}\n")
    assert survey.year == "2024-25" and survey.deadline == date(2026, 4, 3)
    assert survey.contact.sentence() == "FGC research team, fgc@uni.ac.uk, 020 7946 0000"
    assert survey.publication.date == date(2026, 9, 24)
    assert survey.publication.status == "official statistics in development"


def test_without_a_contact_nobody_is_named():
    assert Contact().sentence() == "the research team that sent you this workbook"


@pytest.mark.parametrize("text, words", [
    ("year: 2024\n", "write it as YYYY-YY"),
    ('year: "2024-26"\n', "write it as YYYY-YY"),
    ("contact: {email: not an address}\n", "is not an email address"),
    ("deadline: next Friday\n", "is not a date"),
    ("contcat: {}\n", "contcat, which fgc-collect does not know"),
    ("- a list\n", "must be a set of 'key: value' lines"),
    ("year: [\n", "is not valid YAML at line"),
])
def test_a_survey_file_that_cannot_be_used_says_why(text, words):
    with pytest.raises(SurveyFileError, match=words):
        parse_survey(text, Path("fgc-survey.yaml"))


def test_survey_init_writes_a_starter_file_that_reads_back_and_is_never_replaced(tmp_path):
    done = run("survey", "init", "--year", "2024-25", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    survey = load_survey_file(tmp_path / "fgc-survey.yaml")
    assert survey.year == "2024-25" and survey.deadline == date(2026, 4, 3)
    assert survey.contact == Contact() and survey.changes == {}
    assert "@" not in (tmp_path / "fgc-survey.yaml").read_text()  # no placeholder address

    again = run("survey", "init", cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.strip() == (
        "fgc-collect: fgc-survey.yaml exists already: give --force to replace it, or --out another file.")


@pytest.mark.parametrize("year", ["2023-24", "2024-25"])
def test_the_starter_files_example_uncommented_is_a_survey_that_keeps_the_years_checks(tmp_path, year):
    from fgc_collect.spec import load_spec

    run("survey", "init", "--year", year, cwd=tmp_path)
    lines = (tmp_path / "fgc-survey.yaml").read_text().splitlines()
    start = lines.index("# changes:")
    example = [line[2:] for line in lines[start:] if line.startswith("#   ") or line == "# changes:"]
    (tmp_path / "fgc-survey.yaml").write_text("\n".join(lines[:start] + example) + "\n")
    done = run("survey", "show", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "items added D12" in done.stdout
    spec = load_spec(year, load_survey_file(tmp_path / "fgc-survey.yaml").changes)
    kept = [str(c) for c in load_spec(year).comparisons("FGC105")]
    assert [str(c) for c in spec.comparisons("FGC105")] == [*kept, "D12 <= D1"]


def test_every_command_takes_survey_and_a_bad_file_stops_it_with_one_sentence(tmp_path):
    import click

    from fgc_collect.cli import _leaf_commands, cli

    assert all(any(p.name == "survey_file" for p in command.params) for command in _leaf_commands(cli))
    (tmp_path / "bad.yaml").write_text("year: 2024\n")
    done = run("rules", "--survey", "bad.yaml", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().startswith("fgc-collect: the survey file bad.yaml gives the year") and "Traceback" not in done.stderr
    assert isinstance(cli, click.Group)


def test_the_survey_file_is_found_by_option_then_environment_then_folder(tmp_path):
    (tmp_path / "fgc-survey.yaml").write_text('year: "2024-25"\ncontact: {email: here@uni.ac.uk}\n')
    (tmp_path / "env.yaml").write_text('year: "2024-25"\ncontact: {email: env@uni.ac.uk}\n')
    (tmp_path / "opt.yaml").write_text('year: "2024-25"\ncontact: {email: opt@uni.ac.uk}\n')
    assert "here@uni.ac.uk" in run("survey", "show", cwd=tmp_path).stdout
    assert "env@uni.ac.uk" in run("survey", "show", cwd=tmp_path, env={"FGC_SURVEY": "env.yaml"}).stdout
    assert "opt@uni.ac.uk" in run("survey", "show", "--survey", "opt.yaml", cwd=tmp_path,
                                  env={"FGC_SURVEY": "env.yaml"}).stdout


def test_changes_that_name_nothing_stop_the_command(tmp_path):
    (tmp_path / "fgc-survey.yaml").write_text(
        'year: "2024-25"\nchanges:\n  aggregate:\n    items:\n      remove: [Z9]\n')
    done = run("survey", "show", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == ("fgc-collect: fgc-survey.yaml: a change in the survey file removes the item Z9, "
                                   "which the spec does not have.")


def test_the_survey_file_of_another_folder_is_another_survey(tmp_path, monkeypatch):
    from fgc_collect.survey import current_survey

    for name, email in (("one", "one@uni.ac.uk"), ("two", "two@uni.ac.uk")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "fgc-survey.yaml").write_text(f'year: "2024-25"\ncontact: {{email: {email}}}\n')
    monkeypatch.delenv("FGC_SURVEY", raising=False)
    monkeypatch.chdir(tmp_path / "one")
    assert current_survey().contact.email == "one@uni.ac.uk"
    monkeypatch.chdir(tmp_path / "two")
    assert current_survey().contact.email == "two@uni.ac.uk"  # not the first folder's, cached


def test_a_survey_chosen_for_one_command_is_not_kept_for_the_next(tmp_path):
    """A program (or a test) that runs commands in its own process gets each command's own settings."""
    from click.testing import CliRunner

    from fgc_collect.cli import cli
    from fgc_collect.survey import survey_file_path

    (tmp_path / "mine.yaml").write_text('year: "2024-25"\n')
    done = CliRunner().invoke(cli, ["survey", "show", "--survey", str(tmp_path / "mine.yaml")])
    assert done.exit_code == 0 and "mine.yaml" in done.output
    assert survey_file_path() != tmp_path / "mine.yaml"
