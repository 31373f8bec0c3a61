"""Text a council wrote, made safe to show: cell text quoted in messages, file names, zip member
and attachment names, sender addresses. Any of them may carry terminal escape sequences (set the
window title, clear the screen), undecodable bytes or bidi overrides that reorder what a
coordinator reads. Every printer of fgc-collect passes its text through `printable` (the CLI's
`echo` does), so none of it reaches a terminal, in text or in JSON (JSON consumers print it too).

Pure standard library: imported by the CLI at start-up.
"""

from __future__ import annotations

import re

REPLACEMENT = "?"
# C0 controls (tab and line breaks included), DEL, C1 controls (0x9B is a one-byte CSI), lone
# surrogates (undecodable bytes of a file name), the bidi embeddings, overrides and isolates, and
# the Unicode line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNPRINTABLE_IN_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: object) -> str:
    """One line of text with every control character replaced by '?'."""
    return _UNPRINTABLE.sub(REPLACEMENT, str(text))


def printable_lines(text: object) -> str:
    """Text of several lines (a report fgc-collect wrote): as printable, but its line breaks kept."""
    return _UNPRINTABLE_IN_LINES.sub(REPLACEMENT, str(text))


def printable_json(value: object) -> object:
    """A JSON document (dicts, lists, strings, numbers) with every string, key or value, printable."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(key) if isinstance(key, str) else key: printable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_json(item) for item in value]
    return value
