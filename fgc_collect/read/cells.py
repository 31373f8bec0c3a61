"""What a cell holds, and what the spec's item types make of it: pure functions, no files."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time

BLANK, NUMBER, TEXT, DATE, BOOL, ERROR = "blank", "number", "text", "date", "bool", "error"

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)

# A figure typed as text: digits with optional sign, spaces or thousands separators, decimals.
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+)(?:\.\d+)?")
# Suppression markers and ranges councils type instead of an exact figure.
_SUPPRESSION = re.compile(
    r"""(?ix)^(
        [<>≤≥]=?\s*\d+          # <5, < 10, >=3
      | c | \* | x | u | n/?a | - | –  # GSS-style symbols
      | \d+\s*(-|–|to)\s*\d+     # 1-4, 1 to 4
      | (approx\.?|approximately|about|around|circa|ca\.?|c\.|~)\s*\d[\d,]*  # approx 40, ~40
      | \d[\d,]*\s*\+            # 40+
      | (fewer|less)\s+than\s+\d+
      | suppressed | redacted
    )$"""
)


def classify(value: object, data_type: str | None = None) -> tuple[str, str | None]:
    """(kind, text) of a cell's stored value: kind is blank/number/text/date/bool/error."""
    if value is None:
        return BLANK, None
    if isinstance(value, bool):
        return BOOL, "TRUE" if value else "FALSE"
    if isinstance(value, (datetime, date, time)):
        return DATE, value.isoformat()
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return TEXT, str(value)
        return NUMBER, format_number(value)
    text = str(value)
    if data_type == "e" or text.strip().upper() in EXCEL_ERRORS:
        return ERROR, text.strip()
    if not text.strip():
        return BLANK, text if text else None
    return TEXT, text


def format_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_number_text(text: str) -> float | None:
    """The number a council typed as text ("12", " 12 ", "1,234"), else None."""
    cleaned = text.strip()
    if not _NUMBER_TEXT.fullmatch(cleaned):
        return None
    return float(re.sub(r"[ ,\u00a0\u202f+]", "", cleaned))


def is_suppression_marker(text: str) -> bool:
    return bool(_SUPPRESSION.match(text.strip()))


def normalise_text(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None
