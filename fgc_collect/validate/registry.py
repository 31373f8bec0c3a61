"""The rule registry: one entry per rule code, with everything about the rule that is not in the
spec. The spec holds a rule's severity, what it applies to and its check (an entry refers to it
by code); an entry holds its title, why it matters and how to fix it, the engine that runs it, an
example message (built by the same function of `messages.py` that `validate` uses) and an example
that breaks it: a change to a clean return that makes the rule fire. The rule catalogue,
docs/validation-rules*.md and `fgc-collect rules` are generated from here, and
tests/validate/test_registry.py checks every example against the validator.

A rule a survey file adds that compares counts needs no entry: its words come from its own
`check` (catalogue.added_rule_docs) and its example from its first comparison
(messages.example_messages).

A child-level rule (FGC3xx) names the function of child/rules.py that builds its row checks
(`row_checks`; FGC301 is the reader's) and a breaking example on a clean row (`row_breaks`); its
example message is what the validator says about that example (child.rules.example_message), and
tests/child/test_registry.py checks every one, in every year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fgc_collect.child.rules import (
    age_checks, completeness_checks, consent_first_checks, duplicate_child_checks, example_message, family_field_checks,
    fgdm_checks, order_checks, personal_data_checks, referred_twice_checks, scope_checks, type_checks,
)
from fgc_collect.child.spec import DATE_ORDER, ChildSpec
from fgc_collect.spec import Spec
from fgc_collect.validate.batch_rules import check_fgc201, check_fgc202, check_fgc203, check_fgc204, check_fgc205
from fgc_collect.validate.cell_rules import (
    check_fgc005, check_fgc006, check_fgc010, failing_fgc001, failing_fgc002, failing_fgc003, failing_fgc004,
    failing_fgc007, failing_fgc008, failing_fgc009, failing_fgc011, message_fgc001, message_fgc002, message_fgc003,
    message_fgc004, message_fgc007, message_fgc008, message_fgc009, message_fgc011,
)
from fgc_collect.validate.messages import (
    comparison, fgc001, fgc002, fgc003, fgc004, fgc005, fgc006_template, fgc007, fgc008, fgc009, fgc010, fgc011,
    fgc101, fgc102, fgc103, fgc106, fgc107, fgc109, fgc110, fgc111, fgc112, fgc114, fgc201, fgc202, fgc203,
    fgc204, fgc205,
)
from fgc_collect.validate.return_rules import (
    render_comparison, render_fgc101, render_fgc102, render_fgc103, render_fgc106, render_fgc107, render_fgc109,
    render_fgc110, render_fgc111, render_fgc112, render_fgc114,
)
from fgc_collect.validate.suites import (
    plan_fgc101, plan_fgc102, plan_fgc103, plan_fgc106, plan_fgc107, plan_fgc109, plan_fgc110, plan_fgc111,
    plan_fgc112, plan_fgc114,
)
from fgc_collect.template.checks import write_breakdowns, write_cells, write_comparisons, write_no_service

# What a breaking example needs besides its own return (Breaks.needs)
EXCEL_ERROR = "excel error"  # the changed cells hold Excel errors, not text
PEERS = "peers"  # 10 or more other councils' clean returns in the batch
TWIN = "twin"  # an earlier return of the same council in the batch (with the change, what breaks the rule)
PREVIOUS_YEAR = "previous year"  # the council's clean return as its accepted return of the year before
READER = "reader"  # the engine of FGC301: the reader finds it in the header row (child.rules.column_issues)


@dataclass(frozen=True)
class Breaks:
    """A change to a clean return that makes the rule fire at item `at` (None: the return as a
    whole). change(clean values, spec) -> {item id: raw cell value}, None for a blank."""

    change: Callable[[dict[str, object], Spec], dict[str, object]]
    at: str | None
    needs: str | None = None


@dataclass(frozen=True)
class RowBreaks:
    """A change to a clean child-level row that makes the rule fire at column `at`.
    change(clean row, child spec) -> the changed values ({column id: text}, "" for a blank), or a
    list of them, one row each (a rule about several rows); `without`: columns left out of the
    header."""

    change: Callable[[dict[str, str], ChildSpec], dict[str, str] | list[dict[str, str]]]
    at: str
    without: tuple[str, ...] = ()

    def rows(self, clean: dict[str, str], spec: ChildSpec) -> list[dict[str, str]]:
        changed = self.change(clean, spec)
        return [clean | change for change in (changed if isinstance(changed, list) else [changed])]

    def columns(self, spec: ChildSpec) -> list[str]:
        return [column for column in spec.column_ids if column not in self.without]


@dataclass(frozen=True)
class Rule:
    code: str
    engine: str  # pandera, gx or python: what runs the check
    title: str
    why: str
    fix: str
    example: Callable[[], str]  # an example message (called inside checking_against(spec))
    breaks: Breaks | None = None  # None for a child-level rule (tested in tests/child)
    # a return-scope rule: (spec, failed expectation's meta, ReturnView) -> Issue (return_rules.render)
    render: Callable | None = None
    # its expectations in the suite: spec -> [suites.Planned] (a rule comparing counts: suites.plan_comparison)
    plan: Callable | None = None
    # a pandera cell rule: () -> the polars expression True on a failing row of the stacked cells
    # (cell_rules.stacked_cells), and its message: (spec, failing row, ReturnView) -> str
    cell_failing: Callable | None = None
    cell_message: Callable | None = None
    # a Python cell rule: ReturnView -> [Issue]
    cell_check: Callable | None = None
    # a batch rule: batch_rules.BatchContext -> [(return index, Issue)]
    batch_check: Callable | None = None
    # how the template checks it in its Check column: the writer of template/checks.py that puts its
    # formulas on the _checks sheet (a comparison: when it is an error); None: the workbook does not
    workbook: Callable | None = None
    # a child-level row rule: (ChildSpec, column ids the file has) -> its [child.rules.RowCheck]
    row_checks: Callable | None = None
    # a child-level rule's breaking example (tests/child/test_registry.py runs it through the validator)
    row_breaks: RowBreaks | None = None


def _all_unknown(clean: dict[str, object], spec: Spec, breakdown: str) -> dict[str, object]:
    """The breakdown's whole total under its Unknown category, 0 in the others."""
    cells = spec.item(breakdown).cells
    total = sum(int(clean[cell.id]) for cell in cells)
    return {cell.id: total if cell.id == cells[-1].id else 0 for cell in cells}


