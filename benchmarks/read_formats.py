"""Benchmark for docs/benchmarks.md: reading returns with fgc-collect's reader vs openpyxl.

    PYTHONPATH=. .venv/bin/python benchmarks/read_formats.py [--repeat 5] [--no-batch]

Reads one filled return (the template filled through its names, as the demo does) with:
  - fgc-collect's reader (`read_return`: its own streaming .xlsx reader, then the frame),
  - openpyxl (`load_workbook(data_only=True)`, then the same frame: what the reader did before),
  - python-calamine alone, in process (values only: no names, no frame; for reference),
  - fgc-collect's reader on the same return saved by LibreOffice as .xlsx, .ods and .xls (the
    .xls is read by python-calamine in a child process), when LibreOffice is installed;
and the 153 demo returns with the first two. Times are medians of --repeat runs in a warm process
(imports excluded: the CLI pays them once per call); peak memory is tracemalloc's, per read.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mb(function) -> float:
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def convert(source: Path, folder: Path, fmt: str) -> Path | None:
    if not shutil.which("soffice"):
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{profile}/p",
                        "--convert-to", fmt, "--outdir", str(folder), str(source)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180, check=False)
    produced = folder / f"{source.stem}.{fmt}"
    return produced if produced.exists() else None


def main() -> None:
    import numpy as np
    import python_calamine

    from fgc_collect.demo import write_demo_returns
    from fgc_collect.demo.synthetic import clean_return
    from fgc_collect.read import read_return
    from fgc_collect.read.aggregate import read_workbook
    from fgc_collect.read.workbook import load_xlsx
    from fgc_collect.reference import find_la
    from fgc_collect.spec import load_spec
    from fgc_collect.template import fill_template

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-batch", action="store_true", help="skip the 153 returns")
    args = parser.parse_args()

    spec = load_spec()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        la = find_la("E06000047")
        one = fill_template(clean_return(la, np.random.default_rng(1), spec), folder / "one.xlsx", la=la)

        def with_openpyxl(path: Path):
            return read_workbook(load_xlsx(path), str(path), "", spec)

        def calamine_values(path: Path):
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            return [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]

        read_return(one, spec)  # warm up imports and caches
        with_openpyxl(one)
        calamine_values(one)
        rows = [
            ("one return (.xlsx): fgc-collect reader", timed(lambda: read_return(one, spec), args.repeat),
             peak_mb(lambda: read_return(one, spec))),
            ("one return (.xlsx): openpyxl", timed(lambda: with_openpyxl(one), args.repeat),
             peak_mb(lambda: with_openpyxl(one))),
            ("one return (.xlsx): python-calamine, values only", timed(lambda: calamine_values(one), args.repeat),
             None),
        ]
        (folder / "lo").mkdir()
        saved = convert(one, folder / "lo", "xlsx")
        if saved is not None:
            for fmt, path in (("xlsx", saved), ("ods", convert(saved, folder, "ods")), ("xls", convert(saved, folder, "xls"))):
                if path is not None:
                    read_return(path, spec)
                    rows.append((f"one return saved by LibreOffice (.{fmt}): fgc-collect reader",
                                 timed(lambda path=path: read_return(path, spec), args.repeat),
                                 peak_mb(lambda path=path: read_return(path, spec))))
        if not args.no_batch:
            paths, _, _ = write_demo_returns(folder / "demo")
            rows.append((f"{len(paths)} returns: fgc-collect reader",
                         timed(lambda: [read_return(path, spec) for path in paths], 1), None))
            rows.append((f"{len(paths)} returns: openpyxl",
                         timed(lambda: [with_openpyxl(path) for path in paths], 1), None))

    print(f"Python {platform.python_version()}, {os.cpu_count()} cores; median of {args.repeat} runs in a warm "
          "process; peak = Python allocations during one read (tracemalloc)")
    print("| reading | seconds | peak MB |\n|---|---|---|")
    for name, seconds, peak in rows:
        print(f"| {name} | {seconds:.3f} | {'' if peak is None else f'{peak:.1f}'} |")


if __name__ == "__main__":
    main()
