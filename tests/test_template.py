"""The Excel survey template: what a council sees, and what the reader relies on (layout.py)."""

from __future__ import annotations

import time
import zipfile
from datetime import date

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, range_boundaries
from openpyxl.utils.cell import coordinate_from_string

from fgc_collect.reference import find_la, local_authorities
from fgc_collect.spec import latest_year, load_spec
from fgc_collect.survey import Contact, Survey
from fgc_collect.template import (
    TEMPLATE_FILE_NAME,
    build_template,
    committed_template_path,
    fill_template,
    fill_workbook,
    la_file_name,
    layout,
    workbook_bytes,
    write_all_templates,
    write_template,
)
from tests.support.workbooks import load_strictly

SPEC = load_spec()
DURHAM = find_la("E06000047")
NO_SURVEY_FILE = Survey()  # what the committed template is made with: the spec's deadline, no contact


@pytest.fixture(scope="module")
def blank_bytes() -> bytes:
    return workbook_bytes(build_template(survey=NO_SURVEY_FILE))


@pytest.fixture(scope="module")
def blank(blank_bytes) -> openpyxl.Workbook:
    return load_strictly(blank_bytes)


@pytest.fixture(scope="module")
def durham() -> openpyxl.Workbook:
    return load_strictly(workbook_bytes(build_template(DURHAM, survey=NO_SURVEY_FILE)))


def _cell(wb, name):
    ((sheet, reference),) = list(wb.defined_names[name].destinations)
    return wb[sheet][reference.replace("$", "")]


