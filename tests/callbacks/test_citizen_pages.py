"""/publik/lapor and /publik/lacak through the real app and a real store: a citizen files a report with the plain
form, follows it with the token it was given, and sees status, notes and both targets in words — never a name, a
phone number typed anywhere, or a handle to walk report ids with. Bounded, counted per address, CSRF-safe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.formatting import fmt_when
from data_access.intake.writer import ReportWriter
from data_access.store.schema import AccessLog, District, IntakeRequest, Report, Reporter
from demo.seed import DemoConfig
from tests.support import BACKENDS, NOW
from tests.support.dash_app import get_app, url

PHONE_TYPED = "0812-3456-7890"
DESCRIPTION = f"Jalan berlubang besar di depan Pasar Lama, hubungi saya di {PHONE_TYPED} atau budi.s@example.com\n" \
              "Sudah dua minggu, motor sering jatuh."


@pytest.fixture
def app_on(empty_store):
    clock = {"now": NOW}
    app, query_cache = get_app(url(empty_store), clock=lambda: clock["now"])
    return app, clock


def form_token(client, lang: str = "") -> str:
    page = client.get(f"/publik/lapor{lang}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    return re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def file_report(client, **fields):
    data = {"csrf": form_token(client), "category": "jalan", "description": DESCRIPTION, "district": "94.04.01",
            "name": "Budi Santoso", "phone": "0812 3456 7890", **fields}
    return client.post("/publik/lapor", data=data)


def filed_token(response) -> str:
    return re.search(r'id="filed-token">([^<]+)<', response.get_data(as_text=True)).group(1)


def reports(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report)).scalar_one()


def test_a_report_filed_through_the_form_is_followed_with_its_token(app_on, empty_store):
    """The form files through the writer on channel web; the token reads it back with status, due times and
    notes in words, and nothing personal: not the name, not the phone field, not the number typed in the text."""
    app, _ = app_on
    client = app.server.test_client()
    filed = file_report(client)
    assert filed.status_code == 201, filed.get_data(as_text=True)[:2000]
    token = filed_token(filed)
    text = filed.get_data(as_text=True)
    assert f'href="/publik/lacak?token={token}"' in text and "/publik/lacak" in text
    with Session(empty_store) as session:
        report = session.execute(select(Report).join(IntakeRequest, IntakeRequest.report_id == Report.id)
                                 .where(IntakeRequest.token == token)).scalar_one()
        reporter = session.get(Reporter, report.reporter_id)
        assert (report.channel, report.source, report.district_code, report.status) == \
            ("web", "web", "94.04.01", "baru")
        assert report.response_due_at is not None and report.opd_code == "PUPR"
        assert PHONE_TYPED in report.description  # stored as typed: the masking is on the way out
        assert (reporter.name, reporter.phone) == ("Budi Santoso", "0812 3456 7890")
        logged = session.execute(select(AccessLog.action, AccessLog.actor)
                                 .where(AccessLog.target == f"report:{report.id}")).all()
        assert logged == [("report_filed", "publik:lapor")]
        response_due, resolution_due = report.response_due_at, report.resolution_due_at
    assert fmt_when(response_due) in text and fmt_when(resolution_due) in text

    page = client.get(f"/publik/lacak?token={token}")
    shown = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Baru" in shown and "Jalan" in shown and fmt_when(response_due) in shown
    assert "Belum: batas waktu belum lewat" in shown and "Laporan masuk lewat web" in shown
    assert "Jalan berlubang besar di depan Pasar Lama" in shown and "[disembunyikan]" in shown
    for personal in ("Budi", "Santoso", "3456", "7890", "0812", "example.com"):
        assert personal not in shown, personal
    assert "/report/" not in shown and "/open311/" not in shown and "<script" not in shown
    english = client.get(f"/publik/lacak?token={token}&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Not yet: the deadline has not passed" in english


def test_each_target_is_judged_by_the_rule_book(app_on, empty_store, workcal):
    """Answered after its due time: "late"; the resolution's due time passed unresolved: "overdue"; a note on the
    way is shown, with the phone number an officer typed into it masked."""
    app, clock = app_on
    client = app.server.test_client()
    token = filed_token(file_report(client))
    with Session(empty_store) as session:
        report = session.execute(select(Report).join(IntakeRequest, IntakeRequest.report_id == Report.id)
                                 .where(IntakeRequest.token == token)).scalar_one()
        late = report.response_due_at + timedelta(hours=2)
        ReportWriter(empty_store, workcal).transition(session, report, "diverifikasi", late,
                                                      note="Dicek petugas, kontak 081298765432")
        resolution_due = report.resolution_due_at
        session.commit()
    clock["now"] = resolution_due + timedelta(days=1)
    shown = client.get(f"/publik/lacak?token={token}").get_data(as_text=True)
    assert "Tidak: terlambat" in shown and f"ditanggapi {fmt_when(late)}" in shown
    assert "Tidak: batas waktu sudah lewat dan belum dipenuhi" in shown
    assert "Dicek petugas, kontak [disembunyikan]" in shown and "98765432" not in shown
    assert "Diverifikasi" in shown

    # On hold before the resolution fell due: the clock stopped, so neither met nor missed.
    clock["now"] = NOW
    held = filed_token(file_report(client, description="Jembatan kayu patah"))
    with Session(empty_store) as session:
        report = session.execute(select(Report).join(IntakeRequest, IntakeRequest.report_id == Report.id)
                                 .where(IntakeRequest.token == held)).scalar_one()
        writer = ReportWriter(empty_store, workcal)
        for step, status in enumerate(("diverifikasi", "didisposisikan", "ditunda"), start=1):
            writer.transition(session, report, status, NOW + timedelta(minutes=10 * step))
        report.confidential = True
        session.commit()
    clock["now"] = resolution_due + timedelta(days=30)
    shown = client.get(f"/publik/lacak?token={held}").get_data(as_text=True)
    assert "Ditunda" in shown and "Laporan ditunda: jam berhenti" in shown and "Ya, tepat waktu" in shown
    assert "Jembatan kayu patah" not in shown  # confidential: its progress, not its words


def test_unknown_tokens_all_get_the_same_answer(app_on):
    """Malformed, too long, well-formed but unknown: one page, one status, nothing echoed back."""
    app, _ = app_on
    client = app.server.test_client()
    filed_token(file_report(client))
    answers = [client.get("/publik/lacak", query_string={"token": token})
               for token in ("x" * 22, "../../etc/passwd", "a" * 65, "<b>1</b>", "1", " ")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.get_data() for a in answers}) == 1
    assert "Kode tidak ditemukan" in answers[0].get_data(as_text=True)
    assert client.get("/publik/lacak").status_code == 200  # the empty form, no look-up


def test_look_ups_and_filings_are_counted_per_address(app_on, empty_store, monkeypatch):
    """Past the limits an address gets 429 with Retry-After and a page that says why; another address does not."""
    monkeypatch.setattr("callbacks.citizen.LOOKUPS_PER_WINDOW", 3)
    monkeypatch.setattr("callbacks.citizen.REPORTS_PER_HOUR", 2)
    app, _ = app_on
    client = app.server.test_client()
    for _ in range(3):
        assert client.get("/publik/lacak?token=nope").status_code == 404
    throttled = client.get("/publik/lacak?token=nope")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Terlalu banyak pencarian" in throttled.get_data(as_text=True)
    other = client.get("/publik/lacak?token=nope", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 404

    assert file_report(client, category="").status_code == 400  # a mistake corrected is no filing
    assert file_report(client).status_code == 201 and file_report(client).status_code == 201
    refused = file_report(client, description="Lampu jalan mati")
    assert refused.status_code == 429 and "Terlalu banyak laporan" in refused.get_data(as_text=True)
    assert reports(empty_store) == 2
    monkeypatch.setattr("callbacks.citizen.POSTS_PER_HOUR", 5)  # tries are counted too, failed ones included
    other = app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.1.1"
    answers = [file_report(other, category="", description=f"coba {i}").status_code for i in range(6)]
    assert answers == [400] * 5 + [429]


BAD_INPUT = [
    ({"category": ""}, "category", "Pilih jenis masalah"),
    ({"category": "bukan_kategori"}, "category", "Pilih jenis masalah"),
    ({"description": "   "}, "description", "Tuliskan apa yang terjadi"),
    ({"description": "x" * 4001}, "description", "Uraian terlalu panjang"),
    ({"description": "ok\x00"}, "description", "karakter yang tidak dapat disimpan"),
    ({"district": "99.99.99"}, "district", "Pilih distrik dari daftar"),
    ({"district": "", "address": ""}, "district", "Beri tahu lokasinya"),
    ({"lat": "-4.5"}, "coords", "Koordinat harus berupa"),
    ({"lat": "-4.5", "lon": "1e5"}, "coords", "Koordinat harus berupa"),
    ({"lat": "95", "lon": "136"}, "coords", "Koordinat harus berupa"),
    ({"phone": "telepon saya"}, "phone", "Nomor telepon hanya boleh"),
    ({"name": "n" * 61}, "name", "Nama terlalu panjang"),
    ({"address": "Jl. A\nJl. B"}, "address", "karakter yang tidak dapat disimpan"),
]


def test_bad_input_is_refused_with_its_reason_and_kept_for_a_second_try(app_on, empty_store):
    """Each bad field: 400, its message beside it and in the summary, what was typed kept, nothing written."""
    app, _ = app_on
    client = app.server.test_client()
    for fields, field, message in BAD_INPUT:
        answer = file_report(client, **fields)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and message in text and f'id="{field}-error"' in text, fields
        assert 'aria-invalid="true"' in text and "Laporan belum terkirim" in text
        assert "Jalan berlubang" in text or "description" in fields  # what was typed is still there
    assert reports(empty_store) == 0


def test_a_form_from_elsewhere_or_without_its_token_files_nothing(app_on, empty_store):
    """Another site's page (its Origin), a missing or foreign token, a body past the bound: nothing is written."""
    app, _ = app_on
    client = app.server.test_client()
    token = form_token(client)
    fields = {"category": "jalan", "description": "Lampu mati", "district": "94.04.01"}
    cross = client.post("/publik/lapor", data={**fields, "csrf": token}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert client.post("/publik/lapor", data=fields).status_code == 400
    stranger = app.server.test_client()
    expired = stranger.post("/publik/lapor", data={**fields, "csrf": token})
    assert expired.status_code == 400 and "kedaluwarsa" in expired.get_data(as_text=True)
    huge = client.post("/publik/lapor", data={**fields, "csrf": token, "description": "x" * 40_000})
    assert huge.status_code == 413
    same_site = client.post("/publik/lapor", data={**fields, "csrf": token}, headers={"Origin": "http://localhost"})
    assert same_site.status_code == 201 and reports(empty_store) == 1


def test_a_second_press_files_once(app_on, empty_store):
    """Send pressed twice on a slow link: one report, the same token both times."""
    app, _ = app_on
    client = app.server.test_client()
    token = form_token(client)
    data = {"csrf": token, "category": "jalan", "description": "Lampu jalan mati", "district": "94.04.01"}
    first, second = client.post("/publik/lapor", data=data), client.post("/publik/lapor", data=data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert filed_token(first) == filed_token(second) and reports(empty_store) == 1
    changed = client.post("/publik/lapor", data={**data, "description": "Lampu jalan mati di dua tempat"})
    assert changed.status_code == 409 and reports(empty_store) == 1


def test_a_point_decides_the_district(app_on, empty_store):
    """Coordinates inside the regency place the report (point-in-district); the list's district is the fallback."""
    app, _ = app_on
    client = app.server.test_client()
    with empty_store.connect() as conn:
        code, lat, lon = conn.execute(select(District.code, District.label_lat, District.label_lon)
                                      .where(District.code != "94.04.01", District.label_lat.is_not(None))
                                      .order_by(District.code)).first()
    inside = filed_token(file_report(client, lat=f"{lat}".replace(".", ","), lon=f"{lon}"))
    outside = filed_token(file_report(client, lat="-2.0", lon="120.0"))
    with empty_store.connect() as conn:
        placed = dict(conn.execute(select(IntakeRequest.token, Report.district_code)
                                   .join(Report, Report.id == IntakeRequest.report_id)).all())
    assert placed[inside] == code and placed[outside] == "94.04.01"


def test_the_form_is_a_plain_labelled_page_in_either_language(app_on):
    """No script; every input has its label; the lists come from the store; ?lang=en is English."""
    app, _ = app_on
    client = app.server.test_client()
    page = client.get("/publik/lapor").get_data(as_text=True)
    assert '<html lang="id">' in page and "<script" not in page and "Laporkan masalah" in page
    for name in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', page):
        assert f'<label for="{name}"' in page or f'for="{name}"' in page, name
    assert '<option value="jalan">' in page and '<option value="94.04.01">' in page
    english = client.get("/publik/lapor?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Report a problem" in english and 'value="en"' in english


@pytest.fixture(params=BACKENDS)
def small_demo(request, make_store):
    return make_store(request.param, demo=DemoConfig(seed=2, days=3, per_day=5.0, now=NOW))


def test_a_report_filed_on_the_demo_keeps_it_a_demo_store(small_demo):
    """DEMO_MODE=1 (make demo): a report filed through /publik/lapor is the demo's, so the next `make demo` still
    finds a demo store; without DEMO_MODE the same report is a real one and the store is real for good."""
    from data_access.intake.bulk_load import DEMO_WEB_SOURCE, not_a_demo_store

    assert not_a_demo_store(small_demo) is None
    app, _ = get_app(url(small_demo), demo=True)
    filed = file_report(app.server.test_client())
    assert filed.status_code == 201, filed.get_data(as_text=True)[:2000]
    with small_demo.connect() as conn:
        newest = conn.execute(select(Report.source, Report.channel).order_by(Report.id.desc()).limit(1)).one()
    assert tuple(newest) == (DEMO_WEB_SOURCE, "web")
    assert not_a_demo_store(small_demo) is None
    app, _ = get_app(url(small_demo))
    assert file_report(app.server.test_client()).status_code == 201
    assert "source 'web'" in not_a_demo_store(small_demo)
