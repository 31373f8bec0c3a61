"""`fgc-collect aggregate` and `fgc-collect check-publication` (imports only click at module level)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fgc_collect.clikit import EXIT_ERRORS, UserError, default_store, echo


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", default=None, help="The returns register (default $FGC_COLLECT_STORE, else ./fgc-store); "
              "its accepted versions are used. Give either --store or files, not both.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True,
              help="Folder for the published tables.")
@click.option("--threshold", type=click.IntRange(min=1), default=5, show_default=True,
              help="Suppress LA and regional counts from 1 to this.")
@click.option("--round-to", type=click.IntRange(min=1), default=None,
              help="Round published counts to a multiple of this (default: not rounded); rates, percentages and "
              "estimates are then computed from the rounded counts.")
@click.option("--auxiliary", type=click.Choice(["population", "cin"]), default="population", show_default=True,
              help="The estimates' auxiliary variable: children aged 0-17, or children in need.")
@click.option("--year", default=None, metavar="YYYY-YY",
              help="The year published as the headline (workbook, summary): default the latest year among the "
              "returns. The open data files hold every year given.")
def aggregate(paths: tuple[Path, ...], store: str | None, out: Path, threshold: int, round_to: int | None,
              auxiliary: str, year: str | None) -> None:
    """National tables from accepted returns (--store) or from the given files or folders.

    From files, a return is used when its validation has no errors (warnings allowed); the
    coverage notes say which were not used and why. Writes open data (EES CSV), a workbook,
    charts, an HTML summary and manifest.json into --out, and only if the disclosure audit and the
    EES checks pass. Returns are grouped by the year their metadata names: each year's tables
    come from its own returns and spec, and the open data files carry every year as time periods."""
    from fgc_collect.aggregate import Config, ProtectionError
    from fgc_collect.aggregate.tables import build_series
    from fgc_collect.progress import Progress
    from fgc_collect.publish import PublishError, publish
    from fgc_collect.publish.sources import SourceError, inputs_by_year_from_files, inputs_by_year_from_store
    from fgc_collect.spec.overlay import SpecChangeError, next_year
    from fgc_collect.survey import spec_for

    if paths and store:
        raise UserError("give either --store or files, not both.")
    if year is not None:
        try:
            next_year(year)
        except SpecChangeError as problem:
            raise UserError(str(problem)) from None
    progress = Progress()  # at a terminal only: the step under way
    try:
        progress("Reading the returns (step 1 of 3)", 0, None)
        if paths:
            by_year = inputs_by_year_from_files(paths, year)
        else:
            by_year = inputs_by_year_from_store(store or default_store(), year)
    except SourceError as problem:
        progress.clear()
        raise UserError(str(problem)) from None
    usable = sorted(held for held, found in by_year.items() if found.used)
    year = year or (usable[-1] if usable else max(by_year))
    if usable and year not in usable:
        progress.clear()
        raise UserError(f"no return for {year} can be used (the usable returns are for {', '.join(usable)}).")
    inputs = by_year.get(year) or next(iter(by_year.values()))
    if not inputs.used:
        progress.clear()
        raise UserError("no return can be used (none without validation errors, or none accepted), so there is "
                        "nothing to publish.")
    try:
        progress("National tables and disclosure control (step 2 of 3)", 0, None)
        config = Config(threshold=threshold, round_to=round_to, auxiliary=auxiliary)
        held = {held: found for held, found in by_year.items() if found.used}
        tables = build_series(held, config, year, {held_year: spec_for(held_year) for held_year in held})
        progress("Writing the publication (step 3 of 3)", 0, None)
        written = publish(tables, out)
    except (ProtectionError, PublishError, SpecChangeError) as problem:
        progress.clear()
        echo(f"fgc-collect: nothing was published: {problem}", err=True)
        sys.exit(EXIT_ERRORS)
    progress.clear()
    others = [f"{held_year} ({len(held_tables.inputs.used)} returns)" for held_year, held_tables
              in sorted(tables.series.items()) if held_year != year]
    if others:
        echo(f"{year} is the headline; the open data files also hold {', '.join(others)}.")
    echo(f"Used {len(inputs.used)} returns ({len(inputs.excluded)} received but not used); "
         f"{len(tables.protection.suppressed)} counts suppressed, audit passed.")
    echo(f"Wrote {len(written)} files into {out}: open data (*.csv), the workbook, charts/, summary.html, "
         "coverage_notes.txt and manifest.json.")


@click.command("check-publication")
@click.argument("folder", type=click.Path(path_type=Path))
def check_publication(folder: Path) -> None:
    """Run the EES data screener's checks on a folder of published CSV files.

    Exit 0 when they pass; 1 with one line per problem."""
    from fgc_collect.publish import check_publication as screen

    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder.")
    problems = screen(folder)
    if problems:
        for problem in problems:
            echo(problem)
        sys.exit(EXIT_ERRORS)
    count = sum(1 for p in folder.glob("*.csv") if not p.name.endswith(".meta.csv"))
    echo(f"{count} data files in {folder} pass the EES checks.")


COMMANDS = [aggregate, check_publication]