def _validations(ws, coordinate):
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def _range_values(wb, reference):
    sheet, _, cells = reference.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    ws = wb[sheet]
    return sheet, [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


# --------------------------------------------------------------------------- the spec's codes


def test_every_category_code_is_a_string():
    # YAML 1.1 reads unquoted yes/no/y/n as booleans; the codes must stay "YES", "NO", "Y", "N".
    for name, categories in SPEC.category_sets.items():
        for category in categories:
            assert isinstance(category.code, str), (name, category)
            assert isinstance(category.label, str), (name, category)
    for item in SPEC.items:
        for category in item.choices + item.rows:
            assert isinstance(category.code, str), (item.id, category)
    assert [c.code for c in SPEC.category_sets["YESNO"]] == ["Y", "N"]
    assert [c.code for c in SPEC.category_sets["DIS"]][:2] == ["YES", "NO"]


def test_definitions_sheet_lists_every_category_with_its_code(blank):
    ws = blank[layout.DEFINITIONS_SHEET]
    pairs = {(row[0], row[1]) for row in ws.iter_rows(values_only=True, max_col=2)}
    for name, categories in SPEC.category_sets.items():
        assert any(code == name for code, _ in pairs), name
        for category in categories:
            assert (category.code, category.label) in pairs, (name, category)
    for item in SPEC.items:
        for choice in item.choices:
            assert (choice.code, choice.label) in pairs, item.id
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for phrase in ("Blank means", "0 means", "families", "<5", "children"):
        assert phrase in text


# --------------------------------------------------------------------------- sheets


def test_sheets_are_named_as_the_spec_says(blank):
    assert blank.sheetnames == [
        layout.COVER_SHEET,
        *[section.sheet for section in SPEC.sections],
        layout.DEFINITIONS_SHEET,
        layout.LISTS_SHEET,
        layout.META_SHEET,
        layout.CHECKS_SHEET,
    ]
    assert blank.sheetnames[1:6] == ["A Service", "B Referrals", "C Offer and consent", "D FGCs held", "E Comments"]
    assert blank[layout.LISTS_SHEET].sheet_state == "hidden"
    assert blank[layout.META_SHEET].sheet_state == "veryHidden"
    assert blank[layout.CHECKS_SHEET].sheet_state == "veryHidden"
    for name in blank.sheetnames[:7]:
        assert blank[name].sheet_state == "visible"
    assert blank.active.title == layout.COVER_SHEET


def _cover_text(wb) -> str:
    return " ".join(str(v) for row in wb[layout.COVER_SHEET].iter_rows(values_only=True) for v in row if v)


def test_cover_says_what_when_and_how(blank, durham):
    text = _cover_text(blank)
    for phrase in ("1 April 2023 to 31 March 2024", "4 April 2025", "Email the completed workbook",
                   "Do not rename", ".xlsx", "Pale yellow", "Grey", "Pale blue"):
        assert phrase in text, phrase
    # no survey file: no made-up address, the spec's deadline
    assert "example.org" not in text and "@" not in text
    assert "Questions about the survey: the research team that sent you this workbook." in text
    durham_text = " ".join(
        str(v) for row in durham[layout.COVER_SHEET].iter_rows(values_only=True) for v in row if v
    )
    assert "County Durham (E06000047)" in durham_text
    assert "County Durham" not in text


def test_meta_sheet_has_every_key(blank, durham):
    for wb, la_code, la_name in ((blank, None, None), (durham, "E06000047", "County Durham")):
        ws = wb[layout.META_SHEET]
        meta = {row[0]: row[1] for row in ws.iter_rows(min_col=1, max_col=2, values_only=True)}
        assert tuple(meta) == layout.META_KEYS
        assert meta["collection"] == SPEC.collection_id == "fgc-survey"
        assert meta["level"] == "aggregate"
        assert meta["year"] == "2023-24"
        assert meta["template_version"] == SPEC.template_version
        assert meta["la_code"] == la_code
        assert meta["la_name"] == la_name


def test_section_sheet_headings_and_frozen_panes(blank):
    for section in SPEC.sections:
        ws = blank[section.sheet]
        assert ws.cell(layout.HEADER_ROW, layout.ITEM_ID_COLUMN).value == layout.ITEM_ID_HEADER
        assert ws.cell(layout.HEADER_ROW, layout.QUESTION_COLUMN).value == "Question"
        assert ws.cell(layout.HEADER_ROW, layout.CATEGORY_COLUMN).value == "Category"
        assert ws.cell(layout.HEADER_ROW, layout.ANSWER_COLUMN).value == layout.ANSWER_HEADER
        assert ws.cell(layout.HEADER_ROW, layout.CHECK_COLUMN).value == "Check"
        assert section.code in ws["A1"].value and section.title in ws["A1"].value
        assert ws["A2"].value
        assert ws.freeze_panes == f"A{layout.HEADER_ROW + 1}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows
        assert not [str(r) for r in ws.merged_cells.ranges if range_boundaries(str(r))[0] <= 4]


# --------------------------------------------------------------------------- input cells


def test_every_input_cell_has_its_defined_name_on_the_right_row(blank):
    for section in SPEC.sections:
        for item in section.items:
            for cell in item.cells:
                name = blank.defined_names[cell.defined_name]
                ((sheet, reference),) = list(name.destinations)
                assert sheet == section.sheet
                assert reference.startswith("$") and reference.count("$") == 2, reference
                assert f"'{section.sheet}'!" in name.attr_text
                column, row = coordinate_from_string(reference.replace("$", ""))
                assert column_index_from_string(column) == layout.ANSWER_COLUMN
                ws = blank[sheet]
                assert ws.cell(row, layout.ITEM_ID_COLUMN).value == cell.id
                if cell.category is not None:
                    assert ws.cell(row, layout.CATEGORY_COLUMN).value == cell.category.label
    names = {name for name in blank.defined_names if name.startswith(layout.INPUT_NAME_PREFIX)}
    assert names == {cell.defined_name for cell in SPEC.input_cells}
    assert "Q_B3_U1" in names and "Q_A8_PLO" in names


def test_breakdowns_end_in_a_locked_total_row(blank):
    for item in SPEC.breakdowns:
        total = _cell(blank, layout.TOTAL_NAME_PREFIX + item.id)
        ws = total.parent
        rows = [_cell(blank, cell.defined_name).row for cell in item.cells]
        assert rows == list(range(rows[0], rows[0] + len(rows)))
        assert total.row == rows[-1] + 1 and total.column == layout.ANSWER_COLUMN
        assert ws.cell(total.row, layout.ITEM_ID_COLUMN).value == item.id
        assert total.value == f"=SUM(D{rows[0]}:D{rows[-1]})"
        assert total.protection.locked
        label = ws.cell(total.row, layout.QUESTION_COLUMN).value
        assert label.startswith("Total of the categories above") and item.total in label
        check = ws.cell(total.row, layout.CHECK_COLUMN).value
        assert check.startswith(f"='{layout.CHECKS_SHEET}'!"), check  # the workbook's own checks (FGC101)
        assert ws.cell(rows[0], layout.QUESTION_COLUMN).value == item.label


def test_count_cells_take_whole_numbers_of_zero_or_more(blank):
    counts = [cell for cell in SPEC.input_cells if cell.kind == "count"]
    assert len(counts) > 100
    for cell in counts:
        target = _cell(blank, cell.defined_name)
        (dv,) = _validations(target.parent, target.coordinate)
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        assert dv.allow_blank and dv.showErrorMessage and dv.error and dv.showInputMessage
        assert dv.promptTitle and len(dv.promptTitle) <= 32 and dv.prompt and len(dv.prompt) <= 255


def test_choice_cells_drop_down_the_labels_from_the_lists_sheet(blank):
    choices = [cell for cell in SPEC.input_cells if cell.kind == "choice"]
    assert {cell.id for cell in choices} >= {"A5", "A6", "A8_PLO", "A12_SELF", "A13"}
    for cell in choices:
        target = _cell(blank, cell.defined_name)
        (dv,) = _validations(target.parent, target.coordinate)
        assert dv.type == "list"
        assert "," not in dv.formula1.split("!")[-1]  # a range, never an inline list
        sheet, values = _range_values(blank, dv.formula1)
        assert sheet == layout.LISTS_SHEET
        assert values == [choice.label for choice in cell.choices]


def test_other_validations(blank):
    a10 = _cell(blank, "Q_A10")
    (dv,) = _validations(a10.parent, a10.coordinate)
    assert (dv.type, dv.operator, float(dv.formula1), float(dv.formula2)) == ("decimal", "between", 0, 500)
    for cell_id in ("A14", "A15", "E1"):
        target = _cell(blank, "Q_" + cell_id)
        (dv,) = _validations(target.parent, target.coordinate)
        assert (dv.type, dv.operator, int(dv.formula1)) == ("textLength", "lessThanOrEqual", SPEC.item(cell_id).max_chars)
        assert target.alignment.wrap_text
        assert target.parent.row_dimensions[target.row].height >= 60


def test_only_input_cells_are_unlocked_and_sheets_are_protected_without_password(blank):
    inputs = {(s, r.replace("$", "")) for n in SPEC.input_cells for s, r in blank.defined_names[n.defined_name].destinations}
    for ws in blank.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password and not ws.protection.hashValue, ws.title
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=max(ws.max_column, 6)):
            for cell in row:
                expected_locked = (ws.title, cell.coordinate) not in inputs
                assert cell.protection.locked == expected_locked, (ws.title, cell.coordinate)
    b1 = _cell(blank, "Q_B1")
    assert b1.fill.fgColor.rgb.endswith("FFF2CC")
    assert b1.border.left.style == "thin"


