"""The GSS good-practice workbook as a reader opens it: whole numbered notes that the tables refer
to, a cover with the contact and the publication's date and status, and numbers formatted."""

from __future__ import annotations

import re

import openpyxl
import pytest

from fgc_collect.publish import WORKBOOK_NAME
from fgc_collect.publish.workbook import sheet_names, write_workbook

NOTE_REF = re.compile(r"\[note (\d+)\]")


def notes_by_number(book) -> dict[int, str]:
    sheet = book["Notes"]
    header = [cell.value for cell in sheet[3]]
    assert header == ["Note number", "Note text"]
    found = {}
    for number, text in sheet.iter_rows(min_row=4, max_col=2, values_only=True):
        match = re.fullmatch(r"Note (\d+)", number)
        assert match, number
        found[int(match.group(1))] = text
    return found


def references(sheet) -> tuple[set[int], set[int], dict[str, set[int]]]:
    """(notes in the title, notes the sheet's line lists, notes in each column heading)."""
    title = {int(n) for n in NOTE_REF.findall(sheet["A1"].value)}
    listed = re.search(r"refers to notes? ([\d, and]+) \(on the Notes sheet\)", sheet["A3"].value)
    listed = {int(n) for n in re.findall(r"\d+", listed.group(1))} if listed else set()
    headings = {cell.value: {int(n) for n in NOTE_REF.findall(cell.value)} for cell in sheet[5] if cell.value}
    return title, listed, headings


def seeded_not_used() -> list[str]:
    """How the notes name three of the returns the demo's seeded errors keep out of the tables."""
    from fgc_collect.demo.synthetic import demo_returns
    from fgc_collect.reference import find_la

    _, seeded = demo_returns()
    by_rule = {mistake.rule: find_la(mistake.la_code) for mistake in seeded}
    return [f"{by_rule['FGC106'].name} ({by_rule['FGC106'].code}): validation errors (FGC106)",
            f"{by_rule['FGC103'].name} ({by_rule['FGC103'].code}): validation errors (FGC103)",
            f"A return giving the name of {by_rule['FGC006'].name} ({by_rule['FGC006'].code}) but the code of "]


def test_notes_are_whole_numbered_notes(demo_publication):
    folder, tables = demo_publication
    notes = notes_by_number(openpyxl.load_workbook(folder / WORKBOOK_NAME))
    assert list(notes) == list(range(1, len(tables.notes) + 1))
    assert not any(text.startswith(("'", "-", "=")) for text in notes.values())
    (not_used,) = [text for text in notes.values() if "returns were received but not used" in text]
    # One note holds the whole list, one line per return, each naming the LA and its code.
    for line in seeded_not_used():
        assert line in not_used
    assert len(not_used.splitlines()) == 1 + int(re.match(r"(\d+) returns", not_used)[1])
    assert not any(".xlsx" in text for text in notes.values())


def test_every_table_refers_to_the_notes_it_concerns(handbuilt_publication):
    folder, tables = handbuilt_publication
    book = openpyxl.load_workbook(folder / WORKBOOK_NAME)
    notes = notes_by_number(book)
    referred = set()
    assert list(sheet_names(tables).values()) == ["1_Coverage", "2_Funnel", "3_Who", "4a_Referral_sources",
                                                  "4b_Decline_reasons", "4c_Not_held_reasons", "5_Estimates"]
    for name in sheet_names(tables).values():
        title, listed, headings = references(book[name])
        marked = title.union(*headings.values())
        assert marked and listed == marked, name
        referred |= marked
    assert referred == set(notes)  # every note is referred to by some table

    _, _, headings = references(book["2_Funnel"])
    (pre_proceedings,) = [h for h in headings if h.startswith("of which offered at pre-proceedings")]
    (number,) = headings[pre_proceedings]
    assert "(C1_PLO): not provided by 1 LA with a service (Derby)" in notes[number]
    assert headings["Families referred"] == set()

    title, _, _ = references(book["3_Who"])
    assert any("(B3): not provided by 1 LA (Leicester)" in notes[n] for n in title)
    title, _, _ = references(book["5_Estimates"])
    assert any(notes[n].startswith("Estimates: a ratio estimator") for n in title)
    title, _, _ = references(book["1_Coverage"])
    assert not any(notes[n].startswith("Estimates") for n in title)


