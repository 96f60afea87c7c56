"""requirements.txt alone runs the app: a venv built from it serves every page, the CLI, gunicorn and the worker.

Building the venv downloads and installs everything (≈750 MB; 4½ minutes on the 2-core CI machine under load), so
it is built once per requirements.txt and Python version and kept in ~/.cache/mimika/requirements-venv/<hash>
(MIMIKA_VENV_CACHE elsewhere). Without a kept venv the build runs only in CI (CI set) or with
MIMIKA_TEST_REQUIREMENTS=1; elsewhere the test is skipped and says how to run it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import Gunicorn, http_get

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "requirements.txt"
CACHE = Path(os.environ.get("MIMIKA_VENV_CACHE") or Path.home() / ".cache" / "mimika" / "requirements-venv")


def _digest() -> str:
    text = REQUIREMENTS.read_bytes() + sys.version.encode()
    return hashlib.sha256(text).hexdigest()[:16]


@pytest.fixture(scope="session")
def requirements_venv() -> Path:
    target = CACHE / _digest()
    if (target / ".complete").exists():
        return target
    if not (os.environ.get("CI") or os.environ.get("MIMIKA_TEST_REQUIREMENTS") == "1"):
        pytest.skip("builds a venv from requirements.txt (about 5 minutes, once): runs in CI, or set "
                    "MIMIKA_TEST_REQUIREMENTS=1")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:  # two test runs on one machine build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=300)
            # --no-compile: byte-compiling every installed file was more than half of the build's CPU; the modules
            # the app imports are compiled when first imported, as on a deployment that installs the same way
            done = subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                   "--disable-pip-version-check", "--no-compile", "-r", str(REQUIREMENTS)],
                                  capture_output=True, text=True, timeout=3000)
            if done.returncode != 0:
                shutil.rmtree(target, ignore_errors=True)
                pytest.fail(f"pip install -r requirements.txt failed:\n{done.stderr[-3000:]}")
            (target / ".complete").write_text("ok\n")
    return target


# What smoke_app.py renders: every registered page, a path template filled in (/opd/<code>, /report/<id>).
EVERY_PAGE = {"/", "/briefing", "/explorer", "/404", "/opd", "/opd/PUPR", "/report/1", "/sla", "/wall"}


def rendered_pages(stdout: str) -> set[str]:
    """The pages named by smoke_app.py's "smoke: N pages rendered: a, b, …" line (N checked against the list)."""
    line = re.search(r"^smoke: (\d+) pages rendered: (.*)$", stdout, re.M)
    assert line, stdout[-3000:]
    pages = line.group(2).split(", ")
    assert int(line.group(1)) == len(pages) == len(set(pages)), line.group(0)
    return set(pages)


def _run(venv: Path, *args: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_requirements_txt_alone_serves_every_page(requirements_venv, tmp_path):
    """In the venv from requirements.txt: the CLI makes a store, the app renders every page, gunicorn serves
    /healthz and the worker runs its jobs once."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}", SECRET_KEY="requirements-test", PYTHONPATH=str(REPO),
               PATH=f"{requirements_venv / 'bin'}:{env.get('PATH', '')}")
    seeded = _run(requirements_venv, "-m", "dashboard", "seed-demo", "--days", "5", "--per-day", "10", env=env)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    smoke = _run(requirements_venv, str(Path(__file__).with_name("smoke_app.py")), env=env)
    assert smoke.returncode == 0, (smoke.stdout + smoke.stderr)[-3000:]
    assert rendered_pages(smoke.stdout) == EVERY_PAGE, smoke.stdout[-3000:]
    worker = _run(requirements_venv, "-m", "dashboard", "worker", "--once", env=env)
    assert worker.returncode == 0, worker.stderr[-2000:]
    server = Gunicorn({**env, "PATH": env["PATH"]}, workers=1, python=requirements_venv / "bin" / "python")
    try:
        assert http_get(server.port, "/healthz")[0] == 200
    finally:
        server.close()
