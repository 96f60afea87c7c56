"""The pieces both PDF documents are made of (the briefing and the monthly performance report): an A4 document with
a running head and foot (the data cut-off in WIT, "Halaman 2 dari 4"), tables that fit their columns (a text too
long is shortened, never wrapped into one word per line), headline cards, and charts drawn by matplotlib.

Numbers follow one convention everywhere: counts as whole numbers (1.234), percentages and hours with one decimal
(86,6% · 12,5), rates per 10,000 residents with one decimal, report numbers as names (#11615, no separator).
Pure: data in, bytes out; fonts are the DejaVu files that ship with matplotlib (no system font needed).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.formatting import fmt_dec, fmt_int, fmt_pct, fmt_when

INK = (17, 17, 17)
MUTED = (90, 98, 110)
RULE = (200, 205, 212)
HEAD_FILL = (232, 237, 244)
ZEBRA = (247, 248, 250)
BRAND = (0, 84, 140)
BETTER = (0, 120, 80)
WORSE = (180, 60, 0)
WARN_FILL = (255, 244, 214)


def count(value, lang: str = "id") -> str:
    return fmt_int(value, lang=lang)


def pct(value, lang: str = "id") -> str:
    return fmt_pct(value, 1, lang=lang)


def dec(value, lang: str = "id") -> str:
    return fmt_dec(value, 1, lang=lang)


def report_no(value) -> str:
    """A report number is a name: #11615, never 11.615."""
    return f"#{int(value)}"


def _font_dir() -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


@dataclass
class Column:
    header: str
    width: float  # mm
    align: str = "R"  # L, C or R


FOOT = 10.0  # mm from the page's bottom edge to the foot line (title and page number)
HEADING_HEIGHT = 6.5  # mm a heading takes
TABLE_HEADER = 10.5  # mm of a table's header band (up to three lines)
ROW_HEIGHT = 5.2  # mm of a table row, unless the caller asks for another


