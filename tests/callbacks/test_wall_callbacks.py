"""The wall's refresh callback through Dash's own endpoint, and its builders, on the seeded stores."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import dash
import pandas as pd
import pytest
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import func, select

from core.formatting import fmt_dec, fmt_int, fmt_pct
from data_access.queries import headline_kpis, newest_reports, reports_by_district
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import OPEN_STATUSES, Report, Reporter
from layouts import wall
from tests.support import NOW, SHARED_DATA
from tests.support.dash_app import get_app, logged_in

BOUNDARIES = SHARED_DATA / "districts.geojson"


def _json(value) -> str:
    return json.dumps(value, cls=PlotlyJSONEncoder)


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _refresh_key(app) -> str:
    return next(key for key in app.callback_map if f"{wall.KPI_IDS[1]}.children" in key)


def tick(app, state=None, config=None, n: int = 1, client=None):
    """POST one interval tick to /_dash-update-component, as the browser does."""
    key = _refresh_key(app)
    outputs = [{"id": c, "property": p} for c, p in (o.split(".", 1) for o in key.strip(".").split("..."))]
    body = {
        "output": key,
        "outputs": outputs,
        "inputs": [{"id": wall.INTERVAL, "property": "n_intervals", "value": n}],
        "changedPropIds": [f"{wall.INTERVAL}.n_intervals"],
        "state": [{"id": wall.STATE, "property": "data", "value": state},
                  {"id": wall.LOCATION_CONFIG, "property": "data", "value": config or {"lang": "id",
                                                                                      "measure": "open"}}],
    }
    return (client or logged_in(app)).post("/_dash-update-component", json=body)


def _props(response) -> dict:
    return response.get_json()["response"]


@pytest.fixture
def wall_app(seeded):
    return get_app(_url(seeded))


def test_first_tick_shows_open_count_from_the_store(seeded, wall_app):
    """kpi-open shows exactly SELECT count(*) of reports in an open status, Indonesian thousands format."""
    app, _ = wall_app
    with seeded.connect() as conn:
        open_count = conn.execute(select(func.count()).select_from(Report)
                                  .where(Report.status.in_(OPEN_STATUSES))).scalar_one()
    response = tick(app)
    assert response.status_code == 200
    props = _props(response)
    assert props["kpi-open"]["children"] == fmt_int(open_count)
    assert open_count > 0


def test_every_kpi_matches_headline_kpis(seeded, wall_app):
    """Each KPI element's text is headline_kpis' number as shown, with the compliance sample size."""
    app, _ = wall_app
    row = headline_kpis(seeded, Filters(), Scope.wall(), NOW).iloc[0]
    props = _props(tick(app))
    assert props["kpi-new-today"]["children"] == fmt_int(row["new_today"])
    assert props["kpi-overdue-response"]["children"] == fmt_int(row["overdue_response"])
    assert props["kpi-overdue-resolution"]["children"] == fmt_int(row["overdue_resolution"])
    assert props["kpi-at-risk"]["children"] == fmt_int(row["at_risk"])
    assert props["kpi-response-compliance"]["children"] == fmt_pct(row["response_compliance_pct"])
    assert props[wall.KPI_RESPONSE_SAMPLE]["children"] == "n = " + fmt_int(row["response_sample"])
    assert props["kpi-median-response"]["children"] == fmt_dec(row["median_response_hours"])


def test_first_tick_fills_every_panel(wall_app):
    """One tick fills the map hideout, the 18 tiles, four charts and the ticker, and hides the stale banner."""
    app, _ = wall_app
    props = _props(tick(app))
    hideout = props[wall.DISTRICTS]["hideout"]
    assert len(hideout["colors"]) == 5
    assert sum(1 for k in hideout if k.startswith("94.04.")) == 18
    assert len(props[wall.TILEGRID]["children"]) == 19  # the districts and "Tanpa lokasi"
    figures = props[wall.FIGURES]["data"]
    assert set(figures) == set(wall.GRAPHS) and all(fig["data"] for fig in figures.values())
    assert len(props[wall.TICKER]["children"]) == wall.TICKER_ITEMS
    assert props[wall.STALE]["hidden"] is True
    assert props[wall.STATE]["data"]["version"]


def test_second_tick_with_same_version_sends_nothing(wall_app):
    """When the store version has not changed, the tick answers 204: every output is no_update."""
    app, store = wall_app
    first = tick(app)
    state = _props(first)[wall.STATE]["data"]
    queries_before = store.query_count
    second = tick(app, state=state, n=2)
    assert second.status_code == 204
    assert second.get_data() == b""
    assert store.query_count == queries_before


@pytest.fixture
def store_that_goes_away(make_store):
    """A SQLite store, an app logged in on it, and a function that takes the store away (file moved)."""
    engine = make_store("sqlite")
    path = Path(engine.url.database)
    app, query_cache = get_app(_url(engine))
    logged_in(app)

    def take_away():
        path.rename(path.with_name("moved-away.db"))
        query_cache.engine.dispose()  # open connections would still see the moved file

    return app, take_away


def test_unavailable_store_shows_stale_banner_without_error(store_that_goes_away):
    """The store's file moved away under a logged-in wall: 200, the stale banner visible, the numbers kept."""
    app, take_away = store_that_goes_away
    state = _props(tick(app))[wall.STATE]["data"]
    take_away()
    response = tick(app, state=state, n=2)
    assert response.status_code == 200
    props = _props(response)
    assert props[wall.STALE]["hidden"] is False
    assert "tidak dapat diambil" in props[wall.STALE]["children"]
    assert "kpi-open" not in props  # last numbers are kept, not blanked
    again = tick(app, state=props[wall.STATE]["data"], n=3)
    assert again.status_code == 204  # still down: nothing new to say


