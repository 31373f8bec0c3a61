from fgc_collect.reference import find_la, find_la_by_name, local_authorities, regions, retired_codes


def test_153_las_in_9_regions_with_both_codes():
    las = local_authorities()
    assert len(las) == 153
    assert len({la.code for la in las}) == 153
    assert len(regions()) == 9
    assert find_la("840").code == "E06000047"
    assert find_la(" e06000047 ").name == "County Durham"


def test_gss_symbols_are_missing_not_zero():
    scilly = find_la_by_name("Isles of Scilly")
    assert scilly.looked_after is None
    hampshire = find_la_by_name("Hampshire")
    assert hampshire.cin_referrals is None
    assert hampshire.child_population_0_17 > 0


def test_names_with_commas_survive_csv():
    assert find_la_by_name("Bristol, City of").code == "E06000023"
    assert find_la_by_name("City of Bristol").code == "E06000023"
    assert find_la_by_name("Herefordshire, County of") is not None


def test_2023_24_codes_and_their_traps():
    assert find_la("E06000063").name == "Cumberland"
    assert find_la("E06000065").name == "North Yorkshire"
    assert find_la("E08000016").name == "Barnsley"  # changed only in 2025
    assert find_la("E10000006") is None  # Cumbria was gone by April 2023


def test_out_of_date_codes_name_their_successors():
    retired = retired_codes()
    assert {la.name for la in retired["E10000006"].successors} == {"Cumberland", "Westmorland and Furness"}
    assert [la.code for la in retired["E10000023"].successors] == ["E06000065"]
    assert [la.code for la in retired["E08000038"].successors] == ["E08000016"]  # Barnsley's 2025 code
    assert [la.code for la in retired["E10000027"].successors] == ["E06000066"]
