"""Files for download: XLSX (one sheet per table), CSV, and the briefing's PDF. Pure: DataFrames in, bytes out."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.formatting import fmt_dec, fmt_int

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"
    candidate, i = base, 2
    while candidate in used:
        candidate = f"{base[:28]} {i}"
        i += 1
    used.add(candidate)
    return candidate


def _cell(value):
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
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(frame: pd.DataFrame) -> str:
    """CSV with a BOM-free UTF-8 header row; Excel in Indonesian locale opens it with ';' if asked, so ',' stays."""
    return frame.to_csv(index=False)


# ---------------------------------------------------------------------------------------------- PDF

def _font_dir():
    import os

    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")  # DejaVu ships with matplotlib: no system font


def _png(draw, width_in: float = 9.0, height_in: float = 3.2) -> bytes:
    """A chart drawn by ``draw(ax)`` as PNG, with matplotlib's Agg backend (no browser, no display)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=150)
    ax = fig.subplots()
    draw(ax)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y" if ax.get_ylabel() != "h" else "x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def weekly_png(weekly: pd.DataFrame, inflow_label: str, resolved_label: str) -> bytes:
    import numpy as np

    def draw(ax):
        x = np.arange(len(weekly))
        ax.bar(x - 0.2, weekly["inflow"], 0.4, label=inflow_label, color="#56B4E9")
        ax.bar(x + 0.2, weekly["resolved"], 0.4, label=resolved_label, color="#009E73")
        ax.set_xticks(x, weekly["week"], rotation=45, ha="right", fontsize=7)
        ax.legend(frameon=False, fontsize=8)

    return _png(draw)


def hbar_png(labels: list[str], values: list[float], colour: str = "#0072B2", marks: list[bool] | None = None
             ) -> bytes:
    def draw(ax):
        ax.barh(labels[::-1], values[::-1], color=colour)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel("h")  # marks the grid direction for _png; hidden below
        ax.yaxis.label.set_visible(False)
        for i, v in enumerate(values[::-1]):
            ax.text(v, i, " " + (fmt_dec(v) if isinstance(v, float) else fmt_int(v)), va="center", fontsize=7)

    return _png(draw, 9.0, max(2.2, 0.22 * len(labels) + 0.6))


def briefing_pdf(title: str, subtitle: str, charts: list[tuple[str, bytes]], tables: dict[str, pd.DataFrame],
                 footer: str) -> bytes:
    """The briefing as an A4 landscape PDF: headline, charts as PNGs, then the tables (long ones cut to 25 rows)."""
    import os

    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", os.path.join(fonts, "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(fonts, "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Mimika Center")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    first = True
    for name, frame in tables.items():
        if not first and pdf.get_y() > 150:
            pdf.add_page()
        first = False
        _pdf_table(pdf, name, frame.head(25))
        if name == next(iter(tables)):  # charts right after the comparison, as on the page
            for chart_title, png in charts:
                from PIL import Image

                width_px, height_px = Image.open(io.BytesIO(png)).size
                height_mm = 200 * height_px / width_px
                if pdf.get_y() + height_mm + 9 > pdf.h - pdf.b_margin:  # keep a chart and its title together
                    pdf.add_page()
                pdf.set_font("DejaVu", "B", 11)
                pdf.cell(0, 7, chart_title, new_x="LMARGIN", new_y="NEXT")
                pdf.image(io.BytesIO(png), w=200)
                pdf.ln(2)
    pdf.set_font("DejaVu", "", 7)
    pdf.cell(0, 5, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        text = f"{value:,.1f}" if not value.is_integer() else f"{int(value):,}"
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if isinstance(value, int) or hasattr(value, "item"):
        return f"{int(value):,}".replace(",", ".") if float(value).is_integer() else str(value)
    return str(value)


def _pdf_table(pdf, name: str, frame: pd.DataFrame) -> None:
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    text_cols = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, str)).all()]
    weights = [3.0 if c in text_cols else 1.0 for c in frame.columns]
    widths = [width * w / sum(weights) for w in weights]
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.2, first_row_as_headings=True) as table:
        header = table.row()
        for column in frame.columns:
            header.cell(str(column))
        for row in frame.itertuples(index=False):
            cells = table.row()
            for value in row:
                text = _pdf_text(value)
                cells.cell(text[:70])
    pdf.ln(3)