def test_banner_states_the_time_of_the_last_good_data(store_that_goes_away):
    """After a good tick, losing the store keeps the numbers and names the time of the last good data."""
    app, take_away = store_that_goes_away
    state = _props(tick(app))[wall.STATE]["data"]
    take_away()
    props = _props(tick(app, state=state, n=2))
    assert props[wall.STALE]["hidden"] is False
    assert "23-11-2026 09:30 WIT" in props[wall.STALE]["children"]  # NOW in WIT
    assert "kpi-open" not in props


def test_recovers_by_itself_when_the_store_returns(wall_app):
    """A tick that reaches the store again hides the banner, even when no report changed meanwhile."""
    app, _ = wall_app
    state = _props(tick(app))[wall.STATE]["data"]
    props = _props(tick(app, state={**state, "stale": "unavailable"}, n=2))
    assert props[wall.STALE]["hidden"] is True


def test_no_new_reports_for_a_while_is_stale(seeded):
    """With the clock two hours past the newest report (stale_after 30 min) and no writer's heartbeat (the seeded
    store's table is empty: nothing feeds it), the banner says the feed stopped and since when."""
    app, _ = get_app(_url(seeded), clock=lambda: NOW + timedelta(hours=2))
    props = _props(tick(app))
    assert props[wall.STALE]["hidden"] is False
    assert props[wall.STALE]["children"].startswith("⚠ Aliran data terhenti")
    assert "Data terakhir: " in props[wall.STALE]["children"]


def test_no_reporter_data_leaves_the_store(seeded, wall_app):
    """No reporter name or phone appears anywhere in what the wall sends."""
    app, _ = wall_app
    body = tick(app).get_data(as_text=True)
    with seeded.connect() as conn:
        people = conn.execute(select(Reporter.name, Reporter.phone).limit(3000)).all()
    assert people
    for name, phone in people:
        assert name not in body
        if phone:
            assert phone not in body


def test_english_labels_with_lang_en(wall_app):
    """?lang=en gives English text on the wall and in the refreshed pieces."""
    app, _ = wall_app
    page = wall.layout(lang="en")
    assert "Open" in _json(page.to_plotly_json())
    props = _props(tick(app, config={"lang": "en", "measure": "overdue"}))
    legend_text = _json(props[wall.LEGEND]["children"])
    assert "Overdue" in legend_text and "no data" in legend_text


def test_front_page_is_the_wall(wall_app):
    """/ and /wall are both served (the pages registry points both at the wall)."""
    app, _ = wall_app
    client = logged_in(app)
    assert client.get("/").status_code == 200
    assert client.get("/wall?measure=per_10k&lang=en").status_code == 200
    paths = {page["path"] for page in dash.page_registry.values()}
    assert {"/", "/wall"} <= paths


# ---- builders -------------------------------------------------------------------------------------------------


