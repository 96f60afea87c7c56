"""Every figure that says "overdue" agrees — the wall's tiles, /opd tiles, its grid, its CSV and XLSX, the
briefing's league and ``kpis --json`` — on a store with reports held before and after their due times and
reports transferred between OPDs after their breach."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import t
from data_access.intake.writer import ReportWriter
from data_access.queries import headline_kpis
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import OPEN_STATUSES, Report
from demo.seed import DemoConfig, seed_demo
from layouts import briefing as briefing_page
from layouts import opd as opd_page
from layouts import wall
from tests.support import BACKENDS, NOW
from tests.support.cli import run_cli
from tests.support.dash_app import by_id, get_app, logged_in, post, sheet_table, texts, url


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, make_store, workcal):
    """60 days of demo reports, plus PUPR reports held after their due time and reports PUPR let run late
    before handing them to DINKES."""
    engine = make_store(request.param)
    seed_demo(engine, workcal, DemoConfig(seed=3, days=60, per_day=25.0, now=NOW))
    writer = ReportWriter(engine, workcal)
    with Session(engine) as session, session.begin():
        for i in range(4):  # held after the due time: stays overdue
            report = writer.create(session, category_code="jalan", title=f"Ditahan setelah terlambat {i}",
                                   created_at=NOW - timedelta(days=40))
            writer.transition(session, report, "diverifikasi", NOW - timedelta(days=39))
            writer.transition(session, report, "didisposisikan", NOW - timedelta(days=39))
            writer.transition(session, report, "ditunda", NOW - timedelta(days=1))
        for i in range(3):  # held at once: the clock stopped before any due time
            report = writer.create(session, category_code="jalan", title=f"Ditahan segera {i}",
                                   created_at=NOW - timedelta(hours=30))
            writer.transition(session, report, "diverifikasi", NOW - timedelta(hours=29))
            writer.transition(session, report, "didisposisikan", NOW - timedelta(hours=29))
            writer.transition(session, report, "ditunda", NOW - timedelta(hours=28))
        for i in range(3):  # PUPR let it run late, then DINKES took it over
            report = writer.create(session, category_code="jalan", title=f"Dialihkan {i}",
                                   created_at=NOW - timedelta(days=25))
            writer.transition(session, report, "diverifikasi", NOW - timedelta(days=24))
            writer.transition(session, report, "didisposisikan", NOW - timedelta(hours=5), opd_code="DINKES")
    return engine


@pytest.fixture(scope="module")
def app(store):
    import dash

    dash.page_registry.clear()
    app, _ = get_app(url(store))
    logged_in(app).get("/wall")
    yield app
    dash.page_registry.clear()


@pytest.fixture(autouse=True)
def _fresh_pages():
    yield


# A breached row names the target it missed (#26): every such word counts as overdue.
LATE_WORDS = {t(f"state.late.{k}") for k in ("response", "resolution", "both")} | {t("state.breached")}


def opd_figures(app, code: str) -> dict:
    config = {"code": code, "query": {}, "lang": "id"}
    out = post(app, f"{opd_page.TILES}.children", {f"{opd_page.CONFIG}.data": config,
                                                   f"{opd_page.INTERVAL}.n_intervals": 0})
    tile = by_id(out[opd_page.TILES]["children"], "opd-kpi-overdue")["children"]
    grid = [row for row in out[opd_page.GRID]["rowData"] if row["sla_key"] == "breached"]
    files = {}
    for kind, button in (("csv", opd_page.EXPORT_CSV), ("xlsx", opd_page.EXPORT_XLSX)):
        other = opd_page.EXPORT_XLSX if kind == "csv" else opd_page.EXPORT_CSV
        out_file = post(app, f"{opd_page.DOWNLOAD}.data", {f"{button}.n_clicks": 1, f"{other}.n_clicks": 0},
                        {f"{opd_page.CONFIG}.data": config}, triggered=f"{button}.n_clicks")
        files[kind] = out_file[opd_page.DOWNLOAD]["data"]
    table = list(csv.reader(io.StringIO(files["csv"]["content"].lstrip("\ufeff"))))
    sla = table[0].index("SLA")
    sheet = load_workbook(io.BytesIO(base64.b64decode(files["xlsx"]["content"]))).active
    header, values = sheet_table(sheet)
    return {"tile": int(tile.replace(".", "")), "grid": len(grid),
            "csv": sum(1 for row in table[1:] if row[sla] in LATE_WORDS),
            "xlsx": sum(1 for row in values if row[header.index("SLA")] in LATE_WORDS),
            "transferred": sum(1 for row in out[opd_page.GRID]["rowData"] if row.get("transferred_from"))}


def league_overdue(app, short_name: str) -> int:
    out = post(app, f"{briefing_page.PERIOD}.children", {f"{briefing_page.CONFIG}.data": {"query": {}, "lang": "id"},
                                                         f"{briefing_page.INTERVAL}.n_intervals": 0})
    table = out[briefing_page.LEAGUE]["children"]
    head, body = table["props"]["children"]
    columns = [texts(th) for th in head["props"]["children"]["props"]["children"]]
    for tr in body["props"]["children"]:
        cells = [texts(td) for td in tr["props"]["children"]]
        if cells[1] == short_name:
            return int(cells[columns.index("Terlambat")].replace(".", ""))
    raise AssertionError(f"{short_name} not in the league")


@pytest.mark.cli
def test_every_overdue_figure_agrees(app, store):
    """Wall tiles = kpis --json; /opd tile = grid = CSV = XLSX = briefing league, for PUPR and DINKES; the
    held-after-due reports are counted, the held-before-due ones are not, the transfers show as transfers."""
    with store.connect() as conn:
        held = conn.execute(select(Report.title).where(Report.status == "ditunda",
                                                      Report.title.like("Ditahan%"))).scalars().all()
    assert len(held) == 7
    wall_kpis = headline_kpis(store, Filters(), Scope.wall(), NOW).iloc[0]
    tick = post(app, f"{wall.KPI_IDS[1]}.children", {f"{wall.INTERVAL}.n_intervals": 1},
                {f"{wall.STATE}.data": None, f"{wall.LOCATION_CONFIG}.data": {"lang": "id"}})
    assert tick["kpi-overdue-response"]["children"] == f"{int(wall_kpis['overdue_response']):,}".replace(",", ".")
    assert tick["kpi-overdue-resolution"]["children"] == f"{int(wall_kpis['overdue_resolution']):,}".replace(
        ",", ".")
    cli = run_cli("kpis", "--json", "--at", NOW.isoformat(), env={"DATABASE_URL": url(store)})
    figures = json.loads(cli.stdout)
    for key in ("open", "overdue", "overdue_response", "overdue_resolution", "at_risk"):
        assert figures[key] == int(wall_kpis[key]) and isinstance(figures[key], int), key
    assert '"open": ' in cli.stdout and ".0," not in cli.stdout.split('"response_compliance_pct"')[0]
    for code, short in (("PUPR", "PUPR"), ("DINKES", "Dinkes")):
        got = opd_figures(app, code)
        want = int(headline_kpis(store, Filters(), Scope.opd_head(code), NOW)["overdue"].iloc[0])
        assert got["tile"] == got["grid"] == got["csv"] == got["xlsx"] == want, (code, got, want)
        print(f"{code}: overdue {want} = tile = grid = CSV = XLSX = league; transferred rows {got['transferred']}")
        assert league_overdue(app, short) == want, code
        if code == "DINKES":
            assert got["transferred"] >= 3
    with store.connect() as conn:
        pupr_open = conn.execute(select(Report.id).where(Report.opd_code == "PUPR",
                                                         Report.status.in_(OPEN_STATUSES))).all()
    assert pupr_open
