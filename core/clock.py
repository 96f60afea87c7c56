"""The app's "now": the wall clock, or — for soaks and demos only — a simulated clock every process shares.

``SIMULATED_CLOCK="<ISO time> at <Unix seconds> x<speed>"`` says: at that real moment the simulated time was the
ISO time, and it runs ``speed`` times as fast. Every process given the same value (gunicorn's workers, the worker
process, the simulator) computes the same "now" from its own wall clock, with no coordination: that is what lets
benchmarks/bench_soak.py run a simulated day in half an hour with the web, the worker and the simulator agreeing
on when WIT midnight is. Refused unless DEMO_MODE=1 (core/settings.py): production never runs on it by accident.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
_FORMAT = re.compile(r"\s*(?P<start>\S+)\s+at\s+(?P<real>[0-9.]+)\s+x(?P<speed>[0-9.]+)\s*")
MAX_SPEED = 10_000.0


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SimulatedClock:
    start: datetime  # the simulated time at ``real_start``
    real_start: float  # Unix seconds
    speed: float

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.real_start) * self.speed)

    def setting(self) -> str:
        """The value of SIMULATED_CLOCK that gives this clock."""
        return f"{self.start.astimezone(UTC).isoformat()} at {self.real_start:.3f} x{self.speed:g}"


def parse_simulated_clock(text: str) -> SimulatedClock:
    """``"2026-12-01T20:00:00+09:00 at 1795000000 x48"`` → the clock; ValueError naming what is wrong."""
    match = _FORMAT.fullmatch(text or "")
    if not match:
        raise ValueError(f"expected '<ISO time> at <Unix seconds> x<speed>', not {text!r}")
    try:
        start = datetime.fromisoformat(match["start"])
    except ValueError:
        raise ValueError(f"{match['start']!r} is not an ISO time") from None
    if start.tzinfo is None:
        raise ValueError(f"{match['start']!r} has no time zone")
    speed, real = float(match["speed"]), float(match["real"])
    if not (math.isfinite(speed) and 1 <= speed <= MAX_SPEED):
        raise ValueError(f"the speed must be from 1 to {MAX_SPEED:g}, not {speed:g}")
    return SimulatedClock(start.astimezone(UTC), real, speed)
