"""The progress line: drawn on a terminal only, rewritten in place, wiped before anything else."""

import io

from fgc_collect import progress as progress_module
from fgc_collect.progress import Progress, wipe


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_one_line_rewritten_then_wiped():
    screen = Terminal()
    with Progress(stream=screen) as progress:
        progress("Reading returns", 1, 2)
        progress("Reading returns", 2, 2)
        progress("Validating 2 returns", 0, None)
    assert screen.getvalue().split("\r\x1b[K") == [
        "", "Reading returns  1/2 [##########..........]", "Reading returns  2/2 [####################]",
        "Validating 2 returns ...", "",
    ]


def test_nothing_is_drawn_when_not_at_a_terminal_or_not_wanted():
    piped, screen = io.StringIO(), Terminal()
    with Progress(stream=piped) as progress:
        progress("Reading returns", 1, 1)
    with Progress(enabled=False, stream=screen) as progress:  # --format json
        progress("Reading returns", 1, 1)
    assert piped.getvalue() == "" and screen.getvalue() == ""


def test_a_line_wider_than_the_terminal_is_cut_so_it_can_be_rewritten(monkeypatch):
    monkeypatch.setattr(progress_module.shutil, "get_terminal_size", lambda fallback: __import__("os").terminal_size((30, 24)))
    screen = Terminal()
    Progress(stream=screen)("Writing feedback for the councils", 7, 153)
    assert screen.getvalue() == "\r\x1b[K" + "Writing feedback for the counc"[:29]


def test_wipe_clears_a_line_left_on_screen_by_an_error():
    screen = Terminal()
    progress = Progress(stream=screen)
    progress("Storing versions", 3, 10)
    wipe()  # what the command line does before its last sentence
    assert screen.getvalue().endswith("\r\x1b[K")
    wipe()
    assert screen.getvalue().count("\r\x1b[K") == 2  # nothing more to wipe
