"""The oracle for the league, flow and list queries (data_access/queries/compliance.py, flow.py, report_lists.py),
in plain Python from raw rows.

Written from the docstrings, reusing only tests/oracle.py's row helpers, so SQL slips show as disagreements.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, time, timedelta

from tests.support.oracle import (
    ACTIVE,
    EXCLUDED,
    OPEN,
    WIT,
    accountable,
    answered,
    hours,
    judged_in,
    outcome,
    res_overdue,
    resp_overdue,
    visible,
    window,
)


def _decided(rows, filters, scope, now, opd=None):
    """Samples and compliance of the targets judged in the period (their due time in it); with ``opd``, only the
    targets that count for or against that OPD."""
    start, end = window(filters, now)
    counted = [r for r in visible(rows, filters, scope, period=False) if r["status"] not in EXCLUDED]
    out = {}
    for kind in ("response", "resolution"):
        mine = [r for r in counted if judged_in(r, kind, start, end) and (opd is None or accountable(r, kind) == opd)]
        decided = [r for r in mine if outcome(r, kind, now) in ("met", "missed")]
        met = sum(1 for r in mine if outcome(r, kind, now) == "met")
        out[f"{kind}_sample"] = len(decided)
        out[f"{kind}_compliance_pct"] = 100 * met / len(decided) if decided else None
    return out


def _window_rows(rows, filters, scope, now):
    start, end = window(filters, now)
    return [r for r in visible(rows, filters, scope, period=False)
            if start <= r["created_at"] < end and r["status"] not in EXCLUDED]


def compliance_by_opd(rows, opds, filters, scope, now, min_sample=20) -> dict[str, dict]:
    codes = [c for c in opds if (scope.opds is None or c in scope.opds) and (not filters.opds or c in filters.opds)]
    win = _window_rows(rows, filters, scope, now)
    out = {}
    everything = [r for r in visible(rows, filters, scope, period=False)
                  if window(filters, now)[0] <= r["created_at"] < window(filters, now)[1]]
    for code in codes:
        mine = [r for r in win if r["opd_code"] == code]
        o = _decided(rows, filters, scope, now, opd=code)
        period = [r for r in everything if r["opd_code"] == code]
        o["excluded"] = sum(1 for r in period if r["status"] in EXCLUDED)
        o["excluded_pct"] = 100 * o["excluded"] / len(period) if period else None
        took = [hours(answered(r), r["created_at"]) for r in mine if answered(r)]
        o["median_response_hours"] = statistics.median(took) if took else None
        open_rows = [r for r in visible(rows, filters, scope) if r["opd_code"] == code and r["status"] in OPEN]
        o["backlog"] = len(open_rows)
        o["overdue"] = sum(1 for r in open_rows if resp_overdue(r, now) or res_overdue(r, now))
        # README: more overdue now than resolutions decided withholds the percentage and the rank.
        o["ranked"] = o["resolution_sample"] >= min_sample and o["overdue"] <= o["resolution_sample"]
        out[code] = o
    return out


def compliance_by_opd_category(rows, filters, scope, now) -> dict[tuple, dict]:
    start, end = window(filters, now)
    counted = [r for r in visible(rows, filters, scope, period=False) if r["status"] not in EXCLUDED]
    pairs = {(accountable(r, kind), r["category_code"]) for r in counted for kind in ("response", "resolution")
             if judged_in(r, kind, start, end)}
    return {(opd, cat): _decided([r for r in rows if r["category_code"] == cat], filters, scope, now, opd=opd)
            for opd, cat in pairs}


def weekly(rows, filters, scope, now, weeks=12) -> dict[str, tuple[int, int]]:
    end = min(filters.end or now, now)
    local = now.astimezone(WIT)
    monday = local.date() - timedelta(days=local.weekday())
    start = filters.start or datetime.combine(monday - timedelta(weeks=weeks - 1), time(0), tzinfo=WIT)
    inflow, resolved = Counter(), Counter()

    def week_of(moment):
        d = moment.astimezone(WIT).date()
        return (d - timedelta(days=d.weekday())).isoformat()

    for r in visible(rows, filters, scope, period=False):
        if start <= r["created_at"] < end:
            inflow[week_of(r["created_at"])] += 1
        if r["resolved_at"] and start <= r["resolved_at"] < end:
            resolved[week_of(r["resolved_at"])] += 1
    return {w: (inflow[w], resolved[w]) for w in set(inflow) | set(resolved)}


def top_categories(rows, filters, scope, now, limit=10) -> list[tuple[str, int, int, int]]:
    start, end = window(filters, now)
    counts: dict[str, list[int]] = {}
    for r in visible(rows, filters, scope, period=False):
        if start <= r["created_at"] < end:
            c = counts.setdefault(r["category_code"], [0, 0, 0])
            c[0] += 1
            c[1] += r["status"] in OPEN
            c[2] += resp_overdue(r, now) or res_overdue(r, now)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [(code, *c) for code, c in ranked]


def sla_state(r, now, at_risk=timedelta(hours=24)) -> str:
    """excluded; breached = overdue now while open, or a target missed once finished; at risk; on time."""
    if r["status"] in EXCLUDED:
        return "excluded"
    overdue_now = resp_overdue(r, now) or res_overdue(r, now)
    if r["status"] in OPEN and overdue_now:
        return "breached"
    if r["status"] not in OPEN and "missed" in (outcome(r, "response", now), outcome(r, "resolution", now)):
        return "breached"
    horizon = now + at_risk
    if r["status"] in ACTIVE and not overdue_now and (
            (r["first_response_at"] is None and now <= r["response_due_at"] < horizon)
            or now <= r["resolution_due_at"] < horizon):
        return "at_risk"
    return "on_time"


SEVERITY = {"breached": 0, "at_risk": 1, "on_time": 2, "excluded": 3}


def report_list(rows, filters, scope, now, states=(), open_only=False, limit=2000) -> list[tuple[int, str]]:
    mine = [r for r in visible(rows, filters, scope) if r["created_at"] <= now
            and (not open_only or r["status"] in OPEN)]
    tagged = [(r, sla_state(r, now)) for r in mine]
    tagged = [(r, s) for r, s in tagged if not states or s in states]
    # An open report overdue for its first response comes before every other breach.
    tagged.sort(key=lambda rs: (0 if rs[0]["status"] in OPEN and resp_overdue(rs[0], now) else 1 + SEVERITY[rs[1]],
                                rs[0]["created_at"], rs[0]["id"]))
    return [(r["id"], s) for r, s in tagged[:limit]]


def oldest_open(rows, filters, scope, now, limit=10) -> list[int]:
    mine = [r for r in visible(rows, filters, scope) if r["status"] in OPEN and r["created_at"] <= now]
    mine.sort(key=lambda r: (r["created_at"], r["id"]))
    return [r["id"] for r in mine[:limit]]


def due_within(rows, filters, scope, now, hours_ahead) -> list[tuple[int, str]]:
    horizon = now + timedelta(hours=hours_ahead)
    out = []
    for r in visible(rows, filters, scope):
        if r["status"] not in ACTIVE:
            continue
        if r["first_response_at"] is None and now <= r["response_due_at"] < horizon:
            out.append((r["response_due_at"], r["id"], "response"))
        elif now <= r["resolution_due_at"] < horizon:
            out.append((r["resolution_due_at"], r["id"], "resolution"))
    out.sort()
    return [(i, kind) for _, i, kind in out]


def time_distribution(rows, filters, scope, now, kind, bins) -> list[int]:
    counts = [0] * len(bins)
    for r in _window_rows(rows, filters, scope, now):
        done = answered(r) if kind == "response" else r["resolved_at"]
        if done is None:
            continue
        h = hours(done, r["created_at"])
        if h < bins[0]:
            continue
        i = next((k for k, edge in enumerate(bins[1:]) if h < edge), len(bins) - 1)
        counts[i] += 1
    return counts


def period_comparison(rows, filters, scope, now) -> dict[str, tuple]:
    from dataclasses import replace

    from tests.support.oracle import kpis

    start, end = window(filters, now)
    prev_start = start - (end - start)
    out = {}
    figures = []
    for a, b in ((start, end), (prev_start, start)):
        f = replace(filters, start=a, end=b)
        k = kpis(rows, f, scope, now)
        k["reports"] = len(visible(rows, f, scope))  # every report received, rejected and archived too
        figures.append(k)
    for measure in ("reports", "response_compliance_pct", "resolution_compliance_pct", "median_response_hours",
                    "median_resolution_hours"):
        out[measure] = (figures[0][measure], figures[1][measure])
    return out


def open_by_group(rows, filters, scope, now, by) -> dict:
    key = {"category": "category_code", "district": "district_code", "opd": "opd_code"}[by]
    out: dict = {}
    for r in visible(rows, filters, scope):
        if r["status"] in OPEN:
            o = out.setdefault(r[key], [0, 0])
            o[0] += 1
            o[1] += resp_overdue(r, now) or res_overdue(r, now)
    return {k: tuple(v) for k, v in out.items()}
