"""`fgc-collect ingest`: files, folders, saved emails and zips into the register.

Each spreadsheet that arrived is read, tied to its LA (the template's metadata, A2 and A1 must
agree), validated against the LA's earlier versions (FGC204) and the other LAs' latest returns
(FGC201, FGC202), and stored as the LA's next version. The same bytes twice are stored once.
Whatever cannot be read or tied to one LA goes to the quarantine with the reason: never dropped.
Kept whole, or by its fingerprint, size and name only when it may hold children's identifiers (a
child-level file that cannot be pseudonymised, anything that could not be opened). Each file
stands alone: a fault on one (even fgc-collect's) quarantines it with a reason saying what failed,
and the rest go on. Taking a quarantined file in (`--la`) resolves its entry.

From a notebook:

    from fgc_collect.register import Register, ingest_paths, format_ingest
    with Register.open("fgc-store") as register:
        print(format_ingest(ingest_paths(register, ["inbox/"])))
"""

from __future__ import annotations

import re
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fgc_collect.register.core import NewVersion, Register, safe_file_name, current_user, now_iso
from fgc_collect.register.senders import held_note
from fgc_collect.register.snapshot import snapshot_of
from fgc_collect.register.quarantine import TAKEN, is_outstanding, record_withheld, resolve
from fgc_collect.register.unpack import MAX_ARCHIVE_MEMBERS, Arrival, clean_text, unpack_paths

NEW_VERSION = "new version"
ALREADY_HELD = "already held"
QUARANTINED = "quarantined"
ALREADY_QUARANTINED = "already in quarantine"
SKIPPED = "skipped"
REFUSED = "refused"  # may hold children's identifiers and cannot be taken in: only its fingerprint is kept
UNREAD = "not read"  # could not be read from disk (or is a link given by name): nothing recorded
LINK = "link not followed"  # a symbolic link in a folder
WITHHELD = "its contents were not stored, only its fingerprint, size and name (it may hold children's identifiers)"
NO_KEY = "child-level file: give --key-file to pseudonymise it"
MAX_REVALIDATIONS = 5  # another process kept adding versions for the same LA: record anyway


class IngestError(Exception):
    """Nothing was ingested; the message is one plain sentence."""


@dataclass(frozen=True)
class Outcome:
    source: str
    kind: str  # new version | already held | quarantined | already in quarantine | skipped | refused | not read | link not followed
    la_code: str | None = None
    la_name: str | None = None
    version_no: int | None = None
    validation: str | None = None
    errors: int = 0
    warnings: int = 0
    reason: str | None = None
    held: bool = False  # emailed from an address not known for the LA: awaits the coordinator's confirmation
    note: str | None = None  # the register's word on it (held; an earlier version sent again)

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
            return (f"{self.source}: {self.la_name} ({self.la_code}) version {self.version_no}: {self.validation}"
                    + (f" ({counts})" if counts else "") + (f"; {self.note}" if self.note else ""))
        if self.kind == ALREADY_HELD and self.note:
            return f"{self.source}: {self.note}"
        if self.kind == ALREADY_HELD and self.version_no is None:
            return f"{self.source}: {self.reason}; kept once."
        if self.kind == ALREADY_HELD:
            return f"{self.source}: already held as version {self.version_no} of {self.la_name}; nothing to do."
        if self.kind == QUARANTINED:
            return f"{self.source}: QUARANTINED: {self.reason}"
        if self.kind == REFUSED:
            return f"{self.source}: REFUSED: {self.reason.rstrip('.')}; {WITHHELD}."
        if self.kind == ALREADY_QUARANTINED:
            return f"{self.source}: already in quarantine: {self.reason}"
        if self.kind == UNREAD:
            return f"{self.source}: NOT READ: {self.reason}"
        if self.kind == LINK:
            return f"{self.source}: a symbolic link, not followed (fgc-collect never follows links)."
        return f"{self.source}: skipped ({self.reason})."


