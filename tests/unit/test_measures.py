"""The measure catalog (core/measures.py): every figure a view shows is defined there once, and each definition
points at SQL that exists."""

from __future__ import annotations

import importlib

import pytest

from core import measures
from data_access.queries.compliance import COMPARED
from data_access.queries.kpis import KPI_COLUMNS
from layouts import wall
from layouts.briefing import FIGURES
from layouts.opd import OPD_FIGURES
from layouts.public import FIGURES as PUBLIC_FIGURES


@pytest.mark.parametrize("entry", measures.CATALOG, ids=lambda m: m.key)
def test_each_measure_names_the_sql_that_decides_it(entry):
    module, _, attribute = entry.rule.partition(":")
    assert module.startswith("data_access.") and hasattr(importlib.import_module(module), attribute), entry.rule


@pytest.mark.parametrize("entry", measures.CATALOG, ids=lambda m: m.key)
def test_each_definition_is_one_sentence_in_both_languages(entry):
    for text in (entry.definition_id, entry.definition_en):
        assert text.endswith(".") and ". " not in text.rstrip(".") and len(text) < 300, text
        assert "**" not in text and "__" not in text, text  # the PDFs print it as markdown


def test_one_name_one_meaning():
    """Two measures never share a name: a figure that means something else is named apart."""
    for lang in ("id", "en"):
        names = [measures.name(m.key, lang) for m in measures.CATALOG]
        assert len(names) == len(set(names)), names


def test_every_figure_the_views_show_is_in_the_catalog():
    shown = {k for k in KPI_COLUMNS if not k.endswith(("_sample", "_unknown"))} | set(COMPARED) | set(
        wall.MEASURES) | set(FIGURES) | set(OPD_FIGURES) | set(PUBLIC_FIGURES)
    missing = sorted(k for k in shown if k not in measures.BY_KEY and k not in measures.ALIASES)
    assert not missing, missing
    assert measures.name("median_response", "id") == measures.name("median_response_hours", "id")


def test_unknown_key_is_an_error_not_a_blank():
    with pytest.raises(KeyError):
        measures.name("no_such_measure", "id")
