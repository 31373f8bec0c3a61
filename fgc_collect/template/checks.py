"""The workbook checks itself: every error a return alone can show, shown in the row of the item, in
the words `validate` gives.

Which rules, and how, comes from the rule registry: an entry's `workbook` names the writer of this
module that puts the rule's formulas on the sheet (write_cells: FGC001-FGC004, FGC008, FGC009 and
FGC011 in one formula per input cell; write_breakdowns: FGC101, FGC103; write_comparisons: FGC104,
FGC105, FGC113; write_no_service: FGC106). A rule a survey file adds that compares counts needs no
entry: it is compared like FGC105 when it is an error. `write_checks` runs the writers the spec's
rules name, each once, in the order of WRITERS, and each writes only the spec's rules: a rule a
year drops takes its formulas with it (`workbook_rules`).

The words are the message templates of `fgc_collect.validate.messages`, filled with Excel
expressions instead of a return's values. The work is done on the very hidden sheet `_checks`:
one row per row of a section sheet that can hold a problem (an input cell, or a breakdown's total),
in the order of the sheets, holding what the reader would make of the cell (blank, a number, text,
an error...), its usable value, and the messages; each section sheet's Check column shows its row's
text, and the cover counts the problems (FGC_CHECKS). Only functions of Excel 2007 (and
LibreOffice): no macro, no dynamic array, no LET.

Its first columns never hold a bare item id (when the defined names are lost, the reader finds
answers by the ids in a sheet's first columns): rows are labelled by their defined names (Q_B1,
SUM_B3), and the cell a message names ("D9", which reads like an item id) sits further right.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fgc_collect.spec import InputCell, Item, Spec

from . import layout

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# The registry names this module's writers, and fgc_collect.validate imports the registry: the
# validate modules (and openpyxl, which the registry's readers need not load) are imported inside
# the functions that use them.

CHECK_OK = "OK"  # a count whose comparisons hold
CHECK_ADDS_UP = "Adds up"  # a breakdown that adds up to its total
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
LITERAL_LIMIT = 255  # characters of one text constant in an Excel formula

# What the reader makes of a cell (fgc_collect.read.cells.classify): the status column's values.
BLANK, NUMBER, TEXT, DATE, BOOL, ERROR = "blank", "number", "text", "date", "bool", "error"


# --------------------------------------------------------------------------- text as Excel formulas


class Expr(str):
    """An Excel expression (a formula without its '='), as opposed to literal text."""


def literal(text: str) -> str:
    """Text as an Excel constant ("" doubled), split where Excel's 255-character limit needs it."""
    chunks = [text[i:i + LITERAL_LIMIT] for i in range(0, len(text), LITERAL_LIMIT)] or [""]
    return "&".join('"' + chunk.replace('"', '""') + '"' for chunk in chunks)


# While the _checks sheet is written, text of a message goes into a cell of its own (once, however
# many formulas use it) and formulas refer to that cell: the sheet stays small and quick to save.
_WORDS: ContextVar[Callable[[str], str] | None] = ContextVar("words", default=None)
WORD_MIN = 12  # shorter text stays in the formula


def concat(*parts: str) -> Expr:
    """Literal text and expressions joined with &, adjacent literals merged (or, while the words are
    kept in cells, each literal a reference to its cell)."""
    store = _WORDS.get()
    if store is not None:
        kept = [part for part in parts if part != "" or isinstance(part, Expr)]
        if not kept:
            return Expr('""')
        return Expr("&".join(
            part if isinstance(part, Expr) else store(part) if len(part) >= WORD_MIN else literal(part) for part in kept
        ))
    merged: list[str] = []
    for part in parts:
        if not isinstance(part, Expr) and merged and not isinstance(merged[-1], Expr):
            merged[-1] = merged[-1] + part
        elif part != "" or isinstance(part, Expr):
            merged.append(part)
    if not merged:
        return Expr('""')
    return Expr("&".join(part if isinstance(part, Expr) else literal(part) for part in merged))


