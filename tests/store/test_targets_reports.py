"""The briefing and the monthly report show each headline figure against its target and the period before
(issue #25), on SQLite and PostgreSQL; the wall's, the briefing's and the report's verdicts are one sentence."""

from __future__ import annotations

from dash import html

from data_access.queries import period_comparison
from data_access.queries.performance import monthly_performance
from data_access.queries.targets import measure_targets, target_map
from data_access.rulebook.scope import Filters, Scope
from data_access.targets import set_target
from demo.seed import DemoConfig
from layouts import briefing, performance_report
from layouts import targets as goals
from tests.support import NOW


def _texts(component) -> list[str]:
    out = []
    children = getattr(component, "children", None)
    if isinstance(children, str):
        out.append(children)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if isinstance(child, str):
            out.append(child)
        elif isinstance(child, html.Div | html.Span):
            out.extend(_texts(child))
    return out


def test_monthly_report_against_the_month_before_and_its_targets(make_store):
    engine = make_store("sqlite", demo=DemoConfig(seed=11, days=150, per_day=40.0, now=NOW))
    set_target(engine, "response_compliance_pct", 0, None, "test", NOW)  # any value meets it
    figures = monthly_performance(engine, Filters(), Scope.wall(), NOW, month="2026-10")
    before = monthly_performance(engine, Filters(), Scope.wall(), NOW, month="2026-09", with_previous=False)
    assert figures.previous == before.regency  # the month before, by the same definition
    assert figures.targets["response_compliance_pct"] == 0.0 and figures.targets["overdue_response"] == 0.0
    summary = performance_report.summary_frame(figures, "id").set_index("Ukuran")
    row = summary.loc["Respons tepat waktu (%)"]
    assert row["Bulan sebelumnya"] == round(before.regency["response_compliance_pct"], 1)
    assert row["sasaran"] == "✓ memenuhi sasaran ≥ 0 %"
    resolution = summary.loc["Selesai tepat waktu (%)"]
    value = figures.regency["resolution_compliance_pct"]
    assert resolution["sasaran"] == goals.target_text("resolution_compliance_pct", value, 80.0, "id")[0]
    assert resolution["sasaran"].startswith("✓" if value >= 80 else "!")
    one = monthly_performance(engine, Filters(), Scope.wall(), NOW, month="2026-10", opd="PUPR")
    one_before = monthly_performance(engine, Filters(), Scope.wall(), NOW, month="2026-09", opd="PUPR",
                                     with_previous=False).regency
    for key in performance_report.HEADLINE:  # one OPD's month before: its league row, as the month itself
        assert one.previous[key] == one_before[key], key
    assert performance_report.pdf_bytes(figures, "id").startswith(b"%PDF")
    assert performance_report.xlsx_bytes(figures, "id")[:2] == b"PK"


def test_briefing_tiles_show_the_target_with_its_verdict(seeded):
    comparison = period_comparison(seeded, Filters(), Scope.wall(), NOW)
    targets = target_map(measure_targets(seeded, Filters(), Scope.wall(), NOW))
    tiles = briefing.comparison_tiles(comparison, "id", targets)
    by_measure = {row.measure: tile for row, tile in zip(comparison.itertuples(), tiles, strict=True)}
    current = comparison.set_index("measure")["current"]
    response = " ".join(_texts(by_measure["response_compliance_pct"]))
    state = "✓ memenuhi sasaran" if current["response_compliance_pct"] >= 90 else "! di bawah sasaran"
    assert f"{state} ≥ 90 %" in response
    median = " ".join(_texts(by_measure["median_response_hours"]))
    assert ("✓ memenuhi sasaran" if current["median_response_hours"] <= 24 else "! di atas sasaran") in median
    assert "sasaran" not in " ".join(_texts(by_measure["reports"]))  # the volume takes no target
