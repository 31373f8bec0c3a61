"""FGC301-FGC311: each rule on a few hand-built rows, asserting what the council is told and where."""

from __future__ import annotations

from datetime import date

import pytest

from fgc_collect.child.read import read_child_return
from fgc_collect.child.rules import MAX_ISSUES_PER_CHECK, ROW_RULES, child_rule_issues, row_checks
from fgc_collect.child.spec import load_child_spec
from fgc_collect.child.template import fill_child_template
from fgc_collect.spec import known_years
from fgc_collect.reference import find_la
from tests.child.rows import COLUMNS, SPEC, family, read_rows, row


def issues(tmp_path, rows, **options):
    return child_rule_issues(read_rows(tmp_path, rows, **options))


def found(tmp_path, rows, rule=None, **options):
    """(rule, item, cell) of every issue (of one rule, if given)."""
    return [(i.rule, i.item, i.cell) for i in issues(tmp_path, rows, **options) if rule in (None, i.rule)]


def test_a_clean_return_has_no_issues(tmp_path):
    rows = family("F1", {"child_id": "A"}, {"child_id": "B", "birth_month": "2019-07", "sex": "F"})
    assert issues(tmp_path, rows) == []


@pytest.mark.parametrize("year", known_years())
def test_every_row_rule_of_each_years_spec_has_checks(year):
    spec = load_child_spec(year)
    rules = {check.rule for check in row_checks(spec, set(spec.column_ids))}
    assert rules == {rule.code for rule in spec.rules} - {"FGC301"}
    assert rules <= set(ROW_RULES)


# --------------------------------------------------------------------------- FGC301


def test_fgc301_missing_required_columns_are_errors_and_unknown_ones_warnings(tmp_path):
    columns = [c for c in COLUMNS if c not in ("consent", "plan_agreed")] + ["notes"]
    result = issues(tmp_path, [row()], columns=columns)
    by_rule = [(i.rule, i.severity, i.item, i.cell) for i in result if i.rule == "FGC301"]
    # plan_agreed is optional: its absence is not an issue (it reads as blank)
    assert by_rule == [("FGC301", "error", "consent", None), ("FGC301", "warning", None, "T1")]
    assert "The required column consent is missing" in result[0].message
    assert "Column T ('notes') is not a column of the child-level return" in result[1].message
    assert "nothing from it is kept" in result[1].message


def test_fgc301_headers_match_ignoring_case_spaces_and_underscores(tmp_path):
    text = ",".join(["Child ID", " FAMILY_ID "] + COLUMNS[2:] + ["LA Code"]) + "\n"
    text += ",".join(row()[c] for c in COLUMNS) + ",E06000047\n"
    path = tmp_path / "headers.csv"
    path.write_text(text)
    assert child_rule_issues(read_child_return(path)) == []


# --------------------------------------------------------------------------- FGC302


def test_fgc302_codes_dates_months_counts_and_blanks_name_the_line_and_column(tmp_path):
    rows = [
        row(child_id="A", consent="Maybe"),
        row(child_id="B", referral_date="04/05/2023"),
        row(child_id="C", birth_month="March 2015"),
        row(child_id="D", review_fgcs="two"),
        row(child_id="E", sex=""),
    ]
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC302"]
    # What was given is neither quoted nor kept: it may be an identifier pasted into the wrong column.
    assert sorted((i.item, i.cell, i.value) for i in result) == [
        ("birth_month", "C4", None),
        ("consent", "M2", None),
        ("referral_date", "J3", None),
        ("review_fgcs", "U5", None),
        ("sex", "E6", None),
    ]
    messages = {i.item: i.message for i in result}
    assert messages["consent"] == ("Line 2, consent: the value is not one of the codes of this column "
                                   "(Y, N, P, X; the Codes sheet lists them with their labels).")
    assert messages["referral_date"] == ("Line 3, referral_date: the value is not a date: it seems to be written day "
                                         "first: write dates as YYYY-MM-DD (4 May 2023 is 2023-05-04), or enter a "
                                         "real date.")
    assert messages["sex"] == "Line 6, sex: is blank; this column is required on every row."
    assert "the value is not a whole number" in messages["review_fgcs"]
    assert "give the year and month of birth as YYYY-MM" in messages["birth_month"]
    for given in ("Maybe", "04/05/2023", "March 2015", "two"):
        assert not any(given in i.message for i in result)


def test_fgc302_accepts_labels_for_codes_in_any_case(tmp_path):
    rows = [row(ethnicity="white british", referral_source="Children's social care (social worker)",
                consent="consented", disability="no disability recorded")]
    assert issues(tmp_path, rows) == []


