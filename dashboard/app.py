"""The app factory: create_app(settings) wires the store, the cache, the pages and their callbacks."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from dash import Dash, html
from flask_caching import Cache

from dashboard.settings import Settings
from dashboard.store import Store, cache_config

log = logging.getLogger(__name__)
ASSETS = Path(__file__).with_name("assets")


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Dash:
    settings = settings or Settings.from_env()
    app = Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS), title="Mimika Center",
               update_title=None, suppress_callback_exceptions=True, serve_locally=True,
               compress=True)  # a refresh of the wall is ~60 KB of JSON, ~5 KB compressed: the link is poor
    if store is None:
        store = Store(settings, Cache(app.server, config=cache_config(settings)))
    else:  # a store built by the caller (tests, benchmarks) still needs its cache bound to this app
        store.cache.init_app(app.server, config=store.cache.config or cache_config(settings))
    app.server.config["MIMIKA_STORE"] = store
    app.server.config["MIMIKA_SETTINGS"] = settings
    _register_pages(app, settings)
    app.layout = html.Div([dash.page_container], className="app-root")
    return app


def _register_pages(app: Dash, settings: Settings) -> None:
    from callbacks import wall as wall_callbacks
    from layouts import wall

    wall_layout = _wall_layout_factory(settings)
    dash.register_page("wall", path="/wall", layout=wall_layout, title="Mimika Center · Wall")
    # The front page is the wall: the video wall opens the bare address.
    dash.register_page("home", path="/", layout=wall_layout, title="Mimika Center")
    wall_callbacks.register(app, app.server.config["MIMIKA_STORE"], settings)
    _ = wall  # the layout module is imported for its ids by the callbacks as well
    __import__("callbacks.pages").pages.register(app, app.server.config["MIMIKA_STORE"], settings)


def _display_geojson(settings: Settings) -> dict | None:
    """The district polygons for display, converted once per process (they are sent once per page load)."""
    if settings.boundaries_districts is None:
        return None
    from geo.boundaries import find_display_boundaries, load_boundaries
    from geo.simplify import to_display_geojson

    try:
        configured = Path(settings.boundaries_districts)
        sibling = configured.with_name(f"{configured.stem}_simplified{configured.suffix}")
        default_display = find_display_boundaries()
        if sibling.is_file():
            path = sibling
        elif default_display is not None and default_display.parent == configured.parent:
            path = default_display
        else:
            path = configured  # to_display_geojson simplifies it
        return to_display_geojson(load_boundaries(path))
    except Exception as exc:  # a broken file must not take the wall down: it falls back to circles
        log.error("district boundaries %s unusable, the map shows circles: %s", settings.boundaries_districts, exc)
        return None


def _district_points() -> dict:
    import pandas as pd

    from data_access.reference import districts
    from layouts.wall import district_label_points

    frame = pd.DataFrame([{"code": d.code, "name": d.name, "label_lat": d.label_lat, "label_lon": d.label_lon}
                          for d in districts()])
    return district_label_points(frame)


def _first(value) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _wall_layout_factory(settings: Settings):
    from dashboard.i18n import language
    from layouts import wall

    geojson = _display_geojson(settings)
    points = None if geojson is not None else _district_points()

    def wall_layout(**query):
        rotate = tuple(g.strip() for g in (_first(query.get("rotate")) or "").split(",") if g.strip())
        try:
            dwell = int(_first(query.get("dwell")) or 30)
        except ValueError:
            dwell = 30
        return wall.layout(
            lang=language(_first(query.get("lang")), settings.language),
            measure=wall.measure_key(_first(query.get("measure"))),
            display_geojson=geojson, district_points=points, refresh_seconds=settings.refresh_seconds,
            soft_reload_hours=settings.soft_reload_hours, tile_url=settings.tile_url, rotate=rotate,
            dwell_seconds=dwell, spotlight=(_first(query.get("spotlight")) or "") in ("1", "true", "ya", "yes"),
        )

    return wall_layout
