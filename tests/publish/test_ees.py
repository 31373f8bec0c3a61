"""The open data files: EES layout, symbols, reproducibility, formula neutralisation, and the
screener's checks (passing on what publish writes, failing on what it must not)."""

from __future__ import annotations

import csv
import io
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from fgc_collect.aggregate import Inputs, LARecord, build_tables
from fgc_collect.cli import cli
from fgc_collect.publish import WORKBOOK_NAME, check_publication, publish
from fgc_collect.publish.ees import csv_bytes, neutralise

from tests.aggregate.handbuilt import DERBY, handbuilt_inputs, service_values


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_files_follow_the_ees_layout(handbuilt_publication):
    folder, _ = handbuilt_publication
    funnel = rows(folder / "fgc_funnel.csv")
    assert list(funnel[0])[:10] == ["time_period", "time_identifier", "geographic_level", "country_code",
                                    "country_name", "region_code", "region_name", "old_la_code", "new_la_code",
                                    "la_name"]
    assert {r["time_period"] for r in funnel} == {"202324"}
    assert {r["time_identifier"] for r in funnel} == {"Financial year"}
    assert [r["geographic_level"] for r in funnel].count("Local authority") == 153
    national = next(r for r in funnel if r["geographic_level"] == "National")
    assert national["families_referred"] == "210" and national["region_code"] == ""
    bristol = next(r for r in funnel if r["new_la_code"] == "E06000023")
    assert bristol["la_name"] == "Bristol, City of" and bristol["families_referred"] == "x"
    assert all(value != "" for r in funnel for key, value in r.items() if key not in
               ("region_code", "region_name", "old_la_code", "new_la_code", "la_name"))
    # Who gets an FGC: a filter column per characteristic, named and labelled as in DfE's data
    # dictionary where it has them; every indicator with its decimal places.
    meta = {m["col_name"]: m for m in rows(folder / "fgc_characteristics.meta.csv")}
    assert [name for name, m in meta.items() if m["col_type"] == "Filter"] == [
        "age_group", "sex", "ethnicity_major", "disability_status", "social_care_status"]
    assert meta["children_referred_pct"]["indicator_unit"] == "%"
    assert (meta["equity_ratio"]["indicator_dp"], meta["equity_ratio_upper_95"]["indicator_dp"]) == ("2", "2")
    who = rows(folder / "fgc_characteristics.csv")
    assert list(dict.fromkeys(r["ethnicity_major"] for r in who)) == [
        "Total", "White", "Mixed / Multiple ethnic groups", "Asian / Asian British",
        "Black / African / Caribbean / Black British", "Other ethnic group", "Unknown"]
    assert list(dict.fromkeys(r["disability_status"] for r in who)) == [
        "Total", "Disability", "No known disability", "Unknown"]
    assert list(dict.fromkeys(r["sex"] for r in who)) == ["Total", "Male", "Female", "Unknown"]
    assert all(sum(r[c] != "Total" for c in ("age_group", "sex", "ethnicity_major", "disability_status",
                                             "social_care_status")) <= 1 for r in who)


def test_publish_passes_the_screener(handbuilt_publication, demo_publication):
    assert check_publication(handbuilt_publication[0]) == []
    assert check_publication(demo_publication[0]) == []


def test_same_inputs_give_byte_identical_files(handbuilt_publication, tmp_path):
    folder, _ = handbuilt_publication
    publish(build_tables(handbuilt_inputs()), tmp_path)
    for first in sorted(folder.glob("*.csv")) + [folder / WORKBOOK_NAME, folder / "manifest.json"]:
        assert (tmp_path / first.name).read_bytes() == first.read_bytes(), first.name


