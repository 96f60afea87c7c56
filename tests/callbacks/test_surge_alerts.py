"""Surge alerts end to end: the simulator injects a surge into a 60-day demo store; the rule raises it, the counts
agree with an independent count of the raw rows, and it shows on the wall within two refreshes, in the briefing,
in `alerts --json` and in /metrics. Both backends."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from callbacks import briefing as briefing_callbacks
from callbacks.page_data import PageData
from core.formatting import fmt_dec, fmt_int
from core.rules import NO_DISTRICT
from data_access.queries import surge_alerts
from data_access.rulebook import surge
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Report
from demo.seed import DemoConfig
from demo.simulator import Simulator, parse_surge
from layouts import briefing as briefing_page
from layouts import briefing_pdf, wall
from tests.callbacks.test_wall_callbacks import tick
from tests.support import BACKENDS, NOW
from tests.support.cli import run_cli
from tests.support.dash_app import as_viewer, get_app, url

pytestmark = pytest.mark.slow  # a seeded store and a simulated day per backend: seconds of CPU

# Without the timelines' events (the rule reads creation times; nothing here reads a held report's SLA state): the
# store is written in half the time.
DEMO = DemoConfig(seed=5, days=60, per_day=45.0, now=NOW, incidents=(), with_events=False)
SURGE = "Mimika Baru:air_bersih:8"
CELL = ("94.04.01", "air_bersih")
MAX_HOURS = 36


@pytest.fixture(scope="module", params=BACKENDS)
def surged(request, make_store, workcal):
    """A 60-day demo store (no incidents) up to NOW, then the simulator with the surge, hour by hour until the
    rule raises it; the wall is ticked once at NOW and, once the rule raises the alert, up to twice more (state
    carried as the browser carries it). (store, simulator, hours it took, the wall's responses)."""
    engine = make_store(request.param, demo=DEMO)
    sim = Simulator(engine, workcal, seed=4, start=NOW, surges=(parse_surge(SURGE),))
    app, _ = get_app(url(engine), clock=lambda: sim.now)
    ticks = [tick(app)]
    for hours in range(1, MAX_HOURS + 1):
        sim.advance_to(NOW + timedelta(hours=hours))
        if len(surge_alerts(engine, Filters(), Scope.wall(), sim.now)):
            break
    else:
        pytest.fail(f"no surge alert within {MAX_HOURS} simulated hours of an eightfold surge")
    state = ticks[0].get_json()["response"][wall.STATE]["data"]
    for _ in range(2):
        ticks.append(tick(app, state=state))
        if ticks[-1].status_code == 200:
            state = ticks[-1].get_json()["response"].get(wall.STATE, {}).get("data", state)
    return engine, sim, hours, ticks


def _cells(alerts) -> set:
    return set(zip(alerts["district_code"], alerts["category_code"], strict=True))


def test_the_injected_surge_is_raised_and_nothing_else(surged):
    """Within a day and a half of simulated time the surged cell, and only it, is in surge: at least five reports,
    far above its usual count."""
    engine, sim, hours, _ = surged
    alerts = surge_alerts(engine, Filters(), Scope.wall(), sim.now)
    assert _cells(alerts) == {CELL}, alerts
    row = alerts.iloc[0]
    assert row["observed"] >= surge.MIN_OBSERVED and row["expected"] < row["observed"] / 2
    assert row["p_value"] < surge.MAX_P and row["district"] == "Mimika Baru"
    assert hours <= MAX_HOURS


def test_counts_agree_with_an_independent_count_of_the_rows(surged):
    """Observed, expected and the cells flagged match a count in Python of every report's time and cell, read
    plainly from the table, at three moments (the surge, and a day before and after)."""
    engine, sim, _, _ = surged
    with engine.connect() as conn:
        rows = conn.execute(select(Report.created_at, Report.district_code, Report.category_code)).all()
    for at in (sim.now - timedelta(days=1), sim.now, sim.now + timedelta(hours=6)):
        first = min(r.created_at for r in rows)
        weeks = sum(1 for k in range(1, 9) if at - timedelta(days=7 * k + 1) >= first)
        recent, history, matching, level = Counter(), Counter(), Counter(), Counter()
        for created, district, category in rows:
            cell = (district or NO_DISTRICT, category)
            age = at - created
            if timedelta(0) <= age < timedelta(days=1):
                recent[cell] += 1
            if timedelta(days=1) <= age < timedelta(days=1 + 7 * weeks):
                history[cell] += 1
                if any(timedelta(days=7 * k) <= age < timedelta(days=7 * k + 1) for k in range(1, weeks + 1)):
                    matching[cell] += 1
                if age < timedelta(days=15):
                    level[cell] += 1
        total = sum(history.values())
        share = sum(matching.values()) / total / weeks
        lift = min(max((sum(level.values()) / 14) / (total / (7 * weeks)), 0.5), 2.0)
        watched = len(recent.keys() | history.keys())  # the cells with a report in the span read
        oracle = {}
        for cell, observed in recent.items():
            expected = max(history[cell], 1) * share * lift
            chance = watched * surge.poisson_tail(observed, expected)
            if observed >= 5 and chance < 1 / 1000:
                oracle[cell] = (observed, expected, chance)
        alerts = surge_alerts(engine, Filters(), Scope.wall(), at)
        got = {(r.district_code, r.category_code): (r.observed, r.expected, r.p_value) for r in alerts.itertuples()}
        assert got.keys() == oracle.keys(), at
        for cell, (observed, expected, chance) in oracle.items():
            assert got[cell][0] == observed and got[cell][1] == pytest.approx(expected, rel=1e-9)
            assert got[cell][2] == pytest.approx(chance, rel=1e-9)


def test_the_wall_shows_the_surge_within_two_refreshes(surged):
    """Before the surge the banner is hidden; after it, the first or second tick shows it, with a mark and a word
    (not colour alone), the district, the category, the reports in 24 hours and the usual count."""
    engine, sim, _, ticks = surged
    assert ticks[0].status_code == 200 and ticks[0].get_json()["response"][wall.SURGE]["hidden"] is True
    shown = next((r.get_json()["response"][wall.SURGE]["children"] for r in ticks[1:] if r.status_code == 200
                  and r.get_json()["response"].get(wall.SURGE, {}).get("hidden") is False), None)
    assert shown is not None, "the surge banner did not show within two refreshes"
    row = surge_alerts(engine, Filters(), Scope.wall(), sim.now).iloc[0]
    text = json.dumps(shown, ensure_ascii=False)
    assert wall.SURGE_MARK in text and "Lonjakan" in text
    assert "Mimika Baru" in text and "Air bersih" in text
    assert f"{fmt_int(row['observed'])} laporan dalam 24 jam (biasanya {fmt_dec(row['expected'], 1)})" in text


def test_the_briefing_lists_the_surge(surged):
    """The briefing's surge table names the district and category, with the reports in 24 hours."""
    engine, sim, _, _ = surged
    app, query_cache = get_app(url(engine), clock=lambda: sim.now)
    with as_viewer():
        data = briefing_callbacks.load(PageData(query_cache, {}))
    frame = briefing_page.surges_frame(data.surges, "id")
    assert frame.shape[0] == 1
    assert frame.iloc[0].tolist()[:3] == ["Mimika Baru", "Air bersih", int(data.surges.iloc[0]["observed"])]
    table = json.dumps(briefing_page.surges_table(data, "en").to_plotly_json(), default=str)
    assert "Clean water" in table
    # The PDF's "needs attention" lines open with it, in the wall's words.
    assert briefing_pdf.surge_line(data.surges.iloc[0], "id").startswith("▲ Lonjakan: Mimika Baru · Air bersih: ")


def test_metrics_carry_a_gauge_per_cell_in_surge(surged):
    """/metrics: mimika_surge_alert 1 for the cell, labelled by its codes, and the count of cells in surge."""
    engine, sim, _, _ = surged
    app, _ = get_app(url(engine), clock=lambda: sim.now)
    body = app.server.test_client().get("/metrics").get_data(as_text=True)
    assert 'mimika_surge_alert{category="air_bersih",district="94.04.01"} 1.0' in body
    assert "mimika_surge_alerts_active 1.0" in body


@pytest.mark.cli
def test_alerts_json_lists_the_surge(surged):
    """`python -m dashboard alerts --json --at …` prints the same alert the wall shows."""
    engine, sim, _, _ = surged
    result = run_cli("alerts", "--json", "--at", sim.now.isoformat(), env={"DATABASE_URL": url(engine)})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [(a["district_code"], a["category_code"]) for a in out["alerts"]] == [CELL]
    alert = out["alerts"][0]
    assert alert["district"] == "Mimika Baru" and alert["observed"] >= 5 and alert["expected"] < alert["observed"]


@pytest.mark.cli
def test_simulate_refuses_a_surge_it_cannot_read(tmp_path):
    """A district that does not exist: one `error:` line naming the flag, exit 2, before the store is touched."""
    result = run_cli("simulate", "--surge", "Atlantis:air_bersih:3",
                     env={"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"})
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: --surge: no district 'Atlantis'")
