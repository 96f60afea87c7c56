"""The filter bar shared by the decision pages: its choices become the page's URL (the state lives there)."""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update

from layouts import components as c


def register(app: Dash) -> None:
    @app.callback(
        Output(c.FB_LOCATION, "href"),
        Input(c.FB_APPLY, "n_clicks"),
        State(c.FB_CONTEXT, "data"),
        State(c.FB_PERIOD, "value"),
        State(c.FB_DATES, "start_date"),
        State(c.FB_DATES, "end_date"),
        *[State(cid, "value") for cid in c.FB_SELECTS.values()],
        prevent_initial_call=True,
    )
    def apply_filters(n_clicks, context, period, start, end, *selected):
        if not n_clicks:
            return no_update
        return c.query_from_bar(context or {}, period, start, end, dict(zip(c.FB_SELECTS, selected, strict=True)))