def fill(template: str, **fields: str) -> Expr:
    """A message template with each field literal text or an Expr: the formula of the message."""
    parts: list[str] = []
    for text, name, spec, conversion in string.Formatter().parse(template):
        parts.append(text)
        if name is not None:
            if spec or conversion:
                raise ValueError(f"the workbook cannot format {{{name}}} in {template!r}")
            parts.append(fields[name])
    return concat(*parts)


def number_text(ref: str) -> Expr:
    """A figure as `fgc_collect.validate.common.fmt` writes it: 1,234 or 2.5 (2 decimals at most)."""
    two = f'TEXT({ref},"#,##0.00")'
    return Expr(
        f'IF({ref}=INT({ref}),TEXT({ref},"#,##0"),IF(RIGHT({two},3)=".00",TEXT({ref},"#,##0"),'
        f'IF(RIGHT({two},1)="0",TEXT({ref},"#,##0.0"),{two})))'
    )


def quoted_text(ref: str) -> Expr:
    """A value as `fgc_collect.validate.common.quoted` writes it: spaces tidied, at most 40 characters."""
    trimmed = f"TRIM({ref})"
    return Expr(f"\"'\"&IF(LEN({trimmed})>40,TRIM(LEFT({trimmed},39))&\"…\",{trimmed})&\"'\"")


def _either(conditions: list[str]) -> str:
    return conditions[0] if len(conditions) == 1 else f"OR({','.join(conditions)})"


# --------------------------------------------------------------------------- the _checks sheet


@dataclass(frozen=True)
class CheckRow:
    """A row of a section sheet that can show a problem: an input cell or a breakdown's total."""

    sheet: str
    target: str  # the answer cell (or the total cell) on the section sheet, e.g. "D6"
    item: Item
    cell: InputCell | None  # None: the total row of a breakdown

    def ref(self) -> str:
        """The target as an absolute reference from another sheet: 'B Referrals'!$D$6."""
        from openpyxl.utils import quote_sheetname

        return f"{quote_sheetname(self.sheet)}!${self.target[0]}${self.target[1:]}"


# Columns of the _checks sheet.
NAME, STATUS, CLEANED, NUMBER_COL, USABLE, INVALID = "ABCDEF"
MESSAGES = "H"  # and the columns after it, one message a column
ADDRESS = "W"  # the cell as the message names it ("D6"): beyond the columns the reader searches for item ids
FIGURE, QUOTED = "R", "S"  # the number as a council writes it (1,234), the cell's value quoted ('<5')
WORDS = "X"  # the text of the messages, one piece a cell
FIRST_ROW = 2
RESULTS_COLUMN, BREAKDOWN_COLUMN, NO_SERVICE_COLUMN = 12, 16, 20  # each block's first column (L, P, T)


@dataclass
class Checks:
    """What the workbook's checks give the other sheets (references into the _checks sheet)."""

    shown: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, target) -> its Check text
    count: str = "0"  # the formula counting every problem (FGC_CHECKS)
    per_sheet: dict[str, tuple[str, str]] = field(default_factory=dict)  # sheet -> (count, first row)


