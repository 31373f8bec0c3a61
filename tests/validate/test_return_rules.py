"""FGC101-FGC112 (Great Expectations): each rule fires, at the right cell with the figures, and
does not fire on the near miss."""

from fgc_collect.model import ERROR, WARNING
from fgc_collect.spec import load_spec
from tests.validate.returns import CLEAN, case, cell_of, issues_of, only_issue

SPEC = load_spec()
COUNT_CELLS = [cell.id for cell in SPEC.input_cells if cell.kind == "count"]

SHORT = case("fgc101_short", {"B2": 63, "B1": 40})
OVER = case("fgc101_over", {"B3_U1": CLEAN["B3_U1"] + 3})
PARTLY = case("fgc101_near_partly_blank", {"B3_U1": None})
TOTAL_BLANK = case("fgc101_near_total_blank", {"C9": None})


def test_fgc101_breakdown_short_of_its_total(validated):
    issue = only_issue(validated[SHORT], "FGC101", "B3")
    assert (issue.severity, issue.sheet, issue.cell, issue.value) == (ERROR, "B Referrals", cell_of("B3"), 60)
    assert issue.message.startswith("The categories of B3 (children referred, by age at referral) add up to 60")
    assert "B2 (children subject to an FGC referral) is 63: 3 short" in issue.message
    assert {i.item for i in issues_of(validated[SHORT], "FGC101")} == {"B3", "B4", "B5", "B6", "B7"}


def test_fgc101_breakdown_over_its_total(validated):
    issue = only_issue(validated[OVER], "FGC101", "B3")
    assert "add up to 63" in issue.message and "is 60: 3 over" in issue.message


def test_fgc101_near_miss_partly_blank_or_total_blank(validated):
    assert issues_of(validated[PARTLY], "FGC101") == []
    assert issues_of(validated[TOTAL_BLANK], "FGC101") == []


WHOLLY_BLANK = case("fgc102_blank", {cell.id: None for cell in SPEC.item("B5").cells})
BLANK_TOTAL_ZERO = case("fgc102_near_total_0", {"C9": 0, **{cell.id: None for cell in SPEC.item("C10").cells}})


def test_fgc102_wholly_blank_breakdown(validated):
    issue = only_issue(validated[WHOLLY_BLANK], "FGC102")
    assert (issue.severity, issue.item, issue.cell) == (WARNING, "B5", cell_of("B5"))
    assert "B5 (children referred, by ethnicity) is blank although B2" in issue.message and "is 60" in issue.message
    assert issues_of(validated[WHOLLY_BLANK], "FGC103") == []


def test_fgc102_near_miss_total_is_0(validated):
    assert issues_of(validated[BLANK_TOTAL_ZERO], "FGC102") == []


PART_BLANK = case("fgc103_partly", {"B4_M": None, "B4_U": None})
ZERO_CATEGORY = case("fgc103_near_zero", {"B4_M": 0, "B4_F": CLEAN["B4_F"] + CLEAN["B4_M"]})


def test_fgc103_partly_blank_names_the_blank_categories(validated):
    issue = only_issue(validated[PART_BLANK], "FGC103")
    assert (issue.severity, issue.item, issue.cell) == (ERROR, "B4", cell_of("B4_M"))
    assert f"Male ({cell_of('B4_M')}) and Unknown or not recorded ({cell_of('B4_U')}) are blank" in issue.message


def test_fgc103_near_miss_a_zero_is_not_blank(validated):
    assert validated[ZERO_CATEGORY].issues == []


FEWER_CHILDREN = case("fgc104_fewer_children", {"B1": 70})
EQUAL_CHILDREN = case("fgc104_near_equal", {"B2": 40, "B1": 40})


def test_fgc104_fewer_children_than_families(validated):
    issue = only_issue(validated[FEWER_CHILDREN], "FGC104")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (ERROR, "B2", cell_of("B2"), 60)
    assert "B2 (children subject to an FGC referral) is 60" in issue.message
    assert "B1 (referrals to the FGC service received) is 70" in issue.message
    assert "B2 should be at least B1" in issue.message


def test_fgc104_near_miss_one_child_per_family(validated):
    assert issues_of(validated[EQUAL_CHILDREN], "FGC104") == []


PART_BIGGER = case("fgc105_part", {"C1_PLO": 36})
PART_EQUAL = case("fgc105_near", {"C1_PLO": 35, "D11": None})


def test_fgc105_part_larger_than_whole(validated):
    issue = only_issue(validated[PART_BIGGER], "FGC105")
    assert (issue.severity, issue.item, issue.cell) == (ERROR, "C1_PLO", cell_of("C1_PLO"))
    assert "is 36" in issue.message and "C1 (families offered an FGC) is 35" in issue.message


def test_fgc105_near_miss_equal_part_and_blank_term(validated):
    assert issues_of(validated[PART_EQUAL], "FGC105") == []


NO_SERVICE_COUNTS = case("fgc106_counts", {"A5": "N"})
NO_SERVICE_BLANK = case("fgc106_near_blank", {"A5": "N", "A6": None, **{cell: None for cell in COUNT_CELLS}})
NO_SERVICE_ZEROS = case("fgc106_near_zeros", {"A5": "N", "A6": None, **{cell: 0 for cell in COUNT_CELLS}})


