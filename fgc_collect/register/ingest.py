"""`fgc-collect ingest`: files, folders, saved emails and zips into the register.

Each spreadsheet that arrived is read, tied to its LA (the template's metadata, A2 and A1 must
agree), validated against the LA's earlier versions (FGC204) and the other LAs' latest returns
(FGC201, FGC202), and stored as the LA's next version. The same bytes twice are stored once.
Whatever cannot be read or tied to one LA goes to the quarantine with the reason: never dropped.

From a notebook:

    from fgc_collect.register import Register, ingest_paths, format_ingest
    with Register.open("fgc-store") as register:
        print(format_ingest(ingest_paths(register, ["inbox/"])))
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fgc_collect.register.core import NewVersion, Register, safe_file_name, current_user, now_iso
from fgc_collect.register.snapshot import snapshot_of
from fgc_collect.register.unpack import Arrival, unpack_paths

NEW_VERSION = "new version"
ALREADY_HELD = "already held"
QUARANTINED = "quarantined"
ALREADY_QUARANTINED = "already in quarantine"
SKIPPED = "skipped"
REFUSED = "refused"  # a child-level file that cannot be pseudonymised: nothing of it is stored
NO_KEY = "child-level file: give --key-file to pseudonymise it"
MAX_REVALIDATIONS = 5  # another process kept adding versions for the same LA: record anyway


class IngestError(Exception):
    """Nothing was ingested; the message is one plain sentence."""


@dataclass(frozen=True)
class Outcome:
    source: str
    kind: str  # new version | already held | quarantined | already in quarantine | skipped | refused
    la_code: str | None = None
    la_name: str | None = None
    version_no: int | None = None
    validation: str | None = None
    errors: int = 0
    warnings: int = 0
    reason: str | None = None

    @property
    def has_problem(self) -> bool:
        """Not taken (quarantined, refused), or taken with errors or warnings to raise."""
        if self.kind == NEW_VERSION:
            return self.validation not in (None, "valid")
        return self.kind not in (ALREADY_HELD, SKIPPED)

    def line(self) -> str:
        if self.kind == NEW_VERSION:
            counts = ", ".join(
                f"{count} {word}{'s' if count != 1 else ''}"
                for count, word in ((self.errors, "error"), (self.warnings, "warning")) if count
            )
            return f"{self.source}: {self.la_name} ({self.la_code}) version {self.version_no}: {self.validation}" + (f" ({counts})" if counts else "")
        if self.kind == ALREADY_HELD and self.version_no is None:
            return f"{self.source}: {self.reason}; kept once."
        if self.kind == ALREADY_HELD:
            return f"{self.source}: already held as version {self.version_no} of {self.la_name}; nothing to do."
        if self.kind == QUARANTINED:
            return f"{self.source}: QUARANTINED: {self.reason}"
        if self.kind == REFUSED:
            return f"{self.source}: REFUSED: {self.reason}; nothing of it was stored."
        if self.kind == ALREADY_QUARANTINED:
            return f"{self.source}: already in quarantine: {self.reason}"
        return f"{self.source}: skipped ({self.reason})."


@dataclass
class IngestReport:
    store: str
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files in folders that are not returns or emails

    def of_kind(self, kind: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.kind == kind]

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read as a return (it is in quarantine, or refused), as for validate."""
        return 2 if self.of_kind(QUARANTINED) or self.of_kind(ALREADY_QUARANTINED) or self.of_kind(REFUSED) else 0


