"""The wall's refresh: ask the store's version first; only when it changed, run the queries and rebuild.

One interval tick → one cheap ``Store.version()``. Unchanged version (and unchanged staleness) → every output
is ``no_update`` (Dash answers 204). Store unreachable → keep the last numbers, show the stale banner; the next
tick that reaches the store recovers by itself.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dash
from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks.map_data import MapData
from callbacks.page_data import reference
from callbacks.viewer import current_viewer
from core.bounded import clamped_int
from core.i18n import WIT, language
from core.settings import Settings
from data_access.accounts import Viewer
from data_access.queries import (
    breaches_over_time,
    headline_kpis,
    newest_reports,
    opd_workload,
    overdue_by_opd,
    recent_report_points,
    reports_by_district,
)
from data_access.queries.cache import NOW_BUCKET_SECONDS, QueryCache
from data_access.queries.equity import location_equity
from data_access.queries.sla_breaches import OVERDUE_BUCKETS
from data_access.queries.surges import surge_alerts
from data_access.queries.targets import measure_targets, target_map
from data_access.rulebook.scope import Filters, Scope
from data_access.store.engine import StoreUnavailable
from data_access.store.heartbeat import staleness
from layouts import equity, wall

log = logging.getLogger(__name__)
KIOSK = Viewer("wall", "kiosk")  # the wall as a kiosk sees it: warmed ahead, shared by every all-OPD viewer
MIN_DWELL, MAX_DWELL = 5, 3600  # seconds a rotating wall shows each panel
TICKER_REPORTS = 12
RECENT_POINTS = 300  # newest reports drawn as clustered points (the ticker shows the first few)

OUTPUTS = (
    *[(kpi_id, "children") for kpi_id in wall.KPI_IDS],
    *[(wall.kpi_tile_id(kpi_id), "className") for kpi_id in wall.KPI_IDS],
    *[(wall.kpi_target_id(kpi_id), "children") for kpi_id in wall.KPI_IDS],
    *[(wall.kpi_change_id(kpi_id), "children") for kpi_id in wall.KPI_IDS],
    (wall.KPI_RESPONSE_SAMPLE, "children"),
    (wall.DISTRICTS, "hideout"),
    (wall.POINTS, "data"),
    (wall.LEGEND, "children"),
    (wall.TILEGRID, "children"),
    (wall.FIGURES, "data"),
    (wall.TICKER, "children"),
    (wall.EQUITY, "children"),
    (wall.DATA_TIME, "children"),
    (wall.SURGE, "children"),
    (wall.SURGE, "hidden"),
    (wall.STALE, "children"),
    (wall.STALE, "hidden"),
    (wall.STATE, "data"),
)
INDEX = {output: i for i, output in enumerate(OUTPUTS)}


@dataclass(frozen=True)
class WallQueries:
    """What one refresh read from the store (all small DataFrames)."""

    kpis: object
    districts: object
    overdue: object
    breaches: object
    workload: object
    newest: object
    points: object
    targets: object  # measure_targets: the view's target per figure
    before: dict  # headline_kpis a day ("day") and a week ("week") back, at the same moment
    surges: object

    equity: object


def _parse(moment: object) -> datetime | None:
    """An aware time from the screen's state; None for anything else (the browser can send anything)."""
    if not isinstance(moment, str) or len(moment) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _screen_state(state: object) -> dict:
    """The screen's remembered state, kept only when it has the shape the wall gave it."""
    if not isinstance(state, dict):
        return {}
    return {k: v for k, v in state.items() if k in ("version", "newest", "last_good", "stale", "built")
            and (v is None or isinstance(v, str)) and (v is None or len(v) < 200)}


def _screen_config(config: object) -> dict:
    if not isinstance(config, dict):
        return {}
    return {k: config[k] for k in ("lang", "measure") if isinstance(config.get(k), str)}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def wall_scope(scope: Scope) -> Scope:
    """The wall never shows personal data: every viewer who sees all OPDs shares the one wall (and its cache);
    an OPD user's wall shows their OPDs."""
    if scope.opds is None:
        return Scope.wall()
    return Scope(scope.opds, False, "wall|" + scope.name, public=True)


