"""The register's commands: ingest, status, accept, reject, history, verify. Imports click only;
each command imports what it needs (start-up stays fast)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fgc_collect.clikit import UserError, echo, echo_json, format_option, load_key_file, store_option


def _open(store: str, create: bool):
    from fgc_collect.register import Register, StoreError

    try:
        return Register.open(store, create=create)
    except StoreError as error:
        raise UserError(str(error)) from None


def _contacts(path: Path | None) -> list:
    """The contacts file's rows, or one sentence saying what is wrong with it."""
    if path is None:
        return []
    from fgc_collect.register.senders import ContactsError, read_contacts

    try:
        return read_contacts(path)
    except ContactsError as problem:
        raise UserError(str(problem)) from None


_contacts_option = click.option(
    "--contacts", "contacts_file", type=click.Path(path_type=Path), default=None,
    help="The research team's contacts: CSV of la_code,name,email. Remembered in the register: the LAs' known "
         "senders (a return emailed from anyone else is held for you to confirm), and whom the chaser list writes to.")


def _checked_year(ctx, param, value: str | None) -> str | None:
    """A collection year as YYYY-YY (2024-25), else one sentence (exit 2)."""
    if value is None:
        return None
    from fgc_collect.spec.overlay import SpecChangeError, next_year

    text = value.strip()
    try:
        first = int(next_year(text)[:4]) - 1
    except SpecChangeError as problem:
        raise UserError(str(problem)) from None
    if f"{first}-{(first + 1) % 100:02d}" != text:
        raise UserError(f"{value!r} is not a collection year: the second part is the year after the first (such as 2024-25).")
    return text


def _year_option(help_text: str):
    return click.option("--year", "year", metavar="YYYY-YY", callback=_checked_year, help=help_text)


_register_year = _year_option("The collection year (default: the latest year the register holds).")


