"""Reading returns as councils send them."""

from fgc_collect.model import UnreadableReturn
from fgc_collect.read.aggregate import AggregateReturn, Location, read_return, read_workbook

__all__ = ["AggregateReturn", "Location", "UnreadableReturn", "read_return", "read_workbook"]
