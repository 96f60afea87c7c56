#!/usr/bin/env python
"""What does each decision page's server side cost at 1,000,000 reports: every callback and every export?

For every registered callback whose outputs belong to /briefing, /opd, /opd/<code>, /sla, /explorer, /report/<id>
(and the filter bar they share), POSTs a realistic body to ``/_dash-update-component`` through Flask's test client
and times it:

- cold: a fresh app, cache and engine, first call (the OS page cache is not dropped);
- warm: the median of ``--runs`` further calls on the same app, with the cache filled;
- warm, new version: the median of ``--runs`` calls, each after bumping the store version string (the benchmark's
  Store appends a counter to the real version, so every call misses the cache and reruns its queries on a warm
  engine, as after a new report — the data itself is not changed).

The exports (briefing PDF and XLSX, OPD XLSX and CSV) are timed the same way. Prints a Markdown table, also written
to ``<out>/results/pages_<N>.md`` (N from the store's name bench_<N>.db, else its report count).

    .venv/bin/python benchmarks/bench_pages.py                                  # the 1M store, 5 runs
    .venv/bin/python benchmarks/bench_pages.py --db /tmp/small.db --runs 1 --out /tmp/bench

The store is opened read-write only for the benchmark login's access-log row. Queries ask at a fixed clock, the
store's newest report (about 2026-11-23T00:30Z for the 1M store), like bench_queries.py. This is a script that prints
figures, not a timed test; tests/test_bench_pages.py only checks that it runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shlex
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_pages.py` from anywhere
    sys.path.insert(0, str(REPO))

import dash  # noqa: E402
from flask_caching import Cache  # noqa: E402
from plotly.utils import PlotlyJSONEncoder  # noqa: E402

from benchmarks.bench_common import fmt_bytes, person_client, publish  # noqa: E402
from callbacks.export_runner import start_forkserver  # noqa: E402
from core.settings import Settings  # noqa: E402
from dashboard.app import create_app  # noqa: E402
from dashboard.cache import cache_config  # noqa: E402
from data_access.queries.cache import QueryCache as Store  # noqa: E402

DEFAULT_DB = REPO / "benchmarks" / "data" / "bench_1000000.db"
TARGET_CALLBACK_MS = 300.0
TARGET_PDF_MS = 10_000.0
PAGE_QUERY = {"period": "month"}
DISTRICT = "94.04.01"
OPD = "PUPR"
PAGE_PREFIXES = ("briefing-", "opd-", "sla-", "explorer-", "report-", "fb-")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def fmt_ms(value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


# --- the store: read-only, fixed clock, a version that can be bumped --------------------------------------------


def store_facts(db: Path) -> tuple[int, datetime, int | None]:
    """Reports, newest created_at (the benchmark's clock) and a closed report's id, read with sqlite3 read-only."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        count = conn.execute("SELECT count(*) FROM report").fetchone()[0]
        newest = conn.execute("SELECT max(created_at) FROM report").fetchone()[0]
        row = conn.execute("SELECT id FROM report WHERE id > (SELECT max(id) - 5000 FROM report) "
                           "AND status = 'ditutup' ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            row = conn.execute("SELECT max(id) FROM report").fetchone()
    finally:
        conn.close()
    now = datetime.fromisoformat(str(newest))
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return count, now, row[0]


class BenchStore(Store):
    """The Store as shipped, but its version string can be bumped to make every cached answer stale."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bumps = 0

    def version(self) -> str:
        real = super().version()
        return f"{real}#bench{self.bumps}" if self.bumps else real


def build_app(db: Path, now: datetime):
    """A fresh Dash app with its own cache (Dash's page registry is module-level: reset it)."""
    dash.page_registry.clear()
    # Read-write: a login writes its access-log row (the pages themselves only read).
    settings = Settings(database_url=f"sqlite:///{db}", boundaries_districts=None)
    cache = Cache(config=cache_config(settings))
    store = BenchStore(settings, cache, clock=lambda: now)
    app = create_app(settings, query_cache=store)
    cache.init_app(app.server)
    return app, store


# --- the requests -------------------------------------------------------------------------------------------------


def render(app, path: str, query: dict):
    """The layout Dash pages renders for ``path`` for a pimpinan (the guard sets flask.g.viewer on real requests)."""
    from flask import g

    from data_access.accounts import Viewer

    # This app's own context, not dash.get_app(): another app made in the same process would answer with caches
    # this app's layouts do not own
    with app.server.test_request_context():
        g.viewer = Viewer("bench-pimpinan", "pimpinan")
        return _render(path, query)


def _render(path: str, query: dict):
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            head = template.split("<")[0]
            if path.startswith(head) and "/" not in path[len(head):]:
                return page["layout"](**{template[len(head):].strip("<>"): path[len(head):]}, **query)
        elif page["path"] == path:
            return page["layout"](**query)
    raise KeyError(path)


def find(tree, component_id):
    if getattr(tree, "id", None) == component_id:
        return tree
    children = getattr(tree, "children", None)
    if children is None:
        return None
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            hit = find(child, component_id)
            if hit is not None:
                return hit
    return None


@dataclass
class Case:
    """One callback request: which page's layout supplies the default values, and what the user changed."""

    name: str
    output: str  # a substring of the callback_map key
    path: str
    query: dict
    overrides: dict = field(default_factory=dict)  # "id.prop" → value
    triggered: str | None = None
    export: bool = False
    target_ms: float = TARGET_CALLBACK_MS


def cases(report_id: int | None) -> list[Case]:
    q = PAGE_QUERY
    return [
        Case("/briefing: page", "briefing-compare.children", "/briefing", q),
        Case("/opd: index table", "opd-index-table.children", "/opd", q),
        Case(f"/opd/{OPD}: page", "opd-tiles.children", f"/opd/{OPD}", q),
        Case("/sla: page", "sla-heatmap.figure", "/sla", q),
        Case("/explorer: map shading", "explorer-districts.hideout", "/explorer", q),
        Case("/explorer: map click → district", "explorer-pick.value", "/explorer", q,
             {"explorer-districts.clickData": {"properties": {"code": DISTRICT}}}, "explorer-districts.clickData"),
        Case(f"/explorer: district panel {DISTRICT}", "explorer-panel.children", "/explorer", q,
             {"explorer-pick.value": DISTRICT}, "explorer-pick.value"),
        Case(f"/explorer: zoom to {DISTRICT}", "explorer-map.viewport", "/explorer", q,
             {"explorer-pick.value": DISTRICT}, "explorer-pick.value"),
        Case(f"/report/{report_id}: page", "report-body.children", f"/report/{report_id}", {}),
        Case("/briefing: filter bar apply", "fb-location.href", "/briefing", q,
             {"fb-apply.n_clicks": 1}, "fb-apply.n_clicks"),
        Case("export: briefing PDF", "briefing-download.data", "/briefing", q,
             {"briefing-export-pdf.n_clicks": 1}, "briefing-export-pdf.n_clicks", True, TARGET_PDF_MS),
        Case("export: briefing XLSX", "briefing-download.data", "/briefing", q,
             {"briefing-export-xlsx.n_clicks": 1}, "briefing-export-xlsx.n_clicks", True),
        Case("export: monthly report PDF", "briefing-monthly-download.data", "/briefing", q,
             {"briefing-monthly-pdf.n_clicks": 1}, "briefing-monthly-pdf.n_clicks", True, TARGET_PDF_MS),
        Case(f"export: /opd/{OPD} XLSX", "opd-download.data", f"/opd/{OPD}", q,
             {"opd-export-xlsx.n_clicks": 1}, "opd-export-xlsx.n_clicks", True),
        Case(f"export: /opd/{OPD} CSV", "opd-download.data", f"/opd/{OPD}", q,
             {"opd-export-csv.n_clicks": 1}, "opd-export-csv.n_clicks", True),
    ]


def page_callbacks(app) -> list[str]:
    """Every server-side callback whose outputs are on the decision pages (the wall's are left out)."""
    keys = []
    for key, spec in app.callback_map.items():
        ids = [o.split(".", 1)[0] for o in key.strip(".").split("...")]
        if all(i.startswith(PAGE_PREFIXES) for i in ids) and spec.get("callback") is not None:
            keys.append(key)
    return keys


def callback_key(app, case: Case) -> str:
    return next(k for k in app.callback_map if case.output in k)


def body_for(app, case: Case) -> dict:
    """The body the browser would POST: every input and state from the rendered layout, plus the case's overrides."""
    key = callback_key(app, case)
    spec = app.callback_map[key]
    tree = render(app, case.path, case.query)

    def value(x):
        name = f"{x['id']}.{x['property']}"
        if name in case.overrides:
            return case.overrides[name]
        component = find(tree, x["id"])
        return getattr(component, x["property"], None) if component is not None else None

    if key.startswith(".."):
        outputs = [{"id": i, "property": p} for i, p in (o.split(".", 1) for o in key.strip(".").split("..."))]
    else:
        i, p = key.split(".", 1)
        outputs = {"id": i, "property": p}
    inputs = [{**x, "value": value(x)} for x in spec["inputs"]]
    return {"output": key, "outputs": outputs, "inputs": inputs,
            "state": [{**x, "value": value(x)} for x in spec["state"]],
            "changedPropIds": [case.triggered or f"{inputs[0]['id']}.{inputs[0]['property']}"]}


REFUSED: set[str] = set()  # exports that came back refused (over their time budget) at least once


def post(client, payload: bytes, case: Case) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post("/_dash-update-component", data=payload, content_type="application/json")
    elapsed = ms_since(started)
    data = response.get_data()
    if response.status_code != 200:
        raise RuntimeError(f"{case.name}: HTTP {response.status_code}: {data[:500]!r}")
    if case.export and b'"content"' not in data:
        if b"Ekspor" not in data:  # neither a file nor a refusal the person is shown
            raise RuntimeError(f"{case.name}: no file in the response: {data[:500]!r}")
        REFUSED.add(case.name)  # refused with a message (time budget): an outcome, shown in the table
        log(f"[pages] {case.name}: refused: {data[:300]!r}")
    return elapsed, len(data)


@dataclass
class Row:
    case: Case
    cold_ms: float = math.nan
    warm: list[float] = field(default_factory=list)
    new_version: list[float] = field(default_factory=list)
    size: int = 0

    @property
    def warm_ms(self) -> float:
        return statistics.median(self.warm) if self.warm else math.nan

    @property
    def new_ms(self) -> float:
        return statistics.median(self.new_version) if self.new_version else math.nan

    def verdict(self) -> str:
        worst = max(self.warm_ms, self.cold_ms if self.case.target_ms == TARGET_PDF_MS else 0.0)
        return "yes" if worst <= self.case.target_ms else "**no**"


def time_case(db: Path, now: datetime, case: Case, runs: int) -> Row:
    row = Row(case)
    app, store = build_app(db, now)
    try:
        payload = json.dumps(body_for(app, case), cls=PlotlyJSONEncoder).encode()
        client = person_client(app, f"sqlite:///{db}")
        row.cold_ms, row.size = post(client, payload, case)
        for _ in range(runs):
            row.warm.append(post(client, payload, case)[0])
        for _ in range(runs):
            store.bumps += 1
            row.new_version.append(post(client, payload, case)[0])
    finally:
        store.engine.dispose()
    log(f"[pages] {case.name}: cold {row.cold_ms:,.0f} ms, warm {row.warm_ms:,.1f} ms, "
        f"new version {row.new_ms:,.0f} ms, {fmt_bytes(row.size)}")
    return row


# --- report -----------------------------------------------------------------------------------------------------


def shown_command() -> str:
    return f"cd {shlex.quote(os.getcwd())} && {shlex.join([sys.executable, *sys.argv])}"


def table(rows: list[Row]) -> str:
    lines = ["| page / export | callback output | cold ms | warm median ms | warm, new version median ms | "
             "response | target | met |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for r in rows:
        target = (f"≤ {r.case.target_ms / 1000:g} s cold and warm" if r.case.target_ms == TARGET_PDF_MS
                  else f"warm ≤ {r.case.target_ms:g} ms")
        refused = r.case.name in REFUSED
        lines.append(f"| {r.case.name} | `{r.case.output}` | {fmt_ms(r.cold_ms)} | {fmt_ms(r.warm_ms)} | "
                     f"{fmt_ms(r.new_ms)} | {fmt_bytes(r.size)}{' (refused at least once)' if refused else ''} | "
                     f"{target} | {'**no**' if refused else r.verdict()} |")
    return "\n".join(lines)


def report(args, reports: int, now: datetime, rows: list[Row], uncovered: list[str]) -> str:
    out = [f"# Page callbacks benchmark: {reports:,} reports", "", "Command:", "", "```", shown_command(), "```", ""]
    out.append(f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, "
               f"Python {platform.python_version()}, Dash {dash.__version__}). Store `{args.db}` (SQLite, opened "
               f"read-only); clock fixed at {now.isoformat()}; pages asked with ?period=month.")
    out.append(f"Load average (1/5/15 min) at the end of the run: {' / '.join(f'{x:.2f}' for x in os.getloadavg())} "
               "— other work on the machine inflates and scatters the timings.")
    out += ["", table(rows), "", "How to read it:",
            "- Server time of one POST to `/_dash-update-component` through Flask's test client (routing, the "
            "callback, JSON serialisation; no network, no browser rendering).",
            "- cold: a fresh app, cache and engine, first call (the OS page cache is not dropped). warm median: "
            f"median of {args.runs} further calls with the cache filled. warm, new version: median of {args.runs} "
            "calls each after bumping the store version string, so every query misses the cache and reruns on a "
            "warm engine (the data is unchanged; a real new report would also change the answers).",
            f"- targets: ≤ {TARGET_CALLBACK_MS:g} ms warm median per callback and export; the briefing PDF "
            f"≤ {TARGET_PDF_MS / 1000:g} s, judged on its slower of cold and warm.",
            "- response: size of the uncompressed JSON response of the cold call."]
    if uncovered:
        out += ["", "Page callbacks without a case (not timed): " + ", ".join(f"`{k}`" for k in uncovered)]
    out += ["", "Runs (ms): cold | warm | warm, new version", ""]
    for r in rows:
        out.append(f"- {r.case.name}: {r.cold_ms:.1f} | " + ", ".join(f"{v:.1f}" for v in r.warm) + " | "
                   + ", ".join(f"{v:.1f}" for v in r.new_version))
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"SQLite store (default {DEFAULT_DB})")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per callback (default 5)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for results/pages_<N>.md (default: benchmarks/)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not args.db.exists():
        parser.error(f"no store at {args.db}")
    args.db = args.db.resolve()

    print(f"Command: {shown_command()}", flush=True)
    start_forkserver()  # as `serve` does: the export children's parent is ready before the first export
    reports, now, report_id = store_facts(args.db)
    log(f"[pages] {args.db}: {reports:,} reports, clock {now.isoformat()}, report #{report_id}")
    wanted = cases(report_id)
    app, store = build_app(args.db, now)
    covered = {callback_key(app, c) for c in wanted}
    uncovered = [k for k in page_callbacks(app) if k not in covered]
    store.engine.dispose()
    rows = [time_case(args.db, now, case, args.runs) for case in wanted]

    text_out = report(args, reports, now, rows, uncovered)
    # Named like the store (bench_1000000.db → pages_1000000.md, as bench_wall.py does), else by its report count.
    match = re.fullmatch(r"bench_(\d+)\.db", args.db.name)
    publish(args.out, f"pages_{int(match.group(1)) if match else reports}", text_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