def format_ingest(report: IngestReport, quiet: bool = False) -> str:
    """A line per file, then the counts; quiet: only the files with a problem, then the counts."""
    lines = [outcome.line() for outcome in report.outcomes if not quiet or outcome.has_problem]
    if report.ignored and not quiet:
        lines.append(f"Ignored {len(report.ignored)} file{'s' if len(report.ignored) != 1 else ''} in folders that are neither spreadsheets nor emails: "
                     + ", ".join(Path(name).name for name in report.ignored[:5]) + (" ..." if len(report.ignored) > 5 else ""))
    counts = {kind: len(report.of_kind(kind)) for kind in (NEW_VERSION, ALREADY_HELD, QUARANTINED, ALREADY_QUARANTINED, SKIPPED, REFUSED)}
    files = sum(counts[kind] for kind in (NEW_VERSION, ALREADY_HELD, QUARANTINED, ALREADY_QUARANTINED, REFUSED))
    lines.append(
        f"{files} file{'s' if files != 1 else ''} into {report.store}: {counts[NEW_VERSION]} new version{'s' if counts[NEW_VERSION] != 1 else ''}, "
        f"{counts[ALREADY_HELD]} already held, {counts[QUARANTINED]} quarantined"
        + (f" ({counts[ALREADY_QUARANTINED]} more already in quarantine)" if counts[ALREADY_QUARANTINED] else "")
        + (f", {counts[REFUSED]} refused" if counts[REFUSED] else "")
        + (f"; {counts[SKIPPED]} email part{'s' if counts[SKIPPED] != 1 else ''} skipped (images in the text, signatures)"
           if counts[SKIPPED] else "") + "."
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- identifying


def identify(ret, la_override=None):
    """(LocalAuthority, None) when the file says which LA it is from, else (None, reason).

    The evidence: the LA the template was prefilled for (its metadata), the code in A2 and the
    name in A1. Every piece that names an LA must name the same one; a template prefilled for one
    LA and filled in by another names two, and a person must say which (`ingest --la`)."""
    from fgc_collect.reference import find_la, find_la_by_name, retired_codes

    if la_override is not None:
        return la_override, None
    values = ret.values()
    evidence = []  # (where, LA)
    meta_la = find_la(ret.metadata.get("la_code"))
    if meta_la is not None:
        evidence.append(("the template was prefilled for", meta_la))
    a2 = values.get("A2")
    a2_la = find_la(a2) if isinstance(a2, str) else None
    if a2_la is None and isinstance(a2, str):
        retired = retired_codes().get(a2.strip().upper())
        if retired is not None and len(retired.successors) == 1:
            a2_la = retired.successors[0]
    if a2_la is not None:
        evidence.append(("A2 gives the code of", a2_la))
    a1 = values.get("A1")
    a1_la = find_la_by_name(a1) if isinstance(a1, str) else None
    if a1_la is not None:
        evidence.append(("A1 gives the name of", a1_la))
    named = {la.code: la for _, la in evidence}
    if len(named) == 1:
        return next(iter(named.values())), None
    name = Path(ret.file).name
    if not named:
        shown = f" (A2 holds {a2.strip()[:20]!r})" if isinstance(a2, str) and a2.strip() else ""
        return None, (
            f"{name} does not say which LA it is from: A2 is blank or not a 2023-24 LA code{shown}, A1 is not an LA's name, "
            "and the template was not prefilled; ingest it again with --la CODE once you know."
        )
    clash = "; ".join(f"{where} {la.name} ({la.code})" for where, la in evidence)
    return None, f"{name} names more than one LA: {clash}; ask the council, then ingest it again with --la CODE."


# --------------------------------------------------------------------------- ingesting


@dataclass
class _Candidate:
    order: int
    arrival: Arrival
    ret: object  # AggregateReturn or ChildReturn, .file = the name as sent
    la: object  # LocalAuthority
    revalidations: int = 0
    stored: bytes | None = None  # child-level: ChildReturn.to_stored_bytes(), kept instead of the file
    stored_sha256: str | None = None

    @property
    def level(self) -> str:
        return "child" if self.stored is not None else "aggregate"

    @property
    def sha256(self) -> str:
        return self.stored_sha256 or self.arrival.sha256

    @property
    def data(self) -> bytes:
        return self.stored if self.stored is not None else self.arrival.data


Validator = Callable[..., list]  # validate_returns(returns, held=...) -> list[ReturnResult]


def ingest_paths(
    register: Register,
    paths: Iterable[str | Path],
    *,
    la=None,
    by: str | None = None,
    peers: bool = True,
    validator: Validator | None = None,
    key: bytes | None = None,
    progress=None,
) -> IngestReport:
    """Ingest files, folders, .eml/.msg emails and zips; see the module's docstring.

    la: a LocalAuthority to tie every spreadsheet to (the coordinator knows whose it is).
    peers: also compare with every other LA's latest version (FGC201/FGC202); reading them all
    takes a few seconds per 50 LAs held.
    validator: fgc_collect.validate.validate_returns unless given (fgc_collect.child.validate_batch
    for a round with a child-level return).
    key: the research team's pseudonymisation key (fgc_collect.child.load_key). A child-level
    file is stored as its pseudonymised rows (ChildReturn.to_stored_bytes()), never as the file
    (nor the email or zip it came in); without a key, or when it cannot be read, it is refused
    and nothing of it is stored (not even in quarantine: it holds the council's identifiers).
    progress: told after each file read and each version stored (fgc_collect.progress)."""
    paths = [Path(path) for path in paths]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise IngestError(f"{missing[0]} does not exist" + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "") + "; nothing was ingested.")
    by = by or current_user()
    unpacked = unpack_paths(paths)
    if unpacked.refused:
        raise IngestError(unpacked.refused[0][1] + " Nothing was ingested.")
    report = IngestReport(store=register.label, ignored=unpacked.ignored)
    for where, why in unpacked.skipped:
        report.outcomes.append(Outcome(where, SKIPPED, reason=why))
    if not unpacked.arrivals and not unpacked.skipped:
        raise IngestError("no spreadsheets or emails were found in " + ", ".join(map(str, paths)) + "; nothing was ingested.")

    received_now = now_iso()
    candidates: list[_Candidate] = []
    first_seen: dict[str, str] = {}
    arrivals, child_shas = _without_child_containers(unpacked.arrivals)
    with tempfile.TemporaryDirectory(prefix="fgc-ingest-") as scratch:
        for order, arrival in enumerate(arrivals):
            if progress is not None:
                progress("Reading returns", order, len(arrivals))
            outcome = _screen(register, arrival, first_seen, by, received_now)
            if outcome is not None:
                report.outcomes.append(outcome)
                continue
            ret, problem = _read(arrival, Path(scratch) / str(order), la.code if la is not None else None, key)
            if _is_child_return(ret) or (ret is None and arrival.sha256 in child_shas):
                outcome, candidate = _child_candidate(register, arrival, order, ret, problem, key)
                if outcome is not None:
                    report.outcomes.append(outcome)
                else:
                    candidates.append(candidate)
                continue
            if ret is not None:
                found, problem = identify(ret, la)
                if found is not None:
                    candidates.append(_Candidate(order, arrival, ret, found))
                    continue
            report.outcomes.append(_quarantine(register, arrival, problem, by, received_now))
    report.outcomes.extend(_store_versions(register, candidates, validator, by, peers, received_now, progress))
    return report


