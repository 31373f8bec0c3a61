"""Drive LibreOffice Calc headless from tests, as a council's program would touch a return."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

UNO_SCRIPT = Path(__file__).with_name("calc_edit_uno.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def calc_available() -> bool:
    if not shutil.which("soffice") or not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


def require_calc() -> None:
    """Skip without LibreOffice locally; in CI (CI=true) its absence is a failure."""
    if calc_available():
        return
    if os.environ.get("CI"):
        pytest.fail("LibreOffice Calc with python3-uno is not installed; scripts/test.sh installs it.")
    pytest.skip("LibreOffice Calc (soffice + python3-uno) is not installed")


def edit_in_calc(source: Path, target: Path, operations: list[dict], timeout: float = 180) -> Path:
    """Open source in Calc, apply operations (type / type_date / unprotect / insert_rows / delete_rows), save as target."""
    require_calc()
    with tempfile.TemporaryDirectory(prefix="fgc-lo-") as scratch:
        ops = Path(scratch) / "ops.json"
        ops.write_text(json.dumps(operations))
        profile = Path(scratch) / "profile"
        completed = subprocess.run(
            [SYSTEM_PYTHON, str(UNO_SCRIPT), str(source), str(target), str(ops), str(profile)],
            capture_output=True, text=True, timeout=timeout,
        )
    if completed.returncode != 0 or not target.exists():
        raise AssertionError(f"LibreOffice failed: {completed.stderr[-2000:]}")
    return target


def convert_with_calc(source: Path, out_dir: Path, to: str, timeout: float = 180) -> Path:
    """`soffice --convert-to` (what a council's 'Save as' does), returning the new file."""
    require_calc()
    with tempfile.TemporaryDirectory(prefix="fgc-lo-") as scratch:
        completed = subprocess.run(
            ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{scratch}/profile",
             "--convert-to", to, "--outdir", str(out_dir), str(source)],
            capture_output=True, text=True, timeout=timeout,
        )
    produced = out_dir / (source.stem + "." + to.split(":")[0])
    if completed.returncode != 0 or not produced.exists():
        raise AssertionError(f"LibreOffice conversion failed: {completed.stderr[-2000:]}")
    return produced
