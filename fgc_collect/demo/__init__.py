"""`fgc-collect demo`: the whole pipeline on synthetic returns for all 153 LAs.

Writes each return as a real .xlsx through the template (filled via its defined names, as a
council's tool would; a few LAs send child-level rows instead, and one of them sends its aggregate
return too), validates them all in one batch, checks that every mistake it seeded was reported with
the right rule at the right item and that the reconciliation of the LA that sent both levels finds
the figures its two systems disagree on, writes feedback for each council, ingests every return
into a register (the child-level ones pseudonymised with a key made for the demo), accepts those
without errors, and publishes the national tables from the accepted ones.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fgc_collect.demo.synthetic import DemoReturn, SeededMistake, demo_returns
from fgc_collect.progress import ProgressCallback


def write_demo_returns(folder: Path, progress: ProgressCallback | None = None, spec=None,
                       ) -> tuple[list[Path], list[DemoReturn], list[SeededMistake]]:
    """Each return as a real .xlsx: the LA's prefilled template (of the spec's year: default
    2023-24), filled through its defined names. progress: told after each file (fgc_collect.progress)."""
    from fgc_collect.spec import load_spec
    from fgc_collect.template import build_template, fill_workbook, prefill_la, save_workbook

    spec = spec or load_spec()
    folder.mkdir(parents=True, exist_ok=True)
    returns, seeded = demo_returns(spec)
    # Building the workbook is half the cost of a file: build it once, then re-prefill and refill
    # every input cell (blanks included) for each LA.
    workbook = build_template(returns[0].template_la, spec)
    blank = {cell.id: None for cell in spec.input_cells if cell.id not in ("A1", "A2")}
    paths = []
    for ret in returns:
        prefill_la(workbook, ret.template_la)
        fill_workbook(workbook, {**blank, **ret.values})
        paths.append(save_workbook(workbook, folder / ret.file_name))
        if progress is not None:
            progress("Writing returns", len(paths), len(returns))
    return paths, returns, seeded


def missed_mistakes(results, returns: list[DemoReturn], seeded: list[SeededMistake]) -> list[SeededMistake]:
    """The seeded mistakes that validation did not report with their rule and item. Matched by
    file, not by the LA code a return gives: some mistakes are exactly a wrong code."""
    by_file = {Path(result.file).name: result for result in results}
    file_of = {ret.la.code: ret.file_name for ret in returns}
    return [
        mistake for mistake in seeded
        if not any(
            issue.rule == mistake.rule and issue.item == mistake.item
            for issue in getattr(by_file.get(file_of[mistake.la_code]), "issues", ())
        )
    ]


CHILD_LEVEL_DEMO_LAS = ("E08000025", "E06000052", "E09000022")  # Birmingham, Cornwall, Lambeth
# Cornwall also sends its aggregate return, filled in from its FGC service's own spreadsheet, which
# disagrees with the case management system's rows on two figures (reconciled in step 2).
BOTH_LEVELS_DEMO_LA = "E06000052"
BOTH_LEVELS_DIFFERENCES = {"D2": +2, "D11": -1}  # item -> submitted minus derived
DEMO_ACCEPT_NOTE = "demo: no errors, accepted automatically"
DEMO_KEY_FILE = "demo-pseudonymisation.key"


@dataclass
class ChildLevelFiles:
    """What write_child_level_returns wrote."""

    child_paths: list[Path] = field(default_factory=list)
    both_levels_path: Path | None = None  # the aggregate return sent beside child-level rows
    differences: dict[str, tuple[int, int]] = field(default_factory=dict)  # item -> (submitted, derived)


def write_child_level_returns(folder: Path, seeded: list[SeededMistake], returns: list[DemoReturn] | None = None) -> ChildLevelFiles:
    """A few LAs send child-level rows instead (phase 2): their aggregate file is replaced by a
    child-level return (.csv or .xlsx), from which the aggregate is derived. BOTH_LEVELS_DEMO_LA
    sends its aggregate return too, with the figures its rows derive except those in
    BOTH_LEVELS_DIFFERENCES (with `returns`, under its file name there)."""
    import numpy as np

    from fgc_collect.child import derived_values, read_child_return, write_demo_child_return
    from fgc_collect.reference import find_la

    seeded_las = {mistake.la_code for mistake in seeded}
    file_names = {ret.la.code: ret.file_name for ret in returns or ()}
    rng = np.random.default_rng(2024)
    written = ChildLevelFiles()
    for index, code in enumerate(CHILD_LEVEL_DEMO_LAS):
        if code in seeded_las:
            continue
        la = find_la(code)
        for old in folder.glob(f"*{la.name}*"):
            old.unlink()
        for old in folder.glob(f"*{la.code}*"):
            old.unlink()
        path, _ = write_demo_child_return(folder, la, rng, "csv" if index == 0 else "xlsx")
        written.child_paths.append(path)
        if code == BOTH_LEVELS_DEMO_LA:
            derived = derived_values(read_child_return(path))  # a throwaway key: counts need no linking
            name = file_names.get(code, f"FGC return {la.name} FINAL.xlsx")
            written.both_levels_path, written.differences = _write_both_levels_aggregate(folder / name, la, derived)
    return written


def _write_both_levels_aggregate(path: Path, la, derived: dict[str, int]) -> tuple[Path, dict[str, tuple[int, int]]]:
    import numpy as np

    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    spec = load_spec()
    # Sections A and E as a council answers them; B to D from the rows, two figures apart.
    answers = {key: value for key, value in clean_return(la, np.random.default_rng(52), spec).items()
               if key[0] not in "BCD"}
    values = {**answers, **derived}
    differences = {}
    for item, change in BOTH_LEVELS_DIFFERENCES.items():
        if derived[item] + change >= 0:
            values[item] = derived[item] + change
            differences[item] = (values[item], derived[item])
    return fill_template(values, path, la=la), differences


def reconciliation_problems(reconciliations, files: ChildLevelFiles) -> list[str]:
    """What the reconciliation of BOTH_LEVELS_DEMO_LA got wrong: a deliberate difference not
    reported with both its figures, or a difference reported that was not made."""
    from fgc_collect.child.reconcile import DIFFERS

    if files.both_levels_path is None:
        return []
    found = {item.item_id: (item.submitted, item.derived) for rec in reconciliations
             if rec.la_code == BOTH_LEVELS_DEMO_LA for item in rec.items if item.status == DIFFERS}
    problems = [f"{item} submitted {made[0]}, derived {made[1]}: not reported as such"
                for item, made in files.differences.items() if found.get(item) != made]
    problems += [f"{item} reported as differing ({pair[0]} against {pair[1]}) but not made so"
                 for item, pair in found.items() if item not in files.differences]
    return problems


def demo_key(path: Path) -> bytes:
    """The demo's pseudonymisation key: made on the first run, reused after (the register's
    pseudonyms from an earlier run stay linkable)."""
    from fgc_collect.child import keygen, load_key

    if not path.exists():
        keygen(path)
    return load_key(path)


def run_demo(out: Path, echo: Callable[[str], None] = print, progress: ProgressCallback | None = None) -> int:
    """Template -> returns -> validate -> feedback -> register -> decisions -> national tables,
    for 2023-24 and then each later year. progress: told as files are written, read and stored
    (fgc_collect.progress); echo must wipe it."""
    from fgc_collect.survey import choose_survey_file

    survey = use_demo_survey(out)
    try:
        if survey is not None:
            echo(f"The demo's survey file, with a placeholder contact: {survey}")
        return _run_demo(out, echo, progress)
    finally:
        if survey is not None:
            choose_survey_file(None)  # a program that runs the demo goes on with its own settings


def _run_demo(out: Path, echo: Callable[[str], None], progress: ProgressCallback | None) -> int:
    from fgc_collect import report
    from fgc_collect.child.reconcile import files_by_la, write_reconciliations
    from fgc_collect.feedback import write_feedback
    from fgc_collect.pipeline import find_returns, read_files, reconcile_levels, validate_outcomes
    from fgc_collect.read import AggregateReturn
    from fgc_collect.reference import find_la
    from fgc_collect.spec import BASE_YEAR

    returns_folder = out / "returns"
    echo(f"1. Writing synthetic returns for all 153 LAs into {returns_folder} ...")
    _, returns, seeded = write_demo_returns(returns_folder, progress)
    child = write_child_level_returns(returns_folder, seeded, returns)
    files = find_returns([returns_folder])
    both = find_la(BOTH_LEVELS_DEMO_LA).name if child.both_levels_path else None
    echo(f"   {len(files)} returns ({len(child.child_paths)} of them child-level"
         + (f"; {both} sends both levels" if both else "") + f"); {len(seeded)} carry a mistake councils make.")

    echo("2. Validating them all in one batch (the returns with issues, then the counts of all) ...")
    outcomes = read_files(files, progress=progress, year=BASE_YEAR)  # a CSV says no year of its own
    results = validate_outcomes(outcomes, progress=progress)
    echo(report.results_text(results, only_problems=True))
    missed = missed_mistakes(results, returns, seeded)
    for mistake in missed:
        echo(f"   NOT REPORTED: {mistake.la_code} {mistake.rule} {mistake.item} ({mistake.what})")
    echo(f"   Seeded mistakes reported with the right rule and item: {len(seeded) - len(missed)} of {len(seeded)}.")
    reconciliations = reconcile_levels(ret for ret, _ in outcomes)
    if reconciliations:
        echo(report.reconciliations_text(reconciliations))
    wrong = reconciliation_problems(reconciliations, child)
    for problem in wrong:
        echo(f"   RECONCILIATION WRONG: {problem}.")
    if child.differences:
        echo(f"   Figures {both}'s two systems disagree on, and only those, found by the reconciliation: "
             f"{'yes' if not wrong else 'NO'} ({', '.join(child.differences)}).")

    feedback_folder = out / "feedback"
    echo(f"3. Writing feedback for each council into {feedback_folder} ...")
    aggregate_returns = {ret.file: ret for ret, _ in outcomes if isinstance(ret, AggregateReturn)}
    reconciled = write_reconciliations(reconciliations, feedback_folder)
    written = write_feedback(results, feedback_folder, returns=aggregate_returns,
                             reconciliations=files_by_la(reconciliations, reconciled), progress=progress)
    echo(f"   {len(written) + len(reconciled)} files ({len(reconciled)} reconciliation CSV"
         f"{'s' if len(reconciled) != 1 else ''}).")

    store = out / "store"
    key_file = out / DEMO_KEY_FILE
    echo(f"4. Ingesting every return into the register {store} (the files with problems, then the counts) ...")
    key = demo_key(key_file)
    echo(f"   Child-level rows are pseudonymised with {key_file}, a key made for the demo; in a real collection "
         "the research team keeps the key (fgc-collect keygen), never stored beside the register.")
    # The aggregate files first, so that an LA that sent both levels has its child-level rows as
    # its latest version (ingest stores them in the order given).
    in_order = [path for path in files if path not in child.child_paths] + child.child_paths
    accepted = ingest_and_accept(store, in_order, echo, key=key, progress=progress, year=BASE_YEAR)
    echo(f"   Accepted {accepted} returns without errors ({DEMO_ACCEPT_NOTE}).")

    later_missed: list[SeededMistake] = []
    for year in later_years():
        later_missed += run_later_year(out, store, year, echo, progress)

    published = out / "published"
    echo(f"6. Publishing the national tables from the accepted returns of every year into {published} ...")
    if progress is not None:
        progress("Publishing", 0, None)
    echo(publish_from_store(store, published))
    echo(what_to_open(out))
    return 0 if not missed and not wrong and not later_missed else 1


def later_years() -> list[str]:
    """The years after the first that the demo collects too (2024-25: the FGDM duty's figures)."""
    from fgc_collect.spec import BASE_YEAR, known_years

    return [year for year in known_years() if year != BASE_YEAR]


def run_later_year(out: Path, store: Path, year: str, echo: Callable[[str], None],
                   progress: ProgressCallback | None = None) -> list[SeededMistake]:
    """A later year's survey through the register: its returns written from that year's template,
    ingested (each checked against its LA's accepted return of the year before: FGC205) and those
    without errors accepted. The seeded mistakes the register's checks missed are returned."""
    from fgc_collect.register import Register
    from fgc_collect.survey import spec_for

    folder = out / f"returns-{year}"
    echo(f"5. The {year} survey: writing a return for every LA from the {year} template into {folder} ...")
    paths, _, seeded = write_demo_returns(folder, progress, spec_for(year))
    echo(f"   {len(paths)} returns; {len(seeded)} carry a mistake ({', '.join(m.rule for m in seeded)}). "
         "Ingesting them: each is checked against its LA's accepted return of the year before.")
    accepted = ingest_and_accept(store, paths, echo, progress=progress, year=year)
    echo(f"   Accepted {accepted} {year} returns without errors ({DEMO_ACCEPT_NOTE}).")
    missed = []
    with Register.open(store, create=False) as register:
        for mistake in seeded:
            version = register.versions(mistake.la_code, year=year)[-1]
            if not any(issue.rule == mistake.rule and issue.item == mistake.item for issue in register.issues(version.id)):
                missed.append(mistake)
                echo(f"   NOT REPORTED: {mistake.la_code} {mistake.rule} {mistake.item} ({mistake.what})")
    echo(f"   Seeded {year} mistakes reported by the register's checks: {len(seeded) - len(missed)} of {len(seeded)}.")
    return missed


DEMO_SURVEY = """\
# The demo's survey file (fgc-collect survey init writes a starter for a real collection). The
# contact is a placeholder: a real survey file names the research team's own address.
year: "{year}"
contact:
  organisation: FGC survey research team (demo)
  email: fgc-survey@example.org
publication:
  date: {published}
  status: official statistics in development
  statistician: Demo Statistician
"""


def use_demo_survey(out: Path) -> Path | None:
    """Write the demo's survey file into `out` and use it, unless the user named one (--survey,
    $FGC_SURVEY, ./fgc-survey.yaml): then theirs is used and None returned."""
    from fgc_collect.spec import latest_year, load_spec
    from fgc_collect.survey import choose_survey_file, survey_file_path

    if survey_file_path() is not None:
        return None
    spec = load_spec(latest_year())
    path = out / "fgc-survey.yaml"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(DEMO_SURVEY.format(year=spec.year, published=spec.deadline.replace(month=9, day=25).isoformat()),
                    encoding="utf-8")
    choose_survey_file(path)
    return path


def what_to_open(out: Path) -> str:
    """The demo's last words: where to look next."""
    summary, index = str(out / "published" / "summary.html"), str(out / "feedback" / "index.html")
    width = max(len(summary), len(index))
    return "\n".join([
        "",
        "Now open:",
        f"  {summary.ljust(width)}  the national tables and charts, as published",
        f"  {index.ljust(width)}  every return's feedback, for coordinators (it links each council's own report)",
        "and run, to see where every LA stands in the register:",
        f"  fgc-collect status --store {shlex.quote(str(out / 'store'))}",
    ])


def ingest_and_accept(store: Path, paths: list[Path], echo: Callable[[str], None], key: bytes | None = None,
                      progress: ProgressCallback | None = None, year: str | None = None) -> int:
    """Ingest into the register, say where the LAs stand, and accept each LA's return that has
    no errors, as a coordinator would after reading the warnings: its latest version, except that
    for an LA holding both levels the latest child-level version is accepted (its figures are
    derived from the rows, and only one version per LA feeds the tables, so it is counted once).
    key: the pseudonymisation key, to take in child-level returns (without it they are refused).
    year: the collection year whose returns are decided (default: the latest the register holds)."""
    from fgc_collect.reference import find_la
    from fgc_collect.register import Register
    from fgc_collect.register.ingest import format_ingest, ingest_paths

    accepted = 0
    with Register.open(store) as register:
        echo(format_ingest(ingest_paths(register, paths, key=key, progress=progress, year=year), quiet=True))
        echo(states_line(register.status(year=year), register.quarantine()))
        for status in register.status(year=year):
            if status.state not in ("valid", "warnings"):
                continue
            versions = register.versions(status.la_code, year=year)
            chosen = versions[-1]
            if {version.level for version in versions} == {"aggregate", "child"}:
                chosen = [version for version in versions if version.level == "child"][-1]
                if chosen.validation == "errors":
                    chosen = versions[-1]
                echo(f"   {find_la(status.la_code).name} sent both levels: accepting its {chosen.level}-level version "
                     f"{chosen.version_no} (one version per LA feeds the tables, so it is counted once).")
            register.decide(status.la_code, "accept", DEMO_ACCEPT_NOTE, by="fgc-collect demo", version_no=chosen.version_no,
                            year=chosen.year)
            accepted += 1
    return accepted


def states_line(rows, quarantine) -> str:
    """'   Register: 153 LAs: 140 valid, 4 with warnings, 8 with errors, 1 not received; 1 file in quarantine.'"""
    from collections import Counter

    from fgc_collect.register.status import STATES

    counts = Counter(row.state for row in rows)
    words = {"warnings": "with warnings", "errors": "with errors"}
    states = ", ".join(f"{counts[state]} {words.get(state, state)}" for state in STATES if counts[state])
    held = len(quarantine)
    return (f"   Register: {len(rows)} LAs: {states}"
            + (f"; {held} file{'s' if held != 1 else ''} in quarantine" if held else "") + ".")


def publish_from_store(store: Path, out: Path) -> str:
    """Every year the register holds, the latest as the headline, as `aggregate --store` does."""
    from fgc_collect.aggregate.tables import build_series
    from fgc_collect.publish import publish
    from fgc_collect.publish.sources import inputs_by_year_from_store
    from fgc_collect.survey import spec_for

    by_year = inputs_by_year_from_store(str(store))
    written = publish(build_series(by_year, specs={year: spec_for(year) for year in by_year}), out)
    used = "; ".join(f"{year}: {len(inputs.used)}" for year, inputs in by_year.items())
    return f"   Used the accepted returns ({used}); {len(written)} files written."
