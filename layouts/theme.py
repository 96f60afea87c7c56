"""The wall's colours and the base look of its charts: dark, high contrast, colour-blind safe.

Sequential measures use a blue-to-mint ramp (ordered, readable in greyscale and for the common colour-vision
deficiencies); categories use Okabe-Ito; the two status colours (ALERT, WARN) are kept for states. Chart fonts are
set once on ``layout.font`` at a 1920-pixel-wide base; the browser scales them to the screen (assets/wall.js). The page
background (#0b0f17) belongs to the stylesheet (assets/wall.css, ``--bg``), where the charts' transparent paper
shows it.
"""

from __future__ import annotations

PANEL = "#131a26"
GRID = "#2a3446"
TEXT = "#eef2f8"
MUTED = "#a9b4c6"
NO_DATA = "#5b6474"

# Status colours, the wall's and the pages' (--alert, --warn in the stylesheets): overdue and at risk. They mean a
# state and nothing else: no quantity (a map class, an age or lateness band, a count) is drawn in them
# (tests/unit/test_theme_colours.py), and every state also says itself in a word or a shape.
ALERT = "#ff8a5c"
WARN = "#f0e442"

# Districts' classes: a blue-to-mint ramp (like seaborn's "mako"), ordered in lightness, so it reads in greyscale
# and for the common colour-vision deficiencies. Viridis ended in the at-risk yellow: a busy district read "at risk".
SEQUENTIAL = ("#3f3c8f", "#35689e", "#3495a8", "#5cc3ad", "#c9ecd6")
# Text colour that reads on each class colour.
SEQUENTIAL_TEXT = ("#ffffff", "#ffffff", "#ffffff", "#0b0f17", "#0b0f17")

OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#BBBBBB",
}
# Two ordered palettes that never share a colour, used alike on the wall and the pages:
# lateness (how long overdue): pink to deep magenta, apart from the status colours (the at-risk yellow was "<1 hari");
OVERDUE_COLOURS = ("#f6c3df", "#e58cc2", "#c95ea6", "#a23d8f")
# age of open reports: one cool hue, pale (young) to deep (old), so no age band reads as "late".
AGE_COLOURS = ("#d4ecfa", "#95cdef", "#56a7e0", "#2f79c4", "#3f4fb0")
NOW_COLOUR = OKABE_ITO["orange"]
BEFORE_COLOUR = OKABE_ITO["sky"]
INFLOW_COLOUR = OKABE_ITO["sky"]
CLOSED_COLOUR = OKABE_ITO["green"]
POINT_COLOUR = OKABE_ITO["orange"]

# At 1920×1080, scaled by the browser for larger canvases; never below the wall's smallest text (wall.css --fs-min).
BASE_FONT_PX = 22
# A legend of bare ranges ("<1", "1–3", …, ">14"): narrow entries (scaled with the fonts by assets/wall.js), so a
# narrow panel fits three or more a row instead of Plotly's one, sized for the longest.
RANGE_LEGEND = {"entrywidth": 56, "entrywidthmode": "pixels"}
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
