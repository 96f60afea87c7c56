"""The page for an address that does not exist: said in the page's language, with the navigation to every page."""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

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
    here = path or "/"
    return c.page_shell("not_found", lang, query, t("notfound.title", lang), [
        c.panel(t("notfound.title", lang), html.Div([
            html.P(t("notfound.text", lang, path=shown or "/"), id=MESSAGE, className="page-message"),
            html.Ul([html.Li(c.page_link(t(f"nav.{page}", lang), c.PAGE_PATHS[page] + carried, here))
                     for page in c.PAGES], className="not-found-links"),
            c.page_link(t("notfound.home", lang), "/wall" + c.query_string({"lang": lang} if lang != "id" else {}),
                        here, id=HOME, className="button primary"),
        ], className="page-stack")),
    ], options=None, path=path or "/")
