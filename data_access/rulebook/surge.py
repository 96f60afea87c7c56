"""The surge rule: when a district × category's last 24 hours are far above its usual rate.

Expected count: the cell's reports over the previous eight weeks (the 56 days before the last 24 hours), times the
share of those weeks' reports that came in the same weekday-hours as the last 24 hours (the same 24 hours one, two,
… eight weeks earlier), times the scope's level over the last fortnight against those weeks (reporting grows as an
app becomes known). The weekday-and-hour profile and the level are the whole scope's, since a single cell's eight
matching windows hold too few reports to tell a rhythm from noise; the cell's own rate comes from all 56 of its days.
Weeks before the store's first report are left out (a young store is not a quiet one). A cell with no history is
treated as if one report had come in those weeks (``FLOOR_REPORTS``): five reports where none ever came are a surge,
not an infinite surprise.

A surge: at least ``MIN_OBSERVED`` reports in the last 24 hours, and less than a 1 in 1,000 chance (``MAX_P``) that
any of the cells watched would get that far above its expected rate (``chance_anywhere``). A cell's own chance is
the Poisson upper tail of its count at the expected rate; the cells watched are those with a report in the weeks
compared or the last 24 hours (some 220 on the demo's wall), and the chance that one of them gets as far into its
tail is at most their number times that tail (Bonferroni's bound). A 1 in 1,000 chance per cell would not do: the
wall asks about every cell every hour, so chance alone would raise several alerts a month
(benchmarks/results/surge_false_alarms_before.md). With the bound, at the expected rates a wall asked every hour for
30 days averages fewer than 720 / 1,000 alerting checks by chance, and an episode spans several. Every report
received counts, as in "Laporan masuk". The counting is SQL (``in_recent_window``, ``in_history``,
``in_baseline_windows``; data_access/queries/surges.py groups by them); the rest is here. README "Surge alerts" says
the same in prose.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_

from data_access.store.schema import Report

WINDOW = timedelta(hours=24)
BASELINE_WEEKS = 8
MAX_P = 1 / 1000
MIN_OBSERVED = 5
FLOOR_REPORTS = 1.0  # over all the weeks compared: a cell never seen counts as one report in them
LEVEL_DAYS = 14  # the recent level the eight weeks' average is brought up (or down) to
LEVEL_LIMITS = (0.5, 2.0)  # a feed that stopped for a fortnight or a doubled one is not a trend to follow


def _window(end: datetime) -> ColumnElement[bool]:
    """The 24 hours up to ``end``, a report at ``end`` itself included."""
    return _window_span(end, WINDOW)


def in_recent_window(now: datetime) -> ColumnElement[bool]:
    return _window(now)


def baseline_ends(now: datetime, weeks: int = BASELINE_WEEKS) -> list[datetime]:
    """The ends of the windows compared: ``now`` one, two, … ``weeks`` weeks earlier."""
    return [now - timedelta(weeks=k) for k in range(1, weeks + 1)]


def in_baseline_windows(ends: list[datetime]) -> ColumnElement[bool]:
    """Created in one of the 24-hour windows that end at ``ends``."""
    return or_(*[_window(end) for end in ends])


def in_history(now: datetime, weeks: int) -> ColumnElement[bool]:
    """Created in the ``weeks`` whole weeks before the last 24 hours."""
    return _window_span(now - WINDOW, timedelta(weeks=weeks))


def _window_span(end: datetime, span: timedelta) -> ColumnElement[bool]:
    return and_(Report.created_at > end - span, Report.created_at <= end)


def in_span(now: datetime, weeks: int) -> ColumnElement[bool]:
    """The last 24 hours and the weeks before them, as one range of creation times (one index range to read)."""
    return _window_span(now, WINDOW + timedelta(weeks=weeks))


def in_level_window(now: datetime) -> ColumnElement[bool]:
    """Created in the ``LEVEL_DAYS`` days before the last 24 hours: the scope's recent level."""
    return _window_span(now - WINDOW, timedelta(days=LEVEL_DAYS))


def level_factor(level: int, history: int, weeks: int) -> float:
    """The scope's reports a day over the last ``LEVEL_DAYS`` days against its average over the ``weeks`` compared
    (1 when the history is shorter than that or empty), within ``LEVEL_LIMITS``: reporting that grows (an app
    becoming known) would otherwise make every cell look a little above its eight-week average."""
    if weeks * 7 <= LEVEL_DAYS or history <= 0:
        return 1.0
    low, high = LEVEL_LIMITS
    return min(max((level / LEVEL_DAYS) / (history / (7 * weeks)), low), high)


def weeks_with_history(now: datetime, first_report: datetime | None) -> int:
    """How many of the eight earlier windows lie wholly after the store's first report."""
    if first_report is None:
        return 0
    return sum(1 for end in baseline_ends(now) if end - WINDOW >= first_report)


def profile_share(matching: int, history: int, weeks: int) -> float:
    """The share of the weeks' reports that one window like the last 24 hours gets (same weekdays and hours): the
    whole scope's reports in the ``weeks`` matching windows over its reports in those weeks, per window; without
    any history, one day in a week's seven."""
    return matching / history / weeks if history > 0 else 1 / (7 * weeks)


def expected_count(cell_history: int, share: float, level: float = 1.0) -> float:
    """The reports a cell is expected to get in the last 24 hours: its reports in the weeks compared, at least
    ``FLOOR_REPORTS``, times the share of those weeks that one window like the last 24 hours gets, times the
    scope's recent level (``level_factor``)."""
    return max(float(cell_history), FLOOR_REPORTS) * share * level


def poisson_tail(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean): one minus the sum of the first k terms, each from the one before."""
    if k <= 0:
        return 1.0
    term = math.exp(-mean)
    below = term
    for i in range(1, k):
        term *= mean / i
        below += term
    tail = 1.0 - below
    if tail > 1e-9:
        return max(tail, 0.0)
    # Far in the tail 1 - below loses every digit: sum the tail's own terms, which shrink at once past the mean.
    term = math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1)) if mean > 0 else 0.0
    total, i = 0.0, k
    while term > total * 1e-16 and i < k + 10_000:
        total += term
        i += 1
        term *= mean / i
    return total


def chance_anywhere(observed: int, expected: float, cells: int) -> float:
    """The chance that any of ``cells`` cells watched gets as far above its expected count as ``observed`` is
    above ``expected``: at most ``cells`` times one cell's Poisson tail (Bonferroni), and at most 1."""
    return min(1.0, max(cells, 1) * poisson_tail(observed, expected))


def is_surge(observed: int, expected: float, cells: int) -> bool:
    return observed >= MIN_OBSERVED and chance_anywhere(observed, expected, cells) < MAX_P
