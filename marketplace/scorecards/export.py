"""The ranking as CSV and as XLSX (openpyxl's write-only workbook: rows streamed to the
file, nothing kept per cell). Cells are neutralised (`textsafety.neutral_cell`): no
spreadsheet evaluates a name that starts with "=" or "+"."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from marketplace.textsafety import neutral_cell

COLUMNS = ("rank", "key", "name", "province", "challenges_total", "awarded",
           "days_to_award", "days_to_order", "paid_milestones", "paid_within_30",
           "paid_within_5", "days_to_pay", "overdue", "committed", "paid", "completed",
           "proven", "scaled", "rating_average", "ratings", "flags_total")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    return neutral_cell(str(value))


def table(rows: list[dict]) -> list[list]:
    """The header and one line per ranked row, in `COLUMNS` order."""
    return [list(COLUMNS)] + [[_cell(row.get(column)) for column in COLUMNS] for row in rows]


def to_csv(rows: list[dict]) -> str:
    """UTF-8 CSV with a byte-order mark (spreadsheets then read Vietnamese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(table(rows))
    return "\ufeff" + buffer.getvalue()


def to_xlsx(rows: list[dict], title: str = "ranking") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for line in table(rows):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