def test_the_estimates_description_matches_its_rows(handbuilt_publication):
    book = openpyxl.load_workbook(handbuilt_publication[0] / WORKBOOK_NAME)
    estimates = book["5_Estimates"]
    levels = {row[0] for row in estimates.iter_rows(min_row=6, values_only=True)}
    assert levels == {"National", "Regional"}
    assert estimates["A2"].value.endswith("England and regions, 1 April 2023 to 31 March 2024.")
    assert "local authorities" not in estimates["A2"].value
    assert book["2_Funnel"]["A2"].value.endswith("England, regions and local authorities, 1 April 2023 to 31 March 2024.")


def column(sheet, heading: str) -> list:
    headings = [cell.value for cell in sheet[5]]
    index = next(i for i, h in enumerate(headings) if h.split(" [note")[0] == heading)
    return [row[index] for row in sheet.iter_rows(min_row=6)]


def test_numbers_are_formatted_and_symbols_are_right_aligned_text(demo_publication):
    book = openpyxl.load_workbook(demo_publication[0] / WORKBOOK_NAME)
    funnel = book["2_Funnel"]
    referred = column(funnel, "Families referred")
    assert referred[0].value > 1000 and referred[0].number_format == "#,##0"
    assert all(cell.number_format == "#,##0" for cell in referred if isinstance(cell.value, (int, float)))
    offer = column(funnel, "Offer rate: families offered per 100 referred (%)")
    assert {cell.number_format for cell in offer if isinstance(cell.value, (int, float))} == {"#,##0.0"}
    per_family = column(funnel, "Children per family referred")
    assert {cell.number_format for cell in per_family if isinstance(cell.value, (int, float))} == {"#,##0.00"}
    symbols = [cell for row in funnel.iter_rows(min_row=6) for cell in row if cell.value in ("[c]", "[x]", "[z]")]
    assert {"[c]", "[x]", "[z]"} <= {cell.value for cell in symbols}
    assert all(cell.data_type == "s" and cell.alignment.horizontal == "right" for cell in symbols)
    population = column(book["1_Coverage"], "Children aged 0 to 17")
    assert population[0].value > 10_000_000 and population[0].number_format == "#,##0"
    estimate = column(book["5_Estimates"], "Families referred: estimated total, adjusted for non-response")
    assert estimate[0].number_format == "#,##0"


SURVEY = """\
year: "2023-24"
contact:
  organisation: FGC Research Team, University of Example
  email: fgc-survey@example.org
  phone: 020 7946 0000
publication:
  date: 2025-07-03
  status: official statistics in development
  statistician: Dr Ann Example
"""


def cover_text(path) -> list[str]:
    return [cell.value for cell in openpyxl.load_workbook(path)["Cover"]["A"] if cell.value]


def test_the_cover_gives_the_contact_and_the_publication(handbuilt_publication, tmp_path, monkeypatch):
    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text(SURVEY, encoding="utf-8")
    monkeypatch.setenv("FGC_SURVEY", str(survey))
    lines = cover_text(write_workbook(handbuilt_publication[1], tmp_path / "book.xlsx"))
    assert "Publication date: 3 July 2025" in lines
    assert "Status: official statistics in development" in lines
    assert "Responsible statistician: Dr Ann Example" in lines
    assert "Organisation: FGC Research Team, University of Example" in lines
    assert "Email: fgc-survey@example.org" in lines
    assert "Telephone: 020 7946 0000" in lines


def test_the_cover_says_what_is_not_yet_set(handbuilt_publication, tmp_path, monkeypatch):
    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text('year: "2023-24"\n', encoding="utf-8")
    monkeypatch.setenv("FGC_SURVEY", str(survey))
    lines = cover_text(write_workbook(handbuilt_publication[1], tmp_path / "book.xlsx"))
    assert "Publication date: not yet set (set it in the survey file, fgc-survey.yaml)" in lines
    assert "Contact: not yet set (set it in the survey file, fgc-survey.yaml)" in lines
    assert "Status: official statistics in development" in lines
    assert not any(line.startswith("Responsible statistician") for line in lines)


@pytest.mark.parametrize("bad", ["publication:\n  date: next July\n", "contact: [a, b]\n"])
def test_a_bad_survey_file_stops_aggregate_with_one_sentence(handbuilt_publication, tmp_path, monkeypatch, bad):
    from click.testing import CliRunner

    from fgc_collect.cli import cli

    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text(bad, encoding="utf-8")
    monkeypatch.setenv("FGC_SURVEY", str(survey))
    result = CliRunner().invoke(cli, ["aggregate", str(tmp_path / "none.xlsx"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "the survey file" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
