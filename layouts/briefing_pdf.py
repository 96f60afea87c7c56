"""The Bupati's briefing as a printed document: four A4 landscape pages at most.

1. Cover: the period's headline figures with their samples and their change, what needs attention (worked out
   from the same figures), and the district map (reports per 10,000 residents, drawn from the boundaries).
2. Districts ranked (remote ones marked ◆) beside the weekly trend and the top categories.
3. The OPD league: every percentage with its sample, the overdue count beside it.
4. The oldest open reports, and what the numbers mean.

Every page carries the data cut-off in WIT and "Halaman n dari N". Pure: the briefing's frames in, bytes out.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from core import measures
from core.i18n import WIT, status_label, t
from core.rules import NO_DISTRICT, is_remote
from layouts import equity
from layouts import pdf_doc as doc
from layouts import targets as goals
from layouts.briefing import (
    DIRECTION,
    PDF_FIGURES,
    REMOTE_MARK,
    BriefingData,
    format_change,
    format_measure,
    league_ranks,
    period_span,
    ranked_districts,
    resolution_shown,
    week_labels,
)
from layouts.components import place_name
from layouts.wall import SURGE_MARK


def _has(value) -> bool:
    return value is not None and not pd.isna(value)


def _period(comparison: pd.DataFrame, lang: str) -> str:
    row = comparison.iloc[0]
    fmt = "%d-%m-%Y %H:%M"
    start, end, prev = (pd.Timestamp(row[k]).tz_convert(WIT).strftime(fmt) for k in ("start", "end",
                                                                                        "previous_start"))
    return t("doc.period", lang, start=start, end=end, prev=prev)


def _tone(measure: str, change) -> str:
    direction = DIRECTION.get(measure, 0)
    if not direction or not _has(change) or change == 0:
        return ""
    return "better" if (change > 0) == (direction > 0) else "worse"


def surges_now(data: BriefingData) -> pd.DataFrame:
    return data.surges if data.surges is not None else pd.DataFrame()


def surge_line(row, lang: str) -> str:
    """One surge alert as the wall says it: mark and word, district · category, reports in 24 hours (usually …)."""
    district = row.district if _has(row.district) else t("tiles.outside", lang)
    category = row.category_en if lang == "en" and _has(row.category_en) else row.category
    return f"{SURGE_MARK} {t('surge.label', lang)}: " + t("surge.item", lang, district=district, category=category,
                                                 observed=doc.count(row.observed, lang),
                                                 expected=doc.dec(row.expected, lang))


def _attention(data: BriefingData, lang: str) -> list[str]:
    """The few lines a reader should not miss, from the same figures as the tables below."""
    lines = [surge_line(r, lang) for r in surges_now(data).head(3).itertuples(index=False)]
    d = data.districts[data.districts["code"] != NO_DISTRICT]
    slow = d.dropna(subset=["median_response_hours"]).sort_values("median_response_hours", ascending=False)
    if len(slow):
        r = slow.iloc[0]
        lines.append(t("doc.attn.slowest", lang, district=(REMOTE_MARK if is_remote(r["access"]) else "") + r["name"],
                       hours=doc.dec(r["median_response_hours"], lang), overdue=doc.count(r["overdue"], lang),
                       n=doc.count(r["reports"], lang)))
    remote = d["access"].map(is_remote)
    people = {k: float(d.loc[m, "population"].fillna(0).sum()) for k, m in (("remote", remote), ("road", ~remote))}
    if people["remote"] and people["road"]:
        rate = {k: 10_000 * float(d.loc[m, "reports"].sum()) / people[k] for k, m in (("remote", remote),
                                                                                     ("road", ~remote))}
        lines.append(t("doc.attn.remote", lang, remote=doc.dec(rate["remote"], lang), road=doc.dec(rate["road"], lang),
                       overdue=doc.count(d.loc[remote, "overdue"].sum(), lang)))
    league = data.league
    if len(league) and int(league["overdue"].max()) > 0:
        r = league.sort_values(["overdue", "opd_code"], ascending=[False, True]).iloc[0]
        lines.append(t("doc.attn.overdue", lang, opd=r["short_name"], overdue=doc.count(r["overdue"], lang),
                       pct=doc.pct(resolution_shown(league.loc[[r.name]])[0], lang),
                       n=doc.count(r["resolution_sample"], lang)))
    small = league[(~league["ranked"]) & (league["overdue"] > 0)].sort_values("overdue", ascending=False)
    if len(small):
        names = ", ".join(f"{r.short_name} ({doc.count(r.overdue, lang)})" for r in small.head(4).itertuples())
        lines.append(t("doc.attn.unranked", lang, opds=names, n=data.min_sample))
    if len(data.oldest):
        r = data.oldest.iloc[0]
        lines.append(t("doc.attn.oldest", lang, no=doc.report_no(r["id"]), days=doc.dec(r["age_days"], lang),
                       opd=r["opd"] if _has(r["opd"]) else "–",
                       district=place_name(r["district"], r["located"], lang)))
    return lines


def _cover(pdf, data: BriefingData, lang: str, boundaries: dict | None) -> None:
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(0, 9, t("pdf.title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*doc.MUTED)
    pdf.cell(0, 5, _period(data.comparison, lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*doc.INK)
    top = pdf.get_y() + 3
    map_h = 100.0
    if data.equity is not None:  # the promise first: a response in every district
        below_band = equity.pdf_band(pdf, data.equity, lang, top)
        map_h -= below_band - top  # the map gives up the band's height: the cover stays one page
        top = below_band
    n = max(len(data.comparison), 1)
    w, h = (pdf.epw - 3 * (n - 1)) / n, 32.0
    for i, r in enumerate(data.comparison.itertuples(index=False)):
        sample = (t("sample", lang, n=doc.count(r.current_sample, lang)) if _has(r.current_sample) else "")
        previous = f"{t('doc.before', lang)}: {format_measure(r.measure, r.previous, lang)}"
        if _has(r.previous_sample):
            previous += f" ({t('sample', lang, n=doc.count(r.previous_sample, lang))})"
        doc.card(pdf, pdf.l_margin + i * (w + 3), top, w, h, measures.name(r.measure, lang),
                 format_measure(r.measure, r.current, lang), sample, previous,
                 format_change(r.measure, r.change, lang), _tone(r.measure, r.change),
                 goals.target_text(r.measure, r.current if _has(r.current) else None, data.targets.get(r.measure),
                                   lang)[0])
    below = top + h + 6
    left_w, gap = 104.0, 6.0
    pdf.set_xy(pdf.l_margin, below)
    doc.heading(pdf, t("doc.attention", lang), 11, width=left_w)
    pdf.set_font("DejaVu", "", 9.5)
    for line in _attention(data, lang):
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(left_w, 5.2, "•  " + line, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1.5)
    # the map on the right: reports per 10,000 residents, each district named on it (remote ones marked ◆)
    d = data.districts[data.districts["code"] != NO_DISTRICT]
    values = {r.code: (float(r.per_10k) if _has(r.per_10k) else None) for r in d.itertuples()}
    marks = {r.code: ("◆ " if is_remote(r.access) else "") + str(r.name) for r in d.itertuples()}
    points = {r.code: (r.label_lat, r.label_lon) for r in d.itertuples()
              if _has(r.label_lat) and _has(r.label_lon)}
    map_x, map_w = pdf.l_margin + left_w + gap, pdf.epw - left_w - gap
    pdf.set_xy(map_x, below)
    doc.heading(pdf, t("doc.map", lang), 11, x=map_x, width=map_w)
    doc.image(pdf, doc.map_png(boundaries, values, marks, points, map_w, map_h, t("col.per_10k", lang),
                               t("doc.no_data", lang), lang), map_x, below + 7, map_w, map_h)
    pdf.set_xy(map_x, below + 7 + map_h + 1)
    doc.note(pdf, t("doc.map_note", lang), x=map_x, width=map_w)


def _districts_and_trend(pdf, data: BriefingData, lang: str) -> None:
    pdf.add_page()
    d = ranked_districts(data.districts, lang)
    columns = [doc.Column(t("col.district", lang), 34, "L"), doc.Column(t("col.access", lang), 14, "L"),
               doc.Column(t("col.reports", lang), 16), doc.Column(t("col.per_10k", lang), 18),
               doc.Column("#", 8), doc.Column(t("col.open", lang), 15),
               doc.Column(t("col.overdue", lang), 18), doc.Column("#", 8),
               doc.Column(t("col.median_response", lang), 20), doc.Column("#", 8)]

    def rank(v):
        return str(int(v)) if _has(v) else "–"

    rows, styles = [], []
    for r in d.itertuples():
        access = "–" if r.code == NO_DISTRICT else t(f"access.{r.access or 'jalan'}", lang)
        rows.append([(REMOTE_MARK if r.remote else "") + r.name, access,
                     doc.count(r.reports, lang), doc.dec(r.per_10k, lang), rank(r.rank_per_10k),
                     doc.count(r.open, lang), doc.count(r.overdue, lang), rank(r.rank_overdue),
                     doc.dec(r.median_response_hours, lang), rank(r.rank_median)])
        styles.append("warn" if r.remote else None)
    left_w = sum(c.width for c in columns)
    doc.heading(pdf, t("briefing.districts", lang), 11, width=left_w)
    doc.table(pdf, columns, rows, styles=styles, row_height=5.6)
    doc.note(pdf, t("briefing.remote_note", lang) + " · " + t("doc.rank_note", lang), width=left_w)
    # the right column: the weekly trend, then the top categories
    x = pdf.l_margin + left_w + 6
    w = pdf.epw - left_w - 6
    pdf.set_xy(x, 14)
    doc.heading(pdf, t("briefing.weekly", lang), 11, x=x, width=w)
    weekly = data.weekly
    running = None
    end = pd.Timestamp(data.comparison.iloc[0]["end"]).tz_convert(WIT).date()
    for i, d0 in enumerate(weekly["week_start"]):
        monday = date.fromisoformat(str(d0))
        if monday <= end < monday + timedelta(days=7):
            running = i
    chart = doc.flow_png(week_labels(weekly, lang), [int(v) for v in weekly["inflow"]],
                         [int(v) for v in weekly["resolved"]], (t("opd.inflow", lang), t("col.resolved", lang)),
                         w, 72, running)
    doc.image(pdf, chart, x, pdf.get_y(), w, 72)
    pdf.set_xy(x, pdf.get_y() + 73)
    if running is not None:
        doc.note(pdf, t("briefing.running_week", lang), x=x, width=w)
    pdf.set_xy(x, pdf.get_y() + 3)
    doc.heading(pdf, t("briefing.categories", lang), 11, x=x, width=w)
    cats = data.categories
    names = list(cats["category_en"] if lang == "en" else cats["category"])
    names = [f"{name}\n" + t("doc.cat_bar", lang, open=doc.count(r.open, lang), overdue=doc.count(r.overdue, lang))
             for name, r in zip(names, cats.itertuples(), strict=True)]
    text = [doc.count(r.reports, lang) for r in cats.itertuples()]
    height = 188 - pdf.get_y()
    if names:
        doc.image(pdf, doc.bars_png(names, [int(v) for v in cats["reports"]], text, w, height), x, pdf.get_y(), w,
                  height)


def _league(pdf, data: BriefingData, lang: str) -> None:
    pdf.add_page()
    doc.heading(pdf, t("briefing.league", lang, n=data.min_sample), 11)
    columns = [doc.Column("#", 9), doc.Column(t("col.opd", lang), 30, "L"),
               doc.Column(t("col.resolution_pct", lang), 27), doc.Column("n", 13),
               doc.Column(t("col.overdue", lang), 19), doc.Column(t("col.response_pct", lang), 27),
               doc.Column("n", 13), doc.Column(t("col.median_response", lang), 24),
               doc.Column(t("col.backlog", lang), 17), doc.Column(t("col.excluded_pct", lang), 26),
               doc.Column(t("col.excluded_n", lang), 22), doc.Column(t("doc.col.ranked", lang), 46, "L")]
    rows, styles = [], []
    league = data.league
    fits = league.head(22)  # a regency has 19 OPDs; more would go on in the XLSX
    for r, rank, shown in zip(fits.itertuples(), league_ranks(fits, lang), resolution_shown(fits), strict=True):
        res_n, resp_n = int(r.resolution_sample), int(r.response_sample)
        reports = int(getattr(r, "period_reports", 0) or 0)
        rows.append([str(rank), r.short_name,
                     doc.pct(shown, lang) if res_n and shown is not None else "–", doc.count(res_n, lang),
                     doc.count(r.overdue, lang), doc.pct(r.response_compliance_pct, lang) if resp_n else "–",
                     doc.count(resp_n, lang), doc.dec(r.median_response_hours, lang), doc.count(r.backlog, lang),
                     doc.pct(r.excluded_pct, lang) if reports else "–", doc.count(reports, lang),
                     "" if r.ranked else t("doc.small_sample", lang, n=doc.count(res_n, lang), min=data.min_sample)])
        styles.append(None if r.ranked else "muted")
    doc.table(pdf, columns, rows, styles=styles, row_height=6.2)
    if len(league) > len(fits):
        doc.note(pdf, t("doc.more_in_xlsx", lang, n=len(league) - len(fits)))
    pdf.ln(2)
    doc.note(pdf, t("briefing.league_note", lang, n=data.min_sample), size=7.5)


def _oldest(pdf, data: BriefingData, lang: str) -> None:
    pdf.add_page()
    doc.heading(pdf, t("briefing.oldest", lang), 11)
    columns = [doc.Column(t("col.id", lang), 18, "L"), doc.Column(t("col.title", lang), 98, "L"),
               doc.Column(t("col.opd", lang), 26, "L"), doc.Column(t("col.district", lang), 32, "L"),
               doc.Column(t("col.status", lang), 30, "L"), doc.Column(t("col.age_days", lang), 20),
               doc.Column(t("col.sla_state", lang), 49, "L")]
    notes = [t(key, lang, n=data.min_sample) for key in
             ("doc.note.compliance", "doc.note.owner", "doc.note.excluded", "doc.note.remote", "doc.note.times")]
    figures = measures.definitions(PDF_FIGURES, lang)
    # As many of the oldest as leave room for the notes above the page's foot (the catalog grows; the foot stays)
    below = 2 + doc.HEADING_HEIGHT + doc.definitions(pdf, figures, dry_run=True) + sum(
        doc.note(pdf, "•  " + text, size=7.5, dry_run=True) + 0.8 for text in notes)
    room = pdf.h - doc.FOOT - 2 - pdf.get_y() - doc.TABLE_HEADER - below
    rows, styles = [], []
    for r in data.oldest.head(max(3, min(15, int(room // doc.ROW_HEIGHT)))).itertuples():
        rows.append([doc.report_no(r.id), str(r.title), r.opd if _has(r.opd) else "–",
                     place_name(r.district, r.located, lang), status_label(r.status, lang), doc.dec(r.age_days, lang),
                     t(f"state.{r.sla_state}", lang)])
        styles.append("warn" if r.sla_state == "breached" else None)
    doc.table(pdf, columns, rows, styles=styles)
    pdf.ln(2)
    doc.heading(pdf, t("doc.notes", lang), 10)
    doc.definitions(pdf, figures)
    for text in notes:
        doc.note(pdf, "•  " + text, size=7.5)
        pdf.ln(0.8)


def briefing_document(data: BriefingData, lang: str, now, boundaries: dict | None = None,
                      scope: str | None = None) -> bytes:
    """The briefing PDF (A4 landscape, four pages at most); every page's head names the period and ``scope``
    (whose figures: exports.scope_label, the regency by default) beside the data cut-off."""
    head = " · ".join([t("doc.head", lang), period_span(data.comparison), scope or t("rep.regency", lang)])
    pdf = doc.new_document(t("pdf.title", lang), head, doc.cutoff_text(now, lang), lang)
    _cover(pdf, data, lang, boundaries)
    _districts_and_trend(pdf, data, lang)
    _league(pdf, data, lang)
    _oldest(pdf, data, lang)
    return bytes(pdf.output())
