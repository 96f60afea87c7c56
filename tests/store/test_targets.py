"""Targets (issue #25): set, listed and cleared with `python -m dashboard targets` on SQLite and PostgreSQL, bounded
input refused with one line and exit 2, and the view's target chosen OPD → regency → default."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core import measures
from dashboard.cli import main
from data_access import queries
from data_access.queries.targets import measure_targets, target_map
from data_access.rulebook.scope import Filters, Scope
from tests.support.dash_app import url


def _run(monkeypatch, capsys, engine, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url(engine))
    code = main(["targets", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _listed(monkeypatch, capsys, engine) -> list[dict]:
    code, out, err = _run(monkeypatch, capsys, engine, "list", "--json")
    assert code == 0, err
    return json.loads(out)["targets"]


def test_defaults_are_listed_with_their_basis(empty_store, monkeypatch, capsys):
    rows = _listed(monkeypatch, capsys, empty_store)
    assert {r["measure"]: r["value"] for r in rows} == {k: d.value for k, d in measures.DEFAULT_TARGETS.items()}
    assert all(r["source"] == "default" and r["basis"] and r["opd_code"] == "" for r in rows)
    assert {r["measure"]: r["direction"] for r in rows}["response_compliance_pct"] == "higher"
    code, out, _ = _run(monkeypatch, capsys, empty_store, "--json")  # `targets --json` is the same list
    assert code == 0 and json.loads(out)["targets"] == rows


def test_set_list_clear_for_the_regency_and_one_opd(empty_store, monkeypatch, capsys):
    before = queries.store_version(empty_store)
    code, _, err = _run(monkeypatch, capsys, empty_store, "set", "response_compliance_pct", "95,5")
    assert code == 0, err
    set_once = queries.store_version(empty_store)
    assert set_once != before  # every screen rebuilds at its next refresh
    code, _, err = _run(monkeypatch, capsys, empty_store, "set", "overdue_response", "3", "--opd", "pupr")
    assert code == 0, err
    rows = _listed(monkeypatch, capsys, empty_store)
    regency = {r["measure"]: r for r in rows if r["opd_code"] == ""}
    assert regency["response_compliance_pct"]["value"] == 95.5
    assert regency["response_compliance_pct"]["source"] == "regency"
    assert regency["response_compliance_pct"]["set_by"].startswith("cli")
    assert datetime.fromisoformat(regency["response_compliance_pct"]["set_at"]) <= datetime.now(UTC)
    assert [(r["measure"], r["value"]) for r in rows if r["opd_code"] == "PUPR"] == [("overdue_response", 3.0)]

    now = datetime.now(UTC)
    wall = target_map(measure_targets(empty_store, Filters(), Scope.wall(), now))
    pupr = measure_targets(empty_store, Filters(), Scope.opd_head("PUPR"), now)
    assert wall["response_compliance_pct"] == 95.5 and wall["overdue_response"] == 0.0
    assert target_map(pupr)["overdue_response"] == 3.0 and target_map(pupr)["response_compliance_pct"] == 95.5
    assert dict(zip(pupr["measure"], pupr["source"], strict=True))["overdue_response"] == "opd"
    other = target_map(measure_targets(empty_store, Filters(opds=("DINKES",)), Scope.wall(), now))
    assert other["overdue_response"] == 0.0  # another OPD's view keeps the regency's

    code, _, err = _run(monkeypatch, capsys, empty_store, "clear", "overdue_response", "--opd", "PUPR")
    assert code == 0 and "cleared" in err
    code, _, err = _run(monkeypatch, capsys, empty_store, "clear", "response_compliance_pct")
    assert code == 0
    rows = _listed(monkeypatch, capsys, empty_store)
    assert all(r["source"] == "default" for r in rows) and len(rows) == len(measures.DEFAULT_TARGETS)
    code, _, err = _run(monkeypatch, capsys, empty_store, "clear", "response_compliance_pct")
    assert code == 0 and "nothing changed" in err


@pytest.mark.parametrize("args, fragment", [
    (("set", "response_compliance_pct", "150"), "out of range"),
    (("set", "response_compliance_pct", "-1"), "out of range"),
    (("set", "response_compliance_pct", "nan"), "out of range"),
    (("set", "median_response_hours", "1e9"), "out of range"),
    (("set", "overdue", "2.5"), "whole number"),
    (("set", "overdue", "lots"), "not a number"),
    (("set", "new_today", "10"), "takes no target"),
    (("set", "x" * 500, "10"), "takes no target"),
    (("set", "open", "10", "--opd", "NOPE"), "not an OPD code"),
    (("clear", "bogus"), "takes no target"),
])
def test_bad_input_is_one_line_and_exit_2(empty_store, monkeypatch, capsys, args, fragment):
    code, out, err = _run(monkeypatch, capsys, empty_store, *args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err
    assert len(lines[0]) < 400  # a 500-character name is not echoed back whole... nor a traceback
    assert all(r["source"] == "default" for r in _listed(monkeypatch, capsys, empty_store))


def test_target_state_and_ratio_follow_the_direction():
    assert measures.target_state("response_compliance_pct", 91.0, 90.0) == "on"
    assert measures.target_state("response_compliance_pct", 89.9, 90.0) == "off"
    assert measures.target_state("overdue_response", 0, 0.0) == "on"
    assert measures.target_state("overdue_response", 1, 0.0) == "off"
    assert measures.target_state("median_response_hours", None, 24.0) is None
    assert measures.target_state("new_today", 5, 1.0) is None
    assert measures.target_ratio("response_compliance_pct", 45.0, 90.0) == 0.5
    assert measures.target_ratio("median_response_hours", 48.0, 24.0) == 0.5
    assert measures.target_ratio("overdue_response", 3, 0.0) is None