def _screen(register: Register, arrival: Arrival, first_seen: dict[str, str], by: str, received_now: str) -> Outcome | None:
    """The outcome for an arrival that needs no reading (a duplicate, a known non-return), else None."""
    if arrival.sha256 in first_seen:
        return Outcome(arrival.source, ALREADY_HELD, reason=f"the same file as {first_seen[arrival.sha256]}",
                       **_held_fields(register, arrival.sha256))
    first_seen[arrival.sha256] = arrival.source
    held = register.version_with_sha(arrival.sha256)
    if held is not None:
        return Outcome(arrival.source, ALREADY_HELD, **_held_fields(register, arrival.sha256))
    if arrival.problem is not None:
        return _quarantine(register, arrival, arrival.problem, by, received_now)
    return None


def _held_fields(register: Register, sha256: str) -> dict:
    from fgc_collect.reference import find_la

    held = register.version_with_sha(sha256)
    if held is None:  # the first copy in this batch is not stored yet
        return {}
    la = find_la(held.la_code)
    return {"la_code": held.la_code, "la_name": la.name if la else held.la_code, "version_no": held.version_no}


def _read(arrival: Arrival, folder: Path, la_code: str | None = None, key: bytes | None = None):
    """(AggregateReturn or ChildReturn with .file = the name as sent, None) or (None, why it is
    unreadable). The scratch copy is removed at once (a child-level file holds identifiers)."""
    from fgc_collect.pipeline import read_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(arrival.name)
    path.write_bytes(arrival.data)
    try:
        ret, unreadable = read_file(path, la=la_code, key=key)
    finally:
        path.unlink(missing_ok=True)
    if ret is None:
        return None, unreadable.issues[0].message
    ret.file = arrival.name
    return ret, None


