"""Status colours mean a state and nothing else: no quantity on the wall is drawn in (or near) them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layouts import theme

REPO = Path(__file__).resolve().parents[2]


def _lab(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
    f = [v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(a: str, b: str) -> float:
    la, lb = _lab(a), _lab(b)
    return sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5


QUANTITIES = {
    "map classes": theme.SEQUENTIAL, "lateness": theme.OVERDUE_COLOURS, "age": theme.AGE_COLOURS,
    "lines and flows": (theme.NOW_COLOUR, theme.BEFORE_COLOUR, theme.INFLOW_COLOUR, theme.CLOSED_COLOUR),
}


@pytest.mark.parametrize("palette", QUANTITIES, ids=list(QUANTITIES))
def test_no_quantity_is_drawn_in_a_status_colour(palette):
    # ΔE 25: clearly another colour side by side on the wall (the old "≥ 40" class, #fde725, was 8 from WARN).
    for colour in QUANTITIES[palette]:
        for status in (theme.ALERT, theme.WARN):
            assert delta_e(colour, status) > 25, (palette, colour, status, round(delta_e(colour, status), 1))


def test_the_old_yellow_class_would_have_failed():
    assert delta_e("#fde725", theme.WARN) < 25  # the check can fail: viridis' top class read as "at risk"


def test_the_stylesheets_use_the_same_status_colours():
    for sheet in ("wall.css", "pages.css"):
        text = (REPO / "dashboard" / "assets" / sheet).read_text()
        assert re.search(r"--alert:\s*" + theme.ALERT, text, re.I), sheet
        assert re.search(r"--warn:\s*" + theme.WARN, text, re.I), sheet
