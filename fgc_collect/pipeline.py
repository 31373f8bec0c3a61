"""Read and validate files: the library calls behind `fgc-collect validate` (usable from a
notebook: `validate_files(find_returns(["returns/"]))`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fgc_collect.model import ReturnResult, UnreadableReturn
from fgc_collect.read.workbook import SPREADSHEET_SUFFIXES, sha256_of


def find_returns(paths: Iterable[str | Path]) -> list[Path]:
    """The spreadsheet files among paths; folders are searched recursively, in name order.
    Office lock files (~$...) and hidden files are skipped. A named file is always kept, so an
    unexpected one is reported rather than silently ignored."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                if (
                    candidate.is_file()
                    and candidate.suffix.lower() in SPREADSHEET_SUFFIXES
                    and not candidate.name.startswith(("~$", "."))
                ):
                    found.append(candidate)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def read_file(path: Path, passwords=None):
    """(AggregateReturn, None) or (None, ReturnResult for an unreadable file). passwords: a
    fgc_collect.read.crypto.Passwords (from --password-file) for password-protected files."""
    from fgc_collect.read import read_return

    path = Path(path)
    try:
        return read_return(path, passwords=passwords), None
    except UnreadableReturn as problem:
        try:
            digest = sha256_of(path) if path.is_file() else None
        except OSError:
            digest = None
        return None, ReturnResult.unreadable_file(str(path), digest, str(problem))


def validate_files(files: Sequence[Path], passwords=None) -> list[ReturnResult]:
    """Every file's result, in the order given; the readable ones are validated as one batch."""
    outcomes = [read_file(Path(file), passwords) for file in files]
    readable = [ret for ret, _ in outcomes if ret is not None]
    validated = iter(())
    if readable:  # the engine imports pandera and Great Expectations: only pay when needed
        from fgc_collect.validate import validate_returns

        validated = iter(validate_returns(readable))
    return [next(validated) if ret is not None else unreadable for ret, unreadable in outcomes]
