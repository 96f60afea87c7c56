"""/sla: SLA compliance, breaches, what falls due next and answer-time distributions (public scope)."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output

from callbacks.page_data import PageContext, PageData, page_refresh
from callbacks.viewer import current_scope
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from layouts import sla as page

BREACH_DAYS = 28


def render(data: PageData, lang: str, _config, kind, hours) -> tuple:
    hours = hours if hours in page.HOUR_CHOICES else page.DEFAULT_HOURS
    kind = kind if kind in ("response", "resolution") else "resolution"
    scope = current_scope()
    return page.panels(
        pairs=data.get(queries.compliance_by_opd_category, scope),
        breaches=data.get(queries.breaches_over_time, scope, days=BREACH_DAYS, by="opd"),
        response=data.get(queries.time_distribution, scope, kind="response"),
        resolution=data.get(queries.time_distribution, scope, kind="resolution"),
        due=data.get(queries.due_within, scope, hours=hours),
        kind=kind, hours=hours, lang=lang, now=data.now, breach_days=BREACH_DAYS)


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(**query):
        ctx = PageContext(query_cache, settings, query)
        return page.layout(query, ctx.lang, ctx.options, ctx.error, settings.refresh_seconds * 6)

    dash.register_page("sla", path="/sla", layout=layout, title="Mimika Center · SLA")

    page_refresh(app, query_cache, config=page.CONFIG, status=page.STATUS, interval=page.INTERVAL, render=render,
                 inputs=[Input(page.KIND, "value"), Input(page.HOURS, "value")],
                 outputs=[Output(page.HEATMAP, "figure"), Output(page.HEATMAP, "style"),
                          Output(page.BREACHES, "figure"), Output(page.DIST_RESPONSE, "figure"),
                          Output(page.DIST_RESOLUTION, "figure"), Output(page.DUE_GRID, "rowData"),
                          Output(page.DUE_TITLE, "children")])