def _looks_child(arrival: Arrival) -> bool:
    """Whether an arrival may be a child-level return (any CSV; a workbook with the child columns)."""
    from fgc_collect.child import is_child_file

    if arrival.problem is not None:
        return False
    try:
        return is_child_file(Path(safe_file_name(arrival.name)), data=arrival.data)
    except Exception:  # noqa: BLE001 - unreadable: the readers say why
        return False


def _is_child_return(ret) -> bool:
    if ret is None:
        return False
    from fgc_collect.child import ChildReturn

    return isinstance(ret, ChildReturn)


def _without_child_containers(arrivals: Sequence[Arrival]) -> tuple[list[Arrival], set[str]]:
    """The arrivals, those carried in an email or zip that also carries a child-level file without
    that container (it holds the raw identifiers, so it is never stored); and the SHA-256 of the
    arrivals that may be child-level."""
    from dataclasses import replace

    child_shas = {arrival.sha256 for arrival in arrivals if _looks_child(arrival)}
    tainted = {arrival.container.sha256 for arrival in arrivals if arrival.container and arrival.sha256 in child_shas}
    kept = [replace(arrival, container=None) if arrival.container and arrival.container.sha256 in tainted else arrival
            for arrival in arrivals]
    return kept, child_shas


def _child_candidate(register: Register, arrival: Arrival, order: int, ret, problem: str | None, key: bytes | None):
    """(Outcome, None) for a child-level file refused or already held, else (None, _Candidate)
    holding its pseudonymised rows."""
    import hashlib

    if key is None:
        return Outcome(arrival.source, REFUSED, reason=NO_KEY), None
    if ret is None:
        return Outcome(arrival.source, REFUSED, reason=problem.rstrip(".")), None
    stored = ret.to_stored_bytes()
    digest = hashlib.sha256(stored).hexdigest()
    if register.version_with_sha(digest) is not None:
        return Outcome(arrival.source, ALREADY_HELD, **_held_fields(register, digest)), None
    return None, _Candidate(order, arrival, ret, ret.la, stored=stored, stored_sha256=digest)


def _quarantine(register: Register, arrival: Arrival, reason: str, by: str, received_now: str) -> Outcome:
    container = arrival.container
    added = register.record_quarantine(
        arrival.sha256, arrival.data, arrival.name, arrival.source, reason, arrival.sender,
        arrival.received_at or received_now, by,
        container_sha256=container.sha256 if container and container.sha256 != arrival.sha256 else None,
        container_data=container.data if container and container.sha256 != arrival.sha256 else None,
    )
    return Outcome(arrival.source, QUARANTINED if added else ALREADY_QUARANTINED, reason=reason)


