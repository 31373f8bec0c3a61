"""Where things are in the child-level workbook: shared by its template and its reader.

The metadata sheet (very hidden, key in A, value in B) and its keys are the aggregate template's
(`fgc_collect.template.layout`), with level "child"."""

from fgc_collect.template import layout as _aggregate

# Shared with the aggregate template.
COVER_SHEET = _aggregate.COVER_SHEET
LISTS_SHEET = _aggregate.LISTS_SHEET
META_SHEET = _aggregate.META_SHEET
META_KEYS = _aggregate.META_KEYS

CHILDREN_SHEET = "Children"  # the rows: header of column ids in row 1, one row per child per referral
CODES_SHEET = "Codes"  # every code of every choice column, with its label
HEADER_ROW = 1
FIRST_DATA_ROW = 2
PREFILLED_ROWS = 20_000  # rows 2 to 20,001 carry the dropdowns and date validation

COVER_LA_LABEL = "Local authority code"  # column A of the cover; the code is in column B
COVER_LA_NAME_LABEL = "Local authority"
LA_CODE_COLUMN = "la_code"  # a CSV names its LA in this column (the same on every row)

HEADER_SEARCH_ROWS = 30  # the header row is looked for in the first rows of a sheet
