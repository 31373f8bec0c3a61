"""Benchmarks for docs/benchmarks.md: wall-clock times of whole commands, as a user runs them.

    .venv/bin/python benchmarks/run.py [--repeat 5]

Measures `fgc-collect --help` start-up, `validate` on one aggregate return (the default engine,
and `--engine gx`) and on the demo's returns in one call. Each is the median of --repeat runs of
a fresh process (start-up included, as users pay it). Needs the demo's returns: it writes them
with `fgc-collect demo` into a temp folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "fgc_collect.cli"]


def timed(command: list[str], repeat: int) -> tuple[float, float]:
    """Medians of the wall-clock time and of the CPU time (user + system) of fresh processes. On a
    busy machine the wall-clock time grows while the CPU time stays what an idle one would take."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       env={**os.environ, "GX_ANALYTICS_ENABLED": "false"})
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "demo"
        subprocess.run(CLI + ["demo", "--out", str(out)], stdout=subprocess.DEVNULL, check=False)
        from fgc_collect.pipeline import find_returns

        returns = find_returns([out / "returns"])
        one = next(path for path in returns if path.suffix == ".xlsx" and "child" not in path.name)
        rows = [
            ("fgc-collect --help", timed(CLI + ["--help"], args.repeat)),
            ("fgc-collect validate (1 aggregate return)", timed(CLI + ["validate", str(one)], args.repeat)),
            (f"fgc-collect validate ({len(returns)} returns, one call)",
             timed(CLI + ["validate", str(out / "returns")], args.repeat)),
            ("fgc-collect validate --engine gx (1 aggregate return)",
             timed(CLI + ["validate", str(one), "--engine", "gx"], args.repeat)),
        ]
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"median of {args.repeat} runs")
    print("| command | seconds | CPU seconds |\n|---|---|---|")
    for name, (seconds, cpu) in rows:
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} |")
    single, batch = rows[1][1][0], rows[2][1][0]
    print(f"\none aggregate return: {single:.2f} s (target under 2)")
    print(f"batch / single = {batch / single:.2f} (target under 3)")


if __name__ == "__main__":
    main()
