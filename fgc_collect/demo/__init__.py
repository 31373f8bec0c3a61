"""`fgc-collect demo`: the whole pipeline on synthetic returns for all 153 LAs.

Writes each return as a real .xlsx through the template (filled via its defined names, as a
council's tool would; a few LAs send child-level rows instead), validates them all in one batch,
checks that every mistake it seeded was reported with the right rule at the right item, writes
feedback for each council, ingests the returns into a register, accepts those without errors, and
publishes the national tables from the accepted ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fgc_collect.demo.synthetic import DemoReturn, SeededMistake, demo_returns


def write_demo_returns(folder: Path) -> tuple[list[Path], list[DemoReturn], list[SeededMistake]]:
    """Each return as a real .xlsx: the LA's prefilled template, filled through its defined names."""
    from fgc_collect.spec import load_spec
    from fgc_collect.template import build_template, fill_workbook, prefill_la, save_workbook

    folder.mkdir(parents=True, exist_ok=True)
    returns, seeded = demo_returns()
    # Building the workbook is half the cost of a file: build it once, then re-prefill and refill
    # every input cell (blanks included) for each LA.
    workbook = build_template(returns[0].template_la)
    blank = {cell.id: None for cell in load_spec().input_cells if cell.id not in ("A1", "A2")}
    paths = []
    for ret in returns:
        prefill_la(workbook, ret.template_la)
        fill_workbook(workbook, {**blank, **ret.values})
        paths.append(save_workbook(workbook, folder / ret.file_name))
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
DEMO_ACCEPT_NOTE = "demo: no errors, accepted automatically"


def write_child_level_returns(folder: Path, seeded: list[SeededMistake]) -> list[Path]:
    """A few LAs send child-level rows instead (phase 2): their aggregate file is replaced by a
    child-level return (.csv or .xlsx), from which the aggregate is derived."""
    import numpy as np

    from fgc_collect.child import write_demo_child_return
    from fgc_collect.reference import find_la

    seeded_las = {mistake.la_code for mistake in seeded}
    rng = np.random.default_rng(2024)
    paths = []
    for index, code in enumerate(CHILD_LEVEL_DEMO_LAS):
        if code in seeded_las:
            continue
        la = find_la(code)
        for old in folder.glob(f"*{la.name}*"):
            old.unlink()
        for old in folder.glob(f"*{la.code}*"):
            old.unlink()
        path, _ = write_demo_child_return(folder, la, rng, "csv" if index == 0 else "xlsx")
        paths.append(path)
    return paths


def run_demo(out: Path, echo: Callable[[str], None] = print) -> int:
    """Template -> returns -> validate -> feedback -> register -> decisions -> national tables."""
    from fgc_collect import report
    from fgc_collect.feedback import write_feedback
    from fgc_collect.pipeline import find_returns, read_files, validate_outcomes
    from fgc_collect.read import AggregateReturn

    returns_folder = out / "returns"
    echo(f"1. Writing synthetic returns for all 153 LAs into {returns_folder} ...")
    _, returns, seeded = write_demo_returns(returns_folder)
    child_paths = write_child_level_returns(returns_folder, seeded)
    echo(f"   {len(returns)} returns ({len(child_paths)} of them child-level); {len(seeded)} carry a mistake councils make.")

    echo("2. Validating them all in one batch ...")
    files = find_returns([returns_folder])
    outcomes = read_files(files)
    results = validate_outcomes(outcomes)
    echo(report.results_text([result for result in results if result.status != "valid"]))
    missed = missed_mistakes(results, returns, seeded)
    for mistake in missed:
        echo(f"   NOT REPORTED: {mistake.la_code} {mistake.rule} {mistake.item} ({mistake.what})")
    echo(f"   Seeded mistakes reported with the right rule and item: {len(seeded) - len(missed)} of {len(seeded)}.")

    feedback_folder = out / "feedback"
    echo(f"3. Writing feedback for each council into {feedback_folder} ...")
    aggregate_returns = {ret.file: ret for ret, _ in outcomes if isinstance(ret, AggregateReturn)}
    written = write_feedback(results, feedback_folder, returns=aggregate_returns)
    echo(f"   {len(written)} files; open {feedback_folder / 'index.html'}.")

    store = out / "store"
    echo(f"4. Ingesting the aggregate returns into the register {store} ...")
    accepted = ingest_and_accept(store, [path for path in files if path not in child_paths], echo)
    echo(f"   Accepted {accepted} returns without errors ({DEMO_ACCEPT_NOTE}).")

    published = out / "published"
    echo(f"5. Publishing national tables from the accepted returns into {published} ...")
    echo(publish_from_store(store, published))
    return 0 if not missed else 1


def ingest_and_accept(store: Path, paths: list[Path], echo: Callable[[str], None]) -> int:
    """Ingest into the register, show where every LA stands, and accept each LA's latest version
    that has no errors, as a coordinator would after reading the warnings."""
    from fgc_collect.register import Register
    from fgc_collect.register.ingest import ingest_and_status

    ingest_and_status(store, paths, echo=echo)
    accepted = 0
    with Register.open(store) as register:
        for status in register.status():
            if status.state in ("valid", "warnings"):
                register.decide(status.la_code, "accept", DEMO_ACCEPT_NOTE, by="fgc-collect demo")
                accepted += 1
    return accepted


def publish_from_store(store: Path, out: Path) -> str:
    from fgc_collect.aggregate import build_tables
    from fgc_collect.publish import publish
    from fgc_collect.publish.sources import inputs_from_store

    inputs = inputs_from_store(str(store))
    written = publish(build_tables(inputs), out)
    return (f"   Used {len(inputs.used)} accepted returns; {len(written)} files written "
            f"(open {out / 'summary.html'} for the national picture).")
