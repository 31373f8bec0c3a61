"""python -m fgc_collect.validate write: regenerate validations/*.json and the rule pages (the latest
year's docs/validation-rules.md, each earlier year's docs/validation-rules-YYYY-YY.md) from each
year's spec (tests fail until the committed files match)."""

from __future__ import annotations

import sys
from pathlib import Path

from fgc_collect.spec import known_years, load_spec

from fgc_collect.validate.catalogue import render_catalogue
from fgc_collect.validate.suites import VALIDATIONS_DIR, write_suites

DOCS_PAGE = VALIDATIONS_DIR.parent / "docs" / "validation-rules.md"


def docs_page(year: str) -> Path:
    """The rule page of a year: docs/validation-rules.md for the latest, -YYYY-YY.md for the others."""
    from fgc_collect.spec import latest_year

    return DOCS_PAGE if year == latest_year() else DOCS_PAGE.with_name(f"validation-rules-{year}.md")


def main(argv: list[str]) -> int:
    if argv != ["write"]:
        print("usage: python -m fgc_collect.validate write", file=sys.stderr)
        return 2
    for path in write_suites():
        print(f"wrote {path}")
    for year in known_years():
        page = docs_page(year)
        page.write_text(render_catalogue("markdown", load_spec(year)), encoding="utf-8")
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
