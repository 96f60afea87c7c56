"""/sla: SLA compliance, breaches, what falls due next and answer-time distributions (public scope)."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Dash, Input, Output

from callbacks.page_data import PageContext, PageData, page_refresh
from callbacks.viewer import current_scope
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from data_access.queries.compliance import MIN_SAMPLE
from layouts import sla as page

BREACH_DAYS = 28


def category_catalog(data: PageData, scope, lang: str) -> pd.DataFrame:
    """Every category with the OPD it goes to by default, within the scope and the OPD and category filters: the
    heatmap keeps an OPD whose categories had nothing to judge in the period."""
    short = {code: s for code, _, s in data.lists.opds}
    f = data.filters
    rows = [{"opd": short.get(opd, opd), "cat": name_en if lang == "en" else name}
            for code, name, name_en, opd in data.lists.categories
            if opd and scope.may_see_opd(opd) and (not f.opds or opd in f.opds)
            and (not f.categories or code in f.categories)]
    return pd.DataFrame(rows, columns=["opd", "cat"])


def render(data: PageData, lang: str, _config, kind, hours) -> tuple:
    hours = hours if hours in page.HOUR_CHOICES else page.DEFAULT_HOURS
    kind = kind if kind in ("response", "resolution") else "resolution"
    scope = current_scope()
    return page.panels(
        min_sample=MIN_SAMPLE, catalog=category_catalog(data, scope, lang),
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