@dataclass
class IngestReport:
    store: str
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files in folders that are not returns or emails

    def of_kind(self, kind: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.kind == kind]

    @property
    def new(self) -> bool:
        """Whether anything arrived that was not met before (a new version, or a new problem)."""
        return any(self.of_kind(kind) for kind in (NEW_VERSION, QUARANTINED, REFUSED, UNREAD))

    @property
    def exit_code(self) -> int:
        """2 when a file newly could not be read as a return (quarantined, refused, not read), as for
        validate; a file already in quarantine is no new failure (a daily `ingest inbox/` exits 0)."""
        return 2 if self.of_kind(QUARANTINED) or self.of_kind(REFUSED) or self.of_kind(UNREAD) else 0


def format_ingest(report: IngestReport, quiet: bool = False) -> str:
    """A line per file, then the counts; quiet: only the files with a problem, then the counts."""
    lines = [outcome.line() for outcome in report.outcomes if not quiet or outcome.has_problem]
    if report.ignored and not quiet:
        lines.append(f"Ignored {len(report.ignored)} file{'s' if len(report.ignored) != 1 else ''} in folders that are neither spreadsheets nor emails: "
                     + ", ".join(Path(name).name for name in report.ignored[:5]) + (" ..." if len(report.ignored) > 5 else ""))
    counts = {kind: len(report.of_kind(kind)) for kind in (NEW_VERSION, ALREADY_HELD, QUARANTINED, ALREADY_QUARANTINED, SKIPPED, REFUSED, UNREAD, LINK)}
    files = sum(counts[kind] for kind in (NEW_VERSION, ALREADY_HELD, QUARANTINED, ALREADY_QUARANTINED, REFUSED, UNREAD))
    lines.append(
        f"{files} file{'s' if files != 1 else ''} into {report.store}: {counts[NEW_VERSION]} new version{'s' if counts[NEW_VERSION] != 1 else ''}, "
        f"{counts[ALREADY_HELD]} already held, {counts[QUARANTINED]} quarantined"
        + (f" ({counts[ALREADY_QUARANTINED]} more already in quarantine)" if counts[ALREADY_QUARANTINED] else "")
        + (f", {counts[REFUSED]} refused" if counts[REFUSED] else "")
        + (f", {counts[UNREAD]} not read" if counts[UNREAD] else "")
        + (f"; {counts[SKIPPED]} email part{'s' if counts[SKIPPED] != 1 else ''} skipped (images in the text, signatures)"
           if counts[SKIPPED] else "")
        + (f"; {counts[LINK]} symbolic link{'s' if counts[LINK] != 1 else ''} not followed" if counts[LINK] else "") + "."
    )
    if not report.new:
        lines.append("Nothing new was found: every file was already held or already in quarantine.")
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
            f"{name} does not say which LA it is from: A2 is blank or not an LA code{shown}, A1 is not an LA's name, "
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
    year: str  # the collection year it is a return for (return_year)
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
    year: str | None = None,
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
    and only its fingerprint, size and name are kept (withheld_files): never its bytes.

    Each file stands alone: one that cannot be read, tied to an LA or validated, even because
    of a fault in fgc-collect, goes to quarantine with the reason and the others go on. progress: told after each file read
    and each version stored (fgc_collect.progress).

    year: the collection year of files that do not name their own (--year); each return is stored
    as a version of its own year (return_year), validated against that year's spec, its LA's
    earlier versions of that year and the other LAs' returns of that year, and (FGC205) its LA's
    accepted return of the year before."""
    paths = [Path(path) for path in paths]
    missing = [str(path) for path in paths if not path.exists() and not path.is_symlink()]
    if missing:
        raise IngestError(f"{missing[0]} does not exist" + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "") + "; nothing was ingested.")
    by = by or current_user()
    unpacked = unpack_paths(paths)
    report = IngestReport(store=register.label, ignored=unpacked.ignored)
    for where, why in unpacked.refused:
        report.outcomes.append(Outcome(where, UNREAD, reason=why))
    for where in unpacked.links:
        report.outcomes.append(Outcome(where, LINK))
    for where, why in unpacked.skipped:
        report.outcomes.append(Outcome(where, SKIPPED, reason=why))
    if not unpacked.arrivals and not unpacked.skipped and not unpacked.refused:
        raise IngestError("no spreadsheets or emails were found in " + ", ".join(map(str, paths)) + "; nothing was ingested."
                          + (" (Symbolic links are never followed.)" if unpacked.links else ""))

    received_now = now_iso()
    candidates: list[_Candidate] = []
    held_back: list[tuple[int, Arrival, str]] = []  # (place in report.outcomes, arrival, reason): quarantined below
    sent_again: list[tuple[int, Arrival, object]] = []  # (place, arrival, the version held): a receipt below
    first_seen: dict[tuple, str] = {}
    private = _child_level(unpacked.arrivals)
    with tempfile.TemporaryDirectory(prefix="fgc-ingest-") as scratch:
        for order, arrival in enumerate(unpacked.arrivals):
            if progress is not None:
                progress("Reading returns", order, len(unpacked.arrivals))
            outcome = _screen(register, arrival, first_seen)
            if outcome is not None:
                report.outcomes.append(outcome)
                continue
            held = register.version_with_sha(arrival.sha256)
            if held is not None:  # a version already held: its receipt once the emails and zips to keep are known
                _settle(register, arrival.sha256, held, by)  # taken earlier, but its quarantine entry was left open
                sent_again.append((len(report.outcomes), arrival, held))
                report.outcomes.append(None)
                continue
            ret, found, stored, reason = None, None, None, arrival.problem
            stage = "reading"
            try:  # what the file holds: no register here, so only the file's own faults are caught
                if reason is None:
                    ret, reason = _read(arrival, Path(scratch) / str(order), la.code if la is not None else None, key, year)
                    if _is_child_return(ret) or (ret is None and arrival.sha256 in private):
                        private.add(arrival.sha256)
                        if key is None:
                            reason = NO_KEY
                        elif ret is not None:
                            stage = "pseudonymising"
                            stored = ret.to_stored_bytes()
                    elif ret is not None:
                        stage = "identifying"
                        found, reason = identify(ret, la)
                    elif _child_marks(arrival.data):
                        private.add(arrival.sha256)  # a damaged child-level workbook: its bytes are not kept
            except Exception as error:  # noqa: BLE001 - one file's fault must not stop the others
                found, stored, reason = None, None, _fault(arrival, stage, error, arrival.sha256 in private)
            if stored is not None:
                outcome, candidate = _child_candidate(register, arrival, order, ret, stored, by, return_year(ret, year))
                if outcome is not None:
                    report.outcomes.append(outcome)
                else:
                    candidates.append(candidate)
            elif found is not None:
                candidates.append(_Candidate(order, arrival, ret, found, return_year(ret, year)))
            else:
                held_back.append((len(report.outcomes), arrival, reason))
                report.outcomes.append(None)
    # Only now is it known which emails and zips carried a child-level file: those are not kept.
    tainted = {arrival.container.sha256 for arrival in unpacked.arrivals if arrival.container and arrival.sha256 in private}
    for place, arrival, reason in held_back:
        arrival = _uncontained(arrival, tainted)
        if arrival.withheld or arrival.sha256 in private:
            report.outcomes[place] = _withhold(register, arrival, reason, by, received_now)
        else:
            report.outcomes[place] = _quarantine(register, arrival, reason, by, received_now)
    for place, arrival, held in sent_again:
        report.outcomes[place] = _sent_again(register, held, _uncontained(arrival, tainted), by, received_now)
    for candidate in candidates:
        candidate.arrival = _uncontained(candidate.arrival, tainted)
    report.outcomes.extend(_store_versions(register, candidates, validator, by, peers, received_now, private, progress))
    return report


def _screen(register: Register, arrival: Arrival, first_seen: dict[tuple, str]) -> Outcome | None:
    """The outcome for an arrival that is a duplicate within this ingest, else None."""
    seen = (arrival.sha256, arrival.problem)  # the parts refused unread in one zip share its bytes, not their reason
    if seen in first_seen:
        return Outcome(arrival.source, ALREADY_HELD, reason=f"the same file as {first_seen[seen]}",
                       **_held_fields(register, arrival.sha256))
    first_seen[seen] = arrival.source
    return None


def _sent_again(register: Register, held, arrival: Arrival, by: str, received_now: str) -> Outcome:
    """A version already held, arrived again: a new receipt when it came in a new email or zip (the
    council may mean an earlier version), else nothing to do."""
    from fgc_collect.reference import find_la
    from fgc_collect.register.senders import resent_note

    container = arrival.container
    receipt = register.record_receipt(
        held, arrival.name, arrival.source, arrival.sender, arrival.received_at or received_now, by,
        container.sha256 if container else None, container.data if container else None,
    )
    fields = _held_fields(register, arrival.sha256)
    if receipt is None:
        return Outcome(arrival.source, ALREADY_HELD, **fields)
    la = find_la(held.la_code)
    standing = register.standing(held.la_code, year=held.year)
    counted = any(r.id == receipt.id for r in standing.counted)
    numbers = {version.id: version.version_no for version in register.versions(held.la_code, held.year)}
    newest = max((numbers[r.version_id] for r in standing.counted), default=None)
    note = resent_note(la, held.version_no, newest, not counted, arrival.sender)
    return Outcome(arrival.source, ALREADY_HELD, **fields, held=not counted, note=note)


def _uncontained(arrival: Arrival, tainted: set[str]) -> Arrival:
    """The arrival without its email or zip when that carried a child-level file (never stored)."""
    from dataclasses import replace

    if arrival.container is not None and arrival.container.sha256 in tainted:
        return replace(arrival, container=None)
    return arrival


def _fault(arrival: Arrival, stage: str, error: Exception, private: bool) -> str:
    """The quarantine reason for a file fgc-collect failed on: the error and where, without what
    it quotes (a cell's text, say), and for a child-level file its type only."""
    detail = type(error).__name__
    message = re.sub(r"(?<![^\W\d_])(['\"])[^'\"]*\1(?![^\W\d_])", "…", " ".join(str(error).split()))
    if not private and message:
        detail += ": " + clean_text(message)[:200]
    return (f"{Path(arrival.name).name} could not be taken in: fgc-collect failed while {stage} it ({detail}); "
            "please report this with the file's fingerprint.")


def _held_fields(register: Register, sha256: str) -> dict:
    from fgc_collect.reference import find_la

    held = register.version_with_sha(sha256)
    if held is None:  # the first copy in this batch is not stored yet
        return {}
    la = find_la(held.la_code)
    return {"la_code": held.la_code, "la_name": la.name if la else held.la_code, "version_no": held.version_no}


def _read(arrival: Arrival, folder: Path, la_code: str | None = None, key: bytes | None = None, year: str | None = None):
    """(AggregateReturn or ChildReturn with .file = the name as sent, None) or (None, why it is
    unreadable), read against its own year's spec (`year`: for a file that names none). The
    scratch copy is removed at once (a child-level file holds identifiers)."""
    from fgc_collect.pipeline import read_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(arrival.name)
    path.write_bytes(arrival.data)
    try:
        ret, unreadable = read_file(path, la=la_code, key=key, year=year)
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


def _child_level(arrivals: Sequence[Arrival]) -> set[str]:
    """The SHA-256 of the arrivals that are, or may be, child-level files: their bytes are never
    stored, nor the email or zip they came in. Besides child-level returns: whatever could not be
    opened (nobody has seen inside it), and a refused file showing the child-level columns."""
    return {
        arrival.sha256 for arrival in arrivals
        if arrival.withheld or _looks_child(arrival) or (arrival.problem is not None and _child_marks(arrival.data))
    }


# The child-level columns' names as a council may write them ("child_id", "Child ID", "family-id").
_CHILD_MARK = re.compile(rb"(?:child|family)[\s_\-]?id")  # searched in lower case
_CHILD_MARK_UTF16 = re.compile(rb"(?:c\0h\0i\0l\0d\0|f\0a\0m\0i\0l\0y\0)(?:[\s_\-]\0)?i\0d\0")
_PART = b"PK\3\4"  # a zip part's local header
MARK_SCAN_BYTES = 32 * 1024 * 1024  # unpacked in all, looking for them in one file
MARK_SCAN_PART_BYTES = 4 * 1024 * 1024  # from the start of each part


def _child_marks(data: bytes, budget: list[int] | None = None, depth: int = 0) -> bool:
    """Whether bytes show a child-level file: the child-level columns' names, as text (CSV, .xls,
    UTF-16) or in the parts of a zip (.xlsx, .ods, a zip of returns, where any CSV counts). The
    parts are found by their own headers, so a damaged zip (its directory cut off) shows them too.
    Column names come first in every part, so only the start of each is unpacked, within a budget."""
    lowered = data.lower()
    if (b"id" in lowered and _CHILD_MARK.search(lowered)) or (b"i\0d" in lowered and _CHILD_MARK_UTF16.search(lowered)):
        return True
    budget = budget if budget is not None else [MARK_SCAN_BYTES]
    view, at, parts = memoryview(data), data.find(_PART), 0
    while depth < 3 and at >= 0 and parts < MAX_ARCHIVE_MEMBERS and budget[0] > 0 and len(data) - at >= 30:
        parts += 1
        name_end = at + 30 + int.from_bytes(data[at + 26:at + 28], "little")
        if data[at + 30:name_end].lower().endswith(b".csv"):
            return True
        if int.from_bytes(data[at + 8:at + 10], "little") == 8:  # deflated (a stored part was searched with the whole)
            start = name_end + int.from_bytes(data[at + 28:at + 30], "little")
            try:
                part = zlib.decompressobj(-15).decompress(view[start:], min(MARK_SCAN_PART_BYTES, budget[0]))
            except zlib.error:
                part = b""
            budget[0] -= len(part)
            if part and _child_marks(part, budget, depth + 1):
                return True
        at = data.find(_PART, at + 4)
    return False


def _child_candidate(register: Register, arrival: Arrival, order: int, ret, stored: bytes, by: str, year: str):
    """(Outcome, None) for a child-level file whose rows are already held, else (None, _Candidate)
    holding its pseudonymised rows (`stored`: ChildReturn.to_stored_bytes())."""
    import hashlib

    digest = hashlib.sha256(stored).hexdigest()
    held = register.version_with_sha(digest)
    if held is not None:
        _settle(register, arrival.sha256, held, by)  # refused once without the key, say
        return Outcome(arrival.source, ALREADY_HELD, **_held_fields(register, digest)), None
    return None, _Candidate(order, arrival, ret, ret.la, year, stored=stored, stored_sha256=digest)


def _quarantine(register: Register, arrival: Arrival, reason: str, by: str, received_now: str) -> Outcome:
    """Keep the file whole in quarantine, with the email or zip it came in."""
    container = arrival.container
    added = register.record_quarantine(
        arrival.sha256, arrival.data, arrival.name, arrival.source, reason, arrival.sender,
        arrival.received_at or received_now, by,
        container_sha256=container.sha256 if container and container.sha256 != arrival.sha256 else None,
        container_data=container.data if container and container.sha256 != arrival.sha256 else None,
    )
    return Outcome(arrival.source, QUARANTINED if added else ALREADY_QUARANTINED, reason=_known(register, arrival, reason, added))


def _withhold(register: Register, arrival: Arrival, reason: str, by: str, received_now: str) -> Outcome:
    """Keep only the file's fingerprint, size and name, with the reason: never its bytes."""
    added = record_withheld(register, arrival.sha256, arrival.size, arrival.name, arrival.source, reason, arrival.sender,
                            arrival.received_at or received_now, by)
    return Outcome(arrival.source, REFUSED if added else ALREADY_QUARANTINED, reason=_known(register, arrival, reason, added))


def _known(register: Register, arrival: Arrival, reason: str, added: bool) -> str:
    """The reason, and for a file met before that was resolved since, how it was."""
    from fgc_collect.register.quarantine import resolution_text, resolutions

    resolution = None if added else resolutions(register, arrival.sha256).get(arrival.sha256)
    return reason if resolution is None else f"{reason} (since {resolution_text(resolution)})"


def _settle(register: Register, sha256: str, version, by: str) -> None:
    """Resolve a quarantined file that has been taken in as `version`."""
    if is_outstanding(register, sha256):
        resolve(register, sha256, TAKEN, f"taken in as version {version.version_no} of {version.la_code}", by, version_id=version.id)


def _store_versions(register, candidates: list[_Candidate], validator, by: str, peers: bool, received_now: str,
                    private: set[str], progress=None) -> list[Outcome]:
    """Validate and store in rounds of at most one return per LA and year, oldest first, so each
    new version is compared with every version of its year before it (FGC204). Each year's returns
    are validated against that year's spec and the LAs' accepted returns of the year before
    (FGC205). A return fgc-collect fails on goes to quarantine; the others go on."""
    outcomes: list[Outcome] = []
    pending = sorted(candidates, key=lambda c: (c.arrival.received_at or received_now, c.order))
    cache: dict[str, object] = {}
    while pending:
        round_, seen, later = [], set(), []
        for candidate in pending:
            (later if (candidate.la.code, candidate.year) in seen else round_).append(candidate)
            seen.add((candidate.la.code, candidate.year))
        if progress is not None:
            progress(f"Validating {len(round_)} return{'s' if len(round_) != 1 else ''}", 0, None)
        results, failed, against = [], [], {}
        for year in sorted({candidate.year for candidate in round_}):
            batch = [candidate for candidate in round_ if candidate.year == year]
            held, against[year] = _held_returns(register, {c.la.code for c in batch}, peers, cache, year)
            try:
                options = _year_options(register, year)
            except Exception as error:  # noqa: BLE001 - a year with no spec: its returns to quarantine, the rest go on
                failed += [(candidate, error) for candidate in batch]
                continue
            done, faults = _validate(_validator(validator, batch), batch, held, options)
            results += done
            failed += faults
        for candidate, error in failed:
            outcomes.append(_failed(register, candidate, "validating", error, by, received_now, private))
        stale = []
        for candidate, result in results:
            try:
                new = _new_version(candidate, result, received_now)
            except Exception as error:  # noqa: BLE001 - one file's fault must not stop the others
                outcomes.append(_failed(register, candidate, "storing", error, by, received_now, private))
                continue
            recorded = register.record_version(new, against[candidate.year].get(candidate.la.code, set()), by)
            if recorded.outcome == "stale" and candidate.revalidations < MAX_REVALIDATIONS:
                candidate.revalidations += 1
                stale.append(candidate)
                continue
            if recorded.outcome == "stale":  # keep it, compared with the versions it was validated with
                recorded = register.record_version(new, None, by)
            version = recorded.version
            if version is not None:
                _settle(register, candidate.arrival.sha256, version, by)
            kind = NEW_VERSION if recorded.outcome == "stored" else ALREADY_HELD
            if progress is not None:
                progress("Storing versions", len(outcomes) + 1, len(candidates))
            outcomes.append(Outcome(
                candidate.arrival.source, kind, version.la_code if version else candidate.la.code, candidate.la.name,
                version.version_no if version else None, version.validation if version else result.status,
                version.errors if version else 0, version.warnings if version else 0,
                held=recorded.held,
                note=held_note(candidate.la, version.version_no, candidate.arrival.sender) if recorded.held else None,
            ))
        pending = sorted(stale + later, key=lambda c: (c.arrival.received_at or received_now, c.order))
    return outcomes


def _validate(validate, batch: list[_Candidate], held: list, options: dict) -> tuple[list[tuple[_Candidate, object]], list[tuple[_Candidate, Exception]]]:
    """([(candidate, its result)], [(candidate, the error validating it)]): the round at once, or
    each return alone when validating the round fails, to find which one it fails on. options: the
    year's spec and previous year (_year_options)."""
    try:
        return list(zip(batch, validate([c.ret for c in batch], held=held, **options))), []
    except Exception as error:  # noqa: BLE001 - retried one by one below
        if len(batch) == 1:
            return [], [(batch[0], error)]
    results, failed = [], []
    for candidate in batch:
        try:
            (result,) = validate([candidate.ret], held=held, **options)
            results.append((candidate, result))
        except Exception as error:  # noqa: BLE001 - this return alone: to quarantine
            failed.append((candidate, error))
    return results, failed


def _new_version(candidate: _Candidate, result, received_now: str) -> NewVersion:
    container = candidate.arrival.container
    return NewVersion(
        la_code=candidate.la.code, sha256=candidate.sha256, data=candidate.data,
        file_name=candidate.arrival.name, source=candidate.arrival.source, sender=candidate.arrival.sender,
        received_at=candidate.arrival.received_at or received_now, validation=result.status,
        issues=result.issues, template_version=candidate.ret.metadata.get("template_version"),
        container_sha256=container.sha256 if container else None,
        container_data=container.data if container else None,
        snapshot=snapshot_of(_aggregate_form(candidate.ret)), level=candidate.level, year=candidate.year,
    )


def _failed(register, candidate: _Candidate, stage: str, error: Exception, by: str, received_now: str, private: set[str]) -> Outcome:
    """A return fgc-collect failed on, to quarantine (by its fingerprint only if child-level)."""
    arrival = candidate.arrival
    child = candidate.level == "child" or arrival.sha256 in private
    reason = _fault(arrival, stage, error, child)
    if child:
        return _withhold(register, arrival, reason, by, received_now)
    return _quarantine(register, arrival, reason, by, received_now)


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


def return_year(ret, given: str | None = None) -> str:
    """A return's collection year: its template's (the metadata), else the year given (--year, for
    a file that does not name its own, such as a CSV), else that of the spec it was read against
    (a child-level return's), else the collection's (fgc_collect.survey.collection_year)."""
    own = (getattr(ret, "metadata", None) or {}).get("year")
    if own:
        return str(own)
    if given:
        return given
    spec = getattr(ret, "spec", None)
    if getattr(spec, "year", None):
        return str(spec.year)
    from fgc_collect.survey import collection_year

    return collection_year()


def _year_options(register: Register, year: str) -> dict:
    """What validating a year's returns takes besides them: the year's spec, and (FGC205) the LAs'
    accepted returns of the year before, from their snapshots in the register."""
    from fgc_collect.survey import spec_for
    from fgc_collect.validate.batch_rules import PreviousYear

    first = int(year[:4]) - 1
    before = f"{first}-{(first + 1) % 100:02d}"
    figures = register.accepted_figures(before) if before in register.years() else {}
    return {"spec": spec_for(year), "previous": PreviousYear(before, figures) if figures else None}


def _held_returns(register: Register, las: set[str], peers: bool, cache: dict, year: str) -> tuple[list, dict[str, set[str]]]:
    """The returns of the year to validate a round against, oldest first: every version of the
    round's LAs (FGC204), and with peers the latest version of every other LA (FGC201, FGC202);
    and, per LA of the round, the SHA-256 of the versions it was validated against."""
    by_la: dict[str, list] = {}
    for version in register.versions(year=year):
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
