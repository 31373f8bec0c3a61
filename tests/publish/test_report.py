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


def test_summary_gives_the_estimates_with_their_caveat_and_sensitivity(handbuilt_publication):
    folder, tables = handbuilt_publication
    page = (folder / "summary.html").read_text(encoding="utf-8")
    estimates = page[page.index('id="estimates"'):page.index('id="notes"')]
    assert "Estimate with children aged 0 to 17</th>" in estimates
    assert "Estimate with children in need at 31 March 2024</th>" in estimates
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
