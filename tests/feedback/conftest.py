"""A small batch of real returns, validated for real once per session, and its feedback.

- Durham's return (from its prefilled template, filled through the defined names) with the
  mistakes councils make: a breakdown that does not add up, '<5', a figure typed as text, a
  malformed email address, and a message-like text that looks like a formula in E1.
- The same return after the council inserted two rows in "B Referrals" (the defined names move
  with their cells, as in Excel), so every issue in section B sits two rows lower.
- Durham's return again, encrypted with a password.
- A clean return from Hartlepool, and a file that is not a spreadsheet.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

from msoffcrypto.format.ooxml import OOXMLFile
import numpy as np
import openpyxl
import pytest
from openpyxl.utils import quote_sheetname
from openpyxl.utils.cell import coordinate_from_string

from fgc_collect.demo.synthetic import clean_return
from fgc_collect.pipeline import read_file
from fgc_collect.read import read_return
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.template import fill_template

DURHAM, HARTLEPOOL = "E06000047", "E06000001"
PASSWORD = "Fgc-2024!"
CHECKED_ON = __import__("datetime").date(2025, 4, 7)


def durham_values() -> dict[str, object]:
    spec = load_spec()
    values = clean_return(find_la(DURHAM), np.random.default_rng(7), spec)
    values.update({
        "B3_U1": int(values["B3_U1"]) + 3,  # FGC101 at the B3 total row
        "B2": str(values["B2"]),  # FGC003: a figure typed as text
        "D10_SAFETY": "<5",  # FGC002
        "A4": "not-an-email",  # FGC007
        "E1": '=HYPERLINK("http://example.invalid","click") <script>alert(1)</script>',
    })
    return values


def insert_rows_like_excel(source: Path, target: Path, sheet: str, before: int, count: int) -> Path:
    """What Excel does when a council inserts rows: cells move down and defined names follow them."""
    workbook = openpyxl.load_workbook(source)
    worksheet = workbook[sheet]
    worksheet.protection.sheet = False
    worksheet.insert_rows(before, count)
    for name, definition in list(workbook.defined_names.items()):
        destinations = list(definition.destinations)
        if len(destinations) != 1 or destinations[0][0] != sheet:
            continue
        column, row = coordinate_from_string(destinations[0][1].replace("$", ""))
        if row >= before:
            definition.attr_text = f"{quote_sheetname(sheet)}!${column}${row + count}"
    worksheet.cell(before, 2).value = "Figures below checked by our data team on 1 April 2025"
    workbook.save(target)
    return target


def encrypt_file(source: Path, target: Path, password: str) -> Path:
    out = io.BytesIO()
    with open(source, "rb") as handle:
        OOXMLFile(handle).encrypt(password, out)
    target.write_bytes(out.getvalue())
    return target


@dataclasses.dataclass
class Batch:
    folder: Path
    out: Path
    files: dict[str, Path]
    results: dict[str, object]  # key -> ReturnResult
    returns: dict[str, object]  # key -> AggregateReturn
    written: list[tuple[Path | None, Path]]  # per return, in `order`
    order: tuple[str, ...] = ("durham", "durham_rows", "durham_encrypted", "hartlepool", "notes")

    def report(self, key: str) -> Path:
        return self.written[self._position(key)][1]

    def workbook(self, key: str) -> Path | None:
        return self.written[self._position(key)][0]

    def _position(self, key: str) -> int:
        return self.order.index(key)


@pytest.fixture(scope="session")
def batch(tmp_path_factory) -> Batch:
    from fgc_collect.feedback import write_feedback
    from fgc_collect.validate import validate_returns

    folder = tmp_path_factory.mktemp("returns")
    spec = load_spec()
    files = {}
    files["durham"] = fill_template(durham_values(), folder / "Durham FGC return FINAL.xlsx", la=find_la(DURHAM))
    files["durham_rows"] = insert_rows_like_excel(
        files["durham"], folder / "Durham FGC return (rows added).xlsx", "B Referrals", before=6, count=2
    )
    files["durham_encrypted"] = encrypt_file(files["durham"], folder / "Durham FGC return (protected).xlsx", PASSWORD)
    hartlepool = find_la(HARTLEPOOL)
    files["hartlepool"] = fill_template(
        clean_return(hartlepool, np.random.default_rng(3), spec), folder / "Hartlepool.xlsx", la=hartlepool
    )
    files["notes"] = folder / "notes.xlsx"
    files["notes"].write_text("not a spreadsheet")

    readable = ["durham", "durham_rows", "hartlepool"]
    returns = {key: read_return(files[key]) for key in readable}
    validated = dict(zip(readable, validate_returns([returns[key] for key in readable])))
    results = dict(validated)
    # The encrypted file holds exactly Durham's workbook: the same issues, another file.
    results["durham_encrypted"] = dataclasses.replace(validated["durham"], file=str(files["durham_encrypted"]))
    _, results["notes"] = read_file(files["notes"])

    out = tmp_path_factory.mktemp("feedback")
    order = ("durham", "durham_rows", "durham_encrypted", "hartlepool", "notes")
    written = write_feedback(
        [results[key] for key in order], out,
        returns={str(files[key]): returns[key] for key in readable},
        passwords={str(files["durham_encrypted"]): PASSWORD},
        checked_on=CHECKED_ON,
    )
    # Per return: its annotated workbook (if any) and its report, in order; then index.html.
    assert written[-1].name == "index.html"
    per_return, pending = [], None
    for path in written[:-1]:
        if path.suffix == ".xlsx":
            pending = path
        else:
            per_return.append((pending, path))
            pending = None
    assert len(per_return) == len(order)
    return Batch(folder, out, files, results, returns, per_return, order)


@pytest.fixture
def scratch_copy(tmp_path):
    """Copy a file into the test's own folder (tests must not change the session's files)."""

    def copy(path: Path, name: str | None = None) -> Path:
        target = tmp_path / (name or path.name)
        shutil.copyfile(path, target)
        return target

    return copy