def test_blank_template_leaves_a1_and_a2_to_fill_in(blank):
    for name in ("Q_A1", "Q_A2"):
        cell = _cell(blank, name)
        assert cell.value is None and not cell.protection.locked


def test_prefilled_template_locks_the_la(durham):
    a1, a2 = _cell(durham, "Q_A1"), _cell(durham, "Q_A2")
    assert (a1.value, a2.value) == ("County Durham", "E06000047")
    assert a1.protection.locked and a2.protection.locked
    assert a1.fill.fgColor.rgb.endswith("E7E6E6")
    assert not _cell(durham, "Q_A3").protection.locked
    assert _cell(durham, "Q_A3").value is None


def _checks_row(wb, target) -> str:
    """The formulas of the _checks row behind a cell's Check column, joined, with the words they
    take from the sheet's cells written in."""
    import re

    from fgc_collect.template.checks import WORDS

    shown = target.parent.cell(target.row, layout.CHECK_COLUMN).value
    sheet, _, reference = shown.removeprefix("=").rpartition("!")
    ws = wb[sheet.strip("'")]
    text = " ".join(str(c.value) for c in ws[int(reference.split("$")[-1])] if c.value is not None)
    quoted = re.sub(rf"\${WORDS}\$(\d+)", lambda m: '"' + ws[f"{WORDS}{m[1]}"].value.replace('"', '""') + '"', text)
    return quoted.replace('"&"', "")  # adjacent pieces of text as one


