"""What tests of every layer share: the fixed clock, the repository's paths, the oracle and the Dash helpers."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data" / "mimika"
OUTPUT = REPO / "test-output"
# A Monday morning in WIT (09:30), fixed so that SLA and "today" figures are reproducible.
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
# Every store test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL names a server (CI sets it).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
