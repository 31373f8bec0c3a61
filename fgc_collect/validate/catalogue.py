"""The rule catalogue: every rule of the spec with its engine, an example message, why it matters
and how to fix it. `docs/validation-rules.md` is render_catalogue("markdown"), committed."""

from __future__ import annotations

import json

from fgc_collect.spec import Spec, load_spec
from fgc_collect.validate.messages import example_messages

ENGINES = {
    **{code: "pandera" for code in ("FGC001", "FGC002", "FGC003", "FGC004", "FGC007", "FGC008", "FGC009", "FGC011")},
    **{code: "python" for code in ("FGC005", "FGC006", "FGC010", "FGC201", "FGC202", "FGC203", "FGC204", "FGC205")},
    **{f"FGC1{n:02d}": "gx" for n in range(1, 15)},
    "FGC312": "pandera",
}

# title, why it matters, how to fix it
RULE_DOCS: dict[str, tuple[str, str, str]] = {
    "FGC001": (
        "A count is a whole number of 0 or more (and FGC coordinators, A10, a number in its range)",
        "Counts are added up across councils; a negative number, a fraction, a date or a word cannot be. "
        "A date usually means the spreadsheet turned the figure into a date as it was typed.",
        "Type the exact whole number; 0 if there were none. Format a cell that shows a date as a number "
        "and type the figure again. Leave the cell blank only if the figure is not available.",
    ),
    "FGC002": (
        "Exact figures, not suppressed ones",
        "Small numbers are suppressed when the national statistics are published, after councils' figures "
        "have been added up. A '<5', 'c', '*', a range or 'approx 40' in a return makes totals impossible "
        "to add or check.",
        "Replace the marker with the exact figure, however small. The figures you send are not published "
        "as they are.",
    ),
    "FGC003": (
        "A number typed as text",
        "The figure can be read (and is used by the other checks), but text in a number cell often comes "
        "from pasting and can hide a typing error such as a stray space or separator.",
        "Check the figure we read (it is in the message), then enter it as a number in your file.",
    ),
    "FGC004": (
        "A required answer is blank",
        "A blank means 'not provided', not 0. Items required of every council, and the main counts of a "
        "council that had an FGC service (A5 is Yes), are needed to publish national figures.",
        "Enter the answer. For a count, enter 0 if there were none. If the cell cannot be found (a row "
        "was deleted), copy your answers into a fresh copy of the template.",
    ),
    "FGC005": (
        "The local authority code is a 2023-24 code",
        "The code decides whose return this is. Codes change when councils reorganise (Cumbria, North "
        "Yorkshire and Somerset in April 2023); an old code would file the return under a council that no "
        "longer exists.",
        "Enter your council's 9-character ONS code as on the template's cover. The message names the code "
        "to use when an old one was given. The 3-digit DfE code is accepted too.",
    ),
    "FGC006": (
        "Name, code and template are the same council",
        "Templates are prefilled for each council. A template filled in by another council (one passed "
        "on, or a copy of last year's neighbour's), or a name that does not match the code, would put the "
        "figures under the wrong council.",
        "Use the template sent to your council and make sure A1 and A2 are your council's name and code "
        "(a name written differently, such as 'Durham County Council' for County Durham, is accepted). "
        "If you were sent the wrong template, tell the coordinator.",
    ),
    "FGC007": (
        "The contact email address looks like one",
        "We use it to ask about the return; a mistyped address means queries go nowhere.",
        "Check the address in A4 (for example name@council.gov.uk).",
    ),
    "FGC008": (
        "An answer is one of the listed options",
        "Answers to choice questions are counted by option; an answer outside the list cannot be counted. "
        "Case and surrounding spaces do not matter, and the option's code or its wording are both accepted.",
        "Choose an option from the cell's drop-down list.",
    ),
    "FGC009": (
        "A description is within its length limit",
        "Descriptions are read and summarised by the research team; the limit keeps them comparable.",
        "Shorten the text to the number of characters the message gives.",
    ),
    "FGC010": (
        "No personal data in free text",
        "The return must not identify children or families. The check looks in A7, A14, A15 and E1 for NHS "
        "numbers (with a valid check digit), postcodes written in capitals, dates of birth (a date after "
        "'DOB', 'date of birth' or 'born'), email addresses other than the contact's own in A4, and UK "
        "phone numbers. The message names every kind it found; the report does not repeat the text.",
        "Remove the details, or describe the case without them, and send the return again. If the text "
        "is not personal data (a team mailbox or phone line, an office postcode), say so when the coordinator asks.",
    ),
    "FGC011": (
        "An Excel error in a cell",
        "A cell showing #REF!, #DIV/0!, #VALUE! and the like has no value to use; it usually comes from a "
        "formula or a link to another workbook.",
        "Replace the formula or link with the value itself.",
    ),
    "FGC101": (
        "A breakdown adds up to its total",
        "Each breakdown (by age, sex, ethnicity, disability, status, source, reason) describes the same "
        "children or families as its total; if the two differ, one of them is wrong. Checked when every "
        "category is filled and the total is given.",
        "Correct the categories or the total so that they agree; count anyone whose category is not "
        "recorded under Unknown. The message says how many are short or over.",
    ),
    "FGC102": (
        "A breakdown is left blank although its total is above 0",
        "The breakdowns are what the survey is for: they show who is offered FGCs. A blank breakdown is "
        "'not provided', which we can accept if you tell us why.",
        "Fill in the categories (putting unrecorded ones under Unknown), or explain in E1 why the "
        "breakdown cannot be provided, and answer the coordinator's query.",
    ),
    "FGC103": (
        "A breakdown is only partly filled in",
        "A blank among filled categories could mean 0 or 'not known'; the breakdown cannot be added up "
        "or published until you say which.",
        "Enter 0 in categories with none, and count those whose category is not recorded under Unknown.",
    ),
    "FGC104": (
        "At least one child per family",
        "Children are counted within families (referrals, consents, conferences), so the count of children "
        "cannot be smaller than the count of families. Skipped when either figure is blank.",
        "Check both figures: often one of them counts the other unit (children for families or the "
        "reverse).",
    ),
    "FGC105": (
        "A part is not larger than its whole",
        "'Of which' counts (offered at pre-proceedings, held at pre-proceedings, plans agreed) are part "
        "of their whole. Skipped when either figure is blank.",
        "Check both figures; correct the one that is wrong.",
    ),
    "FGC106": (
        "No service, but figures above 0",
        "A council that says it had no FGC service in 2023-24 (A5 is No) should not report referrals, "
        "offers or conferences.",
        "If you had a service at any point in the year, change A5 to Yes; otherwise clear the figures.",
    ),
    "FGC107": (
        "A service, but no referrals",
        "A council that had an FGC service usually received referrals in the year; 0 may be right for a "
        "service that started late or was paused, but it is worth a check.",
        "Check B1; if it is right, say why in E1 and answer the coordinator's query.",
    ),
    "FGC108": (
        "The funnel narrows: referred, offered, consented, held",
        "Fewer families consent than are offered an FGC, and fewer FGCs are held than families consent. "
        "Counts are of events in the year, so a family referred in March 2023 may be offered an FGC in "
        "April: this is a query, not an error. Skipped when a figure is blank.",
        "Check the figures; if they are right, say so in E1 (for example many families carried over "
        "from the previous year).",
    ),
    "FGC109": (
        "More than 4 children per family on average",
        "Families referred to FGC services have about 2 children on average; more than 4 suggests a "
        "count of children where families were asked for, or the reverse.",
        "Check both figures; if they are right, say so in E1.",
    ),
    "FGC110": (
        "Unknown is more than half of a breakdown",
        "A breakdown that is mostly Unknown tells us little about who is offered FGCs and weakens the "
        "national figures.",
        "Check whether the information is recorded elsewhere (the case management system); if it cannot "
        "be found, say why in E1.",
    ),
    "FGC111": (
        "Pre-proceedings figures although FGCs were not offered at pre-proceedings",
        "A8_PLO says whether FGCs were offered at pre-proceedings; C1_PLO and D1_PLO count them. The two "
        "answers contradict each other.",
        "Correct A8_PLO or the pre-proceedings figures.",
    ),
    "FGC112": (
        "Commissioned service with no provider named",
        "For a commissioned or mixed service we need the provider's name to describe how FGCs are "
        "delivered nationally.",
        "Name the external provider in A7.",
    ),
    "FGC201": (
        "Children referred per 10,000 children far from other councils",
        "B2 per 10,000 children aged 0 to 17 (ONS mid-year estimates) is compared with the other councils' "
        "returns (those received, and those in the same batch; one per council, its newest) once 10 or "
        "more councils' returns with the figure are in, this one included. A rate outside the quartiles "
        "of the others +/- 3 times their interquartile range is unusual enough to check. Skipped for "
        "councils without a population figure.",
        "Check B2 (children, not families or referrals); if it is right, say why in E1.",
    ),
    "FGC202": (
        "Consent or conference rate far from other councils",
        "Families who consented as a share of families offered (C2/C1), and FGCs held as a share of "
        "consents (D1/C2), compared with the other councils' returns as in FGC201.",
        "Check the figures; if they are right, say why in E1.",
    ),
    "FGC203": (
        "More children referred than children in need",
        "Children referred to FGC services in the year are usually far fewer than the council's children "
        "in need at 31 March 2024 (DfE, Children in need 2024). Skipped when the reference figure is "
        "missing.",
        "Check that B2 counts children referred to the FGC service, not all referrals or contacts.",
    ),
    "FGC204": (
        "A return for the same council is already held",
        "Only one return per council is used; a new one replaces the old once accepted. The message "
        "names the other file, which one is newer, and what changed item by item.",
        "Check that the newer file is the version you meant to send; tell the coordinator if not.",
    ),
    "FGC113": (
        "Families offered an FGDM meeting, and not offered one for the child's best interests, are within "
        "the families for whom proceedings were considered",
        "C12 and C13 are parts of C11: together they cannot be more than it. The three figures measure "
        "the new duty to offer a family group decision making meeting before care proceedings.",
        "Check C11, C12 and C13 against the same list of families: C12 and C13 count families among "
        "those in C11, and a family is in at most one of them.",
    ),
    "FGC114": (
        "The FGDM duty's figures are given",
        "C11 says proceedings were considered for some families, but without C12 and C13 nobody can tell "
        "how often the duty to offer a meeting was met. Blank means 'not provided', 0 means 'none'.",
        "Enter C12 and C13, 0 where there were none; if you cannot count them, say why in E1.",
    ),
    "FGC205": (
        "A figure far from the council's accepted return for the previous year",
        "A figure that changed by more than half (and by more than 20) since last year is often a change "
        "of definition or a typing slip, and would show as a jump in the published time series.",
        "Check the figure against last year's; if it is right, say in E1 what changed (a new service, a "
        "new recording system, a different definition).",
    ),
    "FGC312": (
        "The FGDM duty's columns follow from proceedings_considered (child-level returns)",
        "fgdm_offered and fgdm_not_offered_reason describe families for whom care proceedings were "
        "considered; given for another family, or a reason given beside an offer, they would put a family "
        "into C12 or C13 that is not in C11.",
        "Give fgdm_offered only when proceedings_considered is Y, and fgdm_not_offered_reason only when "
        "fgdm_offered is N; otherwise correct proceedings_considered or leave the column blank.",
    ),
}

