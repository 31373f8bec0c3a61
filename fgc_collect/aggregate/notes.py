"""The coverage notes: which returns were used, what was not provided, and how the tables were
protected. Plain sentences, in a fixed order, for the workbook, the HTML summary and notes file."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fgc_collect.aggregate.tables import NationalTables


def _names(names: list[str], limit: int = 12) -> str:
    names = sorted(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def coverage_notes(result: NationalTables, unusable_breakdowns: dict[str, list[tuple[str, str]]]) -> list[str]:
    from fgc_collect.aggregate.tables import CHARACTERISTICS, FUNNEL, NOT_AVAILABLE

    characteristics = dict(CHARACTERISTICS)

    inputs, spec, config, ledger = result.inputs, result.spec, result.config, result.ledger
    las = inputs.las
    names = {la.code: la.name for la in las}
    used = inputs.by_code
    notes: list[str] = []

    population = sum(la.child_population_0_17 or 0 for la in las)
    covered = sum(la.child_population_0_17 or 0 for la in las if la.code in used)
    share = 100 * covered / population if population else 0.0
    source = "accepted in the returns register" if inputs.source == "store" else "with no validation errors (warnings allowed)"
    notes.append(
        f"Returns used: {len(used)} of {len(las)} LAs ({source}); {len(inputs.received_codes)} LAs sent a return. "
        f"The LAs whose returns are used are home to {share:.1f}% of England's children aged 0 to 17."
    )
    if inputs.excluded:
        notes.append(f"{_plural(len(inputs.excluded), 'return was', 'returns were')} received but not used:")
        for excluded in sorted(inputs.excluded, key=lambda e: (e.la.name if e.la else "~", e.file or "")):
            who = f"{excluded.la.name}: " if excluded.la else ""
            where = f" ({excluded.file})" if excluded.file else ""
            notes.append(f"- {who}{excluded.reason}{where}")
    missing = [la for la in las if la.code not in used]
    if missing:
        notes.append(f"No return is used from {_plural(len(missing), 'LA')}; their figures are shown as {NOT_AVAILABLE}: "
                     f"{_names([la.name for la in missing])}.")
    regions = dict.fromkeys((la.region_code, la.region_name) for la in las)
    for code, name in regions:
        if not any(la.code in used for la in las if la.region_code == code):
            notes.append(f"No return is used from any LA in {name}: its regional figures are {NOT_AVAILABLE}, and its "
                         "estimates use England's ratio.")
    without = [record.la.name for record in used.values() if record.service == "N"]
    if without:
        notes.append(f"{_plural(len(without), 'LA')} had no FGC service in 2023-24 ({_names(without)}): their counts are 0 "
                     "in regional and England totals, and z (not applicable) in their own rows.")

    active = [code for code, record in used.items() if record.service != "N"]
    labels = {item: label for item, _, label in FUNNEL}
    for item in spec.counts:
        if item.id not in labels:
            continue
        absent = [names[code] for code in active if not ledger.provided(item.id, code)]
        if absent:
            notes.append(f"{labels[item.id]} ({item.id}): not provided by {_plural(len(absent), 'LA')} with a service "
                         f"({_names(absent)}); they are left out of this figure and of the rates built on it.")
    for item in spec.breakdowns:
        cells = [cell.id for cell in item.cells]
        absent = [names[code] for code in active
                  if not all(ledger.provided(c, code) for c in cells) and ledger.provided(item.total, code)]
        if absent and item.category_set in characteristics:
            notes.append(f"{item.label} ({item.id}): not provided by {_plural(len(absent), 'LA')} "
                         f"({_names(absent)}); their children are counted as not known for "
                         f"{characteristics[item.category_set].lower()} at referral, consent and FGC held alike, so the "
                         "percentages and equity ratios compare the same LAs (a blank breakdown is not provided, "
                         "never 0).")
        elif absent:
            notes.append(f"{item.label} ({item.id}): not provided by {_plural(len(absent), 'LA')} "
                         f"({_names(absent)}); their {item.total} figures are counted as "
                         f"{item.cells[-1].category.label} (a blank breakdown is not provided, never 0).")
        for code, why in unusable_breakdowns.get(item.id, []):
            notes.append(f"{item.label} ({item.id}) from {names[code]} was not used: it {why}.")
    notes.append(
        "Who gets an FGC: percentages are among children whose category is known, and Unknown is a share of all "
        "children (it includes LAs that did not give the breakdown). The equity ratio is the percentage among "
        "children in FGCs held divided by the percentage among children referred, over the same LAs; its 95% "
        "interval treats LAs as clusters, with LAs that have a suppressed figure pooled so that the interval "
        f"reveals nothing about them (not given where fewer than {config.min_interval_las} clusters remain)."
    )

    protection = result.protection
    audit = protection.audit
    narrowest = "unbounded" if audit.narrowest == float("inf") else f"{audit.narrowest:g}"
    if protection.suppressed:
        notes.append(
            f"Disclosure control: counts from 1 to {config.threshold} at LA and regional level are suppressed (c), "
            f"{len(protection.primary)} of them; {len(protection.secondary)} more counts are suppressed so that none "
            "can be worked out from totals, other categories, or the LA, region and England figures. Rates, "
            "percentages and estimates built on a suppressed count are suppressed too."
        )
        notes.append(
            "Audit: linear programming over the tables' additive structure shows that a reader of every table "
            f"can only place each suppressed count in a range at least {config.threshold} wide (the narrowest: "
            f"{narrowest})."
        )
    else:
        notes.append(f"Disclosure control: no LA or regional count is from 1 to {config.threshold}, so none is "
                     "suppressed.")
    if config.round_to:
        notes.append(f"Counts are rounded to the nearest {config.round_to}; rates use the unrounded figures; "
                     "'low' marks a count that rounds to 0 but is not 0.")
    else:
        notes.append("Counts are not rounded.")
    notes.append(
        f"Estimates: a ratio estimator within regions with {result.table('fgc_estimates').description.split(' with ')[1].split(' as ')[0]} "
        f"as the auxiliary variable; 95% intervals from {config.draws} bootstrap resamples of LAs within regions "
        f"(not given where fewer than {config.min_interval_las} LAs' figures are known). They are estimates, not counts."
    )
    return notes