def test_fgc302_blank_or_overlong_identifiers_are_reported_without_the_value(tmp_path):
    long_id = "X" * 41
    result = issues(tmp_path, [row(child_id=""), row(family_id=long_id)])
    fgc302 = [i for i in result if i.rule == "FGC302"]
    assert [(i.item, i.cell, i.value) for i in fgc302] == [("child_id", "A2", None), ("family_id", "B3", None)]
    assert "is blank" in fgc302[0].message
    assert "longer than 40 characters (not shown here)" in fgc302[1].message
    assert all(long_id not in i.message for i in result)


# --------------------------------------------------------------------------- FGC303 to FGC306


def test_fgc303_dates_out_of_order(tmp_path):
    rows = [row(referral_date="2023-04-01", offer_date="2023-04-20", consent_date="2023-04-10")]
    [issue] = issues(tmp_path, rows)
    assert (issue.rule, issue.item, issue.cell) == ("FGC303", "consent_date", "N2")
    assert issue.message == ("Line 2, consent_date: 2023-04-10 is before offer_date 2023-04-20; dates must run "
                             "referral_date <= offer_date <= consent_date <= fgc_date.")


def test_fgc303_skips_blank_dates_between(tmp_path):
    rows = [row(offer_date="", offer_at_plo="", consent_date="2023-04-10", referral_date="2023-04-20")]
    assert found(tmp_path, rows) == [("FGC303", "consent_date", "N2")]


def test_fgc304_referrals_after_the_year_and_rows_with_no_event_in_it(tmp_path):
    rows = [
        row(child_id="A", family_id="F1", referral_date="2024-04-02", offer_date="2024-04-03", consent="P",
            consent_date="", fgc_held="", fgc_date="", fgc_at_plo="", plan_agreed=""),
        row(child_id="B", family_id="F2", referral_date="2022-11-01", offer_date="2022-11-02",
            consent_date="2022-11-03", fgc_date="2023-01-10"),
        # referred before the year, consented in it: in scope
        row(child_id="C", family_id="F3", referral_date="2023-03-01", offer_date="2023-03-02",
            consent_date="2023-04-03", fgc_date="2023-05-10"),
    ]
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC304"]
    assert [(i.item, i.cell) for i in result] == [("referral_date", "J2"), ("referral_date", "J3")]
    assert "is after 31 March 2024" in result[0].message
    assert "none of this row's dates falls between 1 April 2023 and 31 March 2024" in result[1].message


def test_fgc305_what_a_consent_or_an_outcome_needs(tmp_path):
    rows = [
        row(child_id="A", family_id="F1", consent_date=""),
        row(child_id="B", family_id="F2", fgc_date="", plan_agreed=""),
        row(child_id="C", family_id="F3", fgc_held="N", fgc_date="", fgc_at_plo="", plan_agreed=""),
        row(child_id="D", family_id="F4", consent="N", consent_date="", fgc_held="", fgc_date="",
            fgc_at_plo="", plan_agreed=""),
        row(child_id="E", family_id="F5", consent="N", consent_date="", decline_reason="UNK", fgc_held="",
            fgc_date="", fgc_at_plo="", plan_agreed=""),  # Not known is an answer
    ]
    assert found(tmp_path, rows, "FGC305") == [
        ("FGC305", "consent_date", "N2"), ("FGC305", "fgc_date", "Q3"),
        ("FGC305", "not_held_reason", "S4"), ("FGC305", "decline_reason", "O5"),
    ]


def test_fgc306_an_outcome_without_consent(tmp_path):
    rows = [row(consent="N", consent_date="", decline_reason="NOTWANT", fgc_held="Y")]
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC306"]
    assert [(i.item, i.cell, i.value) for i in result] == [("fgc_held", "P2", "Y")]
    assert "only for families who consented" in result[0].message


# --------------------------------------------------------------------------- FGC307, FGC308, FGC310


def test_fgc307_the_same_child_twice_in_one_referral(tmp_path):
    rows = family("F1", {"child_id": "A"}, {"child_id": "B"}, {"child_id": " a "})
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC307"]
    assert [(i.item, i.cell) for i in result] == [("child_id", "A4")]
    assert result[0].message == ("Line 4, child_id: the same child appears twice for the same family_id "
                                 "(first on line 2); give each child once per referral.")


def test_fgc308_family_fields_disagree(tmp_path):
    rows = family("F1", {"child_id": "A"}, {"child_id": "B", "referral_source": "EDU"},
                  {"child_id": "C", "consent_date": "2023-05-16"})
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC308"]
    assert [(i.item, i.cell) for i in result] == [("referral_source", "I3"), ("consent_date", "N4")]
    assert result[0].message == ("Line 3, referral_source: 'EDU' differs from 'CSC' on line 2 for the same "
                                 "family_id; referral_source is about the referral, so it must be the same for "
                                 "every child in it.")
    assert "'2023-05-16' differs from '2023-05-15'" in result[1].message


