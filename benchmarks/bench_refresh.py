#!/usr/bin/env python
"""How long does the wall's refresh after a store change spend in the database? The wall's query set, timed.

One wall refresh after a store change runs exactly the queries of ``callbacks.wall.run_queries`` (its
QUERY_SET, with the wall's own arguments). This script records that set from the wall itself (a stand-in
query cache that notes each call), then times each query (cold: the median of ``--cold-runs`` calls, each on a
fresh engine; then the median of warm calls), the whole set per refresh (the median over runs of one pass through
every query) and the first refresh of a screen (the whole set on a fresh engine: nothing remembered yet, median of
``--cold-runs``), with the SQL statements it sends.

    .venv/bin/python benchmarks/bench_refresh.py benchmarks/data/bench_1000000.db
    .venv/bin/python benchmarks/bench_refresh.py postgresql://127.0.0.1:5432/mimika_bench_fast10

A 10,000,000-report PostgreSQL store is built from a 1M benchmark store (bench_queries.py) in SQL instead of
through the demo seeder (which would take over an hour): the 1M reports are copied in with COPY, then written
``--copies`` times with generate_series, each copy's times shifted back by a few seconds (``k × 37 s``) so that
copies do not tie exactly, with the indexes built after the rows and then VACUUM ANALYZE. Same 730 days, ten
times the reports per day — what the demo seeder at ten times per_day would give:

    .venv/bin/python benchmarks/bench_refresh.py postgresql://127.0.0.1:5432/mimika_bench_fast10_10m \\
        --build-from postgresql://127.0.0.1:5432/mimika_bench_fast10 --copies 10

``--build-from`` only builds into a database whose name contains "bench"; ``--drop`` drops that database at
the end (disk is limited). This is a script that prints figures, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from benchmarks.bench_common import loadavg, log, publish, shown_command  # noqa: E402
from benchmarks.bench_queries import NOW  # noqa: E402
from callbacks.wall import run_queries  # noqa: E402
from core.settings import Settings  # noqa: E402
from data_access.intake.writer import ReportWriter  # noqa: E402
from data_access.rulebook.sla import WorkCalendar  # noqa: E402
from data_access.store.engine import make_engine, normalise_url  # noqa: E402
from data_access.store.migrate import upgrade  # noqa: E402
from data_access.store.reference import load_reference  # noqa: E402
from data_access.store.schema import Report  # noqa: E402

TARGET_QUERY_MS = 50.0
SHIFT_SECONDS = 37  # copy k of a report is k × 37 s earlier: copies do not tie, and none passes NOW
TIME_COLUMNS = ("created_at", "first_response_at", "resolved_at", "closed_at", "response_due_at",
                "resolution_due_at", "updated_at")


@dataclass
class Call:
    name: str
    fn: object
    filters: object
    scope: object
    kwargs: dict
    back: timedelta = timedelta(0)  # asked this long before the refresh's now (the tiles' change: a day, a week)

    def __call__(self, engine):
        return self.fn(engine, self.filters, self.scope, NOW - self.back, **self.kwargs)


class _Recorder:
    """Stands in for the wall's QueryCache and notes which queries a refresh asks, with which arguments."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def query(self, fn, filters, scope, version, now, **kw):
        self.calls.append(Call(fn.__name__, fn, filters, scope, kw, NOW - now))
        return None


def wall_query_set() -> list[Call]:
    recorder = _Recorder()
    run_queries(recorder, "bench", NOW, Settings())
    return recorder.calls


# --- the 10M store -------------------------------------------------------------------------------------------


def _copy_columns() -> list[str]:
    """The report columns a writer fills (not the id, not the link to personal data, not computed columns)."""
    return [c.name for c in Report.__table__.columns
            if c.name not in ("id", "reporter_id") and c.computed is None]


