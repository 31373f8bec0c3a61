"""`fgc-collect demo`: the whole pipeline on synthetic returns for all 153 LAs.

Writes each return as a real .xlsx through the template (filled via its defined names, as a
council's tool would), validates them all in one batch, and checks that every mistake it seeded
was reported with the right rule at the right item.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fgc_collect.demo.synthetic import DemoReturn, SeededMistake, demo_returns


def write_demo_returns(folder: Path) -> tuple[list[Path], list[DemoReturn], list[SeededMistake]]:
    from fgc_collect.template import fill_template

    folder.mkdir(parents=True, exist_ok=True)
    returns, seeded = demo_returns()
    paths = []
    for ret in returns:
        path = folder / ret.file_name
        fill_template(ret.values, path, la=ret.template_la)
        paths.append(path)
    return paths, returns, seeded


def missed_mistakes(results, returns: list[DemoReturn], seeded: list[SeededMistake]) -> list[SeededMistake]:
    """The seeded mistakes that validation did not report with their rule and item."""
    by_la = {ret.la.code: result for ret, result in zip(returns, results)}
    return [
        mistake for mistake in seeded
        if not any(i.rule == mistake.rule and i.item == mistake.item for i in by_la[mistake.la_code].issues)
    ]


def run_demo(out: Path, echo: Callable[[str], None] = print) -> int:
    from fgc_collect import report
    from fgc_collect.pipeline import validate_files

    returns_folder = out / "returns"
    echo(f"1. Writing synthetic returns for all 153 LAs into {returns_folder} ...")
    paths, returns, seeded = write_demo_returns(returns_folder)
    echo(f"   {len(paths)} returns written; {len(seeded)} of them carry a mistake councils make.")

    echo("2. Validating them all in one batch ...")
    results = validate_files(paths)
    flagged = [result for result in results if result.status != "valid"]
    echo(report.results_text(flagged))
    missed = missed_mistakes(results, returns, seeded)
    for mistake in missed:
        echo(f"   NOT REPORTED: {mistake.la_code} {mistake.rule} {mistake.item} ({mistake.what})")
    echo(f"   Seeded mistakes reported with the right rule and item: {len(seeded) - len(missed)} of {len(seeded)}.")
    return 0 if not missed else 1
