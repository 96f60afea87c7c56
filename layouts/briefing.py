"""/briefing for the Bupati: this period against the one before, districts, OPD league, flow, categories, oldest
open reports. Pure builders; the same tables feed the page, the XLSX and the PDF, so they always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from dash import dcc, html

from core import measures
from core.formatting import fmt_dec, fmt_int, fmt_pct, fmt_week
from core.i18n import Message, status_label, t
from core.rules import NO_DISTRICT, ROAD, is_remote
from layouts import components as c
from layouts import equity
from layouts import targets as goals

CONFIG = "briefing-config"
INTERVAL = "briefing-interval"
STATUS = "briefing-status"
PERIOD = "briefing-period"
COMPARE = "briefing-compare"
DISTRICTS = "briefing-districts"
LEAGUE = "briefing-league"
WEEKLY = "briefing-weekly"
CATEGORIES = "briefing-categories"
OLDEST = "briefing-oldest"
SURGES = "briefing-surges"
EQUITY = "briefing-equity"
EXPORT_XLSX = "briefing-export-xlsx"
EXPORT_PDF = "briefing-export-pdf"
PRINT = "briefing-print"
DOWNLOAD = "briefing-download"
PRINT_DONE = "briefing-print-done"
MONTH = "briefing-month"
MONTHLY_PDF = "briefing-monthly-pdf"
MONTHLY_XLSX = "briefing-monthly-xlsx"
MONTHLY_DOWNLOAD = "briefing-monthly-download"
MONTHLY_STATUS = "briefing-monthly-status"
# For each compared measure: is a rise good (+1), bad (-1) or neither (0)?
# Which way is better (core.measures.DIRECTION) as +1 / −1; the volume of reports has no better way (0).
DIRECTION = {"reports": 0, **{key: 1 if measures.DIRECTION[key] == measures.HIGHER else -1
                              for key in ("response_compliance_pct", "resolution_compliance_pct",
                                          "median_response_hours", "median_resolution_hours")}}
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
    targets: Mapping[str, float] = field(default_factory=dict)  # measure_targets of the view, {figure: target}
    surges: pd.DataFrame | None = None  # surge_alerts at the briefing's "now"
    equity: object = None  # data_access/queries/equity.py's LocationEquity, shown by layouts/equity.py


# The figures the briefing, its PDF and XLSX show (core/measures.py defines each).
FIGURES = ("equity_gap_pp", "equity_trend", "reports", "response_compliance_pct", "resolution_compliance_pct",
           "time_unknown", "median_response_hours", "median_resolution_hours", "open", "overdue", "per_10k",
           "excluded_pct", "surge")
# The PDFs define the equity figures in their equity band (layouts/equity.py: pdf_band), beside the figure, and the
# rest on their notes page: a full list no longer fits the briefing's fourth page.
PDF_FIGURES = tuple(k for k in FIGURES if not k.startswith("equity_"))


def layout(query: Mapping, lang: str, options: c.FilterOptions, error: Message | None,
           refresh_seconds: int = 300, months: list[tuple[str, str]] | None = None) -> html.Div:
    """The briefing: every table in full (no inner scroll bar hides a district or an OPD), one panel per topic,
    printable on A4 landscape; the monthly performance report is asked for at the bottom (not printed)."""
    actions = html.Div(className="panel-actions no-print", children=[
        html.Button(t("print", lang), id=PRINT, className="button", n_clicks=0),
        html.Button(t("export.xlsx", lang), id=EXPORT_XLSX, className="button", n_clicks=0),
        html.Button(t("export.pdf", lang), id=EXPORT_PDF, className="button primary", n_clicks=0),
        dcc.Download(id=DOWNLOAD), html.Span(id=PRINT_DONE, hidden=True)])
    months = months or []
    monthly = c.panel(t("monthly.title", lang), html.Div(className="monthly-form", children=[
        html.P(t("monthly.about", lang), className="page-note"),
        html.Div(className="panel-actions", children=[
            dcc.Dropdown(id=MONTH, options=[{"label": label, "value": key} for key, label in months],
                         value=months[min(1, len(months) - 1)][0] if months else None,  # the last full month
                         clearable=False, className="monthly-month"),
            html.Button(t("export.pdf", lang), id=MONTHLY_PDF, className="button primary", n_clicks=0),
            html.Button(t("export.xlsx", lang), id=MONTHLY_XLSX, className="button", n_clicks=0),
            dcc.Download(id=MONTHLY_DOWNLOAD)]),
        html.Div(id=MONTHLY_STATUS)]), extra_class="no-print")
    body = [
        html.Div([html.Div(id=PERIOD, className="page-subtitle"), actions], className="panel-head"),
        html.Div(id=STATUS),
        # The promise first: a response in every district, remote against road (layouts/equity.py).
        c.panel(t("equity.title", lang), html.Div(id=EQUITY, children=c.message(t("loading", lang))),
                extra_class="briefing-wide briefing-equity"),
        c.panel(t("briefing.compare", lang), html.Div(id=COMPARE, className="tiles",
                                                     children=c.message(t("loading", lang)))),
        c.panel(t("briefing.surges", lang), html.Div([
            html.Div(id=SURGES, className="briefing-table"),
            html.P(t("briefing.surges_note", lang), className="page-note surges-note")]),
                extra_class="briefing-wide briefing-surges"),
        html.Div(className="grid-2 briefing-pair", children=[
            c.panel(t("briefing.weekly", lang), html.Div(id=WEEKLY, children=c.message(t("loading", lang)))),
            c.panel(t("briefing.categories", lang), html.Div(id=CATEGORIES)),
        ]),
        c.panel(t("briefing.districts", lang), html.Div([
            html.Div(id=DISTRICTS, className="briefing-table"),
            html.P(t("briefing.remote_note", lang), className="page-note")]), extra_class="briefing-wide"),
        c.panel(t("briefing.league", lang, n=20), html.Div([
            html.Div(id=LEAGUE, className="briefing-table"),
            html.P(t("briefing.league_note", lang, n=20), className="page-note")]), extra_class="briefing-wide"),
        c.panel(t("briefing.oldest", lang), html.Div(id=OLDEST, className="briefing-table"),
                extra_class="briefing-wide"),
        c.figures_explained(FIGURES, lang),
        monthly,
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


def period_span(comparison: pd.DataFrame) -> str:
    """The briefing's period in WIT, as every page and sheet of its documents names it."""
    from core.i18n import WIT

    row = comparison.iloc[0]
    start, end = (pd.Timestamp(row[k]).tz_convert(WIT).strftime("%d-%m-%Y %H:%M") for k in ("start", "end"))
    return f"{start} – {end} WIT"


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