def _find_la(text: str):
    from fgc_collect.reference import find_la, find_la_by_name

    la = find_la(text) or find_la_by_name(text)
    if la is None:
        raise UserError(
            f"{text!r} is not the code or name of one of England's 153 local authorities "
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
@_contacts_option
@click.option("--quiet", "-q", is_flag=True, help="Only the files with problems, then the summary line.")
@_year_option("The collection year of files that do not name their own (a CSV, say); a return made from a "
              "template is that template's year.")
def ingest(paths: tuple[Path, ...], store: str, la_code: str | None, by: str | None, key_file: Path | None,
           contacts_file: Path | None, quiet: bool, year: str | None) -> None:
    """Take returns into the register: files, folders, saved emails (.eml, .msg) and zips.

    Each spreadsheet is tied to its LA, validated and stored as the LA's next version of its
    collection year (a 2024-25 return is version 1 of the LA's 2024-25 return, and is compared with
    the LA's accepted 2023-24 return: FGC205); the same file twice is stored once. What cannot be read or tied to an LA is kept in quarantine with
    the reason (exit code 2; files already in quarantine are listed but no new failure): see
    fgc-collect quarantine. A child-level return (one row per child) is stored as its
    pseudonymised rows, never as the file: it needs --key-file, and without it (or when it cannot
    be read) it is refused and only its fingerprint, size and name are kept (exit code 2).
    Symbolic links are never followed."""
    from fgc_collect.progress import Progress
    from fgc_collect.register.ingest import IngestError, format_ingest, ingest_paths
    from fgc_collect.register import StoreError

    la = _find_la(la_code) if la_code else None
    key = load_key_file(key_file) if key_file is not None else None
    contacts = _contacts(contacts_file)
    register = _open(store, create=True)
    try:
        register.add_contacts(contacts, by=by)
        with Progress() as progress:  # at a terminal only
            report = ingest_paths(register, paths, la=la, by=by, key=key, progress=progress, year=year)
    except (IngestError, StoreError) as error:
        raise UserError(str(error)) from None
    finally:
        register.close()
    echo(format_ingest(report, quiet=quiet))
    for kind, sentence in (
        ("quarantined", "could not be read as a return or tied to one LA; kept in quarantine (see fgc-collect quarantine)"),
        ("refused", "refused; only {their} fingerprint{s}, size{s} and name{s} were kept (see fgc-collect quarantine)"),
        ("not read", "could not be read; nothing of {them} was recorded"),
    ):
        count = len(report.of_kind(kind))
        if count:
            words = {"s": "s" if count != 1 else "", "their": "their" if count != 1 else "its", "them": "them" if count != 1 else "it"}
            echo(f"fgc-collect: {count} file{words['s']} " + sentence.format(**words) + ".", err=True)
    held = len([o for o in report.outcomes if o.held])
    if held:
        echo(
            f"fgc-collect: {held} return{'s' if held != 1 else ''} emailed from an address not known for {'their' if held != 1 else 'its'} LA "
            f"{'are' if held != 1 else 'is'} held for you to confirm (see fgc-collect status).", err=True,
        )
    sys.exit(report.exit_code)


@click.command()
@store_option
@format_option
@click.option("--chasers", "chasers", type=click.Path(path_type=Path, allow_dash=True),
              help="Also write the LAs to chase (not received, errors, rejected) as CSV for a mail merge; - for stdout.")
@_contacts_option
@_register_year
def status(store: str, output_format: str, chasers: Path | None, contacts_file: Path | None, year: str | None) -> None:
    """Where every LA stands in a collection year: not received, errors, warnings, valid, accepted
    or rejected."""
    from fgc_collect.register import StoreError
    from fgc_collect.register.status import chaser_csv, chaser_rows, format_status, problems_in_words, status_json

    contacts = _contacts(contacts_file)
    with _open(store, create=False) as register:
        try:
            register.add_contacts(contacts)
        except StoreError as error:
            raise UserError(str(error)) from None
        year = register.year(year)
        rows = register.status(year=year)
        quarantine = register.quarantine()
        label = register.label
        years = register.years()
        if chasers is not None:
            versions = {(version.la_code, version.version_no): version for version in register.versions(year=year)}
            problems = {row.la_code: problems_in_words(register.issues(versions[row.la_code, row.latest_version].id))
                        for row in chaser_rows(rows) if row.latest_version is not None}
    if chasers is not None:
        text = chaser_csv(rows, problems)
        if str(chasers) == "-":
            echo(text, nl=False)
            return
        try:
            chasers.parent.mkdir(parents=True, exist_ok=True)
            chasers.write_text(text, encoding="utf-8-sig", newline="")  # a BOM: Excel and Word read it as UTF-8
        except OSError as error:
            raise UserError(f"the chaser list could not be written to {chasers} ({error.strerror or error}).") from None
    if output_format == "json":
        echo_json(status_json(label, rows, quarantine, year))
    else:
        echo(format_status(rows, quarantine, label, year, years))
        if chasers is not None:
            echo(f"Chaser list ({sum(1 for _ in text.splitlines()) - 1} LAs) written to {chasers}.")


def _decide(decision: str, la_text: str, store: str, version: int | None, note: str, by: str | None,
            despite_errors: bool = False, year: str | None = None) -> None:
    from fgc_collect.register import DecisionError
    from fgc_collect.register.core import AlreadyDecided

    la = _find_la(la_text)
    with _open(store, create=False) as register:
        year = register.year(year)
        held = {held.version_no: held.sender for held in register.standing(la.code, year=year).held}
        several = len(register.years()) > 1
        try:
            made = register.decide(la.code, decision, note, by=by, version_no=version, allow_errors=despite_errors, year=year)
        except AlreadyDecided as done:
            echo(str(done)[:1].upper() + str(done)[1:])
            return
        except DecisionError as error:
            raise UserError(str(error)) from None
    verb = "Accepted" if decision == "accept" else "Rejected"
    confirmed = (f" {held[made.version_no]} is now a known sender for {la.name}."
                 if decision == "accept" and made.version_no in held and held[made.version_no] else "")
    of_year = f" for {year}" if several else ""  # a register of one year says nothing new
    echo(f"{verb} version {made.version_no} of {la.name} ({la.code}){of_year}; recorded {made.decided_at} by {made.decided_by}.{confirmed}")


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
@_register_year
def accept(la_code: str, store: str, version: int | None, note: str, by: str | None, despite_errors: bool,
           year: str | None) -> None:
    """Accept an LA's return (its latest version by default): it feeds the published tables."""
    _decide("accept", la_code, store, version, note, by, despite_errors, year)


@click.command()
@click.argument("la_code", metavar="LA_CODE")
@store_option
@_version_option
@_note_option
@_by_option
@_register_year
def reject(la_code: str, store: str, version: int | None, note: str, by: str | None, year: str | None) -> None:
    """Reject an LA's return (its latest version by default): the council must resend."""
    _decide("reject", la_code, store, version, note, by, year=year)


@click.command()
@click.argument("la_code", metavar="LA_CODE")
@store_option
@format_option
@_register_year
def history(la_code: str, store: str, output_format: str, year: str | None) -> None:
    """Every version of an LA's return in a collection year, what changed between them, and the decisions."""
    from fgc_collect.register.history import format_history, history_json, la_history, other_years

    la = _find_la(la_code)
    with _open(store, create=False) as register:
        year = register.year(year)
        entries = la_history(register, la, year)
        row = next(row for row in register.status(year=year) if row.la_code == la.code)
        others = other_years(register, la, year)
    if output_format == "json":
        echo_json(history_json(la, entries, row, year, others))
    else:
        echo(format_history(la, entries, row, year, others))
    damaged = [entry.problem for entry in entries if entry.problem]
    if damaged:
        raise UserError(damaged[0] + (f" ({len(damaged) - 1} more such: run fgc-collect verify)" if len(damaged) > 1 else ""))


@click.command()
@store_option
def verify(store: str) -> None:
    """Check the register: every stored file against its SHA-256 fingerprint, and the audit log's
    hash chain. Exit 0 when all is well; 1 with each problem named."""
    with _open(store, create=False) as register:
        problems = register.verify()
        files = register.stored_files()
        decisions, head = register.chain_head()
        label = register.label
    if problems:
        for problem in problems:
            echo(problem[:1].upper() + problem[1:])
        echo(f"fgc-collect: the register at {label} failed its check ({len(problems)} "
                   f"problem{'s' if len(problems) != 1 else ''}); do not publish from it until it is restored.", err=True)
        sys.exit(1)
    echo(f"Register {label}: all {files} stored file{'s' if files != 1 else ''} match their fingerprints; "
               f"the audit log's {decisions} decision{'s are' if decisions != 1 else ' is'} intact (latest entry's hash {head}).")


COMMANDS = [ingest, status, accept, reject, history, verify]
