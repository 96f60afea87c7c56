"""Who sees what: the visibility matrix (role × page, callback, export) through the real app and its guard, on
SQLite and PostgreSQL, with crafted callback requests; personal data only where the scope allows, and logged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import and_, func, select

from data_access import accounts
from data_access.queries import headline_kpis
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import AccessLog, Report, Reporter
from layouts import opd as opd_page
from layouts import report as report_page
from layouts import wall
from tests.support import NOW
from tests.support.dash_app import callback_body, client_as, get_app, raw_post, url


@pytest.fixture(autouse=True)
def _fresh_pages():
    """One app serves the whole module (logging in every role once): its pages stay registered throughout."""
    yield


@pytest.fixture(scope="module")
def world(seeded):
    """One app on the seeded store, a logged-in client per role, and a report of PUPR with a named reporter."""
    import dash

    dash.page_registry.clear()
    app, query_cache = get_app(url(seeded))
    engine = query_cache.engine
    clients = {"anonymous": app.server.test_client()}
    for role in ("pimpinan", "operator", "admin"):
        clients[role] = client_as(app, role)
    clients["opd"] = client_as(app, "opd", ("PUPR",))
    for role, name in (("kiosk", "matrix-wall"), ("revoked", "matrix-revoked")):
        token = accounts.KIOSKS.replace(engine, name)
        clients[role] = app.server.test_client()
        clients[role].set_cookie("mimika_kiosk", token)
    accounts.KIOSKS.revoke(engine, "matrix-revoked")
    with engine.connect() as conn:
        report_id = conn.execute(select(Report.id).join(Reporter, Reporter.id == Report.reporter_id).where(
            Report.opd_code == "PUPR", Report.anonymous.is_(False), Reporter.name.is_not(None),
            Reporter.phone.is_not(None)).order_by(Report.id).limit(1)).scalar_one()
        reporter = conn.execute(select(Reporter.name, Reporter.phone).join(
            Report, Report.reporter_id == Reporter.id).where(Report.id == report_id)).one()
        secrets = [row for pair in conn.execute(select(Reporter.name, Reporter.phone)).all() for row in pair if row]
    yield {"app": app, "engine": engine, "clients": clients, "report_id": report_id, "reporter": reporter,
           "secrets": secrets}
    dash.page_registry.clear()


def page_status(world, role: str, path: str) -> tuple[int, str]:
    response = world["clients"][role].get(path)
    return response.status_code, response.headers.get("Location", "")


# role → path → (status, where a redirect goes, or "")
PAGES = {
    "anonymous": {"/wall": (302, "/login"), "/briefing": (302, "/login"), "/opd/PUPR": (302, "/login"),
                  "/login": (200, ""), "/_dash-layout": (401, ""), "/_dash-dependencies": (401, ""),
                  "/publik": (200, ""), "/publik/data.csv": (200, ""), "/publik/data.json": (200, ""),
                  "/publik/lapor": (200, ""), "/publik/lacak": (200, ""), "/publik/lacak?token=x": (404, ""),
                  "/publikasi": (302, "/login"), "/publik.evil": (302, "/login")},  # issue #23 item 4's class
    "kiosk": {"/wall": (200, ""), "/": (200, ""), "/briefing": (302, "/wall"), "/opd/PUPR": (302, "/wall"),
              "/_dash-layout": (200, ""), "/publik": (200, ""), "/publikasi": (302, "/wall"),
              "/publik/lapor": (200, ""), "/publik/lacak": (200, "")},
    "revoked": {"/wall": (403, ""), "/briefing": (403, "")},
    "pimpinan": {"/wall": (200, ""), "/briefing": (200, ""), "/opd/DINKES": (200, ""), "/sla": (200, "")},
    "opd": {"/opd/PUPR": (200, ""), "/briefing": (200, ""), "/wall": (200, "")},
}
PAGE_CASES = [(role, path, *want) for role, paths in PAGES.items() for path, want in paths.items()]


@pytest.mark.parametrize(("role", "path", "status", "location"), PAGE_CASES)
def test_pages_answer_each_role_as_the_matrix_says(world, role, path, status, location):
    """Pages: anonymous visitors go to /login, Dash's own routes answer 401, a kiosk sees the wall only."""
    got_status, got_location = page_status(world, role, path)
    assert got_status == status
    if location:
        assert got_location.startswith(location)


def routing(world, role: str, pathname: str):
    """The Dash pages routing callback, as the browser asks it to render ``pathname``."""
    body = callback_body(world["app"], "_pages_content.children",
                         {"_pages_location.pathname": pathname, "_pages_location.search": ""})
    return raw_post(world["clients"][role], body)


