"""The quarantine: files that arrived but were not taken in as an LA's return, each with the
reason, until the coordinator resolves it (takes it with `ingest --la CODE FILE`, or drops it with
a note). Two kinds of entry: a file kept whole (table `quarantine`, its bytes in the blob store)
and a file kept by its fingerprint only (table `withheld_files`: SHA-256, size, name, reason),
because it may hold children's identifiers and could not be pseudonymised. The register is
append-only: a resolution is a row of its own (`quarantine_resolutions`); nothing is deleted.

`fgc-collect quarantine` lists what is outstanding; `fgc-collect quarantine drop FILE --note TEXT`
resolves an entry. Light to import: click only (the commands' start-up stays fast)."""

from __future__ import annotations

from pathlib import Path

import click

from fgc_collect.clikit import UserError, echo, echo_json, format_option, store_option
from fgc_collect.register.records import QuarantineEntry, Resolution

TAKEN, DROPPED = "taken", "dropped"
MIN_PREFIX = 6  # hex digits of a fingerprint the coordinator must give to name a file by it


# --------------------------------------------------------------------------- queries


def entries(register, include_resolved: bool = False) -> list[QuarantineEntry]:
    """The files in quarantine, oldest first: those not yet resolved, or all of them."""
    rows = register.db.query(
        "SELECT q.sha256, q.file_name, q.source, q.sender, q.received_at, q.ingested_at, q.reason, "
        "1 AS kept, b.size AS size, q.id AS row_id FROM quarantine q JOIN blobs b ON b.sha256 = q.sha256 "
        "UNION ALL "
        "SELECT sha256, file_name, source, sender, received_at, ingested_at, reason, 0, size, id FROM withheld_files "
        "ORDER BY ingested_at, kept DESC, row_id"
    )
    resolved = resolutions(register)
    found = []
    for row in rows:
        row.pop("row_id")
        resolution = resolved.get(row["sha256"])
        if resolution is None or include_resolved:
            found.append(QuarantineEntry(**{**row, "kept": bool(row["kept"])}, resolution=resolution))
    return found


def resolutions(register, sha256: str | None = None) -> dict[str, Resolution]:
    """SHA-256 -> how that quarantined file was resolved (the first resolution recorded); for one
    file only with `sha256`."""
    rows = register.db.query(
        "SELECT r.sha256, r.resolution, r.note, r.resolved_by, r.resolved_at, v.la_code, v.version_no "
        "FROM quarantine_resolutions r LEFT JOIN versions v ON v.id = r.version_id"
        + (" WHERE r.sha256 = ?" if sha256 is not None else "") + " ORDER BY r.id",
        (sha256,) if sha256 is not None else (),
    )
    found: dict[str, Resolution] = {}
    for row in rows:
        found.setdefault(row.pop("sha256"), Resolution(**row))
    return found


def is_outstanding(register, sha256: str) -> bool:
    """Whether a file is in quarantine and not yet resolved."""
    held = register.db.scalar(
        "SELECT 1 FROM quarantine WHERE sha256 = ? UNION ALL SELECT 1 FROM withheld_files WHERE sha256 = ?",
        (sha256, sha256),
    )
    return held is not None and not resolutions(register, sha256)


def matching(register, text: str) -> list[QuarantineEntry]:
    """Every entry (resolved or not) the coordinator may mean by `text`, most exact first: a file
    on disk with the same bytes, where it came from, the file's name as sent, the start of its
    fingerprint (SHA-256)."""
    wanted = text.strip()
    name = Path(wanted.replace("\\", "/")).name
    hexed = wanted.lower()
    prefix = hexed if len(hexed) >= MIN_PREFIX and all(ch in "0123456789abcdef" for ch in hexed) else None
    on_disk = _fingerprint_of(Path(wanted))
    held = entries(register, include_resolved=True)
    for test in (
        lambda entry: entry.sha256 == on_disk,
        lambda entry: entry.source == wanted,
        lambda entry: name in (entry.file_name, entry.source.rsplit(" > ", 1)[-1]),  # a part refused in a zip too
        lambda entry: prefix is not None and entry.sha256.startswith(prefix),
    ):
        found = [entry for entry in held if test(entry)]
        if found:
            return found
    return []


def _fingerprint_of(path: Path) -> str | None:
    from fgc_collect.read.workbook import sha256_of

    try:
        if path.is_symlink() or not path.is_file():
            return None
        return sha256_of(path)
    except OSError:
        return None


# --------------------------------------------------------------------------- appending


def record_withheld(
    register, sha256: str, size: int, file_name: str, source: str, reason: str, sender: str | None,
    received_at: str, by: str, now: str | None = None,
) -> bool:
    """Record a file refused by its fingerprint, size and name only (its bytes are never stored).
    False if it was already recorded with the same reason."""
    from fgc_collect.register.core import now_iso

    with register.db.write() as db:
        if db.scalar("SELECT 1 FROM withheld_files WHERE sha256 = ? AND reason = ?", (sha256, reason)) is not None:
            return False
        db.execute(
            "INSERT INTO withheld_files (sha256, size, file_name, source, sender, received_at, ingested_at, "
            "ingested_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sha256, size, file_name, source, sender, received_at, now or now_iso(), by, reason),
        )
    return True


