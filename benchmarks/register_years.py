"""`fgc-collect status` on a register of ten collection years, for docs/benchmarks.md:

    .venv/bin/python benchmarks/register_years.py [--repeat 5]

Builds a synthetic SQLite register with the register's own migrations: 153 LAs x 10 years
(2023-24 to 2032-33) = 1,530 versions, each with its receipt and a warning, and a third of them
accepted through the hash-chained audit log (rows inserted with SQL: ingesting 1,530 workbooks would
take minutes and is not what is measured). Then times `status` (the latest year, text and JSON) and
`status --year 2023-24` as fresh processes, start-up included, the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import CLI, timed  # noqa: E402

YEARS = [f"{first}-{(first + 1) % 100:02d}" for first in range(2023, 2033)]


def build(store: Path) -> int:
    from fgc_collect.reference import local_authorities
    from fgc_collect.register import Register
    from fgc_collect.register import store as storage

    count = 0
    with Register.open(store) as register, register.db.write() as db:
        for year in YEARS:
            for number, la in enumerate(local_authorities()):
                sha = storage.sha256_bytes(f"{year} {la.code}".encode())
                db.execute("INSERT INTO blobs (sha256, size, stored_at) VALUES (?, 1, 'then')", (sha,))
                version_id = db.scalar(
                    "INSERT INTO versions (la_code, version_no, sha256, file_name, source, sender, received_at, ingested_at, "
                    "ingested_by, validation, errors, warnings, template_version, level, year) VALUES "
                    "(?, 1, ?, 'return.xlsx', 'inbox', ?, '2025-03-20T09:30:00+00:00', 'then', 'bench', 'warnings', 0, 1, "
                    "?, 'aggregate', ?) RETURNING id", (la.code, sha, f"lead@{la.code.lower()}.gov.uk", f"{year}.1", year))
                db.execute("INSERT INTO receipts (version_id, la_code, file_name, source, sender, sender_check, received_at, "
                           "ingested_at, ingested_by) VALUES (?, ?, 'return.xlsx', 'inbox', ?, 'unverified', "
                           "'2025-03-20T09:30:00+00:00', 'then', 'bench')", (version_id, la.code, f"lead@{la.code.lower()}.gov.uk"))
                db.execute("INSERT INTO issues (version_id, position, rule, severity, item, message) "
                           "VALUES (?, 0, 'FGC205', 'warning', 'B1', 'B1 changed')", (version_id,))
                if number % 3 == 0:
                    decision = db.scalar("INSERT INTO decisions (version_id, la_code, decision, note, decided_by, decided_at) "
                                         "VALUES (?, ?, 'accept', 'ok', 'bench', 'then') RETURNING id", (version_id, la.code))
                    register._chain(db, decision)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        versions = build(store)
        print(f"register of {len(YEARS)} years, {versions} versions")
        import subprocess

        check = subprocess.run([*CLI, "status", "--store", str(store)], capture_output=True, text=True)
        assert check.returncode == 0 and "Register:" in check.stdout, check.stderr
        print(check.stdout.splitlines()[1])
        for label, args in (("status (latest year)", []), ("status --format json", ["--format", "json"]),
                            ("status --year 2023-24", ["--year", "2023-24"])):
            wall, cpu = timed([*CLI, "status", "--store", str(store), *args], repeat)
            print(f"{label:<26} {wall:6.2f} s wall, {cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