def test_text_from_returns_cannot_become_a_formula(tmp_path):
    values = service_values("Derby")
    values.update(A6="COMMISSIONED", A7='=HYPERLINK("http://evil.example","Daybreak")')
    inputs = handbuilt_inputs()
    records = tuple(LARecord(r.la, values) if r.la == DERBY else r for r in inputs.used)
    publish(build_tables(Inputs(records)), tmp_path)
    derby = next(r for r in rows(tmp_path / "fgc_coverage.csv") if r["new_la_code"] == DERBY.code)
    assert derby["external_provider"] == '\'=HYPERLINK("http://evil.example","Daybreak")'
    sheet = openpyxl.load_workbook(tmp_path / WORKBOOK_NAME)["1_Coverage"]
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    # In the workbook: a text cell holding the text as typed (no visible apostrophe), quote-prefixed.
    assert [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells] == [
        ('=HYPERLINK("http://evil.example","Daybreak")', "s", True)]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert neutralise("-12") == "-12" and neutralise("@SUM(A1)") == "'@SUM(A1)" and neutralise("Daybreak") == "Daybreak"


@pytest.mark.parametrize("text", [
    "=1+1", "+1+1", "-1+1", "@SUM(A1)", "\uff1d1+1", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(A1)",
    "\t=1+1", "\r=1+1", "\n=1+1", '\uff1dHYPERLINK("http://evil.example")',
])
def test_every_formula_start_is_neutralised(text):
    assert neutralise(text) == "'" + text


def test_a_csv_cell_starting_with_a_tab_or_a_line_break_is_neutralised():
    written = csv_bytes([["provider", "note"], ["\t=1+1", "\r\n@SUM(A1)"]]).decode("utf-8")
    (row,) = csv.DictReader(io.StringIO(written, newline=""))
    assert row == {"provider": "'\t=1+1", "note": "'\r\n@SUM(A1)"}


@pytest.mark.parametrize("text", ["Daybreak", "-12", "+3.5", "12", "Family Group Conferences Ltd", "\u00e9quipe"])
def test_ordinary_text_and_signed_numbers_are_left_as_they_are(text):
    assert neutralise(text) == text


