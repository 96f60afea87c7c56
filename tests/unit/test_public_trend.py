"""/publik's trend chart (inline SVG, no script) as a phone shows it: round ticks, and room for the longest y-axis
label — "1.464" once showed as ".464" at 390 px."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from layouts.public import TREND_NARROW, TREND_WIDE, _trend_drawing, nice_ticks, trend_svg


@pytest.mark.parametrize(("top", "ticks"), [
    (1464, [0, 500, 1000, 1500]), (366, [0, 100, 200, 300, 400]), (150, [0, 50, 100, 150]),
    (7, [0, 2, 4, 6, 8]), (1, [0, 1]), (0, [0, 1]), (2_400_000, [0, 1_000_000, 2_000_000, 3_000_000]),
    (1000, [0, 250, 500, 750, 1000]),
])
def test_ticks_are_round_and_reach_the_top(top, ticks):
    assert nice_ticks(top) == ticks


def regency(top: int) -> pd.DataFrame:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    return pd.DataFrame({"month": months, "reports": [top - 20 * i for i in range(12)],
                         "resolved": [None, *[top // 2] * 11]})


@pytest.mark.parametrize("shape", [TREND_WIDE, TREND_NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_longest_y_label_fits_left_of_the_axis(shape, lang):
    """Each y label ends 6 units left of the plot; its width at ~0.62 em a character must fit from x = 0."""
    svg = _trend_drawing(regency(1464), lang, shape, "t")
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="axis" font-size="(\d+)" text-anchor="end">([^<]+)<',
                        svg)
    assert [label for *_, label in labels] == (["0", "500", "1.000", "1.500"] if lang == "id"
                                               else ["0", "500", "1,000", "1,500"])
    for x, font, label in labels:
        assert float(x) - len(label) * int(font) * 0.62 >= 4, (label, x)


def test_the_phone_drawing_names_every_other_month_and_always_the_current_one():
    svg = _trend_drawing(regency(300), "id", TREND_NARROW, "t")
    months = re.findall(r'text-anchor="middle">([^<]+)<', svg)
    assert months == ["Feb", "Apr", "Jun", "Agu", "Okt", "Des*"]
    both = trend_svg(regency(300), "id")
    assert both.count("<svg") == 2 and 'class="trend wide"' in both and 'class="trend narrow"' in both
    assert both.count("<title id=") == 2  # each drawing is labelled; CSS hides one from everyone, readers too
