#!/usr/bin/env python
"""How fast does `python -m dashboard import` write a big CSV in random order into a store that already holds
reports, in how much memory, and how much does it write to disk?

Generates a CSV of N rows (default 300,000) shaped like a city's 311 export (NYC-style ``MM/DD/YYYY hh:mm:ss AM``
dates, a mapping file, statuses open and closed, points in Mimika with some missing) in RANDOM order, and a
store holding ``--preload`` reports (default 200,000, imported once from another file under another source and
copied for each run). Each run imports the file into a fresh copy in its own process and reports rows/s, peak
RSS, bytes the process wrote to disk (``/proc/self/io`` write_bytes, a WAL checkpoint included) against the
store's growth, and whether the wall's open count (queries.kpis) equals a plain SQL count afterwards. Targets
(#24): >= 10,000 rows/s on SQLite, >= 20,000 on PostgreSQL, peak RSS <= 400 MB, disk written <= 3x the growth.

    .venv/bin/python benchmarks/bench_import.py                  # SQLite, 300,000 rows into 200,000, 2 runs
    .venv/bin/python benchmarks/bench_import.py --database-url postgresql://127.0.0.1:5432/test   # PostgreSQL
    .venv/bin/python benchmarks/bench_import.py --rows 2000 --preload 1000 --runs 1 --out /tmp/bench   # smoke

On PostgreSQL the server's writes are not this process's: "disk written" is the WAL the import made
(pg_current_wal_lsn before and after) and the growth is pg_database_size's.
Boundaries (districts from coordinates) are used when the shared Mimika data is there, as in production.
Results are printed and written to ``<out>/results/import_<N>[_postgresql].md``. A script that prints figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_common import fmt_bytes, publish  # noqa: E402

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
MAPPING = """\
[columns]
external_id = "Unique Key"
created_at = "Created Date"
closed_at = "Closed Date"
status = "Status"
category = "Complaint Type"
title = ["Complaint Type", "Descriptor"]
description = "Resolution Description"
address = "Incident Address"
lat = "Latitude"
lon = "Longitude"
opd = "Agency"
[status]
"Open" = "baru"
"In Progress" = "diproses"
"Closed" = "selesai"
[category]
"Street Light Condition" = "penerangan"
"Pothole" = "jalan"
"Water System" = "air_bersih"
"Dirty Conditions" = "sampah"
"Noise" = "ketertiban"
"Flooding" = "banjir"
[opd]
"DOT" = "DISHUB"
"DEP" = "PUPR"
[defaults]
category = "lainnya"
"""
TYPES = ["Street Light Condition", "Pothole", "Water System", "Dirty Conditions", "Noise", "Flooding",
         "Illegal Parking"]


def _us(moment: datetime) -> str:
    local = moment + timedelta(hours=9)
    return local.strftime("%m/%d/%Y %I:%M:%S %p")


def generate(path: Path, rows: int, seed: int = 1, first_id: int = 40_000_000, shuffle: bool = True) -> None:
    from data_access.store.reference import villages

    rng = random.Random(seed)
    points = [(v.label_lat, v.label_lon) for v in villages()]
    start = NOW - timedelta(days=730)
    step = 730 * 86400 / max(rows, 1)
    lines = []
    for i in range(rows):
        created = min(start + timedelta(seconds=i * step + rng.uniform(0, step * 20)), NOW - timedelta(hours=1))
        status = rng.choices(["Open", "In Progress", "Closed"], [2, 1, 7])[0]
        closed = ""
        if status == "Closed":
            closed = _us(min(created + timedelta(hours=rng.uniform(1, 400)), NOW))
        lat = lon = ""
        if rng.random() < 0.9:
            lat, lon = points[rng.randrange(len(points))]
            lat, lon = f"{lat + rng.uniform(-0.004, 0.004):.6f}", f"{lon + rng.uniform(-0.004, 0.004):.6f}"
        lines.append([first_id + i, _us(created), closed, rng.choice(["DOT", "DEP", "NYPD"]), rng.choice(TYPES),
                      f"Descriptor {rng.randrange(50)}", status, f"Jalan {rng.randrange(1, 200)} Timika", lat, lon,
                      "The Department inspected the condition." if closed else ""])
    if shuffle:  # neither by key nor by date: the order that made an import write 12 GB (#24)
        rng.shuffle(lines)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Descriptor",
                      "Status", "Incident Address", "Latitude", "Longitude", "Resolution Description"])
        out.writerows(lines)


def _written() -> int:
    """Bytes this process has sent to disk, less those of files removed before they got there (temporary ones)."""
    with open("/proc/self/io") as f:
        counts = dict(line.split(": ") for line in f.read().splitlines())
    return int(counts["write_bytes"]) - int(counts["cancelled_write_bytes"])


def _store_size(engine) -> int:
    from data_access.store.engine import sqlite_path

    path = sqlite_path(engine)
    if path is None:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def _checkpoint(engine) -> int:
    """Writes what the WAL holds into the store (SQLite), so that the writes it costs are counted; the WAL
    position (PostgreSQL)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return 0
        return conn.exec_driver_sql("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").scalar()


