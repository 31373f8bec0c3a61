"""Benchmark for docs/child-level.md: validating a 100,000-row child-level return.

    PYTHONPATH=. python benchmarks/child_level.py [--rows 100000] [--repeat 3] [--keep DIR]

Side by side in one run, each a fresh process timed from start to exit (imports included, as a
user waits for them) with its peak memory (max RSS):
  1. fgc-collect on the CSV     (fgc-collect validate FILE --format json: the default engine,
                                  the expectation suites evaluated with polars)
  2. fgc-collect on the .xlsx   (the same rows in the child-level workbook layout)
  3. frictionless validate on the same CSV with the equivalent Table Schema
     (fgc_collect.child.spec.table_schema(): types, codes, required, lengths, the family/child key)
  4. fgc-collect's imports alone, and the CSV with --engine gx (the suites run by GX itself)
Then the stages of fgc-collect's work in one warm process (libraries already imported).

fgc-collect does more than the Table Schema can say: pseudonymisation, FGC303-FGC311 (date
order, scope, completeness, family consistency, ages, personal data), the derived aggregate
return with FGC1xx/FGC2xx, and the distribution suite. Needs `pip install frictionless`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(ROOT)}


# --------------------------------------------------------------------------- the files


def make_rows(rows: int):
    import numpy as np

    from fgc_collect.child.demo import demo_child_rows
    from fgc_collect.reference import find_la

    la = find_la("E10000016")  # Kent: a large LA
    frame = demo_child_rows(la, np.random.default_rng(20240331), families=int(rows / 1.75) + 1000)
    return la, frame.head(rows)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(frame, path: Path, la) -> None:
    """The rows as an .xlsx the way Excel saves the child-level workbook (shared strings, dates
    as date cells, counts as numbers, the metadata sheet), written directly: openpyxl needs over
    a minute for 2 million cells."""
    from fgc_collect.child.spec import COUNT, DATE, load_child_spec
    from fgc_collect.child.template import CHILD_TEMPLATE_VERSION

    spec = load_child_spec()
    kinds = [spec.column(c).type for c in frame.columns]
    strings: dict[str, int] = {}

    def shared(text: str) -> int:
        if text not in strings:
            strings[text] = len(strings)
        return strings[text]

    epoch = date(1899, 12, 30)
    sheet = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:{_column_letter(len(kinds) - 1)}{frame.height + 1}"/><sheetData>']
    header = "".join(f'<c r="{_column_letter(i)}1" t="s"><v>{shared(name)}</v></c>' for i, name in enumerate(frame.columns))
    sheet.append(f'<row r="1">{header}</row>')
    for number, record in enumerate(frame.iter_rows(), start=2):
        cells = []
        for i, value in enumerate(record):
            if value is None:
                continue
            ref = f"{_column_letter(i)}{number}"
            if kinds[i] == DATE:
                serial = (date.fromisoformat(value) - epoch).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            elif kinds[i] == COUNT:
                cells.append(f'<c r="{ref}"><v>{int(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{shared(value)}</v></c>')
        sheet.append(f'<row r="{number}">{"".join(cells)}</row>')
    sheet.append("</sheetData></worksheet>")
    meta_rows = {"collection": spec.collection_id, "level": "child", "year": spec.year,
                 "template_version": CHILD_TEMPLATE_VERSION, "la_code": la.code, "la_name": la.name}
    meta = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for number, (key, value) in enumerate(meta_rows.items(), start=1):
        meta.append(f'<row r="{number}"><c r="A{number}" t="s"><v>{shared(key)}</v></c>'
                    f'<c r="B{number}" t="s"><v>{shared(value)}</v></c></row>')
    meta.append("</sheetData></worksheet>")
    sst = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">']
    sst += [f"<si><t>{escape(text)}</t></si>" for text in strings]
    sst.append("</sst>")
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Children" sheetId="1" r:id="rId1"/><sheet name="_meta" sheetId="2" state="veryHidden" r:id="rId2"/>'
            "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"),
        "xl/worksheets/sheet1.xml": "".join(sheet),
        "xl/worksheets/sheet2.xml": "".join(meta),
        "xl/sharedStrings.xml": "".join(sst),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    from fgc_collect.child.demo import write_child_csv
    from fgc_collect.child.spec import table_schema

    la, frame = make_rows(rows)
    files = {
        "csv": write_child_csv(frame, folder / "child_return_100k.csv", la),
        "xlsx": folder / "child_return_100k.xlsx",
        "schema": folder / "fgc_child_level.schema.json",
    }
    write_xlsx(frame, files["xlsx"], la)
    schema = table_schema()
    schema["fields"].append({"name": "la_code", "type": "string", "constraints": {"required": True, "enum": [la.code]}})
    files["schema"].write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return files


# --------------------------------------------------------------------------- timing


def run(command: list[str], cwd: Path = ROOT) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024, process.returncode


def timed(command: list[str], repeat: int, cwd: Path = ROOT) -> tuple[float, float, float, int]:
    runs = [run(command, cwd) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2])


def stages(path: Path) -> list[tuple[str, float]]:
    """fgc-collect's work on one file in this (warm) process, stage by stage."""
    from fgc_collect.child.derive import derive_aggregate
    from fgc_collect.child.distributions import distribution_issues
    from fgc_collect.child.read import read_child_return
    from fgc_collect.child.rules import child_rule_issues
    from fgc_collect.validate import validate_returns

    out = []
    start = time.perf_counter()
    ret = read_child_return(path)
    out.append(("read and pseudonymise", time.perf_counter() - start))
    start = time.perf_counter()
    _ = ret.typed
    out.append(("types (parse)", time.perf_counter() - start))
    start = time.perf_counter()
    child_rule_issues(ret)
    out.append(("FGC301-FGC311 (pandera)", time.perf_counter() - start))
    start = time.perf_counter()
    derived = derive_aggregate(ret)
    out.append(("derive the aggregate return", time.perf_counter() - start))
    start = time.perf_counter()
    distribution_issues(ret, engine="polars")
    out.append(("distribution suite (polars engine)", time.perf_counter() - start))
    start = time.perf_counter()
    validate_returns([derived], engine="polars")
    out.append(("aggregate rules on the derived return", time.perf_counter() - start))
    return out


