"""What every command module shares: the error that ends a command with one sentence and exit 2,
the options several commands take, and `echo`/`echo_json`, through which every command prints
(so no control character a council wrote reaches the terminal, see fgc_collect.text). Imports
click only (start-up must stay fast)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from fgc_collect.text import printable_json, printable_lines

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
DEFAULT_STORE = "fgc-store"


class UserError(click.ClickException):
    """A problem the user can fix: one sentence on stderr, exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        echo(f"fgc-collect: {self.format_message()}", err=True)


def echo(text: object = "", err: bool = False, nl: bool = True) -> None:
    """click.echo for every line fgc-collect prints: what a council wrote (cell text, file,
    member and attachment names, senders) may hold control characters; they are shown as '?'."""
    click.echo(printable_lines(text), err=err, nl=nl)


def echo_json(document: object) -> None:
    """A JSON document on stdout, its strings made printable as echo's (JSON consumers print them)."""
    click.echo(json.dumps(printable_json(document), indent=2, ensure_ascii=False, default=str))


def load_key_file(key_file: Path) -> bytes:
    """The research team's pseudonymisation key, or one sentence saying what is wrong with the file."""
    from fgc_collect.child import KeyFileError, load_key

    try:
        return load_key(key_file)
    except KeyFileError as problem:
        raise UserError(str(problem)) from None


def default_store() -> str:
    return os.environ.get("FGC_COLLECT_STORE") or DEFAULT_STORE


store_option = click.option(
    "--store",
    default=default_store,
    show_default="$FGC_COLLECT_STORE, else ./fgc-store",
    help="The returns register: a folder (SQLite) or a postgresql:// URL.",
)

format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)

out_option = click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Output folder.")
