"""Benchmark: aggregate and publish from 153 returns (the demo's, as read).

    PYTHONPATH=. python -m fgc_collect.publish.benchmark [--runs 3]

Times, in one warm process, building the tables (ledger, disclosure control and its LP audit,
estimates, rendering) and publishing them (EES CSVs and the screener, workbook, charts, HTML,
manifest), and prints the median of the runs. Reading and validating 153 spreadsheet files is
not included: `fgc-collect validate` measures that."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from fgc_collect.aggregate import build_tables
    from fgc_collect.publish import publish
    from fgc_collect.publish.sources import demo_inputs

    inputs = demo_inputs()
    build_times, publish_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        tables = build_tables(inputs)
        built = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            publish(tables, folder)
        done = time.perf_counter()
        build_times.append(built - start)
        publish_times.append(done - built)
    totals = [b + p for b, p in zip(build_times, publish_times)]
    print(f"returns used: {len(inputs.used)} of 153; counts suppressed: {len(tables.protection.suppressed)}; "
          f"LPs: {tables.protection.audit.linear_programmes}")
    print(f"build tables (median of {args.runs}): {statistics.median(build_times):.2f} s")
    print(f"publish (median of {args.runs}):      {statistics.median(publish_times):.2f} s")
    print(f"aggregate and publish (median):     {statistics.median(totals):.2f} s")


if __name__ == "__main__":
    main()
