"""Hand-built child-level rows for tests: a clean row by default, overridden column by column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fgc_collect.child.read import read_child_return
from fgc_collect.child.spec import load_child_spec

SPEC = load_child_spec()
COLUMNS = list(SPEC.column_ids)
DURHAM = "E06000047"

BASE = {
    "child_id": "C1000001",
    "family_id": "F100001",
    "birth_month": "2015-03",
    "unborn": "N",
    "sex": "M",
    "ethnicity": "WBRI",
    "disability": "NO",
    "status_at_referral": "CIN",
    "referral_source": "CSC",
    "referral_date": "2023-05-01",
    "offer_date": "2023-05-08",
    "offer_at_plo": "N",
    "consent": "Y",
    "consent_date": "2023-05-15",
    "decline_reason": "",
    "fgc_held": "Y",
    "fgc_date": "2023-06-20",
    "fgc_at_plo": "N",
    "not_held_reason": "",
    "plan_agreed": "Y",
    "review_fgcs": "",
}


def row(**changes) -> dict:
    record = dict(BASE)
    record.update({key: "" if value is None else str(value) for key, value in changes.items()})
    return record


def clean_row(year: str) -> dict:
    """The clean row of a year's return: BASE with its dates moved into the year (2023-24's as they
    are), blank in the columns the year adds."""
    later = int(year[:4]) - 2023
    moved = {column: f"{int(value[:4]) + later}{value[4:]}" for column, value in BASE.items() if column.endswith("_date")}
    return dict.fromkeys(load_child_spec(year).column_ids, "") | BASE | moved


def family(family_id: str, *children: dict, **family_fields) -> list[dict]:
    """Rows of one referral: each child dict's own values over the family's."""
    return [row(**{**family_fields, **child, "family_id": family_id}) for child in children]


def csv_text(rows: list[dict], columns: list[str] | None = None, la_code: str | None = DURHAM) -> str:
    columns = list(columns or COLUMNS)
    if la_code is not None:
        columns.append("la_code")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in rows:
        writer.writerow([la_code if c == "la_code" else record.get(c, "") for c in columns])
    return out.getvalue()


def write_csv(path: Path, rows: list[dict], **options) -> Path:
    path.write_text(csv_text(rows, **options), encoding="utf-8")
    return path


def read_rows(tmp_path: Path, rows: list[dict], name: str = "return.csv", **options):
    return read_child_return(write_csv(tmp_path / name, rows, **options))
