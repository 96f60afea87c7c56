"""Every callback test builds its own app: the page registry is reset around each."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_pages(fresh_page_registry):
    yield
