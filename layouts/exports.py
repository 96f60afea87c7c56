"""Files for download: XLSX (one sheet per table) and CSV. Pure: DataFrames in, bytes out (the PDFs are in
layouts/briefing_pdf.py and layouts/performance_report.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.i18n import t
from core.spreadsheet_cells import csv_cell, formula_like

SHEET_NAME_CHARS = 31  # Excel's limit: a longer name is cut, or refused by some readers


def header_row(context: Sequence[str]) -> int:
    """The row (1-based) a sheet's column headers are on: below the context lines and one blank row."""
    return len(context) + 2 if context else 1


def scope_label(opds, names: Mapping[str, str], lang: str) -> str:
    """Whose figures a document holds: the regency, or the OPDs of an OPD viewer by name."""
    if opds is None:
        return t("rep.regency", lang)
    return ", ".join(names.get(code, code) for code in sorted(opds)) or "–"


def period_words(start, end, lang: str) -> str:
    """A filter period in WIT ("01-11-2026 00:00 – 01-12-2026 00:00 WIT"), or "every report" without one."""
    if start is None and end is None:
        return t("doc.ctx.all_time", lang)
    from core.i18n import WIT

    def when(moment) -> str:
        return moment.astimezone(WIT).strftime("%d-%m-%Y %H:%M") if moment is not None else "…"

    return f"{when(start)} – {when(end)} WIT"


def context_lines(period: str, scope: str, cutoff: str, lang: str) -> list[str]:
    """What a forwarded file must still say on each sheet: its period, whose figures, and the data cut-off."""
    return [t("doc.ctx.period", lang, period=period), t("doc.ctx.scope", lang, scope=scope), cutoff]


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name)[:SHEET_NAME_CHARS] or "Sheet"
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


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame], context: Sequence[str] = ()) -> bytes:
    """One sheet per table, header in bold, numbers kept as numbers (so they can be summed in Excel). ``context``
    (context_lines: period, scope, cut-off) heads every sheet, so a sheet copied or forwarded alone keeps it."""
    # Write-only mode streams rows instead of building a cell object per value: 2,000-row OPD lists export in
    # about a third of the time (benchmarks/bench_pages.py).
    book = Workbook(write_only=True)
    used: set[str] = set()
    for name, frame in sheets.items():
        sheet = book.create_sheet(_sheet_name(name, used))
        for i, column in enumerate(frame.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)]) + 2
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
        sheet.freeze_panes = f"A{header_row(context) + 1}"
        for line in context:
            cell = WriteOnlyCell(sheet, value=line)
            cell.font = Font(italic=True)
            sheet.append([cell])
        if context:
            sheet.append([])
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
