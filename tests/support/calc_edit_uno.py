"""Run by Debian's python3 (which has LibreOffice's UNO bridge), not by the project's venv.

Usage: python3 calc_edit_uno.py SOURCE TARGET OPERATIONS.json PROFILE_DIR
Opens SOURCE in LibreOffice Calc headless, applies the operations the way a person would (type
into cells, type a date, insert or delete rows), and saves TARGET in the format of its suffix.
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".xls": "MS Excel 97", ".ods": "calc8"}


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(source, target, operations_file, profile):
    pipe = f"fgc_{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.time() + 90
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0, (prop("Hidden", True),))
        with open(operations_file) as handle:
            operations = json.load(handle)
        for op in operations:
            sheet = document.Sheets.getByName(op["sheet"])
            if op["op"] == "type":
                # setFormula is what typing does: "12" becomes a number, "<5" stays text.
                sheet.getCellRangeByName(op["cell"]).setFormula(op["text"])
            elif op["op"] == "type_date":
                # what typing a date does in Calc's window: the value, and the locale's date format
                cell = sheet.getCellRangeByName(op["cell"])
                cell.setFormula(op["text"])
                locale = uno.createUnoStruct("com.sun.star.lang.Locale")
                cell.NumberFormat = document.NumberFormats.getStandardFormat(2, locale)  # NumberFormat.DATE
            elif op["op"] == "unprotect":
                sheet.unprotect(op.get("password", ""))
            elif op["op"] == "insert_rows":
                sheet.Rows.insertByIndex(op["before"] - 1, op.get("count", 1))
            elif op["op"] == "delete_rows":
                sheet.Rows.removeByIndex(op["first"] - 1, op.get("count", 1))
            else:
                raise ValueError(op["op"])
        document.calculateAll()
        suffix = os.path.splitext(target)[1].lower()
        document.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (prop("FilterName", FILTERS[suffix]),))
        document.close(True)
    finally:
        # Ask Calc to quit on failure too: killing the launcher leaves soffice.bin running.
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:5])