def _server_cpu(engine) -> dict[int, float] | None:
    """CPU seconds of each PostgreSQL backend serving the store's database (the server runs on this machine);
    None on SQLite, whose work is this process's."""
    if engine.dialect.name == "sqlite":
        return None
    with engine.connect() as conn:
        pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a server on another machine, or a backend gone meanwhile
                continue
            cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        return cpu


def _engine(url: str, create: bool = False):
    from data_access.store.engine import make_engine

    return make_engine(url, create=create)


def _assigner(settings):
    if settings.boundaries_districts is None:
        return None
    from data_access.store.reference import districts
    from geo.assign import PointAssigner

    return PointAssigner.from_files(settings.boundaries_districts, settings.boundaries_villages,
                                    known_district_codes={d.code for d in districts()})


def _import(url: str, csv_path: Path, mapping: Path, batch: int | None, source: str, assigner=None):
    from core.settings import Settings
    from data_access.intake.importing import ImportOptions, import_file
    from data_access.rulebook.sla import work_calendar

    options = ImportOptions(source=source, mapping=str(mapping), now=NOW, rejects=csv_path.with_suffix(".rej"))
    if batch:
        options.batch_size = batch
    return import_file(_engine(url), work_calendar(Settings.from_env()), csv_path, options, assigner=assigner)


def prepare(url: str, csv_path: Path, mapping: Path) -> None:
    """The store the runs start from: reference data and the preloaded reports."""
    from data_access.store.migrate import upgrade
    from data_access.store.reference import load_reference

    engine = _engine(url, create=True)
    upgrade(engine)
    load_reference(engine)
    _import(url, csv_path, mapping, None, "pre")
    _checkpoint(engine)


def worker(url: str, csv_path: Path, mapping: Path, batch: int | None) -> dict:
    """One import in this process; the figures as a dict."""
    from sqlalchemy import text

    from core.rules import OPEN_STATUSES
    from core.settings import Settings
    from data_access.queries import headline_kpis
    from data_access.rulebook.scope import Filters, Scope

    engine = _engine(url)
    assigner = _assigner(Settings.from_env())
    size_before, lsn_before = _store_size(engine), _checkpoint(engine)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    written = _written()
    server_before = _server_cpu(engine)
    started, cpu = time.perf_counter(), time.process_time()
    summary = _import(url, csv_path, mapping, batch, "bench", assigner)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_after = _server_cpu(engine)  # the import's connections stay in the engine's pool until the process ends
    server_cpu = None if server_after is None else sum(
        after - server_before.get(pid, 0.0) for pid, after in server_after.items())
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    lsn_after = _checkpoint(engine)
    written = (_written() - written) if engine.dialect.name == "sqlite" else int(lsn_after - lsn_before)
    growth = _store_size(engine) - size_before
    wall = int(headline_kpis(engine, Filters(), Scope.wall(), NOW).iloc[0]["open"])
    with engine.connect() as conn:
        counted = conn.execute(text("SELECT count(*) FROM report WHERE status IN ("
                                    + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")")).scalar()
    return {"seconds": seconds, "rows_per_s": summary.read / seconds, "rows_per_cpu_s": summary.read / cpu,
            "cpu_us_per_row": cpu / summary.read * 1e6,
            "server_us_per_row": None if server_cpu is None else server_cpu / summary.read * 1e6,
            "rss_before": rss_before, "rss_import": rss_import,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "written": written,
            "growth": growth, "wall_open": wall, "sql_open": counted, "summary": summary.as_dict(),
            "boundaries": assigner is not None}