def _store_versions(register, candidates: list[_Candidate], validator, by: str, peers: bool, received_now: str,
                    progress=None) -> list[Outcome]:
    """Validate and store in rounds of at most one return per LA, oldest first, so each new
    version is compared with every version before it (FGC204)."""
    outcomes: list[Outcome] = []
    pending = sorted(candidates, key=lambda c: (c.arrival.received_at or received_now, c.order))
    cache: dict[str, object] = {}
    while pending:
        batch, seen, later = [], set(), []
        for candidate in pending:
            (later if candidate.la.code in seen else batch).append(candidate)
            seen.add(candidate.la.code)
        if progress is not None:
            progress(f"Validating {len(batch)} return{'s' if len(batch) != 1 else ''}", 0, None)
        held, against = _held_returns(register, {c.la.code for c in batch}, peers, cache)
        results = _validator(validator, batch)([c.ret for c in batch], held=held)
        stale = []
        for candidate, result in zip(batch, results):
            new = NewVersion(
                la_code=candidate.la.code, sha256=candidate.sha256, data=candidate.data,
                file_name=candidate.arrival.name, source=candidate.arrival.source, sender=candidate.arrival.sender,
                received_at=candidate.arrival.received_at or received_now, validation=result.status,
                issues=result.issues, template_version=candidate.ret.metadata.get("template_version"),
                container_sha256=candidate.arrival.container.sha256 if candidate.arrival.container else None,
                container_data=candidate.arrival.container.data if candidate.arrival.container else None,
                snapshot=snapshot_of(_aggregate_form(candidate.ret)), level=candidate.level,
            )
            recorded = register.record_version(new, against.get(candidate.la.code, set()), by)
            if recorded.outcome == "stale" and candidate.revalidations < MAX_REVALIDATIONS:
                candidate.revalidations += 1
                stale.append(candidate)
                continue
            if recorded.outcome == "stale":  # keep it, compared with the versions it was validated with
                recorded = register.record_version(new, None, by)
            version = recorded.version
            kind = NEW_VERSION if recorded.outcome == "stored" else ALREADY_HELD
            if progress is not None:
                progress("Storing versions", len(outcomes) + 1, len(candidates))
            outcomes.append(Outcome(
                candidate.arrival.source, kind, version.la_code if version else candidate.la.code, candidate.la.name,
                version.version_no if version else None, version.validation if version else result.status,
                version.errors if version else 0, version.warnings if version else 0,
            ))
        pending = sorted(stale + later, key=lambda c: (c.arrival.received_at or received_now, c.order))
    return outcomes


def _validator(validator, batch: list[_Candidate]):
    if validator is not None:
        return validator
    if any(candidate.level == "child" for candidate in batch):
        from fgc_collect.child import validate_batch

        return validate_batch
    from fgc_collect.validate import validate_returns

    return validate_returns


def _aggregate_form(ret):
    if _is_child_return(ret):
        from fgc_collect.child import derive_aggregate

        return derive_aggregate(ret)
    return ret


def _held_returns(register: Register, las: set[str], peers: bool, cache: dict) -> tuple[list, dict[str, set[str]]]:
    """The returns to validate a round against, oldest first: every version of the round's LAs
    (FGC204), and with peers the latest version of every other LA (FGC201, FGC202); and, per LA
    of the round, the SHA-256 of the versions it was validated against."""
    by_la: dict[str, list] = {}
    for version in register.versions():
        by_la.setdefault(version.la_code, []).append(version)
    chosen = []
    for code, versions in by_la.items():
        if code in las:
            chosen.extend(versions)
        elif peers:
            chosen.append(versions[-1])
    held = []
    for version in chosen:
        if version.sha256 not in cache:
            # The name says which version it is: FGC204's message names the file it compares with.
            name = f"{version.file_name} (version {version.version_no})"
            if version.la_code in las:  # read in full: FGC204 says what changed, free text too
                cache[version.sha256] = register.read_version(version, file=name)
            else:  # figures only, from the register
                cache[version.sha256] = register.peer_return(version, file=name)
        held.append(cache[version.sha256])
    against = {code: {version.sha256 for version in by_la.get(code, [])} for code in las}
    return held, against