def new_document(title: str, head_left: str, cutoff: str, lang: str = "id", *, orientation: str = "L"):
    """An A4 document whose every page carries ``head_left`` and the data cut-off (``cutoff``, already in WIT) at
    the top and its page number ("Halaman 2 dari 4") at the foot."""
    from fpdf import FPDF

    page_word, of_word = ("Page", "of") if lang == "en" else ("Halaman", "dari")

    class Document(FPDF):
        def header(self) -> None:
            # The cut-off keeps its room; the head (title · period · scope) is shortened before it overlaps.
            self.set_font("DejaVu", "", 8)
            right = self.get_string_width(cutoff) + 2
            self.set_text_color(*MUTED)
            self.set_xy(self.l_margin + self.epw - right, 6)
            self.cell(right, 5, cutoff, align="R")
            self.set_font("DejaVu", "B", 8)
            self.set_text_color(*BRAND)
            self.set_xy(self.l_margin, 6)
            self.cell(self.epw - right - 4, 5, fit(self, head_left, self.epw - right - 4))
            self.set_draw_color(*RULE)
            self.line(self.l_margin, 11.5, self.w - self.r_margin, 11.5)
            self.set_text_color(*INK)
            self.set_y(14)

        def footer(self) -> None:
            self.set_y(-FOOT)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(*MUTED)
            self.cell(self.epw / 2, 5, "Mimika Center · " + title)
            self.cell(self.epw / 2, 5, f"{page_word} {self.page_no()} {of_word} {{nb}}", align="R")
            self.set_text_color(*INK)

    pdf = Document(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(12, 14, 12)
    pdf.set_auto_page_break(auto=False)  # every page is laid out to end above FOOT
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", os.path.join(fonts, "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(fonts, "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", os.path.join(fonts, "DejaVuSans-Oblique.ttf"))
    pdf.alias_nb_pages()
    pdf.set_title(title)
    pdf.set_creator("Mimika Center")
    return pdf


def cutoff_text(now, lang: str = "id") -> str:
    return ("Data as of " if lang == "en" else "Data per ") + fmt_when(now, lang=lang)


def fit(pdf, text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` mm in the current font (one line, never wrapped)."""
    text = str(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def heading(pdf, text: str, size: float = 11, *, x: float | None = None, width: float | None = None) -> None:
    pdf.set_font("DejaVu", "B", size)
    pdf.set_text_color(*INK)
    if x is not None:
        pdf.set_x(x)
    pdf.cell(width or pdf.epw, HEADING_HEIGHT, text, new_x="LEFT", new_y="NEXT")


def note(pdf, text: str, *, x: float | None = None, width: float | None = None, size: float = 7,
         dry_run: bool = False) -> float:
    pdf.set_font("DejaVu", "", size)
    pdf.set_text_color(*MUTED)
    if x is not None:
        pdf.set_x(x)
    height = pdf.multi_cell(width or pdf.epw, size * 0.5, text, new_x="LEFT", new_y="NEXT", align="L",
                            dry_run=dry_run, output="HEIGHT")
    pdf.set_text_color(*INK)
    return height


def definitions(pdf, items: Sequence[tuple[str, str]], *, size: float = 7.5, dry_run: bool = False) -> float:
    """Each figure's name in bold and its one-sentence definition (the measure catalog, core/measures.py); the
    height they take (with ``dry_run``, only measured: nothing is drawn)."""
    pdf.set_font("DejaVu", "", size)
    pdf.set_text_color(*MUTED)
    height = 0.0
    for name, text in items:  # the catalog's own words: no markdown markers in them (tests/unit/test_measures.py)
        height += pdf.multi_cell(pdf.epw, size * 0.5, f"•  **{name}:** {text}", new_x="LEFT", new_y="NEXT",
                                 align="L", markdown=True, dry_run=dry_run, output="HEIGHT") + 0.8
        if not dry_run:
            pdf.ln(0.8)
    pdf.set_text_color(*INK)
    return height


def table(pdf, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, x: float | None = None,
          font_size: float = 7.5, row_height: float = ROW_HEIGHT, styles: Sequence[str | None] | None = None,
          header_height: float = TABLE_HEADER) -> None:
    """A table at the current position: a header of up to three lines on a tinted band, zebra rows, every cell one line
    (shortened to fit). ``styles`` per row: None, 'muted' (grey italics) or 'warn' (tinted)."""
    x0 = pdf.l_margin if x is None else x
    y = pdf.get_y()
    total = sum(col.width for col in columns)
    pdf.set_fill_color(*HEAD_FILL)
    pdf.rect(x0, y, total, header_height, style="F")
    cx = x0
    for col in columns:
        header = col.header.replace("/", "/ ")
        size = font_size - 0.5
        pdf.set_font("DejaVu", "B", size)
        room = col.width - 1.6 - 2 * pdf.c_margin  # multi_cell keeps its cell margin on both sides
        while size > 5 and max(pdf.get_string_width(word) for word in header.split()) > room:
            size -= 0.5  # a word wider than its column is set smaller, never broken in the middle
            pdf.set_font("DejaVu", "B", size)
        lines = pdf.multi_cell(col.width - 1.6, 3.2, header, dry_run=True, output="LINES")
        top = y + (header_height - 3.2 * min(len(lines), 3)) / 2
        for i, line in enumerate(lines[:3]):
            pdf.set_xy(cx + 0.8, top + 3.2 * i)
            pdf.cell(col.width - 1.6, 3.2, line, align=col.align)
        cx += col.width
    y += header_height
    for n, row in enumerate(rows):
        style = styles[n] if styles else None
        if style == "warn":
            pdf.set_fill_color(*WARN_FILL)
            pdf.rect(x0, y, total, row_height, style="F")
        elif n % 2:
            pdf.set_fill_color(*ZEBRA)
            pdf.rect(x0, y, total, row_height, style="F")
        pdf.set_font("DejaVu", "I" if style == "muted" else "", font_size)
        pdf.set_text_color(*(MUTED if style == "muted" else INK))
        cx = x0
        for col, value in zip(columns, row, strict=True):
            pdf.set_xy(cx + 0.8, y)
            pdf.cell(col.width - 1.6, row_height, fit(pdf, value, col.width - 1.6), align=col.align)
            cx += col.width
        y += row_height
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.line(x0, y, x0 + total, y)
    pdf.set_xy(x0, y + 2)


def _width(pdf, text: str, style: str, size: float) -> float:
    pdf.set_font("DejaVu", style, size)
    return pdf.get_string_width(text)


def _shrink_to(pdf, text: str, style: str, size: float, smallest: float, width: float) -> None:
    """The font at ``size``, or smaller down to ``smallest`` until ``text`` fits ``width`` mm."""
    pdf.set_font("DejaVu", style, size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 0.25
        pdf.set_font("DejaVu", style, size)


def card(pdf, x: float, y: float, w: float, h: float, label: str, value: str, sample: str, previous: str,
         change: str, tone: str, target: str = "") -> None:
    """A headline figure: label, the value large with its change beside it, its sample, its target (the verdict in
    its mark and words: layouts/targets.py) and the period before."""
    pdf.set_draw_color(*RULE)
    pdf.rect(x, y, w, h, style="D")
    pdf.set_fill_color(*BRAND)
    pdf.rect(x, y, w, 1.2, style="F")
    pdf.set_xy(x + 3, y + 3)
    _shrink_to(pdf, label, "", 8.0, 6.0, w - 6)  # "Median penyelesaian (jam)" whole, a little smaller
    pdf.set_text_color(*MUTED)
    pdf.cell(w - 6, 4, fit(pdf, label, w - 6))
    # Six cards on a month's page: the value and its change shrink together until they fit side by side
    scale = 1.0
    while scale > 0.5 and change and _width(pdf, value, "B", 19 * scale) + _width(pdf, change, "B", 9 * scale) \
            + 2 * pdf.c_margin + 1.5 > w - 6:
        scale -= 0.025
    pdf.set_xy(x + 3, y + 8)
    _shrink_to(pdf, value, "B", 19 * scale, 19 * 0.5, w - 6)
    pdf.set_text_color(*INK)
    pdf.cell(w - 6, 9, value)
    if change:
        pdf.set_font("DejaVu", "B", 9 * scale)
        pdf.set_text_color(*({"better": BETTER, "worse": WORSE}.get(tone, INK)))
        pdf.set_xy(x + 3, y + 10)
        pdf.cell(w - 6, 6, change, align="R")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(x + 3, y + 18)
    pdf.cell(w - 6, 4, sample)
    if target:
        _shrink_to(pdf, target, "B" if target.startswith("!") else "", 7.0, 5.5, w - 6)
        pdf.set_text_color(*INK)
        pdf.set_xy(x + 3, y + 21.8)
        pdf.cell(w - 6, 3.6, fit(pdf, target, w - 6))
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_text_color(*MUTED)
    if previous:
        pdf.set_font("DejaVu", "", 7)
        pdf.set_xy(x + 3, y + h - 6.5)
        pdf.cell(w - 6, 4, fit(pdf, previous, w - 6))
    pdf.set_text_color(*INK)


def png(draw: Callable, width_mm: float, height_mm: float, dpi: int = 200) -> bytes:
    """A chart of ``width_mm`` × ``height_mm`` drawn by ``draw(fig)`` with matplotlib's Agg backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    FigureCanvasAgg(fig)  # a renderer to measure text with before saving (_declutter)
    draw(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def style_axes(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.spines[["left", "bottom"]].set_color("#999999")
    ax.tick_params(colors="#333333", labelsize=6.5, length=2)
    ax.set_axisbelow(True)


def bars_png(labels: list[str], values: list[float], text: list[str], width_mm: float, height_mm: float,
             colour: str = "#0072B2") -> bytes:
    """Horizontal bars, the largest at the top, each with its number at its end; room is left on the right so
    the longest bar's number is never cut off (labels may have a second line)."""
    def draw(fig):
        ax = fig.subplots()
        y = list(range(len(labels)))[::-1]
        ax.barh(y, values, color=colour, height=0.66)
        top = max(values or [1]) or 1
        for yi, v, label in zip(y, values, text, strict=True):
            ax.text(v + top * 0.015, yi, label, va="center", fontsize=6.5, color="#222222")
        ax.set_yticks(y, labels)
        longest = max([len(s) for s in text] or [1])
        ax.set_xlim(0, top * (1.1 + 0.035 * longest))  # room on the right for the longest bar's number
        ax.set_ylim(-0.6, len(labels) - 0.4)
        ax.xaxis.set_visible(False)
        ax.spines[["bottom"]].set_visible(False)
        style_axes(ax)
        fig.subplots_adjust(left=0.4, right=0.98, top=0.98, bottom=0.02)

    return png(draw, width_mm, height_mm)


def flow_png(labels: list[str], inflow: list[int], resolved: list[int], names: tuple[str, str], width_mm: float,
             height_mm: float, running: int | None = None) -> bytes:
    """Reports in against reports resolved per week, labelled by dates ('7–13 Sep')."""
    def draw(fig):
        ax = fig.subplots()
        x = range(len(labels))
        ax.bar([i - 0.2 for i in x], inflow, 0.4, label=names[0], color="#56B4E9")
        ax.bar([i + 0.2 for i in x], resolved, 0.4, label=names[1], color="#009E73")
        ax.set_xticks(list(x), [lab + (" *" if i == running else "") for i, lab in enumerate(labels)],
                      rotation=45, ha="right", rotation_mode="anchor")
        top = max(inflow + resolved + [1])
        ax.set_ylim(0, top * 1.12)
        ax.grid(axis="y", color="#e3e3e3", linewidth=0.5)
        ax.legend(frameon=False, fontsize=6.5, loc="upper left", ncols=2)
        style_axes(ax)
        fig.subplots_adjust(left=0.09, right=0.99, top=0.97, bottom=0.24)

    return png(draw, width_mm, height_mm)


def map_png(geojson: dict | None, values: dict[str, float | None], marks: dict[str, str], points: dict[str, tuple],
            width_mm: float, height_mm: float, legend_title: str, no_data: str, lang: str = "id") -> bytes:
    """The districts coloured by ``values`` (rates at one decimal, in at most five fixed classes whose ranges never
    share an edge: "0,0–10,9", "11,0–17,2", "≥ 17,3"), each labelled with ``marks[code]`` (its name) at its label
    point; without polygons, circles at the label points sized by the value."""
    from matplotlib.patches import Patch, Polygon

    from geo.choropleth import class_ranges, fixed_class_edges, fixed_classify

    colours = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
    step = 0.1
    edges = fixed_class_edges([v for v in values.values() if v is not None], k=5, integer=False)

    def colour(code):
        v = values.get(code)
        if v is None:
            return "#e0e0e0"
        k = fixed_classify(v, edges, step)
        return colours[min(k or 0, len(colours) - 1)]

    def draw(fig):
        ax = fig.subplots()
        if geojson:
            for feature in geojson.get("features", []):
                code = feature.get("properties", {}).get("code")
                geom = feature.get("geometry") or {}
                polys = geom.get("coordinates", [])
                polys = [polys] if geom.get("type") == "Polygon" else polys
                for poly in polys:
                    if poly:
                        ax.add_patch(Polygon(poly[0], closed=True, facecolor=colour(code), edgecolor="#ffffff",
                                             linewidth=0.6))
        else:
            top = max([v for v in values.values() if v] or [1])
            for code, (lat, lon) in points.items():
                v = values.get(code) or 0
                ax.scatter([lon], [lat], s=40 + 400 * v / top, color=colour(code), edgecolor="#555555", lw=0.4)
        names = [ax.text(lon, lat, marks.get(code, ""), fontsize=4.6, ha="center", va="center", color="#111111",
                         bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8})
                 for code, (lat, lon) in points.items() if lat is not None and lon is not None]
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.axis("off")
        labels = [f"{dec(low, lang)}–{dec(high, lang)}" if high is not None else f"≥ {dec(low, lang)}"
                  for low, high in class_ranges(edges, step)]
        handles = [Patch(facecolor=colours[min(i, len(colours) - 1)], edgecolor="#999999", linewidth=0.3,
                         label=label) for i, label in enumerate(labels)]
        handles.append(Patch(facecolor="#e0e0e0", edgecolor="#999999", linewidth=0.3, label=no_data))
        ax.legend(handles=handles, title=legend_title, fontsize=6, title_fontsize=6.5, frameon=False,
                  loc="lower left")  # the Arafura Sea: nothing to hide there
        fig.subplots_adjust(left=0.0, right=1.0, top=1.0, bottom=0.0)
        _declutter(fig, ax, names)

    return png(draw, width_mm, height_mm)


def _declutter(fig, ax, texts: list) -> None:
    """Moves a name that would cover one already placed up or down by whole label heights, to the nearest free
    place: Timika's small districts crowd their names together, and paper cannot be hovered or zoomed."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed = []
    for text in texts:
        box = text.get_window_extent(renderer).expanded(1.08, 1.3)  # the white box around the letters
        if any(box.overlaps(other) for other in placed):
            x, y = ax.transData.transform(text.get_position())
            for k in (1, -1, 2, -2, 3, -3):
                moved = box.translated(0, k * box.height)
                if not any(moved.overlaps(other) for other in placed):
                    text.set_position(ax.transData.inverted().transform((x, y + k * box.height)))
                    box = moved
                    break
        placed.append(box)


def image(pdf, data: bytes, x: float, y: float, w: float, h: float) -> None:
    pdf.image(io.BytesIO(data), x=x, y=y, w=w, h=h)
