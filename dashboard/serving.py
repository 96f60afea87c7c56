"""How `python -m dashboard serve` talks HTTP: Werkzeug's threaded server with a bound on slow connections and
secrets kept out of its request log. (Production runs gunicorn: gunicorn.conf.py and dashboard/logs.py.)

Werkzeug's own handler waits for ever: a client that opens a connection and sends half a request line, or a
header a minute, holds a thread as long as it likes, and enough of them hold the server. Here a connection
must send its request line and headers within ``CONNECTION_TIMEOUT`` seconds and may not sit silent longer than
that at any point (mid-request or between kept-alive requests); then it is closed. Its log line shows the path
with ``core.redact``'s secrets replaced: the kiosk link and an Open311 ``?api_key=`` travel in the query string.
"""

from __future__ import annotations

import socket
import threading

from werkzeug.serving import WSGIRequestHandler

from core.redact import redact_secrets


class BoundedRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with a deadline for each request's head and an idle timeout, logging no secrets."""

    timeout: float = 30.0  # socketserver.StreamRequestHandler sets it on the socket: no byte for this long closes

    def handle_one_request(self) -> None:
        # The request line and headers, or the wait for the next request on a kept-alive connection, get
        # ``timeout`` seconds in all: a client trickling a byte now and then never hits the idle timeout alone.
        self._head_timer = threading.Timer(self.timeout, self._close_slow_connection)
        self._head_timer.daemon = True
        self._head_timer.start()
        try:
            super().handle_one_request()
        finally:
            self._head_timer.cancel()

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        self._head_timer.cancel()  # the app may take its time (an export has its own bound)
        return parsed

    def _close_slow_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # the blocked read returns; the thread ends
        except OSError:
            pass

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 (Werkzeug's signature)
        super().log(type, "%s", redact_secrets(message % args if args else message))


def request_handler(timeout_seconds: float) -> type[BoundedRequestHandler]:
    """The handler class for ``app.run(request_handler=…)`` with ``timeout_seconds`` as its bound."""
    return type("ConfiguredRequestHandler", (BoundedRequestHandler,), {"timeout": float(timeout_seconds)})
