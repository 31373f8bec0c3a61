"""The HTML report on a return and the batch index, read as a person (or a browser) would."""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fgc_collect.feedback import council_result, feedback_stem, write_feedback
from fgc_collect.feedback.html import render_report
from fgc_collect.model import Issue, ReturnResult
from fgc_collect.spec import load_spec
from tests.feedback.conftest import CHECKED_ON


class Page(HTMLParser):
    """The parts of a page the tests look at: headings, table headers, issue rows, links."""

    def __init__(self, text: str):
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[dict] = []  # <tr class="issue">: its attributes and cell texts
        self._heading = None
        self._row = None
        self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("h1", "h2", "h3"):
            self._heading = [tag, ""]
        if tag == "tr" and "issue" in attrs.get("class", "").split():
            self._row = {"attrs": attrs, "cells": [], "section": self.headings[-1][1] if self.headings else None}
        if tag == "td" and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append(" ".join(self._cell.split()))
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data
        if self._cell is not None:
            self._cell += data


def funnel_cells(text: str) -> dict[str, str]:
    """item -> the figure shown for it in the funnel table."""
    found = {}
    for item, body in re.findall(r'<tr class="funnel-stage" data-item="(\w+)">(.*?)</tr>', text, re.S):
        figure = re.search(r'<td class="num">(.*?)</td>', body, re.S)[1]
        found[item] = re.sub(r"<[^>]+>", "", figure).strip()
    return found


def test_the_report_shows_status_counts_and_every_issue_under_its_section(batch):
    # Durham's two versions are in one batch: FGC204 compares them, for the coordinator only.
    assert "FGC204" in {issue.rule for issue in batch.results["durham"].issues}
    result = council_result(batch.results["durham"])
    assert result.issues and "FGC204" not in {issue.rule for issue in result.issues}
    text = batch.report("durham").read_text(encoding="utf-8")
    page = Page(text)
    assert [h for h in page.headings if h[0] == "h1"] == [("h1", "FGC survey 2023-24: checks on County Durham’s return")]
    assert 'data-status="errors"' in text
    assert f'data-count="error">{result.count("error")}<' in text
    assert f'data-count="warning">{result.count("warning")}<' in text

    spec = load_spec()
    assert len(page.rows) == len(result.issues)
    shown = sorted((row["attrs"]["data-rule"], row["cells"][0], row["cells"][2]) for row in page.rows)
    expected = sorted((i.rule, i.cell or "–", " ".join(i.message.split())) for i in result.issues)
    assert shown == expected
    for row in page.rows:
        issue = next(i for i in result.issues if i.rule == row["attrs"]["data-rule"] and (i.cell or "–") == row["cells"][0])
        if issue.item:
            section = next(s for s in spec.sections if s.code == issue.item[0])
            assert row["section"].startswith(f"{section.sheet}: {section.title}"), (issue, row["section"])
        else:
            assert row["section"].startswith("The return as a whole")
    sections = [h[1] for h in page.headings if h[0] == "h3"]
    order = [next(i for i, s in enumerate(spec.sections) if h.startswith(s.sheet)) for h in sections if not h.startswith("The return")]
    assert order == sorted(order)


def test_the_funnel_shows_this_councils_figures_and_never_turns_a_blank_into_0(batch):
    values = batch.returns["durham"].values()
    text = batch.report("durham").read_text(encoding="utf-8")
    shown = funnel_cells(text)
    assert shown == {item: f"{int(values[item]):,}" for item in ("B1", "C1", "C2", "D1")}

    result = batch.results["hartlepool"]
    blank = render_report(result, {"B1": None, "C1": 0.0, "C2": None, "D1": None, "A5": "Y"}, load_spec(),
                          checked_on=CHECKED_ON, contact_email="x@example.org")
    assert funnel_cells(blank) == {"B1": "not provided", "C1": "0", "C2": "not provided", "D1": "not provided"}


