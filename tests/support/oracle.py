"""An independent oracle: the same measures as data_access.queries, computed in plain Python from raw rows.

Written from the definitions in the query docstrings, without reusing their code, so a wrong GROUP BY or
a time-zone slip in SQL shows up as a disagreement.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from data_access.store.schema import District, Opd, Report, ReportEvent, Village

WIT = ZoneInfo("Asia/Jayapura")
OPEN = {"baru", "diverifikasi", "didisposisikan", "diproses", "ditunda"}
ACTIVE = OPEN - {"ditunda"}
EXCLUDED = {"ditolak", "diarsipkan"}


def raw(engine) -> list[dict]:
    """Every report as a dict, with its timeline (``events``: (at, id, to_status, opd_code) in order) and
    ``held_since``: when its current hold began, for a report in ``ditunda``."""
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*Report.__table__.columns))]
        timeline = defaultdict(list)
        for e in conn.execute(select(ReportEvent.report_id, ReportEvent.at, ReportEvent.id, ReportEvent.kind,
                                     ReportEvent.to_status, ReportEvent.opd_code)):
            timeline[e.report_id].append((e.at, e.id, e.kind, e.to_status, e.opd_code))
    for r in rows:
        r["events"] = sorted(timeline[r["id"]])
        holds = [at for at, _, kind, to, _ in r["events"] if kind == "status" and to == "ditunda"]
        r["held_since"] = max(holds) if holds and r["status"] == "ditunda" else None
    return rows


def as_of(rows, moment) -> list[dict]:
    """The reports created by ``moment`` as their timelines had them then: the status of the latest status event
    by then (today's without one), the hold begun by then, a response or resolution only if given by then. Due
    times as they stand (the rule book's "As of an earlier moment")."""
    out = []
    for r in rows:
        if r["created_at"] > moment:
            continue
        then = dict(r)
        statuses = [to for at, _, kind, to, _ in r["events"] if kind == "status" and at <= moment]
        then["status"] = statuses[-1] if statuses else r["status"]
        holds = [at for at, _, kind, to, _ in r["events"] if kind == "status" and to == "ditunda" and at <= moment]
        then["held_since"] = max(holds) if holds and then["status"] == "ditunda" else None
        for done in ("first_response_at", "resolved_at"):
            if then[done] is not None and then[done] > moment:
                then[done] = None
        out.append(then)
    return out


STATE_KEYS = ("open", "overdue", "overdue_response", "overdue_resolution", "at_risk")


def kpis_then(rows, filters, scope, moment, at_risk=timedelta(hours=24)) -> dict:
    """headline_kpis(past=True): the window figures as at any ``moment``, the state counts as the timeline had them."""
    return {**kpis(rows, filters, scope, moment, at_risk),
            **{k: v for k, v in kpis(as_of(rows, moment), filters, scope, moment, at_risk).items() if k in STATE_KEYS}}


def reference(engine):
    with engine.connect() as conn:
        districts = [dict(r._mapping) for r in conn.execute(select(District.code, District.population))]
        villages = [dict(r._mapping) for r in conn.execute(select(Village.code, Village.district_code))]
        opds = [r[0] for r in conn.execute(select(Opd.code))]
    return districts, villages, opds


def visible(rows, filters, scope, period=True):
    out = []
    for r in rows:
        if scope.opds is not None and r["opd_code"] not in scope.opds:
            continue
        if period and filters.start and r["created_at"] < filters.start:
            continue
        if period and filters.end and r["created_at"] >= filters.end:
            continue
        ok = True
        for key, values in (("district_code", filters.districts), ("village_code", filters.villages),
                            ("opd_code", filters.opds), ("category_code", filters.categories),
                            ("channel", filters.channels), ("status", filters.statuses)):
            if values and r[key] not in values:
                ok = False
        if ok:
            out.append(r)
    return out


def window(filters, now):
    end = min(filters.end or now, now)
    start = filters.start or ((filters.end or now) - timedelta(days=30))
    return start, end


def answered(r):
    return r["first_response_at"] or r["resolved_at"]


def clock_counts(r, due) -> bool:
    """Running, or on hold since after ``due`` passed (a late hold hides no breach)."""
    return r["status"] in ACTIVE or (r["status"] == "ditunda" and r["held_since"] is not None
                                     and due < r["held_since"])


def time_unknown(r, kind) -> bool:
    """Done at a time the source never gave: moved past "baru" with no response time, or finished with no
    resolution time (imported history)."""
    if kind == "response":
        return r["status"] != "baru" and answered(r) is None
    return r["status"] in ("selesai", "ditutup") and r["resolved_at"] is None


def resp_overdue(r, now):
    return (r["status"] == "baru" and answered(r) is None and r["response_due_at"] < now
            and clock_counts(r, r["response_due_at"]))


def res_overdue(r, now):
    return r["resolved_at"] is None and r["resolution_due_at"] < now and clock_counts(r, r["resolution_due_at"])


def target(r, kind):
    return (r["response_due_at"], answered(r)) if kind == "response" else (r["resolution_due_at"], r["resolved_at"])


def outcome(r, kind, now) -> str:
    """met, missed, pending, unknown or excluded, as README's rule book says."""
    if r["status"] in EXCLUDED:
        return "excluded"
    due, done = target(r, kind)
    if done is not None:
        return "met" if done <= due else "missed"
    if time_unknown(r, kind):
        return "unknown"
    if due >= now:
        return "pending"
    if r["status"] == "ditunda" and not (r["held_since"] is not None and due < r["held_since"]):
        return "pending"
    return "missed"


def judged_in(r, kind, start, end) -> bool:
    """A target is judged in the period its due time falls in (README, "Compliance")."""
    due, _ = target(r, kind)
    return due is not None and start <= due < end


def holder_at(r, moment):
    """The OPD holding the report at ``moment``: that of its latest event by then, else today's."""
    held = [opd for at, _, _, _, opd in r["events"] if at <= moment and opd is not None]
    return held[-1] if held else r["opd_code"]


def accountable(r, kind):
    due, done = target(r, kind)
    return holder_at(r, done if done is not None and done <= due else due)


def hours(a, b):
    return (a - b).total_seconds() / 3600


def kpis(rows, filters, scope, now, at_risk=timedelta(hours=24)) -> dict:
    mine = visible(rows, filters, scope)
    local = now.astimezone(WIT)
    midnight = datetime.combine(local.date(), time(0), tzinfo=WIT)
    start, end = window(filters, now)
    win = [r for r in visible(rows, filters, scope, period=False)
           if start <= r["created_at"] < end and r["status"] not in EXCLUDED]
    horizon = now + at_risk
    counted = [r for r in visible(rows, filters, scope, period=False) if r["status"] not in EXCLUDED]
    resp_judged = [r for r in counted if judged_in(r, "response", start, end)]
    res_judged = [r for r in counted if judged_in(r, "resolution", start, end)]
    resp_decided = [r for r in resp_judged if outcome(r, "response", now) in ("met", "missed")]
    res_decided = [r for r in res_judged if outcome(r, "resolution", now) in ("met", "missed")]
    resp_met = sum(1 for r in resp_judged if outcome(r, "response", now) == "met")
    res_met = sum(1 for r in res_judged if outcome(r, "resolution", now) == "met")
    resp_hours = [hours(answered(r), r["created_at"]) for r in win if answered(r)]
    res_hours = [hours(r["resolved_at"], r["created_at"]) for r in win if r["resolved_at"]]
    return {
        "new_today": sum(1 for r in visible(rows, filters, scope, period=False) if midnight <= r["created_at"] <= now),
        "open": sum(1 for r in mine if r["status"] in OPEN),
        "overdue": sum(1 for r in mine if resp_overdue(r, now) or res_overdue(r, now)),
        "overdue_response": sum(1 for r in mine if resp_overdue(r, now)),
        "overdue_resolution": sum(1 for r in mine if res_overdue(r, now)),
        "at_risk": sum(1 for r in mine if r["status"] in ACTIVE and not (resp_overdue(r, now) or res_overdue(r, now))
                       and ((r["first_response_at"] is None and now <= r["response_due_at"] < horizon)
                            or now <= r["resolution_due_at"] < horizon)),
        "response_sample": len(resp_decided),
        "response_compliance_pct": 100 * resp_met / len(resp_decided) if resp_decided else None,
        "resolution_sample": len(res_decided),
        "resolution_compliance_pct": 100 * res_met / len(res_decided) if res_decided else None,
        "median_response_hours": statistics.median(resp_hours) if resp_hours else None,
        "median_resolution_hours": statistics.median(res_hours) if res_hours else None,
    }


def by_district(rows, districts, filters, scope, now, last_seen_days=60) -> dict[str, dict]:
    start, end = window(filters, now)
    out = {d["code"]: {"open": 0, "overdue": 0, "new_24h": 0, "reports": 0, "hours": [], "last": None,
                       "population": d["population"]} for d in districts}
    out["luar"] = {"open": 0, "overdue": 0, "new_24h": 0, "reports": 0, "hours": [], "last": None,
                   "population": None}
    for r in visible(rows, filters, scope):
        if r["status"] in OPEN:
            o = out[r["district_code"] or "luar"]
            o["open"] += 1
            o["overdue"] += resp_overdue(r, now) or res_overdue(r, now)
    for r in visible(rows, filters, scope, period=False):
        if not start <= r["created_at"] < end:
            continue
        o = out[r["district_code"] or "luar"]
        o["reports"] += 1
        o["new_24h"] += r["created_at"] >= now - timedelta(hours=24)
        if answered(r):
            o["hours"].append(hours(answered(r), r["created_at"]))
    for r in visible(rows, filters, scope, period=False):
        if now - timedelta(days=last_seen_days) <= r["created_at"] <= now:
            o = out[r["district_code"] or "luar"]
            o["last"] = max(o["last"] or r["created_at"], r["created_at"])
    for o in out.values():
        o["median_response_hours"] = statistics.median(o["hours"]) if o["hours"] else None
        o["per_10k"] = o["reports"] / o["population"] * 10_000 if o["population"] else None
    return out


def by_village(rows, villages, filters, scope, now, suppress_below, personal) -> dict[str, tuple]:
    start, end = window(filters, now)
    counts, opens = Counter(), Counter()
    for r in visible(rows, filters, scope, period=False):
        if start <= r["created_at"] < end and r["village_code"]:
            counts[r["village_code"]] += 1
            opens[r["village_code"]] += r["status"] in OPEN
    out = {}
    for v in villages:
        if filters.districts and v["district_code"] not in filters.districts:
            continue
        n, o = counts[v["code"]], opens[v["code"]]
        if not personal and 0 < n < suppress_below:
            out[v["code"]] = (None, None, True)
        elif not personal and 0 < o < suppress_below:
            out[v["code"]] = (n, None, False)
        else:
            out[v["code"]] = (n, o, False)
    return out


def breaches(rows, filters, scope, now, days, by) -> Counter:
    key = {"opd": "opd_code", "category": "category_code", "district": "district_code"}[by]
    local = now.astimezone(WIT)
    since = datetime.combine(local.date(), time(0), tzinfo=WIT) - timedelta(days=days - 1)
    out = Counter()
    for r in visible(rows, filters, scope, period=False):
        for kind in ("response", "resolution"):
            due, _ = target(r, kind)
            if since <= due < now and outcome(r, kind, now) == "missed":
                group = accountable(r, kind) if by == "opd" else r[key]
                out[(due.astimezone(WIT).date().isoformat(), group, kind)] += 1
    return out


def workload(rows, opds, filters, scope, now, days=7) -> dict[str, dict]:
    codes = [c for c in opds if (scope.opds is None or c in scope.opds) and (not filters.opds or c in filters.opds)]
    out = {c: defaultdict(int) for c in codes}
    for r in visible(rows, filters, scope):
        if r["status"] in OPEN and r["opd_code"] in out:
            o = out[r["opd_code"]]
            age = (now - r["created_at"]).total_seconds() / 86400
            bucket = ("age_0_1" if age < 1 else "age_1_3" if age < 3 else "age_3_7" if age < 7
                      else "age_7_14" if age < 14 else "age_14p")
            o[bucket] += 1
            o["backlog"] += 1
            o["overdue"] += resp_overdue(r, now) or res_overdue(r, now)
    periodic = filters.start is not None or filters.end is not None
    since = filters.start if periodic else now - timedelta(days=days)

    def within(moment) -> bool:
        return (moment is not None and moment <= now and (since is None or moment >= since)
                and (filters.end is None or moment < filters.end))

    for r in visible(rows, filters, scope, period=False):
        if r["opd_code"] in out:
            out[r["opd_code"]]["inflow"] += within(r["created_at"])
            out[r["opd_code"]]["closed"] += within(r["resolved_at"])
    return out


def overdue_by_opd(rows, filters, scope, now) -> Counter:
    out = Counter()
    for r in visible(rows, filters, scope):
        if resp_overdue(r, now):
            missed = r["response_due_at"]
        elif res_overdue(r, now):
            missed = r["resolution_due_at"]
        else:
            continue
        late = now - missed
        bucket = ("<1 hari" if late <= timedelta(days=1) else "1-3 hari" if late <= timedelta(days=3)
                  else "3-7 hari" if late <= timedelta(days=7) else ">7 hari")
        out[(holder_at(r, missed), bucket)] += 1
    return out


def newest(rows, filters, scope, now, limit) -> list[int]:
    mine = [r for r in visible(rows, filters, scope) if r["created_at"] <= now]
    mine.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return [r["id"] for r in mine[:limit]]
