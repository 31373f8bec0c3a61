"""The progress line: drawn on a terminal only, rewritten in place, wiped before anything else."""

import io
import os

from fgc_collect import progress as progress_module
from fgc_collect.progress import Progress, wipe


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def visible(written: str) -> list[str]:
    """The lines a terminal shows after `written`: a carriage return goes back to the start of the
    line, and what follows overwrites it."""
    lines, column = [[]], 0
    for char in written.replace("\r\n", "\n"):
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append([])
            column = 0
        else:
            line = lines[-1]
            if column < len(line):
                line[column] = char
            else:
                line.append(char)
            column += 1
    return ["".join(line).rstrip() for line in lines]


def test_a_terminal_sees_one_line_rewritten_then_wiped():
    screen = Terminal()
    with Progress(stream=screen) as progress:
        progress("Reading returns", 1, 2)
        assert visible(screen.getvalue()) == ["Reading returns  1/2 [##########..........]"]
        progress("Reading returns", 2, 2)
        progress("Validating 2 returns", 0, None)
        assert visible(screen.getvalue()) == ["Validating 2 returns ..."]  # the longer line fully rubbed out
    assert visible(screen.getvalue()) == [""]
    assert "\x1b" not in screen.getvalue()  # no escape codes: Windows' console shows them as text


def test_nothing_is_drawn_when_not_at_a_terminal_or_not_wanted():
    piped, screen = io.StringIO(), Terminal()
    with Progress(stream=piped) as progress:
        progress("Reading returns", 1, 1)
    with Progress(enabled=False, stream=screen) as progress:  # --format json
        progress("Reading returns", 1, 1)
    assert piped.getvalue() == "" and screen.getvalue() == ""


def test_a_line_wider_than_the_terminal_is_cut_so_it_can_be_rewritten(monkeypatch):
    monkeypatch.setattr(progress_module.shutil, "get_terminal_size", lambda fallback: os.terminal_size((30, 24)))
    screen = Terminal()
    Progress(stream=screen)("Writing feedback for the councils", 7, 153)
    assert visible(screen.getvalue()) == ["Writing feedback for the coun"]


def test_wipe_clears_a_line_left_on_screen_by_an_error():
    screen = Terminal()
    progress = Progress(stream=screen)
    progress("Storing versions", 3, 10)
    wipe()  # what the command line does before its last sentence
    screen.write("fgc-collect: stopped.\n")
    assert visible(screen.getvalue()) == ["fgc-collect: stopped.", ""]
    before = screen.getvalue()
    wipe()
    assert screen.getvalue() == before  # nothing more to wipe
