"""Benchmark: aggregate and publish from 153 returns (the demo's, as read).

    PYTHONPATH=. python -m fgc_collect.publish.benchmark [--runs 3] [--years 2]

With --years 2, 153 returns of 2023-24 and 153 of 2024-25 (synthetic, the FGDM items filled), the
tables of both years built and published together (the EES files holding both time periods).

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
    parser.add_argument("--years", type=int, choices=(1, 2), default=1)
    args = parser.parse_args(argv)

    from fgc_collect.aggregate.tables import build_series
    from fgc_collect.publish import publish
    from fgc_collect.publish.sources import demo_inputs

    years = ("2023-24", "2024-25")[-args.years:] if args.years == 2 else ("2023-24",)
    by_year = {year: demo_inputs(year) for year in years}
    inputs = by_year[years[-1]]
    build_times, publish_times, cpu_times = [], [], []
    for _ in range(args.runs):
        cpu = _cpu()
        start = time.perf_counter()
        tables = build_series(by_year)
        built = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            publish(tables, folder)
        done = time.perf_counter()
        build_times.append(built - start)
        publish_times.append(done - built)
        cpu_times.append(_cpu() - cpu)
    totals = [b + p for b, p in zip(build_times, publish_times)]
    print(f"years: {', '.join(years)}; returns used in {years[-1]}: {len(inputs.used)} of 153; "
          f"counts suppressed: {len(tables.protection.suppressed)}; "
          f"LPs: {tables.protection.audit.linear_programmes}")
    print(f"build tables (median of {args.runs}): {statistics.median(build_times):.2f} s")
    print(f"publish (median of {args.runs}):      {statistics.median(publish_times):.2f} s")
    print(f"aggregate and publish (median):     {statistics.median(totals):.2f} s")
    # CPU seconds (this process and the chart process it forks): what the wall time would be on
    # an idle machine, less the overlap of the two processes.
    print(f"CPU time, both processes (median):  {statistics.median(cpu_times):.2f} s")


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
