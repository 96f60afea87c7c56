"""The SLA rules as plain-Python twins of data_access/rulebook/rules.py, for tests only.

Written from the rule book's words (core/rules.py, README "SLA rules (the rule book)") without reusing the SQL, so
a test that compares the two catches a rule that drifted in either. Nothing in the product calls them: the product
decides every figure in SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from core.rules import CLOCK_RUNNING, EXCLUDED_STATUSES, FINISHED_STATUSES, HELD, NEW

SlaState = Literal["on_time", "at_risk", "breached"]


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")


def time_unknown(kind: str, status: str, done: datetime | None) -> bool:
    """Done at a time nobody recorded: moved past "baru" without a response time, finished without a resolution
    time."""
    if done is not None:
        return False
    return status != NEW if kind == "response" else status in FINISHED_STATUSES


def is_overdue(kind: str, status: str, due: datetime | None, done: datetime | None, held_since: datetime | None,
               now: datetime) -> bool:
    """Open and past ``due`` without ``done``, the clock running — or on hold since after the due time passed
    (a hold begun after a due time hides no breach). A target done at an unknown time is never overdue."""
    if due is None or done is not None or due >= now or time_unknown(kind, status, done):
        return False
    if status in CLOCK_RUNNING:
        return True
    return status == HELD and held_since is not None and due < held_since


def compliance(kind: str, status: str, due: datetime | None, done: datetime | None, held_since: datetime | None,
               now: datetime) -> str:
    """``met`` (done by the due time), ``missed`` (done late, or silent past it — unless on hold since before
    it), ``unknown`` (done at a time nobody recorded), ``pending`` (not yet decided) or ``excluded`` (rejected
    or archived)."""
    if status in EXCLUDED_STATUSES:
        return "excluded"
    if due is None:
        return "pending"
    if done is not None:
        return "met" if done <= due else "missed"
    if time_unknown(kind, status, done):
        return "unknown"
    if due >= now:
        return "pending"
    if status == HELD and (held_since is None or held_since <= due):
        return "pending"  # the clock stopped before the due time
    return "missed"


def sla_state(due: datetime | None, done: datetime | None, now: datetime, at_risk_window: timedelta) -> SlaState | None:
    """Traffic-light state of one SLA clock.

    ``due`` None (no policy) -> None. Finished: ``done <= due`` -> "on_time", else "breached" (finished late).
    Open: ``now > due`` -> "breached"; ``due - now <= at_risk_window`` -> "at_risk" (so ``now == due`` is at risk,
    not yet breached); otherwise "on_time". Naive datetimes are refused, as everywhere in the SLA clock.
    """
    if due is None:
        return None
    _require_aware(due, "due")
    _require_aware(now, "now")
    if at_risk_window < timedelta(0):
        raise ValueError(f"at_risk_window must be >= 0, got {at_risk_window}")
    if done is not None:
        _require_aware(done, "done")
        return "on_time" if done <= due else "breached"
    if now > due:
        return "breached"
    if due - now <= at_risk_window:
        return "at_risk"
    return "on_time"
