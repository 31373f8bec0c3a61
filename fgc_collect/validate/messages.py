"""Every message the validator writes, one function per rule (the rule catalogue calls the same
functions for its examples). Each message is one sentence a council officer can act on: the item
(id and short label), the cell, the figures, and what to do."""

from __future__ import annotations

from fgc_collect.spec import Spec, load_spec
from fgc_collect.validate.common import checking_against, fmt, join_words, named, quoted, short_label, spec_in_force


def _at(cell: str | None) -> str:
    return f" in {cell}" if cell else ""


# --- FGC001-FGC011: single cells ---------------------------------------------------------------


def fgc001(item: str, cell: str | None, raw_kind: str, raw: str | None, number: float | None,
           minimum: float | None = None, maximum: float | None = None, decimal: bool = False) -> str:
    what = named(item)
    if raw_kind == "date":
        raw = (raw or "").removesuffix("T00:00:00")
        return (f"{what}{_at(cell)} holds a date ({raw}), not a figure: the cell was probably formatted "
                "as a date, so format it as a number and type the figure again.")
    if raw_kind == "bool":
        return f"{what}{_at(cell)} holds {raw}, not a figure: enter the figure, 0 for none."
    if decimal:
        low = fmt(0 if minimum is None else minimum)
        if number is None:
            return (f"{what}{_at(cell)} holds {quoted(raw)}, not a number: enter a number from {low} "
                    f"to {fmt(maximum)}, or leave it blank if you do not know.")
        return (f"{what}{_at(cell)} is {fmt(number)}, outside the range this question allows: enter "
                f"a number from {low} to {fmt(maximum)}.")
    if number is None:
        return (f"{what}{_at(cell)} holds {quoted(raw)}, not a figure: enter a whole number "
                "(0 for none), or leave it blank if the figure is not available.")
    problem = "negative" if number < 0 else "not a whole number"
    return (f"{what}{_at(cell)} is {fmt(number)}, which is {problem}: a count must be a whole "
            "number of 0 or more, so enter the exact count.")


def fgc002(item: str, cell: str | None, raw: str | None) -> str:
    return (f"{named(item)}{_at(cell)} holds {quoted(raw)} instead of a figure: give the exact "
            "number, however small, because totals can only be checked with exact figures and small "
            "numbers are suppressed when the statistics are published, never in a return.")


def fgc003(item: str, cell: str | None, raw: str | None, number: float) -> str:
    return (f"{named(item)}{_at(cell)} was typed as text ({quoted(raw)}) and has been read as "
            f"{fmt(number)}: please check that figure and enter it as a number in your file.")


def fgc004(item: str, cell: str | None, condition: str | None = None, missing: bool = False) -> str:
    spec = spec_in_force()
    because = ""
    advice = "please answer it"
    if condition:
        source, value = condition.split("==")
        because = f" because {source.strip()} is {value.strip()}"
    if spec.has_input_cell(item) and spec.input_cell(item).kind == "count":
        advice = "enter the figure, 0 if there were none"
    if missing:
        return (f"{named(item)} is required{because} but its cell could not be found in this file "
                "(a row may have been deleted): copy your answers into a fresh copy of the template.")
    return f"{named(item)}{_at(cell)} is blank but is required{because}: {advice}."


def fgc005(item: str, cell: str | None, code: str, retired_name: str | None = None,
           ended: str | None = None, successors: tuple[tuple[str, str], ...] = ()) -> str:
    if successors:
        use = join_words([f"{new_code} ({name})" for new_code, name in successors], "or")
        was = f"the code {retired_name} used until {ended}" if ended else f"not {retired_name}'s code in 2023-24"
        return f"{named(item)}{_at(cell)} is {code}, {was}: use {use}, the 2023-24 code."
    return (f"{named(item)}{_at(cell)} is {quoted(code)}, which is not a 2023-24 local authority "
            "code: enter your council's 9-character ONS code (for example E06000047 for County Durham).")


def fgc006_name(cell: str | None, code: str, code_la: str, name_la: str | None) -> str:
    """A1 is never quoted (free text: it is not repeated in reports or the register); name_la is
    the LA whose name A1 holds, from the reference data, if any."""
    says = f"is the name of {name_la}" if name_la else "does not name that local authority"
    return (f"A2 (local authority code){_at(cell)} is {code}, the code for {code_la}, but A1 (local "
            f"authority name) {says}: correct whichever is wrong so that both are your council's.")