def test_silent_district_shows_no_data_for_recent_measures_and_its_count_for_the_state(seeded):
    """#22 item 4: a district without reports for no_data_days shows "tidak ada data" (class -1, never 0) for a
    measure that needs recent reports, and its number for one that counts what exists now (open, overdue)."""
    districts = reports_by_district(seeded, Filters(), Scope.wall(), NOW)
    code = districts.loc[districts["code"] != wall.OUTSIDE_CODE, "code"].iloc[3]
    districts.loc[districts["code"] == code, "last_report_at"] = pd.Timestamp(NOW - timedelta(days=20))
    for measure, silent in (("new_24h", True), ("per_10k", True), ("open", False), ("overdue", False)):
        hideout = wall.map_hideout(districts, measure, NOW, no_data_days=14)
        tiles = {tile.to_plotly_json()["props"]["data-code"]: tile for tile in
                 wall.tilegrid(districts, measure, NOW, 14, "id", hideout)}
        text = _json(tiles[code].to_plotly_json())
        assert ("tidak ada data" in text and "tile-nodata" in text and hideout[code] == -1) is silent, measure
        assert len(tiles) == 19  # 18 districts and the reports without one
        if not silent:
            value = districts.loc[districts["code"] == code, wall.MEASURES[measure]].iloc[0]
            assert hideout["values"][code] == value


@pytest.mark.parametrize("measure", ["open", "overdue", "new_24h"])
def test_districts_and_the_no_location_tile_add_up_to_the_headline(seeded, measure):
    """#22 item 4: the 18 district tiles plus "Tanpa lokasi" sum to the store's count, remote districts included."""
    districts = reports_by_district(seeded, Filters(), Scope.wall(), NOW)
    tiles = wall.tilegrid(districts, measure, NOW, 14, "id")
    values = [_json(tile.to_plotly_json()) for tile in tiles if "tile-nodata" not in tile.className]
    shown = sum(int(re.search(r'"children": "([0-9.]+)", "className": "tile-value"', v).group(1).replace(".", ""))
                for v in values)
    kpis = headline_kpis(seeded, Filters(), Scope.wall(), NOW).iloc[0]
    want = {"open": kpis["open"], "overdue": kpis["overdue"]}.get(measure, districts["new_24h"].sum())
    assert shown == want
    assert "Tanpa lokasi" in texts_of(tiles[-1])


def texts_of(component) -> str:
    from tests.support.dash_app import texts

    return texts(component)


def test_remote_districts_are_marked(seeded):
    """Districts reached only by river, sea or air carry the remote marker on their tile."""
    districts = reports_by_district(seeded, Filters(), Scope.wall(), NOW)
    tiles = wall.tilegrid(districts, "per_10k", NOW, 14, "id")
    remote = {t.to_plotly_json()["props"]["data-code"] for t in tiles if "tile-remote-district" in t.className}
    want = set(districts.loc[(districts["access"] != "jalan") & (districts["code"] != "luar"), "code"])
    assert remote == want and remote


def test_ticker_shows_time_category_place_and_short_title(seeded):
    """Ticker items carry WIT time, category, district and OPD and a title cut to fit, nothing personal."""
    newest = newest_reports(seeded, Filters(), Scope.wall(), NOW, limit=10)
    items = wall.ticker(newest, "id")
    first = _json(items[0].to_plotly_json())
    row = newest.iloc[0]
    assert row["created_at"].tz_convert("Asia/Jayapura").strftime("%H:%M") in first
    assert row["category"] in first
    assert len(wall.shorten("kata " * 40)) <= wall.TITLE_CHARS


def test_indonesian_number_format():
    """Thousands with '.', decimals with ','."""
    assert fmt_int(1234567) == "1.234.567"
    assert fmt_dec(1234.56) == "1.234,6"
    assert fmt_pct(87.26) == "87,3%" and fmt_pct(87.24) == "87,2%"
    assert fmt_int(None) == "–"


def test_wall_layout_sends_polygons_once_and_points_never_reporter_fields():
    """The layout holds the polygons; report points carry only the category and rounded coordinates."""
    geo = {"type": "FeatureCollection", "features": []}
    page = wall.layout(display_geojson=geo)
    assert _json(page.to_plotly_json()).count('"FeatureCollection"') >= 2
    points = wall.report_points(pd.DataFrame({"lat": [-4.5555555], "lon": [136.8888888], "category_code": ["jalan"]}))
    feature = points["features"][0]
    assert feature["properties"] == {"category": "jalan"}
    assert feature["geometry"]["coordinates"] == [136.889, -4.556]