def _other_code(spec: ChildSpec, column: str, clean: dict[str, str]) -> str:
    """A code of the column other than the clean row's."""
    return next(code for code in spec.column(column).codes if code != clean[column])


def _a_year_earlier(clean: dict[str, str]) -> dict[str, str]:
    """Every date of the row one year earlier (dd-mm kept: the example row's dates are not 29 February)."""
    return {column: f"{int(clean[column][:4]) - 1}{clean[column][4:]}" for column in DATE_ORDER if clean[column]}


RULES: tuple[Rule, ...] = (
    Rule(
        "FGC001", "pandera",
        title="A count is a whole number of 0 or more (and FGC coordinators, A10, a number in its range)",
        why=(
            "Counts are added up across councils; a negative number, a fraction, a date or a word cannot be. "
            "A date usually means the spreadsheet turned the figure into a date as it was typed."
        ),
        fix=(
            "Type the exact whole number; 0 if there were none. Format a cell that shows a date as a number "
            "and type the figure again. Leave the cell blank only if the figure is not available."
        ),
        example=lambda: fgc001("B1", "D6", "number", "-3", -3.0),
        breaks=Breaks(lambda clean, spec: {"B1": -3}, "B1"),
        cell_failing=failing_fgc001, cell_message=message_fgc001,
        workbook=write_cells,
    ),
    Rule(
        "FGC002", "pandera",
        title="Exact figures, not suppressed ones",
        why=(
            "Small numbers are suppressed when the national statistics are published, after councils' figures "
            "have been added up. A '<5', 'c', '*', a range or 'approx 40' in a return makes totals impossible "
            "to add or check."
        ),
        fix=(
            "Replace the marker with the exact figure, however small. The figures you send are not published "
            "as they are."
        ),
        example=lambda: fgc002("B3_U1", "D11", "<5"),
        breaks=Breaks(lambda clean, spec: {"B3_U1": "<5"}, "B3_U1"),
        cell_failing=failing_fgc002, cell_message=message_fgc002,
        workbook=write_cells,
    ),
    Rule(
        "FGC003", "pandera",
        title="A number typed as text",
        why=(
            "The figure can be read (and is used by the other checks), but text in a number cell often comes "
            "from pasting and can hide a typing error such as a stray space or separator."
        ),
        fix="Check the figure we read (it is in the message), then enter it as a number in your file.",
        example=lambda: fgc003("B1", "D6", " 1,234 ", 1234.0),
        breaks=Breaks(lambda clean, spec: {"B1": f" {clean['B1']} "}, "B1"),
        cell_failing=failing_fgc003, cell_message=message_fgc003,
        workbook=write_cells,
    ),
    Rule(
        "FGC004", "pandera",
        title="A required answer is blank",
        why=(
            "A blank means 'not provided', not 0. Items required of every council, and the main counts of a "
            "council that had an FGC service (A5 is Yes), are needed to publish national figures."
        ),
        fix=(
            "Enter the answer. For a count, enter 0 if there were none. If the cell cannot be found (a row "
            "was deleted), copy your answers into a fresh copy of the template."
        ),
        example=lambda: fgc004("B1", "D6", condition="A5 == Y"),
        breaks=Breaks(lambda clean, spec: {"B1": None}, "B1"),
        cell_failing=failing_fgc004, cell_message=message_fgc004,
        workbook=write_cells,
    ),
    Rule(
        "FGC005", "python",
        title="The local authority code is one of the collection year's codes",
        why=(
            "The code decides whose return this is. Codes change when councils reorganise (Cumbria, North "
            "Yorkshire and Somerset in April 2023); an old code would file the return under a council that no "
            "longer exists."
        ),
        fix=(
            "Enter your council's 9-character ONS code as on the template's cover. The message names the code "
            "to use when an old one was given. The 3-digit DfE code is accepted too."
        ),
        example=lambda: fgc005("A2", "D7", "E10000023", "North Yorkshire", "31/03/2023", (("E06000065", "North Yorkshire"),)),
        breaks=Breaks(lambda clean, spec: {"A2": "E10000023"}, "A2"),
        cell_check=check_fgc005,
    ),
    Rule(
        "FGC006", "python",
        title="Name, code and template are the same council",
        why=(
            "Templates are prefilled for each council. A template filled in by another council (one passed "
            "on, or a copy of last year's neighbour's), or a name that does not match the code, would put the "
            "figures under the wrong council."
        ),
        fix=(
            "Use the template sent to your council and make sure A1 and A2 are your council's name and code "
            "(a name written differently, such as 'Durham County Council' for County Durham, is accepted). "
            "If you were sent the wrong template, tell the coordinator."
        ),
        example=lambda: fgc006_template("D7", "E06000005", "Darlington", "E06000047", "County Durham"),
        breaks=Breaks(lambda clean, spec: {"A1": "Darlington"}, "A2"),
        cell_check=check_fgc006,
    ),
    Rule(
        "FGC007", "pandera",
        title="The contact email address looks like one",
        why="We use it to ask about the return; a mistyped address means queries go nowhere.",
        fix="Check the address in A4 (for example name@council.gov.uk).",
        example=lambda: fgc007("A4", "D9"),
        breaks=Breaks(lambda clean, spec: {"A4": "jo.bloggs at durham"}, "A4"),
        cell_failing=failing_fgc007, cell_message=message_fgc007,
    ),
    Rule(
        "FGC008", "pandera",
        title="An answer is one of the listed options",
        why=(
            "Answers to choice questions are counted by option; an answer outside the list cannot be counted. "
            "Case and surrounding spaces do not matter, and the option's code or its wording are both accepted."
        ),
        fix="Choose an option from the cell's drop-down list.",
        example=lambda: fgc008("A5", "D10", "Maybe", ["Yes", "No"]),
        breaks=Breaks(lambda clean, spec: {"A5": "Maybe"}, "A5"),
        cell_failing=failing_fgc008, cell_message=message_fgc008,
        workbook=write_cells,
    ),
    Rule(
        "FGC009", "pandera",
        title="A description is within its length limit",
        why="Descriptions are read and summarised by the research team; the limit keeps them comparable.",
        fix="Shorten the text to the number of characters the message gives.",
        example=lambda: fgc009("A14", "D40", 4210, 4000),
        breaks=Breaks(lambda clean, spec: {"A14": "x" * (spec.item("A14").max_chars + 1)}, "A14"),
        cell_failing=failing_fgc009, cell_message=message_fgc009,
        workbook=write_cells,
    ),
    Rule(
        "FGC010", "python",
        title="No personal data in free text",
        why=(
            "The return must not identify children or families. The check looks in A7, A14, A15 and E1 for NHS "
            "numbers (with a valid check digit), postcodes written in capitals, dates of birth (a date after "
            "'DOB', 'date of birth' or 'born'), email addresses other than the contact's own in A4, and UK "
            "phone numbers. The message names every kind it found; the report does not repeat the text."
        ),
        fix=(
            "Remove the details, or describe the case without them, and send the return again. If the text "
            "is not personal data (a team mailbox or phone line, an office postcode), say so when the coordinator asks."
        ),
        example=lambda: fgc010("E1", "D5", ["a postcode", "a phone number"]),
        breaks=Breaks(lambda clean, spec: {"E1": "Ring the family on 07700 900123."}, "E1"),
        cell_check=check_fgc010,
    ),
    Rule(
        "FGC011", "pandera",
        title="An Excel error in a cell",
        why=(
            "A cell showing #REF!, #DIV/0!, #VALUE! and the like has no value to use; it usually comes from a "
            "formula or a link to another workbook."
        ),
        fix="Replace the formula or link with the value itself.",
        example=lambda: fgc011("B2", "D7", "#REF!"),
        breaks=Breaks(lambda clean, spec: {"B2": "#REF!"}, "B2", needs=EXCEL_ERROR),
        cell_failing=failing_fgc011, cell_message=message_fgc011,
        workbook=write_cells,
    ),
    Rule(
        "FGC101", "gx",
        title="A breakdown adds up to its total",
        why=(
            "Each breakdown (by age, sex, ethnicity, disability, status, source, reason) describes the same "
            "children or families as its total; if the two differ, one of them is wrong. Checked when every "
            "category is filled and the total is given."
        ),
        fix=(
            "Correct the categories or the total so that they agree; count anyone whose category is not "
            "recorded under Unknown. The message says how many are short or over."
        ),
        example=lambda: fgc101("B3", "D16", "B2", 37, 40),
        breaks=Breaks(lambda clean, spec: {"B3_U1": clean["B3_U1"] + 3}, "B3"),
        render=render_fgc101,
        plan=plan_fgc101,
        workbook=write_breakdowns,
    ),
    Rule(
        "FGC102", "gx",
        title="A breakdown is left blank although its total is above 0",
        why=(
            "The breakdowns are what the survey is for: they show who is offered FGCs. A blank breakdown is "
            "'not provided', which we can accept if you tell us why."
        ),
        fix=(
            "Fill in the categories (putting unrecorded ones under Unknown), or explain in E1 why the "
            "breakdown cannot be provided, and answer the coordinator's query."
        ),
        example=lambda: fgc102("B5", "D33", "B2", 40),
        breaks=Breaks(lambda clean, spec: {cell.id: None for cell in spec.item("B5").cells}, "B5"),
        render=render_fgc102,
        plan=plan_fgc102,
    ),
    Rule(
        "FGC103", "gx",
        title="A breakdown is only partly filled in",
        why=(
            "A blank among filled categories could mean 0 or 'not known'; the breakdown cannot be added up "
            "or published until you say which."
        ),
        fix="Enter 0 in categories with none, and count those whose category is not recorded under Unknown.",
        example=lambda: fgc103("B4", [("Female", "D19"), ("Unknown or not recorded", "D20")]),
        breaks=Breaks(lambda clean, spec: {spec.item("B4").cells[0].id: None}, "B4"),
        render=render_fgc103,
        plan=plan_fgc103,
        workbook=write_breakdowns,
    ),
    Rule(
        "FGC104", "gx",
        title="At least one child per family",
        why=(
            "Children are counted within families (referrals, consents, conferences), so the count of children "
            "cannot be smaller than the count of families. Skipped when either figure is blank."
        ),
        fix=(
            "Check both figures: often one of them counts the other unit (children for families or the "
            "reverse)."
        ),
        example=lambda: comparison("FGC104", "D7", ("B2",), ">=", ("B1",), {"B2": 30, "B1": 34}),
        breaks=Breaks(lambda clean, spec: {"D3": clean["D1"] - 1}, "D3"),
        render=render_comparison,
        workbook=write_comparisons,
    ),
    Rule(
        "FGC105", "gx",
        title="A part is not larger than its whole",
        why=(
            "'Of which' counts (offered at pre-proceedings, held at pre-proceedings, plans agreed) are part "
            "of their whole. Skipped when either figure is blank."
        ),
        fix="Check both figures; correct the one that is wrong.",
        example=lambda: comparison("FGC105", "D6", ("C1_PLO",), "<=", ("C1",), {"C1_PLO": 25, "C1": 20}),
        breaks=Breaks(lambda clean, spec: {"C1_PLO": clean["C1"] + 1}, "C1_PLO"),
        render=render_comparison,
        workbook=write_comparisons,
    ),
    Rule(
        "FGC106", "gx",
        title="No service, but figures above 0",
        why=(
            "A council that says it had no FGC service in the year (A5 is No) should not report referrals, "
            "offers or conferences."
        ),
        fix="If you had a service at any point in the year, change A5 to Yes; otherwise clear the figures.",
        example=lambda: fgc106("D10", [("B1", 12.0), ("B2", 15.0)]),
        breaks=Breaks(lambda clean, spec: {"A5": "N"}, "A5"),
        render=render_fgc106,
        plan=plan_fgc106,
        workbook=write_no_service,
    ),
    Rule(
        "FGC107", "gx",
        title="A service, but no referrals",
        why=(
            "A council that had an FGC service usually received referrals in the year; 0 may be right for a "
            "service that started late or was paused, but it is worth a check."
        ),
        fix="Check B1; if it is right, say why in E1 and answer the coordinator's query.",
        example=lambda: fgc107("D6"),
        breaks=Breaks(lambda clean, spec: {"B1": 0}, "B1"),
        render=render_fgc107,
        plan=plan_fgc107,
    ),
    Rule(
        "FGC108", "gx",
        title="The funnel narrows: referred, offered, consented, held",
        why=(
            "Fewer families consent than are offered an FGC, and fewer FGCs are held than families consent. "
            "Counts are of events in the year, so a family referred in the March before it may be offered an FGC "
            "in April: this is a query, not an error. Skipped when a figure is blank."
        ),
        fix=(
            "Check the figures; if they are right, say so in E1 (for example many families carried over "
            "from the previous year)."
        ),
        example=lambda: comparison("FGC108", "D8", ("C2", "C9"), "<=", ("C1",), {"C2": 30, "C9": 8, "C1": 35}),
        breaks=Breaks(lambda clean, spec: {"C2": clean["C1"] + 1}, "C2"),
        render=render_comparison,
    ),
    Rule(
        "FGC109", "gx",
        title="More than 4 children per family on average",
        why=(
            "Families referred to FGC services have about 2 children on average; more than 4 suggests a "
            "count of children where families were asked for, or the reverse."
        ),
        fix="Check both figures; if they are right, say so in E1.",
        example=lambda: fgc109("B2", "B1", "D7", 90, 20),
        breaks=Breaks(lambda clean, spec: {"D3": clean["D1"] * 5}, "D3"),
        render=render_fgc109,
        plan=plan_fgc109,
    ),
    Rule(
        "FGC110", "gx",
        title="Unknown is more than half of a breakdown",
        why=(
            "A breakdown that is mostly Unknown tells us little about who is offered FGCs and weakens the "
            "national figures."
        ),
        fix=(
            "Check whether the information is recorded elsewhere (the case management system); if it cannot "
            "be found, say why in E1."
        ),
        example=lambda: fgc110("B5", "B5_UNK", "D31", 25, "B2", 40),
        breaks=Breaks(lambda clean, spec: _all_unknown(clean, spec, "B4"), "B4_U"),
        render=render_fgc110,
        plan=plan_fgc110,
    ),
    Rule(
        "FGC111", "gx",
        title="Pre-proceedings figures although FGCs were not offered at pre-proceedings",
        why=(
            "A8_PLO says whether FGCs were offered at pre-proceedings; C1_PLO and D1_PLO count them. The two "
            "answers contradict each other."
        ),
        fix="Correct A8_PLO or the pre-proceedings figures.",
        example=lambda: fgc111("C1_PLO", "D6", 7),
        breaks=Breaks(lambda clean, spec: {"A8_PLO": "N"}, "C1_PLO"),
        render=render_fgc111,
        plan=plan_fgc111,
    ),
    Rule(
        "FGC112", "gx",
        title="Commissioned service with no provider named",
        why=(
            "For a commissioned or mixed service we need the provider's name to describe how FGCs are "
            "delivered nationally."
        ),
        fix="Name the external provider in A7.",
        example=lambda: fgc112("D12", "Commissioned from an external provider"),
        breaks=Breaks(lambda clean, spec: {"A6": "COMMISSIONED", "A7": None}, "A7"),
        render=render_fgc112,
        plan=plan_fgc112,
    ),
    Rule(
        "FGC201", "python",
        title="Children referred per 10,000 children far from other councils",
        why=(
            "B2 per 10,000 children aged 0 to 17 (ONS mid-year estimates) is compared with the other councils' "
            "returns (those received, and those in the same batch; one per council, its newest) once 10 or "
            "more councils' returns with the figure are in, this one included. A rate outside the quartiles "
            "of the others +/- 3 times their interquartile range is unusual enough to check. Skipped for "
            "councils without a population figure."
        ),
        fix="Check B2 (children, not families or referrals); if it is right, say why in E1.",
        example=lambda: fgc201("D7", 950, 95.0, 2.1, 31.4, 120),
        breaks=Breaks(lambda clean, spec: {"B2": clean["B2"] * 50}, "B2", needs=PEERS),
        batch_check=check_fgc201,
    ),
    Rule(
        "FGC202", "python",
        title="Consent or conference rate far from other councils",
        why=(
            "Families who consented as a share of families offered (C2/C1), and FGCs held as a share of "
            "consents (D1/C2), compared with the other councils' returns as in FGC201."
        ),
        fix="Check the figures; if they are right, say why in E1.",
        example=lambda: fgc202("C2", "C1", "D8", 5, 60, 0.35, 1.0, 120),
        breaks=Breaks(lambda clean, spec: {"C2": 2}, "C2", needs=PEERS),
        batch_check=check_fgc202,
    ),
    Rule(
        "FGC203", "python",
        title="More children referred than children in need",
        why=(
            "Children referred to FGC services in the year are usually far fewer than the council's children "
            "in need at 31 March (DfE, Children in need: the year's figures, or the latest held, as the message "
            "says). Skipped when the reference figure is missing."
        ),
        fix="Check that B2 counts children referred to the FGC service, not all referrals or contacts.",
        example=lambda: fgc203("D7", 5200, 4109, "County Durham"),
        breaks=Breaks(lambda clean, spec: {"B2": 100_000}, "B2"),
        batch_check=check_fgc203,
    ),
    Rule(
        "FGC204", "python",
        title="A return for the same council is already held",
        why=(
            "Only one return per council is used; a new one replaces the old once accepted. The message "
            "names the other file, which one is newer, and what changed item by item."
        ),
        fix="Check that the newer file is the version you meant to send; tell the coordinator if not.",
        example=lambda: fgc204("County Durham", "Durham FGC return v1.xlsx", True, True, "B1 12 -> 14; C2 8 -> 9 (+3 more)"),
        breaks=Breaks(lambda clean, spec: {"B1": clean["B1"] + 1}, None, needs=TWIN),
        batch_check=check_fgc204,
    ),
    Rule(
        "FGC113", "gx",
        title=(
            "Families offered an FGDM meeting, and not offered one for the child's best interests, are within "
            "the families for whom proceedings were considered"
        ),
        why=(
            "C12 and C13 are parts of C11: together they cannot be more than it. The three figures measure "
            "the new duty to offer a family group decision making meeting before care proceedings."
        ),
        fix=(
            "Check C11, C12 and C13 against the same list of families: C12 and C13 count families among "
            "those in C11, and a family is in at most one of them."
        ),
        example=lambda: comparison("FGC113", "D36", ("C12", "C13"), "<=", ("C11",), {"C12": 30, "C13": 9, "C11": 35}),
        breaks=Breaks(lambda clean, spec: {"C12": clean["C11"]}, "C12"),
        render=render_comparison,
        workbook=write_comparisons,
    ),
    Rule(
        "FGC114", "gx",
        title="The FGDM duty's figures are given",
        why=(
            "C11 says proceedings were considered for some families, but without C12 and C13 nobody can tell "
            "how often the duty to offer a meeting was met. Blank means 'not provided', 0 means 'none'."
        ),
        fix="Enter C12 and C13, 0 where there were none; if you cannot count them, say why in E1.",
        example=lambda: fgc114("D36", ["C12", "C13"], "C11", 35),
        breaks=Breaks(lambda clean, spec: {"C12": None, "C13": None}, "C12"),
        render=render_fgc114,
        plan=plan_fgc114,
    ),
    Rule(
        "FGC205", "python",
        title="A figure far from the council's accepted return for the previous year",
        why=(
            "A figure that changed by more than half (and by more than 20) since last year is often a change "
            "of definition or a typing slip, and would show as a jump in the published time series."
        ),
        fix=(
            "Check the figure against last year's; if it is right, say in E1 what changed (a new service, a "
            "new recording system, a different definition)."
        ),
        example=lambda: fgc205("B1", "D6", 250, "2024-25", 102, "2023-24"),
        breaks=Breaks(lambda clean, spec: {"B1": clean["B1"] * 3}, "B1", needs=PREVIOUS_YEAR),
        batch_check=check_fgc205,
    ),
    Rule(
        "FGC312", "pandera",
        title="The FGDM duty's columns follow from proceedings_considered (child-level returns)",
        why=(
            "fgdm_offered and fgdm_not_offered_reason describe families for whom care proceedings were "
            "considered; given for another family, or a reason given beside an offer, they would put a family "
            "into C12 or C13 that is not in C11."
        ),
        fix=(
            "Give fgdm_offered only when proceedings_considered is Y, and fgdm_not_offered_reason only when "
            "fgdm_offered is N; otherwise correct proceedings_considered or leave the column blank."
        ),
        example=lambda: example_message("FGC312"),
        row_checks=fgdm_checks,
        row_breaks=RowBreaks(lambda clean, spec: {"proceedings_considered": "N", "fgdm_offered": "Y"}, "fgdm_offered"),
    ),
    Rule(
        "FGC301", READER,
        title="The header row has the return's columns (child-level returns)",
        why=(
            "Columns are found by their header, the column id of the template's Children sheet (case, spaces, "
            "underscores and hyphens do not matter). A required column that is missing cannot be checked or "
            "counted, and a column headed twice is read only once. A column that is not part of the return "
            "(notes, a worker's name) is a warning: it is not read, and nothing from it is kept."
        ),
        fix=(
            "Use the header row of the template's Children sheet: add each missing column headed with its id, "
            "remove or rename the second of two columns with the same heading, and leave out columns that are "
            "not part of the return."
        ),
        example=lambda: example_message("FGC301"),
        row_breaks=RowBreaks(lambda clean, spec: {}, "consent", without=("consent",)),
    ),
    Rule(
        "FGC302", "pandera",
        title="A value is of its column's type, or one of its codes (child-level returns)",
        why=(
            "Each value is counted by its code, its date or its number; a value that cannot be read counts as "
            "Unknown in the figures derived from the rows, and a blank required value leaves the child out of a "
            "breakdown. The message names the row and the column but never the value: it may be an identifier "
            "pasted into the wrong column."
        ),
        fix=(
            "Give the value as the column asks: a code (or its label) from the Codes sheet, a date as YYYY-MM-DD "
            "or a real date cell, the month of birth as YYYY-MM, a whole number of 0 or more. Fill in every "
            "required column, and give child_id and family_id as the case management system's own identifiers "
            "(40 characters at most)."
        ),
        example=lambda: example_message("FGC302"),
        row_checks=type_checks,
        row_breaks=RowBreaks(lambda clean, spec: {"consent": "Maybe"}, "consent"),
    ),
    Rule(
        "FGC303", "pandera",
        title="Dates run in order: referral, offer, consent, conference (child-level returns)",
        why=(
            "A family is offered an FGC after it is referred, consents after the offer and meets after "
            "consenting. A date out of order is usually a typing slip or a date in the wrong column, and would "
            "count the family at the wrong stage of the year. Blank dates are skipped."
        ),
        fix=(
            "Check the row's dates against the case record and correct the one that is wrong, so that "
            "referral_date <= offer_date <= consent_date <= fgc_date."
        ),
        example=lambda: example_message("FGC303"),
        row_checks=order_checks,
        row_breaks=RowBreaks(lambda clean, spec: {"consent_date": clean["referral_date"]}, "consent_date"),
    ),
    Rule(
        "FGC304", "pandera",
        title="A row belongs to the year's return (child-level returns)",
        why=(
            "The return covers referrals made on or before 31 March, the end of the year, with at least one "
            "event (referral, offer, consent or conference) in the year. A row outside it belongs to another "
            "year's return and would be counted in the wrong year."
        ),
        fix=(
            "Take the row out if it belongs to another year; otherwise correct referral_date or the date of "
            "the event that fell in the year."
        ),
        example=lambda: example_message("FGC304"),
        row_checks=scope_checks,
        row_breaks=RowBreaks(lambda clean, spec: _a_year_earlier(clean), "referral_date"),
    ),
    Rule(
        "FGC305", "pandera",
        title="A consent or a conference outcome has what it needs (child-level returns)",
        why=(
            "The dates of consent and of the conference place the family at its stage of the year, and the "
            "reason a family declined or a conference did not take place is what the survey asks about them. "
            "UNK (Not known) is an answer."
        ),
        fix=(
            "Give consent_date when consent is Y, fgc_date when fgc_held is Y, not_held_reason when fgc_held is "
            "N, and decline_reason when consent is N (UNK when the reason is not known)."
        ),
        example=lambda: example_message("FGC305"),
        row_checks=completeness_checks,
        row_breaks=RowBreaks(lambda clean, spec: {"consent_date": ""}, "consent_date"),
    ),
    Rule(
        "FGC306", "pandera",
        title="Whether the FGC took place is given only for families who consented (child-level returns)",
        why=(
            "fgc_held describes the families who consented to an FGC. Given for a family that declined, is "
            "pending or was not offered one, it contradicts consent, and one of the two is wrong."
        ),
        fix="Leave fgc_held blank unless consent is Y, or correct consent if the family did consent.",
        example=lambda: example_message("FGC306"),
        row_checks=consent_first_checks,
        row_breaks=RowBreaks(
            lambda clean, spec: {"consent": "N", "consent_date": "",
                                 "decline_reason": spec.column("decline_reason").codes[0]},
            "fgc_held",
        ),
    ),
    Rule(
        "FGC307", "pandera",
        title="A child is listed once per referral (child-level returns)",
        why=(
            "A row is one child in one referral (family_id); a child listed twice in a referral would be "
            "counted twice among its children."
        ),
        fix=(
            "Remove the second row of the child (the message names the first), or correct child_id if the two "
            "rows are different children."
        ),
        example=lambda: example_message("FGC307"),
        row_checks=duplicate_child_checks,
        row_breaks=RowBreaks(lambda clean, spec: [{}, {}], "child_id"),
    ),
    Rule(
        "FGC308", "pandera",
        title="A referral's own columns are the same for every child in it (child-level returns)",
        why=(
            "referral_date, referral_source and the offer, consent and conference columns are about the "
            "referral, not the child. The family is counted from its first row, so a different value on "
            "another child's row contradicts it, and one of the two is wrong."
        ),
        fix=(
            "Make the column the same on every row with that family_id (the message names the first row), or "
            "correct family_id if the rows are different referrals."
        ),
        example=lambda: example_message("FGC308"),
        row_checks=family_field_checks,
        row_breaks=RowBreaks(
            lambda clean, spec: [{}, {"child_id": clean["child_id"] + "B",
                                      "referral_source": _other_code(spec, "referral_source", clean)}],
            "referral_source",
        ),
    ),
    Rule(
        "FGC309", "pandera",
        title="An unborn child has no birth month; a child is 0 to 17 at referral (child-level returns)",
        why=(
            "Ages are counted from the month of birth (from its 15th) to the date of each stage; an unborn "
            "child is counted as Unborn, with sex U. A month of birth after the referral, or one that makes the "
            "child 18 or over at referral, cannot be right for a child referred to the service."
        ),
        fix=(
            "For a child unborn at referral, set unborn to Y, leave birth_month blank and give sex U; otherwise "
            "check birth_month (YYYY-MM) against the case record."
        ),
        example=lambda: example_message("FGC309"),
        row_checks=age_checks,
        row_breaks=RowBreaks(lambda clean, spec: {"unborn": "Y"}, "birth_month"),
    ),
    Rule(
        "FGC310", "pandera",
        title="A child is in more than one referral (child-level returns)",
        why=(
            "A child referred twice in the year (two family_ids) is counted in each referral. That is right "
            "when the child was referred twice, but it can also be one referral recorded under two family_ids."
        ),
        fix=(
            "Check that the two referrals are different; if they are one referral, give its rows the same "
            "family_id."
        ),
        example=lambda: example_message("FGC310"),
        row_checks=referred_twice_checks,
        row_breaks=RowBreaks(lambda clean, spec: [{}, {"family_id": clean["family_id"] + "B"}], "child_id"),
    ),
    Rule(
        "FGC311", "pandera",
        title="An identifier looks like personal data (child-level returns)",
        why=(
            "child_id and family_id should be the case management system's own identifiers. One that looks "
            "like an NHS number, a name or a date of birth is personal data, which the return must not carry; "
            "it is pseudonymised on arrival like any identifier and never shown, not even in the message."
        ),
        fix=(
            "Replace it with the case management system's own identifier of the child or the referral, and send "
            "the return again."
        ),
        example=lambda: example_message("FGC311"),
        row_checks=personal_data_checks,
        # the NHS's published test number: a valid check digit, nobody's number
        row_breaks=RowBreaks(lambda clean, spec: {"child_id": "943 476 5919"}, "child_id"),
    ),
)

