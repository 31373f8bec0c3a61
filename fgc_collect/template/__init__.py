"""The Excel survey template: building it from the spec, saving it reproducibly, filling it in.

The layout contract shared with the reader is in `fgc_collect.template.layout`."""

from . import layout
from .build import CONTACT_EMAIL, SheetRow, build_template, cell_positions, prefill_la, section_rows
from .output import (
    TEMPLATE_FILE_NAME,
    committed_template_path,
    fill_template,
    fill_workbook,
    la_file_name,
    save_workbook,
    workbook_bytes,
    write_all_templates,
    write_committed_template,
    write_template,
)

__all__ = [
    "CONTACT_EMAIL",
    "TEMPLATE_FILE_NAME",
    "SheetRow",
    "build_template",
    "cell_positions",
    "committed_template_path",
    "fill_template",
    "fill_workbook",
    "la_file_name",
    "layout",
    "prefill_la",
    "save_workbook",
    "section_rows",
    "workbook_bytes",
    "write_all_templates",
    "write_committed_template",
    "write_template",
]
