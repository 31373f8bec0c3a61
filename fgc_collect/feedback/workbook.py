"""The annotated copy of a council's own workbook: their file, their layout, their values, with
every cell that has an issue filled red (error) or amber (warning) and carrying a note (an Excel
comment) with the rule and the message, and a first sheet "Validation" that lists every issue,
links to its cell and says how to resend.

The copy is the council's package edited in place (see `ooxml` and `parts`): new parts for the notes and the
Validation sheet, a few attributes changed, nothing re-serialised. So formulas keep their saved
values (a reader of saved values, like ours, reads the same figures from the copy), and charts,
pictures, hidden sheets, defined names, validation lists and protection all stay as they were.
Macros are removed (the copy is always .xlsx) and the Validation sheet says so. An encrypted
return's copy is encrypted with the same password unless the coordinator asks otherwise.

A council may resend an annotated copy: the previous round's notes and colours come off, and the
Validation sheet is replaced, before the new round's go on.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from fgc_collect.model import ERROR, WARNING, Issue, ReturnResult
from fgc_collect.spec import Spec, load_spec

from . import ooxml
from .html import by_deadline
from .ooxml import Package, PackageError, index_elements, set_attribute, xml_text
from .parts import (
    COMMENT_AUTHOR,
    Book,
    Comments,
    SheetEdit,
    SheetEntry,
    Styles,
    Vml,
    a1,
    cell_reference,
    drawing_numbers,
    element_text,
    shared_string,
)

VALIDATION_SHEET = "Validation"
VALIDATION_TITLE = "Checks on your FGC survey return"  # then ", 2024-25": the return's year
NOTE_MARKER = re.compile(r"\n\n--- Your note \(by (.*?)\) ---\n(.*)\Z", re.S)

# Excel's own "Bad" and "Neutral" cell colours: black text stays readable on both.
ERROR_FILL_COLOUR = "FFC7CE"
WARNING_FILL_COLOUR = "FFEB9C"
HEADER_COLOUR = "1F4E79"
LINK_COLOUR = "0563C1"
OUR_FILLS = frozenset({ERROR_FILL_COLOUR, WARNING_FILL_COLOUR})

MAX_CELL_CHARS = 32_000
SEVERITY_ORDER = {ERROR: 0, WARNING: 1}


class FeedbackError(Exception):
    """The council's file could not be copied (encrypted without a password, not a workbook)."""


# --------------------------------------------------------------------------- opening and saving


def is_encrypted_file(path: Path) -> bool:
    """An encrypted Office file is an OLE compound file, not a zip."""
    with open(path, "rb") as handle:
        return handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def decrypted_bytes(path: Path, password: str | None) -> bytes:
    """The workbook's zip bytes: as stored, or decrypted with the password."""
    if not is_encrypted_file(path):
        return path.read_bytes()
    if password is None:
        raise FeedbackError(f"{path.name} is password-protected and no password was given.")
    import msoffcrypto

    out = io.BytesIO()
    try:
        with open(path, "rb") as handle:
            office = msoffcrypto.OfficeFile(handle)
            try:
                office.load_key(password=password, verify_password=True)
            except TypeError:  # a format whose load_key does not verify (checked by decrypting)
                office.load_key(password=password)
            office.decrypt(out)
    except Exception as error:  # noqa: BLE001 - any failure means: cannot open it
        raise FeedbackError(f"{path.name} could not be decrypted ({type(error).__name__}).") from None
    return out.getvalue()


def decrypted_with_any(path: Path, candidates: list[str]) -> tuple[bytes, str] | None:
    """(the zip bytes, the password that opened them) for the first candidate that opens the
    encrypted file, or None. Each try costs about a third of a second (Office's key derivation)."""
    for password in candidates:
        try:
            return decrypted_bytes(path, password), password
        except FeedbackError:
            continue
    return None


