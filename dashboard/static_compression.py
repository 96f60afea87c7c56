"""Scripts and styles compressed once, hard, and kept: the wall's first load on a poor link.

Flask-Compress compresses every response as it leaves, at a level cheap enough for callbacks (they change on every
refresh). Dash's scripts never change within a release (their URLs carry a fingerprint), so they are worth
compressing once at a high level and keeping in memory: brotli quality 9 takes the plotly bundle from 1.5 MB to
about 445 KB, against about 620 KB at Flask-Compress's level. This hook runs before Flask-Compress (after_request
hooks run last-registered first) and sets Content-Encoding, which Flask-Compress then leaves alone.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

import brotli
from flask import Flask, Response, request

STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
MIMETYPES = frozenset({"application/javascript", "text/javascript", "text/css", "application/json"})
BROTLI_QUALITY = 9  # 11 saves another 8 % at seventeen times the CPU: not worth it on the first request
MIN_SIZE = 1024
MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024


class CompressedStatic:
    """(file content digest, encoding) → compressed bytes, bounded by entries and bytes; least recently used leave
    first."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.made = 0  # how many times a body was compressed (or its prebuilt .br read): once per file and encoding

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str], make) -> bytes:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        data = make()  # outside the lock: two first requests may both compress; neither waits on the other
        with self._lock:
            self.made += 1
            if key not in self._entries:
                self._entries[key] = data
                self._bytes += len(data)
                while len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES:
                    _, dropped = self._entries.popitem(last=False)
                    self._bytes -= len(dropped)
        return data


def _encoding(accept: str) -> str | None:
    """brotli when the browser takes it, else gzip, else None (an explicit q=0 refuses one)."""
    weights = {}
    for part in accept.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().lower().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weights[name.strip().lower()] = quality
    for name in ("br", "gzip"):
        if weights.get(name, weights.get("*", 0.0)) > 0:
            return name
    return None


def precompressed(assets: Path | None, path: str, raw: bytes) -> bytes | None:
    """The ``.br`` file built beside an asset (tools/plotly-bundle writes one at brotli's top quality, too slow to
    reach on a request), when it holds exactly the asset (a stale one is ignored; checked once per process)."""
    if assets is None or not path.startswith("/assets/"):
        return None
    source = (assets / path[len("/assets/"):]).resolve()
    packed = source.with_name(source.name + ".br")
    if not source.is_relative_to(assets.resolve()) or not packed.is_file():
        return None
    data = packed.read_bytes()
    try:
        return data if brotli.decompress(data) == raw else None
    except brotli.error:
        return None


def install(server: Flask, assets: Path | None = None) -> CompressedStatic:
    store = CompressedStatic()

    @server.after_request
    def compress_static(response: Response) -> Response:
        if (not request.path.startswith(STATIC_PREFIXES) or response.status_code != 200
                or response.mimetype not in MIMETYPES or "Content-Encoding" in response.headers):
            return response
        encoding = _encoding(request.headers.get("Accept-Encoding", ""))
        if encoding is None:
            return response
        response.direct_passthrough = False  # send_file streams the file; we need its bytes once
        raw = response.get_data()
        if len(raw) < MIN_SIZE:
            return response

        def make() -> bytes:
            if encoding == "br":
                return precompressed(assets, request.path, raw) or brotli.compress(raw, quality=BROTLI_QUALITY)
            return gzip.compress(raw, compresslevel=9)

        # Keyed by what is sent, not by the URL: anyone may add a new query string (Dash's fingerprint ?v=…&m=… or
        # ?x=<random>) to the same file, and brotli at quality 9 costs 100 ms of CPU per megabyte. Hashing the
        # bytes costs about a millisecond and also tells a changed file (a new release) from the old one.
        body = store.get((hashlib.blake2b(raw, digest_size=20).digest(), encoding), make)
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        response.headers["Content-Length"] = str(len(body))
        response.vary.add("Accept-Encoding")
        return response

    server.extensions["mimika_static_compression"] = store
    return store
