"""The `fgc-collect` command: a thin layer over the library.

Start-up matters (coordinators run it in loops), so this module imports only click; each command
imports what it needs. Every failure a user can cause ends in one plain sentence on stderr and
exit code 2, never a traceback (see docs/cli-contract.md).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from fgc_collect.clikit import EXIT_USAGE, UserError, echo, echo_json, load_key_file
from fgc_collect.survey_cli import survey_option

# Modules that add commands of their own stage (each exposes COMMANDS, a list of click commands,
# and imports only click at module level).
STAGE_COMMAND_MODULES: tuple[str, ...] = ("fgc_collect.register.commands", "fgc_collect.publish.commands",
                                          "fgc_collect.register.quarantine", "fgc_collect.survey_cli")

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fgc-collect")
def cli() -> None:
    """England's data collection on family group conferences (FGCs), every year from 2023-24.

    \b
    Research team:  fgc-collect template --all-las --out templates-out/
    Coordinators:   fgc-collect validate returns/
    Everyone:       fgc-collect demo   (the whole pipeline on synthetic returns)
    """


def year_option(help_text: str):
    return click.option("--year", "year", default=None, metavar="YYYY-YY", help=help_text)


def checked_year(year: str | None) -> str:
    """The year a command works on (given, else the survey file's, else the latest the project
    knows), refused with one sentence when fgc-collect cannot make its spec."""
    from fgc_collect.spec.overlay import SpecChangeError
    from fgc_collect.survey import collection_year, spec_for

    year = collection_year(year)
    try:
        spec_for(year)
    except SpecChangeError as problem:
        raise UserError(str(problem)) from None
    return year


@cli.command()
@click.option("--level", type=click.Choice(["aggregate", "child"]), default="aggregate", show_default=True)
@click.option("--la", "la_codes", multiple=True, metavar="CODE", help="Prefill for an LA (9-character or 3-digit code); repeatable.")
@click.option("--all-las", is_flag=True, help="One prefilled template per LA (153 files) into the folder --out.")
@click.option("--out", "out", type=click.Path(path_type=Path), help="File (or folder with --all-las or several --la).")
@click.option("--force", is_flag=True, help="Replace templates that already exist (without it, nothing is replaced).")
@year_option("The collection year (default: the survey file's year, else the latest the project knows).")
def template(level: str, la_codes: tuple[str, ...], all_las: bool, out: Path | None, force: bool, year: str | None) -> None:
    """Write the Excel survey template of a year: blank, or prefilled for LAs."""
    from fgc_collect.reference import find_la, local_authorities
    from fgc_collect.survey import child_spec_for, spec_for

    if all_las and la_codes:
        raise UserError("give either --la or --all-las, not both.")
    year = checked_year(year)
    las = []
    for code in la_codes:
        la = find_la(code)
        if la is None:
            raise UserError(f"{code!r} is not the code of a local authority (give a 9-character code such as E06000047 or a 3-digit code such as 840).")
        las.append(la)
    if level == "child":
        from fgc_collect.child import write_child_template
        from fgc_collect.child.template import child_file_name

        child_spec = child_spec_for(year)

        def file_name(la):
            return child_file_name(la, year)

        def write_one(path, la):
            return write_child_template(path, la, child_spec)
    else:
        from fgc_collect import template as templates

        spec = spec_for(year)

        def file_name(la):
            return templates.la_file_name(la, year)

        def write_one(path, la):
            return templates.write_template(path, la=la, spec=spec)
    if all_las:
        las = list(local_authorities())
    if len(las) > 1:
        folder = out or Path("templates-out")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{folder} is a file: give a folder as --out for one template per LA.")
        targets = [folder / file_name(la) for la in las]
        _refuse_to_replace(targets, force, folder)
        if all_las and level == "aggregate":
            from fgc_collect.progress import Progress

            with Progress() as progress:  # at a terminal only
                templates.write_all_templates(folder, spec=spec, progress=progress)  # the same files, written faster
        else:
            for la, path in zip(las, targets):
                write_one(path, la)
                if not all_las:
                    click.echo(f"Wrote {path}")
        if all_las:
            click.echo(f"Wrote {len(targets)} {'child-level' if level == 'child' else 'prefilled'} templates into {folder}.")
        return
    la = las[0] if las else None
    default = file_name(la) if la or level == "child" else templates.template_file_name(year)
    path = out or Path(default)
    if path.is_dir():
        path = path / default
    _refuse_to_replace([path], force)
    write_one(path, la)
    click.echo(f"Wrote {path}")


def _refuse_to_replace(targets: list[Path], force: bool, folder: Path | None = None) -> None:
    """Nothing is written over an existing file (a council's filled return, perhaps) without --force;
    for a folder of templates, nothing at all is written when one of them exists."""
    existing = [path for path in targets if path.exists()]
    if force or not existing:
        return
    if folder is None:
        raise UserError(f"{existing[0]} already exists: give --force to replace it, or another --out.")
    shown = ", ".join(path.name for path in existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
    raise UserError(
        f"{folder} already holds {len(existing)} of the {len(targets)} templates ({shown}), so none was "
        "written: give --force to replace them, or another --out folder."
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--password-file", "password_file", type=click.Path(path_type=Path), default=None,
              help="Passwords for password-protected returns: one password, or LA_CODE,password lines.")
@click.option("--feedback", "feedback", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write, for each return, an annotated copy of its workbook and an HTML report (and an index) here.")
@click.option("--feedback-unencrypted", is_flag=True,
              help="Write feedback copies of password-protected returns without their password.")
@click.option("--la", "la_code", default=None, metavar="CODE", help="The LA of a child-level CSV without a la_code column.")
@click.option("--key-file", "key_file", type=click.Path(path_type=Path), default=None,
              help="The research team's pseudonymisation key (child-level returns); without it a throwaway key is used.")
@click.option("--engine", type=click.Choice(["auto", "gx", "polars"]), default="auto", show_default=True,
              help="What runs the expectation suites in validations/: fgc-collect's polars evaluator of the "
                   "suites (auto, the default: no Great Expectations start-up), or Great Expectations itself (gx, "
                   "the reference; same results).")
@click.option("--quiet", "-q", is_flag=True, help="Only the returns with problems (and their issues), then the summary line.")
@year_option("The year of a file that does not name its own (a child-level CSV, a workbook whose metadata sheet is "
             "gone); default: the survey file's year, else the latest. A workbook made from the template is always "
             "checked against the year it names.")
def validate(paths: tuple[Path, ...], output_format: str, password_file: Path | None, feedback: Path | None,
             feedback_unencrypted: bool, la_code: str | None, key_file: Path | None, engine: str, quiet: bool,
             year: str | None) -> None:
    """Validate returns: files, or folders of them, each against the questions of its own year.

    At a terminal, progress is shown on stderr while files are read and feedback is written."""
    from fgc_collect import report
    from fgc_collect.pipeline import find_returns, read_files, reconcile_levels, validate_outcomes
    from fgc_collect.progress import Progress

    passwords = None
    if password_file is not None:
        from fgc_collect.read.crypto import PasswordFileError, load_password_file

        try:
            passwords = load_password_file(password_file)
        except PasswordFileError as problem:
            raise UserError(str(problem)) from None
    key = load_key_file(key_file) if key_file is not None else None
    year = checked_year(year)
    if feedback is not None:
        _survey_contact()  # a broken survey file is one sentence before any work, not after it
    files = find_returns(paths)
    if not files:
        raise UserError("no returns (.xlsx, .xlsm, .xls, .ods or child-level .csv) were found in "
                        + ", ".join(str(p) for p in paths) + ".")
    progress = Progress(enabled=output_format != "json")
    outcomes = read_files(files, passwords, la_code, key, progress=progress, year=year)
    results = validate_outcomes(outcomes, engine, progress=progress)
    progress.clear()
    # An LA that sent both levels: information for the coordinator, never a status or exit code.
    reconciliations = reconcile_levels(ret for ret, _ in outcomes)
    written_reconciliations = []
    if feedback is not None and reconciliations:
        from fgc_collect.child.reconcile import write_reconciliations

        written_reconciliations = write_reconciliations(reconciliations, feedback)
    if output_format == "json":
        echo_json(report.results_json(results, reconciliations))
    else:
        # An unreadable file's sentence goes to stderr once (below), not here as well.
        echo(report.results_text(results, only_problems=quiet, reasons=False))
        if reconciliations and not quiet:
            echo("\n" + report.reconciliations_text(reconciliations, written_reconciliations))
    if feedback is not None:
        from fgc_collect.feedback import write_feedback
        from fgc_collect.read import AggregateReturn

        returns = {ret.file: ret for ret, _ in outcomes if isinstance(ret, AggregateReturn)}
        from fgc_collect.child.reconcile import files_by_la

        written = write_feedback(results, feedback, returns=returns, passwords=passwords, unencrypted=feedback_unencrypted,
                                 reconciliations=files_by_la(reconciliations, written_reconciliations), progress=progress)
        progress.clear()
        echo(f"Feedback: {len(written)} files in {feedback} (open {feedback / 'index.html'})"
             + (f", and {len(written_reconciliations)} reconciliation"
                f"{'s' if len(written_reconciliations) != 1 else ''} (CSV)." if written_reconciliations else "."),
             err=output_format == "json")  # stdout stays one JSON document
    for result in results:
        if result.unreadable:
            echo(f"fgc-collect: {result.issues[0].message}", err=True)
    sys.exit(report.exit_code(results))


def _survey_contact():
    """The research team's contact from the survey file (checked by --survey before any command runs)."""
    from fgc_collect.survey import current_survey

    return current_survey().contact


@cli.command()
@click.option("--key-file", "key_file", type=click.Path(path_type=Path), required=True,
              help="Where to write the new key (it is never overwritten).")
def keygen(key_file: Path) -> None:
    """Make the research team's key for pseudonymising child-level returns."""
    from fgc_collect.child import KeyFileError, keygen as make_key

    try:
        make_key(key_file)
    except KeyFileError as problem:
        raise UserError(str(problem)) from None
    click.echo(f"Wrote a new key to {key_file} (readable by you only). Keep it safe: the same key links children across returns and years.")


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@year_option("The collection year whose rules to list (default: the survey file's year, else the latest).")
def rules(output_format: str, year: str | None) -> None:
    """Print the catalogue of validation rules of a year."""
    from fgc_collect.survey import spec_for
    from fgc_collect.validate import render_catalogue

    echo(render_catalogue(output_format, spec_for(checked_year(year))), nl=not output_format == "markdown")


@cli.command()
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("demo-out"), show_default=True,
              help="Folder for the synthetic returns and everything made from them.")
def demo(out: Path) -> None:
    """Run the whole pipeline on built-in synthetic returns for all 153 LAs."""
    from fgc_collect.demo import run_demo
    from fgc_collect.progress import Progress

    with Progress() as progress:  # at a terminal only; each line printed wipes it first
        code = run_demo(out, echo=lambda text: (progress.clear(), echo(text)), progress=progress)
    sys.exit(code)


for _module in STAGE_COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        cli.add_command(_command)


def _leaf_commands(group: click.Group):
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _leaf_commands(command)
        else:
            yield command


for _command in _leaf_commands(cli):  # --survey FILE on every command (docs/cli-contract.md)
    survey_option(_command)


def _wipe_progress() -> None:
    """A progress line still on screen goes before the last sentence (fgc_collect.progress)."""
    progress = sys.modules.get("fgc_collect.progress")
    if progress is not None:
        progress.wipe()


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        _wipe_progress()
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        _wipe_progress()
        echo("fgc-collect: stopped.", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _wipe_progress()
        echo("fgc-collect: stopped.", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as error:  # noqa: BLE001 - users get a sentence, not a traceback
        _wipe_progress()
        echo(f"fgc-collect: internal error ({type(error).__name__}: {error}); please report it with the command you ran.", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
