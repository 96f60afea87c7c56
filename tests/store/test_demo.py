"""The demo is believable: volume follows population, remote districts under-report, timelines hold together."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import select, text

from data_access import queries
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Report, ReportEvent
from demo.seed import DemoConfig, seed_demo
from tests.support import NOW


def test_volume_follows_population_with_remote_under_reporting(seeded):
    """Timika's districts send most reports; per resident, districts reached by air send fewer than road ones."""
    by_district = queries.reports_by_district(seeded, Filters(start=NOW - timedelta(days=150), end=NOW),
                                              Scope.wall(), NOW).set_index("code")
    assert by_district["reports"].idxmax() == "94.04.01"
    road = by_district[by_district["access"] == "jalan"]
    air = by_district[by_district["access"] == "udara"]
    assert road["reports"].sum() / road["population"].sum() > 2 * air["reports"].sum() / air["population"].sum()
    assert by_district.loc["luar", "reports"] > 0  # some reports have no place or came from outside


def test_some_opds_are_chronically_late(seeded):
    """PUPR misses its resolution targets far more often than Dukcapil does."""
    def compliance(opd: str) -> float:
        return queries.headline_kpis(seeded, Filters(start=NOW - timedelta(days=120), end=NOW), Scope.opd_head(opd),
                                     NOW).iloc[0]["resolution_compliance_pct"]

    assert compliance("PUPR") + 20 < compliance("DUKCAPIL")


def test_flood_week_on_the_coast_stands_out(seeded):
    """The flood incident ~9 weeks ago shows as a burst of flood reports in the coastal districts."""
    with seeded.connect() as conn:
        rows = conn.execute(select(Report.created_at).where(Report.category_code == "banjir",
                                                            Report.district_code == "94.04.03")).scalars().all()
    weeks = Counter((NOW - t).days // 7 for t in rows)
    assert weeks.most_common(1)[0][0] in (8, 9)


def test_timelines_agree_with_report_timestamps(seeded):
    """Every report's events are in time order, start with baru, and match its response/resolution times."""
    with seeded.connect() as conn:
        events = defaultdict(list)
        for report_id, at, status in conn.execute(select(ReportEvent.report_id, ReportEvent.at, ReportEvent.to_status)
                                                  .order_by(ReportEvent.report_id, ReportEvent.id)):
            events[report_id].append((at, status))
        reports = conn.execute(select(Report.id, Report.status, Report.created_at, Report.first_response_at,
                                      Report.resolved_at, Report.updated_at)).all()
        assert conn.execute(text("SELECT count(*) FROM report WHERE reporter_id IS NOT NULL")).scalar() > 0
    for r in reports:
        timeline = events[r.id]
        assert timeline[0] == (r.created_at, "baru")
        assert [at for at, _ in timeline] == sorted(at for at, _ in timeline)
        assert timeline[-1][1] == r.status and timeline[-1][0] == r.updated_at <= NOW
        assert r.first_response_at == (timeline[1][0] if len(timeline) > 1 else None)
        resolved = [at for at, status in timeline if status == "selesai"]
        assert r.resolved_at == (resolved[0] if resolved else None)


EMERGENCIES = ("kebakaran", "gawat_darurat", "banjir")


def test_priorities_follow_the_category(seeded):
    """Fires and medical emergencies are darurat, floods darurat or tinggi; everyday complaints are never darurat."""
    with seeded.connect() as conn:
        rows = conn.execute(select(Report.category_code, Report.priority).where(Report.source == "demo")).all()
    by_category = defaultdict(Counter)
    for category, priority in rows:
        by_category[category][priority] += 1
    assert set(by_category["kebakaran"]) == set(by_category["gawat_darurat"]) == {"darurat"}
    assert by_category["banjir"] and set(by_category["banjir"]) <= {"darurat", "tinggi"}
    for everyday in ("jalan", "adminduk", "sampah", "penerangan"):
        assert "darurat" not in by_category[everyday] and by_category[everyday]["normal"] > 0
    assert len({p for c in by_category.values() for p in c}) == 4  # rendah, normal, tinggi and darurat all occur


def test_descriptions_fit_the_category(seeded):
    """An emergency is reported within minutes or hours (never "sudah 1 hari dirasakan"); a road after weeks."""
    with seeded.connect() as conn:
        rows = conn.execute(select(Report.category_code, Report.description).where(Report.source == "demo")).all()
    for category, description in rows:
        assert "dirasakan" not in description and "{" not in description
        if category in ("kebakaran", "gawat_darurat"):
            assert "menit lalu" in description and "hari" not in description, description
        elif category == "banjir":
            assert " jam lalu" in description, description
        elif category == "jalan":
            assert "bulan" in description, description
    assert len({d for c, d in rows if c == "kebakaran"}) > 1  # not one sentence for every fire


def test_progress_total_is_known_before_the_first_batch(make_store, workcal):
    """seed-demo's progress bar counts against the exact total from the first call, ending at 100 %."""
    engine = make_store("sqlite")
    calls = []
    written = seed_demo(engine, workcal, DemoConfig(seed=2, days=300, per_day=30.0, now=NOW),
                        progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 1 and {total for _, total in calls} == {written}
    assert [done for done, _ in calls] == sorted(done for done, _ in calls) and calls[-1] == (written, written)
