"""A headline card of the PDFs: the monthly report fits six in a row, so a long value gives way to its change and
a long target line shrinks before it is cut (the value once ran into "−43,2 jam")."""

from __future__ import annotations

import shutil

import pytest

from layouts import pdf_doc
from tests.support.pdf_layout import page_words

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext reads the PDF")


def _words(data: bytes, tmp_path) -> list[tuple[str, float, float, float, float]]:
    path = tmp_path / "cards.pdf"
    path.write_bytes(data)
    return page_words(path)[0][1]


def _apart(a, b) -> bool:
    return a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]


def test_six_cards_in_a_row_keep_value_change_and_target_apart(tmp_path):
    pdf = pdf_doc.new_document("Uji", "Uji · November 2026", "Data per 07-12-2026 20:58 WIT")
    pdf.add_page()
    w = (pdf.w - pdf.l_margin - pdf.r_margin - 5 * 3) / 6
    cards = [("Respons tepat waktu (%)", "81,6%", "−2,1 pp"), ("Median penyelesaian (jam)", "140,6", "−43,2 jam"),
             ("Median respons (jam)", "1.234,5", "+1.004,0 jam")]
    for i, (label, value, change) in enumerate(cards):
        pdf_doc.card(pdf, pdf.l_margin + i * (w + 3), 30, w, 34, label, value, "n = 1.360", "Bulan sebelumnya: 10,2",
                     change, "worse", "✓ memenuhi sasaran ≤ 24 jam")
    words = _words(bytes(pdf.output()), tmp_path)
    for _, value, change in cards:
        value_box = next(box for box in words if box[0] == value)
        change_box = next(box for box in words if box[0] == change.split()[0])
        assert _apart(value_box, change_box), (value, change)
    crowded = [box for box in words if box[2] > 40]  # every word below the page head
    assert all(_apart(a, b) for i, a in enumerate(crowded) for b in crowded[i + 1:]), "words overlap"
    assert sum(1 for word, *_ in words if word == "jam") >= 3 + 2  # every target line whole, not "≤ 24…"
    assert not any("…" in word for word, *_ in words)
