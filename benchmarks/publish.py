"""Benchmark for docs/benchmarks.md: aggregate and publish from the demo's 153 returns (tables,
disclosure control with its LP audit, estimates, every output), in one warm process.

    .venv/bin/python benchmarks/publish.py [--runs 3]

The same as `python -m fgc_collect.publish.benchmark`, kept here beside the other benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fgc_collect.publish.benchmark import main  # noqa: E402

if __name__ == "__main__":
    main()