def _check_formula(wb, cell_id: str) -> str:
    return _checks_row(wb, _cell(wb, layout.INPUT_NAME_PREFIX + cell_id))


def test_every_row_that_can_hold_a_problem_shows_the_workbooks_own_check(blank):
    for section in SPEC.sections:
        ws = blank[section.sheet]
        for item in section.items:
            rows = [_cell(blank, cell.defined_name).row for cell in item.cells]
            if item.is_breakdown:
                rows.append(_cell(blank, layout.TOTAL_NAME_PREFIX + item.id).row)
            for row in rows:
                check = ws.cell(row, layout.CHECK_COLUMN)
                assert check.value.startswith(f"='{layout.CHECKS_SHEET}'!$"), (section.sheet, row)
                assert check.protection.locked and check.alignment.wrap_text


def test_the_checks_speak_the_words_of_validate(blank):
    from fgc_collect.validate import messages

    # the formulas are written from the validator's message templates, not from a copy of the words
    c1_plo = _check_formula(blank, "C1_PLO")
    assert "should be no more than " in c1_plo and "a part cannot be larger than its whole" in c1_plo
    assert messages.FGC002.split("{raw}")[1][:200] in _check_formula(blank, "B3_U1")
    a5 = _check_formula(blank, "A5")
    assert "change A5 to Yes; if not, clear those figures." in a5 and "Yes or No" in a5
    assert "is blank but is required because A5 is Yes: enter the figure" in _check_formula(blank, "B1")
    for ws in blank.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and value.startswith("="):
                    # Excel 2007 functions only (no _xlfn future functions, no LET or dynamic arrays)
                    assert "_xlfn" not in value and "LET(" not in value and "FILTER(" not in value
                    assert len(value) < 8192, (ws.title, len(value))


def test_the_cover_counts_the_problems_in_fgc_checks(blank):
    name = blank.defined_names["FGC_CHECKS"]
    assert name.localSheetId is None  # workbook-scoped
    ((sheet, reference),) = list(name.destinations)
    assert sheet == layout.COVER_SHEET
    ws = blank[sheet]
    count = ws[reference.replace("$", "")]
    assert count.value.startswith(f"=SUM('{layout.CHECKS_SHEET}'!")
    status = ws.cell(count.row + 1, count.column).value
    assert "FGC_CHECKS=0" in status and "Ready to send" in status and " to fix" in status
    links = {cell.value: cell.hyperlink.location for row in ws.iter_rows() for cell in row if cell.hyperlink}
    for section in SPEC.sections:
        assert links[section.sheet] == f"'{section.sheet}'!E{layout.HEADER_ROW + 1}"


# --------------------------------------------------------------------------- files


