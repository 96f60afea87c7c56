"""#24 item 2: hostile files are bounded. Each shape, built just over the reader's named limit (readers.py), stops
the import before it writes, with one `error:` line and exit 2 from the CLI, never a traceback; the shared-strings
bomb is read in a stream, so the child's peak memory stays near an import of a tiny file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access.intake.importing import ImportFailed, readers
from tests.store.test_cli import assert_one_line_error
from tests.store.test_import import run, write_csv

REPO = Path(__file__).resolve().parents[2]
HEADER = "external_id,created_at,category,title"


def _xlsx(tmp_path: Path, *, shared: bytes | None = None, sheet: bytes | None = None) -> Path:
    """A real workbook (openpyxl) with its shared strings or its first sheet's part replaced."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["external_id", "created_at", "category", "title"])
    book.active.append(["X1", "2026-11-01 10:00", "jalan", "Jalan"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    path = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if shared is not None and item.filename == "xl/_rels/workbook.xml.rels":
                # openpyxl writes text inline: the table is added as Excel has it, so openpyxl would load it
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            if shared is not None and item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"'
                                    b"/></Types>")
            if sheet is not None and item.filename == "xl/worksheets/sheet1.xml":
                data = sheet
            out.writestr(item.filename, data)
        if shared is not None:
            out.writestr("xl/sharedStrings.xml", shared)
    return path


def _shared_strings(count: int) -> bytes:
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return head + b"<si><t>external_id</t></si>" + b"<si/>" * count + b"</sst>"


def _wide_row(cells: int) -> bytes:
    head = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c>'
            b'</row><row r="2">')
    return head + b"<c/>" * cells + b"</row></sheetData></worksheet>"


def hostile(shape: str, tmp_path: Path) -> tuple[Path, str]:
    """The file of one hostile shape, and a fragment of the message it must get."""
    if shape == "shared strings":
        return _xlsx(tmp_path, shared=_shared_strings(readers.MAX_SHARED_STRINGS)), "shared strings"
    if shape == "row cells":
        return _xlsx(tmp_path, sheet=_wide_row(readers.MAX_ROW_CELLS + 1)), "cells beyond column"
    if shape == "csv field":
        field = "x" * (readers.MAX_RECORD_CHARS + 1)
        return write_csv(tmp_path / "field.csv", [f'A1,2026-11-01 10:00,jalan,"{field}"'], HEADER), "longer than"
    if shape == "csv columns":
        header = ",".join(f"c{i}" for i in range(readers.MAX_COLUMNS + 1))
        return write_csv(tmp_path / "wide.csv", ["1," * readers.MAX_COLUMNS + "1"], header), "columns"
    if shape == "csv row":
        return write_csv(tmp_path / "row.csv", ["," * (readers.MAX_RECORD_CHARS + 1)], HEADER), "longer than"
    if shape == "xml nesting":
        path = tmp_path / "deep.xml"
        path.write_text("<a>" * 200_000 + "</a>" * 200_000, encoding="utf-8")
        return path, "deeper than"
    if shape == "json nesting":
        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        return path, "deeper than"
    if shape == "json wrappers":
        path = tmp_path / "wrap.json"
        path.write_text('{"data": ' * 100_000 + "[]" + "}" * 100_000, encoding="utf-8")
        return path, "deeper than"
    raise AssertionError(shape)


SHAPES = ["shared strings", "row cells", "csv field", "csv columns", "csv row", "xml nesting", "json nesting",
          "json wrappers"]


@pytest.fixture(autouse=True)
def _release_connections(request):
    engine = request.getfixturevalue("empty_store") if "empty_store" in request.fixturenames else None
    yield
    if engine is not None:
        engine.dispose()


@pytest.mark.parametrize("shape", SHAPES)
def test_hostile_file_is_refused_before_writing(empty_store, workcal, tmp_path, shape):
    path, fragment = hostile(shape, tmp_path)
    with pytest.raises(ImportFailed, match=fragment):
        run(empty_store, workcal, path, source="hostile")
    with empty_store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 0


def test_a_value_just_under_the_limits_still_lands(empty_store, workcal, tmp_path):
    """The limits stop hostile shapes, not long real values: a 1 MB field rejects its record only, the
    file goes on; 500 columns are read."""
    header = ",".join(["external_id", "created_at", "category", "title", *(f"c{i}" for i in range(496))])
    big = "y" * (readers.MAX_FIELD_CHARS + 1)
    rows = ["A1,2026-11-01 10:00,jalan,Jalan" + "," * 496, f'A2,2026-11-01 10:00,jalan,"{big}"' + "," * 496,
            "A3,2026-11-01 11:00,jalan,Jalan" + "," * 496]
    summary = run(empty_store, workcal, write_csv(tmp_path / "ok.csv", rows, header), source="edge")
    assert (summary.inserted, summary.rejected) == (2, 1)


def _cli(path: Path, store: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`python -m dashboard import` in a child that reports its own peak memory (KiB) as the last stdout line."""
    code = ("import resource, sys\nfrom dashboard.cli import main\nrc = main(sys.argv[1:])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\nsys.exit(rc)")
    env = {"DATABASE_URL": f"sqlite:///{store}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code, "import", str(path), "--source", "hostile"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=300)
    return result, int(result.stdout.strip().splitlines()[-1])


@pytest.mark.cli
def test_cli_says_one_error_line_with_bounded_memory(tmp_path):
    store = tmp_path / "store.db"
    init = subprocess.run([sys.executable, "-m", "dashboard", "init-db"], cwd=REPO, capture_output=True,
                          text=True, env={"DATABASE_URL": f"sqlite:///{store}", "PATH": "/usr/bin:/bin"})
    assert init.returncode == 0, init.stderr
    tiny = write_csv(tmp_path / "tiny.csv", ["T1,2026-11-01 10:00,jalan,Jalan"], HEADER)
    ok, baseline = _cli(tiny, store)
    assert ok.returncode == 0, ok.stderr
    for shape in SHAPES:
        folder = tmp_path / shape.replace(" ", "_")
        folder.mkdir()
        path, fragment = hostile(shape, folder)
        result, peak = _cli(path, store)
        assert_one_line_error(result, fragment)
        if shape == "shared strings":
            # openpyxl would hold two million strings (over 100 MB); the stream holds one at a time.
            assert peak - baseline < 60_000, (peak, baseline)
