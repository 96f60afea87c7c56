#!/usr/bin/env python
"""How fast does `python -m dashboard import` write a big CSV into a fresh SQLite store, and in how much memory?

Generates a CSV of N rows (default 200,000) shaped like a city's 311 export (NYC-style ``MM/DD/YYYY hh:mm:ss AM``
dates, a mapping file, statuses open and closed, points in Mimika with some missing), then imports it three times,
each into a fresh SQLite store in its own process, and prints the median rows/s and the peak RSS (with the RSS
before the import began, so the growth during the import is visible). The target is 20,000 rows/s.

Each run of the importer's speed path (the default: a writer process) is followed by a run with the writer as a
thread of the reader's process (``ImportOptions(writer_process=False)``) and one of its plain path
(``ImportOptions(fast=False)``: one thread, row-by-row executemany) on the same file, so the ratios between them
are measured under the same load. ``--no-thread`` and ``--no-plain`` leave those runs out.

    .venv/bin/python benchmarks/bench_import.py                  # 200,000 rows, 3 runs
    .venv/bin/python benchmarks/bench_import.py --rows 2000 --runs 1 --out /tmp/bench   # the smoke test's size

Boundaries (districts from coordinates) are used when the shared Mimika data is there, as in production.
Results are printed and written to ``<out>/results/import_<N>.md``. A script that prints figures, not a test.
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


def generate(path: Path, rows: int, seed: int = 1) -> None:
    from data_access.store.reference import villages

    rng = random.Random(seed)
    points = [(v.label_lat, v.label_lon) for v in villages()]
    start = NOW - timedelta(days=730)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Descriptor",
                      "Status", "Incident Address", "Latitude", "Longitude", "Resolution Description"])
        # Rows in creation order, as real exports list them (by key or by date), with a little jitter.
        step = 730 * 86400 / max(rows, 1)
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
            out.writerow([40_000_000 + i, _us(created), closed, rng.choice(["DOT", "DEP", "NYPD"]),
                          rng.choice(TYPES), f"Descriptor {rng.randrange(50)}", status,
                          f"Jalan {rng.randrange(1, 200)} Timika", lat, lon,
                          "The Department inspected the condition." if closed else ""])


def _time_writer() -> list[float]:
    """The CPU seconds of the import's writer (writer_process.ProcessBatchWriter's process, or
    pipeline.BatchWriter's thread), once it has finished: the reader's are this thread's. Which of the two is the
    limit is what a change to the importer has to know."""
    from data_access.intake.importing import pipeline, writer_process

    seconds: list[float] = []
    loop = pipeline.BatchWriter._loop
    close = writer_process.ProcessBatchWriter.close

    def timed(self) -> None:
        started = time.thread_time()
        try:
            loop(self)
        finally:
            seconds.append(time.thread_time() - started)

    def closed(self) -> None:
        try:
            close(self)
        finally:
            if self.writer_cpu_seconds is not None:
                seconds.append(self.writer_cpu_seconds)

    pipeline.BatchWriter._loop = timed
    writer_process.ProcessBatchWriter.close = closed
    return seconds


def worker(csv_path: Path, mapping: Path, db: Path, batch: int, fast: bool = True, process: bool = True) -> dict:
    """One import in this process (a fresh store); the figures as a dict."""
    from core.settings import Settings
    from data_access.intake.importing import ImportOptions, import_file
    from data_access.rulebook.sla import work_calendar
    from data_access.store.engine import make_engine
    from data_access.store.migrate import upgrade
    from data_access.store.reference import districts, load_reference

    settings = Settings.from_env()
    engine = make_engine(f"sqlite:///{db}", create=True)
    upgrade(engine)
    load_reference(engine)
    assigner = None
    if settings.boundaries_districts is not None:
        from geo.assign import PointAssigner

        assigner = PointAssigner.from_files(settings.boundaries_districts, settings.boundaries_villages,
                                            known_district_codes={d.code for d in districts()})
    writer_cpu = _time_writer()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    reader_started = time.thread_time()
    cpu_started = time.process_time()
    started = time.perf_counter()
    summary = import_file(engine, work_calendar(settings), csv_path,
                          ImportOptions(source="bench", mapping=str(mapping), now=NOW, batch_size=batch,
                                        rejects=db.with_suffix(".rejects.csv"), fast=fast,
                                        writer_process=process), assigner=assigner)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if fast and process:  # the writer process's CPU is not this process's
        cpu += sum(writer_cpu)
    reader_cpu = time.thread_time() - reader_started
    return {"reader_us_per_row": reader_cpu / max(summary.read, 1) * 1e6,
            "writer_us_per_row": sum(writer_cpu) / max(summary.read, 1) * 1e6,
            "seconds": seconds, "rows_per_s": summary.read / seconds, "cpu_seconds": cpu,
            "rows_per_cpu_s": summary.read / max(cpu, 1e-9), "rss_before": rss_before,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "summary": summary.as_dict(),
            "boundaries": assigner is not None}


def _compared(title: str, name: str, runs: list[dict], speed_rates: list[float]) -> list[str]:
    """A variant's rows/s (median and per run) and the speed path's ratio to it, measured in the same runs."""
    rates = [r["rows_per_s"] for r in runs]
    return [f"| {title}, rows/s (median of {len(runs)}; each run right after a speed-path run) | "
            f"{statistics.median(rates):,.0f} |",
            f"| {name}, rows/s per run | {', '.join(f'{r:,.0f}' for r in rates)} |",
            f"| speed path ÷ {name}, rows/s (medians) | "
            f"{statistics.median(speed_rates) / statistics.median(rates):.2f} |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks")
    parser.add_argument("--no-plain", action="store_true", help="leave out the plain-path runs")
    parser.add_argument("--worker", nargs=3, metavar=("CSV", "MAPPING", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--no-thread", action="store_true",
                        help="leave out the runs with the writer as a thread (the speed path before its process)")
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--thread", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), Path(args.worker[1]), Path(args.worker[2]), args.batch_size,
                                fast=not args.plain, process=not args.thread)))
        return 0
    command = "Command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        csv_path, mapping = folder / f"import_{args.rows}.csv", folder / "mapping.toml"
        mapping.write_text(MAPPING, encoding="utf-8")
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        generated = time.perf_counter() - t0
        variants = ["speed"] + ([] if args.no_thread else ["thread"]) + ([] if args.no_plain else ["plain"])
        measured: dict[str, list[dict]] = {v: [] for v in variants}
        for i in range(args.runs):
            for variant in variants:  # interleaved, so that the ratios are measured under the same load
                done = subprocess.run([sys.executable, __file__, "--batch-size", str(args.batch_size), "--worker",
                                       str(csv_path), str(mapping), str(folder / f"run{i}{variant}.db"),
                                       *({"plain": ["--plain"], "thread": ["--thread"]}.get(variant, []))],
                                      capture_output=True, text=True, cwd=REPO)
                if done.returncode != 0:
                    sys.stderr.write(done.stderr)
                    return 1
                measured[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
        runs, thread_runs, plain_runs = measured["speed"], measured.get("thread", []), measured.get("plain", [])
        size = csv_path.stat().st_size
    summary = runs[-1]["summary"]
    rates = [r["rows_per_s"] for r in runs]
    lines = [
        command, "",
        f"# File import: {args.rows:,} CSV rows into a fresh SQLite store", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"file {fmt_bytes(size)} (generated in {generated:.1f} s); batch {args.batch_size:,}; "
        f"districts from coordinates: {'yes' if runs[-1]['boundaries'] else 'no (no boundaries file)'}", "",
        "| figure | value |", "| --- | --- |",
        f"| rows/s (median of {len(runs)}) | {statistics.median(rates):,.0f} |",
        f"| rows/s per run | {', '.join(f'{r:,.0f}' for r in rates)} |",
        f"| rows per CPU second, reader and writer together (median; the machine's load changes it less) | "
        f"{statistics.median(r['rows_per_cpu_s'] for r in runs):,.0f} |",
        f"| CPU µs per row, reader's thread (read, translate, prepare; median) | "
        f"{statistics.median(r['reader_us_per_row'] for r in runs):.1f} |",
        f"| CPU µs per row, writer's process (the store's work; median) | "
        f"{statistics.median(r['writer_us_per_row'] for r in runs):.1f} |",
        f"| load average (1 min) at the end | {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs |",
        "| seconds per run | " + ", ".join(f"{r['seconds']:.2f}" for r in runs) + " |",
        f"| peak RSS (max of runs) | {fmt_bytes(max(r['peak_rss'] for r in runs))} |",
        f"| RSS before the import began (libraries, boundaries) | {fmt_bytes(max(r['rss_before'] for r in runs))} |",
        f"| summary | read {summary['read']:,}, inserted {summary['inserted']:,}, rejected {summary['rejected']:,}, "
        f"outside {summary['outside']:,}, unmapped category {summary['unmapped_category']:,} |",
    ]
    if thread_runs:
        lines += _compared("writer as a thread (writer_process=False)", "writer as a thread", thread_runs, rates)
        lines.insert(-1, f"| writer as a thread, CPU µs per row, reader / writer (medians) | "
                         f"{statistics.median(r['reader_us_per_row'] for r in thread_runs):.1f} / "
                         f"{statistics.median(r['writer_us_per_row'] for r in thread_runs):.1f} |")
    if plain_runs:
        lines += _compared("plain path (fast=False)", "plain path", plain_runs, rates)
        lines.insert(-1, f"| plain path, rows per CPU second (median) | "
                         f"{statistics.median(r['rows_per_cpu_s'] for r in plain_runs):,.0f} |")
        lines.insert(-1, f"| plain path, peak RSS (max of runs) | "
                         f"{fmt_bytes(max(r['peak_rss'] for r in plain_runs))} |")
    publish(args.out, f"import_{args.rows}", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
