"""The command as users run it: exit codes, one plain sentence on stderr, fast start-up."""

import json
import subprocess
import sys

import pytest

from tests.test_progress import visible

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
    assert done.stderr.strip().splitlines() == ["fgc-collect: nowhere.xlsx does not exist (check the name and the folder)."]
    # said once: stdout keeps the file's line and the counts, not the sentence again
    assert "does not exist" not in done.stdout
    assert done.stdout.splitlines()[0] == "nowhere.xlsx: UNREADABLE (the reason is printed at the end)"
    assert "1 unreadable." in done.stdout


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
    assert f"{code!r} is not the code of a local authority (give a 9-character code" in done.stderr
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


def test_an_aggregate_return_is_validated_without_loading_great_expectations(tmp_path):
    from tests.register.helpers import write_return

    path = write_return(tmp_path / "Durham.xlsx", "E06000047")
    assert not imports_gx("validate", str(path))
    assert not imports_gx("validate", str(path), "--feedback", str(tmp_path / "feedback"))


# --------------------------------------------------------------------------- progress and --quiet


def run_at_terminal(*args, cwd=None, timeout=300):
    """The command with stderr at a terminal (a pseudo-terminal) and stdout piped to a file:
    (exit code, stdout, what the terminal showed)."""
    import os
    import pty
    import select
    import tempfile

    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(CLI + list(args), stdout=out, stderr=slave, stdin=subprocess.DEVNULL, cwd=cwd)
        os.close(slave)
        shown = b""
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            assert ready, "the command hung"
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the command closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        code = process.wait(timeout=timeout)
        out.seek(0)
        return code, out.read().decode("utf-8"), shown.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def two_returns(tmp_path_factory):
    from tests.register.helpers import write_return

    folder = tmp_path_factory.mktemp("returns")
    write_return(folder / "Durham.xlsx", "E06000047")
    write_return(folder / "Darlington.xlsx", "E06000005", B1=9, B2=3)  # B2 below B1: FGC104, an error
    return folder


def test_validate_shows_progress_at_a_terminal_and_wipes_it(two_returns, tmp_path):
    code, stdout, shown = run_at_terminal("validate", str(two_returns), "--feedback", str(tmp_path / "feedback"))
    assert code == 1
    assert "Reading returns  2/2 [####################]" in shown
    assert "Validating 2 returns ..." in shown
    assert "Writing feedback  2/2" in shown
    assert visible(shown) == [""]  # the line is wiped: nothing is left on the screen
    assert "Reading returns" not in stdout and "\r" not in stdout
    assert stdout.splitlines()[-1].startswith("Feedback: ")


def test_no_progress_in_json_nor_when_stderr_is_piped(two_returns):
    code, stdout, shown = run_at_terminal("validate", str(two_returns), "--format", "json")
    assert code == 1 and shown == ""
    assert json.loads(stdout)["summary"]["files"] == 2
    piped = run("validate", str(two_returns))
    assert piped.returncode == 1
    assert piped.stderr == "" and "Reading returns" not in piped.stdout


def test_quiet_validate_lists_only_the_returns_with_problems_then_the_counts(two_returns):
    done = run("validate", str(two_returns), "--quiet")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Darlington.xlsx: Darlington (E06000005): ERRORS")
    assert any("FGC104" in line for line in lines)
    assert not any(line.startswith("Durham.xlsx") for line in lines)
    assert lines[-1] == "2 returns: 1 valid, 0 with warnings only, 1 with errors, 0 unreadable."


def test_ingest_shows_progress_at_a_terminal_and_quiet_lists_only_problems(two_returns, tmp_path):
    store = str(tmp_path / "store")
    code, stdout, shown = run_at_terminal("ingest", str(two_returns), "--store", store, "--quiet")
    assert code == 0, stdout + shown
    assert "Reading returns  " in shown and "Storing versions  2/2" in shown
    lines = stdout.splitlines()
    assert len(lines) == 2 and "Darlington (E06000005) version 1: errors" in lines[0]
    assert lines[1].startswith("2 files into ") and "2 new versions" in lines[1]
    again = run("ingest", str(two_returns), "--store", str(tmp_path / "store2"))
    assert again.returncode == 0 and "Reading returns" not in again.stderr + again.stdout
    assert len(again.stdout.splitlines()) == 3  # without --quiet: every file, then the counts


def test_aggregate_shows_its_steps_at_a_terminal_and_wipes_them_before_a_sentence(two_returns, tmp_path):
    import shutil

    shutil.copyfile(two_returns / "Darlington.xlsx", tmp_path / "Darlington.xlsx")  # errors: nothing to publish
    code, stdout, shown = run_at_terminal("aggregate", str(tmp_path / "Darlington.xlsx"), "--out", str(tmp_path / "out"))
    assert code == 2 and stdout == ""
    assert "Reading the returns (step 1 of 3) ..." in shown
    assert visible(shown) == ["fgc-collect: no return can be used (none without validation errors, or none "
                              "accepted), so there is nothing to publish.", ""]


def test_template_for_all_las_shows_progress_at_a_terminal(tmp_path):
    code, stdout, shown = run_at_terminal("template", "--all-las", "--out", str(tmp_path / "templates"))
    assert code == 0, shown
    assert "Writing templates  153/153 [####################]" in shown
    assert stdout.strip() == f"Wrote 153 prefilled templates into {tmp_path / 'templates'}."
