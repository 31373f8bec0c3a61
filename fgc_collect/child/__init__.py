"""Child-level returns (phase 2): one row per child per FGC referral, pseudonymised on arrival,
from which the aggregate return is derived so that the same validation and national tables apply.

    from fgc_collect.child import read_child_return, validate_batch, derive_aggregate
    ret = read_child_return("durham.csv", la="E06000047", key=load_key("fgc.key"))
    [result] = validate_batch([ret])                 # FGC301-311, FGC110 at rows, FGC1xx/2xx derived
    derived = derive_aggregate(ret)                  # an AggregateReturn, located_by "derived"

Data flows spec -> template -> read (pseudonymise) -> parse -> rules / derive -> validate ->
reconcile. Importing this package is cheap: polars, pandera and GX load in the functions that
need them (polars at the first read).
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "ChildReturn": "fgc_collect.child.read",
    "read_child_return": "fgc_collect.child.read",
    "is_child_file": "fgc_collect.child.read",
    "from_stored_bytes": "fgc_collect.child.read",
    "KeyFileError": "fgc_collect.child.pseudonymise",
    "keygen": "fgc_collect.child.pseudonymise",
    "load_key": "fgc_collect.child.pseudonymise",
    "key_id": "fgc_collect.child.pseudonymise",
    "validate_child": "fgc_collect.child.validate",
    "validate_batch": "fgc_collect.child.validate",
    "child_result": "fgc_collect.child.validate",
    "derive_aggregate": "fgc_collect.child.derive",
    "derived_values": "fgc_collect.child.derive",
    "reconcile": "fgc_collect.child.reconcile",
    "reconciliation_text": "fgc_collect.child.reconcile",
    "reconciliation_json": "fgc_collect.child.reconcile",
    "build_child_template": "fgc_collect.child.template",
    "write_child_template": "fgc_collect.child.template",
    "fill_child_template": "fgc_collect.child.template",
    "child_file_name": "fgc_collect.child.template",
    "demo_child_rows": "fgc_collect.child.demo",
    "write_demo_child_return": "fgc_collect.child.demo",
    "seed_row_mistakes": "fgc_collect.child.demo",
    "load_child_spec": "fgc_collect.child.spec",
    "table_schema": "fgc_collect.child.spec",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