def run_queries(query_cache: QueryCache, version: str, now: datetime, settings: Settings,
                scope: Scope | None = None) -> WallQueries:
    filters, scope = Filters(), scope or Scope.wall()

    def q(fn, **kw):
        return query_cache.query(fn, filters, scope, version, now, **kw)

    at_risk = timedelta(hours=settings.at_risk_hours)

    def back(days: int):  # the same figures at the same moment ``days`` ago, the state then from the timeline
        return query_cache.query(headline_kpis, filters, scope, version, now - timedelta(days=days),
                                 at_risk_window=at_risk, past=True)

    return WallQueries(
        kpis=q(headline_kpis, at_risk_window=at_risk),
        districts=q(reports_by_district, last_seen_days=settings.no_data_days + 1),
        overdue=q(overdue_by_opd),
        breaches=q(breaches_over_time, days=28),
        workload=q(opd_workload, days=7),
        newest=q(newest_reports, limit=TICKER_REPORTS),
        points=q(recent_report_points, hours=24, limit=RECENT_POINTS),
        targets=q(measure_targets),
        before={label: back(days) for label, days in wall.CHANGE_BACK},
        surges=q(surge_alerts),

        equity=q(location_equity),
    )


def newest_report_time(newest) -> datetime | None:
    if newest is None or newest.empty:
        return None
    value = newest["created_at"].iloc[0]
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _stale_reason(query_cache: QueryCache, newest: datetime | None, now: datetime, settings: Settings) -> str | None:
    """None, "old" or "pipeline" (data_access/store/heartbeat.py): a quiet night whose writers still beat is not stale.
    The heartbeat is asked only when the newest report is older than the threshold, once a minute for all."""
    return staleness(newest, lambda: query_cache.pipeline_beat(now), now,
                     timedelta(minutes=settings.stale_after_minutes))[0]


def refresh(query_cache: QueryCache, settings: Settings, state: dict | None, config: dict | None,
            viewer: Viewer | None = None) -> list:
    """One tick for ``viewer`` (the wall's own kiosk scope when None). A value (or ``no_update``) per OUTPUTS."""
    viewer = viewer or KIOSK
    scope = wall_scope(viewer.scope())
    state = _screen_state(state)
    config = _screen_config(config)
    lang = language(config.get("lang"), settings.language)
    measure = wall.measure_key(config.get("measure"))
    out: list = [no_update] * len(OUTPUTS)
    now = query_cache.now()
    newest = _parse(state.get("newest"))
    last_good = _parse(state.get("last_good"))

    def banner(reason: str | None) -> None:
        out[INDEX[(wall.STALE, "hidden")]] = reason is None
        out[INDEX[(wall.STALE, "children")]] = "" if reason is None else wall.stale_text(reason, newest, last_good,
                                                                                            lang)
        out[INDEX[(wall.STATE, "data")]] = {**state, "stale": reason}

    if viewer.role == "kiosk_revoked":  # say so on the screen instead of going blank or showing an error
        if state.get("stale") != "revoked":
            for index, output in enumerate(OUTPUTS):
                if output[1] == "children" and output[0] in (*wall.KPI_IDS, wall.KPI_RESPONSE_SAMPLE):
                    out[index] = "–"
            for kpi_id in wall.KPI_IDS:  # no target judged on numbers the screen no longer shows
                out[INDEX[(wall.kpi_tile_id(kpi_id), "className")]] = "kpi kpi-plain"
                out[INDEX[(wall.kpi_target_id(kpi_id), "children")]] = ""
                out[INDEX[(wall.kpi_change_id(kpi_id), "children")]] = ""
            out[INDEX[(wall.TICKER, "children")]] = []  # single reports leave the screen with its access
            out[INDEX[(wall.SURGE, "children")]], out[INDEX[(wall.SURGE, "hidden")]] = [], True
            banner("revoked")
            out[INDEX[(wall.STATE, "data")]] = {"stale": "revoked"}
        return out
    try:
        version = query_cache.version()
        # A new WIT day is a change too: "new today" and the day's class edges must turn over at midnight even
        # when nothing arrives (at Mimika's volume the first report of the day may come hours later).
        if version == state.get("version") and _same_wit_day(_parse(state.get("built")), now):
            reason = _stale_reason(query_cache, newest, now, settings)
            if reason == state.get("stale"):
                return out  # nothing changed: Dash answers 204
            banner(reason)
            return out
        # Every screen on the same version, minute, language and measure gets the same panels: built once.
        # Not built yet: a screen that shows older panels than the newest built (or none yet) gets those at once;
        # one already showing the newest builds the current ones, or, while another screen or the warmer builds
        # them, keeps what it shows (204) and asks again next tick — never queued behind the query set. A build can
        # take longer than the time between store changes: a screen that took only the current version's panels
        # would get 204s ("nothing new", so a blank wall) until one build caught up.
        panels = cached_panels(query_cache, version, now, lang, measure, scope)
        if panels is None:
            newest = query_cache.recall(_newest_key(lang, measure, scope))
            if newest is not None and newest["built_for"] > (state.get("built") or "") and _fresh(newest, now):
                panels, version = newest, newest["version"]  # newer than what the screen shows: at once
            else:
                panels = wall_panels(query_cache, settings, version, now, lang, measure, scope, wait=False)
                if panels is None:
                    return out
    except StoreUnavailable as exc:
        log.warning("wall: store unavailable: %s", exc)
        if state.get("stale") == "unavailable":
            return out
        banner("unavailable")
        return out

    newest = _parse(panels["newest"])
    last_good = now
    state = {"version": version, "newest": panels["newest"], "last_good": _iso(now), "built": panels["built_for"]}
    for index, value in panels["outputs"].items():
        out[index] = value
    try:
        reason = _stale_reason(query_cache, newest, now, settings)
    except StoreUnavailable:  # gone since the panels were read: they are shown, the banner says so
        reason = "unavailable"
    banner(reason)
    return out