def test_full_width_and_control_starts_are_neutralised_in_the_csv_and_text_in_the_workbook(tmp_path):
    hostile = {"Hartlepool": '\uff1dHYPERLINK("http://evil.example","Daybreak")', "Darlington": "\uff0b1+1",
               "Derby": "\uff0dcmd|' /C calc'!A0", "Leicester": "\uff20SUM(A1:A9)"}
    records = []
    for record in handbuilt_inputs().used:
        if record.la.name in hostile:
            record = LARecord(record.la, {**service_values(record.la.name), "A6": "COMMISSIONED",
                                          "A7": hostile[record.la.name]})
        records.append(record)
    publish(build_tables(Inputs(tuple(records))), tmp_path)
    published = {r["la_name"]: r["external_provider"] for r in rows(tmp_path / "fgc_coverage.csv") if r["la_name"]}
    assert {name: published[name] for name in hostile} == {name: "'" + text for name, text in hostile.items()}
    sheet = openpyxl.load_workbook(tmp_path / WORKBOOK_NAME)["1_Coverage"]
    found = {cell.value: (cell.data_type, cell.quotePrefix) for row in sheet.iter_rows() for cell in row
             if cell.value in hostile.values()}
    assert found == {text: ("s", True) for text in hostile.values()}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_workbook_follows_good_practice(handbuilt_publication):
    book = openpyxl.load_workbook(handbuilt_publication[0] / WORKBOOK_NAME)
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    funnel = book["2_Funnel"]
    assert list(funnel.tables) == ["fgc_funnel"]
    assert not funnel.merged_cells.ranges
    header = [cell.value for cell in funnel[5]]
    assert header[:4] == ["Geographic level", "Area", "Area code", "Region"]
    england = [cell.value for cell in funnel[6]]
    assert england[1] == "England" and england[header.index("Families referred")] == 210
    london = next(row for row in funnel.iter_rows(values_only=True) if row[1] == "London")
    assert london[header.index("Families referred")] == "[x]"
    cover = " ".join(str(c.value) for c in book["Cover"]["A"] if c.value)
    assert "[c] confidential" in cover and "[z] not applicable" in cover


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_publication_reports_each_problem_and_exits_1(handbuilt_publication, tmp_path):
    folder, _ = handbuilt_publication
    for path in folder.glob("fgc_funnel*"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(folder / "fgc_coverage.csv", tmp_path / "Coverage.csv")
    text = (tmp_path / "fgc_funnel.csv").read_text()
    lines = text.splitlines()
    lines[1] = lines[1].replace(",210,", ",,", 1)  # England's families referred blank
    lines.append(lines[1])  # a duplicate row
    (tmp_path / "fgc_funnel.csv").write_text("\n".join(lines).replace("E12000001,North East", "E12000001,North-East") + "\n")
    result = run("check-publication", str(tmp_path))
    assert result.exit_code == 1
    output = result.output.splitlines()
    assert "Coverage.csv: the file name should use only lower-case letters, digits and underscores" in output
    assert "Coverage.csv: has no metadata file Coverage.meta.csv" in output
    assert "fgc_funnel.csv: the indicator families_referred has blank cells (use a GSS symbol: c, x, z, low)" in output
    assert "fgc_funnel.csv: 1 duplicate rows (the same geography, time and filters)" in output
    assert "fgc_funnel.csv: 'E12000001' / 'North-East' is not a region code and name pair" in output


def test_check_publication_passes_and_usage_errors(handbuilt_publication, tmp_path):
    result = run("check-publication", str(handbuilt_publication[0]))
    assert result.exit_code == 0 and "7 data files" in result.output
    missing = CliRunner().invoke(cli, ["check-publication", str(tmp_path / "nope")])
    assert missing.exit_code == 2


@pytest.mark.parametrize("bad, problem", [
    ({"time_period": "2023"}, "is not six digits"),
    ({"old_la_code": "999"}, "is not an LA in the screener's lookup"),
    ({"families_offered": "N/A"}, "uses legacy symbols: N/A"),
])
def test_check_publication_catches_codes_symbols_and_periods(handbuilt_publication, tmp_path, bad, problem):
    folder, _ = handbuilt_publication
    shutil.copy(folder / "fgc_funnel.meta.csv", tmp_path)
    data = rows(folder / "fgc_funnel.csv")
    target = next(r for r in data if r["new_la_code"] == DERBY.code)
    target.update(bad)
    with (tmp_path / "fgc_funnel.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    assert any(problem in line for line in check_publication(tmp_path))


def test_nothing_is_published_when_the_checks_fail(monkeypatch, tmp_path):
    import fgc_collect.publish.screener as screener
    from fgc_collect.publish import PublishError

    monkeypatch.setattr(screener, "check_publication", lambda folder: ["fgc_funnel.csv: a problem"])
    with pytest.raises(PublishError, match="fgc_funnel.csv: a problem"):
        publish(build_tables(handbuilt_inputs()), tmp_path)
    assert list(tmp_path.iterdir()) == []


def write_pair(folder, name, data: list[dict], meta: list[dict]):
    for path, records in ((folder / f"{name}.csv", data), (folder / f"{name}.meta.csv", meta)):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)


def meta_row(name, kind, label, dp="", group="", unit=""):
    return {"col_name": name, "col_type": kind, "label": label, "indicator_grouping": "", "indicator_unit": unit,
            "indicator_dp": dp, "filter_hint": "", "filter_grouping_column": group}


def england(**columns):
    return {"time_period": "202324", "time_identifier": "Financial year", "geographic_level": "National",
            "country_code": "E92000001", "country_name": "England", **columns}


def test_check_publication_learns_dfes_filter_and_indicator_checks(tmp_path):
    # The old shape: one characteristic filter grouped by characteristic_type, the group not
    # declared, an indicator without decimal places, ethnicity under a name of its own.
    data = [england(characteristic_type=t, characteristic=c, ethnic_group=e, children="10", provider=p)
            for t, c, e, p in (("Total", "Total", "Total", "x"), ("Sex", "Male", "White", "Daybreak"),
                               ("Sex", "Female", "Asian or Asian British", "Daybreak"))]
    meta = [meta_row("characteristic", "Filter", "Characteristic", group="characteristic_type"),
            meta_row("ethnic_group", "Filter", "Ethnic group"),
            meta_row("children", "Indicator", "Children", dp="0"),
            meta_row("provider", "Indicator", "Provider")]
    write_pair(tmp_path, "old_shape", data, meta)
    problems = check_publication(tmp_path)
    assert ("old_shape.csv: metadata: the filter group characteristic_type is not declared as a filter of its own "
            "(add a Filter row for it)") in problems
    assert "old_shape.csv: metadata: the indicator provider has no decimal places (indicator_dp)" in problems
    assert any(p.startswith("old_shape.csv: the columns characteristic and characteristic_type are not recommended "
                            "for the EES table tool") for p in problems)
    assert any(p.startswith("old_shape.csv: the column ethnic_group looks like a harmonised variable") for p in problems)
    # DfE's names and items pass.
    good = [england(sex=s, ethnicity_major=e, children="10") for s, e in
            (("Total", "Total"), ("Male", "Total"), ("Female", "Total"), ("Total", "White"),
             ("Total", "Asian / Asian British"))]
    good_meta = [meta_row("sex", "Filter", "Sex"), meta_row("ethnicity_major", "Filter", "Ethnicity"),
                 meta_row("children", "Indicator", "Children", dp="0")]
    folder = tmp_path / "good"
    folder.mkdir()
    write_pair(folder, "new_shape", good, good_meta)
    assert check_publication(folder) == []
    good[-1]["ethnicity_major"] = "Asian or Asian British"
    write_pair(folder, "new_shape", good, good_meta)
    assert check_publication(folder) == [
        "new_shape.csv: the ethnicity_major value 'Asian or Asian British' is not one of the GSS harmonised major "
        "ethnic groups"]


def test_a_declared_filter_group_passes_and_needs_fewer_levels(tmp_path):
    data = [england(region_type=g, area_type=a, children="10") for g, a in
            (("Total", "Total"), ("Urban", "City"), ("Urban", "Town"), ("Rural", "Village"))]
    meta = [meta_row("area_type", "Filter", "Area type", group="region_type"),
            meta_row("region_type", "Filter", "Region type"),
            meta_row("children", "Indicator", "Children", dp="0")]
    write_pair(tmp_path, "grouped", data, meta)
    assert check_publication(tmp_path) == []
    meta[2]["label"] = "Children " + "x" * 100
    write_pair(tmp_path, "grouped", data, meta)
    assert check_publication(tmp_path) == [
        "grouped.csv: metadata: the label of children is longer than 100 characters"]
    meta[2]["label"] = "Children"
    meta[0]["filter_grouping_column"], meta[1]["filter_grouping_column"] = "", "area_type"
    write_pair(tmp_path, "grouped", data, meta)
    assert check_publication(tmp_path) == [
        "grouped.csv: the filter group area_type has more values (4) than its filter region_type (3): "
        "the grouping is the wrong way round"]


def test_text_indicators_have_decimal_places_and_figures_stay_figures(handbuilt_publication, tmp_path):
    folder, _ = handbuilt_publication
    meta = {m["col_name"]: m for m in rows(folder / "fgc_coverage.meta.csv")}
    assert meta["external_provider"]["indicator_dp"] == "0"
    for path in folder.glob("*.meta.csv"):
        assert all(m["indicator_dp"] != "" for m in rows(path) if m["col_type"] == "Indicator"), path.name
    data = rows(folder / "fgc_funnel.csv")
    data[0]["families_referred"] = "about 200"
    write_pair(tmp_path, "fgc_funnel", data, rows(folder / "fgc_funnel.meta.csv"))
    assert check_publication(tmp_path) == [
        "fgc_funnel.csv: the indicator families_referred holds values that are neither numbers nor GSS symbols: "
        "'about 200'"]
