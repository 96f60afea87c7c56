"""What a page's first load carries: only the script libraries the page draws with, Dash's scripts compressed
once and hard (brotli, kept in memory), the prebuilt .br of our plotly bundle sent as it is."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from dashboard.static_compression import _encoding
from tests.support import REPO
from tests.support.dash_app import client_as, get_app, url

SCRIPT = re.compile(r'<script src="([^"]+)"')


@pytest.fixture
def client(seeded):
    app, _ = get_app(url(seeded))
    return client_as(app, "operator")


def scripts(client, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200
    return SCRIPT.findall(page.get_data(as_text=True))


@pytest.mark.parametrize(("path", "grid", "leaflet"), [
    ("/wall", False, True), ("/", False, True), ("/explorer", False, True), ("/briefing", False, False),
    ("/opd", False, False), ("/opd/PUPR", True, False), ("/sla", True, False), ("/report/1", False, False),
])
def test_each_page_loads_only_the_libraries_it_draws_with(client, path, grid, leaflet):
    """AG Grid only where a grid is drawn, Leaflet only where a map is; our plotly bundle everywhere and never
    plotly's full one."""
    found = scripts(client, path)
    assert any("/dash_ag_grid/" in s for s in found) is grid
    assert any("/dash_leaflet/" in s for s in found) is leaflet
    assert any("/assets/vendor/plotly-mimika.min.js" in s for s in found)
    assert not any("plotly/package_data" in s for s in found)


def test_scripts_are_compressed_once_with_brotli_and_kept(client):
    """The renderer's script comes back as brotli that decompresses to the plain bytes, the same bytes twice."""
    src = next(s for s in scripts(client, "/wall") if "dash_renderer" in s)
    plain = client.get(src, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    first = client.get(src, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    second = client.get(src, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert first.headers["Content-Encoding"] == "br" and first.data == second.data
    assert brotli.decompress(first.data) == plain.data
    assert int(first.headers["Content-Length"]) == len(first.data) < len(plain.data) / 3
    zipped = client.get(src, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == plain.data


def test_the_prebuilt_brotli_of_the_plotly_bundle_is_sent_as_it_is(client):
    """tools/plotly-bundle writes a quality-11 .br beside the bundle; that file is what a browser receives."""
    src = next(s for s in scripts(client, "/wall") if "plotly-mimika" in s)
    got = client.get(src, headers={"Accept-Encoding": "br"})
    assert got.data == (REPO / "dashboard/assets/vendor/plotly-mimika.min.js.br").read_bytes()


def test_callbacks_are_still_compressed_as_they_leave(client, seeded):
    """Dynamic answers are not kept: Flask-Compress still compresses them per response."""
    response = client.get("/_dash-dependencies", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.headers.get("Content-Encoding") in ("br", "zstd", "gzip")


@pytest.mark.parametrize(("header", "want"), [
    ("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("identity", None), ("", None),
    ("*", "br"), ("br;q=junk", None),
])
def test_accept_encoding_is_read_with_its_weights(header, want):
    assert _encoding(header) == want


def test_item11_a_new_query_string_on_a_bundle_does_not_compress_it_again(client):
    """Brotli runs once per file, not per URL: the same bundle asked with two made-up query strings (and its own
    fingerprinted URL) is compressed once and kept once; the answers are the same bytes."""
    src = next(s for s in scripts(client, "/wall") if "dash_renderer" in s)
    path = src.split("?")[0]
    store = client.application.extensions["mimika_static_compression"]
    made, kept = store.made, len(store)
    first = client.get(f"{path}?v=1.0.0&m=1", headers={"Accept-Encoding": "br"})
    second = client.get(f"{path}?cachebust=42", headers={"Accept-Encoding": "br"})
    third = client.get(src, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br" and first.data == second.data == third.data
    assert store.made - made <= 1 and len(store) - kept <= 1
