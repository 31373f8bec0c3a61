"""The Excel survey template: building it from the spec, saving it reproducibly, filling it in.

The layout contract shared with the reader is in `fgc_collect.template.layout`. Importing this
package is cheap (the reader imports `layout`); openpyxl loads with the builders that need it.
"""

from __future__ import annotations

from importlib import import_module

from . import layout

_EXPORTS = {
    "SheetRow": "fgc_collect.template.build",
    "build_template": "fgc_collect.template.build",
    "cell_positions": "fgc_collect.template.build",
    "prefill_la": "fgc_collect.template.build",
    "section_rows": "fgc_collect.template.build",
    "TEMPLATE_FILE_NAME": "fgc_collect.template.output",
    "committed_template_path": "fgc_collect.template.output",
    "fill_template": "fgc_collect.template.output",
    "fill_workbook": "fgc_collect.template.output",
    "la_file_name": "fgc_collect.template.output",
    "save_workbook": "fgc_collect.template.output",
    "workbook_bytes": "fgc_collect.template.output",
    "write_all_templates": "fgc_collect.template.output",
    "write_committed_template": "fgc_collect.template.output",
    "write_committed_templates": "fgc_collect.template.output",
    "template_file_name": "fgc_collect.template.output",
    "write_template": "fgc_collect.template.output",
}

__all__ = sorted([*_EXPORTS, "layout"])


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
