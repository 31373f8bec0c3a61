"""Benchmark for docs/benchmarks.md: what checking the register's stored files against their
SHA-256 fingerprints adds to publishing from it (`aggregate --store`; target: under 1 s for 153
returns).

    .venv/bin/python benchmarks/fingerprints.py [--store DIR] [--repeat 5]

Without --store it runs `fgc-collect demo` into a temporary folder first and uses its register
(every LA's return ingested, those without errors accepted). In one warm process it times:
- `Register.verify()`: every stored file read and hashed, and the audit log's hash chain (what
  `aggregate --store` does before anything else);
- the check made on each read: hashing the accepted returns' bytes again as they are read;
- publishing from the register end to end (read, tables, suppression and its audit, every output),
  with the checks and with them switched off, for scale.
Each figure is the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextmanager
def checks_off():
    """The register as it was before: reads not checked, no verify."""
    from fgc_collect.register import core, store

    saved = store._Blobs.read, core.Register.verify
    store._Blobs.read = lambda self, db, sha256: self.read_unchecked(db, sha256)
    core.Register.verify = lambda self: []
    try:
        yield
    finally:
        store._Blobs.read, core.Register.verify = saved


def measure(store: Path, repeat: int) -> None:
    from fgc_collect.aggregate import build_tables
    from fgc_collect.publish import publish
    from fgc_collect.publish.sources import inputs_from_store
    from fgc_collect.register import Register
    from fgc_collect.register.store import sha256_bytes

    with Register.open(store, create=False) as register:
        files = register.stored_files()
        size = sum(row["size"] for row in register.db.query("SELECT size FROM blobs"))
        accepted = register.accepted_versions()
        blobs = [register.blobs.read_unchecked(register.db, version.sha256) for version in accepted.values()]
        verify = median_seconds(register.verify, repeat)
        on_read = median_seconds(lambda: [sha256_bytes(data) for data in blobs], repeat)

    def publish_once() -> None:
        with tempfile.TemporaryDirectory() as out:
            publish(build_tables(inputs_from_store(str(store))), Path(out))

    publish_once()  # warm: imports, caches
    checked = median_seconds(publish_once, repeat)
    with checks_off():
        unchecked = median_seconds(publish_once, repeat)

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {repeat} runs; register: "
          f"{files} stored files ({size / 1e6:.1f} MB), {len(accepted)} accepted returns")
    print("| step | seconds |\n|---|---|")
    print(f"| verify(): every stored file hashed, and the audit log's chain | {verify:.3f} |")
    print(f"| the check on reading the {len(accepted)} accepted returns | {on_read:.3f} |")
    print(f"| added by the checks (the two above) | {verify + on_read:.3f} |")
    print(f"| publishing from the register, checks on | {checked:.2f} |")
    print(f"| publishing from the register, checks off | {unchecked:.2f} |")
    print(f"\nadded by the checks: {verify + on_read:.3f} s (target under 1 s); end to end difference "
          f"{checked - unchecked:+.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, help="a register to measure (default: the demo's, made first)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if args.store is not None:
        measure(args.store, args.repeat)
        return
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "demo"
        subprocess.run([sys.executable, "-m", "fgc_collect.cli", "demo", "--out", str(out)], stdout=subprocess.DEVNULL, check=True)
        measure(out / "store", args.repeat)


if __name__ == "__main__":
    main()