def panels_key(query_cache: QueryCache, version: str, now: datetime, lang: str, measure: str, scope: Scope,
               minute: int | None = None) -> tuple:
    return ("wall-panels", version, query_cache.minute(now) if minute is None else minute, lang, measure,
            scope.cache_key())


def cached_panels(query_cache: QueryCache, version: str, now: datetime, lang: str, measure: str, scope: Scope):
    """The panels of ``version`` built this minute or the one before, or None.

    A screen that reaches a new version only after the minute turned (it was busy, or the warmer was) shows what
    the others show instead of running the query set again for the new minute, so that a store change costs one
    query set however late some screens are. Screens on an unchanged version keep their panels for longer than
    that anyway (the 204 path).
    """
    minute = query_cache.minute(now)
    for bucket in (minute, minute - 1):
        if bucket != minute and not _same_wit_day(datetime.fromtimestamp(bucket * NOW_BUCKET_SECONDS, UTC), now):
            break  # 23:59's panels are yesterday's: "new today" and the class edges turn over at midnight
        panels = query_cache.peek(panels_key(query_cache, version, now, lang, measure, scope, bucket))
        if panels is not None:
            return panels
    return None


# The newest built panels stand in for the current ones only while they are this fresh: a screen opened after a
# quiet night (or the next WIT day, with its new class edges) waits for the current build instead.
NEWEST_PANELS_MAX_AGE = timedelta(minutes=2)


def _same_wit_day(built: datetime | None, now: datetime) -> bool:
    return built is not None and built.astimezone(WIT).date() == now.astimezone(WIT).date()


def _fresh(panels: dict, now: datetime) -> bool:
    built = _parse(panels.get("built_for"))
    return built is not None and built >= now - NEWEST_PANELS_MAX_AGE and _same_wit_day(built, now)


def _newest_key(lang: str, measure: str, scope: Scope) -> tuple:
    return ("wall-panels-newest", lang, measure, scope.cache_key())


def wall_panels(query_cache: QueryCache, settings: Settings, version: str, now: datetime, lang: str, measure: str,
                scope: Scope, *, wait: bool = True) -> dict | None:
    """The panels of ``version`` at ``now``'s minute, built once (single flight); None when ``wait`` is False and
    someone else is building them. Each build is also kept as the newest for its language, measure and scope
    (with its version and time), for screens to show while the next one is built."""
    def build() -> dict:
        panels = {**build_panels(query_cache, settings, version, now, lang, measure, scope), "version": version,
                  "built_for": _iso(now)}
        newest = query_cache.recall(_newest_key(lang, measure, scope))
        if newest is None or newest["built_for"] <= panels["built_for"]:  # two builds at once: the later clock wins
            query_cache.remember(_newest_key(lang, measure, scope), panels)
        return panels

    # One build at a time per wall (language, measure, scope), whatever its version: when the store changes faster
    # than the panels build, screens that each started the build of "their" version would run many builds at once
    # and none would finish; instead they take the newest built and wait for one build.
    return query_cache.memo(panels_key(query_cache, version, now, lang, measure, scope), build, wait=wait,
                            lock_key=("wall-panels-build", lang, measure, scope.cache_key()))


