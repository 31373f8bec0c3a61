"""The coverage notes name LAs by name and code, and say in words when a return's LA is not known;
never a file name or path."""

from __future__ import annotations

from dataclasses import replace

from fgc_collect.aggregate import Excluded, build_tables
from fgc_collect.aggregate.notes import UNREADABLE
from fgc_collect.reference import find_la_by_name

from tests.aggregate.handbuilt import handbuilt_inputs


def test_returns_not_used_are_one_note_naming_las_never_files():
    sunderland, tyneside, newcastle = (find_la_by_name(n) for n in ("Sunderland", "South Tyneside", "Newcastle upon Tyne"))
    excluded = (
        Excluded("/home/coordinator/inbox/FGC return Sunderland FINAL.xlsx", "validation errors (FGC101)", sunderland),
        Excluded("/home/coordinator/inbox/mixed.xlsx", "validation errors (FGC006)", None, named=(tyneside, newcastle)),
        Excluded("/home/coordinator/inbox/unknown.xlsx", "its local authority could not be established"),
        Excluded("/home/coordinator/inbox/scan.xlsx", UNREADABLE),
    )
    tables = build_tables(replace(handbuilt_inputs(), excluded=excluded))
    (note,) = [note for note in tables.notes if note.text == "4 returns were received but not used:"]
    assert note.points == (
        "Sunderland (E08000024): validation errors (FGC101)",
        "A return whose LA could not be established",
        "A file that could not be read as a return, so the LA that sent it is not known",
        "A return giving the name of South Tyneside (E08000023) but the code of Newcastle upon Tyne (E08000021), "
        "so the LA that sent it could not be established: validation errors (FGC006)",
    )
    assert not any("coordinator" in str(n) or ".xlsx" in str(n) for n in tables.notes)
    assert note.tables == ("fgc_coverage",) and note.columns == ("returns_not_used",)