# ---- map classes, legend and OPD workload ------------------------------------------------------------------------


def _legend_texts(children) -> list[str]:
    """The texts of the legend's items, in order (class ranges, "no data", the clusters)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if "legend-item" in str(props.get("className", "")):
                spans = [c for c in props.get("children", []) if isinstance(c, dict)]
                found.append(str(spans[-1]["props"].get("children")))
                return
            walk(props.get("children"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(json.loads(_json(children)))
    return found


def test_class_edges_stay_put_when_reports_arrive_within_the_day(make_store, workcal):
    """Reports arriving during the WIT day change districts' counts but not the map's class edges or legend; the
    next day's first refresh takes new edges. (Quantile edges of the new data would have moved: the test can fail.)"""
    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter
    from demo.seed import DemoConfig, seed_demo

    engine = make_store("sqlite")
    seed_demo(engine, workcal, DemoConfig(seed=3, days=30, per_day=25.0, now=NOW))
    clock = [NOW]
    app, query_cache = get_app(_url(engine), clock=lambda: clock[0])
    first = _props(tick(app))
    edges = first[wall.DISTRICTS]["hideout"]["breaks"]
    legend_before = _legend_texts(first[wall.LEGEND]["children"])
    with Session(engine) as session, session.begin():  # a busy morning in the small districts
        writer = ReportWriter(engine, workcal)
        for i, code in enumerate(("94.04.02", "94.04.05", "94.04.06", "94.04.14", "94.04.17", "94.04.18")):
            for j in range(25 + 10 * i):
                writer.create(session, category_code="jalan", title=f"Uji kelas {code} {j}", district_code=code,
                              created_at=NOW + timedelta(minutes=30 + j))
    clock[0] = NOW + timedelta(hours=3)  # 12:30 WIT, the same WIT day
    later = _props(tick(app, state=first[wall.STATE]["data"], n=2))
    hideout = later[wall.DISTRICTS]["hideout"]
    assert hideout["values"] != first[wall.DISTRICTS]["hideout"]["values"]  # the counts did change
    assert hideout["breaks"] == edges
    assert _legend_texts(later[wall.LEGEND]["children"]) == legend_before
    districts = reports_by_district(engine, Filters(), Scope.wall(), clock[0])
    assert wall.class_edges(districts, "open", clock[0], 14) != edges  # fresh edges would have moved
    clock[0] = NOW + timedelta(days=1)
    next_day = _props(tick(app, n=3))  # a screen opened the next day
    assert next_day[wall.DISTRICTS]["hideout"]["breaks"] == wall.class_edges(
        reports_by_district(engine, Filters(), Scope.wall(), query_day_start(clock[0])), "open",
        query_day_start(clock[0]), 14)


def query_day_start(moment):
    from callbacks.wall import day_start

    return day_start(moment)


def test_legend_has_every_mark_and_classes_never_share_an_edge(wall_app):
    """The wall's legend: one entry per class with ranges that do not touch ("0", "1–4", "5–14", "≥ 15"),
    "tidak ada data", and the recent reports (a dot) and their clusters (a disc with their number)."""
    app, _ = wall_app
    props = _props(tick(app))
    texts = _legend_texts(props[wall.LEGEND]["children"])
    edges = props[wall.DISTRICTS]["hideout"]["breaks"]
    assert len(texts) == len(edges) + 3
    assert texts[0] == "0" and texts[-4].startswith("≥ ")
    assert texts[-3] == "tidak ada data" and "24 jam" in texts[-2] and "n laporan" in texts[-1]
    highs = [int(text.split("–")[1].replace(".", "")) for text in texts[1:-4]]
    lows = [int(text.split("–")[0].replace(".", "")) for text in texts[1:-4]] + [
        int(texts[-4][2:].replace(".", ""))]
    assert len(highs) >= 2, texts  # classes with a range on both sides of an edge, so the check below has work
    assert all(high + 1 == low for high, low in zip(highs, lows[1:], strict=False)), texts