REGISTRY: dict[str, Rule] = {rule.code: rule for rule in RULES}


def entries_for(spec: Spec, scope: str, field: str) -> dict[str, Rule]:
    """The spec's aggregate rules of `scope` whose entry has `field` (cell_failing, cell_check,
    batch_check: what checks them), code -> entry, in the spec's order."""
    return {
        rule.code: REGISTRY[rule.code] for rule in spec.rules
        if rule.level == "aggregate" and rule.scope == scope and getattr(REGISTRY.get(rule.code), field, None) is not None
    }


def unchecked_rules(spec: Spec) -> list[str]:
    """The spec's aggregate rules fgc-collect has no check for: no registry entry, and not a
    comparison of counts (the one kind of rule a survey file can add without code)."""
    from fgc_collect.validate.suites import comparison_rules

    compared = set(comparison_rules(spec))
    return [rule.code for rule in spec.rules
            if rule.level == "aggregate" and rule.code not in REGISTRY and rule.code not in compared]


def refuse_unchecked_rules(spec: Spec) -> None:
    """SpecChangeError, in one sentence, for a rule validate could only skip silently."""
    from fgc_collect.spec.overlay import SpecChangeError

    unchecked = unchecked_rules(spec)
    if unchecked:
        rule = spec.rule(unchecked[0])
        more = f" ({len(unchecked) - 1} more such: {', '.join(unchecked[1:])})" if len(unchecked) > 1 else ""
        raise SpecChangeError(
            f"{rule.code} cannot be checked: a rule a survey file adds must compare counts in its applies_to, "
            f"such as \"D12<=D1\" or \"C12+C13<=C11\" ({rule.code}'s is \"{rule.applies_to}\"){more}.")