def test_the_report_is_self_contained_and_escapes_what_came_in_the_return(tmp_path):
    hostile = '<img src=x onerror=alert(1)> "quoted" & <script>alert(2)</script>'
    result = ReturnResult(
        file=str(tmp_path / "<script>x</script>.xlsx"), sha256="ab" * 32, la_code="E06000047",
        la_name=hostile, issues=[Issue("FGC010", "warning", hostile, "E1", "E Comments", "D5", hostile)],
    )
    text = render_report(result, {"B1": 10.0, "C1": 8.0, "C2": 5.0, "D1": 4.0}, load_spec(),
                         checked_on=CHECKED_ON, contact_email="fgc@example.org")
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    # Nothing is fetched: no scripts, stylesheets, images, fonts or frames from anywhere.
    assert not re.search(r"<(script|link|iframe|object|embed|img)\b", text, re.I)
    assert not re.search(r"(src|href)\s*=\s*\"(?!mailto:|#)", text, re.I)
    assert "url(" not in text and "@import" not in text
    assert "Content-Security-Policy" in text


def test_the_report_is_accessible_and_fits_a_phone():
    result = ReturnResult(file="r.xlsx", sha256=None, la_code="E06000001", la_name="Hartlepool",
                          issues=[Issue("FGC101", "error", "B3 does not add up.", "B3", "B Referrals", "D16")])
    text = render_report(result, {"B1": 10.0, "C1": 8.0, "C2": 5.0, "D1": 4.0}, load_spec(),
                         checked_on=CHECKED_ON, contact_email="fgc@example.org")
    page = Page(text)
    assert '<html lang="en-GB">' in text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in text
    assert sum(1 for tag, _ in page.tags if tag == "h1") == 1
    for tag, attrs in page.tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row")
    assert "@media print" in text and "@media (max-width" in text
    # Severity is said in words, not by colour alone.
    assert page.rows[0]["cells"][1].startswith("error")


def test_an_unreadable_file_gets_a_report_and_nothing_else(batch):
    assert batch.workbook("notes") is None
    text = batch.report("notes").read_text(encoding="utf-8")
    assert 'data-status="unreadable"' in text
    assert batch.results["notes"].issues[0].message.split(":")[0] in text
    assert "funnel-stage" not in text


