"""`python -m dashboard import` as a user meets it: a real subprocess on a real store, the JSON summary as the
last line, one `error:` line for unusable input, and an import killed halfway that a rerun completes exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.store.test_cli import assert_one_line_error, run
from tests.store.test_import import MAPPING, MESSY_ROWS, write_csv

pytestmark = pytest.mark.cli  # every test here runs `python -m dashboard` in a child process

REPO = Path(__file__).resolve().parents[2]
AT = "2026-11-23T09:30:00+09:00"


@pytest.fixture(scope="module")
def store_env(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("import-cli") / "store.db"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    assert run("init-db", env=env).returncode == 0
    return env


@pytest.fixture
def messy(tmp_path) -> tuple[Path, Path]:
    mapping = tmp_path / "nyc.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return write_csv(tmp_path / "messy.csv", MESSY_ROWS), mapping


def test_import_prints_the_json_summary_last(store_env, messy):
    """`import --json` exits 0 and its last stdout line is the summary; the rejects file sits beside the CSV;
    a second run inserts nothing."""
    path, mapping = messy
    args = ("import", str(path), "--source", "cli-nyc", "--mapping", str(mapping), "--json", "--at", AT)
    result = run(*args, env=store_env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (12, 6, 6)
    assert summary["inserted"] + summary["updated"] + summary["unchanged"] + summary["rejected"] == summary["read"]
    assert summary["rejects_file"] == str(path.with_name("messy.rejects.csv"))
    assert path.with_name("messy.rejects.csv").exists()
    assert "Traceback" not in result.stderr and "import: imported messy.csv" in result.stderr
    again = json.loads(run(*args, env=store_env).stdout.strip().splitlines()[-1])
    assert (again["inserted"], again["unchanged"]) == (0, 6)


def test_dry_run_on_the_command_line_writes_nothing(store_env, messy, tmp_path):
    """--dry-run counts like an import but adds no report and no rejects file."""
    path, mapping = messy
    engine = create_engine(store_env["DATABASE_URL"])
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM report")).scalar()
    result = run("import", str(path), "--source", "cli-dry", "--mapping", str(mapping), "--dry-run", "--json",
                 "--at", AT, env=store_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["inserted"] == 6
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == before
    assert not path.with_name("messy.rejects.csv").exists()


@pytest.mark.parametrize("extra, fragment", [
    (("--format", "dbase"), "--format"),
    (("--timezone", "Mars/Olympus"), "--timezone"),
    (("--mapping", "BROKEN"), "not valid TOML"),
    (("--mapping", "preset:nosuch"), "no preset"),
    (("--source", "has space"), "--source"),
    (("--source", "demo"), "the demo's own"),  # item 13: real reports under the demo's name would pass for a demo
])
def test_unusable_options_are_one_clear_line(store_env, messy, extra, fragment):
    """An unknown format or zone, a broken mapping or preset, a bad source name: one `error:` line, exit 2."""
    path, mapping = messy
    if "BROKEN" in extra:
        broken = mapping.with_name("broken.toml")
        broken.write_text("[columns\ncreated_at = ", encoding="utf-8")
        extra = ("--mapping", str(broken))
    args = ["import", str(path), "--source", "cli-bad", "--mapping", str(mapping), *extra]
    assert_one_line_error(run(*args, env=store_env), fragment)


def test_missing_file_is_one_clear_line(store_env, tmp_path):
    """A file that is not there is named in one line, exit 2."""
    assert_one_line_error(run("import", str(tmp_path / "nope.csv"), "--source", "x", env=store_env),
                          "no such file")


def _big_csv(path: Path, rows: int) -> Path:
    lines = ["external_id,created_at,closed_at,status,category,title,lat,lon"]
    for i in range(rows):
        day, minute = 1 + (i % 20), i % 600
        status = ("baru", "diproses", "selesai", "ditutup")[i % 4]
        closed = f"2026-10-{day + 2:02d} 10:00" if status in ("selesai", "ditutup") else ""
        lines.append(f"K{i},2026-10-{day:02d} {8 + minute // 60:02d}:{minute % 60:02d},{closed},{status},"
                     f"{('jalan', 'sampah', 'banjir')[i % 3]},Laporan {i},-4.5{i % 10},136.8{i % 7}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _snapshot(url: str) -> tuple[list, list]:
    engine = create_engine(url)
    with engine.connect() as conn:
        reports = conn.execute(text(
            "SELECT source, external_id, channel, category_code, opd_code, district_code, village_code, lat, lon, "
            "title, description, status, created_at, first_response_at, resolved_at, closed_at, response_due_at, "
            "resolution_due_at, paused_seconds, updated_at FROM report ORDER BY external_id")).all()
        events = conn.execute(text(
            "SELECT r.external_id, e.at, e.kind, e.from_status, e.to_status, e.opd_code, e.actor, e.note "
            "FROM report_event e JOIN report r ON r.id = e.report_id "
            "ORDER BY r.external_id, e.at, e.kind, e.to_status")).all()
    engine.dispose()
    return [tuple(r) for r in reports], [tuple(e) for e in events]


def test_an_import_killed_halfway_and_rerun_equals_one_clean_run(tmp_path):
    """SIGKILL an import mid-file, run it again: the store equals one uninterrupted import's (reports and
    events), and the rerun's summary says which part it found already there."""
    rows = 15_000
    path = _big_csv(tmp_path / "big.csv", rows)
    killed, clean = tmp_path / "killed.db", tmp_path / "clean.db"
    args = ["import", str(path), "--source", "big", "--json", "--at", AT, "--batch-size", "500"]
    for db in (killed, clean):
        assert run("init-db", env={"DATABASE_URL": f"sqlite:///{db}"}).returncode == 0
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{killed}"}
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = create_engine(f"sqlite:///{killed}")
    deadline = time.monotonic() + 240
    count = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as conn:
                count = conn.execute(text("SELECT count(*) FROM report")).scalar()
            if count >= 1500:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    try:
        # The writer process dies with its reader: nothing more lands after the kill (an orphaned writer would go
        # on with the batches the pipe held, beside the rerun).
        with engine.connect() as conn:
            after_kill = conn.execute(text("SELECT count(*) FROM report")).scalar()
        time.sleep(1.5)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM report")).scalar() == after_kill
    finally:
        engine.dispose()
    assert 0 < count < rows, f"the import was not caught halfway ({count} rows)"
    rerun = run(*args, env={"DATABASE_URL": f"sqlite:///{killed}"})
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert summary["unchanged"] >= count and summary["inserted"] + summary["unchanged"] == rows
    once = run(*args, env={"DATABASE_URL": f"sqlite:///{clean}"})
    assert once.returncode == 0, once.stderr
    assert json.loads(once.stdout.strip().splitlines()[-1])["inserted"] == rows
    got, want = _snapshot(f"sqlite:///{killed}"), _snapshot(f"sqlite:///{clean}")
    assert len(got[0]) == rows and len(got[1]) == len(want[1])
    assert got == want


def test_progress_bar_only_on_a_terminal(store_env, messy):
    """On a terminal stderr shows a progress bar; into a pipe (scripts, cron) it shows only the summary line."""
    import pty

    path, mapping = messy
    args = [sys.executable, "-m", "dashboard", "import", str(path), "--source", "cli-tty", "--mapping",
            str(mapping), "--at", AT]
    env = {**os.environ, **store_env}
    main, secondary = pty.openpty()
    try:
        done = subprocess.run(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=secondary, timeout=300)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(main)
    assert done.returncode == 0
    on_terminal = b"".join(chunks).decode()
    assert "\rimport:" in on_terminal and "records [" in on_terminal and "100.0%" in on_terminal
    piped = run("import", str(path), "--source", "cli-tty", "--mapping", str(mapping), "--at", AT, env=store_env)
    assert "records [" not in piped.stderr and "import: imported" in piped.stderr
