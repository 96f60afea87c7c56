"""Files for download: XLSX (one sheet per table) and CSV. Pure: DataFrames in, bytes out (the PDFs are in
layouts/briefing_pdf.py and layouts/performance_report.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.spreadsheet_cells import csv_cell, formula_like


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"
    candidate, i = base, 2
    while candidate in used:
        candidate = f"{base[:28]} {i}"
        i += 1
    used.add(candidate)
    return candidate


def _cell(sheet, value):
    if formula_like(value):  # text from outside stays text, shown as typed (core/spreadsheet_cells.py)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type, cell.quotePrefix = "s", True
        return cell
    if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per table, header in bold, numbers kept as numbers (so they can be summed in Excel)."""
    # Write-only mode streams rows instead of building a cell object per value: 2,000-row OPD lists export in
    # about a third of the time (benchmarks/bench_pages.py).
    book = Workbook(write_only=True)
    used: set[str] = set()
    for name, frame in sheets.items():
        sheet = book.create_sheet(_sheet_name(name, used))
        for i, column in enumerate(frame.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)]) + 2
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
        sheet.freeze_panes = "A2"
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(sheet, value=str(column))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in frame.itertuples(index=False):
            sheet.append([_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(frame: pd.DataFrame) -> str:
    """CSV with a BOM-free UTF-8 header row; Excel in Indonesian locale opens it with ';' if asked, so ',' stays."""
    safe = frame.rename(columns=csv_cell)
    for column in safe.columns:
        if pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_cell)
    return safe.to_csv(index=False)