def test_fgc310_a_child_in_two_referrals_is_a_warning(tmp_path):
    rows = [row(child_id="A", family_id="F1"), row(child_id="B", family_id="F2"), row(child_id="A", family_id="F3")]
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC310"]
    assert [(i.severity, i.cell) for i in result] == [("warning", "A4")]
    assert "also in another referral (another family_id, line 2)" in result[0].message


# --------------------------------------------------------------------------- FGC309


def test_fgc309_unborn_children_and_ages(tmp_path):
    rows = [
        row(child_id="A", unborn="Y", birth_month="2023-01", sex="U"),
        row(child_id="B", unborn="Y", birth_month="", sex="F"),
        row(child_id="C", birth_month="2005-02"),  # 18 at referral on 1 May 2023
        row(child_id="D", birth_month="2023-06"),  # born after the referral
        row(child_id="E", birth_month="2023-05"),  # born the month of the referral: fine
        row(child_id="F", birth_month="2005-06"),  # 17 on 1 May 2023: fine
    ]
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC309"]
    assert [(i.item, i.cell) for i in result] == [
        ("birth_month", "C2"), ("sex", "E3"), ("birth_month", "C4"), ("birth_month", "C5")]
    messages = [i.message for i in result]
    assert messages[0] == "Line 2, birth_month: is given, but unborn is Y: leave birth_month blank for an unborn child."
    assert "the sex of an unborn child is U" in messages[1]
    assert "2005-02 makes the child 18 or over at referral (2023-05-01)" in messages[2]
    assert "2023-06 is after the referral (2023-05-01): if the child was unborn at referral" in messages[3]


# --------------------------------------------------------------------------- FGC311


@pytest.mark.parametrize("raw, what", [
    ("943 476 5919", "looks like an NHS number"),
    ("9434765919", "looks like an NHS number"),
    ("Jane Smith", "looks like a name"),
    ("03/04/2015", "looks like a date"),
    ("2015-04-03", "looks like a date"),
])
def test_fgc311_personal_data_in_an_id_column_is_reported_without_it(tmp_path, raw, what):
    result = issues(tmp_path, [row(child_id=raw)])
    [issue] = [i for i in result if i.rule == "FGC311"]
    assert (issue.severity, issue.item, issue.cell, issue.value) == ("warning", "child_id", "A2", None)
    assert what in issue.message and "it is not shown here" in issue.message
    assert all(raw not in i.message and raw.replace(" ", "") not in i.message for i in result)


@pytest.mark.parametrize("raw", ["9434765918", "1234567", "AB 123", "C1000001", "F-2023-001"])
def test_fgc311_ordinary_case_numbers_are_not_flagged(tmp_path, raw):
    assert found(tmp_path, [row(child_id=raw)], "FGC311") == []


# --------------------------------------------------------------------------- conventions


def test_a_problem_on_many_rows_is_shown_on_the_first_rows_then_counted(tmp_path):
    rows = [row(child_id=f"C{n}", family_id=f"F{n}", referral_date="1/5/2023") for n in range(MAX_ISSUES_PER_CHECK + 7)]
    result = [i for i in issues(tmp_path, rows) if i.rule == "FGC302"]
    assert len(result) == MAX_ISSUES_PER_CHECK + 1
    last = result[-1]
    assert (last.item, last.cell) == ("referral_date", None)
    assert last.message == (f"... and 7 more lines with the same problem in column referral_date "
                            f"({MAX_ISSUES_PER_CHECK + 7} in all, lines 2 to {MAX_ISSUES_PER_CHECK + 8}).")


def test_in_a_workbook_issues_name_the_sheet_the_excel_row_and_cell(tmp_path):
    values = [{**row(child_id="A"), "referral_date": date(2023, 5, 1)},
              {**row(child_id="B", consent="Maybe"), "referral_date": date(2023, 5, 1)}]
    path = fill_child_template(values, tmp_path / "return.xlsx", la=find_la("E06000047"))
    result = child_rule_issues(read_child_return(path))
    assert [(i.rule, i.sheet, i.cell, i.item) for i in result] == [("FGC302", "Children", "M3", "consent")]
    assert result[0].message.startswith("Row 3, consent: the value is not one of the codes")


def test_quoted_values_over_several_lines_keep_line_numbers_true(tmp_path):
    header = ",".join(COLUMNS + ["la_code", "notes"])
    good = ",".join(row()[c] for c in COLUMNS) + ',E06000047,"first line\nsecond line"'
    bad = ",".join(row(child_id="B", consent="Maybe")[c] for c in COLUMNS) + ",E06000047,"
    path = tmp_path / "multiline.csv"
    path.write_text("\n".join([header, good, bad]) + "\n")
    result = [i for i in child_rule_issues(read_child_return(path)) if i.rule == "FGC302"]
    # the record on spreadsheet row 3 starts on line 4 of the file
    assert [(i.cell, i.message[:7]) for i in result] == [("M3", "Line 4,")]
