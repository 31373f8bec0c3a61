"""`ingest` in a process of its own, for the crash and concurrency tests:

    python -m tests.register.ingest_driver STORE PATH...

The real unpacking, reading, identifying and storing, with a stand-in for validation (the slow
part, and not what these tests are about) that is still checkable: every return gets one FGC003
warning, and a return with earlier versions held gets FGC204 saying how many it was compared
with. It prints VALIDATED when a round has been validated: storing starts right after.

With FGC_TEST_BARRIER=DIR, the processes sharing DIR wait for each other after their first
validation, so that their storing overlaps for certain (the concurrency test)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from fgc_collect.model import Issue, ReturnResult
from fgc_collect.register import Register, format_ingest, ingest_paths


def stand_in_validator(returns, held=(), **options):
    results = []
    for ret in returns:
        code = ret.values().get("A2")
        earlier = [other for other in held if other.values().get("A2") == code]
        issues = [Issue("FGC003", "warning", f"stand-in for {ret.file}", "B1", "B Referrals", "D6", 1)]
        if earlier:
            issues.append(Issue("FGC204", "warning", f"compared with {len(earlier)} earlier versions"))
        results.append(ReturnResult(file=ret.file, sha256=ret.sha256, issues=issues, la_code=code))
    print("VALIDATED", flush=True)
    _wait_for_the_others()
    return results


def _wait_for_the_others(parties: int = 2, timeout: float = 120) -> None:
    barrier = os.environ.pop("FGC_TEST_BARRIER", None)  # once: the first round only
    if not barrier:
        return
    (Path(barrier) / str(os.getpid())).touch()
    deadline = time.monotonic() + timeout
    while len(list(Path(barrier).iterdir())) < parties and time.monotonic() < deadline:
        time.sleep(0.01)


def main(argv: list[str]) -> int:
    store, *paths = argv
    with Register.open(store) as register:
        report = ingest_paths(register, paths, validator=stand_in_validator, peers=False, by="driver")
    print(format_ingest(report), flush=True)
    print("DONE", flush=True)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
