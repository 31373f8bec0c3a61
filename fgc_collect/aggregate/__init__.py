"""National tables from the used returns: the pure core of `fgc-collect aggregate`.

    from fgc_collect.aggregate import Inputs, LARecord, build_tables
    tables = build_tables(Inputs(used=(LARecord(la, values), ...)))
    tables.frame("fgc_funnel")            # a polars frame, as the EES CSV shows it
    tables.value("fgc_funnel", "families_referred")   # England's figure, as text

Records in, protected tables out (`fgc_collect.publish` writes them). The parts: `ledger` (every
count once, with the equations between them), `suppress` (primary and secondary suppression),
`audit` (the LP check of every suppressed count), `estimate` (non-response adjusted totals and their intervals),
`tables` (the tables themselves), `notes` (the coverage notes).
"""

from fgc_collect.aggregate.audit import AuditResult, CellRange, audit
from fgc_collect.aggregate.estimate import Estimate, Unit, ratio_estimates
from fgc_collect.aggregate.ledger import Ledger
from fgc_collect.aggregate.records import Excluded, Inputs, LARecord, records_from_values, values_as_read
from fgc_collect.aggregate.suppress import DEFAULT_THRESHOLD, Protection, ProtectionError, protect
from fgc_collect.aggregate.tables import SYMBOLS, Config, NationalTables, build_tables

__all__ = [
    "DEFAULT_THRESHOLD", "SYMBOLS", "AuditResult", "CellRange", "Config", "Estimate", "Excluded", "Inputs",
    "LARecord", "Ledger", "NationalTables", "Protection", "ProtectionError", "audit", "build_tables",
    "Unit", "protect", "ratio_estimates", "records_from_values", "values_as_read",
]
