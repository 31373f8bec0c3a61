"""FGC001-FGC011: each rule fires on the value it is about, at its cell, and not on the near miss."""

from datetime import datetime

import polars as pl
import pytest

from fgc_collect.model import ERROR, WARNING
from fgc_collect.validate.cell_rules import (
    RETURN_COLUMN,
    failure_cases,
    issues_from_failure_cases,
    personal_data_kinds,
    stacked_cells,
    valid_nhs_number,
)
from fgc_collect.validate.common import ReturnView
from tests.validate.returns import case, cell_of, issues_of, make_return, only_issue

NEGATIVE = case("fgc001_negative", {"B1": -3})
FRACTION = case("fgc001_fraction", {"B3_U1": 2.5})
DATE = case("fgc001_date", {"C2": datetime(2024, 3, 1)})
WORD = case("fgc001_word", {"D2": "not known"})
A10_HIGH = case("fgc001_a10_high", {"A10": 600})
COUNT_ZERO = case("fgc001_near_zero", {"D2": 0, "A10": 500})
A10_FRACTION = case("fgc001_near_a10_fraction", {"A10": 0.5})


def test_fgc001_negative_count(validated):
    issue = only_issue(validated[NEGATIVE], "FGC001")
    assert (issue.severity, issue.item, issue.sheet, issue.cell, issue.value) == (ERROR, "B1", "B Referrals", cell_of("B1"), -3)
    assert "B1 (referrals to the FGC service received)" in issue.message
    assert f"in {cell_of('B1')} is -3" in issue.message and "whole number of 0 or more" in issue.message


def test_fgc001_fraction_date_and_word(validated):
    assert "2.5, which is not a whole number" in only_issue(validated[FRACTION], "FGC001", "B3_U1").message
    date = only_issue(validated[DATE], "FGC001", "C2")
    assert date.cell == cell_of("C2") and "holds a date (2024-03-01" in date.message and "format it as a number" in date.message
    word = only_issue(validated[WORD], "FGC001", "D2")
    assert "'not known', not a figure" in word.message


def test_fgc001_decimal_a10_within_its_range(validated):
    issue = only_issue(validated[A10_HIGH], "FGC001", "A10")
    assert issue.cell == cell_of("A10") and "is 600" in issue.message and "from 0 to 500" in issue.message


def test_fgc001_near_miss_zero_and_range_limits(validated):
    assert issues_of(validated[COUNT_ZERO], "FGC001") == []
    assert issues_of(validated[A10_FRACTION], "FGC001") == []


SUPPRESSED = case("fgc002_suppressed", {"B3_U1": "<5"})
RANGE = case("fgc002_range", {"C9": "1-4"})
SMALL = case("fgc002_near_small_exact", {"B3_U1": 1, "B3_UNBORN": "2"})


def test_fgc002_suppression_marker(validated):
    issue = only_issue(validated[SUPPRESSED], "FGC002")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (ERROR, "B3_U1", cell_of("B3_U1"), "<5")
    assert "exact" in issue.message and "published" in issue.message and "never in a return" in issue.message
    assert "B3_U1 (children referred, by age at referral: Under 1 year)" in issue.message
    assert only_issue(validated[RANGE], "FGC002", "C9").value == "1-4"


def test_fgc002_a_suppressed_category_is_not_reported_again_by_the_breakdown_rules(validated):
    rules = {issue.rule for issue in validated[SUPPRESSED].issues}
    assert rules == {"FGC002"}  # no FGC101/FGC103 for B3 until the figure is given


def test_fgc002_near_miss_small_exact_figures(validated):
    assert issues_of(validated[SMALL], "FGC002") == []


TEXT_NUMBER = case("fgc003_text", {"C1": " 1,234 "})
NUMBER = case("fgc003_near_number", {"C1": 35})


def test_fgc003_number_typed_as_text_is_read_and_used(validated):
    issue = only_issue(validated[TEXT_NUMBER], "FGC003")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "C1", cell_of("C1"), " 1,234 ")
    assert "read as 1,234" in issue.message
    # the figure is used by the later rules: 1,234 families offered is more than the 40 referred
    assert "C1 (families offered an FGC) is 1,234" in only_issue(validated[TEXT_NUMBER], "FGC108", "C1").message


def test_fgc003_near_miss_a_real_number(validated):
    assert issues_of(validated[NUMBER], "FGC003") == []


REQUIRED_BLANK = case("fgc004_required", {"A3": None})
REQUIRED_IF = case("fgc004_required_if", {"B1": None})
MISSING_CELL = case("fgc004_missing_cell", missing=("B2",))
NO_SERVICE = case("fgc004_near_no_service", {
    "A5": "N", "A6": None, "B1": None, "B2": None, "C1": None, "C2": None, "C3": None, "D1": None, "D3": None,
})


def test_fgc004_required_item_blank(validated):
    issue = only_issue(validated[REQUIRED_BLANK], "FGC004")
    assert (issue.severity, issue.item, issue.sheet, issue.cell) == (ERROR, "A3", "A Service", cell_of("A3"))
    assert "is blank but is required" in issue.message


