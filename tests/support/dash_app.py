"""Helpers for the decision pages' callback tests: the app on a seeded store, POSTs to Dash, tree look-ups."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import dash
from flask import g
from flask_caching import Cache
from plotly.utils import PlotlyJSONEncoder

from core.settings import Settings
from dashboard.app import create_app
from dashboard.cache import cache_config
from data_access.accounts import AccountError, Viewer, add_user
from data_access.queries.cache import QueryCache
from tests.support import NOW, SHARED_DATA

BOUNDARIES = SHARED_DATA / "districts.geojson"
PIMPINAN = Viewer("test-pimpinan", "pimpinan")


PAGE_QUERY_SECONDS = 120.0


def get_app(database_url: str, *, clock=lambda: NOW, boundaries=True, demo=False):
    """A fresh app on ``database_url`` with its own in-process cache and a fixed clock; (app, query cache)."""
    # The page-refresh limit (8 s) is lifted as for the browser tests: these tests check what a page shows, and a
    # loaded machine running the whole suite made a quarter's briefing pass 8 s. test_refresh_deadline tests it.
    settings = Settings(database_url=database_url, boundaries_districts=BOUNDARIES if boundaries and
                        BOUNDARIES.exists() else None, page_query_seconds=PAGE_QUERY_SECONDS, demo=demo)
    cache = Cache(config=cache_config(settings))
    query_cache = QueryCache(settings, cache, clock=clock)
    app = create_app(settings, query_cache=query_cache)
    cache.init_app(app.server)
    _apps[:] = [app]
    return app, query_cache


_apps: list = []  # the app get_app built last: render() runs in its request context


def client_as(app, role: str = "pimpinan", opds: tuple[str, ...] = ()):
    """A test client of ``app`` logged in through /login as a real user of the store with ``role``."""
    engine = app.server.config["MIMIKA_QUERY_CACHE"].engine
    name = f"test-{role}" + "".join(f"-{code.lower()}" for code in opds)
    password = f"password-for-{name}"
    try:
        add_user(engine, name, role, password, opds)
    except AccountError as exc:
        assert "already exists" in str(exc), exc
    client = app.server.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": name, "password": password, "csrf": csrf})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def logged_in(app):
    """The app's logged-in test client (pimpinan: every OPD, no personal data), made once per app."""
    if getattr(app, "mimika_client", None) is None:
        app.mimika_client = client_as(app)
    return app.mimika_client


@contextmanager
def as_viewer(viewer: Viewer = PIMPINAN):
    """Run layout functions as ``viewer`` would see them (the guard sets flask.g.viewer on real requests)."""
    # The app the test built last: its query cache lives in that Flask app's extensions.
    with _apps[-1].server.test_request_context():
        g.viewer = viewer
        yield


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def render(path: str, viewer: Viewer = None, **query):
    """The layout Dash pages would render for ``path`` (a registered path or path template) and query, as
    ``viewer`` (a pimpinan, who sees every OPD, by default)."""
    with as_viewer(viewer or PIMPINAN):
        return _render(path, **query)


def _render(path: str, **query):
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            head = template.split("<")[0]
            if path.startswith(head) and "/" not in path[len(head):]:
                name = template[len(head):].strip("<>")
                return page["layout"](**{name: path[len(head):]}, **query)
        elif page["path"] == path:
            return page["layout"](**query)
    raise KeyError(path)


def find(tree, component_id):
    """The component with ``component_id`` in a layout tree, or None."""
    if getattr(tree, "id", None) == component_id:
        return tree
    children = getattr(tree, "children", None)
    if children is None:
        return None
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            hit = find(child, component_id)
            if hit is not None:
                return hit
    return None


def texts(tree) -> str:
    """All text in a tree (component or its JSON), joined with spaces."""
    if isinstance(tree, str | int | float):
        return str(tree)
    if hasattr(tree, "to_plotly_json"):
        tree = json.loads(json.dumps(tree, cls=PlotlyJSONEncoder))
    if isinstance(tree, list):
        return " ".join(texts(t) for t in tree)
    if isinstance(tree, dict):
        return texts(tree.get("props", {}).get("children", "")) if "props" in tree else ""
    return ""


def by_id(tree, wanted: str):
    """In a JSON tree from a callback response, the props of the component with id ``wanted``."""
    if isinstance(tree, list):
        for t in tree:
            hit = by_id(t, wanted)
            if hit is not None:
                return hit
    elif isinstance(tree, dict) and "props" in tree:
        if tree["props"].get("id") == wanted:
            return tree["props"]
        return by_id(tree["props"].get("children"), wanted)
    return None


def callback_body(app, output_contains: str, inputs: dict, state: dict | None = None,
                  triggered: str | None = None) -> dict:
    """The JSON the browser would POST to /_dash-update-component for the callback whose output key contains
    ``output_contains``; values by "id.property"."""
    key = next(k for k in app.callback_map if output_contains in k)
    spec = app.callback_map[key]
    if key.startswith(".."):
        outputs = [{"id": i, "property": p} for i, p in (o.split(".", 1) for o in key.strip(".").split("..."))]
    else:
        i, p = key.split(".", 1)
        outputs = {"id": i, "property": p}
    values = {**(inputs or {}), **(state or {})}
    return {
        "output": key, "outputs": outputs,
        "inputs": [{**x, "value": values.get(f"{x['id']}.{x['property']}")} for x in spec["inputs"]],
        "state": [{**x, "value": values.get(f"{x['id']}.{x['property']}")} for x in spec["state"]],
        "changedPropIds": [triggered or next(iter(inputs))],
    }


def raw_post(client, body: dict):
    return client.post("/_dash-update-component", data=json.dumps(body, cls=PlotlyJSONEncoder),
                       content_type="application/json")


def post(app, output_contains: str, inputs: dict, state: dict | None = None, triggered: str | None = None,
         client=None):
    """POST one callback to /_dash-update-component, as the browser does; returns the response's outputs."""
    response = raw_post(client or logged_in(app), callback_body(app, output_contains, inputs, state, triggered))
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:2000]
    return response.get_json()["response"] if response.status_code == 200 else None


def sheet_table(sheet) -> tuple[list, list[tuple]]:
    """A sheet's column headers and data rows, below the context lines (period, scope, cut-off) and the blank row
    that head every sheet of an export (layouts/exports.py)."""
    values = list(sheet.iter_rows(values_only=True))
    start = next((i + 1 for i, row in enumerate(values) if all(v is None for v in row)), 0)
    return list(values[start]), values[start + 1:]
