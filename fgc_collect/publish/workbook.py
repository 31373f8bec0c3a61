"""The spreadsheet for people: a workbook following the GSS good-practice guidance for releasing
statistics in spreadsheets: a cover sheet (symbols, the publication's date and status and the
contact, from the survey file), a contents sheet linking to every table, a notes sheet of whole,
numbered notes, one table per sheet as a marked Excel table starting in column A under its title,
no merged cells, no blank cells, symbols in square brackets, right-aligned, and explained on the
cover. Each table refers to the notes it concerns as gptables does: "[note N]" in the heading of
the column a note is about, else in the title, and a line listing them. Counts carry a thousands
separator, rates and percentages their fixed decimals.

Written with xlsxwriter directly (gptables lays out the same elements, but formats cell by cell
through pandas and takes seconds for these tables). Text from returns cannot become a formula:
xlsxwriter is told never to turn a string into a formula, a number or a link, every text is a text
cell, and one that starts like a formula (= + - @ ...) carries Excel's quote prefix, so it stays
text even when someone edits the cell, and shows as typed, with no visible apostrophe. The file is the same byte for byte from the same tables: xlsxwriter stamps every part with
the workbook's creation date, which is fixed here.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from fgc_collect.aggregate.tables import LOCAL, SYMBOLS, NationalTables, Table
from fgc_collect.publish.ees import formula_like

FIXED_DATE = datetime(2025, 1, 1)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# A table's short name on its sheet; a table the catalogue adds (the FGDM duty, a new breakdown's)
# is named from its table name ("fgc_fgdm_duty" -> "FGDM_duty", "fgc_b9" -> "B9").
SHEET_WORDS = {
    "fgc_coverage": "Coverage",
    "fgc_funnel": "Funnel",
    "fgc_characteristics": "Who",
    "fgc_referral_sources": "Referral_sources",
    "fgc_decline_reasons": "Decline_reasons",
    "fgc_not_held_reasons": "Not_held_reasons",
    "fgc_estimates": "Estimates",
}
_CAPITALS = {"fgdm": "FGDM", "fgc": "FGC", "fgcs": "FGCs", "la": "LA", "las": "LAs"}


def _sheet_words(table_name: str) -> str:
    words = table_name.removeprefix("fgc_").split("_")
    shown = [_CAPITALS.get(word, word) for word in words]
    shown[0] = shown[0][:1].upper() + shown[0][1:]
    return "_".join(shown)


def sheet_names(tables: NationalTables) -> dict[str, str]:
    """Table name -> its sheet: numbered in the workbook's order, the reasons tables (one a
    breakdown) lettered under one number: 1_Coverage, 2_Funnel, 3_Who, 4a_Referral_sources, ...,
    then any table the year adds (5_FGDM_duty in 2024-25) and the estimates last."""
    reasons = {reason.table for reason in tables.catalogue.reasons}
    names: dict[str, str] = {}
    number, letter, in_reasons = 0, 0, False
    for table in tables.tables:
        words = SHEET_WORDS.get(table.name) or _sheet_words(table.name)
        if table.name in reasons:
            if not in_reasons:
                number, letter = number + 1, 0
            names[table.name] = f"{number}{'abcdefghijklmnopqrstuvwxyz'[letter]}_{words}"[:31]
            letter, in_reasons = letter + 1, True
        else:
            number, in_reasons = number + 1, False
            names[table.name] = f"{number}_{words}"[:31]
    return names
BRACKETED = {f"[{symbol}]" for symbol in SYMBOLS}  # symbols as the sheets show them: text, right-aligned


def _cell(text: str):
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    if text in SYMBOLS:
        return f"[{text}]"
    return text


def sheet_rows(table: Table, tables: NationalTables) -> tuple[list[str], list[list]]:
    """The table as people read it: area columns, then filters and indicators by their labels."""
    frame = tables.frame(table.name)
    has_la = "la_name" in frame.columns
    headings = ["Geographic level", "Area", "Area code", "Region"]
    headings += [column.label for column in table.filters]
    headings += [column.label + (f" ({column.unit})" if column.unit else "") for column in table.indicators]
    rows = []
    for record in frame.iter_rows(named=True):
        la = record["la_name"] if has_la else ""
        code = (record["new_la_code"] if has_la and la else "") or record["region_code"] or record["country_code"]
        row = [record["geographic_level"], la or record["region_name"] or record["country_name"], code,
               record["region_name"] or "[z]"]
        row += [record[column.name] for column in table.filters]
        row += [_cell(record[column.name]) for column in table.indicators]
        rows.append(row)
    return headings, rows


def note_marks(tables: NationalTables, table: Table) -> tuple[list[int], dict[str, list[int]]]:
    """The numbers of the notes a table refers to, as gptables places them: in the heading of each
    column a note concerns, else in the title."""
    indicators = {column.name for column in table.indicators}
    title: list[int] = []
    headings: dict[str, list[int]] = {}
    for number, note in enumerate(tables.notes, start=1):
        if not note.concerns(table.name):
            continue
        columns = [name for name in note.columns if name in indicators]
        for name in columns:
            headings.setdefault(name, []).append(number)
        if not columns:
            title.append(number)
    return title, headings


def _marks(numbers: list[int]) -> str:
    return "".join(f" [note {number}]" for number in numbers)


def _listed(numbers: list[int]) -> str:
    """'notes 1, 3 and 5' (the line on each sheet that lists its notes)."""
    words = [str(number) for number in numbers]
    if len(words) == 1:
        return f"note {words[0]}"
    return f"notes {', '.join(words[:-1])} and {words[-1]}"


def _fit_row(sheet, row: int, text: str, width: int) -> None:
    """Make a row of wrapped text tall enough for it: LibreOffice keeps the default height of a row
    written without one, so a long note would hide all but its first line."""
    import math

    lines = sum(max(1, math.ceil(len(part) / width)) for part in text.split("\n"))
    if lines > 1:
        sheet.set_row(row, 15 * lines)


def _number_formats(workbook, table: Table, width: int) -> list:
    """Each column's format for numbers: counts with a thousands separator, rates and percentages
    with their fixed decimals (the areas and filters first: never numbers)."""
    formats: dict[str, object] = {}
    found = [None] * (width - len(table.indicators))
    for column in table.indicators:
        pattern = "#,##0" + ("." + "0" * column.dp if column.dp else "")
        if pattern not in formats:
            formats[pattern] = workbook.add_format({"num_format": pattern})
        found.append(formats[pattern])
    return found


def _cover_lines(survey, heading, wrap, link) -> list[tuple]:
    """The publication and contact details from the survey file: (text, format, url or None)."""
    from fgc_collect.survey import SURVEY_FILE_NAME

    unset = f"not yet set (set it in the survey file, {SURVEY_FILE_NAME})"
    publication, contact = survey.publication, survey.contact
    when = f"{publication.date.day} {publication.date:%B %Y}" if publication.date else unset
    lines = [("Publication", heading, None), (f"Publication date: {when}", wrap, None),
             (f"Status: {publication.status}", wrap, None)]
    if publication.statistician:
        lines.append((f"Responsible statistician: {publication.statistician}", wrap, None))
    lines.append(("Contact details", heading, None))
    if contact.organisation:
        lines.append((f"Organisation: {contact.organisation}", wrap, None))
    if contact.email:
        lines.append((f"Email: {contact.email}", link, f"mailto:{contact.email}"))
    if contact.phone:
        lines.append((f"Telephone: {contact.phone}", wrap, None))
    if not (contact.organisation or contact.email or contact.phone):
        lines.append((f"Contact: {unset}", wrap, None))
    return lines


def write_workbook(tables: NationalTables, path: Path, survey=None) -> Path:
    """survey: the survey settings for the cover (default: the survey file in force)."""
    import xlsxwriter

    from fgc_collect.survey import current_survey

    survey = survey or current_survey()
    spec = tables.spec
    workbook = xlsxwriter.Workbook(str(path), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    workbook.set_properties({"title": spec.title, "author": "fgc-collect", "created": FIXED_DATE})
    title = workbook.add_format({"bold": True, "font_size": 16})
    heading = workbook.add_format({"bold": True, "font_size": 13})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    link = workbook.add_format({"font_color": "#0000EE", "underline": 1})
    top = workbook.add_format({"valign": "top"})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "bottom"})
    symbol = workbook.add_format({"align": "right"})
    as_text = workbook.add_format({"quote_prefix": True})  # text that starts like a formula
    wrap_as_text = workbook.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
    period = f"1 April {spec.period_start.year} to 31 March {spec.period_end.year}"

    cover = workbook.add_worksheet("Cover")
    cover.hide_gridlines(2)
    cover.fit_to_pages(1, 0)  # printed: as wide as the page, as long as it needs
    cover.set_column(0, 0, 90, wrap)
    lines = [
        (spec.title, title),
        ("The first national picture of family group conference (FGC) referral, offer, consent and take-up in "
         "England, and of which children get one. Figures are for the local authorities (LAs) whose returns are "
         "used; the estimates sheet adjusts England's totals for the LAs that are missing.", wrap),
        (f"Period covered: {period}.", wrap),
        ("The same tables are published as open data: CSV files in Explore Education Statistics format.", wrap),
        ("Symbols used in the tables", heading),
        *((f"[{symbol}] {meaning}", wrap) for symbol, meaning in SYMBOLS.items()),
        ("Disclosure control", heading),
        (f"Counts from 1 to {tables.config.threshold} in an LA or a region are suppressed [c], with enough other "
         "counts that none can be worked out from the rest; a linear-programming audit checks every suppressed "
         "count before anything is published. See the notes sheet.", wrap),
    ]
    lines = [(text, style, None) for text, style in lines] + _cover_lines(survey, heading, wrap, link)
    lines.append(("Contents", heading, None))
    for row, (text, style, url) in enumerate(lines):
        if url:
            cover.write_url(row, 0, url, style, string=text)
        else:
            cover.write_string(row, 0, text, style)  # the research team's own words (the survey file)
            _fit_row(cover, row, text, 85)
    cover.write_url(len(lines), 0, "internal:'Contents'!A1", link, string="Go to the contents sheet")

    contents = workbook.add_worksheet("Contents")
    contents.hide_gridlines(2)
    contents.fit_to_pages(1, 0)
    contents.write_string(0, 0, "Table of contents", title)
    contents.write_string(1, 0, "This worksheet contains one table. Each sheet name links to its table.")
    contents.set_column(0, 0, 24)
    contents.set_column(1, 1, 90, wrap)
    entries = [["Notes", "Coverage notes: returns used and not used, figures not provided, disclosure control, "
                "estimates"]]
    sheets = sheet_names(tables)
    entries += [[sheets[t.name], t.title] for t in tables.tables]
    contents.add_table(2, 0, 2 + len(entries), 1, {
        "name": "contents", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": "Sheet name"}, {"header": "Table title"}],
    })
    for row, (sheet, text) in enumerate(entries, start=3):
        contents.write_url(row, 0, f"internal:'{sheet}'!A1", link, string=sheet)
        contents.write_string(row, 1, text, wrap)

    notes = workbook.add_worksheet("Notes")
    notes.hide_gridlines(2)
    notes.fit_to_pages(1, 0)
    notes.write_string(0, 0, "Notes", title)
    notes.write_string(1, 0, "This worksheet contains one table.")
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 110, wrap)
    notes.add_table(2, 0, 2 + len(tables.notes), 1, {
        "name": "notes", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": "Note number"}, {"header": "Note text"}],
    })
    for row, note in enumerate(tables.notes, start=3):
        notes.write_string(row, 0, f"Note {row - 2}", top)
        text = "\n".join((note.text, *(f"• {point}" for point in note.points)))
        notes.write_string(row, 1, text, wrap_as_text if formula_like(text) else wrap)
        _fit_row(notes, row, text, 105)

    for table in tables.tables:
        sheet = workbook.add_worksheet(sheets[table.name])
        sheet.hide_gridlines(2)
        marked, marked_columns = note_marks(tables, table)
        areas = "England, regions and local authorities" if LOCAL in table.levels else "England and regions"
        sheet.write_string(0, 0, table.title + _marks(marked), title)
        sheet.write_string(1, 0, f"{table.description} {areas}, {period}.")
        numbers = sorted(set(marked).union(*marked_columns.values()))
        refers = (f" It refers to {_listed(numbers)} (on the Notes sheet), marked [note N] in its title or column "
                  "headings." if numbers else "")
        sheet.write_string(2, 0, f"This worksheet contains one table.{refers} Symbols are explained on the cover sheet.")
        sheet.write_string(3, 0, f"Source: {spec.title}")
        headings, rows = sheet_rows(table, tables)
        first_indicator = len(headings) - len(table.indicators)
        for position, column in enumerate(table.indicators, start=first_indicator):
            headings[position] += _marks(marked_columns.get(column.name, []))
        formats = _number_formats(workbook, table, len(headings))
        first = 4
        sheet.add_table(first, 0, first + len(rows), len(headings) - 1, {
            "name": table.name, "style": "Table Style Light 1", "autofilter": False,
            "columns": [{"header": text, "header_format": header} for text in headings],
        })
        write_number, write_string = sheet.write_number, sheet.write_string
        for offset, row in enumerate(rows, start=first + 1):
            for column, value in enumerate(row):
                if isinstance(value, str):
                    write_string(offset, column, value,
                                 symbol if value in BRACKETED else as_text if formula_like(value) else None)
                else:
                    write_number(offset, column, value, formats[column])
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 3, 14)
        sheet.set_column(4, len(headings) - 1, 16)
        sheet.set_row(first, 60)
        sheet.freeze_panes(first + 1, 2)
    workbook.close()
    return path
