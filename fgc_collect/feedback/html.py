"""The HTML feedback report for one return, and the coordinator's index of a batch.

Self-contained pages: inline CSS, inline SVG, no scripts, no fonts or images fetched from
anywhere. Everything that came from a return (names, messages, file names) is escaped. A report
holds one council's return only, so it can be attached to the email back to that council; the
index lists every return, and the checks across returns, and is for the coordinators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import quote

from fgc_collect.model import ERROR, ERRORS, UNREADABLE, VALID, WARNING, WARNINGS, Issue, ReturnResult
from fgc_collect.spec import Section, Spec
from fgc_collect.survey import Contact

from .parts import column_number, split_reference

# The funnel a council's figures describe: referrals -> offered -> consented -> held.
FUNNEL = (
    ("B1", "Referrals received"),
    ("C1", "Families offered an FGC"),
    ("C2", "Families who consented"),
    ("D1", "Initial FGCs held"),
)
NOT_PROVIDED = "not provided"

STATUS_TEXT = {
    VALID: ("Valid", "No issues found: there is nothing to correct."),
    WARNINGS: ("Warnings only", "The return can be accepted once each warning has been checked, and corrected or explained."),
    ERRORS: ("Errors", "We cannot use the return until the errors are corrected."),
    UNREADABLE: ("Unreadable", "We could not read this file as an FGC survey return."),
}
STATUS_ORDER = {UNREADABLE: 0, ERRORS: 1, WARNINGS: 2, VALID: 3}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1}
# Checks of a return against other returns, the register and reference data (the spec's batch
# scope): they can name another council's file or show what other councils returned.
COORDINATOR_CHECK = re.compile(r"FGC2\d\d")
FORMAT_NAMES = {".ods": "an OpenDocument spreadsheet (.ods)", ".xls": "an Excel 97-2003 workbook (.xls)",
                ".csv": "a CSV file (.csv)"}
ACROSS_RETURNS = ("<p>We also compare each return with the others and with published figures; if that raises "
                  "a question about your figures, we will contact you.</p>")


def is_coordinator_check(issue: Issue) -> bool:
    """An issue for the coordinator only (FGC201-FGC299), never in a council's report or copy."""
    return COORDINATOR_CHECK.fullmatch(issue.rule) is not None

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 1rem; line-height: 1.5; color: #0b0c0c; background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid #b1b4b6; padding-bottom: 0.2rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
p { margin: 0.5rem 0; max-width: 45rem; }
p, h1, h2, h3, dd, li { overflow-wrap: break-word; }
a { color: #1d5fa0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0; }
dl.facts dt { font-weight: 700; }
th .muted { font-weight: 400; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.status { border-left: 8px solid; padding: 0.6rem 1rem; margin: 1rem 0; background: #f3f2f1; }
.status p { margin: 0.2rem 0; }
.status-valid { border-color: #00703c; }
.status-warnings { border-color: #b35c00; }
.status-errors, .status-unreadable { border-color: #b10e1e; }
.status strong { font-size: 1.2rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 700; padding: 0.3rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.5rem; border-bottom: 1px solid #b1b4b6; }
thead th { border-bottom: 2px solid #0b0c0c; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.message { overflow-wrap: anywhere; }
td.file { min-width: 8rem; overflow-wrap: break-word; }
td.where { white-space: nowrap; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 3px; font-weight: 700; font-size: 0.9rem; }
.badge-error, .badge-errors { background: #b10e1e; color: #fff; }
.badge-warning, .badge-warnings { background: #ffdd00; color: #0b0c0c; }
.badge-valid { background: #00703c; color: #fff; }
.badge-unreadable { background: #0b0c0c; color: #fff; }
.rule { display: block; font-family: ui-monospace, Consolas, monospace; font-size: 0.9rem; }
.muted { color: #505a5f; font-size: 0.9rem; }
.bar { width: 100%; min-width: 4rem; height: 1rem; display: block; }
.bar rect { fill: #1d70b8; }
.bar rect.track { fill: #e8f1f8; }
.not-provided { font-style: italic; color: #505a5f; }
footer { margin-top: 2rem; border-top: 1px solid #b1b4b6; padding-top: 0.5rem; }
@media (max-width: 40rem) {
  main { padding: 0.6rem; }
  h1 { font-size: 1.35rem; }
  th, td { padding: 0.35rem 0.3rem; }
  .hide-narrow { display: none; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 0.4rem; }
}
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  tr { break-inside: avoid; }
  .status, .badge, .bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .table-wrap { overflow: visible; }
  a { color: #0b0c0c; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _figure(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def by_deadline(deadline: date | None, checked_on: date) -> str:
    """When to resend, after 'send it to ...': by the survey's deadline, or as soon as possible once
    it has passed ("" when there is none)."""
    if deadline is None:
        return ""
    when = f"{deadline:%A} {long_date(deadline)}"
    return f" by {when}, the deadline for returns" if checked_on <= deadline else f" as soon as you can (the deadline was {when})"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _who(result: ReturnResult) -> str:
    if result.la_name and result.la_code:
        return f"{result.la_name} ({result.la_code})"
    return result.la_name or result.la_code or "Local authority not known"


def _contact(contact: Contact) -> str:
    """The research team's contact, its email address as a link."""
    if not contact.email:
        return _e(contact.sentence())
    email = f'<a href="mailto:{_e(contact.email)}">{_e(contact.email)}</a>'
    parts = (_e(contact.organisation) if contact.organisation else None, email, _e(contact.phone) if contact.phone else None)
    return ", ".join(part for part in parts if part)


def format_name(suffix: str) -> str:
    """'an OpenDocument spreadsheet (.ods)': a file format in words."""
    return FORMAT_NAMES.get(suffix.lower(), f"a {suffix or 'file without an extension'} file")


def _badge(kind: str, text: str | None = None) -> str:
    return f'<span class="badge badge-{_e(kind)}">{_e(text or kind)}</span>'


# --------------------------------------------------------------------------- one return


def section_of_issue(issue: Issue, spec: Spec) -> Section | None:
    """The spec section an issue belongs to: by its item, else by its sheet; None for the file."""
    by_code = {section.code: section for section in spec.sections}
    if issue.item:
        try:
            if spec.has_input_cell(issue.item):
                return by_code[spec.input_cell(issue.item).item.section]
            return by_code[spec.item(issue.item).section]
        except KeyError:
            pass
    for section in spec.sections:
        if issue.sheet and issue.sheet == section.sheet:
            return section
    return None


def _row_key(issue: Issue) -> tuple:
    parts = split_reference(issue.cell)
    row = column = 0
    if parts:
        column, row = column_number(parts[0]), parts[1]
    return (SEVERITY_ORDER.get(issue.severity, 2), row, column)


def grouped_issues(issues: Sequence[Issue], spec: Spec) -> list[tuple[Section | None, list[Issue]]]:
    """Issues about the file first, then section by section (A to E); errors first in each."""
    groups: dict[str | None, list[Issue]] = {}
    sections: dict[str | None, Section | None] = {None: None}
    for issue in issues:
        section = section_of_issue(issue, spec)
        code = section.code if section else None
        sections[code] = section
        groups.setdefault(code, []).append(issue)
    order = [None] + [section.code for section in spec.sections]
    return [(sections[code], sorted(groups[code], key=_row_key)) for code in order if code in groups]


def _issue_table(section: Section | None, issues: list[Issue], heading_id: str) -> str:
    rows = []
    for issue in issues:
        where = issue.cell or "–"
        if issue.sheet and (section is None or issue.sheet != section.sheet):
            where = f"{issue.sheet} {issue.cell}" if issue.cell else issue.sheet
        rows.append(
            '<tr class="issue" data-rule="{rule}" data-severity="{severity}">'
            '<td class="where">{where}</td>'
            "<td>{badge}<span class=\"rule\">{rule}</span></td>"
            '<td class="message">{message}</td></tr>'.format(
                rule=_e(issue.rule), severity=_e(issue.severity), where=_e(where),
                badge=_badge(issue.severity), message=_e(issue.message),
            )
        )
    return (
        f'<div class="table-wrap" role="region" aria-labelledby="{heading_id}" tabindex="0">'
        f'<table aria-labelledby="{heading_id}">'
        '<thead><tr><th scope="col">Cell</th><th scope="col">Check</th><th scope="col">What to do</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _funnel(values: Mapping[str, object] | None, issues: Sequence[Issue], spec: Spec) -> str:
    if values is None:
        return ""
    queried = {issue.item for issue in issues if issue.item}
    numbers = {item: values.get(item) for item, _ in FUNNEL}
    present = [v for v in numbers.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    largest = max(present) if present else 0
    referrals = numbers.get("B1")
    rows = []
    for item, stage in FUNNEL:
        value = numbers[item]
        label = spec.item(item).label
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = _figure(value)
            share = "–"
            if isinstance(referrals, (int, float)) and referrals > 0:
                share = f"{100 * value / referrals:.0f}%"
            width = 0 if largest <= 0 else max(0.0, min(100.0, 100 * value / largest))
            bar = (
                '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
                f'<rect class="track" x="0" y="0" width="100" height="10"></rect>'
                f'<rect x="0" y="0" width="{width:.1f}" height="10"></rect></svg>'
            )
            figure_cell = f'<td class="num">{_e(shown)}</td>'
        else:
            text = NOT_PROVIDED + (" (see the issues below)" if item in queried else "")
            share = "–"
            bar = ""
            figure_cell = f'<td class="num"><span class="not-provided">{_e(text)}</span></td>'
        rows.append(
            f'<tr class="funnel-stage" data-item="{_e(item)}"><th scope="row">{_e(stage)}'
            f'<span class="muted" style="display:block">{_e(item)}: {_e(label)}</span></th>'
            f'{figure_cell}<td class="num hide-narrow">{_e(share)}</td><td class="hide-narrow">{bar}</td></tr>'
        )
    note = ""
    if values.get("A5") == "N":
        note = f"<p>You told us (A5) that your local authority had no FGC service in {_e(spec.year)}.</p>"
    return (
        '<h2 id="funnel">Your figures: from referral to FGC</h2>'
        f"<p>Families at each stage in {_e(spec.year)}, as your return gives them. A family can be referred "
        "in one year and have its FGC in the next, so the stages need not narrow exactly.</p>"
        f"{note}"
        '<div class="table-wrap" role="region" aria-labelledby="funnel" tabindex="0"><table aria-labelledby="funnel">'
        '<thead><tr><th scope="col">Stage</th><th scope="col" class="num">Families</th>'
        '<th scope="col" class="num hide-narrow">Of referrals</th><th scope="col" class="hide-narrow">'
        '<span class="muted">Chart</span></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def render_report(
    result: ReturnResult,
    values: Mapping[str, object] | None,
    spec: Spec,
    *,
    checked_on: date,
    contact_email: str | None = None,
    contact: Contact | None = None,
    workbook_name: str | None = None,
    format_without_copy: bool = False,
    deadline: date | None = None,
) -> str:
    """The HTML report on one return: status, counts, the funnel, issues by section, next steps.

    result: the council's own (fgc_collect.feedback.council_result). contact: the research team's
    (else contact_email). workbook_name: the annotated copy written beside the report, if any;
    format_without_copy: the file is of a format no annotated copy is made of (.ods, .xls, .csv).
    deadline: when returns of the year are due (fgc_collect.survey.Survey.deadline_for)."""
    contact = contact or Contact(email=contact_email)
    file_name = Path(result.file).name
    word, meaning = STATUS_TEXT[result.status]
    errors, warnings = result.count(ERROR), result.count(WARNING)
    parts = [
        f"<h1>{_e(survey_name(result.year))}: checks on {_e(result.la_name)}’s return</h1>"
        if result.la_name else f"<h1>{_e(survey_name(result.year))}: checks on a return</h1>",
        '<dl class="facts">',
        f"<dt>Local authority</dt><dd>{_e(_who(result))}</dd>",
        f"<dt>File checked</dt><dd>{_e(file_name)}</dd>",
        f"<dt>Checked on</dt><dd>{_e(long_date(checked_on))}</dd>",
    ]
    if result.sha256:
        parts.append(f'<dt>File fingerprint</dt><dd><span class="muted">SHA-256 {_e(result.sha256[:16])}…</span></dd>')
    parts.append("</dl>")
    parts.append(
        f'<section class="status status-{_e(result.status)}" aria-labelledby="status-heading">'
        f'<h2 id="status-heading" style="border:0;margin:0;padding:0;font-size:1rem">Status</h2>'
        f'<p><strong data-status="{_e(result.status)}">{_e(word)}</strong></p><p>{_e(meaning)}</p>'
    )
    if result.status != UNREADABLE:
        parts.append(
            '<table class="counts" style="width:auto;margin:0.3rem 0 0"><caption>Issues found</caption>'
            '<thead><tr><th scope="col">Severity</th><th scope="col" class="num">Count</th></tr></thead><tbody>'
            f'<tr><th scope="row">{_badge("error", "Errors")}</th><td class="num" data-count="error">{errors}</td></tr>'
            f'<tr><th scope="row">{_badge("warning", "Warnings")}</th><td class="num" data-count="warning">{warnings}</td></tr>'
            "</tbody></table>"
        )
    parts.append("</section>")

    if result.status == UNREADABLE:
        reason = result.issues[0].message if result.issues else "The file could not be read."
        parts.append('<h2 id="problem">What went wrong</h2>')
        parts.append(f'<p class="issue" data-rule="{_e(result.issues[0].rule if result.issues else "FGC000")}">{_e(reason)}</p>')
        parts.append(
            "<p>Please send the completed survey template again as an Excel workbook (.xlsx). "
            "If the file is password-protected, send the password separately (by phone or a separate email).</p>"
        )
    else:
        parts.append(_funnel(values, result.issues, spec))
        if result.issues:
            parts.append('<h2 id="issues">Issues to check</h2>')
            parts.append(
                "<p>Errors must be corrected before we can use the return. For a warning, check the "
                "figure, then correct it or explain it in sheet E Comments.</p>"
            )
            for index, (section, issues) in enumerate(grouped_issues(result.issues, spec)):
                heading_id = f"section-{section.code if section else 'file'}"
                title = f"{section.sheet}: {section.title}" if section else "The return as a whole"
                counts = ", ".join(
                    _plural(n, s) for s, n in (("error", sum(i.severity == ERROR for i in issues)),
                                                ("warning", sum(i.severity == WARNING for i in issues))) if n
                )
                parts.append(
                    f'<h3 id="{heading_id}">{_e(title)} <span class="muted">({_e(counts or _plural(len(issues), "issue"))})</span></h3>'
                )
                parts.append(_issue_table(section, issues, heading_id))
        else:
            parts.append('<h2 id="issues">Issues to check</h2><p>None. Thank you.</p>')

    parts.append('<h2 id="next">What to do next</h2>')
    suffix = Path(result.file).suffix.lower()
    if result.status in (ERRORS, WARNINGS):
        if workbook_name:
            parts.append(
                f"<p>The workbook {_e(workbook_name)} that came with this report is a copy of your file in which "
                "every cell with an issue is filled red (error) or amber (warning) and carries a note; "
                "its first sheet, Validation, lists the issues with links to the cells.</p>"
            )
            parts.append(
                "<p>Correct your return (in your own file or in that copy: we ignore the colours, notes and the "
                "Validation sheet), save it as an Excel workbook (.xlsx) and send the whole workbook to "
                f"{_contact(contact)}{_e(by_deadline(deadline, checked_on))}.</p>"
            )
        else:
            if format_without_copy:
                parts.append(
                    f"<p>This report is all we send back: annotated copies are made of Excel workbooks (.xlsx, .xlsm) "
                    f"only, and your file is {_e(format_name(suffix))}. The issues above name the sheet and cell of "
                    "each.</p>"
                )
            parts.append(
                f"<p>Correct your return in your own file, save it and send the whole file to {_contact(contact)}"
                f"{_e(by_deadline(deadline, checked_on))}.</p>"
            )
    elif result.status == VALID:
        parts.append("<p>Nothing: your return passed every check. We will be in touch if we have questions.</p>")
    else:
        parts.append(f"<p>Send the file to {_contact(contact)}.</p>")
    if result.status != UNREADABLE:
        parts.append(ACROSS_RETURNS)
    parts.append(
        f'<footer><p class="muted">Made by fgc-collect on {_e(long_date(checked_on))}. This report is about '
        f"{_e(_who(result))}’s return only.</p></footer>"
    )
    title = f"{survey_name(result.year)}: checks on {_who(result)} — {word}"
    return _page(title, "\n".join(parts))


# --------------------------------------------------------------------------- the batch index


@dataclass(frozen=True)
class IndexEntry:
    result: ReturnResult
    report: str  # file name of the report, in the same folder as the index
    workbook: str | None = None  # file name of the annotated copy, if one was written
    no_workbook_reason: str | None = None  # why a readable return has no annotated copy


def _href(name: str) -> str:
    return _e(quote(name))


def render_index(
    entries: Sequence[IndexEntry], *, checked_on: date, reconciliations: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """Every return in the batch with its status, linking to its report (for coordinators), and to
    the reconciliation of an LA that sent both levels (LA code -> file names)."""
    counts = {status: sum(entry.result.status == status for entry in entries) for status in STATUS_ORDER}
    ordered = sorted(
        entries,
        key=lambda entry: (STATUS_ORDER[entry.result.status], (entry.result.la_name or "~").casefold(), entry.result.file),
    )
    rows = []
    for entry in ordered:
        result = entry.result
        word, _ = STATUS_TEXT[result.status]
        links = f'<a href="{_href(entry.report)}">report</a>'
        if entry.workbook:
            links += f' · <a href="{_href(entry.workbook)}">annotated workbook</a>'
        elif entry.no_workbook_reason:
            links += f'<span class="muted" style="display:block">No annotated workbook: {_breakable(entry.no_workbook_reason)}</span>'
        for name in (reconciliations or {}).get(result.la_code or "", ()):
            links += f' · <a href="{_href(name)}">both levels compared (CSV)</a>'
        rows.append(
            f'<tr class="return" data-status="{_e(result.status)}">'
            f'<th scope="row">{_e(result.la_name or "not known")}</th>'
            f'<td>{_e(result.la_code or "–")}</td>'
            f'<td class="file">{_breakable(Path(result.file).name)}</td>'
            f'<td>{_badge(result.status, word)}</td>'
            f'<td class="num">{result.count(ERROR) if result.status != UNREADABLE else "–"}</td>'
            f'<td class="num">{result.count(WARNING) if result.status != UNREADABLE else "–"}</td>'
            f"<td>{links}</td></tr>"
        )
    summary_words = {VALID: "valid", WARNINGS: "with warnings only", ERRORS: "with errors", UNREADABLE: "unreadable"}
    summary = ", ".join(f"{counts[status]} {summary_words[status]}" for status in (VALID, WARNINGS, ERRORS, UNREADABLE))
    body = (
        f"<h1>{_e(survey_name(*sorted({e.result.year for e in entries if e.result.year})))}: feedback on "
        f"{_e(_plural(len(entries), 'return'))}</h1>"
        f"<p>Checked on {_e(long_date(checked_on))}: {_e(summary)}.</p>"
        "<p><strong>For coordinators.</strong> This page lists every council's return: do not send it to a "
        "council. Attach a council's own report (and its annotated workbook) to the email back to that council.</p>"
        '<h2 id="returns">Returns</h2>'
        '<div class="table-wrap" role="region" aria-labelledby="returns" tabindex="0"><table aria-labelledby="returns">'
        '<thead><tr><th scope="col">Local authority</th><th scope="col">Code</th><th scope="col">File</th>'
        '<th scope="col">Status</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Warnings</th>'
        '<th scope="col">Feedback</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        + _across_returns(ordered)
    )
    return _page("FGC survey: feedback index", body)


def _breakable(name: str) -> str:
    """A file name that may wrap after its underscores (fgc_return_2023_24_E06000047.xlsx)."""
    return _e(name).replace("_", "_<wbr>")


def survey_name(*years: str | None) -> str:
    """'FGC survey 2024-25' (or of each year a batch holds)."""
    years = [year for year in years if year]
    return "FGC survey " + " and ".join(years) if years else "FGC survey"


def _across_returns(entries: Sequence[IndexEntry]) -> str:
    """The coordinator's checks (FGC2xx) of every return, left out of the councils' reports."""
    rows = []
    for entry in entries:
        result = entry.result
        for issue in result.issues:
            if not is_coordinator_check(issue):
                continue
            rows.append(
                f'<tr class="across" data-rule="{_e(issue.rule)}">'
                f'<th scope="row">{_e(result.la_name or "not known")}</th>'
                f'<td class="message">{_e(Path(result.file).name)}</td>'
                f'<td>{_badge(issue.severity)}<span class="rule">{_e(issue.rule)}</span></td>'
                f'<td class="message">{_e(issue.message)}</td></tr>'
            )
    intro = ("<p>Each return against the other returns, the returns already held and published figures. "
             "These are for you only: they can name another council's file or show what other councils returned, "
             "so the councils' reports and annotated workbooks leave them out. Raise a query with the council "
             "in your own words.</p>")
    if not rows:
        return f'<h2 id="across">Checks across returns</h2>{intro}<p>None in this batch.</p>'
    return (
        f'<h2 id="across">Checks across returns ({len(rows)})</h2>{intro}'
        '<div class="table-wrap" role="region" aria-labelledby="across" tabindex="0"><table aria-labelledby="across">'
        '<thead><tr><th scope="col">Local authority</th><th scope="col">File</th><th scope="col">Check</th>'
        '<th scope="col">Message</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
