#!/usr/bin/env python
"""How fast are the dashboard's queries on a big store, and how much do they save over reading it into pandas?

Builds (or reuses) a demo store of N reports with the project's own code, times every query in
``data_access.queries`` (one cold call on a fresh engine, then the median of warm calls) and a naive
baseline (read the report table into pandas, compute the same result there), and prints a Markdown table
that is also written to ``<out>/results/queries_<N>.md``.

    .venv/bin/python benchmarks/bench_queries.py                       # 1,000,000 reports, SQLite
    BENCH_DATABASE_URL=postgresql://127.0.0.1:5432/mimika_bench \\
        .venv/bin/python benchmarks/bench_queries.py                   # … and PostgreSQL as well
    .venv/bin/python benchmarks/bench_queries.py --reports 3000 --runs 2 --out /tmp/bench

This is a script that prints figures, not a timed test; tests/benchmarks/test_benchmarks.py checks that it runs.
The baseline's answers are checked against the queries' (both read the README's rule book); any disagreement is
listed and the script exits 1.

A store is reused when it holds N ±10 % reports, reaches up to the fixed ``now`` and has every index schema.py
declares; otherwise it is rebuilt (SQLite: the file is replaced; PostgreSQL: the store's tables are dropped, only
in a database whose name contains "bench"). ``--only sqlite|postgresql`` times one backend; ``--build-only``
builds the stores and times nothing (building 1M takes ~7 minutes per backend, so the two can be built in
parallel first). benchmarks/explain_queries.py shows each query's statements with their plans.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_queries.py` from anywhere
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import Engine, create_engine, func, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.bench_common import publish  # noqa: E402
from data_access import queries  # noqa: E402
from data_access.rulebook.scope import Filters, Scope  # noqa: E402
from data_access.rulebook.sla import WorkCalendar  # noqa: E402
from data_access.store.engine import make_engine, normalise_url  # noqa: E402
from data_access.store.migrate import upgrade  # noqa: E402
from data_access.store.reference import load_reference  # noqa: E402
from data_access.store.schema import Base, Report  # noqa: E402
from demo.seed import DemoConfig, seed_demo  # noqa: E402

# The same Monday morning in WIT as the tests: the store is generated up to it and every query asks at it.
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
# DemoConfig(per_day=45, days=730) writes about 24,400 reports; per_day scales linearly with the wanted size.
CALIBRATION_PER_DAY, CALIBRATION_REPORTS = 45.0, 24_400
SIZE_TOLERANCE = 0.10  # an existing store within ±10 % of N (Poisson noise of the generator) is reused
TARGET_MS, TARGET_VERSION_MS, TARGET_RATIO = 100.0, 5.0, 20.0
WIT_NAME = "Asia/Jayapura"

# The rule book's words (core/rules.py), spelt out again: the baseline is an independent pandas reading of the
# rules in README "SLA rules (the rule book)", not a second caller of data_access/rulebook/rules.py.
NEW, HELD = "baru", "ditunda"
OPEN = ("baru", "diverifikasi", "didisposisikan", "diproses", "ditunda")
ACTIVE = ("baru", "diverifikasi", "didisposisikan", "diproses")  # the clock runs
FINISHED = ("selesai", "ditutup")
EXCLUDED = ("ditolak", "diarsipkan")
TIME_COLUMNS = ("created_at", "first_response_at", "resolved_at", "closed_at", "response_due_at",
                "resolution_due_at", "updated_at")
# The baseline reads every column of the report table except the link to personal data.
BASELINE_COLUMNS = tuple(c.name for c in Report.__table__.columns if c.name != "reporter_id")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def per_day_for(reports: int) -> float:
    return CALIBRATION_PER_DAY * reports / CALIBRATION_REPORTS


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


# --- building the store ------------------------------------------------------------------------------------


class SeedProgress:
    """Progress of seed_demo on stderr, at most every two seconds: written, rate, time left."""

    def __init__(self, label: str) -> None:
        self.label, self.started, self.last = label, time.perf_counter(), 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, written: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.last < 2.0 and written < total:
            return
        self.last = now
        rate = written / max(now - self.started, 1e-9)
        left = max(total - written, 0) / rate if rate else 0.0
        line = (f"[build {self.label}] {written:,}/~{total:,} reports ({100 * written / total:.0f} %), "
                f"{rate:,.0f}/s, ~{left:,.0f} s left")
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty:
            print(file=sys.stderr, flush=True)


@dataclass
class Store:
    backend: str  # sqlite / postgresql
    url: str
    shown: str  # the URL or path without a password
    reports: int = 0
    build_seconds: float | None = None  # None: reused
    note: str = ""


def store_problem(engine: Engine, wanted: int) -> str | None:
    """Why an existing store cannot be reused for ``wanted`` reports, or None when it can."""
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM report")).scalar_one()
            newest = conn.execute(select(func.max(Report.created_at))).scalar()
    except Exception as exc:  # no store there yet
        return f"no report table ({type(exc).__name__})"
    if abs(count - wanted) > SIZE_TOLERANCE * wanted:
        return f"it holds {count:,} reports, not ≈{wanted:,}"
    if newest is None or newest < NOW - timedelta(days=1):
        return f"its newest report is {newest}: an interrupted build (generation runs in time order up to {NOW})"
    declared = {ix.name for ix in Report.__table__.indexes}
    present = _index_names(engine)
    if declared - present:
        return f"it lacks indexes declared in schema.py: {sorted(declared - present)} (built by older migrations)"
    with engine.connect() as conn:
        timelines = conn.execute(text("SELECT 1 FROM report_event LIMIT 1")).first()
    if timelines is None:
        return ("it has no report timelines (built with_events=False): the hold rule reads when each hold began, "
                "so without them no held report could be overdue")
    return None


def _index_names(engine: Engine) -> set[str]:
    """The report table's index names from the catalogue (SQLAlchemy's SQLite reflection skips expression indexes)."""
    sql = ("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'report'"
           if engine.dialect.name == "sqlite" else "SELECT indexname FROM pg_indexes WHERE tablename = 'report'")
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def seed(engine: Engine, reports: int, label: str) -> None:
    """A store built the way the project builds one: migrations, reference data, then the demo generator."""
    upgrade(engine)
    load_reference(engine)
    progress = SeedProgress(label)
    # With the timelines: the rule book reads report_event (when a hold began, who held a report when a due time
    # passed), so a store without them answers differently from any real one (a report held after its due time
    # would never be overdue), and its plans would skip the correlated reads the real ones make.
    config = DemoConfig(seed=1, days=730, per_day=per_day_for(reports), now=NOW, with_events=True)
    log(f"[build {label}] DemoConfig(seed=1, days=730, per_day={config.per_day:.2f}, now={NOW.isoformat()}, "
        f"with_events=True)")
    written = seed_demo(engine, WorkCalendar(), config, progress=progress)
    progress.done()
    log(f"[build {label}] {written:,} reports written; analysing")
    analyse(engine)


def analyse(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:  # VACUUM cannot run inside a transaction
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE report"))


def count_reports(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM report")).scalar_one()


def sqlite_store(path: Path, reports: int) -> Store:
    url = f"sqlite:///{path}"
    store = Store("sqlite", url, str(path))
    if path.exists():
        engine = make_engine(url)
        problem = store_problem(engine, reports)
        engine.dispose()
        if problem is None:
            store.reports = _count(url)
            log(f"[sqlite] reusing {path} ({store.reports:,} reports)")
            return store
        log(f"[sqlite] rebuilding {path}: {problem}")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    engine = make_engine(url, create=True)
    seed(engine, reports, "sqlite")
    engine.dispose()
    store.build_seconds = time.perf_counter() - started
    store.reports = _count(url)
    return store


def _count(url: str) -> int:
    engine = make_engine(url)
    try:
        return count_reports(engine)
    finally:
        engine.dispose()


def postgres_store(url: str, reports: int) -> Store:
    parsed = make_url(normalise_url(url))
    shown = parsed.render_as_string(hide_password=True)
    store = Store("postgresql", parsed.render_as_string(hide_password=False), shown)
    _create_database_if_missing(parsed)
    engine = make_engine(store.url, create=True)
    try:
        problem = store_problem(engine, reports)
        if problem is None:
            store.reports = count_reports(engine)
            log(f"[postgresql] reusing {shown} ({store.reports:,} reports)")
            return store
        log(f"[postgresql] (re)building {shown}: {problem}")
        if inspect(engine).has_table("report"):
            if "bench" not in (parsed.database or ""):
                raise SystemExit(f"refusing to drop the tables of {shown}: the benchmark only rebuilds a database "
                                 "whose name contains 'bench' (e.g. mimika_bench)")
            Base.metadata.drop_all(engine)
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        started = time.perf_counter()
        seed(engine, reports, "postgresql")
        store.build_seconds = time.perf_counter() - started
        store.reports = count_reports(engine)
        return store
    finally:
        engine.dispose()


def _create_database_if_missing(parsed) -> None:
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).first()
            if not exists:
                log(f"[postgresql] CREATE DATABASE {parsed.database}")
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


# --- the naive baseline: the whole table in pandas -----------------------------------------------------------


@dataclass
class Frames:
    reports: pd.DataFrame  # with held_since: when a held report's current hold began (NaT otherwise)
    districts: pd.DataFrame
    villages: pd.DataFrame
    opds: pd.DataFrame
    categories: pd.DataFrame


def read_everything(engine: Engine) -> Frames:
    """What a dashboard without SQL aggregation would do on every refresh: read the table, parse the times."""
    with engine.connect() as conn:
        reports = pd.read_sql(text(f"SELECT {', '.join(BASELINE_COLUMNS)} FROM report"), conn)
        districts = pd.read_sql(text("SELECT code, name, population, access, label_lat, label_lon FROM district"),
                                conn)
        villages = pd.read_sql(text("SELECT code, name, type, district_code FROM village"), conn)
        opds = pd.read_sql(text("SELECT code, name, short_name FROM opd"), conn)
        categories = pd.read_sql(text("SELECT code, name FROM category"), conn)
        # The hold rule needs when each hold began: the moves into ditunda (a few per cent of the timelines).
        holds = pd.read_sql(text("SELECT report_id, at FROM report_event WHERE kind = 'status' "
                                 f"AND to_status = '{HELD}'"), conn)
    for column in TIME_COLUMNS:  # SQLite hands back ISO text, PostgreSQL timestamptz
        reports[column] = pd.to_datetime(reports[column], utc=True, format="ISO8601")
    holds["at"] = pd.to_datetime(holds["at"], utc=True, format="ISO8601")
    began = holds.groupby("report_id")["at"].max()
    # The current hold began at the latest move into ditunda; only a report on hold now has one.
    reports["held_since"] = reports["id"].map(began).where(reports["status"] == HELD)
    reports["held_since"] = pd.to_datetime(reports["held_since"], utc=True)
    return Frames(reports, districts, villages, opds, categories)


def visible(df: pd.DataFrame, filters: Filters, scope: Scope, period: bool = True) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    if scope.opds is not None:
        mask &= df["opd_code"].isin(sorted(scope.opds))
    if period and filters.start is not None:
        mask &= df["created_at"] >= filters.start
    if period and filters.end is not None:
        mask &= df["created_at"] < filters.end
    for column, values in (("district_code", filters.districts), ("village_code", filters.villages),
                           ("opd_code", filters.opds), ("category_code", filters.categories),
                           ("channel", filters.channels), ("status", filters.statuses)):
        if values:
            mask &= df[column].isin(values)
    return mask


def window(filters: Filters, now: datetime) -> tuple[datetime, datetime]:
    end = filters.end or now
    return filters.start or (end - timedelta(days=30)), min(end, now)


def wit_midnight(now: datetime) -> pd.Timestamp:
    return pd.Timestamp(now).tz_convert(WIT_NAME).normalize()


def answered(df: pd.DataFrame) -> pd.Series:
    return df["first_response_at"].fillna(df["resolved_at"])


def hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600.0


def awaiting_response(df: pd.DataFrame) -> pd.Series:
    """Nobody has answered yet: still baru, with neither a response nor a resolution time (a report that moved on
    without a response time was answered at a time nobody recorded: unknown, never late)."""
    return (df["status"] == NEW) & df["first_response_at"].isna() & df["resolved_at"].isna()


def clock_counts(df: pd.DataFrame, due: pd.Series) -> pd.Series:
    """The clock runs, or the report is on hold since after ``due`` passed (a hold begun after a due time hides no
    breach; one begun before it stops the clock)."""
    return df["status"].isin(ACTIVE) | ((df["status"] == HELD) & (due < df["held_since"]))


def overdue_masks(df: pd.DataFrame, now: datetime) -> tuple[pd.Series, pd.Series]:
    """Overdue now for the response, for the resolution: not done, past the due time, the clock counting."""
    response = (awaiting_response(df) & (df["response_due_at"] < now)
                & clock_counts(df, df["response_due_at"]))
    resolution = (df["resolved_at"].isna() & (df["resolution_due_at"] < now)
                  & clock_counts(df, df["resolution_due_at"]))
    return response, resolution


def outcomes(df: pd.DataFrame, kind: str, now: datetime) -> tuple[pd.Series, pd.Series]:
    """(met, missed) for one target of counted reports: met = done by the due time; missed = done late, or silent
    past the due time — not when done at a time nobody recorded (unknown), nor on hold since before it passed."""
    if kind == "response":
        due, done = df["response_due_at"], answered(df)
        silent = awaiting_response(df) & (due < now)
    else:
        due, done = df["resolution_due_at"], df["resolved_at"]
        held_before_due = (df["status"] == HELD) & ~(due < df["held_since"])
        silent = done.isna() & ~df["status"].isin(FINISHED) & (due < now) & ~held_before_due
    counted = ~df["status"].isin(EXCLUDED)
    met = counted & done.notna() & (done <= due)
    missed = counted & ((done.notna() & (done > due)) | silent)
    return met, missed


def naive_kpis(f: Frames, filters: Filters, scope: Scope, now: datetime) -> dict:
    df = f.reports
    start, end = window(filters, now)
    horizon = now + timedelta(hours=24)
    everywhen = visible(df, filters, scope, period=False)
    mine = df[visible(df, filters, scope)]
    response_over, resolution_over = overdue_masks(mine, now)
    # At risk: the clock running, not overdue, and a due time still ahead falls before the horizon.
    at_risk = mine["status"].isin(ACTIVE) & ~(response_over | resolution_over) & (
        (awaiting_response(mine) & (mine["response_due_at"] >= now) & (mine["response_due_at"] < horizon))
        | ((mine["resolution_due_at"] >= now) & (mine["resolution_due_at"] < horizon)))
    w = df[everywhen & ~df["status"].isin(EXCLUDED) & (df["created_at"] >= start) & (df["created_at"] < end)]
    ans = answered(w)
    # Compliance = met ÷ (met + missed) over the targets judged in the window: those whose due time falls in it
    # (README, "A target is judged in the period its due time falls in"); pending and unknown ones are left out.
    counted = df[everywhen & ~df["status"].isin(EXCLUDED)]
    judged = {kind: counted[(counted[f"{kind}_due_at"] >= start) & (counted[f"{kind}_due_at"] < end)]
              for kind in ("response", "resolution")}
    response_met, response_missed = (int(m.sum()) for m in outcomes(judged["response"], "response", now))
    resolution_met, resolution_missed = (int(m.sum()) for m in outcomes(judged["resolution"], "resolution", now))
    response_sample, resolution_sample = response_met + response_missed, resolution_met + resolution_missed
    median_response = hours(ans, w["created_at"]).median()
    median_resolution = hours(w["resolved_at"], w["created_at"]).median()
    return {
        "new_today": int((everywhen & (df["created_at"] >= wit_midnight(now)) & (df["created_at"] <= now)).sum()),
        "open": int(mine["status"].isin(OPEN).sum()),
        "overdue_response": int(response_over.sum()),
        "overdue_resolution": int(resolution_over.sum()),
        "at_risk": int(at_risk.sum()),
        "response_compliance_pct": 100.0 * response_met / response_sample if response_sample else None,
        "response_sample": response_sample,
        "resolution_compliance_pct": 100.0 * resolution_met / resolution_sample if resolution_sample else None,
        "resolution_sample": resolution_sample,
        "median_response_hours": None if pd.isna(median_response) else float(median_response),
        "median_resolution_hours": None if pd.isna(median_resolution) else float(median_resolution),
    }


def naive_by_district(f: Frames, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    df = f.reports
    start, end = window(filters, now)
    code = df["district_code"].fillna("luar")
    response_over, resolution_over = overdue_masks(df, now)
    state_rows = visible(df, filters, scope) & df["status"].isin(OPEN)
    state = pd.DataFrame({"code": code[state_rows], "overdue": (response_over | resolution_over)[state_rows]}
                         ).groupby("code").agg(open=("overdue", "size"), overdue=("overdue", "sum"))
    period_rows = visible(df, filters, scope, period=False) & (df["created_at"] >= start) & (df["created_at"] < end)
    p = df[period_rows]
    recent = pd.DataFrame({
        "code": code[period_rows], "new": p["created_at"] >= now - timedelta(hours=24), "at": p["created_at"],
        "hours": hours(answered(p), p["created_at"]),
    }).groupby("code").agg(new_24h=("new", "sum"), reports=("new", "size"), median_response_hours=("hours", "median"))
    seen_rows = (visible(df, filters, scope, period=False) & (df["created_at"] >= now - timedelta(days=60))
                 & (df["created_at"] <= now))
    last_seen = df.loc[seen_rows, "created_at"].groupby(code[seen_rows]).max().rename("last_report_at")
    places = pd.concat([f.districts, pd.DataFrame([{"code": "luar", "name": "Di luar wilayah / tanpa lokasi"}])],
                       ignore_index=True).set_index("code")
    out = places.join(state).join(recent).join(last_seen)
    for column in ("open", "overdue", "new_24h", "reports"):
        out[column] = out[column].fillna(0).astype(int)
    out["per_10k"] = out["reports"] / out["population"] * 10_000
    return out


def naive_by_village(f: Frames, filters: Filters, scope: Scope, now: datetime, suppress_below: int = 5
                     ) -> pd.DataFrame:
    df = f.reports
    start, end = window(filters, now)
    rows = (visible(df, filters, scope, period=False) & (df["created_at"] >= start) & (df["created_at"] < end)
            & df["village_code"].notna())
    counts = pd.DataFrame({"code": df.loc[rows, "village_code"], "open": df.loc[rows, "status"].isin(OPEN)}
                          ).groupby("code").agg(reports=("open", "size"), open=("open", "sum"))
    villages = f.villages
    if filters.districts:
        villages = villages[villages["district_code"].isin(filters.districts)]
    out = villages.set_index("code").join(counts)
    out[["reports", "open"]] = out[["reports", "open"]].fillna(0).astype(int)
    out["suppressed"] = False
    if not scope.personal_data:
        small = (out["reports"] > 0) & (out["reports"] < suppress_below)
        small_open = (out["open"] > 0) & (out["open"] < suppress_below)
        out["suppressed"] = small
        out["reports"] = out["reports"].astype("object").where(~small, None)
        out["open"] = out["open"].astype("object").where(~(small | small_open), None)
    return out


def naive_breaches(f: Frames, filters: Filters, scope: Scope, now: datetime, by: str, days: int = 28) -> pd.Series:
    df = f.reports
    key = {"opd": "opd_code", "category": "category_code", "district": "district_code"}[by]
    since = wit_midnight(now) - timedelta(days=days - 1)
    scoped = visible(df, filters, scope, period=False)
    parts = []
    # A breach falls on the WIT day its due time passed, missed (answered late, or silent past it). By OPD it
    # counts against who held the report then; the demo generator transfers no report, so that is its OPD now.
    for kind, due in (("response", df["response_due_at"]), ("resolution", df["resolution_due_at"])):
        rows = scoped & (due >= since) & (due < now) & outcomes(df, kind, now)[1]
        parts.append(pd.DataFrame({"date": due[rows].dt.tz_convert(WIT_NAME).dt.strftime("%Y-%m-%d"),
                                   "group": df.loc[rows, key], "kind": kind}))
    return pd.concat(parts).groupby(["date", "group", "kind"], dropna=False).size()


def naive_workload(f: Frames, filters: Filters, scope: Scope, now: datetime, days: int = 7) -> pd.DataFrame:
    df = f.reports
    response_over, resolution_over = overdue_masks(df, now)
    backlog_rows = visible(df, filters, scope) & df["status"].isin(OPEN)
    created = df.loc[backlog_rows, "created_at"]
    age = pd.cut((now - created).dt.total_seconds() / 86400, [-np.inf, 1, 3, 7, 14, np.inf], right=False,
                 labels=["age_0_1", "age_1_3", "age_3_7", "age_7_14", "age_14p"])
    backlog = pd.crosstab(df.loc[backlog_rows, "opd_code"], age)
    backlog["backlog"] = backlog.sum(axis=1)
    backlog["overdue"] = (response_over | resolution_over)[backlog_rows].groupby(df.loc[backlog_rows, "opd_code"]
                                                                                  ).sum()
    everywhen = visible(df, filters, scope, period=False)
    since = now - timedelta(days=days)
    inflow = df.loc[everywhen & (df["created_at"] >= since) & (df["created_at"] <= now), "opd_code"].value_counts()
    closed = df.loc[everywhen & (df["resolved_at"] >= since) & (df["resolved_at"] <= now), "opd_code"].value_counts()
    opds = f.opds
    if scope.opds is not None:
        opds = opds[opds["code"].isin(sorted(scope.opds))]
    if filters.opds:
        opds = opds[opds["code"].isin(filters.opds)]
    out = opds.set_index("code").join(backlog).join(inflow.rename("inflow")).join(closed.rename("closed"))
    columns = ["backlog", "age_0_1", "age_1_3", "age_3_7", "age_7_14", "age_14p", "overdue", "inflow", "closed"]
    for column in columns:
        out[column] = out[column].fillna(0).astype(int) if column in out else 0
    return out.sort_values(["overdue", "backlog"], ascending=False)


def naive_overdue_by_opd(f: Frames, filters: Filters, scope: Scope, now: datetime) -> pd.Series:
    df = f.reports
    response_over, resolution_over = overdue_masks(df, now)
    rows = visible(df, filters, scope) & (response_over | resolution_over)
    missed = df.loc[rows, "response_due_at"].where(response_over[rows], df.loc[rows, "resolution_due_at"])
    bucket = np.select([missed >= now - timedelta(days=1), missed >= now - timedelta(days=3),
                        missed >= now - timedelta(days=7)], ["<1 hari", "1-3 hari", "3-7 hari"], ">7 hari")
    return pd.DataFrame({"opd_code": df.loc[rows, "opd_code"], "bucket": bucket}).groupby(["opd_code", "bucket"]).size()


def _with_names(f: Frames, rows: pd.DataFrame) -> pd.DataFrame:
    return (rows.merge(f.categories.rename(columns={"code": "category_code", "name": "category"}), how="left")
            .merge(f.districts[["code", "name"]].rename(columns={"code": "district_code", "name": "district"}),
                   how="left")
            .merge(f.opds[["code", "short_name"]].rename(columns={"code": "opd_code", "short_name": "opd"}),
                   how="left"))


def naive_newest(f: Frames, filters: Filters, scope: Scope, now: datetime, limit: int = 20) -> pd.DataFrame:
    df = f.reports
    rows = df[visible(df, filters, scope) & (df["created_at"] <= now)]
    return _with_names(f, rows.sort_values(["created_at", "id"], ascending=False).head(limit))


def naive_detail(f: Frames, report_id: int, scope: Scope) -> pd.DataFrame:
    df = f.reports
    return _with_names(f, df[(df["id"] == report_id) & visible(df, Filters(), scope)])


def naive_version(f: Frames) -> tuple[int, pd.Timestamp]:
    return int(f.reports["id"].max()), f.reports["updated_at"].max()


# --- do the two answers agree? (the baseline must compute the same thing to be a fair baseline) ---------------


def _same(a: Any, b: Any) -> bool:
    def missing(x):
        return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    if isinstance(a, (int, float, np.integer, np.floating)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-3)
    return a == b


def _compare_rows(got: pd.DataFrame, want: pd.DataFrame, columns: tuple[str, ...]) -> str:
    if set(got.index) != set(want.index):
        return f"different rows: {sorted(set(got.index) ^ set(want.index))[:5]}"
    for key in got.index:
        for column in columns:
            if not _same(got.at[key, column], want.at[key, column]):
                return f"{key}/{column}: query {got.at[key, column]!r}, pandas {want.at[key, column]!r}"
    return ""


def _compare_counts(got: dict, want: pd.Series) -> str:
    want = {tuple(None if pd.isna(k) else k for k in key): int(v) for key, v in want.items()}
    got = {tuple(None if pd.isna(k) else k for k in key): int(v) for key, v in got.items()}
    if got != want:
        diff = sorted(set(got.items()) ^ set(want.items()), key=str)[:4]
        return f"{len(set(got.items()) ^ set(want.items()))} differing groups, e.g. {diff}"
    return ""


def check_kpis(got: pd.DataFrame, want: dict) -> str:
    row = got.iloc[0].to_dict()
    bad = [f"{k}: query {row[k]!r}, pandas {v!r}" for k, v in want.items() if not _same(row[k], v)]
    return "; ".join(bad)


def check_district(got: pd.DataFrame, want: pd.DataFrame) -> str:
    return _compare_rows(got.set_index("code"), want,
                         ("open", "overdue", "new_24h", "reports", "per_10k", "median_response_hours",
                          "last_report_at"))


def check_village(got: pd.DataFrame, want: pd.DataFrame) -> str:
    return _compare_rows(got.set_index("code"), want, ("reports", "open", "suppressed"))


def check_breaches(got: pd.DataFrame, want: pd.Series) -> str:
    return _compare_counts({(r.date, r.group, r.kind): r.breaches for r in got.itertuples()}, want)


def check_workload(got: pd.DataFrame, want: pd.DataFrame) -> str:
    return _compare_rows(got.set_index("opd_code"), want, ("backlog", "age_0_1", "age_1_3", "age_3_7", "age_7_14",
                                                           "age_14p", "overdue", "inflow", "closed"))


def check_overdue(got: pd.DataFrame, want: pd.Series) -> str:
    return _compare_counts({(r.opd_code, r.bucket): r.reports for r in got.itertuples()}, want)


def check_newest(got: pd.DataFrame, want: pd.DataFrame) -> str:
    a, b = list(got["id"]), list(want["id"])
    if a != b:
        return f"ids differ: query {a[:5]}…, pandas {b[:5]}…"
    return "" if list(got["opd"]) == list(want["opd"]) else "OPD names differ"


def check_detail(got: tuple[dict, pd.DataFrame] | None, want: pd.DataFrame) -> str:
    if got is None or want.empty:
        return "" if got is None and want.empty else "found by one side only"
    row, w = got[0], want.iloc[0]
    bad = [k for k in ("id", "status", "title", "category", "district", "opd") if not _same(row[k], w[k])]
    return f"columns differ: {bad}" if bad else ""


def check_version(got: str, want: tuple[int, pd.Timestamp]) -> str:
    last_id, newest = got.split("@", 1)
    if int(last_id) != want[0] or pd.Timestamp(newest) != want[1]:
        return f"query {got!r}, pandas {want[0]}@{want[1]}"
    return ""


# --- the cases -----------------------------------------------------------------------------------------------

ALL, WALL = Filters(), Scope.wall()
PUPR_FILTERS, PUPR_SCOPE = Filters(opds=("PUPR",)), Scope.opd_head("PUPR")


@dataclass
class Case:
    name: str
    query: Callable[[Engine], Any]
    naive: Callable[[Frames], Any]
    check: Callable[[Any, Any], str]
    target_ms: float = TARGET_MS


def cases(report_id: int) -> list[Case]:
    return [
        Case("headline_kpis", lambda e: queries.headline_kpis(e, ALL, WALL, NOW),
             lambda f: naive_kpis(f, ALL, WALL, NOW), check_kpis),
        Case("headline_kpis [PUPR]", lambda e: queries.headline_kpis(e, PUPR_FILTERS, PUPR_SCOPE, NOW),
             lambda f: naive_kpis(f, PUPR_FILTERS, PUPR_SCOPE, NOW), check_kpis),
        Case("reports_by_district", lambda e: queries.reports_by_district(e, ALL, WALL, NOW),
             lambda f: naive_by_district(f, ALL, WALL, NOW), check_district),
        Case("reports_by_village", lambda e: queries.reports_by_village(e, ALL, WALL, NOW),
             lambda f: naive_by_village(f, ALL, WALL, NOW), check_village),
        Case("breaches_over_time by=opd", lambda e: queries.breaches_over_time(e, ALL, WALL, NOW, by="opd"),
             lambda f: naive_breaches(f, ALL, WALL, NOW, "opd"), check_breaches),
        Case("breaches_over_time by=category",
             lambda e: queries.breaches_over_time(e, ALL, WALL, NOW, by="category"),
             lambda f: naive_breaches(f, ALL, WALL, NOW, "category"), check_breaches),
        Case("opd_workload", lambda e: queries.opd_workload(e, ALL, WALL, NOW),
             lambda f: naive_workload(f, ALL, WALL, NOW), check_workload),
        Case("opd_workload [PUPR]", lambda e: queries.opd_workload(e, PUPR_FILTERS, PUPR_SCOPE, NOW),
             lambda f: naive_workload(f, PUPR_FILTERS, PUPR_SCOPE, NOW), check_workload),
        Case("overdue_by_opd", lambda e: queries.overdue_by_opd(e, ALL, WALL, NOW),
             lambda f: naive_overdue_by_opd(f, ALL, WALL, NOW), check_overdue),
        Case("newest_reports", lambda e: queries.newest_reports(e, ALL, WALL, NOW),
             lambda f: naive_newest(f, ALL, WALL, NOW), check_newest),
        Case(f"report_detail id={report_id}", lambda e: queries.report_detail(e, report_id, WALL),
             lambda f: naive_detail(f, report_id, WALL), check_detail),
        Case("store_version", lambda e: queries.store_version(e), naive_version, check_version,
             target_ms=TARGET_VERSION_MS),
    ]


# --- timing --------------------------------------------------------------------------------------------------


@dataclass
class Row:
    case: Case
    backend: str
    cold_ms: float
    warm_ms: float
    warm_all: list[float]
    baseline_ms: float = math.nan
    compute_ms: float = math.nan
    disagreement: str = ""

    @property
    def ratio(self) -> float:
        return self.baseline_ms / self.warm_ms if self.warm_ms > 0 else math.inf

    def verdict(self) -> str:
        misses = []
        if self.warm_ms > self.case.target_ms:
            misses.append(f"median > {self.case.target_ms:g} ms")
        if not self.ratio >= TARGET_RATIO:
            misses.append(f"< {TARGET_RATIO:g}×")
        return "yes" if not misses else "NO: " + ", ".join(misses)


@dataclass
class BackendRun:
    store: Store
    rows: list[Row] = field(default_factory=list)
    read_ms: float = math.nan
    server: str = ""


def time_backend(store: Store, runs: int, baseline_runs: int) -> BackendRun:
    run = BackendRun(store)
    probe = make_engine(store.url)
    with probe.connect() as conn:
        last_id = conn.execute(select(func.max(Report.id))).scalar() or 1
        run.server = conn.execute(text("SELECT sqlite_version()" if store.backend == "sqlite"
                                       else "SHOW server_version")).scalar()
    probe.dispose()
    report_id = max(1, last_id // 2)
    results: dict[str, Any] = {}
    for case in cases(report_id):
        engine = make_engine(store.url)  # cold: a fresh engine (new connection, empty statement cache)
        started = time.perf_counter()
        results[case.name] = case.query(engine)
        cold = ms_since(started)
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            case.query(engine)
            warm.append(ms_since(started))
        engine.dispose()
        run.rows.append(Row(case, store.backend, cold, statistics.median(warm), warm))
        log(f"[{store.backend}] {case.name}: cold {cold:,.1f} ms, warm median {statistics.median(warm):,.1f} ms")
    log(f"[{store.backend}] baseline: reading the report table into pandas")
    engine = make_engine(store.url)
    started = time.perf_counter()
    frames = read_everything(engine)
    run.read_ms = ms_since(started)
    engine.dispose()
    log(f"[{store.backend}] baseline read: {run.read_ms:,.0f} ms for {len(frames.reports):,} rows")
    for row in run.rows:
        computes = []
        for _ in range(baseline_runs):
            started = time.perf_counter()
            answer = row.case.naive(frames)
            computes.append(ms_since(started))
        row.compute_ms = statistics.median(computes)
        row.baseline_ms = run.read_ms + row.compute_ms
        row.disagreement = row.case.check(results[row.case.name], answer)
        if row.disagreement:
            log(f"[{store.backend}] WARNING {row.case.name}: baseline and query disagree: {row.disagreement}")
    return run


# --- report --------------------------------------------------------------------------------------------------


def fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def table(runs: list[BackendRun]) -> str:
    lines = ["| query | backend | cold ms | warm median ms | baseline ms | ratio | target met |",
             "|---|---|---:|---:|---:|---:|---|"]
    for run in runs:
        for row in run.rows:
            lines.append(f"| {row.case.name} | {row.backend} | {fmt_ms(row.cold_ms)} | {fmt_ms(row.warm_ms)} | "
                         f"{fmt_ms(row.baseline_ms)} | {row.ratio:,.0f}× | {row.verdict()} |")
    return "\n".join(lines)


def shown_command() -> str:
    env = ""
    if os.environ.get("BENCH_DATABASE_URL") and "--postgres" not in sys.argv:
        env = "BENCH_DATABASE_URL=" + shlex.quote(
            make_url(normalise_url(os.environ["BENCH_DATABASE_URL"])).render_as_string(hide_password=True)
            .replace("postgresql+psycopg://", "postgresql://")) + " "
    return f"cd {shlex.quote(os.getcwd())} && {env}{shlex.join([sys.executable, *sys.argv])}"


def report(args, runs: list[BackendRun]) -> str:
    out = [f"# Query benchmark: {args.reports:,} reports", "", "Command:", "", "```", shown_command(), "```", ""]
    out.append(f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
               f"({os.cpu_count()} cores, Python {platform.python_version()}, pandas {pd.__version__}). "
               f"Queries ask at now = {NOW.isoformat()} with Filters() and Scope.wall() unless marked [PUPR] "
               "(Filters(opds=('PUPR',)), Scope.opd_head('PUPR')).")
    out.append(f"Load average (1/5/15 min) at the end of the run: {' / '.join(f'{x:.2f}' for x in os.getloadavg())} "
               "— other work on the machine inflates and scatters the timings.")
    out.append("")
    for run in runs:
        s = run.store
        built = "reused" if s.build_seconds is None else f"built in {s.build_seconds:,.0f} s"
        out.append(f"- {s.backend} {run.server}: `{s.shown}`, {s.reports:,} reports ({built}); "
                   f"baseline read of the report table: {run.read_ms:,.0f} ms")
    out += ["", table(runs), "", "How to read it:",
            f"- cold: the first call on a freshly created engine (new connection, empty SQLAlchemy statement cache; "
            f"the OS page cache and PostgreSQL's shared buffers are not dropped). warm median: median of "
            f"{args.runs} further calls on the same engine. Times are wall-clock around the public function, so "
            "they include building the DataFrame it returns.",
            "- baseline: the naive dashboard — `pandas.read_sql` of every report column except reporter_id (plus "
            "the small reference tables and the moves into `ditunda`, for the hold rule), parsing the time columns, "
            "then computing the same answer in pandas by the README's rule book. "
            f"baseline ms = that read (timed once per backend, shown above) + the pandas compute for the query "
            f"(median of {args.baseline_runs}). The answers are checked against the query's: "
            + ("all agree." if not any(r.disagreement for run in runs for r in run.rows) else "see below."),
            "- ratio = baseline ms ÷ warm median ms.",
            f"- target: warm median ≤ {TARGET_MS:g} ms (store_version ≤ {TARGET_VERSION_MS:g} ms) and ratio ≥ "
            f"{TARGET_RATIO:g}×. The brief sets the millisecond target for SQLite; PostgreSQL rows are judged "
            "against the same numbers."]
    disagreements = [(run.store.backend, r) for run in runs for r in run.rows if r.disagreement]
    if disagreements:
        out += ["", "Baseline and query disagree (a bug in one of them):"]
        out += [f"- {backend} {r.case.name}: {r.disagreement}" for backend, r in disagreements]
    out += ["", "Warm runs (ms):", ""]
    for run in runs:
        for r in run.rows:
            out.append(f"- {r.backend} {r.case.name}: " + ", ".join(f"{v:.1f}" for v in r.warm_all)
                       + f" (baseline compute {r.compute_ms:,.1f})")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000, help="size of the store (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=7, help="warm runs per query (default 7)")
    parser.add_argument("--baseline-runs", type=int, default=None,
                        help="pandas compute runs per query (default: min(runs, 3))")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for data/bench_<N>.db and results/queries_<N>.md (default: benchmarks/)")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also benchmark PostgreSQL at URL (default: $BENCH_DATABASE_URL)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="benchmark one backend only")
    parser.add_argument("--build-only", action="store_true", help="build or check the store(s), time nothing")
    args = parser.parse_args(argv)
    if args.reports < 100 or args.runs < 1:
        parser.error("--reports must be at least 100 and --runs at least 1")
    args.baseline_runs = args.baseline_runs or min(args.runs, 3)
    if args.only == "postgresql" and not args.postgres:
        parser.error("--only postgresql needs --postgres URL or BENCH_DATABASE_URL")

    print(f"Command: {shown_command()}", flush=True)
    stores = []
    if args.only != "postgresql":
        stores.append(sqlite_store(args.out / "data" / f"bench_{args.reports}.db", args.reports))
    if args.postgres and args.only != "sqlite":
        stores.append(postgres_store(args.postgres, args.reports))
    if args.build_only:
        for s in stores:
            built = "reused" if s.build_seconds is None else f"built in {s.build_seconds:,.0f} s"
            print(f"{s.backend}: {s.shown}: {s.reports:,} reports ({built})")
        return 0
    runs = [time_backend(s, args.runs, args.baseline_runs) for s in stores]
    text_out = report(args, runs)
    publish(args.out, f"queries_{args.reports}", text_out)
    # Two readings of the rule book that disagree mean one of them is wrong: a failure, whatever the timings.
    disagreeing = sum(1 for run in runs for row in run.rows if row.disagreement)
    if disagreeing:
        log(f"FAILED: baseline and query disagree on {disagreeing} row(s); see the results file")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