def day_start(now: datetime) -> datetime:
    """00:00 WIT of ``now``'s WIT day, in UTC."""
    local = now.astimezone(WIT)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def day_class_edges(query_cache: QueryCache, settings: Settings, now: datetime, measure: str,
                    scope: Scope | None = None) -> list[float]:
    """The map's class edges for ``measure``, fixed for the WIT day: computed once, at the day's first refresh,
    from the store as seen at 00:00 WIT, and kept (QueryCache.keep), so every refresh and every screen of the day
    colours by the same edges and a district changes colour only when its own count crosses one. Values that grow
    past the last edge during the day still have a class: the top class is open-ended ("≥ 40")."""
    scope = scope or Scope.wall()
    start = day_start(now)

    def compute() -> list[float]:
        # The version is the day, not the store's: reports arriving during the day never move the edges.
        districts = query_cache.query(reports_by_district, Filters(), scope, f"day:{start.date().isoformat()}",
                                      start, last_seen_days=settings.no_data_days + 1)
        return wall.class_edges(districts, measure, start, settings.no_data_days)

    return list(query_cache.keep(("wall-class-edges", start.isoformat(), measure, scope.cache_key()), compute))


def build_panels(query_cache: QueryCache, settings: Settings, version: str, now: datetime, lang: str,
                 measure: str, scope: Scope | None = None) -> dict:
    """Queries and builders for one version: {"outputs": {output index: value}, "newest": ISO time}."""
    data = run_queries(query_cache, version, now, settings, scope)
    newest = newest_report_time(data.newest)
    out: dict[int, object] = {}
    texts = wall.kpi_texts(data.kpis, lang)
    for kpi_id in (*wall.KPI_IDS, wall.KPI_RESPONSE_SAMPLE):
        out[INDEX[(kpi_id, "children")]] = texts[kpi_id]
    tiles = wall.kpi_tiles(data.kpis, target_map(data.targets), data.before, lang)
    for kpi_id in wall.KPI_IDS:
        out[INDEX[(wall.kpi_tile_id(kpi_id), "className")]] = tiles[wall.kpi_tile_id(kpi_id)]
        for element in (wall.kpi_target_id(kpi_id), wall.kpi_change_id(kpi_id)):
            out[INDEX[(element, "children")]] = tiles[element]
    edges = day_class_edges(query_cache, settings, now, measure, scope)
    hideout = wall.map_hideout(data.districts, measure, now, settings.no_data_days, edges)
    out[INDEX[(wall.DISTRICTS, "hideout")]] = hideout
    out[INDEX[(wall.POINTS, "data")]] = wall.report_points(data.points, now)
    out[INDEX[(wall.LEGEND, "children")]] = wall.legend(hideout, measure, lang, points=True)
    out[INDEX[(wall.TILEGRID, "children")]] = wall.tilegrid(data.districts, measure, now, settings.no_data_days,
                                                            lang, hideout)
    out[INDEX[(wall.FIGURES, "data")]] = {
        wall.SLA_OVERDUE: wall.sla_overdue_figure(data.overdue, OVERDUE_BUCKETS, lang),
        wall.SLA_TREND: wall.breach_trend_figure(data.breaches, now, lang),
        wall.OPD_BACKLOG: wall.opd_backlog_figure(data.workload, lang),
        wall.OPD_FLOW: wall.opd_flow_figure(data.workload, lang),
    }
    out[INDEX[(wall.TICKER, "children")]] = wall.ticker(data.newest, lang, now=now)
    out[INDEX[(wall.EQUITY, "children")]] = equity.wall_band(data.equity, lang)
    out[INDEX[(wall.DATA_TIME, "children")]] = wall.data_time_text(newest, lang)
    surge_children, surge_hidden = wall.surge_banner(data.surges, lang)
    out[INDEX[(wall.SURGE, "children")]] = surge_children
    out[INDEX[(wall.SURGE, "hidden")]] = surge_hidden
    return {"outputs": out, "newest": _iso(newest)}


def warm_once(query_cache: QueryCache, settings: Settings, lang: str | None = None, measure: str | None = None) -> bool:
    """Build the panels of the current version and minute unless cached. False when the store is away."""
    lang = language(lang, settings.language)
    measure = wall.measure_key(measure)
    now = query_cache.now()
    try:
        version = query_cache.version()
        scope = Scope.wall()
        if cached_panels(query_cache, version, now, lang, measure, scope) is None:
            wall_panels(query_cache, settings, version, now, lang, measure, scope)
    except StoreUnavailable:
        return False
    return True


