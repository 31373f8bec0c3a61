"""Where the used returns come from: files (those whose validation has no errors), the returns
register (the accepted versions), or the demo's synthetic values."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fgc_collect.aggregate.notes import UNREADABLE
from fgc_collect.aggregate.records import Excluded, Inputs, LARecord


MISMATCHED_LA = "FGC006"  # A1 and A2 name different LAs


class SourceError(Exception):
    """The returns cannot be used as given; the message is one plain sentence."""


def inputs_from_files(paths: Sequence[str | Path], year: str | None = None) -> Inputs:
    """The returns of one year among the files (default: the latest year they hold); see
    inputs_by_year_from_files."""
    found = inputs_by_year_from_files(paths, year)
    return found[year or max(found)] if (year or max(found)) in found else Inputs((), (), "files", year=year)


def return_year(ret, default: str) -> str:
    """The collection year a return names in its metadata (a CSV without one: default)."""
    metadata = getattr(ret, "metadata", None) or {}
    found = metadata.get("year") if isinstance(metadata, dict) else None
    return str(found) if found else default


def inputs_by_year_from_files(paths: Sequence[str | Path], year: str | None = None) -> dict[str, Inputs]:
    """Read the files and group the returns by the year their metadata names (a return without
    one, and a file that cannot be read: `year`, else the latest year among the others, else the
    spec's first); each year's returns are validated as one batch against that year's spec, and
    returns with validation errors are not used (the coverage notes say which and why)."""
    from fgc_collect.pipeline import find_returns, read_file

    files = find_returns(paths)
    if not files:
        raise SourceError("no spreadsheet files (.xlsx, .xlsm) or child-level CSVs were found in " + ", ".join(map(str, paths)) + ".")
    outcomes = [read_file(Path(file)) for file in files]
    named = {return_year(ret, "") for ret, _ in outcomes if ret is not None} - {""}
    default = year or (max(named) if named else _first_year())
    groups: dict[str, list] = {}
    for ret, unreadable in outcomes:
        groups.setdefault(return_year(ret, default) if ret is not None else default, []).append((ret, unreadable))
    return {held: _year_inputs(group, held) for held, group in sorted(groups.items())}


def _first_year() -> str:
    from fgc_collect.spec import BASE_YEAR

    return BASE_YEAR


def _year_inputs(outcomes: list, year: str) -> Inputs:
    """One year's returns read, validated against the year's spec, used or not."""
    from fgc_collect.model import ERRORS
    from fgc_collect.model import UNREADABLE as UNREADABLE_STATUS
    from fgc_collect.reference import find_la, reference_for
    from fgc_collect.child import ChildReturn, derive_aggregate
    from fgc_collect.survey import spec_for

    readable = [ret for ret, _ in outcomes if ret is not None]
    # validate_batch: the aggregate engine's validate_returns, plus FGC3xx on child-level returns
    # (read with a throwaway key: the tables need no linking), whose aggregate form is derived.
    if any(isinstance(ret, ChildReturn) for ret in readable):
        from fgc_collect.child import validate_batch as validate
    else:
        from fgc_collect.validate import validate_returns as validate
    results = iter(validate(readable, spec=spec_for(year))) if readable else iter(())
    used: dict[str, LARecord] = {}
    levels: dict[str, str] = {}
    excluded: list[Excluded] = []
    for ret, unreadable in outcomes:
        if ret is None:
            # The file's own words name the file: the notes say only that it could not be read.
            excluded.append(Excluded(unreadable.file, UNREADABLE, None, unreadable.sha256))
            continue
        result = next(results)
        la = find_la(result.la_code)
        if result.status in (ERRORS, UNREADABLE_STATUS):
            rules = sorted({issue.rule for issue in result.issues if issue.severity == "error"})
            named = ()
            if MISMATCHED_LA in rules:
                la = None  # the name and the code are of different LAs: which one sent it is not known
                named = () if isinstance(ret, ChildReturn) else named_las(ret.values())
            excluded.append(Excluded(ret.file, f"validation errors ({', '.join(rules)})", la, ret.sha256, named))
            continue
        if la is None:
            excluded.append(Excluded(ret.file, "its local authority could not be established", None, ret.sha256))
            continue
        level = "child" if isinstance(ret, ChildReturn) else "aggregate"
        if la.code in used and {level, levels[la.code]} == {"aggregate", "child"}:
            # Both levels from one LA: its child-level rows are used, as the demo accepts them in
            # the register; `fgc-collect validate` reconciles the two for the coordinator.
            aggregate_file, aggregate_sha = (ret.file, ret.sha256) if level == "aggregate" else (used[la.code].file, used[la.code].sha256)
            excluded.append(Excluded(aggregate_file, "the LA also sent child-level rows, whose figures are used", la, aggregate_sha))
            if level == "aggregate":
                continue
        elif la.code in used:
            raise SourceError(
                f"two returns for {la.name} have no errors ({used[la.code].file} and {ret.file}): "
                "keep one in the folder, or use the returns register, which keeps versions."
            )
        figures = derive_aggregate(ret) if isinstance(ret, ChildReturn) else ret
        used[la.code] = LARecord(la, figures.values(), ret.sha256, ret.file)
        levels[la.code] = level
    order = {code: position for position, code in enumerate(_reference_order())}
    return Inputs(tuple(sorted(used.values(), key=lambda r: order[r.la.code])), tuple(excluded), "files",
                  reference_for(year), year)


def inputs_from_store(store: str, year: str | None = None) -> Inputs:
    """The accepted version of each LA's return of `year` in the register (default: the latest year
    it holds); the other LAs that sent one are listed as received but not used, with their state."""
    found = inputs_by_year_from_store(store, year)
    return found[year] if year in found else found[max(found)]


def inputs_by_year_from_store(store: str, year: str | None = None) -> dict[str, Inputs]:
    """inputs_from_store for every year the register holds (and `year`, if it holds none of it),
    oldest first: the time series the open data files carry. The register is checked first: a
    stored file swapped on disk is never published."""
    from fgc_collect.register import Register, StoreError

    try:
        with Register.open(store, create=False) as register:
            problems = register.verify()
            if problems:
                more = f" (and {len(problems) - 1} more: see fgc-collect verify)" if len(problems) > 1 else ""
                raise SourceError(f"nothing was published, because the register fails its check: {problems[0].rstrip('.')}{more}.")
            years = sorted(set(register.years()) | {register.year(year)})
            return {held: _store_inputs(register, held) for held in years}
    except StoreError as problem:
        raise SourceError(str(problem).rstrip(".")) from None


def _store_inputs(register, year: str) -> Inputs:
    from fgc_collect.reference import find_la, reference_for

    accepted, statuses = register.accepted_returns(year=year), register.status(year=year)
    used = tuple(
        LARecord(find_la(code), ret.values(), ret.sha256, Path(ret.file).name) for code, ret in accepted.items()
    )
    excluded = tuple(
        Excluded(None, f"no version accepted (state: {status.state})", find_la(status.la_code))
        for status in statuses
        if status.state != "not received" and status.la_code not in accepted
    )
    return Inputs(used, excluded, "store", reference_for(year), year)


def _reference():
    from fgc_collect.reference import local_authorities

    return local_authorities()


def demo_inputs(year: str | None = None, seed: int | None = None) -> Inputs:
    """The demo's synthetic returns (of `year`: default 2023-24) as the reader would see them,
    without writing spreadsheets. A return seeded with a mistake that validation reports as an
    error is received but not used, as it would be from the files."""
    import hashlib
    import json

    from fgc_collect.aggregate.records import values_as_read
    from fgc_collect.demo.synthetic import SEED, demo_returns
    from fgc_collect.reference import reference_for
    from fgc_collect.spec import load_spec

    spec = load_spec(year) if year else load_spec()
    returns, seeded = demo_returns(spec, SEED if seed is None else seed)
    errors: dict[str, list[str]] = {}
    for mistake in seeded:
        if spec.rule(mistake.rule).severity == "error":
            errors.setdefault(mistake.la_code, []).append(mistake.rule)
    used, excluded = [], []
    for ret in returns:
        values = values_as_read(ret.values, spec)
        digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
        if ret.la.code in errors:
            rules = sorted(errors[ret.la.code])
            mismatched = MISMATCHED_LA in rules  # as from the file: its LA is not known
            excluded.append(Excluded(ret.file_name, f"validation errors ({', '.join(rules)})",
                                     None if mismatched else ret.la, digest, named_las(values) if mismatched else ()))
        else:
            used.append(LARecord(ret.la, values, digest, ret.file_name))
    if year is None:
        return Inputs(tuple(used), tuple(excluded), "demo")
    return Inputs(tuple(used), tuple(excluded), "demo", reference_for(year), year)


def named_las(values) -> tuple:
    """The LAs a return names by its name (A1) and by its code (A2), when both are LAs."""
    from fgc_collect.reference import find_la, find_la_by_name

    by_name, by_code = find_la_by_name(values.get("A1")), find_la(values.get("A2"))
    return (by_name, by_code) if by_name and by_code else ()


def _reference_order() -> list[str]:
    from fgc_collect.reference import local_authorities

    return [la.code for la in local_authorities()]
