"""Publish the national tables: open data (EES CSV + metadata), a GSS good-practice workbook,
charts, an HTML summary, the coverage notes and a manifest, into one folder.

    from fgc_collect.publish import publish, publish_demo, check_publication
    publish(build_tables(inputs), "outputs/")
    publish_demo("outputs/")            # the demo's synthetic returns, as committed in outputs/
    check_publication("outputs/")        # the EES screener's checks: [] when they pass

Nothing is published unless the disclosure audit passed (build_tables raises otherwise) and the
EES checks pass on the files as written: everything is written into a staging folder first and
moved into place only then. Light to import: the work happens inside the functions.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUT = "outputs"
WORKBOOK_NAME = "fgc_national_tables_2023_24.xlsx"  # 2023-24's; workbook_name(year) for any year


def workbook_name(year: str) -> str:
    """The headline year's workbook: fgc_national_tables_2024_25.xlsx for 2024-25."""
    return f"fgc_national_tables_{year.replace('-', '_')}.xlsx"

SUMMARY_NAME = "summary.html"
NOTES_NAME = "coverage_notes.txt"
MANIFEST_NAME = "manifest.json"
CHARTS_FOLDER = "charts"


class PublishError(Exception):
    """The tables were not published; the message is one plain sentence (or lines of problems)."""


def check_publication(folder: str | Path) -> list[str]:
    from fgc_collect.publish.screener import check_publication as screen

    return screen(folder)


def manifest(tables, files: dict[str, bytes]) -> dict:
    import hashlib
    from importlib import resources

    from fgc_collect import __version__
    from fgc_collect.aggregate.tables import time_period
    from fgc_collect.spec import AGGREGATE_SPEC_FILE

    spec = tables.spec
    spec_bytes = resources.files("fgc_collect.spec").joinpath(AGGREGATE_SPEC_FILE).read_bytes()
    config = tables.config
    protection = tables.protection

    def name(file: str | None) -> str | None:
        return Path(file).name if file else None

    return {
        "tool": {"name": "fgc-collect", "version": __version__},
        "spec": {"collection": spec.collection_id, "year": spec.year, "level": spec.level,
                 "template_version": spec.template_version, "file": AGGREGATE_SPEC_FILE,
                 "sha256": hashlib.sha256(spec_bytes).hexdigest()},
        "settings": {"threshold": config.threshold, "round_to": config.round_to, "auxiliary": config.auxiliary,
                     "intervals": "ratio estimator, robust prediction variance, t distribution",
                     "min_interval_las": config.min_interval_las},
        "source": tables.inputs.source,
        "years": {year: {"time_period": time_period(held.spec), "template_version": held.spec.template_version,
                         "returns_used": len(held.inputs.used), "returns_not_used": len(held.inputs.excluded),
                         "audit_passed": held.protection.audit.passed}
                  for year, held in sorted(tables.series.items())},
        "returns_used": [
            {"la_code": r.la.code, "la_name": r.la.name, "sha256": r.sha256, "file": name(r.file)}
            for r in tables.inputs.used
        ],
        "returns_not_used": [
            {"la_code": e.la.code if e.la else None, "la_name": e.la.name if e.la else None,
             "sha256": e.sha256, "file": name(e.file), "reason": e.reason}
            for e in sorted(tables.inputs.excluded, key=lambda e: (e.la.code if e.la else "~", e.file or ""))
        ],
        "disclosure_control": {
            "suppressed_primary": len(protection.primary),
            "suppressed_secondary": len(protection.secondary),
            "audit_passed": protection.audit.passed,
            "narrowest_range": None if protection.audit.narrowest == float("inf") else protection.audit.narrowest,
        },
        "open_data": {file: hashlib.sha256(data).hexdigest() for file, data in sorted(files.items())},
    }


def publish(tables, out: str | Path = DEFAULT_OUT) -> list[Path]:
    """Write everything into out (files already there with the same names are replaced); the
    paths written. PublishError, and nothing written, if the EES checks fail."""
    import json
    import shutil
    import tempfile

    from fgc_collect.publish.ees import write_ees
    from fgc_collect.publish.report import write_summary
    from fgc_collect.publish.screener import check_publication as screen
    from fgc_collect.publish.workbook import write_workbook

    if not all(held.protection.audit.passed for held in (tables, *tables.series.values())):
        raise PublishError("the disclosure audit did not pass, so nothing was published.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fgc-publish-", dir=out))
    charts = None
    try:
        charts = _Charts(tables, staging / CHARTS_FOLDER)
        written = write_ees(tables, staging)
        problems = screen(staging)
        if problems:
            raise PublishError("the open data files fail the EES checks, so nothing was published:\n"
                               + "\n".join(problems))
        written.append(write_workbook(tables, staging / workbook_name(tables.spec.year)))
        written += charts.finish()
        written.append(write_summary(tables, staging / CHARTS_FOLDER, staging / SUMMARY_NAME))
        notes = staging / NOTES_NAME
        notes.write_text("".join(f"Note {n}: {note}\n" for n, note in enumerate(tables.notes, start=1)), encoding="utf-8")
        written.append(notes)
        open_data = {p.name: p.read_bytes() for p in written if p.suffix == ".csv"}
        record = staging / MANIFEST_NAME
        record.write_text(json.dumps(manifest(tables, open_data), indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(record)
        final = []
        for path in written:
            target = out / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), str(target))
            final.append(target)
        return final
    finally:
        if charts is not None:
            charts.stop()
        shutil.rmtree(staging, ignore_errors=True)


class _Charts:
    """The charts take a few seconds, so on a machine that can fork they are drawn in a child
    process while the open data and the workbook are written. The child gets plain lists
    (chart_data), never touches polars, and writes only into the staging folder; if it fails,
    the charts are drawn again here."""

    def __init__(self, tables, folder: Path):
        import multiprocessing
        import os
        import warnings

        from fgc_collect.publish.charts import chart_data, draw_charts

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.data = chart_data(tables)
        self.child = None
        if "fork" in multiprocessing.get_all_start_methods() and not os.environ.get("FGC_COLLECT_SERIAL"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork while threads run
                self.child = multiprocessing.get_context("fork").Process(target=draw_charts, args=(self.data, folder))
                self.child.start()

    def finish(self) -> list[Path]:
        from fgc_collect.publish.charts import CHARTS, draw_charts

        if self.child is not None:
            self.child.join()
        if self.child is None or self.child.exitcode != 0:
            draw_charts(self.data, self.folder)
        self.child = None
        return [self.folder / f"{name}.{suffix}" for name, _, _ in CHARTS for suffix in ("png", "svg")]

    def stop(self) -> None:
        """Stop a child still drawing (publishing failed part-way)."""
        if self.child is not None:
            self.child.terminate()
            self.child.join()
            self.child = None


def publish_demo(out: str | Path = DEFAULT_OUT, config=None) -> list[Path]:
    """The demo's published tables (the worked example committed in outputs/): the synthetic
    returns for all 153 LAs, those with errors seeded into them not used."""
    from fgc_collect.aggregate import build_tables
    from fgc_collect.publish.sources import demo_inputs

    return publish(build_tables(demo_inputs(), config), out)


__all__ = ["DEFAULT_OUT", "PublishError", "check_publication", "manifest", "publish", "publish_demo", "workbook_name"]