def build_copies(url: str, source: str, copies: int) -> float:
    parsed = make_url(normalise_url(url))
    if "bench" not in (parsed.database or ""):
        raise SystemExit(f"refusing to build into {parsed.database!r}: only a database whose name contains 'bench'")
    started = time.perf_counter()
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = make_engine(url)
    src = make_engine(source)
    columns = _copy_columns()
    listed = ", ".join(columns)
    try:
        upgrade(engine)
        load_reference(engine)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE UNLOGGED TABLE report_source AS SELECT {listed} FROM report WITH NO DATA"))
        log(f"[build] COPY the reports of {make_url(normalise_url(source)).render_as_string(hide_password=True)}")
        with src.connect() as s, engine.connect() as d:
            s_raw, d_raw = s.connection.dbapi_connection, d.connection.dbapi_connection
            with s_raw.cursor() as sc, d_raw.cursor() as dc:
                with sc.copy(f"COPY (SELECT {listed} FROM report ORDER BY id) TO STDOUT") as out, \
                        dc.copy(f"COPY report_source ({listed}) FROM STDIN") as into:
                    for block in out:
                        into.write(block)
            d_raw.commit()
        log(f"[build] {time.perf_counter() - started:,.0f} s: source copied; dropping the report indexes")
        indexes = list(Report.__table__.indexes)
        with engine.begin() as conn:
            for index in indexes:
                index.drop(conn)
        shifted = ", ".join(
            f"{c} - k * interval '{SHIFT_SECONDS} seconds'" if c in TIME_COLUMNS
            else "external_id || '-' || k" if c == "external_id" else c for c in columns)
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL work_mem = '1GB'"))
            conn.execute(text(f"INSERT INTO report ({listed}) SELECT {shifted} FROM report_source "
                              f"CROSS JOIN generate_series(0, {copies - 1}) AS k "
                              f"ORDER BY created_at - k * interval '{SHIFT_SECONDS} seconds', k"))
            conn.execute(text("DROP TABLE report_source"))
        log(f"[build] {time.perf_counter() - started:,.0f} s: {copies} copies written; building the indexes")
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            for index in indexes:
                index.create(conn)
                log(f"[build] {time.perf_counter() - started:,.0f} s: {index.name}")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE report"))
    finally:
        src.dispose()
        engine.dispose()
    return time.perf_counter() - started


