"""Every callback test builds its own app: the page registry is reset around each."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_pages(fresh_page_registry):
    yield


@pytest.fixture(autouse=True)
def _exports_untimed(monkeypatch):
    """Callback tests check what an export contains, not how fast a loaded machine makes it: the exports' time
    budget (8 s, callbacks/export_runner.py) is lifted here; test_export_bounds.py sets it to 0 to test the refusal,
    and benchmarks/bench_exports.py measures the real one."""
    monkeypatch.setattr("callbacks.export_runner.EXPORT_BUDGET_SECONDS", 600.0)
