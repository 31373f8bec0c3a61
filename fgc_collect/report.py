"""How validation results are shown: text for people, JSON per the CLI contract."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from fgc_collect.model import ERROR, ERRORS, STATUSES, UNREADABLE, VALID, WARNING, WARNINGS, ReturnResult
from fgc_collect.text import printable

STATUS_WORDS = {VALID: "valid", WARNINGS: "warnings", ERRORS: "errors", UNREADABLE: "unreadable"}


def summary(results: Sequence[ReturnResult]) -> dict[str, int]:
    counts = Counter(result.status for result in results)
    return {"files": len(results), **{status: counts.get(status, 0) for status in STATUSES}}


def results_json(results: Sequence[ReturnResult], reconciliations: Sequence | None = None) -> dict:
    """The contract's document; with reconciliations (fgc_collect.child.reconcile.Reconciliation,
    an empty list when no LA sent both levels) a third key, "reconciliations", after the others."""
    document = {"returns": [result.to_json() for result in results], "summary": summary(results)}
    if reconciliations is not None:
        document["reconciliations"] = [reconciliation.to_json() for reconciliation in reconciliations]
    return document


def reconciliations_text(reconciliations: Sequence, written: Sequence[Path] = ()) -> str:
    """The section after the results for LAs that sent both levels ("" when none did); written:
    the CSV written for each reconciliation (validate --feedback), in the same order."""
    if not reconciliations:
        return ""
    las = len({reconciliation.la_code for reconciliation in reconciliations})
    lines = [f"Both levels from {_plural(las, 'LA')}: each aggregate return beside the figures its child-level "
             "rows derive (information for the coordinator: ask the council which figure is right)."]
    for number, reconciliation in enumerate(reconciliations):
        lines.append(reconciliation.text())
        if number < len(written):
            lines.append(f"  Written to {written[number]} (to attach to your email to the council).")
    return "\n".join(lines)


def exit_code(results: Sequence[ReturnResult]) -> int:
    statuses = {result.status for result in results}
    if UNREADABLE in statuses:
        return 2
    if ERRORS in statuses:
        return 1
    return 0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def headline(result: ReturnResult, reason: bool = True) -> str:
    """reason: whether an unreadable file's line says why (not when the sentence goes to stderr)."""
    who = f"{result.la_name} ({result.la_code})" if result.la_name else (result.la_code or "LA not known")
    name = printable(Path(result.file).name)  # one line, whatever the file is called
    if result.status == UNREADABLE:
        if not reason:
            return f"{name}: UNREADABLE (the reason is printed at the end)"
        return f"{name}: UNREADABLE - {result.issues[0].message}"
    counts = ", ".join(
        _plural(result.count(severity), severity) for severity in (ERROR, WARNING) if result.count(severity)
    )
    status = result.status.upper() if result.status != VALID else "valid"
    return f"{name}: {who}: {status}" + (f" ({counts})" if counts else "")


def results_text(results: Sequence[ReturnResult], detail: bool = True, *, only_problems: bool = False,
                 reasons: bool = True) -> str:
    """A summary line per return, then its issues grouped by sheet; the counts of all last.
    only_problems: leave out the valid returns (--quiet). reasons: see headline()."""
    lines: list[str] = []
    for result in results:
        if only_problems and result.status == VALID:
            continue
        lines.append(headline(result, reasons))
        if not detail or result.status == UNREADABLE:
            continue
        sheet = object()
        for issue in result.issues:
            if issue.sheet != sheet:
                sheet = issue.sheet
                lines.append(printable(f"  {sheet or 'The file'}"))
            where = issue.cell or "-"
            lines.append(printable(f"    {where:<6} {issue.rule} {issue.severity:<7} {issue.message}"))
    counts = summary(results)
    lines.append(
        f"{_plural(counts['files'], 'return')}: {counts[VALID]} valid, {counts[WARNINGS]} with warnings only, "
        f"{counts[ERRORS]} with errors, {counts[UNREADABLE]} unreadable."
    )
    return "\n".join(lines)