@pytest.mark.parametrize(("role", "pathname", "status", "contains"), [
    ("anonymous", "/wall", 401, ""),
    ("kiosk", "/wall", 200, wall.ROOT),
    ("kiosk", "/briefing", 403, ""),
    ("kiosk", "/opd/PUPR", 403, ""),
    ("opd", "/opd/PUPR", 200, opd_page.GRID),
    ("opd", "/opd/DINKES", 200, "opd-not-yours"),
    ("pimpinan", "/opd/DINKES", 200, opd_page.GRID),
])
def test_page_routing_callback_is_guarded(world, role, pathname, status, contains):
    """Crafted routing requests: a kiosk cannot render another page, an OPD user gets "bukan OPD Anda"."""
    response = routing(world, role, pathname)
    assert response.status_code == status
    if contains:
        assert contains in response.get_data(as_text=True)
    if pathname == "/opd/DINKES" and role == "opd":
        assert opd_page.GRID not in response.get_data(as_text=True)


def opd_detail(world, role: str, code: str):
    body = callback_body(world["app"], f"{opd_page.TILES}.children",
                         {f"{opd_page.CONFIG}.data": {"code": code, "query": {}, "lang": "id"},
                          f"{opd_page.INTERVAL}.n_intervals": 0})
    return raw_post(world["clients"][role], body)


def test_opd_user_crafting_another_opds_code_gets_no_rows(world):
    """An OPD user's callback naming DINKES: the "bukan OPD Anda" message and an empty grid, never its rows."""
    response = opd_detail(world, "opd", "DINKES")
    assert response.status_code == 200
    out = response.get_json()["response"]
    assert "Bukan OPD Anda" in json.dumps(out[opd_page.TILES])
    assert out[opd_page.GRID]["rowData"] == []


def test_opd_user_sees_their_own_opd(world):
    """The same callback for PUPR fills the grid with PUPR's reports only."""
    out = opd_detail(world, "opd", "PUPR").get_json()["response"]
    ids = [row["id"] for row in out[opd_page.GRID]["rowData"]]
    with world["engine"].connect() as conn:
        holders = set(conn.execute(select(Report.opd_code).where(Report.id.in_(ids))).scalars())
    assert ids and holders == {"PUPR"}


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("kiosk", 403), ("opd", 200), ("pimpinan", 200)])
def test_opd_callbacks_answer_by_role(world, role, status):
    """The OPD page's callback: login required, never for a kiosk."""
    assert opd_detail(world, role, "PUPR").status_code == status


def export(world, role: str, code: str):
    body = callback_body(world["app"], f"{opd_page.DOWNLOAD}.data",
                         {f"{opd_page.EXPORT_CSV}.n_clicks": 1, f"{opd_page.EXPORT_XLSX}.n_clicks": 0},
                         {f"{opd_page.CONFIG}.data": {"code": code, "query": {}, "lang": "id"}},
                         triggered=f"{opd_page.EXPORT_CSV}.n_clicks")
    return raw_post(world["clients"][role], body)


def test_exports_follow_the_scope(world):
    """An OPD user's crafted export of another OPD gives nothing; their own gives a file; each export is logged."""
    def logged() -> int:
        with world["engine"].connect() as conn:
            return conn.execute(select(func.count()).select_from(AccessLog).where(
                AccessLog.actor == "test-opd-pupr", AccessLog.action == "export", AccessLog.target == "opd:PUPR")
            ).scalar_one()

    before = logged()
    assert export(world, "opd", "DINKES").status_code == 204
    response = export(world, "opd", "PUPR")
    assert response.status_code == 200
    assert "mimika_pupr_laporan.csv" in response.get_data(as_text=True)
    assert export(world, "kiosk", "PUPR").status_code == 403
    assert logged() == before + 1  # this export, once (the module's other tests may have exported before)


def tick(world, role: str):
    key = next(k for k in world["app"].callback_map if f"{wall.KPI_IDS[1]}.children" in k)
    spec = world["app"].callback_map[key]
    body = callback_body(world["app"], key, {f"{wall.INTERVAL}.n_intervals": 1},
                         {f"{wall.STATE}.data": None, f"{wall.LOCATION_CONFIG}.data": {"lang": "id"}})
    assert body["output"] == key and spec
    return raw_post(world["clients"][role], body)