def test_fgc106_no_service_but_counts(validated):
    issue = only_issue(validated[NO_SERVICE_COUNTS], "FGC106")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (ERROR, "A5", cell_of("A5"), "N")
    # in the words of the drop-down, not its codes
    assert "is No but B1 (40), B2 (60), C1 (35), C1_PLO (10) and 102 more are above 0" in issue.message
    assert "change A5 to Yes;" in issue.message


def test_fgc106_near_miss_blank_or_zero_counts(validated):
    assert issues_of(validated[NO_SERVICE_BLANK], "FGC106") == []
    assert issues_of(validated[NO_SERVICE_ZEROS], "FGC106") == []


NO_REFERRALS = case("fgc107_zero", {"B1": 0})
NO_REFERRALS_NO_SERVICE = case("fgc107_near", {"A5": "N", "B1": 0})


def test_fgc107_service_but_no_referrals(validated):
    issue = only_issue(validated[NO_REFERRALS], "FGC107")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "B1", cell_of("B1"), 0)
    assert "B1 (referrals to the FGC service received)" in issue.message and "is 0" in issue.message


def test_fgc107_near_miss_no_service(validated):
    assert issues_of(validated[NO_REFERRALS_NO_SERVICE], "FGC107") == []


WIDER = case("fgc108_wider", {"C9": 10})
NARROWS = case("fgc108_near", {"C9": 7})
BLANK_TERM = case("fgc108_near_blank", {"C9": None})


def test_fgc108_funnel_widens(validated):
    issue = only_issue(validated[WIDER], "FGC108")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "C2", cell_of("C2"), 38)
    assert "make 38" in issue.message and "C1 (families offered an FGC) is 35" in issue.message
    assert "C2+C9 should be no more than C1" in issue.message


def test_fgc108_near_miss_equal_or_blank(validated):
    assert issues_of(validated[NARROWS], "FGC108") == []
    assert issues_of(validated[BLANK_TERM], "FGC108") == []


BIG_FAMILIES = case("fgc109_ratio", {"B2": 170})
FOUR_PER_FAMILY = case("fgc109_near", {"B2": 160})


def test_fgc109_more_than_4_children_per_family(validated):
    issue = only_issue(validated[BIG_FAMILIES], "FGC109")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "B2", cell_of("B2"), 170)
    assert "is 170 and B1" in issue.message and "is 40" in issue.message and "4.2 children per family" in issue.message


def test_fgc109_near_miss_exactly_4(validated):
    assert issues_of(validated[FOUR_PER_FAMILY], "FGC109") == []


MOSTLY_UNKNOWN = case("fgc110_unknown", {"B6_YES": 0, "B6_NO": 29, "B6_UNK": 31})
SEX_UNKNOWN = case("fgc110_sex", {"B4_M": 10, "B4_F": 10, "B4_U": 40})
HALF_UNKNOWN = case("fgc110_near_half", {"B6_YES": 0, "B6_NO": 30, "B6_UNK": 30})


def test_fgc110_unknown_more_than_half(validated):
    issue = only_issue(validated[MOSTLY_UNKNOWN], "FGC110")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "B6_UNK", cell_of("B6_UNK"), 31)
    assert "B6_UNK (children referred, by disability: Unknown)" in issue.message
    assert "is 31 of the 60 in B2 (52%), more than half" in issue.message
    assert "(children referred, by sex: Unknown or not recorded)" in only_issue(validated[SEX_UNKNOWN], "FGC110").message


def test_fgc110_near_miss_exactly_half(validated):
    assert issues_of(validated[HALF_UNKNOWN], "FGC110") == []


PLO_NOT_OFFERED = case("fgc111_plo", {"A8_PLO": "N", "D1_PLO": 0})
PLO_NONE = case("fgc111_near", {"A8_PLO": "N", "C1_PLO": 0, "D1_PLO": 0})


def test_fgc111_pre_proceedings_figures_without_the_offer(validated):
    issue = only_issue(validated[PLO_NOT_OFFERED], "FGC111")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "C1_PLO", cell_of("C1_PLO"), 10)
    assert "is 10 but A8_PLO" in issue.message


def test_fgc111_near_miss_zero_figures(validated):
    assert issues_of(validated[PLO_NONE], "FGC111") == []


NO_PROVIDER = case("fgc112_no_provider", {"A6": "COMMISSIONED", "A7": None})
PROVIDER = case("fgc112_near", {"A6": "Mixed", "A7": "Daybreak FGC"})


def test_fgc112_commissioned_without_provider(validated):
    issue = only_issue(validated[NO_PROVIDER], "FGC112")
    assert (issue.severity, issue.item, issue.sheet, issue.cell) == (WARNING, "A7", "A Service", cell_of("A7"))
    assert "commissioned from an external provider" in issue.message and "name the external provider" in issue.message


def test_fgc112_near_miss_provider_named(validated):
    assert issues_of(validated[PROVIDER], "FGC112") == []