# Child-level rules in the catalogue of their year (FGC301-FGC311 are described in docs/child-level.md).
CHILD_EXAMPLES = {
    "FGC312": "Line 2, fgdm_offered: is Y but proceedings_considered is N: whether an FGDM meeting was offered is "
              "recorded only for families for whom care proceedings were considered (set proceedings_considered "
              "to Y, or leave fgdm_offered blank).",
}

INTRO = """\
# Validation rules: {title}

Every return is checked against the rules below, each with a stable code (a code is never reused
for another meaning). A coordinator can link to a rule as `validation-rules.md#FGC101`.

- **error**: the return cannot be used until the council fixes it.
- **warning**: a query the coordinator raises with the council; the return can be accepted once it is
  answered.

How the checks read a return:

- **Blank means "not provided", 0 means "none".** A blank is never taken as 0: checks that compare
  figures are skipped when a figure they need is blank.
- **A value that fails a check of its own cell is treated as blank by every later check.** It is
  reported once, at its cell (FGC001, FGC002, FGC008, FGC011). A breakdown holding such a value is
  not checked for its sum or its blanks (FGC101, FGC102, FGC103, FGC110) until the value is
  fixed: a "<5" among the categories is reported as FGC002 and not again as a partly blank
  breakdown. Fix the cell errors first; the checks of the whole return then run on the new figures.
- **A number typed as text is used** (FGC003 only warns), so "1,234" is checked as 1234.
- Issues about a breakdown as a whole are shown at its total row (under the categories), except
  FGC103, shown at the first blank category, and FGC110, at the Unknown category.
- FGC001 and FGC003 also apply to the one decimal item, FGC coordinators (A10).
- Scope: *cell* rules look at one cell, *return* rules at one return, *batch* rules compare a return
  with the other returns received and with published reference data (they are for coordinators:
  `validate --feedback` lists them in index.html, never in a council's report or annotated copy).
- Engine: how the check is run in fgc-collect (pandera for single cells, Great Expectations suites
  for the consistency of a return, Python for checks that need reference data or other returns).
  The suites in `validations/` are evaluated by fgc-collect's polars evaluator of the same JSON by
  default, with the same results; `validate --engine gx` runs Great Expectations itself.

| code | severity | scope | what it checks |
|---|---|---|---|
{table}
"""


