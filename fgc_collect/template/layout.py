"""Where things are in the generated workbook: shared by the template writer and the reader.

The reader finds input cells by their defined names (Q_<item id>); this layout is its fallback
when a council's program dropped the names (sheets copied into a new workbook), and the
reader's way to know a workbook is ours."""

META_SHEET = "_meta"  # very hidden: key in column A, value in column B
CHECKS_SHEET = "_checks"  # very hidden: the workbook's own checks (template/checks.py)
LISTS_SHEET = "_lists"  # hidden: one column per dropdown list
COVER_SHEET = "Cover"
DEFINITIONS_SHEET = "Definitions"

HEADER_ROW = 4  # the column headings of a section sheet; rows above are the title
ITEM_ID_COLUMN = 1  # A: the item id of the row's input cell
QUESTION_COLUMN = 2  # B
CATEGORY_COLUMN = 3  # C: the breakdown category or grid row
ANSWER_COLUMN = 4  # D: the input cell
CHECK_COLUMN = 5  # E: in-sheet checks
ITEM_ID_HEADER = "Item"
ANSWER_HEADER = "Your answer"

META_KEYS = ("collection", "level", "year", "template_version", "la_code", "la_name")

INPUT_NAME_PREFIX = "Q_"  # Q_<input cell id>: every input cell (the spec's convention)
TOTAL_NAME_PREFIX = "SUM_"  # SUM_<breakdown id>: the locked row under a breakdown that adds it up
