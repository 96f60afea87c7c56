"""The briefing PDF's district names never cover one another (Timika's small districts crowd them together)."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layouts.pdf_doc import _declutter


def test_crowded_names_are_moved_apart_and_lone_ones_stay():
    fig = Figure(figsize=(4, 3), dpi=200)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    names = [ax.text(x, y, name, fontsize=4.6, ha="center", va="center")
             for x, y, name in ((5, 5, "Mimika Tengah"), (5.2, 5.05, "Mimika Timur"), (5.1, 4.9, "Kwamki Narama"),
                                (1, 9, "Alama"))]
    _declutter(fig, ax, names)
    fig.canvas.draw()
    boxes = [name.get_window_extent(fig.canvas.get_renderer()) for name in names]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert names[0].get_position() == (5, 5) and names[3].get_position() == (1, 9)