def warm_up() -> None:
    """Import everything and run the stages once, so that `stages` measures work, not imports."""
    from fgc_collect.child.demo import write_child_csv
    from fgc_collect.reference import find_la

    with tempfile.TemporaryDirectory() as scratch:
        import numpy as np

        from fgc_collect.child.demo import demo_child_rows

        la = find_la("E06000047")
        path = write_child_csv(demo_child_rows(la, np.random.default_rng(1)), Path(scratch) / "warm.csv", la)
        stages(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    frictionless = shutil.which("frictionless") or str(Path(sys.executable).with_name("frictionless"))
    scratch = Path(tempfile.mkdtemp(prefix="fgc-child-bench-"))
    try:
        folder = args.keep or scratch
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        files = write_files(folder, args.rows)
        made = time.perf_counter() - start
        ours = [str(Path(sys.executable).with_name("fgc-collect")), "validate", "--format", "json"]
        imports = [sys.executable, "-c", "import fgc_collect.pipeline, fgc_collect.child.validate, "
                   "fgc_collect.child.rules, fgc_collect.validate.engine, pandera.polars"]
        # frictionless refuses absolute paths unless trusted: it runs in the files' folder
        checker = [frictionless, "validate", "--schema", files["schema"].name, files["csv"].name]
        rows = [
            ("fgc-collect, CSV", timed(ours + [str(files["csv"])], args.repeat)),
            ("fgc-collect, .xlsx", timed(ours + [str(files["xlsx"])], args.repeat)),
            ("frictionless validate, CSV", timed(checker, args.repeat, cwd=folder)),
            ("(fgc-collect's imports alone: Python, polars, pandera)", timed(imports, args.repeat)),
            ("(fgc-collect, CSV, --engine gx: the suites run by Great Expectations)",
             timed(ours + ["--engine", "gx", str(files["csv"])], args.repeat)),
        ]
        warm_up()
        csv_stages, xlsx_stages = stages(files["csv"]), stages(files["xlsx"])
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    sizes = {name: files[name].stat().st_size / 1e6 if args.keep else None for name in ("csv", "xlsx")}
    print(f"{args.rows:,} rows; Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; "
          f"median (and best) of {args.repeat} fresh processes; files made in {made:.1f} s"
          + (f"; CSV {sizes['csv']:.1f} MB, xlsx {sizes['xlsx']:.1f} MB" if args.keep else ""))
    print()
    print("| validating | seconds, median (best) | peak memory, MB | exit code |")
    print("|---|---|---|---|")
    for name, (median, best, memory, code) in rows:
        print(f"| {name} | {median:.1f} ({best:.1f}) | {memory:.0f} | {code} |")
    frictionless_time = rows[2][1][0]
    print()
    print(f"frictionless / fgc-collect: CSV {frictionless_time / rows[0][1][0]:.1f}x, "
          f"xlsx {frictionless_time / rows[1][1][0]:.1f}x")
    print()
    print("| stage, warm process (libraries loaded) | CSV, s | xlsx, s |")
    print("|---|---|---|")
    for (name, csv_seconds), (_, xlsx_seconds) in zip(csv_stages, xlsx_stages):
        print(f"| {name} | {csv_seconds:.2f} | {xlsx_seconds:.2f} |")
    print(f"| total | {sum(s for _, s in csv_stages):.2f} | {sum(s for _, s in xlsx_stages):.2f} |")


if __name__ == "__main__":
    main()
