"""Read and validate files: the library calls behind `fgc-collect validate` (usable from a
notebook: `validate_files(find_returns(["returns/"]))`), and the reconciliation of an LA that
sent both levels (`reconcile_levels`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fgc_collect.model import ReturnResult, UnreadableReturn
from fgc_collect.progress import ProgressCallback
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


def read_file(path: Path, passwords=None, la: str | None = None, key: bytes | None = None, year: str | None = None):
    """(return, None) or (None, ReturnResult for an unreadable file). The return is an
    AggregateReturn, or a ChildReturn for a child-level file (any CSV, or a workbook the aggregate
    reader finds none of its questions in but that holds the child-level columns). passwords: a
    fgc_collect.read.crypto.Passwords (from --password-file); la and key: for child-level files
    (the LA of a CSV without a la_code column; the research team's pseudonymisation key). Each
    return is read against its own year's spec (its metadata); `year` is for a file that does not
    name one (a CSV, a workbook whose metadata sheet is gone), else the collection's year."""
    from fgc_collect.read import read_return

    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            return _read_child(path, la, key, year), None
        try:
            return read_return(path, passwords=passwords, year=year), None
        except UnreadableReturn:
            if not _is_child_workbook(path):
                raise
            return _read_child(path, la, key, year), None
    except UnreadableReturn as problem:
        reason = str(problem)
    except Exception as error:  # noqa: BLE001 - a fault on one file must not stop the batch
        from fgc_collect.read.workbook import display_name

        reason = (f"{display_name(path)} could not be read because of a fault in fgc-collect "
                  f"({type(error).__name__}), so it was left out: please report it with the file.")
    try:
        digest = sha256_of(path) if path.is_file() else None
    except OSError:
        digest = None
    return None, ReturnResult.unreadable_file(str(path), digest, reason)


def _is_child_workbook(path: Path) -> bool:
    from fgc_collect.child import is_child_file

    try:
        return path.is_file() and is_child_file(path)
    except Exception:  # noqa: BLE001 - a file neither reader can open stays unreadable
        return False


def _read_child(path: Path, la: str | None, key: bytes | None, year: str | None = None):
    from fgc_collect.child import read_child_return

    return read_child_return(path, la=la, key=key, year=year)


def read_files(files: Sequence[Path], passwords=None, la: str | None = None, key: bytes | None = None,
               progress: ProgressCallback | None = None, year: str | None = None):
    """read_file for each file, in order. progress: told after each file (fgc_collect.progress)."""
    outcomes = []
    for number, file in enumerate(files, 1):
        outcomes.append(read_file(Path(file), passwords, la, key, year))
        if progress is not None:
            progress("Reading returns", number, len(files))
    return outcomes


def validate_outcomes(outcomes, engine: str = "auto", progress: ProgressCallback | None = None) -> list[ReturnResult]:
    """Every file's result, in order. The readable returns are validated in one batch per year,
    each against its own year's spec (a batch may hold late 2023-24 returns beside 2024-25 ones).
    engine: what runs the expectation suites (auto, gx or polars: fgc_collect.validate.expectations)."""
    readable = [ret for ret, _ in outcomes if ret is not None]
    results: dict[int, ReturnResult] = {}
    if readable:  # the engines import pandera (and GX with --engine gx): only pay when needed
        if progress is not None:
            progress(f"Validating {len(readable)} return{'s' if len(readable) != 1 else ''}", 0, None)
        from fgc_collect.child.read import ChildReturn

        for spec, group in _by_spec(readable):
            if any(isinstance(ret, ChildReturn) for ret in group):
                from fgc_collect.child import validate_batch as validate
            else:
                from fgc_collect.validate import validate_returns as validate
            for ret, result in zip(group, validate(group, engine=engine, spec=spec)):
                results[id(ret)] = result
    return [results[id(ret)] if ret is not None else unreadable for ret, unreadable in outcomes]


def return_spec(ret):
    """The aggregate spec a return was read against: its own year's (a child-level return's is the
    aggregate spec its rows derive into)."""
    from fgc_collect.child.read import ChildReturn

    if isinstance(ret, ChildReturn):
        return ret.spec.aggregate
    if ret.spec is not None:
        return ret.spec
    from fgc_collect.survey import spec_for

    return spec_for(ret.metadata.get("year"))


def _by_spec(returns) -> list[tuple[object, list]]:
    """The returns grouped by the spec they were read against, groups in order of their first return."""
    groups: dict[int, tuple[object, list]] = {}
    for ret in returns:
        spec = return_spec(ret)
        groups.setdefault(id(spec), (spec, []))[1].append(ret)
    return list(groups.values())


def validate_files(files: Sequence[Path], passwords=None, la: str | None = None, key: bytes | None = None,
                   year: str | None = None) -> list[ReturnResult]:
    """Read and validate files: `validate_files(find_returns(["returns/"]))` in a notebook."""
    return validate_outcomes(read_files(files, passwords, la, key, year=year))


def reconcile_levels(returns: Iterable) -> list:
    """For each LA that sent both levels among `returns` (AggregateReturn and ChildReturn, as
    read_files gives them; None is skipped): each of its aggregate returns beside the aggregate
    each of its child-level returns derives (fgc_collect.child.reconcile.Reconciliation), LAs in
    the order their first file came, pairs in file order.

    An aggregate return is tied to its LA as the register ties it (the template's metadata, A2
    and A1 must agree): a return that names two LAs is not reconciled against either, since
    comparing it with another council's rows would only mislead."""
    from fgc_collect.child.read import ChildReturn
    from fgc_collect.read import AggregateReturn

    aggregates: dict[str, list] = {}
    children: dict[str, list] = {}
    las: dict[str, object] = {}
    for ret in returns:
        if isinstance(ret, ChildReturn):
            la = ret.la
            children.setdefault(la.code, []).append(ret)
        elif isinstance(ret, AggregateReturn):
            la = _aggregate_la(ret)
            if la is None:
                continue
            aggregates.setdefault(la.code, []).append(ret)
        else:
            continue
        las.setdefault(la.code, la)
    both = [code for code in las if code in aggregates and code in children]
    if not both:
        return []
    from fgc_collect.child.derive import derive_aggregate
    from fgc_collect.child.reconcile import Reconciliation, reconcile

    reconciliations = []
    for code in both:
        for child in children[code]:
            derived = derive_aggregate(child)
            for submitted in aggregates[code]:
                if return_spec(submitted).year != child.spec.year:
                    continue  # two years' figures of an LA are not two versions of one figure
                reconciliations.append(Reconciliation(
                    la_code=code, la_name=las[code].name, aggregate_file=submitted.file, child_file=child.file,
                    items=tuple(reconcile(derived, submitted, return_spec(submitted))),
                ))
    return reconciliations


def _aggregate_la(ret):
    from fgc_collect.register.ingest import identify

    la, _ = identify(ret)
    return la