class _Builder:
    def __init__(self, ws: Worksheet, spec: Spec, rows: list[CheckRow]):
        self.ws, self.spec, self.rows = ws, spec, rows
        self.row_of: dict[str, int] = {}  # input cell id, or breakdown id (its total) -> _checks row
        for number, row in enumerate(rows, start=FIRST_ROW):
            self.row_of[row.cell.id if row.cell is not None else row.item.id] = number
        self.last = FIRST_ROW + len(rows) - 1
        self.messages: dict[int, list[str]] = {number: [] for number in self.row_of.values()}
        self.rules = workbook_rules(spec)  # the spec's rules the workbook checks -> their writers
        self.positive: dict[int, str] = {}
        self.words: dict[str, str] = {}  # text -> the cell holding it
        ws[f"{WORDS}1"] = "words"

    def word(self, text: str) -> str:
        if text not in self.words:
            cell = self.ws[f"{WORDS}{FIRST_ROW + len(self.words)}"]
            cell.value = text
            cell.data_type = "s"  # text, whatever it looks like
            self.words[text] = f"${WORDS}${cell.row}"
        return self.words[text]

    # references into the _checks sheet (absolute, from another sheet)
    def ref(self, column: str, key: str) -> str:
        from openpyxl.utils import quote_sheetname

        return f"{quote_sheetname(self.ws.title)}!${column}${self.row_of[key]}"

    def span(self, column: str, first: int, last: int) -> str:
        from openpyxl.utils import quote_sheetname

        return f"{quote_sheetname(self.ws.title)}!${column}${first}:${column}${last}"

    def put(self, column: str, row: int, formula: str) -> None:
        self.ws[f"{column}{row}"] = "=" + formula

    # ------------------------------------------------------------------ per cell
    def write_columns(self) -> None:
        """What the reader would make of each cell: the columns every check reads."""
        ws = self.ws
        for column, title in zip(
            (NAME, STATUS, CLEANED, NUMBER_COL, USABLE, INVALID, ADDRESS, MESSAGES, FIGURE, QUOTED),
            ("name", "status", "text", "number", "usable", "invalid", "cell", "messages", "figure", "quoted"),
        ):
            ws[f"{column}1"] = title
        for number, row in enumerate(self.rows, start=FIRST_ROW):
            x = row.ref()
            ws[f"{NAME}{number}"] = (layout.INPUT_NAME_PREFIX + row.cell.id if row.cell is not None
                                     else layout.TOTAL_NAME_PREFIX + row.item.id)
            self.put(ADDRESS, number, f"ADDRESS(ROW({x}),COLUMN({x}),4)")
            if row.cell is None:
                continue
            kind = row.cell.kind
            status, cleaned, num, usable, invalid = f"$B{number}", f"$C{number}", f"$D{number}", f"$E{number}", f"$F{number}"
            if kind in ("count", "decimal"):
                self.put(STATUS, number, (
                    f'IF(ISERROR({x}),"{ERROR}",IF(ISLOGICAL({x}),"{BOOL}",IF(ISNUMBER({x}),'
                    f'IF(LEFT(CELL("format",{x}),1)="D","{DATE}","{NUMBER}"),IF(LEN(TRIM({x}))=0,"{BLANK}","{TEXT}"))))'
                ))
                self.put(CLEANED, number, (
                    f'IF({status}="{TEXT}",LOWER(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({x}),",","")," ",""),CHAR(160),"")),"")'
                ))
                self.put(NUMBER_COL, number, f'IF({status}="{NUMBER}",{x},IF({_number_text(cleaned)},VALUE({cleaned}),""))')
                self.put(FIGURE, number, f'IF(ISNUMBER({num}),{number_text(num)},"")')
                if kind == "count":
                    self.put(USABLE, number, f'IF(ISNUMBER({num}),IF(AND({num}>=0,{num}=INT({num})),{num},""),"")')
                else:
                    low, high = _range(row.item)
                    self.put(USABLE, number, f'IF(ISNUMBER({num}),IF(AND({num}>={low},{num}<={high}),{num},""),"")')
                self.put(INVALID, number, f'IF(AND({status}<>"{BLANK}",{usable}=""),1,0)')
            else:
                self.put(STATUS, number, f'IF(ISERROR({x}),"{ERROR}",IF(LEN(TRIM({x}))=0,"{BLANK}","{TEXT}"))')
                if kind == "choice":
                    self.put(USABLE, number, _choice_code(status, x, row.cell))
                    self.put(INVALID, number, f'IF(AND({status}<>"{BLANK}",{usable}=""),1,0)')
                else:
                    self.put(INVALID, number, f'IF({status}="{ERROR}",1,0)')
            if kind != "longtext":
                self.put(QUOTED, number, f'IF({status}="{TEXT}",{quoted_text(x)},"")')

    def write_cells(self) -> None:
        """FGC001-FGC004, FGC008, FGC009, FGC011 (those the spec has): one formula at each input cell."""
        for number, row in enumerate(self.rows, start=FIRST_ROW):
            if row.cell is not None:
                self.messages[number].append(self.cell_message(row, number, row.ref()))

    def required(self, item: Item) -> str | None:
        if item.required:
            return "TRUE"
        if item.required_if is not None and item.required_if.item in self.row_of:
            return f'{self.ref(USABLE, item.required_if.item)}="{item.required_if.value}"'
        return None

    def cell_message(self, row: CheckRow, number: int, x: str) -> str:
        """The formula of the message at one input cell: each of its rules the spec does not have
        gives "" instead."""
        from fgc_collect.validate import messages
        from fgc_collect.validate.common import join_words, named

        cell, item = row.cell, row.item
        has = self.rules.__contains__  # a rule the workbook checks in this spec
        status, cleaned, num, usable = f"$B{number}", f"$C{number}", f"$D{number}", f"$E{number}"
        what, at = named(cell.id, self.spec), concat(" in ", Expr(f"${ADDRESS}{number}"))
        error_name = f'IFERROR(CHOOSE(ERROR.TYPE({x}),{",".join(literal(e) for e in EXCEL_ERRORS)}),"#VALUE!")'
        fgc011 = fill(messages.FGC011, what=what, at=at, raw=Expr(error_name)) if has("FGC011") else '""'
        required = self.required(item)
        fgc004 = '""'
        if required is not None and has("FGC004"):
            condition = str(item.required_if) if item.required_if is not None and not item.required else None
            fgc004 = f'IF({required},{fill(messages.FGC004, what=what, at=at, because=messages.fgc004_because(condition, self.spec), advice=messages.fgc004_advice(cell.id, self.spec))},"")'
        kind = cell.kind
        figure_text = Expr(f"${FIGURE}{number}")
        if kind in ("count", "decimal"):
            raw = Expr(f"${QUOTED}{number}")
            fgc001 = has("FGC001")
            date = f'IF({x}=INT({x}),TEXT({x},"yyyy-mm-dd"),TEXT({x},"yyyy-mm-dd")&"T"&TEXT({x},"hh:mm:ss"))'
            fgc001_date = fill(messages.FGC001_DATE, what=what, at=at, raw=Expr(date)) if fgc001 else '""'
            fgc001_bool = fill(messages.FGC001_BOOL, what=what, at=at, raw=Expr(f'IF({x},"TRUE","FALSE")')) if fgc001 else '""'
            fgc003 = fill(messages.FGC003, what=what, at=at, raw=raw, number=figure_text) if has("FGC003") else '""'
            if kind == "count":
                fgc002 = fill(messages.FGC002, what=what, at=at, raw=raw) if has("FGC002") else '""'
                fgc001_text = fill(messages.FGC001_TEXT, what=what, at=at, raw=raw) if fgc001 else '""'
                not_a_number = f'IF({_suppressed(cleaned)},{fgc002},{fgc001_text})'
                negative = fill(messages.FGC001_NUMBER, what=what, at=at, number=figure_text, problem=messages.FGC001_NEGATIVE) if fgc001 else '""'
                fraction = fill(messages.FGC001_NUMBER, what=what, at=at, number=figure_text, problem=messages.FGC001_FRACTION) if fgc001 else '""'
                figure = f'IF({num}<0,{negative},IF({num}<>INT({num}),{fraction},IF({status}="{TEXT}",{fgc003},"")))'
            else:
                low, high = _range(item)
                words = dict(what=what, at=at, low=messages.fmt(low), high=messages.fmt(high))
                not_a_number = fill(messages.FGC001_DECIMAL_TEXT, raw=raw, **words) if fgc001 else '""'
                out_of_range = fill(messages.FGC001_DECIMAL_RANGE, number=figure_text, **words) if fgc001 else '""'
                figure = f'IF({usable}="",{out_of_range},IF({status}="{TEXT}",{fgc003},""))'
            return (f'IF({status}="{ERROR}",{fgc011},IF({status}="{BLANK}",{fgc004},IF({status}="{BOOL}",{fgc001_bool},'
                    f'IF({status}="{DATE}",{fgc001_date},IF(NOT(ISNUMBER({num})),{not_a_number},{figure})))))')
        other = '""'
        if kind == "choice" and has("FGC008"):
            options = join_words([choice.label for choice in cell.choices], "or")
            other = f'IF({usable}="",{fill(messages.FGC008, what=what, at=at, raw=Expr(f"${QUOTED}{number}"), options=options)},"")'
        elif kind == "longtext" and item.max_chars and has("FGC009"):
            length = f"LEN({x})"
            over = f"({length}-{item.max_chars})"
            fgc009 = fill(messages.FGC009, what=what, at=at, length=number_text(length), max_chars=messages.fmt(item.max_chars),
                          over=number_text(over), s=Expr(f'IF({over}>1,"s","")'))
            other = f'IF({length}>{item.max_chars},{fgc009},"")'
        return f'IF({status}="{ERROR}",{fgc011},IF({status}="{BLANK}",{fgc004},{other}))'

    # ------------------------------------------------------------------ per return
    def usable(self, key: str) -> str:
        return self.ref(USABLE, key)

    def figure(self, key: str) -> Expr:
        """The figure of a count as a council writes it (when it is a number)."""
        return Expr(self.ref(FIGURE, key))

    def write_breakdowns(self) -> None:
        """FGC101 at each breakdown's total row, FGC103 at its first blank category (those the spec has)."""
        from openpyxl.utils import get_column_letter

        from fgc_collect.validate import messages
        from fgc_collect.validate.common import named

        piece_col, joined_col = get_column_letter(BREAKDOWN_COLUMN), get_column_letter(BREAKDOWN_COLUMN + 1)
        if "FGC103" in self.rules:
            self.ws[f"{piece_col}1"], self.ws[f"{joined_col}1"] = "blank category", "blank categories from here"
        for item in self.spec.breakdowns:
            if item.id not in self.row_of or item.total not in self.row_of:
                continue
            first, last = self.row_of[item.cells[0].id], self.row_of[item.cells[-1].id]
            n = len(item.cells)
            usable, statuses, invalid = (self.span(c, first, last) for c in (USABLE, STATUS, INVALID))
            total, total_row = self.usable(item.total), self.row_of[item.id]
            if "FGC101" in self.rules:
                complete = f"AND(COUNT({usable})={n},ISNUMBER({total}))"
                added = f"SUM({usable})"
                fgc101 = fill(
                    messages.FGC101, what=named(item.id, self.spec), added=number_text(added), at=concat(" in ", Expr(f"${ADDRESS}{total_row}")),
                    total_what=named(item.total, self.spec), total=self.figure(item.total), gap=number_text(f"ABS({total}-{added})"),
                    direction=Expr(f'IF({total}>{added},{literal(messages.FGC101_SHORT)},{literal(messages.FGC101_OVER)})'),
                    total_item=item.total,
                )
                self.messages[total_row].append(f'IF(AND({complete},{added}<>{total}),{fgc101},"")')
                self.positive[total_row] = f'IF(AND({complete},{added}={total}),"{CHECK_ADDS_UP}","")'
            if "FGC103" not in self.rules:
                continue
            blanks = f'COUNTIF({statuses},"{BLANK}")'
            partly = f"AND(SUM({invalid})=0,COUNT({usable})>0,COUNT({usable})<{n})"
            fgc103 = fill(messages.FGC103, what=named(item.id, self.spec), blanks=Expr(f"${joined_col}${first}"),
                          verb=Expr(f'IF({blanks}=1,"is","are")'))
            for row in range(first, last + 1):
                label = item.cells[row - first].category.label
                piece = fill(messages.FGC103_BLANK, label=label, cell=Expr(f"${ADDRESS}{row}"))
                self.put(piece_col, row, f'IF($B{row}="{BLANK}",{piece},"")')
                if row == last:
                    self.put(joined_col, row, f"${piece_col}{row}")
                else:
                    after = f'COUNTIF($B{row + 1}:$B{last},"{BLANK}")'
                    self.put(joined_col, row, (
                        f'IF(${piece_col}{row}="",${joined_col}{row + 1},${piece_col}{row}&IF({after}=0,"",'
                        f'IF({after}=1," and ",", "))&${joined_col}{row + 1})'
                    ))
                first_blank = f'$B{row}="{BLANK}"' if row == first else f'AND($B{row}="{BLANK}",COUNTIF($B{first}:$B{row - 1},"{BLANK}")=0)'
                self.messages[row].append(f'IF(AND({partly},{first_blank}),{fgc103},"")')

    def write_comparisons(self) -> None:
        """Every error between counts of one return the workbook checks (FGC104, FGC105, FGC113, and
        any a survey file adds) at the first count of the left side."""
        from fgc_collect.validate import messages

        oks: dict[int, list[str]] = {}
        for code, writer in self.rules.items():
            if writer is not write_comparisons:
                continue
            for comparison in self.spec.comparisons(code):
                terms = comparison.left + comparison.right
                if not all(term in self.row_of for term in terms):
                    continue
                row = self.row_of[comparison.left[0]]
                filled = f"AND({','.join(f'ISNUMBER({self.usable(t)})' for t in terms)})"
                left = "+".join(self.usable(t) for t in comparison.left)
                right = "+".join(self.usable(t) for t in comparison.right)
                words = fill(
                    messages.COMPARISON, left=self.side(comparison.left), at=concat(" in ", Expr(f"${ADDRESS}{row}")),
                    right=self.side(comparison.right), left_ids="+".join(comparison.left),
                    should=messages.COMPARISON_SHOULD[comparison.op], right_ids="+".join(comparison.right),
                    advice=messages.comparison_advice(code, self.spec.rule(code).severity),
                )
                self.messages[row].append(f'IF({filled},IF(({left}){comparison.op}({right}),"",{words}),"")')
                oks.setdefault(row, []).append(filled)
        for row, filled in oks.items():
            self.positive[row] = f'IF(AND({",".join(filled)}),"{CHECK_OK}","")'

    def side(self, terms: tuple[str, ...]) -> Expr:
        from fgc_collect.validate import messages
        from fgc_collect.validate.common import named, short_label

        if len(terms) == 1:
            return fill(messages.COMPARISON_TERM, what=named(terms[0], self.spec), number=self.figure(terms[0]))
        parts = []
        for index, term in enumerate(terms):
            parts += [" + "] if index else []
            parts.append(fill(messages.COMPARISON_PART, item=term, label=short_label(term, self.spec), number=self.figure(term)))
        total = "+".join(self.usable(term) for term in terms)
        return fill(messages.COMPARISON_TERMS_TOTAL, terms=concat(*parts), total=number_text(f"({total})"))

    def write_no_service(self) -> None:
        """FGC106 at A5: the first counts above 0 (main counts first, as validate lists them)."""
        from openpyxl.utils import get_column_letter

        from fgc_collect.validate import messages
        from fgc_collect.validate.common import named

        condition = messages.fgc106_condition(self.spec)
        if condition.item not in self.row_of:
            return
        counts = [c for c in self.spec.input_cells if c.kind == "count" and c.id in self.row_of]
        counts.sort(key=lambda c: c.item.is_breakdown)  # stable: spec order within each group
        above, running, piece = (get_column_letter(NO_SERVICE_COLUMN + i) for i in range(3))
        for column, title in ((above, "count above 0"), (running, "how many so far"), (piece, "as listed")):
            self.ws[f"{column}1"] = title
        for index, cell in enumerate(counts, start=FIRST_ROW):
            value = self.usable(cell.id)
            self.put(above, index, f"IF(ISNUMBER({value}),IF({value}>0,1,0),0)")
            self.put(running, index, f"${above}{index}" if index == FIRST_ROW else f"${running}{index - 1}+${above}{index}")
            self.put(piece, index, f'IF(${above}{index}=1,{concat(cell.id + " (", self.figure(cell.id), ")")},"")')
        last = FIRST_ROW + len(counts) - 1
        how_many = f"${running}${last}"
        pieces = self.span(piece, FIRST_ROW, last).split("!")[1]
        runs = self.span(running, FIRST_ROW, last).split("!")[1]
        shown = [f"INDEX({pieces},MATCH({k},{runs},0))" for k in range(1, messages.FGC106_SHOWN + 1)]
        listed = concat(Expr(shown[0]), *[Expr(f'IF({how_many}>={k + 1},", "&{s},"")') for k, s in enumerate(shown[1:], start=1)])
        more = Expr(f'IF({how_many}>{messages.FGC106_SHOWN},{fill(messages.FGC106_MORE, more=number_text(f"({how_many}-{messages.FGC106_SHOWN})"))},"")')
        row = self.row_of[condition.item]
        words = fill(
            messages.FGC106, what=named(condition.item, self.spec), at=concat(" in ", Expr(f"${ADDRESS}{row}")),
            answer=messages.answer_label(condition.item, condition.value, self.spec), shown=listed, more=more,
            verb=Expr(f'IF({how_many}=1,"is","are")'), item=condition.item,
            other=messages.other_answer_label(condition.item, condition.value, self.spec),
        )
        self.messages[row].append(f'IF(AND($E{row}="{condition.value}",{how_many}>0),{words},"")')

    # ------------------------------------------------------------------ what the sheets see
    def write_results(self) -> Checks:
        from openpyxl.utils import get_column_letter, quote_sheetname

        first_column = RESULTS_COLUMN
        width = max(len(found) for found in self.messages.values())
        if column_index(MESSAGES) + width > first_column:
            raise ValueError(f"a row of the _checks sheet has {width} checks: too many for its columns")
        message_columns = [get_column_letter(column_index(MESSAGES) + i) for i in range(width)]
        problems, first_row, shown = (get_column_letter(first_column + i) for i in range(3))
        for column, title in ((problems, "problems"), (first_row, "row of a problem"), (shown, "shown in Check")):
            self.ws[f"{column}1"] = title
        checks = Checks()
        for number, row in enumerate(self.rows, start=FIRST_ROW):
            found = self.messages[number]
            for column, formula in zip(message_columns, found):
                self.put(column, number, formula)
            cells = [f"${column}{number}" for column in message_columns[: len(found)]]
            self.put(problems, number, "0" + "".join(f'+({c}<>"")' for c in cells))  # 0+ makes TRUE a 1
            self.put(first_row, number, f'IF(${problems}{number}>0,ROW({row.ref()}),"")')
            joined = cells[0] if cells else '""'
            for c in cells[1:]:
                joined = f'{joined}&IF(AND({joined}<>"",{c}<>""),CHAR(10),"")&{c}'
            positive = self.positive.get(number, '""')
            self.put(shown, number, f"IF(${problems}{number}>0,{joined},{positive})")
            checks.shown[(row.sheet, row.target)] = f"{quote_sheetname(self.ws.title)}!${shown}${number}"
        checks.count = f"SUM({self.span(problems, FIRST_ROW, self.last)})"
        for sheet in dict.fromkeys(row.sheet for row in self.rows):
            numbers = [n for n, row in enumerate(self.rows, start=FIRST_ROW) if row.sheet == sheet]
            checks.per_sheet[sheet] = (
                f"SUM({self.span(problems, numbers[0], numbers[-1])})",
                f"MIN({self.span(first_row, numbers[0], numbers[-1])})",
            )
        return checks


