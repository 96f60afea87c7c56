"""Every export of an accepted period gives a file or a message; a period outside the bounds is refused with the
filter's reason and nothing is made (never the unfiltered store); an export past its time budget says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.i18n import WIT, t
from tests.support import NOW
from tests.support.dash_app import get_app, post, texts, url

TODAY = NOW.astimezone(WIT).date()
EXPORTS = [  # (download output, button, config store, config)
    ("briefing-download", "briefing-export-pdf", "briefing-config", {"lang": "id"}),
    ("briefing-download", "briefing-export-xlsx", "briefing-config", {"lang": "id"}),
    ("opd-download", "opd-export-xlsx", "opd-config", {"code": "PUPR", "lang": "id"}),
    ("opd-download", "opd-export-csv", "opd-config", {"code": "PUPR", "lang": "id"}),
]
OUTSIDE = {  # just outside the bounds: one day longer than ten years, before 2000-01-01, after today
    "ten years and a day": {"period": "custom", "start": (TODAY - timedelta(days=3660)).isoformat(),
                            "end": TODAY.isoformat()},
    "before 2000": {"period": "custom", "start": "1999-12-31", "end": "2000-01-31"},
    "after today": {"period": "custom", "start": TODAY.isoformat(), "end": (TODAY + timedelta(days=1)).isoformat()},
}


@pytest.fixture
def app(seeded):
    return get_app(url(seeded), boundaries=False)[0]


def export(app, download: str, button: str, config_id: str, config: dict, query: dict) -> dict:
    out = post(app, download, {f"{button}.n_clicks": 1}, {f"{config_id}.data": {**config, "query": query}},
               triggered=f"{button}.n_clicks")
    assert out is not None
    return out


@pytest.mark.parametrize("name", OUTSIDE)
@pytest.mark.parametrize(("download", "button", "config_id", "config"), EXPORTS, ids=[e[1] for e in EXPORTS])
def test_a_period_outside_the_bounds_is_refused_with_its_reason(app, download, button, config_id, config, name):
    """No file, and the status says "Ekspor tidak dibuat" with the filter's own reason."""
    out = export(app, download, button, config_id, config, OUTSIDE[name])
    assert download not in out
    message = texts(out[config_id.replace("-config", "-status")]["children"])
    assert message.startswith("Ekspor tidak dibuat:"), message


def test_the_longest_accepted_period_gives_a_file(app):
    """Ten years less a day (3,660 days, both ends included) is accepted and exported."""
    query = {"period": "custom", "start": (TODAY - timedelta(days=3659)).isoformat(), "end": TODAY.isoformat()}
    out = export(app, "opd-download", "opd-export-csv", "opd-config", {"code": "PUPR", "lang": "id"}, query)
    assert out["opd-download"]["data"]["filename"] == "mimika_pupr_laporan.csv"


@pytest.mark.parametrize(("download", "button", "config_id", "config"), EXPORTS, ids=[e[1] for e in EXPORTS])
def test_an_export_past_its_budget_is_refused_with_a_message(app, monkeypatch, download, button, config_id, config):
    """With no time left after the queries, the export is stopped and the person told to choose a shorter period."""
    monkeypatch.setattr("callbacks.export_runner.EXPORT_BUDGET_SECONDS", 0.0)
    out = export(app, download, button, config_id, config, {"period": "month"})
    assert download not in out
    assert texts(out[config_id.replace("-config", "-status")]["children"]) == t("export.timeout", "id")