def test_the_index_lists_every_return_and_links_to_its_report(batch):
    text = (batch.out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="return" data-status="(\w+)">(.*?)</tr>', text, re.S)
    assert len(rows) == len(batch.order)
    statuses = sorted(status for status, _ in rows)
    assert statuses == sorted(batch.results[key].status for key in batch.order)
    linked = set(re.findall(r'href="([^"]+)"', text))
    for key in batch.order:
        assert batch.report(key).name in linked
        assert (batch.out / batch.report(key).name).is_file()
    assert "do not send it to a council" in text


def test_a_councils_report_holds_nothing_about_other_councils(batch):
    durham = batch.report("durham").read_text(encoding="utf-8")
    assert "Hartlepool" not in durham and "E06000001" not in durham
    hartlepool = batch.report("hartlepool").read_text(encoding="utf-8")
    assert "Durham" not in hartlepool and "E06000047" not in hartlepool
    assert "notes.xlsx" not in durham


def test_file_names_are_safe_and_unique():
    taken: set[str] = set()
    same = ReturnResult(file="returns/Durham FGC return.xlsx", sha256=None, la_code="E06000047")
    assert feedback_stem(same, taken) == "E06000047_Durham_FGC_return"
    assert feedback_stem(same, taken) == "E06000047_Durham_FGC_return_2"
    odd = ReturnResult(file="in/../Ré tour (v2) <final>;rm -rf.xlsx", sha256=None)
    stem = feedback_stem(odd, taken)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", stem) and stem.startswith("unknown-LA_")
    shouting = ReturnResult(file="DURHAM FGC RETURN.xlsx", sha256=None, la_code="E06000047")
    assert feedback_stem(shouting, taken).casefold() not in {"e06000047_durham_fgc_return", "e06000047_durham_fgc_return_2"}


def test_reports_for_a_batch_without_what_was_read(batch, tmp_path):
    """Called with results only (no returns), the funnel figures are read from the files."""
    results = [batch.results[key] for key in ("durham", "hartlepool")]
    written = write_feedback(results, tmp_path)
    report = next(p for p in written if p.name.startswith("E06000047") and p.suffix == ".html")
    values = batch.returns["durham"].values()
    assert funnel_cells(report.read_text(encoding="utf-8")) == {
        item: f"{int(values[item]):,}" for item in ("B1", "C1", "C2", "D1")
    }


# --------------------------------------------------------------------------- a real browser


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; CI must install it (Debian package chromium).")
    pytest.skip("chromium is not installed")


def run_chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *arguments],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.chromium
def test_the_report_in_a_headless_browser_on_a_phone_sized_screen(batch, tmp_path):
    report = batch.report("durham")
    url = report.resolve().as_uri()
    dom = run_chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    result = council_result(batch.results["durham"])
    assert len(page.rows) == len(result.issues)
    assert {row["attrs"]["data-rule"] for row in page.rows} == {issue.rule for issue in result.issues}
    assert ("h2", "Issues to check") in page.headings

    # Laid out 412 pixels wide (a phone), nothing runs off the side: not the page, not a table.
    probe = tmp_path / "phone.html"
    probe.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><iframe id="f" style="width:412px;height:900px;border:0" '
        f'srcdoc="{html.escape(report.read_text(encoding="utf-8"), quote=True)}"></iframe><script>'
        'document.getElementById("f").onload = function () { var d = this.contentDocument;'
        ' var wide = Array.from(d.querySelectorAll(".table-wrap")).filter(function (e) { return e.scrollWidth > e.clientWidth + 1; });'
        ' document.body.dataset.overflow = (d.documentElement.scrollWidth - d.documentElement.clientWidth) + "/" + wide.length;'
        ' document.body.dataset.rows = d.querySelectorAll("tr.issue").length; };</script></body></html>',
        encoding="utf-8",
    )
    laid_out = run_chromium("--dump-dom", probe.resolve().as_uri(), profile=tmp_path / "profile")
    assert 'data-overflow="0/0"' in laid_out.stdout, laid_out.stdout[-500:]
    assert f'data-rows="{len(result.issues)}"' in laid_out.stdout

    screenshot = tmp_path / "report-phone.png"
    shot = run_chromium(f"--screenshot={screenshot}", "--window-size=412,900", "--hide-scrollbars", url,
                        profile=tmp_path / "profile")
    assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (412, 900)


# --------------------------------------------------------------------------- whose issues go where


def _package_text(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as package:
        return "\n".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())


def test_a_councils_report_and_copy_carry_only_its_own_returns_issues(tmp_path):
    """Darlington filled in Durham's prefilled template: both files are Durham's by their code, so
    FGC204 compares them. Durham's report and annotated copy must say nothing of Darlington's
    file or figures; the coordinator's index has the check."""
    from fgc_collect.read import read_return
    from fgc_collect.validate import validate_returns
    from tests.register.helpers import write_return

    durham = write_return(tmp_path / "returns" / "Durham FGC return.xlsx", "E06000047")
    other = write_return(tmp_path / "returns" / "Darlington FGC return.xlsx", "E06000047", A1="Darlington", B1=4321)
    returns = [read_return(durham), read_return(other)]
    results = validate_returns(returns)
    assert "FGC204" in {issue.rule for issue in results[0].issues}  # the situation is there
    assert any("Darlington FGC return.xlsx" in issue.message for issue in results[0].issues)

    out = tmp_path / "feedback"
    write_feedback(results, out, returns={ret.file: ret for ret in returns}, checked_on=CHECKED_ON)
    report = (out / "E06000047_Durham_FGC_return_feedback.html").read_text(encoding="utf-8")
    copy = _package_text(out / "E06000047_Durham_FGC_return_feedback.xlsx")
    for text in (report, copy):
        assert "Darlington" not in text
        assert "4,321" not in text and "4321" not in text
        assert not re.search(r"FGC2\d\d", text)
    assert 'data-status="valid"' in report  # its own return has nothing wrong
    assert "if that raises a question about your figures, we will contact you" in report

    index = (out / "index.html").read_text(encoding="utf-8")
    across = re.findall(r'<tr class="across" data-rule="(FGC2\d\d)">(.*?)</tr>', index, re.S)
    assert {rule for rule, _ in across} == {"FGC204"}
    assert any("Durham FGC return.xlsx" in row and "Darlington FGC return.xlsx" in row for _, row in across)
    assert "Checks across returns (2)" in index


