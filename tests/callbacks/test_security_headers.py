"""The Content-Security-Policy each kind of page gets (tests/browser/test_csp_browser.py shows the pages work
under it in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.support.dash_app import get_app, logged_in, url


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_item14_plain_pages_allow_no_script_and_dash_pages_only_hashed_inline_scripts(seeded):
    """/publik and /login: no script at all, their stylesheet by hash. A Dash page: every inline script it sends is
    in the policy by hash, and no 'unsafe-inline' or 'unsafe-eval' lets any other run."""
    app, _ = get_app(url(seeded))
    client = app.server.test_client()
    for path in ("/publik", "/login", "/publik/lapor", "/publik/lacak", "/publik/lacak?token=nope"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy
        style = re.search(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S).group(1)
        assert _sha256(style) in policy
    page = logged_in(app).get("/briefing")
    policy = page.headers["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "unsafe" not in script_src and "frame-ancestors 'self'" in policy
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>",
                        re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S), re.S)  # not comments
    assert inline and all(_sha256(body) in script_src for body in inline)
