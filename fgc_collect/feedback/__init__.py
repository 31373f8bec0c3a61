"""Feedback a council can act on: what `fgc-collect validate ... --feedback DIR` writes.

For each return, in DIR:
- `<LA code>_<file stem>_feedback.xlsx`: an annotated copy of the council's own workbook (see
  `fgc_collect.feedback.workbook`). Not written for an unreadable return, nor for a file that is
  not an .xlsx/.xlsm package or is encrypted without a password: index.html and the report say why.
- `<LA code>_<file stem>_feedback.html`: a self-contained report (see `fgc_collect.feedback.html`).
and `index.html`: every return with its status, linking to its report, for the coordinators.

A council's report and annotated copy carry only the issues of its own return. The checks of a
return against other returns, the register and reference data (FGC201-FGC299: they can name
another council's file or show what other councils returned) are the coordinator's: index.html
lists them, with the reconciliations of LAs that sent both levels.

Library use:

    results = validate_files(files)
    write_feedback(results, Path("feedback"))
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from fgc_collect.model import ReturnResult
from fgc_collect.progress import ProgressCallback
from fgc_collect.spec import Spec, load_spec
from fgc_collect.survey import Contact

from .html import IndexEntry, format_name, is_coordinator_check, render_index, render_report
from .ooxml import PackageError
from .workbook import (
    CopyFacts,
    FeedbackError,
    OpenWorkbook,
    annotated_bytes,
    decrypted_bytes,
    decrypted_with_any,
    encrypted_bytes,
    is_encrypted_file,
    write_annotated_copy,
    write_atomically,
)

INDEX_FILE = "index.html"
WORKBOOK_SUFFIX = "_feedback.xlsx"
REPORT_SUFFIX = "_feedback.html"
ANNOTATABLE_SUFFIXES = (".xlsx", ".xlsm")
MAX_STEM = 90


def council_result(result: ReturnResult) -> ReturnResult:
    """The result as its council is shown it: without the coordinator's checks against other
    returns, the register and reference data (FGC2xx), so its status is that of its own return."""
    return dataclasses.replace(result, issues=[issue for issue in result.issues if not is_coordinator_check(issue)])


def not_annotatable(source: Path) -> str:
    """Why a readable file of another format than .xlsx/.xlsm gets a report but no annotated copy."""
    return (f"annotated copies are made of Excel workbooks (.xlsx, .xlsm) only, and {source.name} is "
            f"{format_name(source.suffix)}; "
            "the report names the sheet and cell of every issue.")


def feedback_stem(result: ReturnResult, taken: set[str]) -> str:
    """'E06000047_Durham_FGC_return': the LA code and the file's stem in safe characters (ASCII
    letters, digits, _ and -), unique among `taken` (compared case-insensitively, as Windows does)."""
    raw = f"{result.la_code or 'unknown-LA'}_{Path(result.file).stem}"
    safe = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_-]", "_", raw)).strip("_-")[:MAX_STEM].rstrip("_-")
    safe = safe or "return"
    candidate, number = safe, 2
    while candidate.casefold() in taken:
        candidate = f"{safe}_{number}"
        number += 1
    taken.add(candidate.casefold())
    return candidate


def _read_values(path: Path, password: str | None, spec: Spec) -> dict | None:
    """The return's values, read again by the reader (when the caller did not pass them)."""
    from fgc_collect.read import read_return
    from fgc_collect.read.crypto import Passwords

    try:
        secrets = Passwords("the password of this return", (password,)) if password else None
        return read_return(path, spec, passwords=secrets).values()
    except Exception:  # noqa: BLE001 - no funnel then; the issues are still reported
        return None


def _open(source: Path, passwords) -> tuple[bytes, str | None]:
    """The council's workbook as zip bytes, and the password that opened it (None if not encrypted).

    passwords: file -> password, or the Passwords of --password-file (each candidate is tried)."""
    if not is_encrypted_file(source):
        return source.read_bytes(), None
    if isinstance(passwords, Mapping):
        password = passwords.get(str(source))
        return decrypted_bytes(source, password), password
    candidates = list(passwords.candidates(str(source))) if passwords is not None else []
    opened = decrypted_with_any(source, candidates)
    if opened is None:
        raise FeedbackError(f"{source.name} is password-protected and no password given opens it.")
    return opened