def resolve(
    register, sha256: str, resolution: str, note: str, by: str, version_id: int | None = None, now: str | None = None,
) -> bool:
    """Record that a quarantined file was taken in (as `version_id`) or dropped. False, and
    nothing recorded, if it is not in quarantine or was resolved already."""
    from fgc_collect.register.core import now_iso

    if resolution not in (TAKEN, DROPPED):
        raise ValueError(f"resolution must be {TAKEN} or {DROPPED}, not {resolution!r}")
    with register.db.write() as db:
        held = db.scalar(
            "SELECT 1 FROM quarantine WHERE sha256 = ? UNION ALL SELECT 1 FROM withheld_files WHERE sha256 = ?",
            (sha256, sha256),
        )
        done = db.scalar("SELECT 1 FROM quarantine_resolutions WHERE sha256 = ?", (sha256,))
        if held is None or done is not None:
            return False
        db.execute(
            "INSERT INTO quarantine_resolutions (sha256, resolution, version_id, note, resolved_by, resolved_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (sha256, resolution, version_id, note, by, now or now_iso()),
        )
    return True


# --------------------------------------------------------------------------- showing


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def resolution_text(resolution: Resolution) -> str:
    """"taken in as version 2 of E06000047 on ... by amy" or "dropped on ... by amy: note"."""
    if resolution.resolution == TAKEN:
        return f"taken in as version {resolution.version_no} of {resolution.la_code} on {resolution.resolved_at} by {resolution.resolved_by}"
    return f"dropped on {resolution.resolved_at} by {resolution.resolved_by}: {resolution.note}"


def format_quarantine(found: list[QuarantineEntry], store: str, include_resolved: bool = False) -> str:
    """One block per file: name, fingerprint, when it was received, where from, the reason."""
    outstanding = [entry for entry in found if entry.resolution is None]
    lines = [f"{_plural(len(outstanding), 'file')} in quarantine in {store} (not taken in as an LA's return)"
             + (f"; {len(found) - len(outstanding)} resolved." if include_resolved else ".")]
    for entry in found:
        kept = "" if entry.kept else " (fingerprint only: it may hold children's identifiers)"
        lines.append("")
        lines.append(f"{entry.file_name}  [{entry.sha256[:12]}]  received {entry.received_at}{kept}")
        if entry.source != entry.file_name:
            lines.append(f"  from {entry.source}" + (f" ({entry.sender})" if entry.sender else ""))
        lines.append(f"  {entry.reason}")
        if entry.resolution is not None:
            lines.append(f"  Resolved: {resolution_text(entry.resolution)}.")
    if outstanding:
        lines.append("")
        lines.append("Take a file in with `fgc-collect ingest --la CODE FILE` once you know whose it is, or drop it with "
                     "`fgc-collect quarantine drop FILE --note TEXT` (FILE: its name or fingerprint).")
    return "\n".join(lines)


def quarantine_json(store: str, found: list[QuarantineEntry]) -> dict:
    return {"store": store, "quarantine": [entry.to_json() for entry in found]}


# --------------------------------------------------------------------------- commands


def _open(store: str):
    from fgc_collect.register import Register, StoreError

    try:
        return Register.open(store, create=False)
    except StoreError as error:
        raise UserError(str(error)) from None


@click.group(invoke_without_command=True)
@store_option
@format_option
@click.option("--all", "include_resolved", is_flag=True, help="Also list the files already taken in or dropped, and how.")
@click.pass_context
def quarantine(ctx: click.Context, store: str, output_format: str, include_resolved: bool) -> None:
    """The files held without an LA: what arrived but was not taken in as a return, and why."""
    ctx.obj = {"store": store}
    if ctx.invoked_subcommand is not None:
        return
    with _open(store) as register:
        found = entries(register, include_resolved)
        label = register.label
    if output_format == "json":
        echo_json(quarantine_json(label, found))
    else:
        echo(format_quarantine(found, label, include_resolved))


@quarantine.command()
@click.argument("file", metavar="FILE")
@store_option
@click.option("--note", "note", required=True, help="Why it is dropped: kept in the register.")
@click.option("--by", "by", metavar="NAME", help="Who drops it (default: your user name).")
@click.pass_context
def drop(ctx: click.Context, file: str, store: str, note: str, by: str | None) -> None:
    """Resolve a file in quarantine without taking it in (FILE: its name, the file, or its fingerprint's start)."""
    from fgc_collect.register.core import current_user

    if ctx.get_parameter_source("store") == click.core.ParameterSource.DEFAULT and ctx.obj:
        store = ctx.obj["store"]  # given before `drop`: fgc-collect quarantine --store S drop FILE
    if not note.strip():
        raise UserError("give a note saying why the file is dropped (--note), for the register.")
    with _open(store) as register:
        found = matching(register, file)
        files = {entry.sha256: entry for entry in found}
        open_files = {sha: entry for sha, entry in files.items() if entry.resolution is None}
        if not files:
            raise UserError(f"no file in quarantine is called {file!r} or has a fingerprint starting so; "
                            "`fgc-collect quarantine` lists them.")
        if len(open_files) > 1:
            listed = "; ".join(f"{entry.sha256[:12]} {entry.source}" for entry in open_files.values())
            raise UserError(f"{file!r} matches {len(open_files)} files in quarantine ({listed}); give the fingerprint of one.")
        if not open_files:
            (entry,) = list(files.values())[:1]
            echo(f"{entry.file_name} [{entry.sha256[:12]}] is no longer in quarantine: {resolution_text(entry.resolution)}; "
                       "nothing recorded.")
            return
        (entry,) = open_files.values()
        resolve(register, entry.sha256, DROPPED, note.strip(), by or current_user())
        done = resolutions(register, entry.sha256)[entry.sha256]
    echo(f"Dropped {entry.file_name} [{entry.sha256[:12]}] from quarantine; recorded {done.resolved_at} by {done.resolved_by}.")


COMMANDS = [quarantine]