def fgc006_template(cell: str | None, code: str, code_la: str, template_code: str, template_la: str) -> str:
    return (f"This template was prefilled for {template_la} ({template_code}) but A2 (local authority "
            f"code){_at(cell)} says {code_la} ({code}): if you are {code_la}, copy your answers into "
            "the template sent to you, otherwise correct A2.")


def fgc007(item: str, cell: str | None) -> str:
    """The address is never quoted (free text, perhaps someone's personal address)."""
    return (f"{named(item)}{_at(cell)} does not look like an email address (name@council.gov.uk): check "
            "it so that we can reach you about this return.")


def fgc008(item: str, cell: str | None, raw: str | None, options: list[str]) -> str:
    return (f"{named(item)}{_at(cell)} holds {quoted(raw)}, which is not one of the options: choose "
            f"{join_words(options, 'or')} from the drop-down list.")


def fgc009(item: str, cell: str | None, length: int, max_chars: int) -> str:
    return (f"{named(item)}{_at(cell)} has {fmt(length)} characters, more than the {fmt(max_chars)} "
            f"allowed: shorten it by at least {fmt(length - max_chars)} character{'s' if length - max_chars > 1 else ''}.")


def fgc010(item: str, cell: str | None, kinds: list[str]) -> str:
    return (f"{named(item)}{_at(cell)} seems to contain personal data ({join_words(kinds)}): remove "
            "anything that could identify a child or family before you send the return.")


def fgc011(item: str, cell: str | None, raw: str | None) -> str:
    return (f"{named(item)}{_at(cell)} shows the Excel error {raw}: replace the formula or link with "
            "the value itself.")


# --- FGC101-FGC112: consistency inside one return ------------------------------------------------


def fgc101(breakdown: str, cell: str | None, total_item: str, total_cell_sum: float, total: float) -> str:
    difference = total - total_cell_sum
    gap = f"{fmt(abs(difference))} {'short' if difference > 0 else 'over'}"
    return (f"The categories of {named(breakdown)} add up to {fmt(total_cell_sum)}{_at(cell)} but "
            f"{named(total_item)} is {fmt(total)}: {gap}; correct the categories or {total_item} so "
            "that they agree.")


def fgc102(breakdown: str, cell: str | None, total_item: str, total: float) -> str:
    above = f" above {cell}" if cell else ""
    return (f"{named(breakdown)} is blank although {named(total_item)} is {fmt(total)}: fill in the "
            f"categories{above}, counting children or families whose category is not recorded under "
            "Unknown, or tell us in E1 why the breakdown cannot be provided.")


def fgc103(breakdown: str, blank_categories: list[tuple[str, str | None]]) -> str:
    blanks = [f"{label}{f' ({cell})' if cell else ''}" for label, cell in blank_categories]
    verb = "is" if len(blanks) == 1 else "are"
    return (f"{named(breakdown)} is only partly filled in: {join_words(blanks)} {verb} blank; enter 0 "
            "where there were none, and count anyone whose category is not recorded under Unknown.")


def _side(terms: tuple[str, ...], figures: dict[str, float]) -> str:
    if len(terms) == 1:
        return f"{named(terms[0])} is {fmt(figures[terms[0]])}"
    total = sum(figures[term] for term in terms)
    parts = " + ".join(f"{term} ({short_label(term)}, {fmt(figures[term])})" for term in terms)
    return f"{parts} make {fmt(total)}"


# What to do when an inequality of the spec does not hold, by rule; any other rule that compares
# counts (a new year's, a survey file's) gets the advice of its severity.
COMPARISON_ADVICE = {
    "FGC104": "every family has at least one child, so check both figures.",
    "FGC105": "a part cannot be larger than its whole, so check both figures.",
    "FGC108": "a family can cross years, so this may be right: check the figures and explain in E1 if they are correct.",
}
SEVERITY_ADVICE = {
    "error": "these figures cannot all be right, so check them.",
    "warning": "check the figures and explain in E1 if they are correct.",
}


