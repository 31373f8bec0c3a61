"""FGC201-FGC204: a return against the other returns and the reference data. These rules are
plain Python, so the tests run them alone (scopes=("batch",)), without Great Expectations."""

from datetime import datetime

from fgc_collect.model import WARNING
from fgc_collect.reference import find_la, local_authorities
from fgc_collect.validate import validate_returns
from fgc_collect.validate.batch_rules import changes, fences
from fgc_collect.validate.common import ReturnView
from tests.validate.returns import cell_of, issues_of, make_return, only_issue

BATCH = ("batch",)
# LAs with a population figure, the first 14 in the reference file's order (not County Durham)
PEERS = [la for la in local_authorities() if la.child_population_0_17 and la.code != "E06000047"][:14]


def _per_10000(la, rate: float) -> int:
    return round(rate * la.child_population_0_17 / 10_000)


def _peer_returns(count: int, outlier_rate: float) -> list:
    """`count` returns at about 6 children referred per 10,000, then County Durham at outlier_rate."""
    returns = [make_return({"B2": _per_10000(la, 5 + (n % 5) * 0.5)}, la_code=la.code, file=f"{la.slug}.xlsx")
               for n, la in enumerate(PEERS[:count])]
    durham = find_la("E06000047")
    return returns + [make_return({"B2": _per_10000(durham, outlier_rate)}, file="durham.xlsx")]


def test_fgc201_rate_far_outside_the_other_returns():
    results = validate_returns(_peer_returns(12, 60), scopes=BATCH)
    issue = only_issue(results[-1], "FGC201")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "B2", cell_of("B2"), 600)
    assert "is 600, 60 per 10,000 children aged 0 to 17" in issue.message and "other 12 returns" in issue.message
    assert all(issues_of(result, "FGC201") == [] for result in results[:-1])


def test_fgc201_near_miss_too_few_returns_or_within_fences():
    assert issues_of(validate_returns(_peer_returns(8, 60), scopes=BATCH)[-1], "FGC201") == []
    assert issues_of(validate_returns(_peer_returns(12, 7), scopes=BATCH)[-1], "FGC201") == []


def test_fgc201_held_returns_count_among_the_others():
    returns = _peer_returns(12, 60)
    results = validate_returns(returns[-1:], held=returns[:-1], scopes=BATCH)
    assert len(results) == 1 and only_issue(results[0], "FGC201").item == "B2"


def _consent_returns(durham_c2: int) -> list:
    returns = [make_return({"C2": 24 + n % 5, "D1": 20}, la_code=la.code, file=f"{la.slug}.xlsx") for n, la in enumerate(PEERS[:11])]
    return returns + [make_return({"C2": durham_c2, "D1": min(durham_c2, 24), "D9": 0}, file="durham.xlsx")]


def test_fgc202_consent_rate_far_outside_the_others():
    issue = only_issue(validate_returns(_consent_returns(2), scopes=BATCH)[-1], "FGC202", "C2")
    assert (issue.severity, issue.cell, issue.value) == (WARNING, cell_of("C2"), 2)
    assert "C2 (2) is 6% of C1 (35)" in issue.message and "other 11 returns" in issue.message


def test_fgc202_near_miss_usual_rate():
    assert issues_of(validate_returns(_consent_returns(27), scopes=BATCH)[-1], "FGC202") == []


def test_fgc203_more_children_referred_than_children_in_need():
    scilly = find_la("E06000053")  # 11 children in need at 31 March 2024
    result = validate_returns([make_return({"B2": 60}, la_code=scilly.code)], scopes=BATCH)[0]
    issue = only_issue(result, "FGC203")
    assert (issue.severity, issue.item, issue.cell, issue.value) == (WARNING, "B2", cell_of("B2"), 60)
    assert "is 60, more than the 11 children in need Isles of Scilly had at 31 March 2024" in issue.message


def test_fgc203_near_miss_equal_or_reference_missing():
    scilly = validate_returns([make_return({"B2": 11, "B1": 5}, la_code="E06000053")], scopes=BATCH)[0]
    hampshire = validate_returns([make_return({"B2": 10**6}, la_code="E10000014")], scopes=BATCH)[0]  # 'u'
    assert issues_of(scilly, "FGC203") == [] and issues_of(hampshire, "FGC203") == []


def test_fgc204_two_returns_of_one_la_in_a_batch():
    old = make_return(file="in/Durham v1.xlsx")
    new = make_return({"B1": 42, "C2": 29, "A14": "New text"}, file="in/Durham v2.xlsx")
    first, second = validate_returns([old, new], scopes=BATCH)
    newer = only_issue(second, "FGC204")
    assert (newer.severity, newer.item, newer.cell, newer.value) == (WARNING, None, None, "Durham v1.xlsx")
    assert "Another return for County Durham, Durham v1.xlsx, is in the same batch; this one is newer" in newer.message
    assert "A14 changed; B1 40 -> 42 (+1 more)" in newer.message
    older = only_issue(first, "FGC204")
    assert "Durham v2.xlsx, is in the same batch and is newer" in older.message


def test_fgc204_held_return_and_times_of_receipt():
    old = make_return({"B1": 38}, file="held.xlsx")
    new = make_return(file="new.xlsx")
    result = validate_returns([new], held=[old], scopes=BATCH)[0]
    assert "held.xlsx, is already held; this one is newer" in only_issue(result, "FGC204").message
    received = {"held.xlsx": datetime(2025, 3, 30), "new.xlsx": datetime(2025, 3, 1)}
    result = validate_returns([new], held=[old], received=received, scopes=BATCH)[0]
    assert "is already held and is newer" in only_issue(result, "FGC204").message


def test_fgc204_near_miss_different_las():
    results = validate_returns([make_return(), make_return(la_code="E06000005", file="darlington.xlsx")], scopes=BATCH)
    assert all(issues_of(result, "FGC204") == [] for result in results)


def test_changes_are_brief_and_counted():
    old, new = ReturnView(make_return(), 0), ReturnView(make_return({"B1": 12, "C2": "<5", "A3": "Sam"}), 1)
    assert changes(old, new) == "A3 changed; B1 40 -> 12 (+1 more)"
    assert changes(old, old) == "no answer changed"


def test_fences_are_quartiles_plus_minus_3_iqr():
    assert fences([1, 2, 3, 4, 5, 6, 7, 8, 9]) == (3 - 12, 7 + 12)
