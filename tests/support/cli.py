"""`python -m dashboard …` run inside the test process: the same ``main()``, arguments, environment, stdin, output
and exit code a child process gives, without a new interpreter importing pandas, SQLAlchemy and Dash for every call
(about 1.4 CPU seconds each; the suite makes hundreds). What only a real process can show — the entry point itself,
a signal, a kill halfway, peak memory — stays a subprocess in the tests that check it.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Mapping

from sqlalchemy import Engine, event


def run_cli(*args: str, env: Mapping[str, str] | None = None, input: str | None = None,
            clean_env: bool = False, **_ignored) -> subprocess.CompletedProcess:
    """``python -m dashboard *args`` with ``env`` added to this process's environment (or, with ``clean_env``,
    instead of it) and ``input`` on stdin. An exception the command line does not handle is a traceback on stderr
    and exit 1, as in a child process. Keyword arguments meant for subprocess.run (``timeout``) are accepted and
    ignored."""
    from dashboard.cli import main

    out, err = io.StringIO(), io.StringIO()
    opened: set[Engine] = set()

    def remember(connection) -> None:
        opened.add(connection.engine)

    saved_env, saved_stdin, saved_term = dict(os.environ), sys.stdin, signal.getsignal(signal.SIGTERM)
    if clean_env:
        os.environ.clear()
    os.environ.update(env or {})
    sys.stdin = io.StringIO(input or "")
    event.listen(Engine, "engine_connect", remember)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors (2), --help (0)
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        # A process that ends closes its connections, and SQLite then folds its write-ahead log into the store
        # file (a test may copy that file next): the command's engines are closed here likewise.
        event.remove(Engine, "engine_connect", remember)
        for engine in opened:
            engine.dispose()
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
        signal.signal(signal.SIGTERM, saved_term)
    return subprocess.CompletedProcess([sys.executable, "-m", "dashboard", *args], code, out.getvalue(),
                                       err.getvalue())
