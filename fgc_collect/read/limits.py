"""Limits on what reading one file may cost, checked before and while parsing.

An honest return is the template with a few hundred answers: about 30 KB as received, under
2 MB of XML once unzipped, about 1,300 filled cells, read in a few hundredths of a second. The
limits below are far above any honest return (a council that formats whole columns to row
1,048,576 or pastes its own working into an extra sheet stays well inside them) and far below
what would hurt the machine: every hostile file is refused in a second or two, in well under
1 GB of memory, with a sentence saying which limit it hit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fgc_collect.model import UnreadableReturn

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 50 * MB  # the file as received (mail systems refuse attachments over 25-35 MB)
    zip_entries: int = 5_000  # parts inside an .xlsx/.ods (the template has 18)
    total_uncompressed_bytes: int = 1024 * MB  # every part's declared size, added up (media included)
    xml_bytes: int = 100 * MB  # the XML actually unzipped and parsed, added up
    entry_ratio: int = 200  # unzipped / zipped, for a part over ratio_floor_bytes (XML reaches 20-50)
    ratio_floor_bytes: int = 1 * MB
    cells: int = 100_000  # filled cells in the sheets read (the template has about 1,300)
    string_chars: int = 32_767  # characters in one cell: Excel's own maximum
    seconds: float = 5.0  # wall-clock time to read one file
    legacy_memory_bytes: int = 768 * MB  # address space of the helper process reading .xls/.xlsb


DEFAULT_LIMITS = Limits()


class LimitExceeded(UnreadableReturn):
    """A file over one of the limits: the message names the limit, `limit` is its field name."""

    def __init__(self, message: str, limit: str):
        super().__init__(message)
        self.limit = limit


def megabytes(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size / 1024:,.0f} KB"


class Deadline:
    """The wall-clock budget of one read, checked between chunks of work."""

    def __init__(self, name: str, limits: Limits):
        self.name = name
        self.seconds = limits.seconds
        self.ends = time.monotonic() + limits.seconds

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise LimitExceeded(
                f"{self.name} took more than {self.seconds:g} seconds to read (the limit; an honest return "
                "takes well under one): it is too large or built to be slow to open, so it was not read.",
                "seconds",
            )