def test_fgc004_required_if_names_the_condition(validated):
    issue = only_issue(validated[REQUIRED_IF], "FGC004")
    assert (issue.item, issue.cell) == ("B1", cell_of("B1"))
    assert "required because A5 is Yes:" in issue.message and "0 if there were none" in issue.message


def test_fgc004_cell_not_found_in_the_file(validated):
    issue = only_issue(validated[MISSING_CELL], "FGC004")
    assert (issue.item, issue.sheet, issue.cell) == ("B2", None, None)
    assert "could not be found" in issue.message


def test_fgc004_near_miss_not_required_without_a_service(validated):
    assert issues_of(validated[NO_SERVICE], "FGC004") == []


RETIRED = case("fgc005_retired", {"A1": "North Yorkshire", "A2": "E10000023"}, la_code="E06000065")
NOT_A_CODE = case("fgc005_not_a_code", {"A2": "E0600004"})
OLD_STYLE = case("fgc005_near_3_digit", {"A2": " 840 "})
LOWER_CASE = case("fgc005_near_lower_case", {"A2": "e06000047"})


def test_fgc005_out_of_date_code_names_its_successor(validated):
    issue = only_issue(validated[RETIRED], "FGC005")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (ERROR, "A2", cell_of("A2"), "E10000023")
    assert "is E10000023, the code North Yorkshire used until 31/03/2023: use E06000065 (North Yorkshire)" in issue.message
    # the LA still comes from the template's own code
    assert validated[RETIRED].la_code == "E06000065"


def test_fgc005_not_a_code(validated):
    issue = only_issue(validated[NOT_A_CODE], "FGC005")
    assert "'E0600004', which is not a 2023-24 local authority code" in issue.message


def test_fgc005_near_miss_3_digit_and_lower_case_codes(validated):
    for name in (OLD_STYLE, LOWER_CASE):
        assert issues_of(validated[name], "FGC005") == []
        assert validated[name].la_code == "E06000047"


NAME_MISMATCH = case("fgc006_name", {"A1": "Darlington"})
OTHER_LA = case("fgc006_template", {"A1": "Darlington", "A2": "E06000005"})
NAME_VARIANT = case("fgc006_near_name_variant", {"A1": "Durham County Council"})


def test_fgc006_name_and_code_of_different_las(validated):
    issue = only_issue(validated[NAME_MISMATCH], "FGC006")
    assert (issue.severity, issue.item, issue.cell) == (ERROR, "A2", cell_of("A2"))
    assert "A1 (local authority name) is the name of Darlington" in issue.message
    assert "E06000047, the code for County Durham" in issue.message
    assert "'Darlington'" not in issue.message  # A1 is free text: never quoted


def test_fgc006_template_of_one_la_returned_by_another(validated):
    result = validated[OTHER_LA]
    issue = only_issue(result, "FGC006")
    assert "prefilled for County Durham (E06000047)" in issue.message and "Darlington (E06000005)" in issue.message
    assert (result.la_code, result.la_name) == ("E06000005", "Darlington")


def test_fgc006_near_miss_name_written_differently(validated):
    assert issues_of(validated[NAME_VARIANT], "FGC006") == []


BAD_EMAIL = case("fgc007_email", {"A4": "jo.bloggs at durham.gov.uk"})
GOOD_EMAIL = case("fgc007_near_email", {"A4": " Jo.Bloggs+fgc@durham.gov.uk "})


def test_fgc007_email_shape(validated):
    issue = only_issue(validated[BAD_EMAIL], "FGC007")
    assert (issue.severity, issue.item, issue.cell) == (WARNING, "A4", cell_of("A4"))
    assert "does not look like an email address" in issue.message
    assert "bloggs" not in issue.message and issue.value is None  # free text: never repeated
    assert issues_of(validated[GOOD_EMAIL], "FGC007") == []


BAD_CHOICE = case("fgc008_choice", {"A5": "Maybe", "A8_PLO": "Sometimes"})
LABEL_CHOICE = case("fgc008_near_label", {"A5": "  yes ", "A6": "in-house by the local authority"})


def test_fgc008_not_an_option(validated):
    issue = only_issue(validated[BAD_CHOICE], "FGC008", "A5")
    assert (issue.severity, issue.cell, issue.value) == (ERROR, cell_of("A5"), "Maybe")
    assert "choose Yes or No" in issue.message
    grid = only_issue(validated[BAD_CHOICE], "FGC008", "A8_PLO")
    assert "Pre-proceedings" in grid.message


def test_fgc008_near_miss_labels_any_case(validated):
    assert issues_of(validated[LABEL_CHOICE], "FGC008") == []


TOO_LONG = case("fgc009_long", {"A14": "x" * 4001})
AT_LIMIT = case("fgc009_near_limit", {"A14": "x" * 4000})


def test_fgc009_longtext_limit(validated):
    issue = only_issue(validated[TOO_LONG], "FGC009")
    assert (issue.severity, issue.item, issue.cell) == (ERROR, "A14", cell_of("A14"))
    assert "4,001 characters" in issue.message and "4,000" in issue.message and issue.value == 4001
    assert issues_of(validated[AT_LIMIT], "FGC009") == []