def test_every_district_value_falls_in_the_class_its_colour_says(seeded):
    """Each district's palette index is that of the class whose range holds its value as shown."""
    districts = reports_by_district(seeded, Filters(), Scope.wall(), NOW)
    for measure in ("open", "per_10k", "median_response"):
        hideout = wall.map_hideout(districts, measure, NOW, 14)
        edges, step = hideout["breaks"], wall.measure_step(measure)
        shown_values = {code: value for code, value in hideout["values"].items() if value is not None}
        assert len(shown_values) >= 10, (measure, hideout["values"])  # the classes are checked on real values
        for code, value in shown_values.items():
            shown = round(value / step) * step
            cls = max(i for i, edge in enumerate(edges) if edge <= shown + step / 1000)
            assert hideout[code] == wall._palette_index(cls, len(edges)), (measure, code, value, edges)


def test_opd_workload_panel_lists_by_backlog_and_says_how_many_are_left_out():
    """Beban OPD shows the six largest backlogs (not the most overdue), largest on top, and "+N OPD lainnya"."""
    workload = pd.DataFrame({
        "opd_code": [f"O{i:02d}" for i in range(14)], "short_name": [f"OPD {i}" for i in range(14)],
        "backlog": [5, 80, 3, 60, 0, 40, 30, 20, 10, 9, 8, 7, 6, 1],
        "overdue": [50, 1, 40, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0],
        **{col: [0] * 14 for col in wall.AGE_COLUMNS},
    })
    workload["age_14p"] = workload["backlog"]
    figure = wall.opd_backlog_figure(workload.sort_values("overdue", ascending=False), "id")
    shown = [label.strip() for label in figure["data"][0]["y"]][::-1]  # top of the chart first
    assert shown == ["OPD 1", "OPD 3", "OPD 5", "OPD 6", "OPD 7", "OPD 8"]
    assert figure["layout"]["xaxis"]["title"]["text"] == "+7 OPD lainnya"  # 13 with a backlog, 6 shown
    english = wall.opd_backlog_figure(workload, "en")
    assert english["layout"]["xaxis"]["title"]["text"] == "+7 more OPDs"


def test_every_opd_panel_shows_the_same_top_six_and_says_how_many_more():
    """Fewer items rather than small type: the overdue, backlog and flow panels each show six OPDs and "+N"."""
    n = 9
    workload = pd.DataFrame({
        "opd_code": [f"O{i}" for i in range(n)], "short_name": [f"OPD {i}" for i in range(n)],
        "backlog": list(range(10, 10 + n)), "overdue": list(range(n)), "inflow": list(range(1, n + 1)),
        "closed": [0] * n, **{col: [1] * n for col in wall.AGE_COLUMNS},
    })
    overdue = pd.DataFrame({"opd_code": [f"O{i}" for i in range(n)], "short_name": [f"OPD {i}" for i in range(n)],
                            "bucket": ["<1 hari"] * n, "reports": list(range(1, n + 1))})
    figures = [wall.sla_overdue_figure(overdue, ("<1 hari", "1-3 hari"), "id"), wall.opd_backlog_figure(workload, "id"),
               wall.opd_flow_figure(workload, "id")]
    for figure in figures:
        assert len(figure["data"][0]["y"]) == wall.TOP_OPDS == 6
        assert figure["layout"]["xaxis"]["title"]["text"] == f"+{n - 6} OPD lainnya"


def test_age_and_lateness_palettes_share_no_colour():
    """One palette for age, one for lateness: no colour means both."""
    from layouts import theme

    assert not {c.lower() for c in theme.AGE_COLOURS} & {c.lower() for c in theme.OVERDUE_COLOURS}


def test_remote_mark_is_explained_on_the_wall_and_long_names_keep_their_size(seeded):
    """The ◆ on remote tiles (the briefing's mark) has its key on the wall; Tembagapura gets soft hyphens at its
    syllables, not a smaller font."""
    page = _json(wall.layout(display_geojson={"type": "FeatureCollection", "features": []}).to_plotly_json())
    assert wall.TILES_KEY in page and "\\u25c6" in page and "terpencil" in page
    tiles = wall.tilegrid(reports_by_district(seeded, Filters(), Scope.wall(), NOW), "open", NOW, 14, "id")
    text = _json([tile.to_plotly_json() for tile in tiles])
    assert "▲" not in text and "tile-name-long" not in text
    assert "Temba\\u00adga\\u00adpura" in text