def test_wall_refresh_in_each_scope(world):
    """The wall refresh: a kiosk and the Bupati see every OPD, an OPD user only theirs, anonymous nobody."""
    assert tick(world, "anonymous").status_code == 401
    every = tick(world, "kiosk").get_json()["response"]
    assert tick(world, "pimpinan").get_json()["response"][wall.KPI_IDS[1]] == every[wall.KPI_IDS[1]]
    mine = tick(world, "opd").get_json()["response"]
    pupr_open = int(headline_kpis(world["engine"], Filters(), Scope.opd_head("PUPR"), NOW)["open"].iloc[0])
    all_open = int(headline_kpis(world["engine"], Filters(), Scope.wall(), NOW)["open"].iloc[0])
    assert pupr_open < all_open
    assert mine[wall.KPI_IDS[1]]["children"].replace(".", "") == str(pupr_open)


def test_revoked_kiosk_says_access_revoked_instead_of_going_blank(world):
    """A revoked screen's next refresh answers 200 with the "akses dicabut" banner, not an error page."""
    response = tick(world, "revoked")
    assert response.status_code == 200
    out = response.get_json()["response"]
    assert out[wall.STALE]["hidden"] is False
    assert "Akses dicabut" in out[wall.STALE]["children"]


def report(world, role: str):
    body = callback_body(world["app"], f"{report_page.BODY}.children",
                         {f"{report_page.CONFIG}.data": {"id": str(world["report_id"]), "lang": "id"}})
    return raw_post(world["clients"][role], body)


@pytest.mark.parametrize(("role", "sees_contact"), [("pimpinan", False), ("operator", True), ("admin", True),
                                                    ("opd", True)])
def test_reporter_contact_only_for_scopes_that_allow_it_and_logged(world, role, sees_contact):
    """The report page shows the reporter's contact to operators, admins and the OPD holding it, and logs it."""
    name = {"pimpinan": "test-pimpinan", "operator": "test-operator", "admin": "test-admin",
            "opd": "test-opd-pupr"}[role]
    with world["engine"].connect() as conn:
        before = conn.execute(select(func.count()).select_from(AccessLog).where(and_(
            AccessLog.actor == name, AccessLog.action == "personal_view"))).scalar_one()
    text = report(world, role).get_data(as_text=True)
    reporter = world["reporter"]
    assert (reporter.phone in text) is sees_contact
    with world["engine"].connect() as conn:
        after = conn.execute(select(func.count()).select_from(AccessLog).where(and_(
            AccessLog.actor == name, AccessLog.action == "personal_view",
            AccessLog.target == f"report:{world['report_id']}"))).scalar_one()
    assert after - before == (1 if sees_contact else 0)


def test_anonymous_reporter_stays_anonymous_except_for_admin(world):
    """A reporter who asked to stay anonymous: the OPD and the operator see no contact, the admin does."""
    from sqlalchemy import update

    with world["engine"].begin() as conn:
        conn.execute(update(Report).where(Report.id == world["report_id"]).values(anonymous=True))
    try:
        world["app"].server.config["MIMIKA_QUERY_CACHE"].cache.clear()
        phone = world["reporter"].phone
        assert phone not in report(world, "opd").get_data(as_text=True)
        assert phone not in report(world, "operator").get_data(as_text=True)
        assert phone in report(world, "admin").get_data(as_text=True)
    finally:
        with world["engine"].begin() as conn:
            conn.execute(update(Report).where(Report.id == world["report_id"]).values(anonymous=False))
        world["app"].server.config["MIMIKA_QUERY_CACHE"].cache.clear()


def test_no_response_to_a_role_without_personal_data_rights_carries_any(world):
    """Every page, callback and export a pimpinan, a kiosk or an anonymous visitor can reach: no reporter's
    name or phone anywhere in what they receive."""
    bodies = []
    for role in ("pimpinan", "kiosk", "anonymous"):
        for path in ("/wall", "/briefing", "/opd/PUPR", "/sla", "/explorer", f"/report/{world['report_id']}",
                     "/publik", "/publik?lang=en", "/publik/data.csv", "/publik/data.json", "/publik/lapor",
                     "/publik/lacak?token=x"):
            bodies.append(world["clients"][role].get(path).get_data(as_text=True))
        bodies.append(tick(world, role).get_data(as_text=True))
        bodies.append(report(world, role).get_data(as_text=True))
        bodies.append(opd_detail(world, role, "PUPR").get_data(as_text=True))
        bodies.append(export(world, role, "PUPR").get_data(as_text=True))
        for pathname in ("/briefing", "/opd/PUPR", f"/report/{world['report_id']}"):
            bodies.append(routing(world, role, pathname).get_data(as_text=True))
    everything = "\n".join(bodies)
    leaked = [secret for secret in world["secrets"] if len(secret) >= 8 and secret in everything]
    assert not leaked, leaked[:5]


# --- issue #23 item 4: what a kiosk may call is the callback's identity on the server, never a value it sends ----

SMUGGLED = {"id": "_pages_location", "property": "pathname", "value": "/wall"}


