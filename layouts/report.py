"""/report/<id>: one report and its timeline; the reporter's contact only for scopes that allow it. Pure builders."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

from core.bounded import OutOfBounds, bounded_int
from core.formatting import fmt_when
from core.i18n import channel_label, status_label, t
from layouts import components as c

CONFIG = "report-config"
BODY = "report-body"
MESSAGE = "report-message"
# What the page may show. Anything else in the detail row (in particular reporter_*) is never rendered.
FIELDS = ("status", "category", "opd", "district", "village", "channel", "priority", "created_at",
          "response_due_at", "first_response_at", "resolution_due_at", "resolved_at", "closed_at", "source")
TIME_FIELDS = {"created_at", "response_due_at", "first_response_at", "resolution_due_at", "resolved_at", "closed_at"}
LABEL_KEYS = {"status": "col.status", "category": "col.category", "opd": "col.opd", "district": "col.district",
              "created_at": "col.created_at", "response_due_at": "col.response_due_at",
              "resolution_due_at": "col.resolution_due_at"}


def layout(report_id: str, query: Mapping, lang: str) -> html.Div:
    return c.page_shell("report", lang, query, t("report.title", lang, id=report_id), [
        html.Div(id=BODY, className="page-stack", children=c.message(t("loading", lang))),
        dcc.Store(id=CONFIG, data={"id": report_id, "lang": lang}),
    ], options=None, path=f"/report/{report_id}")


def parse_id(raw) -> int | None:
    """A report number (ASCII digits, optionally after "#"), or None for anything else."""
    text = raw.strip().lstrip("#") if isinstance(raw, str) else raw
    try:
        return bounded_int(text, 1, 10**15)
    except OutOfBounds:
        return None


def not_found(raw_id, lang: str, *, malformed: bool = False) -> html.Div:
    key = "report.bad_id" if malformed else "report.unknown"
    return c.error_banner(t(key, lang, id=raw_id), MESSAGE)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _when(value, lang: str) -> str:
    return "–" if _missing(value) else fmt_when(pd.Timestamp(value).to_pydatetime(), lang=lang)


def priority_label(code: object, lang: str) -> str:
    """A priority in words ("darurat" → "Darurat" / "Emergency"); an unknown code shows as itself."""
    if not isinstance(code, str) or not code:
        return "–"
    label = t(f"priority.{code}", lang)
    return code if label == f"priority.{code}" else label


# Stored codes a person should never read raw: each family through its translations.
WORDS = {"status": status_label, "channel": channel_label, "priority": priority_label}


def _value(key: str, value, lang: str) -> str:
    if _missing(value):
        return "–"
    if key in TIME_FIELDS:
        return _when(value, lang)
    if key in WORDS:
        return WORDS[key](value, lang)
    return str(value)


SLA_TARGETS = ("response", "resolution")


def sla_lines(report: Mapping, lang: str) -> html.Ul:
    """Each target's state in words with its due time ("Respons: terlambat, jatuh tempo 08-04-2026 10:00 WIT"), as the
    rule book decided it in the query (rules.target_state)."""
    items = []
    for kind in SLA_TARGETS:
        state = report.get(f"{kind}_state")
        if not isinstance(state, str):
            continue
        items.append(html.Li(t("report.sla.line", lang, target=t(f"report.sla.{kind}", lang),
                                 state=t(f"report.sla.state.{state}", lang),
                                 due=_when(report.get(f"{kind}_due_at"), lang)),
                             id=f"report-sla-{kind}", className=f"sla-line sla-{state}"))
    return html.Ul(items, id="report-sla", className="report-sla")


REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "reporter_nik")


def reporter_panel(report: Mapping, lang: str) -> html.Section:
    """The reporter's contact, for a viewer whose scope allows it (the view is written to the access log)."""
    body = []
    if report.get("anonymous"):  # the store joined the identity only for an admin
        body.append(html.P(t("report.anonymous", lang), id="report-reporter-anonymous", className="page-note"))
    if any(report.get(key) for key in REPORTER_FIELDS):
        rows = []
        for key in REPORTER_FIELDS:
            rows += [html.Dt(t(f"report.field.{key}", lang)), html.Dd(_value(key, report.get(key), lang),
                                                                        id=f"report-field-{key}")]
        body.append(html.Dl(rows, className="report-fields"))
    elif not report.get("anonymous"):  # an empty panel would look like a fault: say why there is nothing
        body.append(html.P(t("report.no_reporter", lang), id="report-reporter-none", className="page-note"))
    body.append(html.P(t("report.reporter_logged", lang), className="page-note"))
    return c.panel(t("report.reporter", lang), body)


def detail(report: Mapping, timeline: pd.DataFrame, lang: str, *, personal: bool = False) -> list:
    """The report's fields, its description and its timeline (status changes, assignments, notes); the reporter's
    contact only when ``personal`` (the viewer's scope allows personal data)."""
    rows = []
    for key in FIELDS:
        label = t(LABEL_KEYS.get(key, f"report.field.{key}"), lang)
        rows += [html.Dt(label), html.Dd(_value(key, report.get(key), lang), id=f"report-field-{key}")]
    events = []
    for e in timeline.itertuples(index=False):
        if e.kind == "status":
            what = f"{status_label(e.from_status, lang)} → {status_label(e.to_status, lang)}"
        elif e.kind == "assign":
            what = f"{t('event.assign', lang)}: {e.opd_code if isinstance(e.opd_code, str) else '–'}"
        else:
            what = t("event.note", lang)
        when = fmt_when(pd.Timestamp(e.at).to_pydatetime(), lang=lang)
        parts = [html.Span(when, className="when"), html.Strong(what)]
        if isinstance(e.actor, str) and e.actor:
            parts.append(html.Span(f" · {e.actor}", className="muted"))
        if isinstance(e.note, str) and e.note:
            parts.append(html.Div(e.note, className="page-note"))
        events.append(html.Li(parts))
    return [
        html.H2(report.get("title") or "", className="report-title", id="report-title"),
        sla_lines(report, lang),
        html.Div(className="grid-2", children=[
            c.panel(t("report.details", lang), html.Dl(rows, className="report-fields")),
            c.panel(t("report.timeline", lang), html.Ol(events, className="timeline", id="report-timeline")),
        ]),
        c.panel(t("report.description", lang), html.P(report.get("description") or "–")),
        reporter_panel(report, lang) if personal else html.P(t("report.privacy", lang), className="page-note"),
    ]
