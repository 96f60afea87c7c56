#!/usr/bin/env python
"""Does every export finish within 10 s on a 1,000,000-report store, or say why not, and does the server keep its
memory?

Builds (or reuses) the benchmark store of ``--reports`` reports with bench_queries.py's builder, then drives the
real app through Flask's test client, logged in as a real pimpinan (bench_common.person_client): every download
callback in ``app.callback_map`` (briefing PDF and XLSX, one OPD's work list as XLSX and CSV) is POSTed to
``/_dash-update-component`` for

- the longest accepted period (custom, 10 years less a day: 3,659 days, today included) and a typical month;
- periods just outside the bounds (one day longer than 10 years, starting 1999-12-31, ending tomorrow), which
  must be refused with a message and not run.

Each accepted export is timed ``--repeats`` times, each after bumping the store version so its queries run again
(as after a new report; bench_pages.BenchStore) and its file is built again in the export runner's child process.
Then the serving process's resident memory (VmRSS, after gc) is read before and after 20 more exports of mixed
kinds and periods. Prints a Markdown report, also written to ``<out>/results/exports_<N>.md``.

    .venv/bin/python benchmarks/bench_exports.py                                   # 1,000,000 reports, 3 repeats
    .venv/bin/python benchmarks/bench_exports.py --data /work/bench-data/data       # the store kept elsewhere
    .venv/bin/python benchmarks/bench_exports.py --reports 300 --repeats 1 --data /tmp/b --out /tmp/b

A script that prints figures, not a timed test; tests/benchmarks/test_bench_exports.py only checks that it runs.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_exports.py` from anywhere
    sys.path.insert(0, str(REPO))

import dash  # noqa: E402
from plotly.utils import PlotlyJSONEncoder  # noqa: E402

from benchmarks.bench_common import fmt_bytes, loadavg, log, person_client, publish, shown_command  # noqa: E402
from benchmarks.bench_pages import OPD, Case, body_for, build_app, callback_key, store_facts  # noqa: E402
from benchmarks.bench_queries import sqlite_store  # noqa: E402
from callbacks.export_runner import start_forkserver  # noqa: E402
from core.bounded import EARLIEST_DAY, LONGEST_PERIOD_DAYS  # noqa: E402
from core.i18n import WIT  # noqa: E402

TARGET_SECONDS = 10.0
MEMORY_EXPORTS = 20
TARGET_GROWTH = 0.10


def rss_bytes(pid: int | str = "self", field: str = "VmRSS") -> int:
    """Resident memory of a process (VmRSS in /proc/<pid>/status; RssAnon: heap, SQLite's page caches included;
    RssFile: pages of mapped files, the store's mmap included), in bytes; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_parts() -> str:
    return f"heap {fmt_bytes(rss_bytes(field='RssAnon'))}, mapped files {fmt_bytes(rss_bytes(field='RssFile'))}"


# --- what is exported, over which periods ----------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    name: str
    output: str  # the callback's output key contains this
    path: str
    trigger: str  # "id.prop" of the button
    periodic: bool = True  # False: the export is of a month picked on the page, whatever the filter bar says

    def case(self, query: dict) -> Case:
        return Case(self.name, self.output, self.path, query, {self.trigger: 1}, self.trigger, True)


EXPORTS = (
    Export("briefing PDF", "briefing-download.data", "/briefing", "briefing-export-pdf.n_clicks"),
    Export("briefing XLSX", "briefing-download.data", "/briefing", "briefing-export-xlsx.n_clicks"),
    Export(f"/opd/{OPD} work list XLSX", "opd-download.data", f"/opd/{OPD}", "opd-export-xlsx.n_clicks"),
    Export(f"/opd/{OPD} work list CSV", "opd-download.data", f"/opd/{OPD}", "opd-export-csv.n_clicks"),
    Export("monthly report PDF", "briefing-monthly-download.data", "/briefing", "briefing-monthly-pdf.n_clicks",
           periodic=False),
    Export("monthly report XLSX", "briefing-monthly-download.data", "/briefing", "briefing-monthly-xlsx.n_clicks",
           periodic=False),
)


@dataclass(frozen=True)
class Period:
    name: str
    query: dict
    accepted: bool


def custom(first: date, last: date) -> dict:
    return {"period": "custom", "start": first.isoformat(), "end": last.isoformat()}


def periods(today: date) -> list[Period]:
    longest = LONGEST_PERIOD_DAYS - 1  # (end - start).days may be at most this: 3,659 days, both ends included
    return [
        Period(f"10 years ({longest + 1:,} days)", custom(today - timedelta(days=longest), today), True),
        Period("month", {"period": "month"}, True),
        Period("10 years + 1 day", custom(today - timedelta(days=longest + 1), today), False),
        Period("starts 1999-12-31", custom(EARLIEST_DAY - timedelta(days=1), EARLIEST_DAY + timedelta(days=30)),
               False),
        Period("ends tomorrow", custom(today - timedelta(days=30), today + timedelta(days=1)), False),
    ]


# --- one POST and what came back -------------------------------------------------------------------------------


def texts(tree) -> str:
    """The text in a component's JSON (the refusal banner)."""
    if isinstance(tree, str | int | float):
        return str(tree)
    if isinstance(tree, list):
        return " ".join(filter(None, (texts(t) for t in tree)))
    if isinstance(tree, dict):
        return texts(tree.get("props", {}).get("children", "")) if "props" in tree else ""
    return ""


@dataclass
class Outcome:
    seconds: float
    status: int
    file_bytes: int | None = None
    filename: str = ""
    message: str = ""

    def shown(self) -> str:
        if self.file_bytes is not None:
            return f"file {fmt_bytes(self.file_bytes)} (`{self.filename}`)"
        if self.message:
            return f"refused: “{self.message}”"
        return f"nothing (HTTP {self.status})"


def post(client, payload: bytes) -> Outcome:
    started = time.perf_counter()
    response = client.post("/_dash-update-component", data=payload, content_type="application/json")
    seconds = time.perf_counter() - started
    out = Outcome(seconds, response.status_code)
    if response.status_code != 200:
        return out
    answer = json.loads(response.get_data())["response"]
    for component, props in answer.items():
        data = props.get("data") if component.endswith("-download") else None
        if isinstance(data, dict) and "content" in data:
            content = data["content"]
            out.file_bytes = len(base64.b64decode(content)) if data.get("base64") else len(content.encode())
            out.filename = data.get("filename", "")
        elif component.endswith("-status"):
            out.message = texts(props.get("children"))
    return out


@dataclass
class Row:
    export: Export
    period: Period
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(o.seconds for o in self.outcomes)

    @property
    def worst(self) -> float:
        return max(o.seconds for o in self.outcomes)

    def verdict(self) -> str:
        last = self.outcomes[-1]
        if self.period.accepted:
            made = all(o.file_bytes for o in self.outcomes)
            if made and self.worst <= TARGET_SECONDS:
                return "yes"
            if not made and all(o.message for o in self.outcomes if not o.file_bytes) and self.worst <= TARGET_SECONDS:
                return "refused with a message"
            return "**no**"
        return "yes" if last.file_bytes is None and last.message else "**no**"


class Bench:
    """One app (as one web process serves everybody), one logged-in person, bodies built once per case."""

    def __init__(self, db: Path, now: datetime) -> None:
        self.app, self.store = build_app(db, now)
        start_forkserver()  # as `serve` and the WSGI entry do after create_app
        self.client = person_client(self.app, f"sqlite:///{db}")
        self.bodies: dict[tuple[str, str], bytes] = {}

    def payload(self, export: Export, period: Period) -> bytes:
        key = (export.name, period.name)
        if key not in self.bodies:
            self.bodies[key] = json.dumps(body_for(self.app, export.case(period.query)), cls=PlotlyJSONEncoder).encode()
        return self.bodies[key]

    def run(self, export: Export, period: Period) -> Outcome:
        self.store.bumps += 1  # a new store version: the export's queries run again, not just its builder
        return post(self.client, self.payload(export, period))

    def download_callbacks(self) -> list[str]:
        return [k for k in self.app.callback_map if "download.data" in k]


def forkserver_rss() -> int:
    """The export runner's forkserver (the parent of every export child), if it was started."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return rss_bytes(pid) if pid else 0


def measure_memory(bench: Bench, accepted: list[Period], count: int) -> dict:
    mixed = [(e, p) for p in accepted for e in EXPORTS]
    gc.collect()
    before, before_parts = rss_bytes(), rss_parts()
    seconds = []
    for i in range(count):
        export, period = mixed[i % len(mixed)]
        outcome = bench.run(export, period)
        seconds.append(outcome.seconds)
        log(f"[memory] {i + 1}/{count} {export.name}, {period.name}: {outcome.seconds:.2f} s, "
            f"RSS {fmt_bytes(rss_bytes())}")
    gc.collect()
    after, after_parts = rss_bytes(), rss_parts()
    return {"count": count, "before": before, "after": after, "parts": (before_parts, after_parts),
            "growth": (after - before) / before, "seconds": seconds,
            "forkserver": forkserver_rss(), "load": loadavg()}


# --- report -----------------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = ["| export | period | accepted? | median s | max s | outcome | within 10 s or refused with a message |",
             "|---|---|---|---:|---:|---|---|"]
    for r in rows:
        lines.append(f"| {r.export.name} | {r.period.name} | {'yes' if r.period.accepted else 'no'} | "
                     f"{r.median:.2f} | {r.worst:.2f} | {r.outcomes[-1].shown()} | {r.verdict()} |")
    return "\n".join(lines)


def report(args, reports: int, now: datetime, rows: list[Row], memory: dict, uncovered: list[str],
           start_rss: int, loads: list[str]) -> str:
    out = [f"# Exports benchmark: {reports:,} reports", "", "Command:", "", "```", shown_command(), "```", "",
           f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, Python "
           f"{platform.python_version()}, Dash {dash.__version__}). Store `{args.db}` (SQLite); clock fixed at "
           f"{now.isoformat()} (the newest report), so today is {now.astimezone(WIT).date()} in WIT.",
           f"Load average (1/5/15 min) after the timings: {loads[0]}; after the memory run: {memory['load']} — "
           "other engineers' tests share the 2 cores and inflate the timings.", "", table(rows), "",
           "How to read it:",
           "- One POST of the download callback to `/_dash-update-component` through Flask's test client as a "
           "logged-in pimpinan: routing, the guard, the callback, its queries, the file built in the export runner's "
           "forkserver child, base64 and JSON. No network, no browser.",
           f"- Each of the {args.repeats} repeats follows a store-version bump, so the queries run again each time "
           "(the first repeat of each row also meets a cold app for that export).",
           "- Refused periods must come back with the page's message and no file, without running the export.", "",
           f"## Server memory over {memory['count']} exports", "",
           f"Resident memory (VmRSS) of the serving process, after `gc.collect()`: at the app's start "
           f"{fmt_bytes(start_rss)}; before the {memory['count']} exports (after the timings above) "
           f"{fmt_bytes(memory['before'])}; "
           f"after them {fmt_bytes(memory['after'])}: **{100 * memory['growth']:+.1f} %** (target ≤ "
           f"{100 * TARGET_GROWTH:g} %: {'met' if memory['growth'] <= TARGET_GROWTH else '**not met**'}).",
           f"Before: {memory['parts'][0]}; after: {memory['parts'][1]}. The growth from the app's start to the first "
           "reading is warm-up, bounded by configuration: SQLite's page cache (64 MB per pooled connection, "
           "PRAGMA cache_size) and the memory-mapped store (up to 256 MB, PRAGMA mmap_size; file pages, shared), "
           "plus the query cache (at most 2,000 entries).",
           f"The {memory['count']} exports cycle through every kind and both accepted periods, each after a version "
           f"bump (median {statistics.median(memory['seconds']):.2f} s, max {max(memory['seconds']):.2f} s). "
           f"The export runner's forkserver process holds {fmt_bytes(memory['forkserver'])} (its children exit "
           "after each file, returning their memory)."]
    if uncovered:
        out += ["", "Download callbacks without a case (not timed): " + ", ".join(f"`{k}`" for k in uncovered)]
    out += ["", "Runs (s):", ""]
    for r in rows:
        out.append(f"- {r.export.name}, {r.period.name}: " + ", ".join(f"{o.seconds:.2f}" for o in r.outcomes))
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000, help="size of the store (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per export and period (default 3)")
    parser.add_argument("--memory-exports", type=int, default=MEMORY_EXPORTS,
                        help=f"exports between the two memory readings (default {MEMORY_EXPORTS})")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "data",
                        help="folder of the cached store bench_<N>.db (default: benchmarks/data, gitignored)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for results/exports_<N>.md (default: benchmarks/)")
    args = parser.parse_args(argv)
    if args.reports < 100 or args.repeats < 1 or args.memory_exports < 1:
        parser.error("--reports must be at least 100, --repeats and --memory-exports at least 1")

    print(f"Command: {shown_command()}", flush=True)
    args.db = (args.data / f"bench_{args.reports}.db").resolve()
    sqlite_store(args.db, args.reports)  # reused when it fits, else built (1M: a few minutes)
    reports, now, _ = store_facts(args.db)
    log(f"[exports] {args.db}: {reports:,} reports, clock {now.isoformat()}")

    gc.collect()
    start_rss = rss_bytes()
    bench = Bench(args.db, now)
    log(f"[exports] RSS at the app's start {fmt_bytes(start_rss)} ({rss_parts()})")
    covered = {callback_key(bench.app, e.case({})) for e in EXPORTS}
    uncovered = [k for k in bench.download_callbacks() if k not in covered]
    every = periods(now.astimezone(WIT).date())
    rows = []
    try:
        for period in every:
            for export in EXPORTS:
                if not export.periodic and period.name != "month":
                    continue  # the current month, as the page's month picker offers it: once is enough
                row = Row(export, period)
                for _ in range(args.repeats if period.accepted else 1):
                    row.outcomes.append(bench.run(export, period))
                log(f"[exports] {export.name}, {period.name}: median {row.median:.2f} s, max {row.worst:.2f} s, "
                    f"{row.outcomes[-1].shown()}; load {loadavg()}")
                rows.append(row)
        loads = [loadavg()]
        memory = measure_memory(bench, [p for p in every if p.accepted], args.memory_exports)
    finally:
        bench.store.engine.dispose()
    publish(args.out, f"exports_{args.reports}",
            report(args, reports, now, rows, memory, uncovered, start_rss, loads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
