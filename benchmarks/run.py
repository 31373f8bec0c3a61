"""Benchmarks for docs/benchmarks.md: wall-clock times of whole commands, as a user runs them.

    .venv/bin/python benchmarks/run.py [--repeat 3]

Measures `fgc-collect --help` start-up, `validate` on one return and on the demo's 153 returns
in one call. Each is the median of --repeat runs of a fresh process (start-up included, as users
pay it). Needs the demo's returns: it writes them with `fgc-collect demo` into a temp folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "fgc_collect.cli"]


def timed(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       env={**os.environ, "GX_ANALYTICS_ENABLED": "false"})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "demo"
        subprocess.run(CLI + ["demo", "--out", str(out)], stdout=subprocess.DEVNULL, check=False)
        from fgc_collect.pipeline import find_returns

        returns = find_returns([out / "returns"])
        rows = [
            ("fgc-collect --help", timed(CLI + ["--help"], args.repeat)),
            ("fgc-collect validate (1 return)", timed(CLI + ["validate", str(returns[0])], args.repeat)),
            (f"fgc-collect validate ({len(returns)} returns, one call)",
             timed(CLI + ["validate", str(out / "returns")], args.repeat)),
        ]
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, median of {args.repeat} runs")
    print("| command | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")
    single, batch = rows[1][1], rows[2][1]
    print(f"\nbatch / single = {batch / single:.2f} (target under 3)")


if __name__ == "__main__":
    main()
