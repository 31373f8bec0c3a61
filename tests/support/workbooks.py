"""Reading back a workbook the project wrote, as strictly as a council's program would."""

from __future__ import annotations

import io
import warnings

import openpyxl


def load_strictly(data: bytes) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl must read it back without a warning
        return openpyxl.load_workbook(io.BytesIO(data))
