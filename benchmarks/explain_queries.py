#!/usr/bin/env python
"""Where does a query's time go? Each SQL statement a query runs, its own time, and the database's plan.

Runs the benchmark's cases (see bench_queries.py) against an existing store, captures every statement they send,
times each statement on its own (median of --runs) and prints EXPLAIN QUERY PLAN (SQLite) or
EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL) for it.

    .venv/bin/python benchmarks/explain_queries.py benchmarks/data/bench_1000000.db
    .venv/bin/python benchmarks/explain_queries.py postgresql://127.0.0.1:5432/mimika_bench --only headline_kpis
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_queries import cases  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from data_access.store.engine import make_engine  # noqa: E402
from data_access.store.schema import Report  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", help="a SQLite file or a database URL")
    parser.add_argument("--only", action="append", help="cases whose name starts with this (repeatable)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = args.store if "://" in args.store else f"sqlite:///{args.store}"
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        last_id = conn.execute(select(func.max(Report.id))).scalar() or 1
    captured: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    for case in cases(max(1, last_id // 2)):
        if args.only and not any(case.name.startswith(o) for o in args.only):
            continue
        captured.clear()
        case.query(engine)
        statements = list(captured)
        print(f"\n=== {case.name}: {len(statements)} statements")
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for i, (sql, params) in enumerate(statements, 1):
                if sql.lstrip().upper().startswith(("PRAGMA", "SELECT 1")):
                    continue
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    times.append((time.perf_counter() - started) * 1000)
                print(f"\n--- statement {i}: median {statistics.median(times):.1f} ms\n{sql.strip()}\nparams: {params}")
                cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) ") + sql, params)
                for row in cursor.fetchall():
                    print("    " + (f"{row[0]:>3} {row[1]:>3} {row[3]}" if sqlite else str(row[-1])))
        finally:
            raw.close()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
