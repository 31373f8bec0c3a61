"""python -m fgc_collect.validate write: regenerate validations/*.json and docs/validation-rules.md
from the spec (tests fail until the committed files match)."""

from __future__ import annotations

import sys

from fgc_collect.validate.catalogue import render_catalogue
from fgc_collect.validate.suites import VALIDATIONS_DIR, write_suites

DOCS_PAGE = VALIDATIONS_DIR.parent / "docs" / "validation-rules.md"


def main(argv: list[str]) -> int:
    if argv != ["write"]:
        print("usage: python -m fgc_collect.validate write", file=sys.stderr)
        return 2
    for path in write_suites():
        print(f"wrote {path}")
    DOCS_PAGE.write_text(render_catalogue("markdown"), encoding="utf-8")
    print(f"wrote {DOCS_PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
