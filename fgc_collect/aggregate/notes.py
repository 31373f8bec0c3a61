"""The coverage notes: which returns were used, what was not provided, and how the tables were
protected. Whole notes in plain sentences, in a fixed order, each saying which tables (and which of
their columns) it concerns, for the workbook's Notes sheet, the HTML summary and the notes file.
LAs are named by name and code; never a file name or path, which a council chose and which may
say more than the tables do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fgc_collect.aggregate.records import Excluded
    from fgc_collect.aggregate.tables import NationalTables

COVERAGE_TABLE = "fgc_coverage"  # the one table not of counts from the returns' figures


def count_tables(result: NationalTables) -> tuple[str, ...]:
    """The tables of counts from the returns' figures (every table the year publishes but the
    coverage table): what disclosure control protects, the catalogue's count and reasons tables
    included."""
    return tuple(table.name for table in result.tables if table.name != COVERAGE_TABLE)


@dataclass(frozen=True)
class Note:
    """One note: its sentences, a list under them (one point per LA, say), the tables it concerns
    (None: every table) and the columns it concerns in them (none: the table as a whole)."""

    text: str
    points: tuple[str, ...] = ()
    tables: tuple[str, ...] | None = None
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "\n".join((self.text, *(f"  - {point}" for point in self.points)))

    def __contains__(self, phrase: str) -> bool:
        return phrase in str(self)

    def concerns(self, table: str) -> bool:
        return self.tables is None or table in self.tables


def _names(names: list[str], limit: int = 12) -> str:
    names = sorted(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


UNREADABLE = "not readable as a return"  # the reason publish.sources gives for such a file


def _la(la) -> str:
    return f"{la.name} ({la.code})"


def _not_used(excluded: Excluded) -> str:
    """One returns-not-used point: the LA by name and code, or in words why it is not known."""
    if excluded.la is not None:
        return f"{_la(excluded.la)}: {excluded.reason}"
    if len(excluded.named) == 2:
        first, second = excluded.named
        return (f"A return giving the name of {_la(first)} but the code of {_la(second)}, so the LA that sent it "
                f"could not be established: {excluded.reason}")
    if excluded.reason == UNREADABLE:
        return "A file that could not be read as a return, so the LA that sent it is not known"
    said = "A return whose LA could not be established"
    return said if "could not be established" in excluded.reason else f"{said}: {excluded.reason}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _count_table_note(table, active: list[str], ledger, names: dict[str, str]) -> Note | None:
    """Which LAs with a service are left out of a count table's regional and England figures (those
    that did not provide every count of it; see tables._count_table), and which counts they left blank."""
    items = [count.item for count in table.counts]
    absent = [code for code in active if not all(ledger.provided(item, code) for item in items)]
    if not absent:
        return None
    partial = [names[code] for code in absent if any(ledger.provided(item, code) for item in items)]
    text = (f"{table.title} ({table.name}): its regional and England figures, every count and rate, are over the "
            f"LAs with a service that provided all of {_and(items)}, so that they agree with each other. "
            f"{_plural(len(absent), 'LA')} with a service did not ({_names([names[code] for code in absent])}) "
            f"and {'is' if len(absent) == 1 else 'are'} left out of them")
    if partial:
        text += (f", including the figures {_names(partial)} did provide, which "
                 f"{'its own row shows' if len(partial) == 1 else 'their own rows show'}")
    points = []
    for count in table.counts:
        blank = [names[code] for code in absent if not ledger.provided(count.item, code)]
        if blank:
            points.append(f"{count.label} ({count.item}): not provided by {_plural(len(blank), 'LA')} with a "
                          f"service ({_names(blank)})")
    return Note(text + ":", tuple(points), (table.name,))


def coverage_notes(result: NationalTables, unusable_breakdowns: dict[str, list[tuple[str, str]]]) -> list[Note]:
    from fgc_collect.aggregate.estimate import AUXILIARY_LABELS, CAVEAT
    from fgc_collect.aggregate.tables import NOT_AVAILABLE

    cat = result.catalogue
    characteristics = {c.category_set: c.label for c in cat.characteristics}

    inputs, spec, config, ledger = result.inputs, result.spec, result.config, result.ledger
    las = inputs.las
    names = {la.code: la.name for la in las}
    used = inputs.by_code
    notes: list[Note] = []

    population = sum(la.child_population_0_17 or 0 for la in las)
    covered = sum(la.child_population_0_17 or 0 for la in las if la.code in used)
    share = 100 * covered / population if population else 0.0
    source = "accepted in the returns register" if inputs.source == "store" else "returns with no validation errors; warnings allowed"
    notes.append(Note(
        f"Returns used: {len(used)} of {len(las)} LAs ({source}); {len(inputs.received_codes)} LAs sent a return. "
        f"The LAs whose returns are used are home to {share:.1f}% of England's children aged 0 to 17."))
    if inputs.excluded:
        ordered = sorted(inputs.excluded, key=lambda e: (e.la.name if e.la else "~", e.reason))
        notes.append(Note(f"{_plural(len(inputs.excluded), 'return was', 'returns were')} received but not used:",
                          tuple(_not_used(e) for e in ordered), ("fgc_coverage",), ("returns_not_used",)))
    missing = [la for la in las if la.code not in used]
    if missing:
        notes.append(Note(f"No return is used from {_plural(len(missing), 'LA')}; their figures are shown as "
                          f"{NOT_AVAILABLE}: {_names([la.name for la in missing])}."))
    held = las[0].figures_year if las else spec.year
    reference = (f"Reference figures (children aged 0 to 17, children in need at 31 March) are DfE's for {held}, "
                 "used for the rates per child, the share of children covered and the estimates.")
    if held != spec.year:
        reference += f" DfE's figures for {spec.year} are not held yet, so those for {held} are used."
    notes.append(Note(reference, tables=("fgc_coverage", "fgc_funnel", "fgc_estimates")))
    regions = dict.fromkeys((la.region_code, la.region_name) for la in las)
    empty = [name for code, name in regions if not any(la.code in used for la in las if la.region_code == code)]
    if empty:
        where = f"any LA in {empty[0]}: its" if len(empty) == 1 else f"any LA in {len(empty)} regions ({', '.join(empty)}): their"
        notes.append(Note(f"No return is used from {where} regional figures are {NOT_AVAILABLE}, and the estimates "
                          "there use England's ratio."))
    without = [record.la.name for record in used.values() if record.service == "N"]
    if without:
        notes.append(Note(
            f"{_plural(len(without), 'LA')} had no FGC service in {spec.year} ({_names(without)}): their counts are 0 "
            "in regional and England totals, and z (not applicable) in their own rows."))

    active = [code for code, record in used.items() if record.service != "N"]
    places = {count.item: (count.column, count.label,
                           ("fgc_funnel", "fgc_estimates") if count.item in cat.estimated else ("fgc_funnel",))
              for count in cat.funnel}
    for item in spec.counts:
        if item.id not in places:
            continue
        column, label, tables = places[item.id]
        absent = [names[code] for code in active if not ledger.provided(item.id, code)]
        if absent:
            notes.append(Note(
                f"{label} ({item.id}): not provided by {_plural(len(absent), 'LA')} with a service "
                f"({_names(absent)}); they are left out of this figure and of the rates built on it. Each such rate "
                "is over the LAs that gave both of its figures, so it can differ from the ratio of the two counts "
                "printed beside it, the other of which still includes these LAs.",
                tables=tables, columns=(column,)))
    for table in cat.tables:  # a table of its own (the FGDM duty): its areas' figures over the same LAs
        note = _count_table_note(table, active, ledger, names)
        if note is not None:
            notes.append(note)
    reason_tables = {reason.item: reason.table for reason in cat.reasons}
    for item in spec.breakdowns:
        cells = [cell.id for cell in item.cells]
        absent = [names[code] for code in active
                  if not all(ledger.provided(c, code) for c in cells) and ledger.provided(item.total, code)]
        sentences = [f"{item.label} ({item.id}) from {names[code]} was not used: it {why}."
                     for code, why in unusable_breakdowns.get(item.id, [])]
        if absent and item.category_set in characteristics:
            sentences.insert(0, f"{item.label} ({item.id}): not provided by {_plural(len(absent), 'LA')} "
                                f"({_names(absent)}); their children are counted as not known for "
                                f"{characteristics[item.category_set].lower()} at referral, consent and FGC held alike, "
                                "so the percentages and equity ratios compare the same LAs (a blank breakdown is not "
                                "provided, never 0).")
        elif absent:
            sentences.insert(0, f"{item.label} ({item.id}): not provided by {_plural(len(absent), 'LA')} "
                                f"({_names(absent)}); their {item.total} figures are counted as "
                                f"{item.cells[-1].category.label} (a blank breakdown is not provided, never 0).")
        if not sentences:
            continue
        notes.append(Note(" ".join(sentences), tables=(reason_tables.get(item.id, "fgc_characteristics"),)))
    notes.append(Note(
        "Who gets an FGC: percentages are among children whose category is known, and Unknown is a share of all "
        "children (it includes LAs that did not give the breakdown). The equity ratio is the percentage among "
        "children in FGCs held divided by the percentage among children referred, over the same LAs; its 95% "
        "interval treats LAs as clusters, with LAs that have a suppressed figure pooled so that the interval "
        f"reveals nothing about them (not given where fewer than {config.min_interval_las} clusters remain).",
        tables=("fgc_characteristics",)))

    protection = result.protection
    audit = protection.audit
    narrowest = "unbounded" if audit.narrowest == float("inf") else f"{audit.narrowest:g}"
    if protection.suppressed:
        text = (
            f"Disclosure control: counts from 1 to {config.threshold} at LA and regional level are suppressed (c), "
            f"{len(protection.primary):,} of them; {len(protection.secondary):,} more counts are suppressed so that none "
            "can be worked out from totals, other categories, or the LA, region and England figures. Rates, "
            "percentages and estimates built on a suppressed count are suppressed too. Linear programming over the "
            "tables' additive structure shows that a reader of every table can only place each suppressed count in "
            f"a range at least {config.threshold} wide (the narrowest: {narrowest})."
        )
    else:
        text = f"Disclosure control: no LA or regional count is from 1 to {config.threshold}, so none is suppressed."
    if config.round_to:
        text += (f" Counts are rounded to the nearest {config.round_to}; rates, percentages, equity ratios and "
                 "estimates are computed from the rounded counts, so they give no count back exactly; 'low' "
                 "marks a count that rounds to 0 but is not 0, and a rate built on one.")
    else:
        text += " Counts are not rounded."
    notes.append(Note(text, tables=count_tables(result)))
    notes.append(Note(
        f"Estimates: a ratio estimator within regions with {AUXILIARY_LABELS[config.auxiliary]} as the auxiliary "
        "variable. The 95% intervals include the error of predicting the missing LAs' figures (a robust prediction "
        "variance with the finite population of LAs, and a t distribution); they are not given for a region where "
        f"fewer than {config.min_interval_las} LAs' figures are known, or where none is (its estimate uses "
        "England's ratio). Where every LA's figure is known the total is a count, not an estimate, and its interval "
        "is z. Estimates and intervals are computed from the published figures only, so they reveal nothing about "
        f"a suppressed count. {CAVEAT}",
        tables=("fgc_estimates",)))
    return notes
