"""What reading a return noticed about the file itself: the reader's notes.

They are not rules of the spec (its FGC codes are a contract with the research team, and FGC000
means "unreadable"), so they carry codes of their own, READnn, in the same shape: the validate
stage appends `AggregateReturn.notes` to each return's issues, and the rule catalogue lists
READ_NOTES beside the spec's rules. A code is never reused for another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from fgc_collect.model import WARNING, Issue


@dataclass(frozen=True)
class ReadNote:
    code: str
    severity: str
    title: str  # what the note is about, for the catalogue
    check: str  # when it is raised, for the catalogue


MACROS = "READ01"
TEMPLATE_VERSION = "READ02"
NAMES_MISSING = "READ03"
QUESTIONS_MISSING = "READ04"
FILE_NAME_LA = "READ05"
FORMULA_NO_VALUE = "READ06"

READ_NOTES: tuple[ReadNote, ...] = (
    ReadNote(MACROS, WARNING, "macros ignored",
             "the workbook carries macros (.xlsm, VBA): they were neither run nor kept; only the cells were read"),
    ReadNote(TEMPLATE_VERSION, WARNING, "other template version",
             "the return was made from another version of this year's template: it was read by its question "
             "codes; the note says which version"),
    ReadNote(NAMES_MISSING, WARNING, "cells found by item id",
             "the template's cell names (Q_<item id>) were missing for some questions, so their answers were "
             "found by the item ids in column A"),
    ReadNote(QUESTIONS_MISSING, WARNING, "questions not found",
             "some questions of the template were not found in the file (rows or sheets deleted, or an old "
             "template); the note lists them"),
    ReadNote(FILE_NAME_LA, WARNING, "file name names another LA",
             "the file name names a different local authority from the return's own code (A2); the return's "
             "code was used, never the file name"),
    ReadNote(FORMULA_NO_VALUE, WARNING, "formula without a saved result",
             "an answer cell holds a formula whose result was not saved with the file (saved by a program that "
             "does not calculate), so it reads as blank"),
)

_BY_CODE = {note.code: note for note in READ_NOTES}


def note(code: str, message: str, *, item: str | None = None, sheet: str | None = None,
         cell: str | None = None, value: object = None) -> Issue:
    """An Issue for one of READ_NOTES (KeyError for a code not in the table)."""
    return Issue(code, _BY_CODE[code].severity, message, item=item, sheet=sheet, cell=cell, value=value)
