"""The command as users run it: exit codes, one plain sentence on stderr, fast start-up."""

import json
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "fgc_collect.cli"]


def run(*args, cwd=None):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


def test_help_imports_nothing_heavy():
    code = (
        "import sys; from fgc_collect.cli import cli; "
        "from click.testing import CliRunner; CliRunner().invoke(cli, ['--help']); "
        "heavy = [m for m in ('polars', 'openpyxl', 'pandas', 'pandera', 'great_expectations') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_validate_a_missing_file_is_one_sentence_and_exit_2(tmp_path):
    done = run("validate", str(tmp_path / "nowhere.xlsx"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["fgc-collect: nowhere.xlsx is not a file."]


def test_validate_a_pdf_renamed_xlsx_is_unreadable_in_json(tmp_path):
    fake = tmp_path / "FGC return FINAL.xlsx"
    fake.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    done = run("validate", str(fake), "--format", "json")
    assert done.returncode == 2
    report = json.loads(done.stdout)
    (entry,) = report["returns"]
    assert entry["status"] == "unreadable"
    assert entry["la_code"] is None
    assert [issue["rule"] for issue in entry["issues"]] == ["FGC000"]
    assert "not an Excel workbook" in entry["issues"][0]["message"]
    assert report["summary"] == {"files": 1, "valid": 0, "warnings": 0, "errors": 0, "unreadable": 1}
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_validate_an_empty_folder_says_so(tmp_path):
    done = run("validate", str(tmp_path))
    assert done.returncode == 2
    assert "no returns (.xlsx, .xlsm, .xls, .ods or child-level .csv) were found" in done.stderr


@pytest.mark.parametrize("code", ["E99999999", "Durham"])
def test_template_for_an_unknown_la_says_which_code(tmp_path, code):
    done = run("template", "--la", code, "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2
    assert f"{code!r} is not the code of a local authority in 2023-24" in done.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_usage_error_exits_2():
    done = run("validate", "--format", "yaml", "x.xlsx")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_validate_gives_the_same_json_whichever_engine_runs_the_suites(tmp_path):
    from tests.register.helpers import write_return

    # B2 below B1 (FGC104) and B1 0 with a service (FGC107): two of the suite's expectations fail
    write_return(tmp_path / "Durham.xlsx", "E06000047", B1=0, B2=0)
    write_return(tmp_path / "Darlington.xlsx", "E06000005", B1=9, B2=3)
    documents = {}
    for engine in ("gx", "polars"):
        done = run("validate", str(tmp_path), "--format", "json", "--engine", engine)
        assert done.returncode in (0, 1), done.stderr
        documents[engine] = json.loads(done.stdout)
    rules = {issue["rule"] for ret in documents["gx"]["returns"] for issue in ret["issues"]}
    assert {"FGC104", "FGC107"} <= rules
    assert documents["polars"] == documents["gx"]
    # and the option is obeyed: Great Expectations is loaded for gx only
    assert imports_gx("validate", str(tmp_path), "--engine", "gx")
    assert not imports_gx("validate", str(tmp_path), "--engine", "polars")


def imports_gx(*args) -> bool:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "fgc_collect.cli", *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return "| great_expectations" in done.stderr


def test_a_child_level_return_is_validated_without_loading_great_expectations(tmp_path):
    from tests.child.rows import family, write_csv

    path = write_csv(tmp_path / "durham.csv", family("F1", {"child_id": "A"}, {"child_id": "B"}))
    assert not imports_gx("validate", str(path), "--format", "json")
    assert imports_gx("validate", str(path), "--format", "json", "--engine", "gx")