def column_index(letter: str) -> int:
    return ord(letter) - ord("A") + 1


def _range(item: Item) -> tuple[float, float]:
    return (0 if item.minimum is None else item.minimum), item.maximum


def _digits_removed(text: str) -> str:
    for digit in "0123456789":
        text = f'SUBSTITUTE({text},"{digit}","")'
    return text


def _number_text(cleaned: str) -> str:
    """A figure typed as text (after spaces and separators are taken out): a sign, digits, at most one
    decimal point between digits, as fgc_collect.read.cells reads it."""
    body = f'MID({cleaned},1+OR(LEFT({cleaned},1)="+",LEFT({cleaned},1)="-"),255)'
    one_point_out = _digits_removed(f'SUBSTITUTE({body},".","",1)')
    return f'AND(LEN({body})>0,LEFT({body},1)<>".",RIGHT({body},1)<>".",{one_point_out}="")'


def _suppressed(cleaned: str) -> str:
    """A suppression marker or a range instead of a figure ('<5', 'c', '1-4', 'approx 40', '40+'), as
    fgc_collect.read.cells recognises them, on the text in lower case without spaces or commas (the
    digits of a range or of '40+' are checked as a number, close enough to tell a marker from words)."""
    c = cleaned
    ranged = f'SUBSTITUTE(SUBSTITUTE({c},"–","-"),"to","-")'
    return _either([
        _either([f'LEFT({c},1)="{mark}"' for mark in ("<", ">", "≤", "≥", "~")]),
        _either([f'{c}="{mark}"' for mark in ("c", "*", "x", "u", "na", "n/a", "-", "–", "suppressed", "redacted")]),
        f'AND(LEN({ranged})-LEN(SUBSTITUTE({ranged},"-",""))=1,LEFT({ranged},1)<>"-",RIGHT({ranged},1)<>"-",'
        f'ISNUMBER(-SUBSTITUTE({ranged},"-","")))',
        _either([f'LEFT({c},{len(word)})="{word}"' for word in ("approx", "about", "around", "circa", "fewerthan", "lessthan")]),
        f'AND(OR(LEFT({c},2)="ca",LEFT({c},2)="c."),ISNUMBER(-MID({c},3,1)))',
        f'IF(LEN({c})>1,AND(RIGHT({c},1)="+",ISNUMBER(-LEFT({c},LEN({c})-1))),FALSE)',  # AND would not spare LEFT(c,-1)
    ])


