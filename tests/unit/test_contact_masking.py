"""#23 items 1–3: one contact masking, linear in the text's length; one formula rule for every CSV and XLSX cell;
and a check that every writer of spreadsheets and every query that hands out free text goes through them."""

from __future__ import annotations

import ast
import csv
import time
from pathlib import Path

import pytest

from core.contact_masking import MASK, mask_contacts
from core.spreadsheet_cells import csv_cell, formula_like

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("dashboard", "callbacks", "layouts", "data_access", "open311", "core", "demo", "outbox", "geo")

HIDDEN = [  # (typed by a citizen, what must not survive)
    ("Telp 081299990001 jalan putus", "081299990001"),
    ("NIK 9109123412341234", "9109123412341234"),
    ("NIK 9109 1234 1234 1234 ya", "1234"),  # with spaces: none of it survives, not even the last digits
    ("hp 0812–3456–7892", "7892"),  # en dash
    ("hp 0812—3456—7892", "7892"),  # em dash
    ("hp 0812/3456/7893", "7893"),
    ("hp 0812,3456,7894", "7894"),
    ("hp 0812.3456.7895", "7895"),
    ("hp (0901) 321 456", "321 456"),
    ("hp +62 812-3456-7890", "7890"),
    ("hp ０８１２３４５６７８９０ ok", "７８９０"),  # full-width digits
    ("hp 0812 ‑ 3456 ‑ 7896", "7896"),  # non-breaking hyphens with spaces around
    ("surel budi@gmail.com", "gmail"),
    ("surel budi @ gmail.com", "gmail"),
    ("surel budi＠gmail．com", "gmail"),  # full-width at and dot
    ("surel a.b+c@sub.example.co.id.", "example"),
]
KEPT = [  # readable text that is not a contact
    "sejak 12-10-2026 14.30 air mati",
    "tanggal 2026-10-12 08.15.00",
    "dana desa Rp 1.500.000.000 belum cair",
    "rumah no 12, RT 003/RW 004",
    "jalan rusak sepanjang 300 m di km 12",
    "email: belum ada@",
]


@pytest.mark.parametrize(("text", "secret"), HIDDEN, ids=[h[0] for h in HIDDEN])
def test_item3_contacts_are_masked_however_they_are_separated(text, secret):
    masked = mask_contacts(text)
    assert MASK in masked and secret not in masked, masked


@pytest.mark.parametrize("text", KEPT)
def test_item3_dates_money_and_house_numbers_stay_readable(text):
    assert mask_contacts(text) == text


def test_item3_nothing_and_empty_stay_as_they_are():
    assert mask_contacts(None) is None and mask_contacts("") == ""


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.process_time()  # this process's CPU time: other tests on the machine do not count
        mask_contacts(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", ["a", "1", "a@", "1 ", "@ ", "a.", "x" * 63 + "@", "1-", "b@c."])
def test_item1_masking_is_linear_in_the_length_of_hostile_text(unit):
    """Four times the text costs about four times the time (the old patterns cost sixteen: 5.3 s for 40,000 a's).
    A ratio, not a time limit: the machine's speed cancels out."""
    short = unit * (50_000 // len(unit))
    long = unit * (200_000 // len(unit))
    ratio = _seconds(long) / max(_seconds(short), 1e-3)
    assert ratio < 10, f"{unit!r}: 4x the text took {ratio:.1f}x the time"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "＝"])
def test_item2_formula_starts_are_recognised(start):
    value = f"{start}HYPERLINK(\"http://evil.example\")"
    assert formula_like(value) and csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["jalan", "", " =1", 5, -3.5, None])
def test_item2_other_values_are_left_alone(value):
    assert csv_cell(value) == value


def test_item2_the_import_rejects_file_neutralises_formulas(tmp_path):
    from data_access.intake.importing.file_import import RejectsFile
    from data_access.intake.importing.readers import RawRecord

    path = tmp_path / "r.csv"
    rejects = RejectsFile(path)
    rejects.write(RawRecord(7, {"x": "=1+2"}, '=HYPERLINK("http://evil.example")'), "rejected", "-no category")
    rejects.close()
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][2:] == ["'-no category", "'=HYPERLINK(\"http://evil.example\")"]


# --- every writer and every free-text query goes through the one function ---------------------------------------

SPREADSHEET_WRITERS = ("csv.writer", "csv.DictWriter", ".to_csv", "Workbook", ".to_excel")


def _product_files():
    for package in PRODUCT:
        yield from sorted((ROOT / package).rglob("*.py"))


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                base = func.value.id if isinstance(func.value, ast.Name) else ""
                names |= {f".{func.attr}", f"{base}.{func.attr}"}
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def test_item2_every_csv_and_xlsx_writer_neutralises_formulas():
    """A module that writes CSV or XLSX also calls csv_cell or formula_like (core/spreadsheet_cells.py)."""
    writers = {}
    for path in _product_files():
        calls = _calls(ast.parse(path.read_text()))
        if calls & set(SPREADSHEET_WRITERS):
            writers[path.relative_to(ROOT).as_posix()] = bool(calls & {"csv_cell", "formula_like", ".map"}) and (
                "csv_cell" in path.read_text() or "formula_like" in path.read_text())
    assert writers, "no writer found: the scan is broken"
    assert {"layouts/exports.py", "layouts/public.py", "data_access/intake/importing/file_import.py"} <= set(writers)
    assert all(writers.values()), [p for p, ok in writers.items() if not ok]


FREE_TEXT = {("Report", "title"), ("Report", "description"), ("ReportEvent", "note")}
WRITERS_OF_TEXT = {"data_access/intake/writer.py", "data_access/intake/importing/upsert.py",
                   "data_access/intake/importing/translate.py", "data_access/store/schema.py",
                   "data_access/intake/bulk_load.py"}


def test_item3_every_query_that_reads_free_text_masks_it():
    """A function under data_access/ that selects a report's title, description or a timeline note passes its
    result through free_texts or Scope.shown_text before it leaves (writers and the schema aside)."""
    unmasked = []
    for path in sorted((ROOT / "data_access").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in WRITERS_OF_TEXT or "/migrations/" in name:
            continue
        tree = ast.parse(path.read_text())
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            reads = {(n.value.id, n.attr) for n in ast.walk(func) if isinstance(n, ast.Attribute)
                     and isinstance(n.value, ast.Name)} & FREE_TEXT
            if reads and not _calls(func) & {"free_texts", ".shown_text", "_public"}:
                unmasked.append(f"{name}:{func.name}")
    # The columns tuples are built by helpers and used by the functions that mask: those helpers are named here.
    assert set(unmasked) <= {"data_access/queries/report_lists.py:_list_columns",
                             "data_access/intake/open311_store.py:_request_select"}, unmasked