def smuggling_bodies(world):
    """For every server callback outside the wall: its body with one input (or the state) replaced by the pages
    location saying /wall — the request the issue's kiosk sent to export DINKES's work list."""
    app = world["app"]
    for key, spec in app.callback_map.items():
        if "callback" not in spec or "_pages_content" in key or not spec["inputs"]:
            continue
        inputs = {f"{x['id']}.{x['property']}": 1 for x in spec["inputs"] if isinstance(x["id"], str)}
        if len(inputs) != len(spec["inputs"]):
            continue  # pattern-matching inputs: not part of this matrix
        config = {f"{x['id']}.{x['property']}": {"code": "DINKES", "query": {}, "lang": "id", "month": "2026-10"}
                  for x in spec["state"] if isinstance(x["id"], str)}
        body = callback_body(app, key, inputs, config)
        for at in range(len(body["inputs"])):
            crafted = json.loads(json.dumps(body))
            crafted["inputs"][at] = dict(SMUGGLED)
            yield key, crafted
        if body["state"]:
            crafted = json.loads(json.dumps(body))
            crafted["state"][0] = dict(SMUGGLED)
            yield key, crafted


def test_item4_kiosk_cannot_smuggle_the_wall_path_into_another_callback(world):
    """A kiosk adding {"id": "_pages_location", "property": "pathname", "value": "/wall"} to any callback outside
    the wall — the OPD work list's CSV/XLSX, the briefing, the monthly report — is refused, whatever it replaces."""
    wall_keys = {k for k in world["app"].callback_map if any(
        part.split(".")[0].startswith("wall") for part in k.strip(".").split("..."))}
    answered = {}
    for key, body in smuggling_bodies(world):
        if key in wall_keys:
            continue
        response = raw_post(world["clients"]["kiosk"], body)
        answered[key] = response.status_code
        assert response.status_code in (400, 403), (key, response.status_code, response.get_data(as_text=True)[:300])
    assert any("download" in key for key in answered), sorted(answered)  # the exports were among them


@pytest.mark.parametrize("pathname", ["/briefing", "/opd/DINKES", "/sla", "/report/1"])
def test_item4_kiosk_cannot_route_elsewhere_by_moving_the_pathname(world, pathname):
    """The page router renders the wall only: a pathname put where the router reads its search, or the wall's
    pathname put first while another page is asked for, is refused."""
    body = callback_body(world["app"], "_pages_content.children",
                         {"_pages_location.pathname": pathname, "_pages_location.search": ""})
    moved = json.loads(json.dumps(body))
    moved["inputs"][0] = {"id": "_pages_location", "property": "search", "value": pathname}
    moved["inputs"][1] = dict(SMUGGLED)
    assert raw_post(world["clients"]["kiosk"], moved).status_code in (400, 403)
    renamed = json.loads(json.dumps(body))
    renamed["inputs"][0] = {"id": "wall-interval", "property": "pathname", "value": pathname}
    renamed["inputs"][1] = dict(SMUGGLED)
    assert raw_post(world["clients"]["kiosk"], renamed).status_code in (400, 403)
    assert raw_post(world["clients"]["kiosk"], body).status_code == 403


def test_item4_kiosk_still_runs_the_wall(world):
    """The fix keeps the wall working: its page router and its refresh answer the kiosk."""
    assert routing(world, "kiosk", "/wall").status_code == 200
    assert routing(world, "kiosk", "/").status_code == 200
    assert tick(world, "kiosk").status_code == 200


def test_item4_callback_inputs_must_be_the_callbacks_own(world):
    """For every role: a body whose inputs or state name components the callback does not listen to is refused
    (400) before any callback runs, so no request value can stand in for another."""
    body = callback_body(world["app"], f"{opd_page.DOWNLOAD}.data",
                         {f"{opd_page.EXPORT_CSV}.n_clicks": 1, f"{opd_page.EXPORT_XLSX}.n_clicks": 0},
                         {f"{opd_page.CONFIG}.data": {"code": "PUPR", "query": {}, "lang": "id"}},
                         triggered=f"{opd_page.EXPORT_CSV}.n_clicks")
    for part, at, item in (("inputs", 1, dict(SMUGGLED)), ("state", 0, {**SMUGGLED, "value": {"code": "PUPR"}}),
                           ("inputs", 0, {"id": opd_page.EXPORT_CSV, "property": "children", "value": 1}),
                           ("inputs", 0, {"id": {"type": "x", "index": 1}, "property": "n_clicks", "value": 1})):
        crafted = json.loads(json.dumps(body))
        crafted[part][at] = item
        assert raw_post(world["clients"]["opd"], crafted).status_code == 400, (part, item)
    assert raw_post(world["clients"]["opd"], body).status_code == 200
