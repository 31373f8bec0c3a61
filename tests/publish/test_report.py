"""The HTML summary, opened in headless Chromium as a reader would (no network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("Debian's chromium is not installed; the test script installs it.")
    pytest.skip("chromium is not installed")


def run_chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_summary_is_self_contained(handbuilt_publication):
    page = (handbuilt_publication[0] / "summary.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "@import" not in page
    assert page.count("<svg") == 4


@pytest.mark.chromium
def test_summary_shows_the_national_picture_in_chromium(handbuilt_publication, tmp_path):
    folder, tables = handbuilt_publication
    result = run_chromium(tmp_path, "--dump-dom", (folder / "summary.html").as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Key figures for England" in dom
    assert "<strong>210</strong>Families referred" in dom
    assert "<strong>78.1%</strong>offered an FGC (of families referred)" in dom
    assert "Derby" in dom  # the coverage notes: Derby did not give C1_PLO
    shot = tmp_path / "summary.png"
    result = run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,1600", (folder / "summary.html").as_uri())
    assert result.returncode == 0 and shot.stat().st_size > 20_000


NESTED = re.compile(r"\d+ returns were received but not used:\s*<ul>\s*<li>[^<]+ \(E\d{8}\): [^<]+</li>")


def test_notes_are_numbered_with_nested_lists(demo_publication):
    page = (demo_publication[0] / "summary.html").read_text(encoding="utf-8")
    notes = page[page.index('id="notes"'):page.index('id="symbols"')]
    assert NESTED.search(notes)
    assert "<li>- " not in notes and "<li>'" not in notes and ".xlsx" not in notes
    assert notes.count('<li id="note-') == len(demo_publication[1].notes)


def svg_texts(path) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text(encoding="utf-8"))


def test_regional_chart_labels_rates_per_100_without_a_percent_sign(handbuilt_publication):
    folder, tables = handbuilt_publication
    texts = svg_texts(folder / "charts" / "regional_rates.svg")
    assert not any("%" in text for text in texts)
    north_east = "E12000001"
    assert tables.value("fgc_funnel", "overall_rate", north_east) in texts  # e.g. 45.0, not 45.0%
    assert tables.value("fgc_funnel", "children_referred_per_10000", north_east) in texts  # one decimal


def test_characteristics_table_shows_every_stage(handbuilt_publication):
    folder, tables = handbuilt_publication
    page = (folder / "summary.html").read_text(encoding="utf-8")
    who = page[page.index('id="who"'):page.index('id="why-not"')]
    assert "<th scope=\"col\">Share at consent</th>" in who
    under_one = dict(age_group="Under 1")
    shares = [tables.value("fgc_characteristics", f"{col}_pct", **under_one) + "%"
              for col in ("children_referred", "children_consented", "children_in_fgcs_held")]
    assert f"<th scope=\"row\">Age: Under 1</th><td>{shares[0]}</td><td>{shares[1]}</td><td>{shares[2]}</td>" in who


@pytest.mark.chromium
def test_nested_notes_render_as_nested_lists_in_chromium(demo_publication, tmp_path):
    folder, _ = demo_publication
    result = run_chromium(tmp_path, "--dump-dom", (folder / "summary.html").as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert NESTED.search(result.stdout)
    # The screenshot (look at it: numbered notes, the returns not used indented beneath note 2) is of
    # the page without its charts, so that the notes fit in one window.
    page = tmp_path / "summary.html"
    page.write_text(re.sub(r"<figure.*?</figure>", "", (folder / "summary.html").read_text(encoding="utf-8"),
                           flags=re.S), encoding="utf-8")
    shot = tmp_path / "notes.png"
    result = run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,4500", page.as_uri())
    assert result.returncode == 0 and shot.stat().st_size > 100_000


def test_summary_gives_the_estimates_with_their_caveat_and_sensitivity(handbuilt_publication):
    folder, tables = handbuilt_publication
    page = (folder / "summary.html").read_text(encoding="utf-8")
    estimates = page[page.index('id="estimates"'):page.index('id="notes"')]
    assert "Estimate with children aged 0 to 17</th>" in estimates
    assert "Estimate with children in need at 31 March</th>" in estimates
    # Families referred: 210 known, 148 LAs estimated, and the estimate with each auxiliary.
    row = re.search(r"<th scope=\"row\">Families referred</th>(.*?)</tr>", estimates).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    value = tables.value
    assert cells[:2] == ["210", "148"]
    assert cells[2] == f"{int(value('fgc_estimates', 'families_referred_estimate')):,}"
    assert cells[3] == (f"{int(value('fgc_estimates', 'families_referred_lower_95')):,} to "
                        f"{int(value('fgc_estimates', 'families_referred_upper_95')):,}")
    assert cells[4:] == [f"{int(value('fgc_estimates', f'families_referred_estimate_{name}')):,}"
                         for name in ("population", "cin")]
    assert "<strong>Non-response.</strong> The estimates assume that, within a region" in estimates
    assert "If busier FGC services were more likely to send their figures, the estimates would be too high" in estimates