def test_a_report_on_an_ods_return_says_no_annotated_copy_is_made_and_why(tmp_path):
    ods = tmp_path / "Durham FGC return.ods"
    ods.write_bytes(b"PK\x03\x04 saved by LibreOffice Calc")
    result = ReturnResult(file=str(ods), sha256="ab" * 32, la_code="E06000047", la_name="County Durham",
                          issues=[Issue("FGC101", "error", "B3 does not add up.", "B3", "B Referrals", "D16")])
    written = write_feedback([result], tmp_path / "out", checked_on=CHECKED_ON, contact_email="fgc@example.org")
    assert [path.name for path in written] == ["E06000047_Durham_FGC_return_feedback.html", "index.html"]
    report = written[0].read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", report).split())
    assert "annotated copies are made of Excel workbooks (.xlsx, .xlsm) only, and your file is an OpenDocument spreadsheet (.ods)" in text
    assert "This report is all we send back" in text
    assert "that copy" not in text and "came with this report" not in text
    assert "Correct your return in your own file" in text
    index = " ".join(re.sub(r"<[^>]+>", " ", written[1].read_text(encoding="utf-8")).split())
    assert "No annotated workbook: annotated copies are made of Excel workbooks (.xlsx, .xlsm) only" in index


def test_reports_give_the_research_teams_contact_from_the_survey_file(tmp_path, monkeypatch):
    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text("contact:\n  email: fgc.team@research.example.ac.uk\n  organisation: FGC research team\n",
                      encoding="utf-8")
    monkeypatch.setenv("FGC_SURVEY", str(survey))
    result = ReturnResult(file=str(tmp_path / "missing.xlsx"), sha256=None, la_code="E06000001", la_name="Hartlepool",
                          issues=[Issue("FGC101", "error", "B3 does not add up.", "B3", "B Referrals", "D16")])
    (report, _) = write_feedback([result], tmp_path / "out", checked_on=CHECKED_ON)
    text = report.read_text(encoding="utf-8")
    assert 'FGC research team, <a href="mailto:fgc.team@research.example.ac.uk">' in text
    assert "example.org" not in text


@pytest.mark.parametrize(("checked_on", "words"), [
    (date(2026, 4, 20), "by Friday 1 May 2026, the deadline for returns."),
    (date(2026, 5, 4), "as soon as you can (the deadline was Friday 1 May 2026)."),
])
def test_reports_and_copies_give_the_deadline_of_the_returns_year(tmp_path, monkeypatch, checked_on, words):
    import openpyxl

    from tests.feedback.test_years import two_year_files

    survey = tmp_path / "fgc-survey.yaml"
    survey.write_text('year: "2024-25"\ndeadline: 2026-05-01\ncontact:\n  email: fgc@research.example.ac.uk\n',
                      encoding="utf-8")
    monkeypatch.setenv("FGC_SURVEY", str(survey))
    returns, results = two_year_files(tmp_path)
    write_feedback(results, tmp_path / "out", returns={ret.file: ret for ret in returns}, checked_on=checked_on)
    this_year = next((tmp_path / "out").glob("*2024-25*feedback.html")).read_text(encoding="utf-8")
    assert f"fgc@research.example.ac.uk</a> {words}</p>" in this_year
    copy = openpyxl.load_workbook(next((tmp_path / "out").glob("*2024-25*feedback.xlsx")))
    (resend,) = [row[1] for row in copy["Validation"].iter_rows(values_only=True) if row[0] == "How to resend"]
    assert resend.endswith(f"fgc@research.example.ac.uk {words}")
    # a late 2023-24 return keeps its own year's deadline (the spec's), not the 2024-25 survey's
    last_year = next((tmp_path / "out").glob("*2023-24*feedback.html")).read_text(encoding="utf-8")
    assert "1 May 2026" not in last_year
