"""Editing worksheet XML as other programs write it (Excel's extensions and prefixes, a .NET
generator's x: prefix): only what must change changes, and the result is well-formed, in the
element order Excel requires."""

from __future__ import annotations

import re

import pytest

from fgc_collect.feedback.ooxml import PackageError, index_elements, xml_text
from fgc_collect.feedback.parts import SheetEdit, Styles

EXCEL_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" '
    b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    b'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    b'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
    b'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" xr:uid="{00000000-0001-0000-0000-000000000000}">'
    b'<dimension ref="A1:E20"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
    b'<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
    b'<cols><col min="4" max="4" width="16" style="7" customWidth="1"/></cols>'
    b'<sheetData>'
    b'<row r="5" spans="1:5" x14ac:dyDescent="0.25"><c r="A5" t="s"><v>0</v></c><c r="D5" s="3"><v>40</v></c></row>'
    b'<row r="7" spans="1:5" s="9" customFormat="1" x14ac:dyDescent="0.25"><c r="A7" t="s"><v>1</v></c><c r="E7" s="4"/></row>'
    b'<row r="9" spans="1:5"/>'
    b"</sheetData>"
    b'<sheetProtection sheet="1" objects="1" scenarios="1"/>'
    b'<conditionalFormatting sqref="E5:E20"><cfRule type="dataBar" priority="1"><dataBar><cfvo type="min"/><cfvo type="max"/>'
    b'<color rgb="FF638EC6"/></dataBar><extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:id>{1}</x14:id></ext></extLst>'
    b"</cfRule></conditionalFormatting>"
    b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    b'<pageSetup paperSize="9" orientation="portrait" r:id="rId1"/>'
    b'<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    b'<mc:Choice Requires="x14"><controls><mc:AlternateContent><mc:Choice Requires="x14">'
    b'<control shapeId="1025" r:id="rId3" name="Check Box 1"/></mc:Choice></mc:AlternateContent></controls></mc:Choice>'
    b"</mc:AlternateContent>"
    b'<tableParts count="1"><tablePart r:id="rId4"/></tableParts>'
    b'<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings/></ext></extLst>'
    b"</worksheet>"
)


def order_of_children(xml: bytes) -> list[str]:
    elements = index_elements(xml)
    root = elements[0]
    return [e.local for e in elements if e.parent is root]


def test_cells_are_styled_created_and_ordered_and_nothing_else_moves():
    edit = SheetEdit(EXCEL_SHEET)
    edit.set_style((4, 5), 21)  # D5 exists
    edit.set_style((4, 7), 22)  # D7 missing, in a row with A7 and E7
    edit.set_style((4, 9), 23)  # D9 missing, in an empty <row/>
    edit.set_style((4, 8), 24)  # row 8 missing altogether
    edit.set_style((2, 20), 25)  # row 20 missing, after the last row
    assert edit.style_of((4, 7)) == 22
    edit.deselect()
    edit.add_legacy_drawing("rIdFgc1")
    out = edit.result()

    cells = [(e.attrs["r"], e.attrs.get("s")) for e in index_elements(out) if e.local == "c"]
    assert cells == [("A5", None), ("D5", "21"), ("A7", None), ("D7", "22"), ("E7", "4"),
                     ("D8", "24"), ("D9", "23"), ("B20", "25")]
    rows = [e.attrs["r"] for e in index_elements(out) if e.local == "row"]
    assert rows == ["5", "7", "8", "9", "20"]
    # Excel's element order: legacyDrawing after pageSetup, before the controls (wrapped in
    # AlternateContent), tableParts and extLst; the data bar's own extLst is not mistaken for it.
    assert order_of_children(out) == [
        "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetProtection",
        "conditionalFormatting", "pageMargins", "pageSetup", "legacyDrawing", "AlternateContent",
        "tableParts", "extLst",
    ]
    assert b"tabSelected" not in out
    # Everything outside the edited tags is as Excel wrote it: prefixes, mc:Ignorable, extensions.
    assert out.startswith(EXCEL_SHEET[:EXCEL_SHEET.index(b"<sheetView ")])
    assert EXCEL_SHEET[EXCEL_SHEET.index(b"<sheetProtection"):EXCEL_SHEET.index(b"<mc:AlternateContent")] in out


def test_a_missing_cell_takes_its_rows_or_columns_format_before_being_marked():
    edit = SheetEdit(EXCEL_SHEET)
    assert edit.style_of((4, 7)) == 9  # row 7 has its own format
    assert edit.style_of((4, 12)) == 7  # column D has one
    assert edit.style_of((2, 12)) == 0


def test_a_sheet_written_with_a_prefix_is_edited_with_it():
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<x:sheetData><x:row r="3"><x:c r="B3"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    edit = SheetEdit(xml)
    edit.set_style((3, 3), 5)
    edit.add_legacy_drawing("rIdFgc1")
    out = edit.result()
    assert b'<x:c r="C3" s="5"/>' in out
    assert b'<x:legacyDrawing r:id="rIdFgc1"/>' in out and b'xmlns:r="' in out
    index_elements(out)  # well-formed


def test_rows_that_do_not_say_where_they_are_are_left_alone():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b"<row><c><v>1</v></c></row></sheetData></worksheet>")
    edit = SheetEdit(xml)
    edit.set_style((1, 1), 5)
    assert edit.result() == xml


def test_styles_gain_formats_without_changing_existing_ones():
    xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<fonts count="1"><font><sz val="11"/></font></fonts>'
           b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
           b'<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           b'<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           b'<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"><protection locked="0"/></xf></cellXfs>'
           b"</styleSheet>")
    styles = Styles(xml)
    red = styles.fill("FFC7CE")
    marked = styles.with_fill(1, red)
    assert (red, marked) == (2, 2)
    assert styles.with_fill(1, red) == marked  # asked twice, added once
    assert styles.fill_colour_of(marked) == "FFC7CE"
    out = styles.to_bytes()
    elements = index_elements(out)
    xfs = [e for e in elements if e.local == "xf" and e.parent.local == "cellXfs"]
    assert len(xfs) == 3 and next(e for e in elements if e.local == "cellXfs").attrs["count"] == "3"
    # the copy keeps the number format and the unlocked protection of the cell it marks
    assert xfs[2].attrs["numFmtId"] == "3" and xfs[2].attrs["fillId"] == "2"
    assert b'<protection locked="0"/></xf></cellXfs>' in out
    assert out.startswith(xml[: xml.index(b"<fills")])


def test_entity_declarations_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><worksheet>&b;</worksheet>'
    with pytest.raises(PackageError):
        index_elements(bomb)


def test_text_for_xml_is_escaped_for_xml_and_for_excel():
    assert xml_text('<a href="x">&\x07_x0041_') == "&lt;a href=&quot;x&quot;&gt;&amp;_x005F_x0041_"
    assert re.fullmatch(r"[^\x00-\x08]*", xml_text("\x00\x01ok"))
