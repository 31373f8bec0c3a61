"""`fgc-collect demo` end to end: the pipeline on 153 synthetic returns, run once for the module."""

import csv
import json
import re
from pathlib import Path

import polars as pl
import pytest

from fgc_collect.demo import BOTH_LEVELS_DIFFERENCES, CHILD_LEVEL_DEMO_LAS, DEMO_KEY_FILE, run_demo
from fgc_collect.demo.synthetic import demo_returns
from fgc_collect.reference import find_la
from fgc_collect.spec import load_spec
from fgc_collect.pipeline import validate_files
from fgc_collect.read import read_return


@pytest.fixture(scope="module")
def progress_seen() -> list[tuple]:
    """What the demo told its progress callback: (what, done, total)."""
    return []


@pytest.fixture(scope="module")
def demo(tmp_path_factory, progress_seen):
    out = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    code = run_demo(out, echo=lines.append, progress=lambda *told: progress_seen.append(told))
    return out, code, "\n".join(lines)


def test_demo_finishes_and_reports_every_seeded_mistake(demo):
    out, code, text = demo
    assert code == 0, text
    _, seeded = demo_returns()
    assert f"Seeded mistakes reported with the right rule and item: {len(seeded)} of {len(seeded)}." in text


def test_each_seeded_mistake_is_named_at_the_cell_the_council_sees(demo):
    out, _, _ = demo
    returns, seeded = demo_returns()
    file_of = {ret.la.code: out / "returns" / ret.file_name for ret in returns}
    for mistake in seeded:
        path = file_of[mistake.la_code]
        (result,) = validate_files([path])
        location = read_return(path).location(mistake.cell_item)
        matching = [i for i in result.issues if i.rule == mistake.rule and i.item == mistake.item]
        assert matching, (mistake, result.issues)
        assert (matching[0].sheet, matching[0].cell) == (location.sheet, location.cell), mistake


def test_demo_writes_feedback_register_and_published_tables(demo):
    out, _, text = demo
    assert (out / "feedback" / "index.html").is_file()
    assert len(list((out / "feedback").glob("*_feedback.xlsx"))) >= 140
    assert (out / "store").is_dir()
    funnel = (out / "published" / "fgc_funnel.csv").read_text(encoding="utf-8")
    assert funnel.startswith("time_period,time_identifier,geographic_level")
    manifest = json.loads((out / "published" / "manifest.json").read_text())
    accepted = {}
    for line in text.splitlines():  # "Accepted 144 returns ..." (2023-24), "Accepted 152 2024-25 returns ..."
        words = line.split()
        if words[:1] == ["Accepted"]:
            accepted["2024-25" if words[2] == "2024-25" else "2023-24"] = int(words[1])
    assert accepted["2023-24"] > 130 and accepted["2024-25"] > 140  # every LA whose return has no errors
    for year, count in accepted.items():
        assert manifest["years"][year]["returns_used"] == count
    used = manifest["returns_used"]  # the headline year's, one entry per LA
    assert len(used) == accepted["2024-25"] == len({entry["la_code"] for entry in used})
    assert f"Used the accepted returns (2023-24: {accepted['2023-24']}; 2024-25: {accepted['2024-25']})" in text
    assert funnel.count("\n202324,") > 150 and funnel.count("\n202425,") > 150  # both years in the open data


def test_the_second_year_goes_through_the_register_with_its_own_mistakes(demo):
    out, _, text = demo
    assert (out / "returns-2024-25").is_dir()
    assert "Seeded 2024-25 mistakes reported by the register's checks: 3 of 3." in text
    page = (out / "published" / "summary.html").read_text(encoding="utf-8")
    assert "2024-25" in page and "2023-24" in page  # the change since the previous year
    # The FGDM duty's table, new in 2024-25, on the page as in its open data file.
    with (out / "published" / "fgc_fgdm_duty.csv").open(encoding="utf-8") as handle:
        england = next(row for row in csv.DictReader(handle)
                       if row["time_period"] == "202425" and row["geographic_level"] == "National")
    considered, offered = int(england["families_proceedings_considered"]), int(england["families_offered_fgdm"])
    section = page[page.index('id="fgc_fgdm_duty"'):page.index('id="who"')]
    assert (f"<th scope=\"row\">England</th><td>{considered:,}</td><td>{offered:,}</td>") in section
    assert f"{england['fgdm_offer_rate']}%" in section
    # The LA that left C12 and C13 blank (FGC114, a warning: accepted) is named in the notes: the
    # table's regional and England figures are all over the LAs that gave C11, C12 and C13, so the
    # printed rate is the printed C12 over the printed C11.
    assert f"{int(offered) * 100 / int(considered):.1f}" == england["fgdm_offer_rate"]
    _, seeded = demo_returns(load_spec("2024-25"))
    blank = find_la(next(m.la_code for m in seeded if m.rule == "FGC114")).name
    notes = (out / "published" / "coverage_notes.txt").read_text(encoding="utf-8")
    assert f"(C12): not provided by 1 LA with a service ({blank})" in notes
    (number,) = [line.split(":")[0].removeprefix("Note ") for line in notes.splitlines() if "(fgc_fgdm_duty)" in line]
    assert f'Which LAs these figures cover: coverage note <a href="#note-{number}">{number}</a>.' in section


def test_child_level_las_are_in_the_demo(demo):
    out, _, text = demo
    child_files = list((out / "returns").glob("fgc_child_return_*"))
    assert len(child_files) == 3
    assert "154 returns (3 of them child-level; Cornwall sends both levels)" in text


