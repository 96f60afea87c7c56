"""The page for an address that does not exist: said in the page's language, with the navigation to every page."""

from __future__ import annotations

from collections.abc import Mapping

from dash import dcc, html

from core.i18n import t
from layouts import components as c

MESSAGE = "not-found-message"
HOME = "not-found-home"
PATH_CHARS = 80


def layout(path: str | None, query: Mapping, lang: str) -> html.Div:
    """ "Halaman tidak ditemukan" with the address asked for (shortened), a link to the wall and the page navigation
    (the filters and language of the query carried on)."""
    shown = (path or "")[:PATH_CHARS] + ("…" if path and len(path) > PATH_CHARS else "")
    carried = c.query_string(c.filter_query(query))
    return c.page_shell("not_found", lang, query, t("notfound.title", lang), [
        c.panel(t("notfound.title", lang), html.Div([
            html.P(t("notfound.text", lang, path=shown or "/"), id=MESSAGE, className="page-message"),
            html.Ul([html.Li(dcc.Link(t(f"nav.{page}", lang), href=c.PAGE_PATHS[page] + carried))
                     for page in c.PAGES], className="not-found-links"),
            dcc.Link(t("notfound.home", lang), href="/wall" + c.query_string(
                {"lang": lang} if lang != "id" else {}), id=HOME, className="button primary"),
        ], className="page-stack")),
    ], options=None, path=path or "/")