def rule_catalogue(spec: Spec | None = None) -> list[dict]:
    """Every rule of the spec, in the spec's order."""
    spec = spec or load_spec()
    examples = example_messages(spec)
    catalogue = []
    for rule in spec.rules:
        title, why, fix = RULE_DOCS.get(rule.code) or added_rule_docs(rule)
        catalogue.append(
            {
                "code": rule.code,
                "severity": rule.severity,
                "scope": rule.scope,
                "applies_to": rule.applies_to,
                "check": rule.check,
                "engine": ENGINES.get(rule.code) or ("gx" if rule.scope == "return" else "python"),
                "title": title,
                "example_message": examples.get(rule.code),
                "why": why,
                "fix": fix,
            }
        )
    return catalogue + child_rules(spec) + reader_notes()


def added_rule_docs(rule) -> tuple[str, str, str]:
    """Title, why and how to fix a rule a survey file adds (the research team's `check` words)."""
    title = rule.check[:1].upper() + rule.check[1:].rstrip(".")
    why = "A check the research team added for this survey (in its survey file): " + rule.check.rstrip(".") + "."
    fix = ("Correct the figures the message names so that the check holds, and send the return again."
           if rule.severity == "error" else "Check the figures the message names; if they are right, say why in E1.")
    return title, why, fix