PERSONAL = case("fgc010_personal", {"E1": "Child DOB: 12/03/2015, NHS no 943 476 5919, lives at DH1 5UQ."})
OTHER_EMAIL = case("fgc010_email", {"A15": "Write to the mother at jane.doe@example.com."})
POSTCODE_AND_PHONE = case("fgc010_postcode_phone", {"E1": "The family at DH1 5UQ (mum on 07700 900123) withdrew."})
NOT_PERSONAL = case("fgc010_near", {
    "E1": "Figures for 1 April 2023 to 31 March 2024; contact jo.bloggs@durham.gov.uk; ref 943 476 5918; Q1 2ND half.",
})


def test_fgc010_personal_data_in_free_text(validated):
    issue = only_issue(validated[PERSONAL], "FGC010")
    assert (issue.severity, issue.item, issue.cell) == (WARNING, "E1", cell_of("E1"))
    assert "an NHS number, a postcode and a date of birth" in issue.message
    assert issue.value is None  # the report does not copy the personal data
    assert "an email address" in only_issue(validated[OTHER_EMAIL], "FGC010", "A15").message


def test_fgc010_names_every_kind_found(validated):
    issue = only_issue(validated[POSTCODE_AND_PHONE], "FGC010")
    assert "personal data (a postcode and a phone number)" in issue.message


def test_fgc010_near_miss_own_email_invalid_nhs_number_and_plain_dates(validated):
    assert issues_of(validated[NOT_PERSONAL], "FGC010") == []


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("9434765919", ["an NHS number"]),
        ("943-476-5919", ["an NHS number"]),
        ("9434765918", []),  # wrong check digit
        ("0000000000", []),
        ("SW1A 2AA", ["a postcode"]),
        ("M1 1AE", ["a postcode"]),
        ("born on 3 March 2016", ["a date of birth"]),
        ("d.o.b. 03/03/16", ["a date of birth"]),
        ("31/03/2024", []),
        ("x@y.org", ["an email address"]),
        ("07700 900123", ["a phone number"]),
        ("+44 (0)191 383 3000", ["a phone number"]),
        ("(0191) 383-3000", ["a phone number"]),
        ("0 to 17, 2023-24, 1 April 2023", []),
    ],
)
def test_fgc010_detectors(text, kinds):
    assert personal_data_kinds(text) == kinds


def test_nhs_check_digit():
    assert valid_nhs_number("9434765919")
    assert not valid_nhs_number("9434765910")


EXCEL_ERROR = case("fgc011_error", {"B2": "#REF!"}, errors=("B2",))
ERROR_WORDS = case("fgc011_near_words", {"A14": "The #REF! errors in our old sheet were fixed."})


def test_fgc011_excel_error(validated):
    issue = only_issue(validated[EXCEL_ERROR], "FGC011")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (ERROR, "B2", cell_of("B2"), "#REF!")
    assert "#REF!" in issue.message
    # B2 is then blank to the later rules: no FGC004 (not blank), no FGC101 against it
    assert {issue.rule for issue in validated[EXCEL_ERROR].issues} == {"FGC011"}


def test_fgc011_near_miss_error_text_in_a_sentence(validated):
    assert issues_of(validated[ERROR_WORDS], "FGC011") == []


# --- pandera's failure cases back to the council's cells -----------------------------------------


def test_failure_cases_map_to_return_item_and_cell():
    returns = [make_return(), make_return({"B3_U1": "<5", "C2": -1}, file="second.xlsx")]
    views = [ReturnView(ret, index) for index, ret in enumerate(returns)]
    frame = stacked_cells(views)
    cases = failure_cases(frame)
    assert set(cases.columns) == {"check", "index"}
    assert sorted(cases.get_column("check").to_list()) == ["FGC001", "FGC002"]
    for code, index in cases.iter_rows():
        row = frame.row(index, named=True)
        assert row[RETURN_COLUMN] == 1
        assert row["item_id"] == {"FGC001": "C2", "FGC002": "B3_U1"}[code]
    mapped = issues_from_failure_cases(cases, frame, views)
    assert sorted((index, issue.rule, issue.item, issue.sheet, issue.cell, issue.value) for index, issue in mapped) == [
        (1, "FGC001", "C2", "C Offer and consent", cell_of("C2"), -1),
        (1, "FGC002", "B3_U1", "B Referrals", cell_of("B3_U1"), "<5"),
    ]


def test_a_lazy_frame_is_collected_before_checking():
    views = [ReturnView(make_return({"B1": -3}), 0)]
    cases = failure_cases(stacked_cells(views).lazy())
    assert cases.get_column("check").to_list() == ["FGC001"]


def test_clean_cells_have_no_failure_cases():
    frame = stacked_cells([ReturnView(make_return(), 0)])
    assert failure_cases(frame).height == 0
    assert frame.schema[RETURN_COLUMN] == pl.Int64