def _choice_code(status: str, x: str, cell: InputCell) -> str:
    """The code of the answer given (its code or its label, case and spaces ignored), else ""."""
    answer = f"UPPER(TRIM({x}))"
    formula = '""'
    for choice in reversed(cell.choices):
        words = {choice.code.upper(), " ".join(choice.label.split()).upper()}
        formula = f'IF({_either([f"{answer}={literal(w)}" for w in sorted(words)])},{literal(choice.code)},{formula})'
    return f'IF({status}="{TEXT}",{formula},"")'


# The writers a registry entry names (registry.Rule.workbook: the rules each writes), in the order
# write_checks runs them. A message's words go into the words column as they are first used, so
# this order fixes the template's bytes.
write_cells = _Builder.write_cells
write_comparisons = _Builder.write_comparisons
write_no_service = _Builder.write_no_service
write_breakdowns = _Builder.write_breakdowns
WRITERS: tuple[Callable[[_Builder], None], ...] = (write_cells, write_comparisons, write_no_service, write_breakdowns)


def workbook_rules(spec: Spec) -> dict[str, Callable[[_Builder], None]]:
    """The spec's rules the workbook checks for itself, each with its writer: a rule whose registry
    entry names one, and a rule a survey file adds that compares counts (no entry: compared like
    FGC105). A comparison only when it is an error: a warning is the coordinator's to raise."""
    from fgc_collect.validate.registry import REGISTRY
    from fgc_collect.validate.suites import comparison_rules

    added = set(comparison_rules(spec)) - set(REGISTRY)
    found = {}
    for rule in spec.rules:
        writer = write_comparisons if rule.code in added else getattr(REGISTRY.get(rule.code), "workbook", None)
        if writer is None or writer is write_comparisons and rule.severity != "error":
            continue
        if writer not in WRITERS:
            raise ValueError(f"{rule.code}'s registry entry names a workbook writer that template/checks.py does not run (WRITERS).")
        found[rule.code] = writer
    return found


def __getattr__(name: str):
    if name == "WORKBOOK_RULES":  # every rule the workbook checks when the spec has it, from the registry
        from fgc_collect.validate.registry import RULES

        return tuple(rule.code for rule in RULES if rule.workbook is not None)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_checks(ws: Worksheet, spec: Spec, rows: list[CheckRow]) -> Checks:
    """Fill the _checks sheet for these section-sheet rows (the writers of the spec's rules, each
    once); what the other sheets refer to."""
    builder = _Builder(ws, spec, rows)
    token = _WORDS.set(builder.word)
    try:
        builder.write_columns()
        named = set(builder.rules.values())
        for writer in WRITERS:
            if writer in named:
                writer(builder)
        return builder.write_results()
    finally:
        _WORDS.reset(token)