def drop_database(url: str) -> None:
    parsed = make_url(normalise_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()
    log(f"[drop] dropped {parsed.database}")


# --- timing --------------------------------------------------------------------------------------------------


def _first_refresh(url: str, calls: list[Call]) -> tuple[float, int]:
    """One pass through every query on a fresh engine (ms), and the statements it sent."""
    fresh = make_engine(url)
    sent = []
    event.listen(fresh, "before_cursor_execute", lambda *_: sent.append(1))
    try:
        started = time.perf_counter()
        for call in calls:
            call(fresh)
        return (time.perf_counter() - started) * 1000, len(sent)
    finally:
        fresh.dispose()


def time_set(url: str, runs: int, cold_runs: int = 1):
    calls = wall_query_set()
    engine = make_engine(url)
    rows = []
    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            server = conn.execute(text("SELECT sqlite_version()" if sqlite else "SHOW server_version")).scalar()
            server = f"{engine.dialect.name} {server}"
            reports = conn.execute(text("SELECT count(*) FROM report")).scalar_one()
        first = [_first_refresh(url, calls) for _ in range(cold_runs)]
        log(f"[{server}] first refresh: " + ", ".join(f"{ms:,.1f} ms ({n} statements)" for ms, n in first))
        for call in calls:
            colds = []
            for _ in range(cold_runs):
                fresh = make_engine(url)
                started = time.perf_counter()
                call(fresh)
                colds.append((time.perf_counter() - started) * 1000)
                fresh.dispose()
            cold = statistics.median(colds)
            warm = []
            for _ in range(runs):
                started = time.perf_counter()
                call(engine)
                warm.append((time.perf_counter() - started) * 1000)
            rows.append((call.name, cold, statistics.median(warm), warm))
            log(f"[{server}] {call.name}: cold {cold:,.1f} ms, warm median {statistics.median(warm):,.1f} ms")
        totals = []
        for _ in range(runs):
            started = time.perf_counter()
            for call in calls:
                call(engine)
            totals.append((time.perf_counter() - started) * 1000)
        changed = _after_changes(engine, calls, runs)
    finally:
        engine.dispose()
    return rows, totals, changed, first, server, reports


NEXT_STATUS = {"baru": "diverifikasi", "diverifikasi": "didisposisikan", "didisposisikan": "diproses",
               "diproses": "selesai"}


def _after_changes(engine, calls: list[Call], runs: int) -> list[tuple[float, dict[str, float]]]:
    """The full set after a real store change, ``runs`` times: each time one open report of the last 30 days
    (created a day ago or more, so a remembered day) moves one step on (ReportWriter.transition, at NOW), then
    every query runs once. What a wall pays per change, remembered days dropped and computed again included."""
    writer = ReportWriter(engine, WorkCalendar())
    with engine.connect() as conn:
        candidates = conn.execute(select(Report.id).where(
            Report.status.in_(tuple(NEXT_STATUS)), Report.created_at >= NOW - timedelta(days=30),
            Report.created_at < NOW - timedelta(days=1)).order_by(Report.id).limit(1000)).scalars().all()
    if not candidates:
        raise SystemExit("no open report of the last 30 days to change: the store is too small or too old")
    out = []
    for i in range(runs):
        with Session(engine) as session:
            for k in range(len(candidates)):  # the first one an earlier run has not finished
                report = session.get(Report, candidates[(97 * i + k) % len(candidates)])
                if report.status in NEXT_STATUS:
                    break
            else:
                raise SystemExit("every open report of the last 30 days is finished: rebuild the store")
            writer.transition(session, report, NEXT_STATUS[report.status], NOW, actor="bench_refresh")
            session.commit()
        per, started = {}, time.perf_counter()
        for call in calls:
            begun = time.perf_counter()
            call(engine)
            per[call.name] = (time.perf_counter() - begun) * 1000
        out.append(((time.perf_counter() - started) * 1000, per))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", help="a SQLite file or a database URL")
    parser.add_argument("--runs", type=int, default=7, help="warm runs per query and full-set runs (default 7)")
    parser.add_argument("--cold-runs", type=int, default=1,
                        help="fresh engines per cold figure and first refreshes (default 1)")
    parser.add_argument("--build-from", metavar="URL", help="build STORE (PostgreSQL) from this 1M store first")
    parser.add_argument("--copies", type=int, default=10, help="copies of the source store (default 10)")
    parser.add_argument("--drop", action="store_true", help="drop the STORE database at the end (PostgreSQL)")
    parser.add_argument("--name", default=None, help="results/<name>.md (default refresh_<reports>_<backend>)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cold_runs < 1:
        parser.error("--runs and --cold-runs must be at least 1")
    url = args.store if "://" in args.store else f"sqlite:///{args.store}"
    print(f"Command: {shown_command()}", flush=True)
    built = None
    if args.build_from:
        built = build_copies(url, args.build_from, args.copies)
    try:
        rows, totals, changed, first, server, reports = time_set(url, args.runs, args.cold_runs)
    finally:
        if args.drop:
            drop_database(url)
    shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
    out = [f"# The wall's query set per store change: {reports:,} reports, {server.split()[0]}", "",
           "Command:", "", "```", shown_command(), "```", "",
           f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on {platform.node()} ({os.cpu_count()} cores, "
           f"Python {platform.python_version()}); {server}; `{shown}`"
           + (f", built in {built:,.0f} s by --build-from with {args.copies} copies" if built else "") + ".",
           f"Queries ask at now = {NOW.isoformat()} with the wall's filters, scope and arguments "
           "(callbacks.wall.run_queries).",
           f"Load average (1/5/15 min) at the end of the run: {loadavg()}.", "",
           "Warm: the same store asked again. After a change: one open report moved one status on before each",
           "run (ReportWriter.transition), so the remembered days it touches are computed again.", "",
           "| query | cold ms | warm median ms | after a change, median ms | ≤ 50 ms |", "|---|---:|---:|---:|---|"]
    for name, cold, warm, _ in rows:
        after = statistics.median(per[name] for _, per in changed)
        out.append(f"| {name} | {cold:,.1f} | {warm:,.1f} | {after:,.1f} | "
                   f"{'yes' if max(warm, after) <= TARGET_QUERY_MS else 'NO'} |")
    total = statistics.median(totals)
    after_total = statistics.median(t for t, _ in changed)
    first_ms = statistics.median(ms for ms, _ in first)
    out += [f"| **full set, one refresh** | | **{total:,.1f}** | **{after_total:,.1f}** | |",
            f"| **full set, first refresh (fresh engine)** | **{first_ms:,.1f}** | | | |", "",
            f"First refresh: the whole set on a fresh engine, nothing remembered, median of {len(first)}: "
            + ", ".join(f"{ms:,.1f} ms" for ms, _ in first) + "; statements sent: "
            + ", ".join(str(n) for _, n in first) + f". Cold per query: the median of {args.cold_runs} "
            "fresh engine(s).", "",
            f"Sum of the warm medians: {sum(r[2] for r in rows):,.1f} ms. Full-set runs (ms): "
            + ", ".join(f"{t:,.1f}" for t in totals) + "; after a change: "
            + ", ".join(f"{t:,.1f}" for t, _ in changed) + ".", "", "Warm runs (ms):", ""]
    out += [f"- {name}: " + ", ".join(f"{v:,.1f}" for v in warm_all) for name, _, _, warm_all in rows]
    name = args.name or f"refresh_{reports}_{server.split()[0]}"
    publish(args.out, name, "\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
