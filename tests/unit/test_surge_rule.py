"""The surge rule (data_access/rulebook/surge.py) in numbers: the Poisson tail, the floor, the thresholds, the
windows compared, and how the simulator's --surge is read."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from data_access.rulebook import surge
from demo.simulator import MAX_SURGE_FACTOR, Surge, parse_surge

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


def exact_tail(k: int, mean: float) -> float:
    """P(X >= k) for Poisson(mean): the tail's own terms k … k+400 summed in exact rational arithmetic, times
    e^-mean (the oracle; the terms left out are below 1e-300 of the sum for these means)."""
    m = Fraction(mean)
    return math.exp(-mean) * float(sum(m**i / math.factorial(i) for i in range(k, k + 400)))


@pytest.mark.parametrize(("k", "mean"), [(1, 0.5), (5, 1.0), (6, 1.0), (8, 1.7), (12, 3.0), (30, 20.0), (3, 0.0),
                                         (40, 2.0), (100, 5.0)])
def test_poisson_tail_agrees_with_exact_arithmetic(k, mean):
    """The tail matches an exact sum to 1e-9 relative where the plain sum has digits, and stays positive and exact
    far out in the tail (where 1 - sum would be 0)."""
    expected = 0.0 if mean == 0 else exact_tail(k, mean)
    got = surge.poisson_tail(k, mean)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)
    if mean > 0:
        assert got > 0


def test_known_tail_values():
    """Textbook values: P(X >= 5 | 1) = 0.00366, P(X >= 6 | 1) = 0.000594; P(X >= 0) = 1."""
    assert surge.poisson_tail(5, 1.0) == pytest.approx(0.0036599, rel=1e-4)
    assert surge.poisson_tail(6, 1.0) == pytest.approx(0.00059418, rel=1e-4)
    assert surge.poisson_tail(0, 3.0) == 1.0


def test_thresholds_both_hold():
    """With one cell watched: four reports are never a surge however rare; five at an expected 1 are not
    (p = 0.0037), six are (p = 0.0006); ten at an expected 5 are not (p = 0.03)."""
    assert not surge.is_surge(4, 0.01, cells=1)
    assert not surge.is_surge(5, 1.0, cells=1)
    assert surge.is_surge(6, 1.0, cells=1)
    assert not surge.is_surge(10, 5.0, cells=1)


def test_the_chance_is_for_any_of_the_cells_watched():
    """Among 220 cells watched, six at an expected 1 are what one of them gets by chance now and then (220 × 0.0006
    = 0.13); ten are not (220 × 1.1e-7). The chance is the cells times one cell's tail, at most 1."""
    assert surge.chance_anywhere(6, 1.0, 220) == pytest.approx(220 * surge.poisson_tail(6, 1.0), rel=1e-12)
    assert not surge.is_surge(6, 1.0, cells=220)
    assert surge.is_surge(10, 1.0, cells=220)
    assert surge.chance_anywhere(5, 3.0, 400) == 1.0
    assert surge.chance_anywhere(6, 1.0, 0) == surge.chance_anywhere(6, 1.0, 1)  # no cell counted: one at least


def test_a_cell_without_history_is_floored_not_infinitely_surprising():
    """No report in eight weeks counts as one: the expected count is positive, five reports are a surge with a
    finite p."""
    share = surge.profile_share(matching=80, history=560, weeks=8)  # a flat rhythm: one day in seven
    assert share == pytest.approx(1 / 56)
    expected = surge.expected_count(0, share)
    assert expected == pytest.approx(1 / 56)
    assert 0 < surge.poisson_tail(5, expected) < surge.MAX_P
    assert surge.is_surge(5, expected, cells=400)  # even among every cell of the regency


def test_expected_count_follows_the_weekday_hour_profile():
    """A cell with 56 reports in eight weeks expects one a day on a flat rhythm, twice that on a window whose
    weekday-hours get twice the average share of the scope's reports."""
    assert surge.expected_count(56, surge.profile_share(80, 560, 8)) == pytest.approx(1.0)
    assert surge.expected_count(56, surge.profile_share(160, 560, 8)) == pytest.approx(2.0)
    assert surge.profile_share(0, 0, 8) == pytest.approx(1 / 56)  # nothing at all in the scope: a flat rhythm


def test_windows_compared_are_whole_weeks_back():
    """The eight windows end one to eight weeks before now, at the same minute; a store younger than the weeks
    compared uses only the weeks it has."""
    ends = surge.baseline_ends(NOW)
    assert ends == [NOW - timedelta(days=7 * k) for k in range(1, 9)]
    assert surge.weeks_with_history(NOW, None) == 0
    assert surge.weeks_with_history(NOW, NOW - timedelta(days=60)) == 8
    assert surge.weeks_with_history(NOW, NOW - timedelta(days=22)) == 3  # weeks 1-3 start 8, 15, 22 days back
    assert surge.weeks_with_history(NOW, NOW - timedelta(days=7)) == 0


@pytest.mark.parametrize(("text", "wanted"), [
    ("94.04.01:air_bersih:8", Surge("94.04.01", "air_bersih", 8.0)),
    ("Mimika Baru:air_bersih:8", Surge("94.04.01", "air_bersih", 8.0)),
    ("  mimika   baru : banjir : 2.5", Surge("94.04.01", "banjir", 2.5)),
    ("Kwamki-Narama:jalan:3", Surge("94.04.13", "jalan", 3.0)),
])
def test_parse_surge_reads_district_by_code_or_name(text, wanted):
    assert parse_surge(text) == wanted


@pytest.mark.parametrize(("text", "says"), [
    ("94.04.01:air_bersih", "DISTRICT:CATEGORY:FACTOR"),
    ("Atlantis:air_bersih:3", "no district"),
    ("94.04.01:lava:3", "no category"),
    ("94.04.01:air_bersih:x", "not a number"),
    ("94.04.01:air_bersih:1", "above 1"),
    ("94.04.01:air_bersih:nan", "above 1"),
    (f"94.04.01:air_bersih:{MAX_SURGE_FACTOR * 2}", "at most"),
])
def test_parse_surge_refuses_what_it_cannot_read(text, says):
    with pytest.raises(ValueError, match=says):
        parse_surge(text)
