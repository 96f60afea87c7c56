"""/briefing for the Bupati: this period against the one before, districts, OPD league, flow, categories, oldest
open reports. Pure builders; the same tables feed the page, the XLSX and the PDF, so they always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from dash import dcc, html

from core.formatting import fmt_dec, fmt_int, fmt_pct, fmt_when
from core.i18n import Message, t
from core.rules import ROAD, is_remote
from layouts import components as c
from layouts import exports, theme

CONFIG = "briefing-config"
INTERVAL = "briefing-interval"
STATUS = "briefing-status"
PERIOD = "briefing-period"
COMPARE = "briefing-compare"
DISTRICTS = "briefing-districts"
LEAGUE = "briefing-league"
WEEKLY = "briefing-weekly"
CATEGORIES = "briefing-categories"
CATEGORY_TABLE = "briefing-category-table"
OLDEST = "briefing-oldest"
EXPORT_XLSX = "briefing-export-xlsx"
EXPORT_PDF = "briefing-export-pdf"
PRINT = "briefing-print"
DOWNLOAD = "briefing-download"
PRINT_DONE = "briefing-print-done"
# For each compared measure: is a rise good (+1), bad (-1) or neither (0)?
DIRECTION = {"reports": 0, "response_compliance_pct": 1, "resolution_compliance_pct": 1,
             "median_response_hours": -1, "median_resolution_hours": -1}
REMOTE_MARK = "◆ "


@dataclass(frozen=True)
class BriefingData:
    """The query results the briefing is built from (all small)."""

    comparison: pd.DataFrame
    districts: pd.DataFrame
    league: pd.DataFrame
    weekly: pd.DataFrame
    categories: pd.DataFrame
    oldest: pd.DataFrame
    min_sample: int


def layout(query: Mapping, lang: str, options: c.FilterOptions, error: Message | None,
           refresh_seconds: int = 300) -> html.Div:
    actions = html.Div(className="panel-actions no-print", children=[
        html.Button(t("print", lang), id=PRINT, className="button", n_clicks=0),
        html.Button(t("export.xlsx", lang), id=EXPORT_XLSX, className="button", n_clicks=0),
        html.Button(t("export.pdf", lang), id=EXPORT_PDF, className="button primary", n_clicks=0),
        dcc.Download(id=DOWNLOAD), html.Span(id=PRINT_DONE, hidden=True)])
    body = [
        html.Div([html.Div(id=PERIOD, className="page-subtitle"), actions], className="panel-head"),
        html.Div(id=STATUS),
        c.panel(t("briefing.compare", lang), html.Div(id=COMPARE, className="tiles",
                                                     children=c.message(t("loading", lang)))),
        html.Div(className="grid-2", children=[
            c.panel(t("briefing.weekly", lang), c.graph(WEEKLY, 300)),
            c.panel(t("briefing.categories", lang), c.graph(CATEGORIES, 300)),
        ]),
        c.panel(t("briefing.districts", lang), html.Div([
            html.Div(id=DISTRICTS, className="table-scroll"),
            html.P(t("briefing.remote_note", lang), className="page-note")])),
        c.panel(t("briefing.league", lang, n=20), html.Div(id=LEAGUE, className="table-scroll")),
        html.Div(className="grid-2", children=[
            c.panel(t("briefing.categories", lang), html.Div(id=CATEGORY_TABLE)),
            c.panel(t("briefing.oldest", lang), html.Div(id=OLDEST)),
        ]),
        dcc.Store(id=CONFIG, data={"query": c.clean_query(query), "lang": lang}),
        dcc.Interval(id=INTERVAL, interval=max(refresh_seconds, 60) * 1000),
    ]
    return c.page_shell("briefing", lang, query, t("briefing.title", lang), body, options=options,
                        path="/briefing", error=error)


def period_text(comparison: pd.DataFrame, lang: str) -> str:
    from core.i18n import WIT

    row = comparison.iloc[0]
    start = pd.Timestamp(row["start"]).tz_convert(WIT)
    end = pd.Timestamp(row["end"]).tz_convert(WIT)
    prev = pd.Timestamp(row["previous_start"]).tz_convert(WIT)
    return (t("period.label", lang, start=start.strftime("%d-%m-%Y %H:%M"), end=end.strftime("%d-%m-%Y %H:%M"))
            + f" WIT · {t('col.previous', lang)}: {prev.strftime('%d-%m-%Y %H:%M')} – "
              f"{start.strftime('%d-%m-%Y %H:%M')} WIT")


def format_measure(measure: str, value, lang: str = "id") -> str:
    if measure == "reports":
        return fmt_int(value, lang=lang)
    if measure.endswith("_pct"):
        return fmt_pct(value, lang=lang)
    return fmt_dec(value, lang=lang)


def format_change(measure: str, change, lang: str = "id") -> str:
    if change is None or pd.isna(change):
        return "–"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    magnitude = abs(change)
    unit = " pp" if measure.endswith("_pct") else (f" {t('hours', lang)}" if "hours" in measure else "")
    return sign + (fmt_int(magnitude, lang=lang) if measure == "reports" else fmt_dec(magnitude, lang=lang)) + unit


def comparison_tiles(comparison: pd.DataFrame, lang: str) -> list:
    """One tile per measure: this period, the one before, and the change coloured by whether it is better."""
    tiles = []
    for r in comparison.itertuples(index=False):
        direction = DIRECTION.get(r.measure, 0)
        tone = ""
        if direction and r.change is not None and not pd.isna(r.change) and r.change != 0:
            tone = "change-better" if (r.change > 0) == (direction > 0) else "change-worse"
        sample = (f" · {t('sample', lang, n=fmt_int(r.current_sample, lang=lang))}"
                  if r.current_sample is not None and not pd.isna(r.current_sample) else "")
        tiles.append(html.Div(className="tile", children=[
            html.Div(t(f"measure.{r.measure}", lang), className="tile-label"),
            html.Div(format_measure(r.measure, r.current, lang), className="tile-value",
                     id=f"briefing-{r.measure}"),
            html.Div([f"{t('col.previous', lang)}: {format_measure(r.measure, r.previous, lang)}{sample} · ",
                      html.Span(format_change(r.measure, r.change, lang), className=tone,
                                id=f"briefing-{r.measure}-change")], className="tile-change"),
        ]))
    return tiles


def district_frame(districts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Districts (not the 'outside' row) ranked three ways: per 10,000 residents (most first), overdue (most
    first) and median response (slowest first) — the underserved float up. Remote ones are marked."""
    d = districts[districts["code"] != "luar"].copy()
    d["remote"] = [is_remote(a) for a in d["access"]]
    d["rank_per_10k"] = d["per_10k"].rank(ascending=False, method="min").astype("Int64")
    d["rank_overdue"] = d["overdue"].rank(ascending=False, method="min").astype("Int64")
    d["rank_median"] = d["median_response_hours"].rank(ascending=False, method="min").astype("Int64")
    d = d.sort_values(["per_10k", "code"], ascending=[False, True], na_position="last")
    return pd.DataFrame({
        t("col.district", lang): [(REMOTE_MARK if r else "") + n for n, r in zip(d["name"], d["remote"], strict=True)],
        t("col.access", lang): [t(f"access.{a}", lang) for a in d["access"].fillna(ROAD)],
        t("col.reports", lang): d["reports"].astype(int).tolist(),
        t("col.per_10k", lang): d["per_10k"].round(2).tolist(),
        t("briefing.rank_per_10k", lang): d["rank_per_10k"].tolist(),
        t("col.open", lang): d["open"].astype(int).tolist(),
        t("col.overdue", lang): d["overdue"].astype(int).tolist(),
        t("briefing.rank_overdue", lang): d["rank_overdue"].tolist(),
        t("col.median_response", lang): d["median_response_hours"].round(1).tolist(),
        t("briefing.rank_median", lang): d["rank_median"].tolist(),
    })