def encrypted_bytes(data: bytes, password: str) -> bytes:
    """OOXML agile encryption (what Excel's 'Encrypt with password' writes)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- marks


@dataclass(frozen=True)
class CellMark:
    severity: str
    text: str


def note_line(issue: Issue) -> str:
    return f"{issue.rule} ({issue.severity}): {issue.message}"


def cell_marks(issues: Sequence[Issue]) -> dict[str, dict[tuple[int, int], CellMark]]:
    """sheet -> (column, row) -> the worst severity and the notes of every issue at that cell."""
    grouped: dict[str, dict[tuple[int, int], list[Issue]]] = {}
    for issue in issues:
        where = cell_reference(issue.cell)
        if issue.sheet and where is not None:
            grouped.setdefault(issue.sheet, {}).setdefault(where, []).append(issue)
    marks: dict[str, dict[tuple[int, int], CellMark]] = {}
    for sheet, cells in grouped.items():
        for where, group in cells.items():
            group.sort(key=lambda issue: SEVERITY_ORDER.get(issue.severity, 2))
            severity = ERROR if any(issue.severity == ERROR for issue in group) else WARNING
            text = "\n\n".join(dict.fromkeys(note_line(issue) for issue in group))
            marks.setdefault(sheet, {})[where] = CellMark(severity, text)
    return marks


def _mark_sheet(package: Package, sheet: SheetEntry, marks: dict[tuple[int, int], CellMark],
                styles: Styles, inputs: set[tuple[str, int, int]], drawing: list[int]) -> set[tuple[int, int]]:
    """Mark one sheet's cells (after taking off an earlier round's marks); returns the cells with a note."""
    part = sheet.part
    xml = package.read(part)
    rels = package.relationships(part)
    comments_part = next((r.target for r in rels if r.type == ooxml.REL_COMMENTS and r.target in package.parts), None)
    earlier = comments_part is not None and COMMENT_AUTHOR.encode() in package.read(comments_part)
    selected = b"tabSelected" in xml
    if not marks and not earlier:
        if selected:
            edit = SheetEdit(xml)
            edit.deselect()
            package.write(part, edit.result())
        return set()

    edit = SheetEdit(xml)
    edit.deselect()
    comments = Comments(package.read(comments_part) if comments_part else None)
    vml_rel_id = edit.legacy_drawing_id()
    vml_part = next((r.target for r in rels if r.id == vml_rel_id and r.target in package.parts), None) if vml_rel_id else None
    try:
        if vml_rel_id is not None and vml_part is None:
            raise PackageError("a legacy drawing whose part is missing")
        vml = Vml(package.read(vml_part) if vml_part else None, drawing[0])
    except PackageError:
        vml = None  # a drawing we cannot extend: colours and the Validation sheet only

    # Take off the last round's notes and colours (a resent annotated copy).
    for comment in comments.ours():
        comments.remove(comment.where)
        restored = NOTE_MARKER.search(comment.text)
        if restored:
            comments.put(comment.where, restored[2], restored[1])
        elif vml is not None:
            vml.remove_note(comment.where)
        style = edit.style_of(comment.where)
        if styles.fill_colour_of(style) in OUR_FILLS:
            from fgc_collect.template.build import INPUT_COLOUR

            is_input = (sheet.name, *comment.where) in inputs
            edit.set_style(comment.where, styles.with_fill(style, styles.fill(INPUT_COLOUR if is_input else None)))

    fills = {ERROR: styles.fill(ERROR_FILL_COLOUR), WARNING: styles.fill(WARNING_FILL_COLOUR)}
    noted = set()
    for where, mark in marks.items():
        where = edit.top_left(where)
        edit.set_style(where, styles.with_fill(edit.style_of(where), fills[mark.severity]))
        existing = comments.get(where)
        if existing is not None and existing.author.startswith("tc="):
            continue  # a threaded comment: Excel keeps its own; the Validation sheet lists the issue
        if vml is None:
            continue
        text = mark.text
        if existing is not None:
            text += f"\n\n--- Your note (by {existing.author or 'unknown'}) ---\n{existing.text}"
        comments.put(where, text)
        vml.add_note(where, sum(1 + len(line) // 55 for line in text.split("\n")))
        noted.add(where)

    if comments.changed:
        if comments_part is None:
            comments_part = package.new_part_name("xl/comments{}.xml")
            package.add_relationship(part, ooxml.REL_COMMENTS, comments_part)
            package.set_override(comments_part, ooxml.CT_COMMENTS)
        package.write(comments_part, comments.to_bytes())
    if vml is not None and vml.changed:
        if vml_part is None:
            vml_part = package.new_part_name("xl/drawings/vmlDrawing{}.vml")
            package.ensure_default("vml", ooxml.CT_VML)
            edit.add_legacy_drawing(package.add_relationship(part, ooxml.REL_VML, vml_part))
            drawing[0] += 1
        package.write(vml_part, vml.xml)
    package.write(part, edit.result())
    return noted


# --------------------------------------------------------------------------- the Validation sheet


@dataclass(frozen=True)
class CopyFacts:
    """What the Validation sheet says about the file and the copy."""

    file_name: str
    checked_on: date
    contact_email: str
    had_macros: bool = False
    encrypted_source: bool = False
    encrypted_copy: bool = False
    left_out: tuple[str, ...] = ()  # damaged parts of the file that could not be copied
    deadline: date | None = None  # when returns of the year are due


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def result_sentence(result: ReturnResult) -> str:
    errors, warnings = result.count(ERROR), result.count(WARNING)
    if errors:
        counts = _plural(errors, "error") + (f" and {_plural(warnings, 'warning')}" if warnings else "")
        return f"{counts}: we cannot use the return until the errors are corrected."
    if warnings:
        return (f"{_plural(warnings, 'warning')}: please check each one, then correct the figure or "
                "explain it in sheet E Comments.")
    return "No issues found. Thank you: there is nothing to correct."


def question_text(item: str | None, spec: Spec) -> str:
    """'B3_U1: Children referred, by age at referral: Under 1 year'. Never a bare item id: the
    reader's fallback looks for bare ids in a sheet's first columns."""
    if not item:
        return "The file as a whole"
    try:
        label = spec.input_cell(item).label if spec.has_input_cell(item) else spec.item(item).label
    except KeyError:
        return f"Item {item}"
    return f"{item}: {label}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def ordered_issues(sheet_order: dict[str, int], issues: Sequence[Issue]) -> list[Issue]:
    """Issues about the file first, then sheet by sheet in tab order, top to bottom."""

    def key(pair):
        position, issue = pair
        where = cell_reference(issue.cell) or (0, 0)
        sheet = -1 if not issue.sheet else sheet_order.get(issue.sheet, len(sheet_order))
        return (sheet, where[1], where[0], SEVERITY_ORDER.get(issue.severity, 2), position)

    return [issue for _, issue in sorted(enumerate(issues), key=key)]


def _rows_for(text: str, width: int) -> int:
    return sum(max(1, -(-len(line) // width)) for line in text.split("\n"))


def validation_sheet_xml(result: ReturnResult, facts: CopyFacts, spec: Spec, styles: Styles, book: Book) -> bytes:
    """The Validation sheet: who, what, how to resend, then one row per issue with a link to its cell."""
    title = styles.cell_format(font=styles.font(bold=True, size=14, rgb=HEADER_COLOUR))
    label = styles.cell_format(font=styles.font(bold=True))
    wrap = styles.cell_format(wrap=True)
    header = styles.cell_format(font=styles.font(bold=True, rgb="FFFFFF"), fill=styles.fill(HEADER_COLOUR), wrap=True)
    link = styles.cell_format(font=styles.font(rgb=LINK_COLOUR, underline=True), wrap=True)
    severity_style = {
        ERROR: styles.cell_format(fill=styles.fill(ERROR_FILL_COLOUR), wrap=True),
        WARNING: styles.cell_format(fill=styles.fill(WARNING_FILL_COLOUR), wrap=True),
    }
    widths = (20, 9, 10, 9, 42, 80)

    rows: dict[int, list[tuple[int, str, int]]] = {}
    heights: dict[int, float] = {}
    merges, links = [], []

    def put(row: int, column: int, text: object, style: int) -> None:
        rows.setdefault(row, []).append((column, str(text)[:MAX_CELL_CHARS], style))

    put(1, 1, f"{VALIDATION_TITLE}, {result.year}" if result.year else VALIDATION_TITLE, title)
    heights[1] = 21
    who = result.la_name or "Local authority not known"
    if result.la_code:
        who = f"{who} ({result.la_code})"
    about = "Your figures are unchanged in this copy. It is saved as an Excel workbook (.xlsx)"
    about += ", without the macros your file had." if facts.had_macros else "."
    if facts.encrypted_copy:
        about += " It is protected with the same password as the file you sent."
    elif facts.encrypted_source:
        about += " Unlike the file you sent, this copy is not password-protected."
    if facts.left_out:
        about += (f" Part of your file was damaged and could not be copied ({', '.join(facts.left_out)}); "
                  "the cells we read were not in it.")
    unplaced = sum(1 for issue in result.issues if issue.cell is None or issue.sheet is None)
    reading = ("Cells with a problem are filled red (an error: it must be corrected) or amber (a warning: check "
               "the figure, then correct it or explain it in sheet E Comments). Point at a marked cell to read "
               "its note, or click a cell reference below to go to it.")
    if unplaced:
        reading += f" {_plural(unplaced, 'issue')} about the return as a whole {'is' if unplaced == 1 else 'are'} listed here only."
    lines = [
        ("Local authority", who),
        ("File checked", facts.file_name),
        ("Checked on", f"{facts.checked_on.day} {facts.checked_on:%B %Y}"),
        ("Result", result_sentence(result)),
        ("How to read this", reading),
        ("How to resend",
         "Correct your return, in your own file or in this copy (the colours, notes and this sheet do not "
         "matter: we ignore them), save it as an Excel workbook (.xlsx) and email the whole workbook to "
         f"{facts.contact_email}{by_deadline(facts.deadline, facts.checked_on)}."),
        ("About this copy", about),
    ]
    row = 3
    for caption, text in lines:
        put(row, 1, caption, label)
        put(row, 2, text, wrap)
        for column in range(3, 7):
            put(row, column, "", wrap)
        merges.append(f"B{row}:F{row}")
        heights[row] = 15 * _rows_for(text, 150) + 2
        row += 1

    row += 1
    header_row = row
    for column, text in enumerate(("Sheet", "Cell", "Severity", "Rule", "Question", "What to do"), start=1):
        put(row, column, text, header)
    sheet_order = {entry.name: entry.position for entry in book.sheets}
    worksheets = {entry.name for entry in book.sheets if entry.part}
    issues = ordered_issues(sheet_order, result.issues)
    for issue in issues:
        row += 1
        where = cell_reference(issue.cell)
        put(row, 1, issue.sheet or "(the return)", wrap)
        if issue.cell and where is not None and issue.sheet in worksheets:
            put(row, 2, issue.cell, link)
            location = f"{quote_sheet(issue.sheet)}!{a1(*where)}"
            links.append((f"B{row}", location, f"Go to {issue.sheet} {a1(*where)}"[:250]))
        else:
            put(row, 2, issue.cell or "", wrap)
        put(row, 3, issue.severity, severity_style.get(issue.severity, wrap))
        put(row, 4, issue.rule, wrap)
        question = question_text(issue.item, spec)
        put(row, 5, question, wrap)
        put(row, 6, issue.message, wrap)
        heights[row] = 15 * min(max(_rows_for(issue.message, 85), _rows_for(question, 44), 1), 27) + 2
    if not issues:
        row += 1
        put(row, 1, "No issues found.", wrap)
    last_row = row

    tab = "C00000" if result.count(ERROR) else ("FFC000" if result.count(WARNING) else "00B050")
    out = [ooxml.XML_DECLARATION.decode(),
           f'<worksheet xmlns="{ooxml.NS_MAIN}" xmlns:r="{ooxml.NS_R}">',
           f'<sheetPr><tabColor rgb="FF{tab}"/><pageSetUpPr fitToPage="1"/></sheetPr>',
           f'<dimension ref="A1:F{last_row}"/>',
           '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft" state="frozen"/>'
           f'<selection pane="bottomLeft" activeCell="B{header_row + 1}" sqref="B{header_row + 1}"/></sheetView></sheetViews>',
           '<sheetFormatPr defaultRowHeight="15"/><cols>']
    out += [f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>' for n, w in enumerate(widths, start=1)]
    out.append("</cols><sheetData>")
    for number in sorted(rows):
        height = f' ht="{heights[number]:g}" customHeight="1"' if number in heights else ""
        out.append(f'<row r="{number}"{height}>')
        for column, text, style in sorted(rows[number]):
            reference = a1(column, number)
            if text:
                out.append(f'<c r="{reference}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                           f"{xml_text(text)}</t></is></c>")
            else:
                out.append(f'<c r="{reference}" s="{style}"/>')
        out.append("</row>")
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    if links:
        out.append("<hyperlinks>" + "".join(
            f'<hyperlink ref="{ref}" location="{xml_text(location)}" tooltip="{xml_text(tip)}"/>' for ref, location, tip in links
        ) + "</hyperlinks>")
    out.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
    out.append('<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def _cell_text(package: Package, book: Book, part: str, reference: str) -> str | None:
    xml = package.read(part)
    for element in index_elements(xml):
        if element.local == "c" and element.attrs.get("r") == reference:
            raw = xml[element.start:element.end]
            inner = index_elements(raw)
            if element.attrs.get("t") == "s":
                value = next((e for e in inner if e.local == "v"), None)
                if value is None or value.empty:
                    return None
                closing = raw.rindex(b"</", value.tag_end, value.end)
                number = raw[value.tag_end:closing].strip()
                return shared_string(package, book, int(number)) if number.isdigit() else None
            return element_text(raw, inner) or None
    return None


def _place_validation_sheet(package: Package, book: Book, sheet_xml: bytes) -> None:
    """Write the Validation sheet first in the workbook (or over the last round's) and make it active."""
    xml = package.read(book.part)
    edits = []
    existing = book.sheet(VALIDATION_SHEET)
    ours = existing is not None and existing.part is not None and \
        (_cell_text(package, book, existing.part, "A1") or "").startswith(VALIDATION_TITLE)
    if ours:
        for rel in package.relationships(existing.part):
            if not rel.external and rel.target in package.parts:
                package.drop_part_tree(rel.target)
        package.delete(ooxml.rels_name(existing.part))
        package.write(existing.part, sheet_xml)
        position = existing.position
        tag = xml[existing.element.start:existing.element.tag_end]
        edits.append((existing.element.start, existing.element.tag_end, ooxml.remove_attribute(tag, "state")))
    else:
        name = VALIDATION_SHEET
        taken = {entry.name.casefold() for entry in book.sheets}
        number = 2
        while name.casefold() in taken:
            name = f"{VALIDATION_SHEET} {number}"
            number += 1
        part = package.new_part_name("xl/worksheets/fgc_validation{}.xml")
        package.write(part, sheet_xml)
        package.set_override(part, ooxml.CT_WORKSHEET)
        rel_id = package.add_relationship(book.part, ooxml.REL_WORKSHEET, part)
        ids = [int(e.element.attrs.get("sheetId", "0")) for e in book.sheets if e.element.attrs.get("sheetId", "").isdigit()]
        r_prefix = book.r_prefix
        if r_prefix is None:
            raise PackageError("the workbook part does not declare the relationships namespace")
        entry = (f'<{book.prefix}sheet name="{xml_text(name)}" sheetId="{max(ids + [0]) + 1}" '
                 f'{r_prefix}:id="{rel_id}"/>').encode()
        sheets = next(e for e in book.elements if e.local == "sheets" and e.depth == 1)
        first_sheet = next((e for e in book.elements if e.parent is sheets), None)
        if first_sheet is None:
            xml_sheets = ooxml.append_child(xml, sheets, entry)
            package.write(book.part, xml_sheets)
            return
        edits.append((first_sheet.start, first_sheet.start, entry))
        position = 0
        for element in book.elements:  # sheet-scoped names count sheets by position: one more now
            local_id = element.attrs.get("localSheetId")
            if element.local == "definedName" and local_id is not None and local_id.isdigit():
                tag = xml[element.start:element.tag_end]
                edits.append((element.start, element.tag_end, set_attribute(tag, "localSheetId", str(int(local_id) + 1))))
    for element in book.elements:
        if element.local == "workbookView":
            tag = set_attribute(xml[element.start:element.tag_end], "activeTab", str(position))
            first_tab = element.attrs.get("firstSheet", "0")
            if not first_tab.isdigit() or int(first_tab) > position:
                tag = set_attribute(tag, "firstSheet", str(position))
            edits.append((element.start, element.tag_end, tag))
    package.write(book.part, ooxml.splice(xml, edits))


# --------------------------------------------------------------------------- the whole copy


def _drop_calc_chain(package: Package, book: Book) -> None:
    """The calculation chain lists cells by sheet; Excel rebuilds it, so it goes rather than risk a mismatch."""
    for rel in book.rels:
        if rel.type == ooxml.REL_CALC_CHAIN:
            package.remove_relationship(book.part, rel.id)
            if rel.target in package.parts:
                package.drop_part_tree(rel.target)


def _drop_macros(package: Package, book: Book) -> None:
    for rel in book.rels:
        if rel.type == ooxml.REL_VBA:
            package.remove_relationship(book.part, rel.id)
            if rel.target in package.parts:
                package.drop_part_tree(rel.target)
    if package.content_type(book.part) != ooxml.CT_WORKBOOK:
        package.set_override(book.part, ooxml.CT_WORKBOOK)


class OpenWorkbook:
    """A council's package opened once: its workbook part and styles, for reading and annotating."""

    def __init__(self, data: bytes):
        try:
            self.package = Package(data)
            self.book = Book(self.package)
            self.styles_part = self.book.rel_target(ooxml.REL_STYLES)
            if self.styles_part is None:
                raise PackageError("the workbook has no styles part")
            self.styles = Styles(self.package.read(self.styles_part))
        except PackageError:
            raise
        except Exception as error:  # noqa: BLE001 - a part this copy cannot take apart: no copy, a reason
            raise PackageError(f"a part of it is damaged: {type(error).__name__}") from None


def annotated_bytes(data: bytes | OpenWorkbook, result: ReturnResult, facts: CopyFacts, spec: Spec | None = None) -> bytes:
    """The council's workbook (zip bytes, or opened) with its issues marked and a Validation sheet
    first. An OpenWorkbook is changed in the process: annotate it last."""
    spec = spec or load_spec()
    opened = data if isinstance(data, OpenWorkbook) else OpenWorkbook(data)
    package, book, styles, styles_part = opened.package, opened.book, opened.styles, opened.styles_part
    inputs = book.input_cells()
    marks = cell_marks(result.issues)
    drawing = list(drawing_numbers(package)[:1])
    for sheet in book.sheets:
        if sheet.part is not None:
            _mark_sheet(package, sheet, marks.get(sheet.name, {}), styles, inputs, drawing)
    facts = replace(facts, had_macros=book.has_macros(), left_out=tuple(package.left_out))
    sheet_xml = validation_sheet_xml(result, facts, spec, styles, book)
    package.write(styles_part, styles.to_bytes())
    _place_validation_sheet(package, book, sheet_xml)
    _drop_calc_chain(package, book)
    _drop_macros(package, book)
    return package.to_bytes()


def write_annotated_copy(
    source: Path,
    target: Path,
    result: ReturnResult,
    *,
    password: str | None = None,
    encrypt: bool = True,
    checked_on: date | None = None,
    contact_email: str | None = None,
    spec: Spec | None = None,
) -> Path:
    """Write the annotated copy of `source` to `target` (.xlsx). An encrypted source is opened with
    `password`; the copy is encrypted with it too unless `encrypt` is False."""
    from fgc_collect.survey import current_survey

    source = Path(source)
    encrypted_source = is_encrypted_file(source)
    data = decrypted_bytes(source, password)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FeedbackError(f"{source.name} is not an Excel workbook (.xlsx).")
    encrypt_copy = encrypted_source and encrypt and password is not None
    facts = CopyFacts(
        file_name=source.name,
        checked_on=checked_on or date.today(),
        contact_email=contact_email or current_survey().contact.email or current_survey().contact.sentence(),
        encrypted_source=encrypted_source,
        encrypted_copy=encrypt_copy,
        deadline=current_survey().deadline_for(spec or load_spec()),
    )
    try:
        copy = annotated_bytes(data, result, facts, spec)
    except PackageError as error:
        raise FeedbackError(f"{source.name} could not be copied: {error}.") from None
    if encrypt_copy:
        copy = encrypted_bytes(copy, password)
    return write_atomically(Path(target), copy)


__all__ = [
    "COMMENT_AUTHOR",
    "ERROR_FILL_COLOUR",
    "FeedbackError",
    "OpenWorkbook",
    "VALIDATION_SHEET",
    "VALIDATION_TITLE",
    "WARNING_FILL_COLOUR",
    "annotated_bytes",
    "decrypted_bytes",
    "decrypted_with_any",
    "encrypted_bytes",
    "is_encrypted_file",
    "write_annotated_copy",
]
