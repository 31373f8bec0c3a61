"""The register's commands: ingest, status, accept, reject, history. Imports click only; each
command imports what it needs (start-up stays fast)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fgc_collect.clikit import UserError, format_option, load_key_file, store_option


def _open(store: str, create: bool):
    from fgc_collect.register import Register, StoreError

    try:
        return Register.open(store, create=create)
    except StoreError as error:
        raise UserError(str(error)) from None


def _find_la(text: str):
    from fgc_collect.reference import find_la, find_la_by_name

    la = find_la(text) or find_la_by_name(text)
    if la is None:
        raise UserError(
            f"{text!r} is not the code or name of a local authority in 2023-24 "
            "(give a 9-character code such as E06000047, a 3-digit code such as 840, or the name)."
        )
    return la


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option("--la", "la_code", metavar="CODE", help="Tie every spreadsheet given to this LA (when you know whose it is).")
@click.option("--by", "by", metavar="NAME", help="Who is ingesting, for the record (default: your user name).")
@click.option("--key-file", "key_file", type=click.Path(path_type=Path), default=None,
              help="The research team's pseudonymisation key: needed to take in child-level returns.")
@click.option("--quiet", "-q", is_flag=True, help="Only the files with problems, then the summary line.")
def ingest(paths: tuple[Path, ...], store: str, la_code: str | None, by: str | None, key_file: Path | None,
           quiet: bool) -> None:
    """Take returns into the register: files, folders, saved emails (.eml, .msg) and zips.

    Each spreadsheet is tied to its LA, validated and stored as the LA's next version; the same
    file twice is stored once. What cannot be read or tied to an LA is kept in quarantine with
    the reason (exit code 2). A child-level return (one row per child) is stored as its
    pseudonymised rows, never as the file: it needs --key-file, and without it (or when it cannot
    be read) it is refused and nothing of it is kept (exit code 2)."""
    from fgc_collect.progress import Progress
    from fgc_collect.register.ingest import IngestError, format_ingest, ingest_paths
    from fgc_collect.register import StoreError

    la = _find_la(la_code) if la_code else None
    key = load_key_file(key_file) if key_file is not None else None
    register = _open(store, create=True)
    try:
        with Progress() as progress:  # at a terminal only
            report = ingest_paths(register, paths, la=la, by=by, key=key, progress=progress)
    except (IngestError, StoreError) as error:
        raise UserError(str(error)) from None
    finally:
        register.close()
    click.echo(format_ingest(report, quiet=quiet))
    quarantined = len([o for o in report.outcomes if o.kind in ("quarantined", "already in quarantine")])
    if quarantined:
        click.echo(
            f"fgc-collect: {quarantined} file{'s' if quarantined != 1 else ''} could not be read as a return or tied to one LA; "
            "kept in quarantine (see fgc-collect status).", err=True,
        )
    refused = len([o for o in report.outcomes if o.kind == "refused"])
    if refused:
        click.echo(
            f"fgc-collect: {refused} child-level file{'s' if refused != 1 else ''} refused; nothing of "
            f"{'them' if refused != 1 else 'it'} was stored.", err=True,
        )
    sys.exit(report.exit_code)


@click.command()
@store_option
@format_option
@click.option("--chasers", "chasers", type=click.Path(path_type=Path, allow_dash=True),
              help="Also write the LAs to chase (not received, errors, rejected) as CSV for a mail merge; - for stdout.")
def status(store: str, output_format: str, chasers: Path | None) -> None:
    """Where every LA stands: not received, errors, warnings, valid, accepted or rejected."""
    from fgc_collect.register.status import chaser_csv, format_status, status_json

    with _open(store, create=False) as register:
        rows = register.status()
        quarantine = register.quarantine()
        label = register.label
    if chasers is not None:
        text = chaser_csv(rows)
        if str(chasers) == "-":
            click.echo(text, nl=False)
            return
        try:
            chasers.parent.mkdir(parents=True, exist_ok=True)
            chasers.write_text(text, encoding="utf-8-sig")  # with a BOM: Excel and Word read it as UTF-8
        except OSError as error:
            raise UserError(f"the chaser list could not be written to {chasers} ({error.strerror or error}).") from None
    if output_format == "json":
        click.echo(json.dumps(status_json(label, rows, quarantine), indent=2, ensure_ascii=False))
    else:
        click.echo(format_status(rows, quarantine, label))
        if chasers is not None:
            click.echo(f"Chaser list ({sum(1 for _ in text.splitlines()) - 1} LAs) written to {chasers}.")


def _decide(decision: str, la_text: str, store: str, version: int | None, note: str, by: str | None, despite_errors: bool = False) -> None:
    from fgc_collect.register import DecisionError

    la = _find_la(la_text)
    with _open(store, create=False) as register:
        try:
            made = register.decide(la.code, decision, note, by=by, version_no=version, allow_errors=despite_errors)
        except DecisionError as error:
            raise UserError(str(error)) from None
    verb = "Accepted" if decision == "accept" else "Rejected"
    click.echo(f"{verb} version {made.version_no} of {la.name} ({la.code}); recorded {made.decided_at} by {made.decided_by}.")


_version_option = click.option("--version", "version", type=click.IntRange(min=1), help="Which version (default: the latest).")
_note_option = click.option("--note", "note", required=True, help="Why: kept in the audit log.")
_by_option = click.option("--by", "by", metavar="NAME", help="Who decides (default: your user name).")


@click.command()
@click.argument("la_code", metavar="LA_CODE")
@store_option
@_version_option
@_note_option
@_by_option
@click.option("--despite-errors", is_flag=True, help="Accept a version that has errors (the research team agreed to use it).")
def accept(la_code: str, store: str, version: int | None, note: str, by: str | None, despite_errors: bool) -> None:
    """Accept an LA's return (its latest version by default): it feeds the published tables."""
    _decide("accept", la_code, store, version, note, by, despite_errors)


@click.command()
@click.argument("la_code", metavar="LA_CODE")
@store_option
@_version_option
@_note_option
@_by_option
def reject(la_code: str, store: str, version: int | None, note: str, by: str | None) -> None:
    """Reject an LA's return (its latest version by default): the council must resend."""
    _decide("reject", la_code, store, version, note, by)


@click.command()
@click.argument("la_code", metavar="LA_CODE")
@store_option
@format_option
def history(la_code: str, store: str, output_format: str) -> None:
    """Every version of an LA's return, what changed between them, and the decisions."""
    from fgc_collect.register.history import format_history, history_json, la_history

    la = _find_la(la_code)
    with _open(store, create=False) as register:
        entries = la_history(register, la)
        state = next(row.state for row in register.status() if row.la_code == la.code)
    if output_format == "json":
        click.echo(json.dumps(history_json(la, entries, state), indent=2, ensure_ascii=False))
    else:
        click.echo(format_history(la, entries, state))


COMMANDS = [ingest, status, accept, reject, history]
