"""SIMULATED_CLOCK: every process given the same value reads the same accelerated "now"; only with DEMO_MODE=1."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import SimulatedClock, parse_simulated_clock, wall_clock
from core.settings import Settings, SettingsError


def test_two_parses_of_one_setting_agree_and_run_at_its_speed():
    """Two processes parsing the same value get the same now, and a real second is ``speed`` simulated ones."""
    clock = SimulatedClock(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), time.time(), 48)
    other = parse_simulated_clock(clock.setting())
    first, second = clock(), other()
    assert abs((second - first).total_seconds()) < 1
    time.sleep(0.2)
    assert timedelta(seconds=8) <= clock() - first <= timedelta(seconds=30)


@pytest.mark.parametrize(("text", "says"), [
    ("", "expected '<ISO time> at <Unix seconds> x<speed>'"),
    ("2026-12-01T14:00:00 at 1 x2", "'2026-12-01T14:00:00' has no time zone"),
    ("2026-12-01T14:00:00+00:00 at 1 x0.5", "the speed must be from 1 to"),
    ("yesterday at 1 x2", "'yesterday' is not an ISO time"),
    ("2026-12-01T14:00:00+00:00 x2", "expected '<ISO time> at <Unix seconds> x<speed>'"),
])
def test_malformed_values_are_refused(text, says):
    """No time zone, a speed below 1, or a missing part: refused with a message saying which (the expected
    form when a part is missing)."""
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_simulated_clock(text)


def test_settings_take_it_only_in_demo_mode(monkeypatch):
    """Without DEMO_MODE the app refuses to start on a simulated clock; with it, the settings' clock is that one."""
    monkeypatch.setenv("SIMULATED_CLOCK", "2030-01-01T00:00:00+09:00 at 0 x1")
    monkeypatch.delenv("DEMO_MODE", raising=False)
    with pytest.raises(SettingsError, match="DEMO_MODE"):
        Settings.from_env()
    monkeypatch.setenv("DEMO_MODE", "1")
    settings = Settings.from_env()
    assert settings.clock()() > datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=365 * 20)  # real time since 1970
    monkeypatch.delenv("SIMULATED_CLOCK")
    assert Settings.from_env().clock() is wall_clock