def comparison(code: str, cell: str | None, left: tuple[str, ...], op: str, right: tuple[str, ...],
               figures: dict[str, float], severity: str = "error") -> str:
    """FGC104, FGC105, FGC108 (and any rule whose applies_to compares counts): an inequality of
    the spec that does not hold."""
    should = "at least" if op == ">=" else "no more than"
    advice = COMPARISON_ADVICE.get(code) or SEVERITY_ADVICE[severity]
    return (f"{_side(left, figures)}{_at(cell)} but {_side(right, figures)}: {'+'.join(left)} should "
            f"be {should} {'+'.join(right)}; {advice}")


def fgc106(cell: str | None, above_zero: list[tuple[str, float]]) -> str:
    shown = [f"{item} ({fmt(value)})" for item, value in above_zero[:4]]
    more = f" and {len(above_zero) - 4} more" if len(above_zero) > 4 else ""
    return (f"{named('A5')}{_at(cell)} is N but "
            f"{', '.join(shown)}{more} {'is' if len(above_zero) == 1 else 'are'} above 0: if you had "
            "a service, change A5 to Y; if not, clear those figures.")


def fgc107(cell: str | None) -> str:
    return (f"{named('B1')}{_at(cell)} is 0 although A5 says the local authority had an FGC "
            "service: check B1, or change A5 if there was no service in 2023-24.")


def fgc109(numerator: str, denominator: str, cell: str | None, num: float, den: float) -> str:
    return (f"{named(numerator)}{_at(cell)} is {fmt(num)} and {named(denominator)} is {fmt(den)}, "
            f"{fmt(round(num / den, 1))} children per family on average, more than 4: check both "
            "figures and explain in E1 if they are correct.")


def fgc110(breakdown: str, unknown: str, cell: str | None, unknown_value: float, total_item: str,
           total: float) -> str:
    share = round(100 * unknown_value / total)
    return (f"{named(unknown)}{_at(cell)} is {fmt(unknown_value)} of the {fmt(total)} in {total_item} "
            f"({share}%), more than half: check whether these can be recorded, and tell us in E1 why "
            "so many are unknown if they cannot.")


def fgc111(item: str, cell: str | None, value: float) -> str:
    return (f"{named(item)}{_at(cell)} is {fmt(value)} but A8_PLO says FGCs were not offered at "
            "pre-proceedings: correct A8_PLO or the figure.")


def fgc112(cell: str | None, delivery: str) -> str:
    return (f"{named('A7')}{_at(cell)} is blank although A6 says the service was {delivery.lower()}: "
            "name the external provider.")


# --- FGC201-FGC204: against other returns and reference data -------------------------------------


def fgc201(cell: str | None, b2: float, rate: float, low: float, high: float, others: int) -> str:
    return (f"{named('B2')}{_at(cell)} is {fmt(b2)}, {fmt(round(rate, 1))} per 10,000 children aged "
            f"0 to 17, far outside what the other {others} returns show ({fmt(round(low, 1))} to "
            f"{fmt(round(high, 1))}): check the figure and tell us in E1 if it is right.")


def fgc202(numerator: str, denominator: str, cell: str | None, num: float, den: float, low: float,
           high: float, others: int) -> str:
    ratio = num / den
    return (f"{numerator} ({fmt(num)}) is {round(100 * ratio)}% of {denominator} ({fmt(den)}){_at(cell)}, "
            f"far outside what the other {others} returns show ({round(100 * low)}% to "
            f"{round(100 * high)}%): check {numerator} ({short_label(numerator)}) and {denominator}, "
            "and tell us in E1 if they are right.")


def fgc203(cell: str | None, b2: float, cin: int, la_name: str) -> str:
    return (f"{named('B2')}{_at(cell)} is {fmt(b2)}, more than the {fmt(cin)} children in need "
            f"{la_name} had at 31 March 2024: check that B2 counts children, not referrals or "
            "contacts, and tell us in E1 if it is right.")


def fgc204(la_name: str, other_file: str, held: bool, this_is_newer: bool, changes: str, more: int = 0) -> str:
    also = f" (and {more} other{'s' if more > 1 else ''})" if more else ""
    where = "is already held" if held else "is in the same batch"
    if this_is_newer:
        return (f"Another return for {la_name}, {other_file}{also}, {where}; this one is newer and "
                f"replaces it once accepted ({changes}): check that this is the version you meant to "
                "send.")
    return (f"Another return for {la_name}, {other_file}{also}, {where} and is newer: it replaces this "
            f"one once accepted ({changes}); check which version is final.")