def test_write_template_is_reproducible_and_is_the_committed_file(tmp_path, blank_bytes, monkeypatch):
    monkeypatch.delenv("FGC_SURVEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./fgc-survey.yaml here: the spec's own deadline, no contact
    first = write_template(tmp_path / "one.xlsx")
    second = write_template(tmp_path / "two.xlsx")
    assert first.read_bytes() == second.read_bytes() == blank_bytes
    committed = committed_template_path()
    assert committed.name == TEMPLATE_FILE_NAME and committed.parent.name == "templates"
    assert committed.read_bytes() == blank_bytes, "regenerate it: python -m fgc_collect.template"
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        assert b"2025-01-01T00:00:00Z" in archive.read("docProps/core.xml")
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_all_templates_one_per_la(tmp_path):
    started = time.perf_counter()
    paths = write_all_templates(tmp_path)
    elapsed = time.perf_counter() - started
    assert len(paths) == len(local_authorities()) == 153
    assert len({path.name for path in paths}) == 153
    assert tmp_path / "fgc_return_2023_24_E06000047_County_Durham.xlsx" in paths
    assert sorted(tmp_path.iterdir()) == sorted(paths)
    assert elapsed < 10, elapsed
    # Each file is what write_template gives for that LA.
    for la in (DURHAM, local_authorities()[0], local_authorities()[-1]):
        path = tmp_path / la_file_name(la)
        assert path.read_bytes() == workbook_bytes(build_template(la))
    assert "fgc_return_2023_24_E06000047_County_Durham.xlsx" in {path.name for path in paths}
    wb = load_strictly((tmp_path / la_file_name(local_authorities()[-1])).read_bytes())
    assert _cell(wb, "Q_A2").value == local_authorities()[-1].code


def test_fill_workbook_writes_through_the_defined_names(tmp_path):
    wb = build_template()
    fill_workbook(wb, {"B1": 12, "B3_U1": 4, "A5": "Yes", "Q_E1": "Nothing to add"})
    assert _cell(wb, "Q_B1").value == 12
    assert _cell(wb, "Q_B3_U1").value == 4
    assert _cell(wb, "Q_A5").value == "Yes"
    assert _cell(wb, "Q_E1").value == "Nothing to add"
    with pytest.raises(KeyError, match="B99.*SUM_B3|SUM_B3.*B99"):
        fill_workbook(wb, {"B2": 5, "B99": 1, "SUM_B3": 3})
    assert _cell(wb, "Q_B2").value is None  # nothing written when an id is unknown

    path = fill_template({"B1": 7, "A3": "Jo Bloggs"}, tmp_path / "return.xlsx", la=DURHAM)
    loaded = load_strictly(path.read_bytes())
    assert _cell(loaded, "Q_B1").value == 7
    assert _cell(loaded, "Q_A1").value == "County Durham"
    assert _cell(loaded, "Q_A3").value == "Jo Bloggs"


# --------------------------------------------------------------------------- issue 12: research team


def test_cover_takes_contact_and_deadline_from_the_survey_file():
    survey = Survey(contact=Contact(email="fgc.survey@research.example.ac.uk", organisation="FGC research team",
                                    phone="0191 000 0000"),
                    deadline=date(2025, 5, 9))
    text = _cover_text(build_template(DURHAM, survey=survey))
    assert "Email the completed workbook to fgc.survey@research.example.ac.uk." in text
    assert "Questions about the survey: FGC research team, fgc.survey@research.example.ac.uk, 0191 000 0000." in text
    assert "Please return this workbook by Friday 9 May 2025." in text
    assert "4 April 2025" not in text and "example.org" not in text


def test_prompts_on_breakdowns_of_children_say_children(blank):
    children = [item for item in SPEC.breakdowns if SPEC.item(item.total).unit == "children"]
    assert {item.id for item in children} == {f"{s}{n}" for s, ns in (("B", "34567"), ("C", "45678"), ("D", "45678")) for n in ns}
    for item in SPEC.items:
        if not item.cells or item.cells[0].kind != "count":
            continue
        target = _cell(blank, item.cells[0].defined_name)
        (dv,) = _validations(target.parent, target.coordinate)
        assert "cases" not in dv.promptTitle + dv.prompt, item.id
        if item in children:
            assert dv.promptTitle == f"{item.id}: number of children"
            assert dv.prompt.startswith("Exact whole number of children:")
    b1 = _cell(blank, "Q_B1")
    (dv,) = _validations(b1.parent, b1.coordinate)
    # the condition in the words of the drop-down, not "A5 == Y"
    assert dv.prompt.endswith("Required if A5 (did your local authority have an FGC service?) is Yes.")


def _definitions(wb) -> dict[str, str]:
    return {a: b for a, b in wb[layout.DEFINITIONS_SHEET].iter_rows(min_col=1, max_col=2, values_only=True) if a}


# the words of the spec's questions, and the term of the Definitions sheet that says what each means
TERMS_USED = {
    "refer": "Referral (referred)", "offer": "Offered", "consent": "Consented", "declin": "Declined",
    "took place": "Held (took place)", "held": "Held (took place)", "review": "Initial and review FGCs",
    "famil": "Family (a case)", "children": "Children", "pre-proceedings": "Pre-proceedings",
    "agreed a plan": "Plan agreed", "coordinator": "FGC coordinator", "main reason": "Main reason",
}


def test_definitions_define_every_term_a_question_uses(blank):
    definitions = _definitions(blank)
    for words, term in TERMS_USED.items():
        users = [item.id for item in SPEC.items if words in item.label.casefold()]
        assert users, words
        meaning = definitions[term]
        # each definition names the questions that use the term
        assert meaning.endswith(f"Used in: {', '.join(users)}.") or all(u in meaning for u in users), (term, users)
    assert "unborn" in definitions["Children"] and "families" in definitions["Family (a case)"]


def test_category_sets_are_titled_from_the_spec_never_by_their_code(blank):
    from fgc_collect.template.definitions import comments_in

    titles = {a: b for a, b in blank[layout.DEFINITIONS_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
              if a in SPEC.category_sets}
    assert titles["AGE"] == "Age at the date the count refers to (referral, consent, conference)"  # the spec's comment
    assert titles["ETH"].startswith("Ethnicity: DfE/GSS harmonised major groups")
    assert titles["SEX"] == "Sex" and titles["DIS"] == "Disability" and titles["YESNO"] == "Yes or No"
    # the 2024-25 changes file comments its new set as the 2023-24 file does
    changes = "aggregate:\n  category_sets:\n    add:\n      FGDM:   # kinds of family group decision making the LA offered\n        FGC: \"Family group conference\"\n"
    assert comments_in(changes) == {"FGDM": "kinds of family group decision making the LA offered"}


def test_a_new_category_set_gets_a_title_and_its_questions_are_checked(tmp_path):
    """A set the research team adds without a comment (NEED) is titled from the breakdown that uses it,
    never "NEED"; the workbook builds and checks the new breakdown like the others."""
    import yaml

    from fgc_collect.spec import parse_aggregate_spec
    from fgc_collect.spec import _load_yaml

    document = _load_yaml("fgc_2023_24_aggregate.yaml")
    document["category_sets"]["NEED"] = {"ABUSE": "Abuse or neglect", "FAMILY": "Family dysfunction", "OTHER": "Other", "UNK": "Unknown"}
    items = document["sections"][1]["items"]
    items.append({"id": "B9", "type": "breakdown", "of": "NEED", "total": "B2", "label": "Children referred, by category of need"})
    spec = parse_aggregate_spec(yaml.safe_load(yaml.safe_dump(document)))
    wb = load_strictly(workbook_bytes(build_template(spec=spec, survey=NO_SURVEY_FILE)))
    titles = {a: b for a, b in wb[layout.DEFINITIONS_SHEET].iter_rows(min_col=1, max_col=2, values_only=True) if a}
    assert titles["NEED"] == "Category of need"
    assert "The categories of B9 (children referred, by category of need) add up to " in _check_formula_of_total(wb, "B9")


def _check_formula_of_total(wb, item_id: str) -> str:
    return _checks_row(wb, _cell(wb, layout.TOTAL_NAME_PREFIX + item_id))


def test_the_workbook_structure_is_locked_without_a_password(blank):
    assert blank.security is not None and blank.security.lockStructure
    assert not blank.security.workbookPassword and not blank.security.workbookHashValue


def _pages(ws) -> list[int]:
    """The first row of each printed page (by the sheet's row breaks)."""
    return [1] + [brk.id + 1 for brk in ws.row_breaks.brk]


def test_every_sheet_prints_to_the_width_of_the_page(blank):
    visible = [ws for ws in blank.worksheets if ws.sheet_state == "visible"]
    assert [ws.title for ws in visible] == [layout.COVER_SHEET, *[s.sheet for s in SPEC.sections], layout.DEFINITIONS_SHEET]
    for ws in visible:
        setup = ws.page_setup
        assert (setup.fitToWidth, setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True), ws.title
        assert setup.paperSize == int(ws.PAPERSIZE_A4)
        assert setup.orientation == ("portrait" if ws.title in (layout.COVER_SHEET, layout.DEFINITIONS_SHEET) else "landscape")
        if ws.title not in (layout.COVER_SHEET, layout.DEFINITIONS_SHEET):
            assert ws.print_title_rows.replace("$", "") == f"1:{layout.HEADER_ROW}"


def test_printing_never_leaves_an_item_alone_on_a_page(blank):
    """A15 used to print on a page of its own. Pages break between items, shared evenly, each page
    within what it holds."""
    from fgc_collect.template.build import _row_points, page_capacity

    for section in SPEC.sections:
        ws = blank[section.sheet]
        starts = _pages(ws)
        item_rows = {item.id: _cell(blank, item.cells[0].defined_name).row for item in section.items}
        capacity = page_capacity(ws, layout.HEADER_ROW)
        bounds = starts + [ws.max_row + 1]
        for first, end in zip(bounds, bounds[1:]):
            on_page = [item for item, row in item_rows.items() if first <= row < end]
            assert len(on_page) >= 2 or len(section.items) == 1, (section.sheet, on_page)
            height = sum(_row_points(ws, r) for r in range(max(first, layout.HEADER_ROW + 1), end))
            assert height <= capacity, (section.sheet, first)
        # a page starts on an item's first row, never inside a breakdown
        assert set(starts[1:]) <= set(item_rows.values()), section.sheet
    a = blank["A Service"]
    a14, a15 = _cell(blank, "Q_A14").row, _cell(blank, "Q_A15").row
    page_of = lambda row: max(start for start in _pages(a) if start <= row)  # noqa: E731
    assert page_of(a15) == page_of(a14) == page_of(_cell(blank, "Q_A13").row)


def test_even_page_breaks():
    from fgc_collect.template.build import _even_breaks, _fewest_pages

    heights = [100, 100, 100, 100, 100, 40]
    assert _fewest_pages(heights, 500) == 2
    assert _even_breaks(heights, 2, [10, 20, 30, 40, 50, 60]) == [40]  # 300 | 240, not 500 | 40


# --------------------------------------------------------------------------- the template command


def _template(*args, cwd):
    from click.testing import CliRunner

    from fgc_collect.cli import cli

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(cli, ["template", *args])


def test_template_refuses_to_replace_a_file_unless_forced(tmp_path):
    filled = tmp_path / "durham.xlsx"
    filled.write_bytes(b"a council's filled return")
    done = _template("--la", "E06000047", "--out", str(filled), cwd=tmp_path)
    assert done.exit_code == 2
    assert done.output.strip() == f"fgc-collect: {filled} already exists: give --force to replace it, or another --out."
    assert filled.read_bytes() == b"a council's filled return"
    done = _template("--la", "E06000047", "--out", str(filled), "--force", cwd=tmp_path)
    assert done.exit_code == 0 and filled.read_bytes().startswith(b"PK")
    # the default name in the current folder, and a folder as --out, are protected too
    assert _template(cwd=tmp_path).exit_code == 0
    assert _template(cwd=tmp_path).exit_code == 2
    assert _template("--out", str(tmp_path), cwd=tmp_path).exit_code == 2


def test_template_for_every_la_writes_none_when_one_exists(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    kept = folder / la_file_name(DURHAM, latest_year())  # the default year's
    kept.write_bytes(b"sent last week")
    done = _template("--all-las", "--out", str(folder), cwd=tmp_path)
    assert done.exit_code == 2
    assert done.output.strip() == (
        f"fgc-collect: {folder} already holds 1 of the 153 templates ({kept.name}), so none was written: "
        "give --force to replace them, or another --out folder."
    )
    assert list(folder.iterdir()) == [kept] and kept.read_bytes() == b"sent last week"
    done = _template("--all-las", "--out", str(folder), "--force", cwd=tmp_path)
    assert done.exit_code == 0 and len(list(folder.iterdir())) == 153 and kept.read_bytes().startswith(b"PK")


def test_child_level_templates_are_not_replaced_either(tmp_path):
    from fgc_collect.child import child_file_name

    assert _template("--level", "child", "--la", "840", "--out", str(tmp_path), cwd=tmp_path).exit_code == 0
    written = tmp_path / child_file_name(DURHAM, latest_year())
    written.write_bytes(b"filled in")
    done = _template("--level", "child", "--la", "840", "--out", str(tmp_path), cwd=tmp_path)
    assert done.exit_code == 2 and "already exists: give --force" in done.output
    assert written.read_bytes() == b"filled in"
    done = _template("--level", "child", "--la", "840", "--la", "841", "--out", str(tmp_path), cwd=tmp_path)
    assert done.exit_code == 2 and "already holds 1 of the 2 templates" in done.output
    assert _template("--level", "child", "--la", "840", "--out", str(tmp_path), "--force", cwd=tmp_path).exit_code == 0
    assert written.read_bytes().startswith(b"PK")
