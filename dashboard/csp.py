"""Content-Security-Policy for every HTML page: what a page may load and run, so an injected tag does nothing.

Two policies. Dash's pages run Dash's renderer from an inline ``<script>`` and our clientside callbacks as inline
scripts: those are allowed by their SHA-256 hashes (``Dash.csp_hashes``), never by 'unsafe-inline', and every
other script must come from this server. Plotly and Leaflet set style attributes as they draw, so styles need
'unsafe-inline'; Plotly's image export and Leaflet's icons use ``data:`` and ``blob:`` images. The plain HTML
pages (/publik, /login and the notices) run no script at all: nothing but their own inline stylesheet, by hash.
(`{"type": "application/json"}` is Dash's config block: data, not a script, so no policy applies to it.)
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from dash import Dash
from flask import Response

from dashboard import auth
from layouts import public

DASH_MARKER = b'id="_dash-renderer"'


def style_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def plain_policy() -> str:
    """The policy of the script-free pages: their stylesheet by hash, a form posting here, nothing else."""
    styles = " ".join(style_hash(s) for s in (public.STYLE, auth.PAGE_STYLE))
    return (f"default-src 'none'; style-src {styles}; img-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'self'")


def dash_policy(script_hashes: list[str], tile_url: str | None) -> str:
    """The policy of Dash's pages: scripts from here or inline with a known hash; a tile server when configured."""
    tiles = ""
    if tile_url:
        # https://{s}.tile.example/{z}/{x}/{y}.png: any subdomain of the tile host
        parts = urlsplit(tile_url.replace("{s}", "*").replace("{", "").replace("}", ""))
        tiles = f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""
    return ("default-src 'self'; script-src 'self' " + " ".join(script_hashes) + "; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:" + tiles + "; font-src 'self' data:; "
            "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'self'")


def install(app: Dash, tile_url: str | None = None) -> None:
    """Send the matching Content-Security-Policy with every HTML response of ``app``."""
    plain = plain_policy()
    found: list[str] = []  # Dash's policy, built at the first page: every clientside callback is registered by then

    @app.server.after_request
    def content_security_policy(response: Response) -> Response:
        if response.mimetype != "text/html" or "Content-Security-Policy" in response.headers:
            return response
        if not response.is_streamed and DASH_MARKER in response.get_data():
            if not found:
                found.append(dash_policy(list(app.csp_hashes()), tile_url))
            response.headers["Content-Security-Policy"] = found[0]
        else:
            response.headers["Content-Security-Policy"] = plain
        return response