def fgc114(cell: str | None, parts: list[str], total: str, figure: float) -> str:
    both = join_words([named(part) for part in parts])
    return (f"{both}{_at(cell)} are blank although {named(total)} is {fmt(figure)}: give these "
            "figures, 0 where there were none, or tell us in E1 why they cannot be given.")


def fgc205(item: str, cell: str | None, now: float, year: str, then: float, previous_year: str) -> str:
    change = now - then
    by = f"{'+' if change > 0 else '-'}{round(100 * abs(change) / then)}%" if then else "from 0"
    return (f"{named(item)}{_at(cell)} is {fmt(now)} for {year}, against {fmt(then)} in your accepted "
            f"{previous_year} return ({by}): confirm the figure, or explain the change in E1.")


def example_messages(spec: Spec | None = None) -> dict[str, str]:
    """One example message for each rule of the spec, for the rule catalogue (in its words)."""
    spec = spec or load_spec()
    examples = {
        "FGC001": lambda: fgc001("B1", "D6", "number", "-3", -3.0),
        "FGC002": lambda: fgc002("B3_U1", "D11", "<5"),
        "FGC003": lambda: fgc003("B1", "D6", " 1,234 ", 1234.0),
        "FGC004": lambda: fgc004("B1", "D6", condition="A5 == Y"),
        "FGC005": lambda: fgc005("A2", "D7", "E10000023", "North Yorkshire", "31/03/2023", (("E06000065", "North Yorkshire"),)),
        "FGC006": lambda: fgc006_template("D7", "E06000005", "Darlington", "E06000047", "County Durham"),
        "FGC007": lambda: fgc007("A4", "D9"),
        "FGC008": lambda: fgc008("A5", "D10", "Maybe", ["Yes", "No"]),
        "FGC009": lambda: fgc009("A14", "D40", 4210, 4000),
        "FGC010": lambda: fgc010("E1", "D5", ["an NHS number", "a postcode"]),
        "FGC011": lambda: fgc011("B2", "D7", "#REF!"),
        "FGC101": lambda: fgc101("B3", "D16", "B2", 37, 40),
        "FGC102": lambda: fgc102("B5", "D33", "B2", 40),
        "FGC103": lambda: fgc103("B4", [("Female", "D19"), ("Unknown or not recorded", "D20")]),
        "FGC104": lambda: comparison("FGC104", "D7", ("B2",), ">=", ("B1",), {"B2": 30, "B1": 34}),
        "FGC105": lambda: comparison("FGC105", "D6", ("C1_PLO",), "<=", ("C1",), {"C1_PLO": 25, "C1": 20}),
        "FGC106": lambda: fgc106("D10", [("B1", 12.0), ("B2", 15.0)]),
        "FGC107": lambda: fgc107("D6"),
        "FGC108": lambda: comparison("FGC108", "D8", ("C2", "C9"), "<=", ("C1",), {"C2": 30, "C9": 8, "C1": 35}),
        "FGC109": lambda: fgc109("B2", "B1", "D7", 90, 20),
        "FGC110": lambda: fgc110("B5", "B5_UNK", "D31", 25, "B2", 40),
        "FGC111": lambda: fgc111("C1_PLO", "D6", 7),
        "FGC112": lambda: fgc112("D12", "Commissioned from an external provider"),
        "FGC113": lambda: comparison("FGC113", "D36", ("C12", "C13"), "<=", ("C11",), {"C12": 30, "C13": 9, "C11": 35}),
        "FGC114": lambda: fgc114("D36", ["C12", "C13"], "C11", 35),
        "FGC201": lambda: fgc201("D7", 950, 95.0, 2.1, 31.4, 120),
        "FGC202": lambda: fgc202("C2", "C1", "D8", 5, 60, 0.35, 1.0, 120),
        "FGC203": lambda: fgc203("D7", 5200, 4109, "County Durham"),
        "FGC204": lambda: fgc204("County Durham", "Durham FGC return v1.xlsx", True, True, "B1 12 -> 14; C2 8 -> 9 (+3 more)"),
        "FGC205": lambda: fgc205("B1", "D6", 250, "2024-25", 102, "2023-24"),
    }
    with checking_against(spec):
        return {rule.code: examples[rule.code]() for rule in spec.rules if rule.code in examples}
