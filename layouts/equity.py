"""The location-equity figure as every view shows it (data_access/queries/equity.py computes it): the same words and
numbers on the wall, the briefing and its PDF, /publik and the monthly report. Pure builders; the figure arrives as
the query's LocationEquity (``sides``, ``gap_pp``, ``small``, ``min_sample``, ``trend``), read by attribute.

Small samples are marked ("sampel kecil"), never hidden: a remote district's few reports are the point.
"""

from __future__ import annotations

from datetime import date

from dash import html

from core import measures
from core.formatting import fmt_dec, fmt_int, fmt_pct, fmt_week
from core.i18n import t

SIDES = ("remote", "road")
MINUS = "−"  # a real minus sign: a hyphen reads as a dash from across the room


def _missing(value) -> bool:
    return value is None or value != value  # NaN


def signed_points(value, lang: str) -> str:
    """A gap in percentage points with its sign ('−12,3 poin', '+4,0 poin'); '–' without one."""
    if _missing(value):
        return "–"
    sign = MINUS if value < -0.05 else ("+" if value > 0.05 else "±")
    return t("equity.points", lang, v=sign + fmt_dec(abs(float(value)), 1, lang=lang))


def side_texts(figure, side: str, lang: str) -> dict[str, str]:
    row = figure.sides.set_index("side").loc[side]
    hidden = _missing(row["response_sample"])  # /publik hides a sample of 1 … below−1 (its suppression rule)
    sample = 0 if hidden else int(row["response_sample"])
    small = hidden or sample < figure.min_sample
    hours = row["median_response_hours"]
    below = getattr(figure, "suppress_below", None)
    n = f"n < {below}" if hidden else t("sample", lang, n=fmt_int(sample, lang=lang))
    return {
        "name": t(f"equity.{side}", lang),
        "pct": fmt_pct(row["response_compliance_pct"], lang=lang) if not _missing(row["response_compliance_pct"])
        else "–",
        "n": n + (f" · {t('briefing.small', lang)}" if small else ""),
        "median": t("equity.median", lang, h=fmt_dec(hours, 1, lang=lang)) if not _missing(hours) else t(
            "equity.median", lang, h="–"),
        "small": "1" if small else "",
    }


def texts(figure, lang: str) -> dict:
    """Everything a view prints of the figure, formatted once."""
    out = {side: side_texts(figure, side, lang) for side in SIDES}
    out["gap"] = signed_points(figure.gap_pp, lang)
    out["title"] = t("equity.title", lang)
    out["promise"] = t("equity.promise", lang)
    out["small_note"] = t("equity.small_note", lang, n=figure.min_sample) if figure.small else ""
    return out


def trend_points(figure) -> list[tuple[str, float | None, bool]]:
    """(Monday, weekly gap or None, small) per week, oldest first."""
    return [(r["week_start"], None if _missing(r["gap_pp"]) else float(r["gap_pp"]), bool(r["small"]))
            for r in figure.trend.to_dict("records")]


def trend_text(figure, lang: str) -> str:
    """The twelve weekly gaps in words: 'sampel kecil' weeks marked with '*'."""
    parts = []
    for _monday, value, small in trend_points(figure):
        parts.append("–" if value is None else signed_points(value, lang).split(" ")[0] + ("*" if small else ""))
    return " · ".join(parts)


def trend_bars(figure, lang: str, class_prefix: str = "equity") -> html.Div:
    """The weekly gaps as a row of bars (a bar down: remote behind), each with its week and value as a title; a
    week with a small sample is hatched, one without a gap is an empty slot. Plain HTML: no chart library."""
    points = trend_points(figure)
    scale = max([abs(v) for _, v, _ in points if v is not None] + [10.0])
    bars = []
    for monday, value, small in points:
        label = f"{fmt_week(date.fromisoformat(monday), lang)}: {signed_points(value, lang)}"
        if value is None:
            bars.append(html.Span(className=f"{class_prefix}-bar is-empty", title=label))
            continue
        height = f"{max(4.0, 50.0 * abs(value) / scale):.0f}%"
        side = "is-behind" if value < 0 else "is-ahead"
        bars.append(html.Span(className=f"{class_prefix}-bar {side}{' is-small' if small else ''}", title=label,
                              style={"height": height}))
    return html.Div(bars, className=f"{class_prefix}-trend", role="img",
                    **{"aria-label": t("equity.trend", lang) + ": " + trend_text(figure, lang)})


