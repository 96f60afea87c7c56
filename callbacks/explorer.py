"""/explorer: the map coloured by the chosen measure under the filters, and the clicked district's panel."""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import Dash, Input, Output, State, no_update

from callbacks.map_data import MapData
from callbacks.page_data import (
    PageContext,
    PageData,
    RefreshTooSlow,
    page_refresh,
    reference,
    refresh_deadline,
    store_down,
)
from callbacks.viewer import current_scope
from core.i18n import language
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from data_access.store.engine import StoreUnavailable
from layouts import explorer as page
from layouts import wall


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    map_data = MapData(settings)

    def layout(**query):
        ctx = PageContext(query_cache, settings, query)
        return page.layout(query, ctx.lang, ctx.options, ctx.error, map_data.geojson, map_data.points(ctx.lists),
                           map_data.label_points(ctx.lists))

    dash.register_page("explorer", path="/explorer", layout=layout, title="Mimika Center · Peta")

    def colour_map(data: PageData, lang: str, _config, measure, picked) -> tuple:
        measure = wall.measure_key(measure)
        selected = picked if isinstance(picked, str) and picked in data.lists.district_names() else None
        hideout = page.hideout(data.get(queries.reports_by_district, current_scope()), measure, data.now,
                               settings.no_data_days, lang, selected)
        return hideout, wall.legend(hideout, measure, lang)

    # The picked district is an input too: the map outlines it (the queries come from the cache).
    page_refresh(app, query_cache, config=page.CONFIG, status=page.STATUS, render=colour_map,
                 inputs=[Input(page.MEASURE, "value"), Input(page.PICK, "value")],
                 outputs=[Output(page.DISTRICTS, "hideout"), Output(page.LEGEND, "children")])

    # The URL follows the pick (?focus=CODE, the other keys kept), so the link reproduces the view. replaceState
    # changes the address without a navigation: Dash pages does not render the page again.
    app.clientside_callback(
        """function(code) {
            var url = new URL(window.location.href);
            if (code) { url.searchParams.set("focus", code); } else { url.searchParams.delete("focus"); }
            if (url.href !== window.location.href) { window.history.replaceState(window.history.state, "", url.href); }
            return code || null;
        }""",
        Output(page.URL_SYNC, "data"), Input(page.PICK, "value"), prevent_initial_call=True)

    # On the first render too: the map first lays itself out before its panel has its final width, and the view
    # set then ends off the district.
    @app.callback(Output(page.MAP, "viewport"), Input(page.PICK, "value"))
    def zoom_to_pick(code):
        return page.viewport(map_data.geojson, code if isinstance(code, str) else None)

    @app.callback(Output(page.PICK, "value"), Input(page.DISTRICTS, "clickData"), prevent_initial_call=True)
    def pick_from_map(click):
        try:
            lists = reference(query_cache)
        except StoreUnavailable:
            return no_update
        return page.district_from_click(click, lists.districts) or no_update

    @app.callback(Output(page.PANEL, "children"), Input(page.PICK, "value"), State(page.CONFIG, "data"))
    def fill_panel(code, config):
        config = config if isinstance(config, dict) else {}
        lang = language(config.get("lang"))
        try:
            with refresh_deadline(query_cache, lang):
                data = PageData(query_cache, config.get("query") if isinstance(config.get("query"), dict) else {})
                names = data.lists.district_names()
                if not isinstance(code, str) or code not in names:
                    return page.overview(data.get(queries.reports_by_district, current_scope()), lang,
                                         config.get("query") if isinstance(config.get("query"), dict) else {})
                mine = replace(data.filters, districts=(code,))
                scope = current_scope()
                frame = data.get(queries.reports_by_district, scope, mine)
                categories = data.get(queries.top_categories, scope, mine, limit=8)
                opds = data.get(queries.open_by_group, scope, mine, by="opd")
                weekly = data.get(queries.inflow_vs_resolved_weekly, scope, mine)
                villages = data.get(queries.reports_by_village, scope, mine,
                                    suppress_below=settings.suppress_below)
        except StoreUnavailable as exc:
            return store_down(lang, exc)
        except RefreshTooSlow as stopped:
            return stopped.banner
        rows = frame[frame["code"] == code]
        return page.district_panel(names[code], rows.iloc[0] if len(rows) else None, categories, opds, villages,
                                   weekly, lang, settings.suppress_below)
