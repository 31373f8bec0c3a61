"""Saving templates with reproducible bytes, one per LA, and filling them in through defined names."""

from __future__ import annotations

import copy
import dataclasses
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.xml.functions import tostring

from fgc_collect.reference import LocalAuthority, local_authorities
from fgc_collect.spec import BASE_YEAR, Spec, known_years, load_spec
from fgc_collect.survey import Survey

from . import layout
from .build import build_template

def template_file_name(year: str = BASE_YEAR) -> str:
    """fgc_return_2024_25.xlsx: the blank template of a year."""
    return f"fgc_return_{year.replace('-', '_')}.xlsx"


TEMPLATE_FILE_NAME = template_file_name()  # 2023-24's, as before years
FIXED_TIMESTAMP = datetime(2025, 1, 1, 0, 0, 0)
_ZIP_DATE_TIME = (2025, 1, 1, 0, 0, 0)
_CORE_PROPERTIES = "docProps/core.xml"


def committed_template_path(year: str = BASE_YEAR) -> Path:
    """The blank template of a year kept in the repository: templates/fgc_return_2023_24.xlsx."""
    return Path(__file__).resolve().parents[2] / "templates" / template_file_name(year)


def la_file_name(la: LocalAuthority, year: str = BASE_YEAR) -> str:
    """fgc_return_2023_24_E06000047_County_Durham.xlsx"""
    stem = template_file_name(year).removesuffix(".xlsx")
    return f"{stem}_{la.code}_{la.slug}.xlsx"


# --------------------------------------------------------------------------- deterministic bytes


def _parts(workbook: Workbook) -> list[tuple[str, bytes]]:
    """The workbook's zip entries (name, content) as openpyxl writes them, with fixed properties."""
    properties = workbook.properties
    properties.creator = "fgc-collect"
    properties.lastModifiedBy = "fgc-collect"
    properties.created = FIXED_TIMESTAMP
    for worksheet in workbook.worksheets:
        # openpyxl records the column outline level while it writes a sheet, so a workbook's second
        # save would differ from its first: start every save from the state of a fresh workbook.
        worksheet.column_dimensions.max_outline = None
        worksheet.sheet_format.outlineLevelCol = None
    raw = io.BytesIO()
    workbook.save(raw)  # stamps docProps/core.xml's modified date, and every zip entry, with now
    properties.modified = FIXED_TIMESTAMP
    core = tostring(copy.copy(properties).to_tree())
    with zipfile.ZipFile(raw) as source:
        return [
            (entry.filename, core if entry.filename == _CORE_PROPERTIES else source.read(entry.filename))
            for entry in source.infolist()
        ]


def _zip(parts: list[tuple[str, bytes]]) -> bytes:
    """The entries zipped in the same order with fixed dates and attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            target.writestr(info, data)
    return out.getvalue()


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content (no clock time anywhere)."""
    return _zip(_parts(workbook))


def _write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write atomically: a temporary file beside the target, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a template is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def save_workbook(workbook: Workbook, path: str | os.PathLike) -> Path:
    """Save reproducibly (see workbook_bytes) and atomically."""
    return _write_bytes(workbook_bytes(workbook), path)


def write_template(path: str | os.PathLike, la: LocalAuthority | None = None, spec: Spec | None = None,
                   survey: Survey | None = None) -> Path:
    """Write the template (blank, or prefilled for `la`) to `path`; the same inputs give the same bytes.
    The cover's contact and deadline come from `survey` (default: the survey file in force)."""
    return save_workbook(build_template(la, spec, survey), path)


_NAME_TOKEN = "@@FGC_LA_NAME@@"
_CODE_TOKEN = "@@FGC_LA_CODE@@"


def write_all_templates(folder: str | os.PathLike, spec: Spec | None = None, survey: Survey | None = None,
                        progress=None) -> list[Path]:
    """One prefilled template per LA (153) in `folder`, named by la_file_name() for the spec's year.

    Each file has the same bytes as write_template(path, la) gives. To be quick, the workbook is
    built and written once for a stand-in LA whose name and code are tokens (openpyxl writes text
    as inline strings, so the LA's name appears only where it is used); each LA's file is those
    parts with the tokens replaced. progress: told after each file (fgc_collect.progress)."""
    spec = spec or load_spec()
    folder = Path(folder)
    las = local_authorities()
    if not las:
        return []
    if progress is not None:
        progress("Building the template", 0, None)
    stand_in = dataclasses.replace(las[0], name=_NAME_TOKEN, code=_CODE_TOKEN)
    parts = _parts(build_template(stand_in, spec, survey))
    paths = []
    for la in las:
        name, code = escape(la.name).encode("utf-8"), escape(la.code).encode("utf-8")
        filled = [
            (part, data.replace(_NAME_TOKEN.encode(), name).replace(_CODE_TOKEN.encode(), code))
            for part, data in parts
        ]
        paths.append(_write_bytes(_zip(filled), folder / la_file_name(la, spec.year)))
        if progress is not None:
            progress("Writing templates", len(paths), len(las))
    return paths


# --------------------------------------------------------------------------- filling in


def _destination(workbook: Workbook, name: str) -> tuple[str, str]:
    destinations = list(workbook.defined_names[name].destinations)
    if len(destinations) != 1:
        raise ValueError(f"the defined name {name} does not point at one cell")
    sheet, reference = destinations[0]
    return sheet, reference.replace("$", "")


def _name(cell_id: str) -> str:
    cell_id = str(cell_id)
    return cell_id if cell_id.startswith(layout.INPUT_NAME_PREFIX) else layout.INPUT_NAME_PREFIX + cell_id


def fill_workbook(workbook: Workbook, values: Mapping[str, object]) -> None:
    """Write answers into the input cells through their defined names (Q_<id>), as a council's tool would.

    Keys are input cell ids ("B1", "B3_U1"; a "Q_" prefix is accepted). Nothing is written if any
    key is not an input cell of the workbook: KeyError names them all."""
    unknown = [key for key in values if _name(key) not in workbook.defined_names]
    if unknown:
        raise KeyError(f"no input cell for {', '.join(map(str, unknown))} in this workbook")
    for key, value in values.items():
        sheet, coordinate = _destination(workbook, _name(key))
        workbook[sheet][coordinate].value = value


def fill_template(
    values: Mapping[str, object], path: str | os.PathLike, la: LocalAuthority | None = None,
    spec: Spec | None = None,
) -> Path:
    """Build the template (prefilled for `la` if given), fill in `values`, save reproducibly."""
    workbook = build_template(la, spec)
    fill_workbook(workbook, values)
    return save_workbook(workbook, path)


def write_committed_template(spec: Spec | None = None) -> Path:
    """Regenerate templates/fgc_return_<year>.xlsx for the spec's year (after a change to the spec or the
    layout). It is made without a survey file, whatever the environment: the spec's deadline, no
    contact address."""
    spec = spec or load_spec()
    return write_template(committed_template_path(spec.year), None, spec, Survey())


def write_committed_templates() -> list[Path]:
    """Every year's committed blank template, from each year's own spec (no survey file's changes)."""
    return [write_committed_template(load_spec(year)) for year in known_years()]
