"""The targets a view is judged against: the regency's (or one OPD's) from the store, else the defaults.

A view of one OPD (an OPD head's scope, or a filter on one OPD) takes that OPD's target where one is set; every
other view, and every figure without an OPD target, takes the regency's; a figure with neither takes
core.measures.DEFAULT_TARGETS. The store version counts the targets' rows (queries/version.py), so a target set
with `python -m dashboard targets` reaches every screen at its next refresh.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select

from core import measures
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import MeasureTarget

TARGET_COLUMNS = ("measure", "value", "source", "opd_code", "set_by", "set_at")


def view_opd(filters: Filters, scope: Scope) -> str | None:
    """The one OPD a view is about, or None for a view of several or all."""
    if scope.opds is not None and len(scope.opds) == 1:
        return next(iter(scope.opds))
    if len(filters.opds) == 1:
        return filters.opds[0]
    return None


def stored_targets(engine: Engine) -> list[dict]:
    """Every row of measure_target, regency-wide first, then by OPD and measure."""
    with engine.connect() as conn:
        rows = conn.execute(select(MeasureTarget.measure, MeasureTarget.opd_code, MeasureTarget.value,
                                   MeasureTarget.set_by, MeasureTarget.set_at)
                            .order_by(MeasureTarget.opd_code, MeasureTarget.measure)).all()
    return [{"measure": r.measure, "opd_code": r.opd_code, "value": float(r.value), "set_by": r.set_by,
             "set_at": r.set_at} for r in rows]


def resolve_targets(stored: list[dict], opd: str | None) -> pd.DataFrame:
    """One row per figure that has a target for ``opd`` (None: the regency): the value and where it came from
    ("opd", "regency" or "default")."""
    chosen: dict[str, dict] = {key: {"measure": key, "value": d.value, "source": "default", "opd_code": "",
                                     "set_by": None, "set_at": None}
                               for key, d in measures.DEFAULT_TARGETS.items()}
    for row in stored:
        if row["opd_code"] == "":
            chosen[row["measure"]] = {**row, "source": "regency"}
    if opd is not None:
        for row in stored:
            if row["opd_code"] == opd:
                chosen[row["measure"]] = {**row, "source": "opd"}
    ordered = [chosen[k] for k in measures.DIRECTION if k in chosen]
    return pd.DataFrame(ordered, columns=list(TARGET_COLUMNS))


def measure_targets(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    """The targets of the view (see the module's note). ``now`` is unused: a target holds until it is changed."""
    del now
    return resolve_targets(stored_targets(engine), view_opd(filters, scope))


def target_map(targets: pd.DataFrame) -> dict[str, float]:
    """measure_targets' frame as {figure: target value}."""
    return {row.measure: float(row.value) for row in targets.itertuples(index=False)}
