"""The bulk files as XLSX (openpyxl, write-only mode): the same datasets and columns as the
CSV (`marketplace/opendata/columns.py`), for spreadsheets that read our UTF-8 CSV as
mojibake or a decimal point as text (LibreOffice in a Vietnamese locale).

Numbers are numbers, dates and times are spreadsheet dates (a spreadsheet has no time
zone: `<name>` holds the UTC time, `<name>_vn` Viet Nam's, as the header says). Text is
always stored as text — never read as a formula, whatever it starts with — without the
CSV's protective apostrophe, and without the control characters XLSX cannot hold.

The workbook is written row by row (write-only mode keeps one row in memory, not a
worksheet of cell objects) to a temporary file; what is kept in memory is the finished,
compressed file (about a tenth of the CSV's size)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from marketplace.opendata.csv_export import BATCH, DATASETS, rows

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"


def _cell(sheet, value):
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if isinstance(value, bool):
        return WriteOnlyCell(sheet, value="yes" if value else "no")
    if isinstance(value, int | float):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, Decimal):
        return WriteOnlyCell(sheet, value=float(value))
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    text = value.value if isinstance(value, Enum) else str(value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"  # text, even when it starts with "="
    return cell


def write(session_scope: Callable, name: str, prefix: str, batch: int = BATCH) -> bytes:
    """The dataset `name` as an XLSX workbook: one sheet named after the dataset, the
    header in bold, frozen."""
    dataset = DATASETS[name]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in dataset.header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for batch_rows in rows(session_scope, name, prefix, batch):
        for row in batch_rows:
            sheet.append([_cell(sheet, value) for value in row])
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        book.save(out)
        out.seek(0)
        return out.read()