def _feedback_for(result: ReturnResult, stem: str, out_dir: Path, *, passwords, encrypt: bool,
                  values: Mapping | None, checked_on: date, contact: Contact, spec: Spec,
                  deadline: date | None = None) -> IndexEntry:
    source = Path(result.file)
    readable = not result.unreadable and source.is_file()
    own = council_result(result)
    opened = password = None
    workbook_name = why_no_copy = None
    if readable and source.suffix.lower() not in ANNOTATABLE_SUFFIXES:
        why_no_copy = not_annotatable(source)
    elif readable:
        try:
            data, password = _open(source, passwords)
            opened = OpenWorkbook(data)
        except FeedbackError as problem:
            why_no_copy = str(problem)
        except PackageError as problem:
            why_no_copy = f"{source.name} could not be opened as an Excel workbook ({problem})."
    if opened is not None:
        encrypted_source = password is not None
        encrypt_copy = encrypted_source and encrypt
        facts = CopyFacts(source.name, checked_on, contact.sentence(), encrypted_source=encrypted_source,
                          encrypted_copy=encrypt_copy, deadline=deadline)
        try:
            copy = annotated_bytes(opened, own, facts, spec)
        except Exception as problem:  # noqa: BLE001 - a package we cannot edit: the report still goes
            why_no_copy = f"{source.name} could not be copied ({type(problem).__name__}: {problem})."
        else:
            if encrypt_copy:
                copy = encrypted_bytes(copy, password)
            workbook_name = stem + WORKBOOK_SUFFIX
            write_atomically(out_dir / workbook_name, copy)
    if values is None and readable:
        values = _read_values(source, password, spec)
    report = stem + REPORT_SUFFIX
    page = render_report(own, values, spec, checked_on=checked_on, contact=contact, workbook_name=workbook_name,
                         format_without_copy=readable and source.suffix.lower() not in ANNOTATABLE_SUFFIXES,
                         deadline=deadline)
    write_atomically(out_dir / report, page.encode("utf-8"))
    return IndexEntry(result, report, workbook_name, why_no_copy)


def write_feedback(
    results: Sequence[ReturnResult],
    out_dir: str | os.PathLike,
    returns: Mapping[str, object] | None = None,
    passwords=None,
    unencrypted: bool = False,
    *,
    checked_on: date | None = None,
    contact_email: str | None = None,
    spec: Spec | None = None,
    reconciliations: Mapping[str, Sequence[str]] | None = None,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Write the feedback on every result into out_dir; returns the files written (for each return
    its annotated workbook, if one was made, and its report; then index.html).

    returns: file -> AggregateReturn (or a dict of its values) as read for validation, keyed like
      `ReturnResult.file`; optional, it only spares reading the funnel's figures again.
    passwords: for encrypted returns, the `Passwords` of --password-file (fgc_collect.read.crypto),
      or a mapping file -> password. A return's annotated copy is encrypted with the password that
      opened it, unless `unencrypted` (the coordinator's --feedback-unencrypted).
    reconciliations: LA code -> names of the reconciliation files in out_dir for an LA that sent
      both levels (`fgc_collect.child.reconcile.write_reconciliations`), linked from the index.
    contact_email: where councils send their corrected return; by default the research team's
      contact in the survey file (fgc_collect.survey), which may raise SurveyFileError.
    progress: told after each return (fgc_collect.progress).
    """
    from fgc_collect.survey import current_survey, spec_for

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    checked_on = checked_on or date.today()
    contact = Contact(email=contact_email) if contact_email else current_survey().contact
    by_file = {str(Path(key)): value for key, value in (returns or {}).items()}
    if isinstance(passwords, Mapping):
        passwords = {str(Path(key)): value for key, value in passwords.items()}
    taken: set[str] = {Path(INDEX_FILE).stem.casefold()}
    written: list[Path] = []
    entries: list[IndexEntry] = []
    for number, result in enumerate(results, 1):
        known = by_file.get(str(Path(result.file)))
        if known is None or isinstance(known, Mapping):
            values = known
        else:
            values = known.values()  # an AggregateReturn
        # Each return is shown against its own year's questions (a batch may hold two years).
        own_spec = spec or (spec_for(result.year) if result.year else load_spec())
        entry = _feedback_for(
            result, feedback_stem(result, taken), out_dir,
            passwords=passwords, encrypt=not unencrypted, values=values,
            checked_on=checked_on, contact=contact, spec=own_spec, deadline=current_survey().deadline_for(own_spec),
        )
        entries.append(entry)
        if entry.workbook:
            written.append(out_dir / entry.workbook)
        written.append(out_dir / entry.report)
        if progress is not None:
            progress("Writing feedback", number, len(results))
    written.append(write_atomically(out_dir / INDEX_FILE, render_index(entries, checked_on=checked_on, reconciliations=reconciliations or {}).encode("utf-8")))
    return written


__all__ = ["FeedbackError", "INDEX_FILE", "council_result", "feedback_stem", "write_annotated_copy", "write_feedback"]
