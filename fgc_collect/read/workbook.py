"""Opening a spreadsheet that arrived by email: the one place files are touched.

Every failure becomes `UnreadableReturn` with one plain sentence; nothing here evaluates a
formula or runs a macro (openpyxl only reads cached values, and parses XML through defusedxml).
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from pathlib import Path

from fgc_collect.model import UnreadableReturn

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_xlsx(path: Path):
    """The workbook with cached values (never formulas), or UnreadableReturn saying why not."""
    import openpyxl  # imported here: the CLI's start-up must not pay for it

    if not path.is_file():
        raise UnreadableReturn(f"{path.name} is not a file.")
    if path.stat().st_size == 0:
        raise UnreadableReturn(f"{path.name} is empty (0 bytes).")
    if not zipfile.is_zipfile(path):
        raise UnreadableReturn(
            f"{path.name} is not an Excel workbook (.xlsx): its contents are not a spreadsheet "
            "or are damaged; ask the council to send the completed template again."
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions and data validation it does not read; irrelevant here.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, data_only=True, keep_links=False, keep_vba=False)
    except KeyError as error:
        raise UnreadableReturn(
            f"{path.name} is a zip file but not an Excel workbook (missing {error})."
        ) from None
    except Exception as error:  # noqa: BLE001 - any parser failure is a damaged file to the user
        raise UnreadableReturn(
            f"{path.name} could not be read as an Excel workbook ({type(error).__name__}); "
            "it may be damaged: ask the council to save it again as .xlsx and resend it."
        ) from None
