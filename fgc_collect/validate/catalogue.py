"""The rule catalogue: every rule of the spec with its engine, an example message, why it matters
and how to fix it, from the rule registry (registry.py) and the spec. `docs/validation-rules.md`
is render_catalogue("markdown"), committed."""

from __future__ import annotations

import json
import re

from fgc_collect.spec import Spec, load_spec
from fgc_collect.validate.common import checking_against
from fgc_collect.validate.messages import example_messages
from fgc_collect.validate.registry import REGISTRY

# Derived from the registry (kept for the callers that read them)
ENGINES = {code: rule.engine for code, rule in REGISTRY.items()}
RULE_DOCS: dict[str, tuple[str, str, str]] = {code: (rule.title, rule.why, rule.fix) for code, rule in REGISTRY.items()}

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
{decimals}- Scope: *cell* rules look at one cell, *return* rules at one return, *batch* rules compare a return
  with the other returns received and with published reference data (they are for coordinators:
  `validate --feedback` lists them in index.html, never in a council's report or annotated copy).
- Engine: how the check is run in fgc-collect (pandera for single cells, Great Expectations suites
  for the consistency of a return, Python for checks that need reference data or other returns).
  The suites in `validations/` are evaluated by fgc-collect's polars evaluator of the same JSON by
  default, with the same results; `validate --engine gx` runs Great Expectations itself.
- Child-level returns (one row per child, [child-level.md](child-level.md)) are checked by the *row*
  rules (FGC3xx), run by pandera over the rows (FGC301, the header row, by the reader); their
  messages name the row (or the CSV line) and the column, never a child's or a family's identifier.

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
        entry = REGISTRY.get(rule.code)
        title, why, fix = (entry.title, entry.why, entry.fix) if entry else added_rule_docs(rule)
        catalogue.append(
            {
                "code": rule.code,
                "severity": rule.severity,
                "scope": rule.scope,
                "applies_to": rule.applies_to,
                "check": rule.check,
                "engine": entry.engine if entry else ("gx" if rule.scope == "return" else "python"),
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
    """The child-level rules of the spec's year (FGC301-FGC311, FGC312 from 2024-25), each from its
    registry entry (a rule without one is a KeyError naming it); the example message is what the
    validator says about the entry's breaking example."""
    from fgc_collect.spec import load_child_spec_document

    catalogue = []
    with checking_against(spec):
        for rule in load_child_spec_document(spec.year)["rules"]:
            entry = REGISTRY[str(rule["code"])]
            catalogue.append({
                "code": entry.code,
                "severity": str(rule["severity"]),
                "scope": "row",
                "applies_to": "child-level returns",
                "check": str(rule["check"]),
                "engine": entry.engine,
                "title": entry.title,
                "example_message": entry.example(),
                "why": entry.why,
                "fix": entry.fix,
            })
    return catalogue


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
    decimals = [item for item in spec.items if item.type == "decimal"]
    named = ", ".join(f"{re.sub(r' [(].*', '', item.label.split(' at ')[0])} ({item.id})" for item in decimals)
    noted = (f"- FGC001 and FGC003 also apply to the decimal item{'s' if len(decimals) > 1 else ''}, {named}.\n"
             if decimals else "")
    parts = [INTRO.format(title=spec.title, table=table, decimals=noted)]
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