def _databases(admin_url: str):
    """CREATE DATABASE / DROP DATABASE on the server of ``admin_url``; returns (url of a name, create, drop)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from data_access.store.engine import normalise_url

    base = make_url(normalise_url(admin_url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def create(name: str, template: str | None = None) -> str:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return base.set(database=name).render_as_string(hide_password=False)

    def drop(name: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return create, drop


def _run(args: list[str]) -> dict | None:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--preload", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=0, help="rows per transaction (0: the importer's own)")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (databases are made and dropped)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks")
    parser.add_argument("--worker", nargs=3, metavar=("URL", "CSV", "MAPPING"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=3, metavar=("URL", "CSV", "MAPPING"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.prepare[0], Path(args.prepare[1]), Path(args.prepare[2]))
        print("{}")
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]), args.batch_size or None)))
        return 0
    command = "Command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    backend = "postgresql" if args.database_url else "sqlite"
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        csv_path, preload, mapping = folder / "import.csv", folder / "preload.csv", folder / "mapping.toml"
        mapping.write_text(MAPPING, encoding="utf-8")
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        generate(preload, args.preload, seed=2, first_id=10_000_000, shuffle=False)
        generated = time.perf_counter() - t0
        size = csv_path.stat().st_size
        if args.database_url:
            create, drop = _databases(args.database_url)
            template = "bench_import_template"
            url = create(template)
        else:
            url = f"sqlite:///{folder / 'template.db'}"
        try:
            if _run(["--prepare", url, str(preload), str(mapping)]) is None:
                return 1
            for i in range(args.runs):
                if args.database_url:
                    run_url = create(f"bench_import_{i}", template)
                else:
                    target = folder / f"run{i}.db"
                    shutil.copyfile(folder / "template.db", target)
                    run_url = f"sqlite:///{target}"
                figures = _run(["--batch-size", str(args.batch_size), "--worker", run_url, str(csv_path),
                                str(mapping)])
                if args.database_url:
                    drop(f"bench_import_{i}")
                else:
                    (folder / f"run{i}.db").unlink()
                if figures is None:
                    return 1
                runs.append(figures)
        finally:
            if args.database_url:
                drop(template)
    summary = runs[-1]["summary"]
    rates = [r["rows_per_s"] for r in runs]
    wall = "; ".join(f"{r['wall_open']:,} = {r['sql_open']:,}" for r in runs)
    lines = [
        command, "",
        f"# File import: {args.rows:,} CSV rows in random order into a {backend} store holding {args.preload:,}", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"file {fmt_bytes(size)} (generated in {generated:.1f} s); batch {args.batch_size or 'default'}; "
        f"districts from coordinates: {'yes' if runs[-1]['boundaries'] else 'no (no boundaries file)'}", "",
        "| figure | value |", "| --- | --- |",
        f"| rows/s (median of {len(runs)}) | {statistics.median(rates):,.0f} |",
        f"| rows/s per run | {', '.join(f'{r:,.0f}' for r in rates)} |",
        "| seconds per run | " + ", ".join(f"{r['seconds']:.2f}" for r in runs) + " |",
        f"| rows per CPU second of the import's process (median; on PostgreSQL the server's CPU is not in it) | "
        f"{statistics.median(r['rows_per_cpu_s'] for r in runs):,.0f} |",
        f"| CPU µs per row, the import's process (median) | "
        f"{statistics.median(r['cpu_us_per_row'] for r in runs):.1f} |",
        *([f"| CPU µs per row, the PostgreSQL server's backends (median; the server's floor: 10⁶ ÷ this is the "
           f"most rows/s it can take on one core, whatever the client) | "
           f"{statistics.median(r['server_us_per_row'] for r in runs):.1f} |"] if args.database_url else []),
        f"| peak RSS (max of runs) | {fmt_bytes(max(r['peak_rss'] for r in runs))} |",
        f"| peak RSS when the import ended, before the wall's check after it | "
        f"{fmt_bytes(max(r['rss_import'] for r in runs))} |",
        f"| RSS before the import began (libraries, boundaries) | {fmt_bytes(max(r['rss_before'] for r in runs))} |",
        f"| disk written (median; {'WAL bytes' if args.database_url else '/proc write_bytes, checkpoint included'})"
        f" | {fmt_bytes(statistics.median(r['written'] for r in runs))} |",
        f"| store growth (median) | {fmt_bytes(statistics.median(r['growth'] for r in runs))} |",
        f"| disk written ÷ growth (median) | "
        f"{statistics.median(r['written'] / max(r['growth'], 1) for r in runs):.2f} |",
        f"| wall's open count (queries.kpis) = SQL count, after the import | "
        f"{wall} |",
        f"| load average (1 min) at the end | {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs |",
        f"| summary | read {summary['read']:,}, inserted {summary['inserted']:,}, rejected {summary['rejected']:,}, "
        f"outside {summary['outside']:,}, unmapped category {summary['unmapped_category']:,} |",
    ]
    suffix = "_postgresql" if args.database_url else ""
    publish(args.out, f"import_{args.rows}{suffix}", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
