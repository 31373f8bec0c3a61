"""A version's answers as read, kept in the register so that a new return can be compared with
every other LA's figures (FGC201, FGC202) without re-reading 150 workbooks (~0.2 s each).

Free text (names, email addresses, comments) is left out: it may hold personal data, and the
comparisons use figures and codes only. The original file keeps everything."""

from __future__ import annotations

import json

# Kinds whose text is dropped; A1 (the LA's name) is kept.
FREE_TEXT_KINDS = ("text", "longtext", "email")
KEPT_TEXT_ITEMS = ("A1",)
FORMAT = 1


def snapshot_of(ret) -> str:
    """JSON of the return's metadata and cells, without free text."""
    rows = ret.cells.to_dicts()
    for row in rows:
        if row["kind"] in FREE_TEXT_KINDS and row["item_id"] not in KEPT_TEXT_ITEMS:
            row["raw_text"] = None
            row["text"] = None
    return json.dumps({"format": FORMAT, "metadata": ret.metadata, "cells": rows}, separators=(",", ":"))


def return_from_snapshot(text: str, file: str, sha256: str):
    """An AggregateReturn good for comparing figures (its free text is blank)."""
    import polars as pl

    from fgc_collect.read.aggregate import FRAME_SCHEMA, AggregateReturn

    document = json.loads(text)
    frame = pl.DataFrame(document["cells"], schema=FRAME_SCHEMA, orient="row") if document["cells"] else pl.DataFrame(schema=FRAME_SCHEMA)
    return AggregateReturn(file=file, sha256=sha256, metadata=document["metadata"], cells=frame)