def warm_turn(query_cache: QueryCache) -> tuple[str, date]:
    """What calls for new panels: a new store version, or a new WIT day (see refresh); a new minute alone not."""
    return query_cache.version(), query_cache.now().astimezone(WIT).date()


def start_warmer(query_cache: QueryCache, settings: Settings, interval_seconds: float = 1.0) -> threading.Thread:
    """Keep the default wall's panels built ahead of the screens, so a store change or a new minute costs the
    screens a cache read instead of waiting for the query set."""
    stop = threading.Event()

    def loop() -> None:
        warmed = None
        while not stop.is_set():
            try:
                turn = warm_turn(query_cache)
                if turn != warmed and warm_once(query_cache, settings):
                    warmed = turn
            except StoreUnavailable:
                pass
            except Exception as exc:  # never let the warmer die; the screens still compute for themselves
                log.warning("wall warmer: %s", exc)
            stop.wait(interval_seconds)

    thread = threading.Thread(target=loop, name="mimika-wall-warmer", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def _first(value) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def wall_layout_factory(query_cache: QueryCache, settings: Settings):
    """The wall's layout function: URL options (language, measure, rotation) in, the empty wall out."""
    map_data = MapData(settings)

    def wall_layout(**query):
        rotate = tuple(g.strip() for g in (_first(query.get("rotate")) or "").split(",") if g.strip())[:8]
        # JavaScript's setInterval overflows past 2^31 ms: a panel shows 5 s to 1 h, and the wall shows the value
        dwell = clamped_int(_first(query.get("dwell")), MIN_DWELL, MAX_DWELL, 30)
        points = labels = None
        try:
            lists = reference(query_cache)
            points, labels = map_data.points(lists), map_data.label_points(lists)
        except StoreUnavailable:
            pass  # the stale banner says why; the first refresh that reaches the store fills the rest
        return wall.layout(
            lang=language(_first(query.get("lang")), settings.language),
            measure=wall.measure_key(_first(query.get("measure"))),
            display_geojson=map_data.geojson, district_points=points, refresh_seconds=settings.refresh_seconds,
            soft_reload_hours=settings.soft_reload_hours, tile_url=settings.tile_url, rotate=rotate,
            dwell_seconds=dwell, spotlight=(_first(query.get("spotlight")) or "") in ("1", "true", "ya", "yes"),
            label_points=labels,
        )

    return wall_layout


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    wall_layout = wall_layout_factory(query_cache, settings)
    dash.register_page("wall", path="/wall", layout=wall_layout, title="Mimika Center · Wall")
    # The front page is the wall: the video wall opens the bare address.
    dash.register_page("home", path="/", layout=wall_layout, title="Mimika Center")

    @app.callback(
        [Output(component, prop) for component, prop in OUTPUTS],
        Input(wall.INTERVAL, "n_intervals"),
        State(wall.STATE, "data"),
        State(wall.LOCATION_CONFIG, "data"),
    )
    def refresh_wall(_n_intervals, state, config):
        result = refresh(query_cache, settings, state, config, current_viewer())
        if all(value is no_update for value in result):
            raise PreventUpdate  # nothing changed: an empty 204 instead of a body of no_updates
        return result

    # Figures are built at a 1920-pixel base and scaled to the screen in the browser (assets/wall.js).
    # The map's view is fitted to the regency again once the page has its final size (a no-op afterwards), and
    # the clusters' radius follows the screen's scale, so clusters never overlap whatever the canvas.
    app.clientside_callback(
        "function(figs) { return window.mimika.scaleFigures(figs, " + json.dumps(list(wall.GRAPHS)) + ")"
        ".concat([window.mimika.fitMap(" + json.dumps(wall.MIMIKA_BOUNDS) + "), "
        "window.mimika.clusterOptions(" + json.dumps(wall.CLUSTER_RADIUS) + ")]); }",
        [Output(graph, "figure") for graph in wall.GRAPHS] + [Output(wall.MAP, "viewport"),
                                                             Output(wall.POINTS, "superClusterOptions")],
        Input(wall.FIGURES, "data"),
        prevent_initial_call=True,
    )