def panel_body(figure, lang: str, element_id: str) -> html.Div:
    """The briefing's headline: both sides (on time with n, median), the gap, and the twelve weeks."""
    x = texts(figure, lang)
    sides = [html.Div(className="tile", children=[
        html.Div(x[side]["name"], className="tile-label"),
        html.Div(x[side]["pct"], className="tile-value", id=f"{element_id}-{side}"),
        html.Div(x[side]["n"], className="tile-sample"),
        html.Div(x[side]["median"], className="tile-sample")]) for side in SIDES]
    gap = html.Div(className="tile", children=[
        html.Div(t("equity.gap", lang), className="tile-label"),
        html.Div(x["gap"], className="tile-value", id=f"{element_id}-gap"),
        html.Div(x["small_note"] or t("equity.gap_note", lang), className="tile-sample")])
    trend = html.Div(className="tile", children=[
        html.Div(t("equity.trend", lang), className="tile-label"), trend_bars(figure, lang),
        html.Div(trend_text(figure, lang), className="tile-sample equity-trend-text")])
    # On paper the briefing must stay within four pages: the same figure as two lines of text instead of tiles.
    _, *sides_and_gap, weeks = pdf_lines(figure, lang)
    printed = html.Div([html.Div("   ·   ".join(sides_and_gap)), html.Div(weeks, className="tile-sample")],
                       className="equity-print")
    return html.Div([html.P(x["promise"], className="page-note equity-promise"),
                     html.Div([*sides, gap, trend], className="tiles equity-tiles"), printed], id=element_id)


def wall_band(figure, lang: str) -> list:
    """The wall's headline band: each side's on-time share with n and median, the gap, the twelve weeks. Shorter
    names than elsewhere (the band is one line across the room); the same numbers and the same small-sample mark."""
    x = texts(figure, lang)
    items = [html.Span(t("equity.wall_title", lang), className="equity-title")]
    for side in SIDES:
        items.append(html.Span(className=f"equity-side equity-{side}" + (" is-small" if x[side]["small"] else ""),
                               children=[html.Span(t(f"equity.{side}_short", lang), className="equity-name"),
                                         html.Span(x[side]["pct"], className="equity-value"),
                                         html.Span([html.Span(x[side]["n"]), html.Span(x[side]["median"])],
                                                   className="equity-n")]))
    items.append(html.Span(className="equity-side equity-gap", children=[
        html.Span(t("equity.gap_short", lang), className="equity-name"),
        html.Span(x["gap"], className="equity-value", id="wall-equity-gap")]))
    items.append(html.Span(className="equity-side equity-weeks", children=[
        html.Span(t("equity.weeks_short", lang), className="equity-name"), trend_bars(figure, lang)]))
    return items


def pdf_lines(figure, lang: str) -> list[str]:
    """The figure in plain sentences, for the PDFs and the XLSX."""
    x = texts(figure, lang)
    lines = [x["promise"]]
    for side in SIDES:
        s = x[side]
        lines.append(f"{s['name']}: {s['pct']} {t('equity.on_time', lang)} ({s['n']}) · {s['median']}")
    lines.append(f"{t('equity.gap', lang)}: {x['gap']}" + (f" — {x['small_note']}" if x["small_note"] else ""))
    lines.append(f"{t('equity.trend', lang)}: {trend_text(figure, lang)}")
    return lines


def pdf_band(pdf, figure, lang: str, top: float) -> float:
    """The figure across a PDF page at ``top`` (the briefing's cover, the monthly report's first page): its title,
    both sides and the gap on one line, the promise and the weekly gaps beneath; returns the y below it."""
    from layouts import pdf_doc as doc

    pdf.set_xy(pdf.l_margin, top)
    doc.heading(pdf, t("equity.title", lang), 11)
    promise, *sides_and_gap, trend = pdf_lines(figure, lang)
    pdf.set_font("DejaVu", "", 9.5)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(pdf.epw, 4.8, "   ·   ".join(sides_and_gap), new_x="LMARGIN", new_y="NEXT", align="L")
    doc.note(pdf, promise + "  " + trend, size=7.5)
    doc.definitions(pdf, measures.definitions(("equity_gap_pp", "equity_trend"), lang), size=7)
    return pdf.get_y() + 2