def child_rules(spec: Spec) -> list[dict]:
    """The child-level rules of the spec's year that the catalogue describes (FGC312 from 2024-25)."""
    from fgc_collect.spec import load_child_spec_document

    return [
        {
            "code": str(rule["code"]),
            "severity": str(rule["severity"]),
            "scope": "row",
            "applies_to": "child-level returns",
            "check": str(rule["check"]),
            "engine": ENGINES[rule["code"]],
            "title": RULE_DOCS[rule["code"]][0],
            "example_message": CHILD_EXAMPLES[rule["code"]],
            "why": RULE_DOCS[rule["code"]][1],
            "fix": RULE_DOCS[rule["code"]][2],
        }
        for rule in load_child_spec_document(spec.year)["rules"]
        if rule["code"] in CHILD_EXAMPLES
    ]


def reader_notes() -> list[dict]:
    """The reader's notes about the file itself (READnn): not rules of the spec, but issues a
    coordinator sees beside them, so the catalogue lists them too."""
    from fgc_collect.read.notes import READ_NOTES

    return [
        {
            "code": note.code,
            "severity": note.severity,
            "scope": "file",
            "applies_to": "the file as received",
            "check": note.check,
            "engine": "reader",
            "title": note.title,
            "example_message": None,
            "why": "The reader noticed this about the file itself while reading it; the answers were still read.",
            "fix": "The message says what to check; if the council needs to change its file, ask it to resend the "
                   "completed template.",
        }
        for note in READ_NOTES
    ]


def render_catalogue(format: str = "text", spec: Spec | None = None) -> str:  # noqa: A002 - the CLI's word
    spec = spec or load_spec()
    catalogue = rule_catalogue(spec)
    if format == "json":
        return json.dumps(catalogue, indent=2, ensure_ascii=False) + "\n"
    if format == "markdown":
        return _markdown(catalogue, spec)
    if format == "text":
        lines = []
        for rule in catalogue:
            lines.append(f"{rule['code']}  {rule['severity']:<7}  {rule['scope']:<6}  {rule['engine']:<7}  {rule['title']}")
            lines.append(f"    applies to: {rule['applies_to']}; checks: {rule['check']}")
            if rule["example_message"]:
                lines.append(f"    e.g. {rule['example_message']}")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {format!r}: use text, json or markdown")


def _markdown(catalogue: list[dict], spec: Spec) -> str:
    table = "\n".join(
        f"| [{rule['code']}](#{rule['code']}) | {rule['severity']} | {rule['scope']} | {rule['title']} |"
        for rule in catalogue
    )
    parts = [INTRO.format(title=spec.title, table=table)]
    for rule in catalogue:
        parts.append(
            f'<a id="{rule["code"]}"></a>\n\n'
            f"## {rule['code']}\n\n"
            f"**{rule['title']}.** {rule['severity'].capitalize()}; scope: {rule['scope']}; engine: {rule['engine']}.\n\n"
            f"- Applies to: {rule['applies_to']}\n"
            f"- Checks: {rule['check']}\n\n"
            f"**Why it matters.** {rule['why']}\n\n"
            f"**How to fix it.** {rule['fix']}\n"
            + (f"\nExample message:\n\n> {rule['example_message']}\n" if rule["example_message"] else "")
        )
    return "\n".join(parts)
