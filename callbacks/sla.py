"""/sla: SLA compliance, breaches, what falls due next and answer-time distributions (public scope)."""

from __future__ import annotations

from datetime import timedelta

import dash
from dash import Dash, Input, Output, State, no_update

from callbacks.pages import PageData, filter_options, page_language, parse_filters, store_down
from dashboard.i18n import WIT
from dashboard.i18n_pages import t
from dashboard.settings import Settings
from dashboard.store import Store
from data_access import queries
from data_access.engine import StoreUnavailable
from data_access.scope import Scope
from layouts import components as c
from layouts import sla as page
from layouts import theme

VIEWER_SCOPE = Scope.wall()
BREACH_DAYS = 28


def window_days(now, days: int = BREACH_DAYS) -> list[str]:
    """The WIT dates (YYYY-MM-DD) of the breach window ending today, as breaches_over_time counts them."""
    today = now.astimezone(WIT).date()
    return [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]


def register(app: Dash, store: Store, settings: Settings) -> None:
    def layout(**query):
        lang = page_language(query, settings)
        _, error = parse_filters(query, store.now())
        return page.layout(query, lang, filter_options(lang), error, settings.refresh_seconds * 6)

    dash.register_page("sla", path="/sla", layout=layout, title="Mimika Center · SLA")

    @app.callback(
        Output(page.HEATMAP, "figure"), Output(page.HEATMAP, "style"), Output(page.BREACHES, "figure"),
        Output(page.DIST_RESPONSE, "figure"),
        Output(page.DIST_RESOLUTION, "figure"), Output(page.DUE_GRID, "rowData"), Output(page.DUE_TITLE, "children"),
        Output(page.STATUS, "children"),
        Input(page.CONFIG, "data"), Input(page.KIND, "value"), Input(page.HOURS, "value"),
        Input(page.INTERVAL, "n_intervals"),
    )
    def fill(config, kind, hours, _n):
        lang = config["lang"]
        hours = hours if hours in page.HOUR_CHOICES else page.DEFAULT_HOURS
        kind = kind if kind in ("response", "resolution") else "resolution"
        try:
            data = PageData(store, config["query"])
            pairs = data.get(queries.compliance_by_opd_category, VIEWER_SCOPE)
            breaches = data.get(queries.breaches_over_time, VIEWER_SCOPE, days=BREACH_DAYS, by="opd")
            response = data.get(queries.time_distribution, VIEWER_SCOPE, kind="response")
            resolution = data.get(queries.time_distribution, VIEWER_SCOPE, kind="resolution")
            due = data.get(queries.due_within, VIEWER_SCOPE, hours=hours)
        except StoreUnavailable as exc:
            return (no_update,) * 7 + (store_down(lang, exc),)
        heatmap = page.heatmap_figure(pairs, kind, lang)
        return (heatmap, page.heatmap_height(heatmap), page.breaches_figure(breaches, lang, window_days(data.now)),
                page.distribution_figure(response, lang, theme.OKABE_ITO["sky"]),
                page.distribution_figure(resolution, lang, theme.OKABE_ITO["green"]),
                c.report_rows(due, lang), t("sla.due", lang, h=hours) + f" · {len(due)}", None)

    _ = State
