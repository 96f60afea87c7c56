"""A TCP proxy on 127.0.0.1 that makes the link as bad as a district office's: it drops connections, cuts the
center's answers after the center has committed, stalls past the client's timeout, delays, and answers 503.

One thread per connection; the plan says, for the n-th connection, which fault to play. The forwarder sends
``Connection: close``, so one connection carries one request and its answer.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable

FAULTS = ("pass", "drop", "reset", "cut", "cut_headers", "stall", "delay", "busy")
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 54\r\n"
        b"Connection: close\r\n\r\n" + b'[{"code": 503, "description": "proxy says: try later"}]'.ljust(54))


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_all(conn: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk


class FaultyProxy:
    def __init__(self, target_port: int, plan: Callable[[int], str], *, stall_seconds: float = 1.0,
                 delay_seconds: float = 0.1) -> None:
        self.target_port, self.plan = target_port, plan
        self.stall_seconds, self.delay_seconds = stall_seconds, delay_seconds
        self.played: Counter[str] = Counter()
        self.committed_then_cut = 0  # answers the center gave that the client never got whole
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._count += 1
                fault = self.plan(self._count)
                self.played[fault] += 1
            threading.Thread(target=self._serve, args=(conn, fault), daemon=True).start()

    def _serve(self, conn: socket.socket, fault: str) -> None:
        try:
            self._play(conn, fault)
        except OSError:
            pass
        finally:
            conn.close()

    def _play(self, conn: socket.socket, fault: str) -> None:
        if fault == "drop":  # the link fails before anything reaches the center
            return
        request = _read_request(conn)
        if fault == "reset":  # a hard reset (RST) after the request was sent
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if fault == "busy":
            conn.sendall(BUSY)
            return
        if fault == "delay":
            time.sleep(self.delay_seconds)
        with socket.create_connection(("127.0.0.1", self.target_port), timeout=30) as upstream:
            upstream.sendall(request)
            answer = _read_all(upstream)  # the center has answered, so it has committed
        if fault == "cut":  # the status line and headers arrive, the body does not
            with self._lock:
                self.committed_then_cut += 1
            head_end = answer.find(b"\r\n\r\n") + 4
            conn.sendall(answer[: head_end + max(1, (len(answer) - head_end) // 2)])
            return
        if fault == "cut_headers":
            with self._lock:
                self.committed_then_cut += 1
            conn.sendall(answer[:20])
            return
        if fault == "stall":  # the answer comes after the client has given up
            with self._lock:
                self.committed_then_cut += 1
            time.sleep(self.stall_seconds)
            return
        conn.sendall(answer)
