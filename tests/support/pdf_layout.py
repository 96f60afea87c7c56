"""Where poppler's pdftotext puts each word of a PDF, for tests of a document's layout."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from layouts.pdf_doc import FOOT

MM = 72 / 25.4  # points per millimetre


def page_words(path: Path) -> list[tuple[float, list[tuple[str, float, float, float, float]]]]:
    """Each page's height and its words with their boxes (points, from the top left)."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [(w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body)]
        pages.append((float(height), words))
    return pages


def assert_every_page_ends_above_its_foot(path: Path) -> None:
    """Only the foot's one line (the title and "Halaman n dari N") lies in the foot's band of each page."""
    for number, (height, words) in enumerate(page_words(path), start=1):
        top = height - FOOT * MM
        foot = [w for w in words if w[4] > top]
        assert foot, f"page {number}: no foot"
        line = min(w[2] for w in foot)
        stray = [w[0] for w in foot if w[2] - line > 1.0 or w[2] < top - 1.0]
        if stray:
            pytest.fail(f"page {number}: text runs into the foot: {' '.join(stray)[:200]}")
