"""Progress of a long command on stderr, at a terminal only: one line, rewritten in place.

Library functions take an optional `progress` callback, `progress(what, done, total)` (total
None for a step without a count); the commands pass a Progress, which draws nothing unless
stderr is a terminal and the output is for people (never with --format json, never when stderr
is piped or redirected, so logs and scripts see only the results). Standard library only.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[str, int, "int | None"], None]

BAR_WIDTH = 20
MIN_INTERVAL = 0.05  # seconds between redraws: drawing must not slow the work down
_showing: list[Progress] = []  # the progress lines on screen now, for wipe()


class Progress:
    """`progress("Reading returns", 12, 153)` draws "Reading returns  12/153 [###.....]" over the
    previous line; clear() (or leaving a `with` block) wipes it before results are printed."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and _is_terminal(self.stream)
        self._shown = False
        self._width = 0  # of the line on screen
        self._last = 0.0

    def __call__(self, what: str, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if total is not None and 0 < done < total and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        self._draw(line(what, done, total))

    def clear(self) -> None:
        if self._shown:
            self._draw("")
            self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.clear()

    def _columns(self) -> int:
        """The width of the terminal the line is drawn on (stdout may be a file meanwhile)."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            columns = 0
        return columns or shutil.get_terminal_size((80, 24)).columns

    def _draw(self, text: str) -> None:
        # Carriage return and spaces only, no escape codes: every terminal (Windows' too) rewrites
        # the line. Cut to the terminal's width: a wrapped line could not be rewritten.
        text = text[:self._columns() - 1]
        rubbed = " " * max(0, self._width - len(text))
        try:
            self.stream.write("\r" + text + rubbed + ("" if text else "\r"))
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the work goes on
            self.enabled = False
            return
        self._width = len(text)
        self._shown = bool(text)
        if self._shown and self not in _showing:
            _showing.append(self)
        elif not self._shown and self in _showing:
            _showing.remove(self)


def wipe() -> None:
    """Wipe any progress line still on screen: before a command's last words on an error."""
    for progress in list(_showing):
        progress.clear()


def line(what: str, done: int, total: int | None) -> str:
    """'Reading returns  12/153 [#.......]', or 'Validating 153 returns ...' without a count."""
    if total is None:
        return f"{what} ..."
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f"{what}  {done}/{total} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]"


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