def comparison_tiles(comparison: pd.DataFrame, lang: str, targets: Mapping[str, float] | None = None) -> list:
    """One tile per measure: this period with its sample, the one before with its own, and the change coloured by
    whether it is better (no percentage without the n it rests on); against its target where it has one."""
    targets = targets or {}
    tiles = []
    for r in comparison.itertuples(index=False):
        direction = DIRECTION.get(r.measure, 0)
        tone = ""
        if direction and r.change is not None and not pd.isna(r.change) and r.change != 0:
            tone = "change-better" if (r.change > 0) == (direction > 0) else "change-worse"
        current = [html.Div(format_measure(r.measure, r.current, lang), className="tile-value",
                            id=f"briefing-{r.measure}")]
        previous = f"{t('col.previous', lang)}: {format_measure(r.measure, r.previous, lang)}"
        if _has(r.current_sample):
            current.append(html.Div(t("sample", lang, n=fmt_int(r.current_sample, lang=lang)), className="tile-sample",
                                    id=f"briefing-{r.measure}-n"))
            previous += f" ({t('sample', lang, n=fmt_int(r.previous_sample, lang=lang))})"
        tiles.append(html.Div(className="tile", children=[
            html.Div(measures.name(r.measure, lang), className="tile-label"), *current,
            html.Div([f"{previous} · ", html.Span(format_change(r.measure, r.change, lang), className=tone,
                                                 id=f"briefing-{r.measure}-change")], className="tile-change"),
            *target_line(r.measure, r.current, targets, lang),
        ]))
    return tiles


