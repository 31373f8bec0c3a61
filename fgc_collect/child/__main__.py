"""python -m fgc_collect.child: the child-level library alone from a shell (users run `fgc-collect
validate`, `template --level child` and `keygen`; `write` regenerates the committed suite).

    python -m fgc_collect.child validate PATH... [--la CODE] [--key-file K] [--format text|json]
    python -m fgc_collect.child keygen --key-file K
    python -m fgc_collect.child template [--la CODE] --out PATH
    python -m fgc_collect.child write          (regenerate validations/fgc_child_level.json)

Exit codes as `fgc-collect validate` (docs/cli-contract.md): 0 no errors, 1 errors, 2 unreadable
or a usage error, with one sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _validate(args) -> int:
    from fgc_collect import report
    from fgc_collect.child.pseudonymise import KeyFileError, load_key
    from fgc_collect.child.read import read_child_return
    from fgc_collect.model import ReturnResult, UnreadableReturn
    from fgc_collect.pipeline import validate_outcomes
    from fgc_collect.text import printable_json, printable_lines

    try:
        key = load_key(args.key_file) if args.key_file else None
    except KeyFileError as problem:
        print(f"fgc-collect: {problem}", file=sys.stderr)
        return 2
    outcomes = []
    for path in args.paths:
        try:
            outcomes.append((read_child_return(path, la=args.la, key=key, year=args.year), None))
        except UnreadableReturn as problem:
            outcomes.append((None, ReturnResult.unreadable_file(str(path), None, str(problem))))
    results = validate_outcomes(outcomes)  # each year's returns against that year's spec
    if args.format == "json":
        print(json.dumps(printable_json(report.results_json(results)), indent=2, ensure_ascii=False, default=str))
    else:
        print(printable_lines(report.results_text(results)))
    for result in results:
        if result.unreadable:
            print(printable_lines(f"fgc-collect: {result.issues[0].message}"), file=sys.stderr)
    return report.exit_code(results)


def _keygen(args) -> int:
    from fgc_collect.child.pseudonymise import KeyFileError, keygen

    try:
        path = keygen(args.key_file)
    except KeyFileError as problem:
        print(f"fgc-collect: {problem}", file=sys.stderr)
        return 2
    print(f"Wrote a new key to {path} (readable by you only). Keep it safe, and keep a copy: returns "
          "pseudonymised with another key cannot be linked to these.")
    return 0


def _template(args) -> int:
    from fgc_collect.child.template import child_file_name, write_child_template
    from fgc_collect.reference import find_la

    la = None
    if args.la:
        la = find_la(args.la)
        if la is None:
            print(f"fgc-collect: {args.la!r} is not the code of one of England's 153 local authorities.", file=sys.stderr)
            return 2
    out = Path(args.out) if args.out else Path(child_file_name(la))
    if out.is_dir():
        out = out / child_file_name(la)
    print(f"Wrote {write_child_template(out, la)}")
    return 0


def _write(args) -> int:
    from fgc_collect.child.distributions import write_suite

    for path in write_suite():
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fgc_collect.child")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate")
    validate.add_argument("paths", nargs="+", type=Path)
    validate.add_argument("--la")
    validate.add_argument("--key-file", type=Path)
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument("--year", help="the year of a CSV (default: the survey file's, else the latest)")
    validate.set_defaults(run=_validate)
    keygen = commands.add_parser("keygen")
    keygen.add_argument("--key-file", type=Path, required=True)
    keygen.set_defaults(run=_keygen)
    template = commands.add_parser("template")
    template.add_argument("--la")
    template.add_argument("--out")
    template.set_defaults(run=_template)
    write = commands.add_parser("write")
    write.set_defaults(run=_write)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