def league_frame(league: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The OPD league: ranked OPDs by resolution compliance, then the unranked ones (small samples) unnumbered."""
    return pd.DataFrame({
        t("col.rank", lang): [int(r) if not pd.isna(r) else t("briefing.unranked", lang) for r in league["rank"]],
        t("col.opd", lang): league["short_name"].tolist(),
        t("col.resolution_pct", lang): league["resolution_compliance_pct"].round(1).tolist(),
        t("col.resolution_n", lang): league["resolution_sample"].astype(int).tolist(),
        t("col.response_pct", lang): league["response_compliance_pct"].round(1).tolist(),
        t("col.response_n", lang): league["response_sample"].astype(int).tolist(),
        t("col.median_response", lang): league["median_response_hours"].round(1).tolist(),
        t("col.backlog", lang): league["backlog"].astype(int).tolist(),
        t("col.overdue", lang): league["overdue"].astype(int).tolist(),
        # beside compliance, so that rejecting reports is no way to look punctual
        t("col.excluded_pct", lang): league["excluded_pct"].round(1).tolist(),
    })


def comparison_frame(comparison: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("col.measure", lang): [t(f"measure.{m}", lang) for m in comparison["measure"]],
        t("col.current", lang): comparison["current"].round(2).tolist(),
        t("col.previous", lang): comparison["previous"].round(2).tolist(),
        t("col.change", lang): comparison["change"].round(2).tolist(),
        "n": comparison["current_sample"].tolist(),
        "n " + t("col.previous", lang).lower(): comparison["previous_sample"].tolist(),
    })


def weekly_frame(weekly: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("col.week", lang): weekly["week"].tolist(), t("opd.inflow", lang): weekly["inflow"].tolist(),
                         t("col.resolved", lang): weekly["resolved"].tolist()})


def categories_frame(categories: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = categories["category_en"] if lang == "en" else categories["category"]
    return pd.DataFrame({t("col.category", lang): names.tolist(),
                         t("col.reports", lang): categories["reports"].tolist(),
                         t("col.open", lang): categories["open"].tolist(),
                         t("col.overdue", lang): categories["overdue"].tolist()})


def oldest_frame(oldest: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("col.id", lang): oldest["id"].astype(int).tolist(),
        t("col.title", lang): oldest["title"].tolist(),
        t("col.opd", lang): oldest["opd"].fillna("–").tolist(),
        t("col.district", lang): oldest["district"].fillna("–").tolist(),
        t("col.status", lang): oldest["status"].tolist(),
        t("col.age_days", lang): oldest["age_days"].round(1).tolist(),
        t("col.sla_state", lang): [t(f"state.{s}", lang) for s in oldest["sla_state"]],
    })


def tables(data: BriefingData, lang: str) -> dict[str, pd.DataFrame]:
    """Every table of the briefing, titled — the XLSX gets one sheet each, the PDF prints them."""
    return {
        t("briefing.compare", lang): comparison_frame(data.comparison, lang),
        t("explorer.district", lang): district_frame(data.districts, lang),
        "OPD": league_frame(data.league, lang),
        t("briefing.weekly", lang): weekly_frame(data.weekly, lang),
        t("briefing.categories", lang): categories_frame(data.categories, lang),
        t("briefing.oldest", lang): oldest_frame(data.oldest, lang),
    }


def _fmt(value, digits: int | None, lang: str = "id") -> str:
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    return fmt_int(value, lang=lang) if digits is None else fmt_dec(value, digits, lang=lang)


def html_table(frame: pd.DataFrame, table_id: str, *, numeric_from: int = 1, decimals: Mapping[str, int] | None = None,
               row_classes: list | None = None, links: str | None = None, lang: str = "id") -> html.Table:
    """A printable table of a briefing frame, numbers the Indonesian way (``decimals`` gives the digits of the
    decimal columns; the rest are whole numbers); ``links`` names an id column to link to /report/<id>."""
    decimals = decimals or {}
    head = html.Thead(html.Tr([html.Th(col, className="num" if i >= numeric_from else None)
                               for i, col in enumerate(frame.columns)]))
    body = []
    for n, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for i, (col, value) in enumerate(zip(frame.columns, row, strict=True)):
            if links and col == links:
                cells.append(html.Td(c.page_link(f"#{value}", f"/report/{value}", "/briefing")))
            else:
                cells.append(html.Td(_fmt(value, decimals.get(col), lang),
                                     className="num" if i >= numeric_from else None))
        body.append(html.Tr(cells, className=row_classes[n] if row_classes else None))
    return html.Table([head, html.Tbody(body)], className="page-table", id=table_id + "-table")


def district_table(data: BriefingData, lang: str) -> html.Table:
    frame = district_frame(data.districts, lang)
    return html_table(frame, DISTRICTS, numeric_from=2,
                      decimals={t("col.per_10k", lang): 2, t("col.median_response", lang): 1})


def league_table(data: BriefingData, lang: str) -> html.Table:
    frame = league_frame(data.league, lang)
    classes = [None if ranked else "row-unranked" for ranked in data.league["ranked"]]
    decimals = {t(k, lang): 1 for k in ("col.resolution_pct", "col.response_pct", "col.median_response",
                                         "col.excluded_pct")}
    return html_table(frame, LEAGUE, numeric_from=2, decimals=decimals, row_classes=classes, lang=lang)


def categories_table(data: BriefingData, lang: str) -> html.Table:
    return html_table(categories_frame(data.categories, lang), CATEGORY_TABLE, lang=lang)


def oldest_table(data: BriefingData, lang: str) -> html.Table:
    frame = oldest_frame(data.oldest, lang)
    return html_table(frame, OLDEST, numeric_from=99, decimals={t("col.age_days", lang): 1},
                      links=t("col.id", lang))


def categories_figure(categories: pd.DataFrame, lang: str) -> dict:
    names = categories["category_en"] if lang == "en" else categories["category"]
    return c.hbar_figure(names.tolist(), categories["reports"].astype(int).tolist(), theme.OKABE_ITO["sky"],
                         lang=lang)


def pdf_bytes(briefing: BriefingData, lang: str, now) -> bytes:
    """The briefing as a PDF: its charts drawn by matplotlib, its tables by fpdf2 (the same tables as the page)."""
    league = briefing.league[briefing.league["ranked"]]
    districts = briefing.districts[briefing.districts["code"] != "luar"].sort_values("per_10k", ascending=False)
    charts = [
        (t("briefing.weekly", lang), exports.weekly_png(briefing.weekly, t("opd.inflow", lang),
                                                         t("col.resolved", lang))),
        (t("col.per_10k", lang), exports.hbar_png(
            [(REMOTE_MARK if is_remote(a) else "") + n for n, a in zip(districts["name"], districts["access"],
                                                                        strict=True)],
            [float(v) for v in districts["per_10k"].fillna(0)], theme.OKABE_ITO["blue"])),
        (t("col.resolution_pct", lang), exports.hbar_png(list(league["short_name"]),
                                                         [float(v) for v in league["resolution_compliance_pct"]],
                                                         theme.OKABE_ITO["green"])),
    ]
    return exports.briefing_pdf(t("pdf.title", lang), period_text(briefing.comparison, lang), charts,
                                tables(briefing, lang), t("pdf.generated", lang, when=fmt_when(now, lang=lang)))