def target_line(measure: str, current, targets: Mapping[str, float], lang: str = "id") -> list:
    """The tile's line against its target ("✓ memenuhi sasaran ≥ 90 %"), or nothing for a figure without one."""
    text, state = goals.target_text(measure, current if _has(current) else None, targets.get(measure), lang)
    if not text:
        return []
    return [html.Div(text, className=f"tile-target target-{state or 'none'}", id=f"briefing-{measure}-target")]


def _has(value) -> bool:
    return value is not None and not pd.isna(value)


def ranked_districts(districts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The districts ranked three ways — per 10,000 residents (most first), overdue (most first) and median
    response (slowest first), so the underserved float up — remote ones flagged; then, unranked, the reports
    without a district ("Tanpa lokasi"), so the rows add up to the briefing's totals. For the table, the XLSX
    and the PDF alike."""
    d = districts[districts["code"] != NO_DISTRICT].copy()
    d["remote"] = [is_remote(a) for a in d["access"]]
    d["rank_per_10k"] = d["per_10k"].rank(ascending=False, method="min").astype("Int64")
    d["rank_overdue"] = d["overdue"].rank(ascending=False, method="min").astype("Int64")
    d["rank_median"] = d["median_response_hours"].rank(ascending=False, method="min").astype("Int64")
    d = d.sort_values(["per_10k", "code"], ascending=[False, True], na_position="last")
    outside = districts[districts["code"] == NO_DISTRICT].copy()
    if len(outside):
        outside = outside.assign(name=t("tiles.outside", lang), remote=False, per_10k=None, access=None)
        d = pd.concat([d, outside], ignore_index=True)
    return d.reset_index(drop=True)


def district_frame(districts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """ranked_districts as the briefing's table: names marked remote, access in words, ranks beside each measure."""
    d = ranked_districts(districts, lang)
    located = d["code"] != NO_DISTRICT
    return pd.DataFrame({
        t("col.district", lang): [(REMOTE_MARK if r else "") + n for n, r in zip(d["name"], d["remote"], strict=True)],
        t("col.access", lang): [t(f"access.{a}", lang) if ok else "–"
                                for a, ok in zip(d["access"].fillna(ROAD), located, strict=True)],
        t("col.reports", lang): d["reports"].astype(int).tolist(),
        t("col.per_10k", lang): pd.to_numeric(d["per_10k"]).round(2).tolist(),
        t("briefing.rank_per_10k", lang): d["rank_per_10k"].tolist(),
        t("col.open", lang): d["open"].astype(int).tolist(),
        t("col.overdue", lang): d["overdue"].astype(int).tolist(),
        t("briefing.rank_overdue", lang): d["rank_overdue"].tolist(),
        t("col.median_response", lang): d["median_response_hours"].round(1).tolist(),
        t("briefing.rank_median", lang): d["rank_median"].tolist(),
    })


def resolution_shown(league: pd.DataFrame) -> list:
    """Each row's resolution compliance as the views show it: withheld (None) where the rule book says its sample
    would reward sitting on reports (compliance_by_opd's ``withheld``: more overdue now than decided)."""
    return [None if held or not _has(pct) else float(pct)
            for pct, held in zip(league["resolution_compliance_pct"], league["withheld"], strict=True)]


def league_ranks(league: pd.DataFrame, lang: str, unranked: str = "–") -> list:
    """Each row's rank among every OPD of the regency: the number when the whole league is shown, "9 dari 19" when
    the viewer sees part of it (an OPD head sees where their OPD stands, never "1 of 1")."""
    ranked_of = int(league["ranked_of"].iloc[0]) if len(league) else 0
    partial = int(league["ranked"].sum()) < ranked_of
    return [unranked if pd.isna(r) else t("league.rank_of", lang, rank=int(r), n=ranked_of) if partial else int(r)
            for r in league["rank"]]


def met_and_missed(league: pd.DataFrame, lang: str) -> dict:
    """The resolution sample's two parts as columns of an export: resolved on time, and missed (late or still open
    past the due time), so a percentage never travels without what it rests on."""
    return {t("col.resolution_met", lang): league["resolution_met"].astype(int).tolist(),
            t("col.resolution_missed", lang): (league["resolution_sample"] - league["resolution_met"]).astype(int)
            .tolist()}


def league_frame(league: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The OPD league: ranked OPDs by resolution compliance, then the unranked ones (small samples) unnumbered.
    Every percentage has its sample in the next column, and the overdue count sits beside the compliance."""
    reports = league["period_reports"] if "period_reports" in league else league["excluded"] * 0
    return pd.DataFrame({
        t("col.rank", lang): league_ranks(league, lang, t("briefing.unranked", lang)),
        t("col.opd", lang): league["short_name"].tolist(),
        t("col.resolution_pct", lang): [None if v is None else round(v, 1) for v in resolution_shown(league)],
        t("col.resolution_n", lang): league["resolution_sample"].astype(int).tolist(),
        **met_and_missed(league, lang),
        t("col.response_pct", lang): league["response_compliance_pct"].round(1).tolist(),
        t("col.response_n", lang): league["response_sample"].astype(int).tolist(),
        t("col.median_response", lang): league["median_response_hours"].round(1).tolist(),
        t("col.backlog", lang): league["backlog"].astype(int).tolist(),
        t("col.open_in_time", lang): (league["backlog"] - league["overdue"]).astype(int).tolist(),
        t("col.overdue", lang): league["overdue"].astype(int).tolist(),
        # beside compliance, so that rejecting reports is no way to look punctual
        t("col.excluded_pct", lang): league["excluded_pct"].round(1).tolist(),
        t("col.excluded_n", lang): reports.astype(int).tolist(),
    })


def comparison_frame(comparison: pd.DataFrame, lang: str, targets: Mapping[str, float] | None = None) -> pd.DataFrame:
    targets = targets or {}
    return pd.DataFrame({
        t("col.measure", lang): [measures.name(m, lang) for m in comparison["measure"]],
        t("col.current", lang): comparison["current"].round(2).tolist(),
        t("col.previous", lang): comparison["previous"].round(2).tolist(),
        t("col.change", lang): comparison["change"].round(2).tolist(),
        "n": comparison["current_sample"].tolist(),
        "n " + t("col.previous", lang).lower(): comparison["previous_sample"].tolist(),
        t("target.label", lang): [goals.target_text(m, v if _has(v) else None, targets.get(m), lang)[0]
                                  for m, v in zip(comparison["measure"], comparison["current"], strict=True)],
    })


def week_labels(weekly: pd.DataFrame, lang: str) -> list[str]:
    """'7–13 Sep' for each week (Monday–Sunday, WIT) instead of ISO labels such as '2026-W37'."""
    return [fmt_week(date.fromisoformat(str(d)), lang) for d in weekly["week_start"]]


def weekly_frame(weekly: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("col.week", lang): week_labels(weekly, lang),
                         t("col.week_start", lang): [date.fromisoformat(str(d)) for d in weekly["week_start"]],
                         t("opd.inflow", lang): weekly["inflow"].tolist(),
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
        t("col.district", lang): [c.place_name(d, located, lang) for d, located in
                                  zip(oldest["district"], oldest["located"], strict=True)],
        t("col.status", lang): [status_label(s, lang) for s in oldest["status"]],
        t("col.sla_state", lang): [t(f"state.{s}", lang) for s in oldest["sla_state"]],
        t("col.age_days", lang): oldest["age_days"].round(1).tolist(),
    })


def surges_frame(surges: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """The surge alerts as the briefing lists them: district, category, reports in 24 hours, expected, chance."""
    surges = surges if surges is not None else pd.DataFrame(
        columns=["district_code", "district", "category", "category_en", "observed", "expected", "p_value"])
    districts = [d if isinstance(d, str) and d else t("tiles.outside", lang) for d in surges["district"]]
    categories = surges["category_en"] if lang == "en" else surges["category"]
    return pd.DataFrame({t("col.district", lang): districts,
                         t("col.category", lang): categories.tolist(),
                         t("col.observed_24h", lang): surges["observed"].astype(int).tolist(),
                         t("col.expected_24h", lang): surges["expected"].astype(float).round(1).tolist(),
                         t("col.p_value", lang): [chance_text(p, lang) for p in surges["p_value"]]})


def chance_text(p: float, lang: str) -> str:
    """A small probability as "1 in N" (N rounded to three figures); below one in a million, just that."""
    if not p > 1e-6:
        return "< " + t("surge.chance", lang, n=fmt_int(1_000_000, lang=lang))
    n = 1 / p
    n = round(n, -max(0, len(str(int(n))) - 3))
    return t("surge.chance", lang, n=fmt_int(n, lang=lang))


def surges_table(data: BriefingData, lang: str):
    """The surge alerts, or one line saying there is none."""
    frame = surges_frame(data.surges, lang)
    if frame.empty:
        return html.P(t("surge.none", lang), className="page-note surge-none")
    return html_table(frame, SURGES, numeric_from=2, decimals={t("col.expected_24h", lang): 1}, lang=lang)


def equity_section(data: BriefingData, lang: str):
    """The location-equity headline at the top of the briefing; a plain message while it has no figure."""
    if data.equity is None:
        return c.message("–")
    return equity.panel_body(data.equity, lang, EQUITY + "-figure")


def equity_frame(figure, lang: str) -> pd.DataFrame:
    """The figure as a table (the XLSX): each side's on-time share with its n, its median; the gap; the weeks."""
    x = equity.texts(figure, lang)
    rows = [(x[side]["name"], x[side]["pct"], x[side]["n"], x[side]["median"]) for side in equity.SIDES]
    rows.append((t("equity.gap", lang), x["gap"], x["small_note"], ""))
    rows += [(fmt_week(date.fromisoformat(monday), lang), equity.signed_points(value, lang),
              t("briefing.small", lang) if small else "", "") for monday, value, small in equity.trend_points(figure)]
    return pd.DataFrame(rows, columns=[t("col.district", lang), t("col.response_pct", lang), "n",
                                       t("col.median_response", lang)])


def tables(data: BriefingData, lang: str) -> dict[str, pd.DataFrame]:
    """Every table of the briefing, titled — the XLSX gets one sheet each, the PDF prints them."""
    return {
        **({t("equity.wall_title", lang): equity_frame(data.equity, lang)} if data.equity is not None else {}),
        t("briefing.sheet.compare", lang): comparison_frame(data.comparison, lang, data.targets),
        t("briefing.surges", lang): surges_frame(data.surges, lang),
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
               row_classes: list | None = None, links: str | None = None, lang: str = "id",
               cells: Mapping[str, object] | None = None) -> html.Table:
    """A printable table of a briefing frame, numbers the Indonesian way (``decimals`` gives the digits of the
    decimal columns; the rest are whole numbers); ``links`` names an id column to link to /report/<id> (report
    numbers are names, never written with a thousands separator); ``cells`` maps a column to a function
    ``(row position, value) → cell children`` for the few cells that say more than one number."""
    decimals, cells = decimals or {}, cells or {}
    head = html.Thead(html.Tr([html.Th(col, className="num" if i >= numeric_from else None)
                               for i, col in enumerate(frame.columns)]))
    body = []
    for n, row in enumerate(frame.itertuples(index=False)):
        tds = []
        for i, (col, value) in enumerate(zip(frame.columns, row, strict=True)):
            num = "num" if i >= numeric_from else None
            if links and col == links:
                link = c.page_link(f"#{int(value)}", f"/report/{int(value)}", "/briefing")
                tds.append(html.Td(link, className="report-no"))
            elif col in cells:
                tds.append(html.Td(cells[col](n, value), className=num))
            else:
                tds.append(html.Td(_fmt(value, decimals.get(col), lang), className=num))
        body.append(html.Tr(tds, className=row_classes[n] if row_classes else None))
    return html.Table([head, html.Tbody(body)], className="page-table", id=table_id + "-table")


def district_table(data: BriefingData, lang: str) -> html.Table:
    frame = district_frame(data.districts, lang)
    remote = [name.startswith(REMOTE_MARK) for name in frame[t("col.district", lang)]]
    return html_table(frame, DISTRICTS, numeric_from=2, row_classes=["is-remote" if r else None for r in remote],
                      decimals={t("col.per_10k", lang): 1, t("col.median_response", lang): 1}, lang=lang)


def pct_with_sample(pct, sample, lang: str, min_sample: int, overdue: int | None = None,
                    met: int | None = None) -> list:
    """'83,3%' with 'n = 42' beside it; a sample below the ranking minimum is marked as such, and no sample gives
    no percentage at all. With ``overdue`` (a withheld percentage, resolution_shown): '–' and 'n = 1 · 25
    terlambat', so a small sample never stands alone beside a backlog. With ``met``: 'n = 42 · 35 tepat · 7
    terlambat', the sample's two parts."""
    sample = int(sample) if _has(sample) else 0
    if overdue is not None:
        return [html.Span("–", className="pct"),
                html.Span(t("sample", lang, n=fmt_int(sample, lang=lang)) + " · "
                          + t("briefing.withheld", lang, n=fmt_int(overdue, lang=lang)), className="pct-n pct-n-small")]
    if sample == 0 or not _has(pct):
        return [html.Span("–", className="pct"), html.Span(t("sample", lang, n="0"), className="pct-n")]
    small = sample < min_sample
    label = t("sample", lang, n=fmt_int(sample, lang=lang)) if met is None else t(
        "league.split", lang, n=fmt_int(sample, lang=lang), met=fmt_int(met, lang=lang),
        missed=fmt_int(sample - met, lang=lang))
    return [html.Span(fmt_pct(pct, lang=lang), className="pct pct-small" if small else "pct"),
            html.Span(label + (f" · {t('briefing.small', lang)}" if small else ""),
                      className="pct-n pct-n-small" if small else "pct-n")]


def league_table(data: BriefingData, lang: str) -> html.Table:
    """Rank, OPD, resolution on time (% with n), overdue beside it, response on time (% with n), median response,
    open backlog, and the rejected/archived share of the period's reports (with how many reports that is of)."""
    league = data.league.reset_index(drop=True)
    reports = league["period_reports"] if "period_reports" in league else league["excluded"] * 0
    frame = pd.DataFrame({
        t("col.rank", lang): league_ranks(league, lang),
        t("col.opd", lang): league["short_name"].tolist(),
        t("col.resolution_pct", lang): resolution_shown(league),
        t("col.overdue", lang): league["overdue"].astype(int).tolist(),
        t("col.response_pct", lang): league["response_compliance_pct"].tolist(),
        t("col.median_response", lang): league["median_response_hours"].tolist(),
        t("col.backlog", lang): league["backlog"].astype(int).tolist(),
        t("col.excluded_pct", lang): league["excluded_pct"].tolist(),
    })
    classes = [None if ranked else "row-unranked" for ranked in league["ranked"]]
    withheld = list(league["withheld"])

    def share(n: int, pct):
        total = int(reports.iloc[n])
        if not total:
            return [html.Span("–", className="pct"), html.Span(t("briefing.of_reports", lang, n="0"),
                                                               className="pct-n")]
        return [html.Span(fmt_pct(pct, lang=lang), className="pct"),
                html.Span(t("briefing.of_reports", lang, n=fmt_int(total, lang=lang)), className="pct-n")]

    cells = {
        t("col.resolution_pct", lang): lambda n, v: pct_with_sample(
            v, league["resolution_sample"].iloc[n], lang, data.min_sample,
            int(league["overdue"].iloc[n]) if withheld[n] else None, int(league["resolution_met"].iloc[n])),
        t("col.response_pct", lang): lambda n, v: pct_with_sample(v, league["response_sample"].iloc[n], lang,
                                                                  data.min_sample),
        t("col.excluded_pct", lang): share,
    }
    return html_table(frame, LEAGUE, numeric_from=2, decimals={t("col.median_response", lang): 1},
                      row_classes=classes, lang=lang, cells=cells)


def categories_table(data: BriefingData, lang: str) -> html.Table:
    """The top categories once: a bar for the reports received beside the number, then open and overdue now."""
    frame = categories_frame(data.categories, lang)
    biggest = max([int(v) for v in data.categories["reports"]] or [1]) or 1

    def bar(_n: int, value):
        return html.Div(className="cell-bar", children=[
            html.Span(className="cell-bar-fill", style={"width": f"{100 * int(value) / biggest:.1f}%"}),
            html.Span(fmt_int(value, lang=lang), className="cell-bar-value")])

    return html_table(frame, CATEGORIES, lang=lang, cells={t("col.reports", lang): bar})


def oldest_table(data: BriefingData, lang: str) -> html.Table:
    frame = oldest_frame(data.oldest, lang)
    return html_table(frame, OLDEST, numeric_from=6, decimals={t("col.age_days", lang): 1},
                      links=t("col.id", lang), lang=lang)


def weekly_chart(weekly: pd.DataFrame, lang: str, until=None) -> html.Div:
    """Reports in against reports resolved per week as plain HTML bars: they take the width of their panel on a
    screen and on paper alike (a Plotly chart keeps its screen width when printed and runs into its neighbour).
    The week still running (``until`` falls inside it) is marked, so its short bars do not read as a fall."""
    if weekly.empty:
        return c.message(t("none", lang))
    top = max(int(weekly["inflow"].max()), int(weekly["resolved"].max()), 1)
    labels = week_labels(weekly, lang)
    running = None
    if until is not None:
        from core.i18n import WIT

        today = pd.Timestamp(until).tz_convert(WIT).date()
        running = next((i for i, d in enumerate(weekly["week_start"])
                        if date.fromisoformat(str(d)) <= today < date.fromisoformat(str(d)) + timedelta(days=7)), None)
    weeks = []
    for i, (label, inflow, resolved) in enumerate(zip(labels, weekly["inflow"], weekly["resolved"], strict=True)):
        bars = [html.Div(className=f"flow-bar flow-{kind}", style={"height": f"{100 * int(v) / top:.1f}%"},
                         title=f"{label}: {fmt_int(v, lang=lang)}",
                         children=html.Span(fmt_int(v, lang=lang), className="flow-value"))
                for kind, v in (("inflow", inflow), ("resolved", resolved))]
        weeks.append(html.Div(className="flow-week" + (" flow-running" if i == running else ""), children=[
            html.Div(bars, className="flow-pair"),
            html.Div(label + (" *" if i == running else ""), className="flow-label")]))
    legend = html.Div(className="flow-legend", children=[
        html.Span([html.Span(className="swatch flow-inflow"), t("opd.inflow", lang)]),
        html.Span([html.Span(className="swatch flow-resolved"), t("col.resolved", lang)]),
        *([html.Span(t("briefing.running_week", lang), className="page-note")] if running is not None else [])])
    return html.Div([legend, html.Div(weeks, className="flow-weeks",
                                      style={"gridTemplateColumns": f"repeat({len(weeks)}, minmax(0, 1fr))"})],
                    className="flow-chart", id=WEEKLY + "-chart")


def export_stamp(comparison: pd.DataFrame) -> str:
    """The WIT day the briefing's period ends on (its last included moment), as YYYYMMDD, for file names: a
    briefing made at 08:00 WIT names that WIT day, not the UTC day before."""
    from core.i18n import WIT

    end = pd.Timestamp(comparison.iloc[0]["end"]).tz_convert(WIT) - pd.Timedelta(microseconds=1)
    return end.strftime("%Y%m%d")
