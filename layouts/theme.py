"""The wall's colours and the base look of its charts: dark, high contrast, colour-blind safe.

Sequential measures use viridis (ordered, readable in greyscale and for the common colour-vision
deficiencies); categories and ordered buckets use Okabe-Ito. Chart fonts are set once on
``layout.font`` at a 1920-pixel-wide base; the browser scales them to the screen (assets/wall.js). The page
background (#0b0f17) belongs to the stylesheet (assets/wall.css, ``--bg``), where the charts' transparent paper
shows it.
"""

from __future__ import annotations

PANEL = "#131a26"
GRID = "#2a3446"
TEXT = "#eef2f8"
MUTED = "#a9b4c6"
NO_DATA = "#5b6474"

# Viridis sampled for five classes, from a violet that still stands out against the dark panel to yellow.
SEQUENTIAL = ("#46327e", "#365c8d", "#277f8e", "#4ac16d", "#fde725")
# Text colour that reads on each class colour.
SEQUENTIAL_TEXT = ("#ffffff", "#ffffff", "#ffffff", "#0b0f17", "#0b0f17")

OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#BBBBBB",
}
# Two ordered palettes that never share a colour, used alike on the wall and the pages:
# lateness (how long overdue): warm Okabe-Ito hues, yellow to purple;
OVERDUE_COLOURS = (OKABE_ITO["yellow"], OKABE_ITO["orange"], OKABE_ITO["vermillion"], OKABE_ITO["purple"])
# age of open reports: one cool hue, pale (young) to deep (old), so no age band reads as "late".
AGE_COLOURS = ("#d4ecfa", "#95cdef", "#56a7e0", "#2f79c4", "#3f4fb0")
NOW_COLOUR = OKABE_ITO["orange"]
BEFORE_COLOUR = OKABE_ITO["sky"]
INFLOW_COLOUR = OKABE_ITO["sky"]
CLOSED_COLOUR = OKABE_ITO["green"]
POINT_COLOUR = OKABE_ITO["orange"]

BASE_FONT_PX = 17  # at 1920 px wide; scaled by the browser for larger canvases
FONT_FAMILY = "Inter, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"


def base_figure_layout(**overrides) -> dict:
    """A transparent, dark chart layout with every font inheriting from ``layout.font``."""
    layout = {
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT_FAMILY, "size": BASE_FONT_PX, "color": TEXT},
        "margin": {"l": 8, "r": 16, "t": 8, "b": 8, "pad": 4},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                   "bgcolor": "rgba(0,0,0,0)", "traceorder": "normal", "itemwidth": 30},
        "xaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "color": MUTED, "automargin": True, "nticks": 6},
        "yaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "color": TEXT, "automargin": True},
        "separators": ",.",  # Indonesian: decimal comma, thousands dot
        "hovermode": False,
        "uirevision": "wall",
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout
