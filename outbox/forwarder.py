"""Forward an outbox to the center's Open311 POST, safely over a link that drops, cuts and stalls.

Every attempt of an item carries the UUID minted when it was recorded as its Idempotency-Key, so a retry after a
lost answer is a replay at the center, never a second report. An item is marked sent only when the center has
confirmed it (2xx with a service_request_id). What the center refuses for good (409, other 4xx) is kept as
failed with its reason; what may pass later (5xx, 408, 429, timeouts, broken connections, an answer cut short)
is retried with exponential backoff and full jitter, a bounded number of times per pass. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from outbox import store as outbox
from outbox.store import OutboxItem

REQUESTS_PATH = "/open311/v2/requests.json"
MAX_ANSWER = 64 * 1024
RETRY_STATUSES = frozenset({408, 429})
KEY_REFUSED = frozenset({401, 403})

WIT = ZoneInfo("Asia/Jayapura")  # the offices' clock; the outbox knows nothing of the center's code


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for one item: attempt n waits up to min(cap, base·2ⁿ⁻¹) seconds (full jitter)."""

    attempts: int = 6
    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    timeout_seconds: float = 20.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        if retry_after is not None:  # the center said when: believe it, within the cap
            return min(self.cap_seconds, max(0.0, retry_after))
        return rng.uniform(0.0, min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent / failed (for good) / retry (may pass later) / stop (nothing will pass: the key, the URL)
    reason: str | None = None
    service_request_id: int | None = None
    retry_after: float | None = None


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    attempts: int = 0
    stopped: str | None = None  # why the pass ended early, with items left pending
    left: dict[str, int] = field(default_factory=dict)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib turns a redirected POST into a GET of the new address: a GET of requests.json answers with a list
    # of service requests, which must never be taken for a confirmation.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def requests_url(base: str) -> str:
    """The center's POST address for a base URL such as https://center.mimika.go.id (or its /open311/v2)."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--to {base!r} is not an http(s) address such as https://center.example")
    path = parts.path.rstrip("/")
    if path.endswith("/open311/v2"):
        path = path[: -len("/open311/v2")]
    return f"{parts.scheme}://{parts.netloc}{path}{REQUESTS_PATH}"


def send_one(url: str, api_key: str, item: OutboxItem, timeout: float) -> Outcome:
    """One attempt to deliver ``item``; what the answer (or its absence) means for it."""
    fields = {**item.fields, "api_key": api_key,
              "attribute[requested_datetime]": item.recorded_at.astimezone(WIT).isoformat(timespec="seconds")}
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json",
        "Idempotency-Key": item.idempotency_key, "User-Agent": "mimika-outbox/1"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return _judge(response.status, response.read(MAX_ANSWER), response.headers)
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(MAX_ANSWER)
        except (OSError, http.client.HTTPException):
            body = b""
        return _judge(exc.code, body, exc.headers)
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Outcome("retry", f"no answer: {type(exc).__name__}: {reason}"[:300])


def _judge(status: int, body: bytes, headers) -> Outcome:
    description = _description(body)
    if 200 <= status < 300:
        try:
            answer = json.loads(body.decode("utf-8"))
            found = int(answer[0]["service_request_id"])
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return Outcome("retry", f"HTTP {status} without a service_request_id: not confirmed")
        return Outcome("sent", service_request_id=found)
    if status == 409:
        return Outcome("failed", f"HTTP 409: {description}")
    if status in RETRY_STATUSES or status >= 500:
        return Outcome("retry", f"HTTP {status}: {description}", retry_after=_retry_after(headers))
    if status in KEY_REFUSED:
        return Outcome("stop", f"HTTP {status}: the center refused the API key ({description})")
    if 400 <= status < 500:
        return Outcome("failed", f"HTTP {status}: {description}")
    return Outcome("stop", f"HTTP {status}: unexpected answer (a redirect? check --to)")


def _description(body: bytes) -> str:
    try:
        return str(json.loads(body.decode("utf-8"))[0]["description"])[:300]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return body[:200].decode("utf-8", "replace").strip() or "no description"


def _retry_after(headers) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers is not None and headers.get("Retry-After") else None
    except (TypeError, ValueError):
        return None


def forward_pending(path, url: str, api_key: str, *, policy: RetryPolicy = RetryPolicy(),
                    sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                    report: Callable[[OutboxItem, Outcome], None] | None = None) -> Summary:
    """One pass over the pending items, oldest first. An item that still cannot pass after its attempts ends the
    pass (the link is down: the others would wait the same), leaving it and the rest pending for the next."""
    rng = rng or random.Random()
    summary = Summary()
    for item in outbox.pending(path):
        for attempt in range(1, policy.attempts + 1):
            outcome = send_one(url, api_key, item, policy.timeout_seconds)
            summary.attempts += 1
            outbox.note_attempt(path, item.id, outcome.reason)
            if report is not None:
                report(item, outcome)
            if outcome.kind == "sent":
                outbox.mark_sent(path, item.id, outcome.service_request_id)
                summary.sent += 1
                break
            if outcome.kind == "failed":
                outbox.mark_failed(path, item.id, outcome.reason or "refused")
                summary.failed += 1
                break
            if outcome.kind == "stop":
                summary.stopped = outcome.reason
                summary.left = outbox.counts(path)
                return summary
            if attempt == policy.attempts:
                summary.stopped = f"still not through after {attempt} attempts: {outcome.reason}"
                summary.left = outbox.counts(path)
                return summary
            sleep(policy.delay(attempt, rng, outcome.retry_after))
    summary.left = outbox.counts(path)
    return summary