def test_child_level_returns_are_ingested_with_the_demo_key_and_published(demo):
    from fgc_collect.child.pseudonymise import key_is_private
    from fgc_collect.register import Register

    out, _, text = demo
    key_file = out / DEMO_KEY_FILE
    assert key_is_private(key_file)
    assert f"pseudonymised with {key_file}, a key made for the demo" in text
    assert "the research team keeps the key" in text and "never stored beside the register" in text
    assert "REFUSED" not in text
    with Register.open(out / "store", create=False) as register:
        accepted = register.accepted_versions(year="2023-24")
        held = {code: [v.level for v in register.versions(code, year="2023-24")] for code in CHILD_LEVEL_DEMO_LAS}
    assert held == {"E08000025": ["child"], "E06000052": ["aggregate", "child"], "E09000022": ["child"]}
    assert {code: accepted[code].level for code in CHILD_LEVEL_DEMO_LAS} == dict.fromkeys(CHILD_LEVEL_DEMO_LAS, "child")
    assert "Cornwall sent both levels: accepting its child-level version 2" in text
    with Register.open(out / "store", create=False) as register:
        used = {code: Path(ret.file).name for code, ret in register.accepted_returns(year="2023-24").items()}
    assert used["E06000052"].startswith("fgc_child_return_") and used["E08000025"].endswith(".csv")


def test_cornwall_sends_both_levels_and_step_2_reconciles_them(demo):
    out, _, text = demo
    step_2 = text[text.index("2. Validating"):text.index("3. Writing feedback")]
    assert "Cornwall: aggregate return against its child-level rows: 114 of 116 counts agree, 2 differ," in step_2
    section = step_2[step_2.index("Both levels from 1 LA"):]
    table = section.splitlines()[4:]  # after the headlines, the files and the column names
    differing = {line.split()[0]: int(line.split()[-1]) for line in table if line.startswith("  D")}
    assert differing == BOTH_LEVELS_DIFFERENCES
    assert "Figures Cornwall's two systems disagree on, and only those, found by the reconciliation: yes" in step_2
    assert (out / "feedback" / "E06000052_reconciliation.csv").is_file()
    assert "(1 reconciliation CSV)" in text


def test_no_raw_child_identifier_is_printed_or_published(demo):
    out, _, text = demo
    rows = pl.read_csv(out / "returns" / "fgc_child_return_E08000025.csv", infer_schema=False)
    ids = set(rows.get_column("child_id").drop_nulls()) | set(rows.get_column("family_id").drop_nulls())
    assert len(ids) > 100
    written = [text] + [path.read_text(encoding="utf-8", errors="replace")
                        for folder in ("feedback", "published") for path in (out / folder).rglob("*")
                        if path.suffix in (".csv", ".html", ".json", ".txt")]
    assert [raw for raw in ids if any(raw in page for page in written)] == []


def test_the_summary_counts_every_return_validated_and_the_output_ends_with_what_to_open(demo):
    out, _, text = demo
    step_2 = text[text.index("2. Validating"):text.index("3. Writing feedback")]
    counts = re.search(r"(\d+) returns: (\d+) valid, (\d+) with warnings only, (\d+) with errors, (\d+) unreadable\.", step_2)
    files, valid, warnings, errors, unreadable = map(int, counts.groups())
    assert files == 154 == valid + warnings + errors + unreadable
    assert valid > 130
    # no 153-row status table: the LAs' states in one line, then what to open
    assert len(text.splitlines()) < 150
    assert re.search(r"Register: 153 LAs: .*\d+ valid", text)
    last = text.splitlines()[-6:]
    assert last[0] == "" and last[1] == "Now open:"
    assert last[2].split()[0] == str(out / "published" / "summary.html")
    assert last[3].split()[0] == str(out / "feedback" / "index.html")
    assert last[5].strip() == f"fgc-collect status --store {out / 'store'}"
    assert (out / "published" / "summary.html").is_file() and (out / "feedback" / "index.html").is_file()


def test_the_demo_reports_its_progress(demo, progress_seen):
    assert ("Writing returns", 153, 153) in progress_seen
    assert ("Reading returns", 154, 154) in progress_seen
    assert ("Writing feedback", 154, 154) in progress_seen
    stored = [told for told in progress_seen if told[0] == "Storing versions"]
    assert stored and stored[-1][1] == stored[-1][2] == 153


def test_outputs_folder_is_what_the_demo_publishes(demo):
    """outputs/ is the worked example: exactly the demo's published folder (regenerate: fgc-collect
    demo --out /tmp/demo-out, then copy /tmp/demo-out/published to outputs/)."""
    out, _, _ = demo
    published, committed = out / "published", Path(__file__).resolve().parents[1] / "outputs"
    names = sorted(path.relative_to(published).as_posix() for path in published.rglob("*") if path.is_file())
    assert names == sorted(path.relative_to(committed).as_posix() for path in committed.rglob("*") if path.is_file())
    for name in names:
        if name.endswith((".png", ".svg", ".html")):
            continue  # chart bytes depend on the matplotlib version; the page is compared without them
        assert (committed / name).read_bytes() == (published / name).read_bytes(), f"outputs/{name} is out of date"
    strip = lambda page: re.sub(r"<svg.*?</svg>", "<svg/>", page, flags=re.S)  # noqa: E731
    assert strip((committed / "summary.html").read_text()) == strip((published / "summary.html").read_text())
