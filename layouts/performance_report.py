"""Laporan Kinerja Pelayanan Publik: the monthly public-service performance report, as PDF and XLSX.

Per OPD and for the regency (or for one OPD): volume, response and resolution compliance with their samples, median
times, the rejected/archived share, what is still open of the month's reports by age, and per district the reports
per 10,000 residents. The figures come from ``data_access.queries.performance`` (the briefing's league over the
month); this module only lays them out. Files are named by the WIT month.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from core import measures
from core.formatting import fmt_month
from core.i18n import t
from core.rules import is_remote
from layouts import equity, exports
from layouts import pdf_doc as doc
from layouts import targets as goals
from layouts.briefing import (
    DIRECTION,
    FIGURES,
    PDF_FIGURES,
    equity_frame,
    format_change,
    league_ranks,
    met_and_missed,
    resolution_shown,
)

AGES = ("age_0_7", "age_7_30", "age_30_60", "age_60_plus")


def _has(value) -> bool:
    return value is not None and not pd.isna(value)


def file_name(figures, kind: str) -> str:
    """laporan_kinerja_mimika_2026-11.pdf, or …_2026-11_PUPR.xlsx for one OPD (the WIT month, never UTC)."""
    suffix = f"_{figures.opd}" if figures.opd else ""
    return f"laporan_kinerja_mimika_{figures.month}{suffix}.{kind}"


def _month_label(figures, lang: str) -> str:
    return fmt_month(int(figures.month[:4]), int(figures.month[5:]), lang)


def _scope_label(figures, lang: str) -> str:
    if figures.opd and len(figures.by_opd):
        return str(figures.by_opd.iloc[0]["name"])
    return t("rep.regency", lang)


def summary_frame(figures, lang: str) -> pd.DataFrame:
    """The headline rows: measure, value, the sample it rests on (None for plain counts), the month before's value
    and the target with its verdict in words (layouts/targets.py)."""
    r = figures.regency
    prev = figures.previous or {}
    rows = [
        ("reports", t("rep.m.reports", lang), r["reports"], None),
        ("response_compliance_pct", measures.name("response_compliance_pct", lang),
         _round(r["response_compliance_pct"]), r["response_sample"]),
        ("resolution_compliance_pct", measures.name("resolution_compliance_pct", lang),
         _round(r["resolution_compliance_pct"]), r["resolution_sample"]),
        ("median_response_hours", measures.name("median_response_hours", lang), _round(r["median_response_hours"]),
         r.get("median_response_n")),
        ("median_resolution_hours", measures.name("median_resolution_hours", lang),
         _round(r["median_resolution_hours"]), r.get("median_resolution_n")),
        ("excluded_pct", t("col.excluded_pct", lang), _round(r["excluded_pct"]), r["reports"]),
        ("backlog", t("rep.m.backlog", lang), r["backlog"], None),
        ("overdue", t("col.overdue", lang), r["overdue"], None),
        *[(a, t(f"rep.{a}", lang), r[a], None) for a in AGES],
        *([("equity_gap_pp", measures.name("equity_gap_pp", lang), _round(figures.equity.gap_pp), None)]
          if getattr(figures, "equity", None) is not None else []),
    ]
    return pd.DataFrame(
        [(label, value, n, _round(prev.get(key)) if key in HEADLINE else None,
          goals.target_text(key, value, figures.targets.get(key), lang)[0] if key in HEADLINE else "")
         for key, label, value, n in rows],
        columns=[t("col.measure", lang), t("rep.value", lang), "n", t("rep.previous_month", lang),
                 t("target.label", lang)])


# The headline figures shown against the month before and their target (backlog and ages are a state, not a month's).
HEADLINE = ("reports", "response_compliance_pct", "resolution_compliance_pct", "median_response_hours",
            "median_resolution_hours", "excluded_pct")


def _round(value, digits: int = 1):
    return None if not _has(value) else round(float(value), digits)


def opd_frame(figures, lang: str) -> pd.DataFrame:
    o = figures.by_opd
    return pd.DataFrame({
        t("col.rank", lang): league_ranks(o, lang, None),
        t("col.opd", lang): o["short_name"].tolist(),
        t("rep.col.opd_name", lang): o["name"].tolist(),
        t("col.reports", lang): o["period_reports"].astype(int).tolist(),
        t("col.response_pct", lang): o["response_compliance_pct"].round(1).tolist(),
        t("col.response_n", lang): o["response_sample"].astype(int).tolist(),
        t("col.resolution_pct", lang): [None if v is None else round(v, 1) for v in resolution_shown(o)],
        t("col.resolution_n", lang): o["resolution_sample"].astype(int).tolist(),
        **met_and_missed(o, lang),
        t("col.median_response", lang): o["median_response_hours"].round(1).tolist(),
        t("rep.col.median_resolution", lang): o["median_resolution_hours"].round(1).tolist(),
        t("col.excluded_pct", lang): o["excluded_pct"].round(1).tolist(),
        t("rep.col.excluded", lang): o["excluded"].astype(int).tolist(),
        t("rep.m.backlog", lang): o["backlog"].astype(int).tolist(),
        t("col.open_in_time", lang): (o["backlog"] - o["overdue"]).astype(int).tolist(),
        t("col.overdue", lang): o["overdue"].astype(int).tolist(),
        **{t(f"rep.{a}", lang): o[a].astype(int).tolist() for a in AGES},
    })


def district_frame(figures, lang: str) -> pd.DataFrame:
    d = figures.by_district
    return pd.DataFrame({
        t("col.district", lang): [("◆ " if is_remote(a) else "") + n for n, a in zip(d["name"], d["access"],
                                                                                   strict=True)],
        t("col.access", lang): [t(f"access.{a or 'jalan'}", lang) for a in d["access"]],
        t("rep.col.population", lang): [int(v) if _has(v) else None for v in d["population"]],
        t("col.reports", lang): d["reports"].astype(int).tolist(),
        t("col.per_10k", lang): [_round(v, 2) for v in d["per_10k"]],
        t("col.median_response", lang): [_round(v) for v in d["median_response_hours"]],
        t("col.open", lang): d["open"].astype(int).tolist(),
        t("col.overdue", lang): d["overdue"].astype(int).tolist(),
    })


def about_frame(figures, lang: str) -> pd.DataFrame:
    rows = [(t("rep.about.month", lang), f"{figures.month} ({_month_label(figures, lang)}, WIT)"),
            (t("rep.about.scope", lang), _scope_label(figures, lang)),
            (t("rep.about.cutoff", lang), doc.cutoff_text(figures.now, lang))]
    rows += measures.definitions(FIGURES, lang)
    rows += [(t("doc.notes", lang), t(k, lang, n=figures.min_sample))
             for k in ("doc.note.compliance", "doc.note.owner", "doc.note.excluded", "rep.note.backlog",
                       "doc.note.remote", "doc.note.times")]
    return pd.DataFrame(rows, columns=[t("col.measure", lang), t("rep.value", lang)])


def xlsx_bytes(figures, lang: str = "id") -> bytes:
    """One sheet each: summary, per OPD, per district, and what the figures mean; each headed by the month, the
    scope and the cut-off."""
    last_day = (figures.end.astimezone(figures.start.tzinfo) - timedelta(days=1)).strftime("%d-%m-%Y")
    period = f"{_month_label(figures, lang)} ({figures.start.strftime('%d-%m-%Y')} – {last_day} WIT)"
    context = exports.context_lines(period, _scope_label(figures, lang), doc.cutoff_text(figures.now, lang), lang)
    return exports.xlsx_bytes({t("rep.sheet.summary", lang): summary_frame(figures, lang),
                               t("rep.sheet.opd", lang): opd_frame(figures, lang),
                               t("rep.sheet.district", lang): district_frame(figures, lang),
                               **({t("equity.wall_title", lang): equity_frame(figures.equity, lang)}
                                  if getattr(figures, "equity", None) is not None else {}),
                               t("rep.sheet.about", lang): about_frame(figures, lang)}, context)


def _cards(pdf, figures, lang: str) -> None:
    r = figures.regency
    prev = figures.previous or {}

    def vs(key: str, shown) -> tuple[str, str, str, str]:
        """(the month before, the change, its tone, the target line) of one headline figure."""
        before, change, tone = "", "", ""
        if key in prev:
            before = f"{t('rep.previous_month', lang)}: {shown(prev[key])}"
            if _has(prev[key]) and _has(r[key]):
                delta = float(r[key]) - float(prev[key])
                change = format_change(key, delta, lang)
                direction = DIRECTION.get(key, 0)
                tone = "" if not direction or not delta else "better" if (delta > 0) == (direction > 0) else "worse"
        value = float(r[key]) if _has(r[key]) else None
        return before, change, tone, goals.target_text(key, value, figures.targets.get(key), lang)[0]

    def sample_of(key: str) -> str:
        return t("sample", lang, n=doc.count(r.get(key, 0), lang)) if r.get(key) else ""

    cards = [
        (t("rep.m.reports", lang), doc.count(r["reports"], lang), "", *vs("reports", lambda v: doc.count(v, lang))),
        (measures.name("response_compliance_pct", lang), doc.pct(r["response_compliance_pct"], lang),
         t("sample", lang, n=doc.count(r["response_sample"], lang)),
         *vs("response_compliance_pct", lambda v: doc.pct(v, lang))),
        (measures.name("resolution_compliance_pct", lang), doc.pct(r["resolution_compliance_pct"], lang),
         t("sample", lang, n=doc.count(r["resolution_sample"], lang)),
         *vs("resolution_compliance_pct", lambda v: doc.pct(v, lang))),
        (measures.name("median_response_hours", lang), doc.dec(r["median_response_hours"], lang),
         sample_of("median_response_n"), *vs("median_response_hours", lambda v: doc.dec(v, lang))),
        (measures.name("median_resolution_hours", lang), doc.dec(r["median_resolution_hours"], lang),
         sample_of("median_resolution_n"), *vs("median_resolution_hours", lambda v: doc.dec(v, lang))),
        (t("col.excluded_pct", lang), doc.pct(r["excluded_pct"], lang),
         t("briefing.of_reports", lang, n=doc.count(r["reports"], lang)),
         *vs("excluded_pct", lambda v: doc.pct(v, lang))),
    ]
    w = (pdf.epw - 5 * 3) / 6
    y = pdf.get_y()
    h = 33.0
    for i, (label, value, sample, before, change, tone, target) in enumerate(cards):
        doc.card(pdf, pdf.l_margin + i * (w + 3), y, w, h, label, value, sample, before, change, tone, target)
    pdf.set_xy(pdf.l_margin, y + h + 3)


def _backlog(pdf, figures, lang: str) -> None:
    r = figures.regency
    doc.heading(pdf, t("rep.backlog", lang), 10.5)
    columns = [doc.Column(t(f"rep.{a}", lang), 30) for a in AGES] + [
        doc.Column(t("rep.m.backlog", lang), 30), doc.Column(t("col.overdue", lang), 30)]
    doc.table(pdf, columns, [[doc.count(r[a], lang) for a in AGES] + [doc.count(r["backlog"], lang),
                                                                       doc.count(r["overdue"], lang)]])
    doc.note(pdf, t("rep.note.backlog", lang))


def _opd_table(pdf, figures, lang: str) -> None:
    doc.heading(pdf, t("rep.by_opd", lang, n=figures.min_sample), 10.5)
    columns = [doc.Column("#", 8), doc.Column(t("col.opd", lang), 24, "L"), doc.Column(t("col.reports", lang), 15),
               doc.Column(t("col.response_pct", lang), 21), doc.Column("n", 11),
               doc.Column(t("col.resolution_pct", lang), 21), doc.Column("n", 11),
               doc.Column(t("col.median_response", lang), 22), doc.Column(t("rep.col.median_resolution", lang), 22),
               doc.Column(t("col.excluded_pct", lang), 21), doc.Column(t("rep.m.backlog", lang), 16),
               doc.Column(t("col.overdue", lang), 19)] + [doc.Column(t(f"rep.{a}", lang), 15.5) for a in AGES]
    rows, styles = [], []
    by_opd = figures.by_opd
    for r, rank, shown in zip(by_opd.itertuples(), league_ranks(by_opd, lang), resolution_shown(by_opd), strict=True):
        resp_n, res_n = int(r.response_sample), int(r.resolution_sample)
        rows.append([str(rank), r.short_name, doc.count(r.period_reports, lang),
                     doc.pct(r.response_compliance_pct, lang) if resp_n else "–", doc.count(resp_n, lang),
                     doc.pct(shown, lang) if res_n and shown is not None else "–", doc.count(res_n, lang),
                     doc.dec(r.median_response_hours, lang), doc.dec(r.median_resolution_hours, lang),
                     doc.pct(r.excluded_pct, lang) if int(r.period_reports) else "–", doc.count(r.backlog, lang),
                     doc.count(r.overdue, lang), *[doc.count(getattr(r, a), lang) for a in AGES]])
        styles.append(None if r.ranked else "muted")
    doc.table(pdf, columns, rows, styles=styles, row_height=6.0)
    doc.note(pdf, t("briefing.league_note", lang, n=figures.min_sample))


def _district_table(pdf, figures, lang: str) -> None:
    doc.heading(pdf, t("rep.by_district", lang), 10.5)
    columns = [doc.Column(t("col.district", lang), 40, "L"), doc.Column(t("col.access", lang), 22, "L"),
               doc.Column(t("rep.col.population", lang), 24), doc.Column(t("col.reports", lang), 20),
               doc.Column(t("col.per_10k", lang), 26), doc.Column(t("col.median_response", lang), 26),
               doc.Column(t("col.open", lang), 18), doc.Column(t("col.overdue", lang), 18)]
    rows, styles = [], []
    for r in figures.by_district.itertuples():
        remote = is_remote(r.access)
        rows.append([("◆ " if remote else "") + r.name, t(f"access.{r.access or 'jalan'}", lang),
                     doc.count(r.population, lang), doc.count(r.reports, lang), doc.dec(r.per_10k, lang),
                     doc.dec(r.median_response_hours, lang), doc.count(r.open, lang), doc.count(r.overdue, lang)])
        styles.append("warn" if remote else None)
    doc.table(pdf, columns, rows, styles=styles, row_height=5.6)
    doc.note(pdf, t("briefing.remote_note", lang), width=194)


def pdf_bytes(figures, lang: str = "id") -> bytes:
    """A4 landscape: summary, backlog by age and what the figures mean; per OPD (under the summary when the report
    is one OPD's); per district."""
    title = t("rep.title", lang)
    pdf = doc.new_document(title, f"{title} · {_month_label(figures, lang)} · {_scope_label(figures, lang)}",
                           doc.cutoff_text(figures.now, lang), lang)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(*doc.MUTED)
    pdf.cell(0, 5.5, t("rep.subtitle", lang, month=_month_label(figures, lang), scope=_scope_label(figures, lang)),
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5.5, t("rep.period", lang, start=figures.start.strftime("%d-%m-%Y %H:%M"),
                       end=figures.end.astimezone(figures.start.tzinfo).strftime("%d-%m-%Y %H:%M")),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*doc.INK)
    pdf.ln(3)
    _cards(pdf, figures, lang)
    pdf.ln(2)
    _backlog(pdf, figures, lang)
    pdf.ln(3)
    doc.heading(pdf, t("doc.notes", lang), 10)
    doc.definitions(pdf, measures.definitions(PDF_FIGURES, lang))
    for key in ("doc.note.compliance", "doc.note.owner", "doc.note.excluded", "doc.note.times"):
        doc.note(pdf, "•  " + t(key, lang, n=figures.min_sample), size=7.5)
        pdf.ln(0.8)
    if figures.opd:  # one OPD: its row fits under the summary
        pdf.ln(2)
    else:
        pdf.add_page()
    _opd_table(pdf, figures, lang)
    pdf.add_page()
    if getattr(figures, "equity", None) is not None:  # the promise, above the districts it is about
        pdf.set_y(equity.pdf_band(pdf, figures.equity, lang, pdf.get_y()))
        pdf.ln(2)
    _district_table(pdf, figures, lang)
    return bytes(pdf.output())
