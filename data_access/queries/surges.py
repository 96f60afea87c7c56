"""Surge alerts: the district × category cells whose last 24 hours are far above their usual rate
(data_access/rulebook/surge.py decides what "far above" means)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, case, func, select

from core.rules import NO_DISTRICT
from data_access.queries.common import frame
from data_access.rulebook import surge
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Category, District, Report

SURGE_COLUMNS = ("district_code", "district", "category_code", "category", "category_en", "observed", "expected",
                 "p_value")


def surge_alerts(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    """The cells in surge at ``now``, most surprising first: reports in the last 24 hours (``observed``), the
    count expected from the previous eight weeks (``expected``, rulebook/surge.py) and the chance that any cell
    watched gets that far above its expected count (``p_value``, ``surge.chance_anywhere``; the cells watched are
    the rows of the grouped count). Reports without a district form a cell of their own (``luar``).

    One grouped count in SQL over the last 57 days (read by the period index): per cell, its reports in the last
    24 hours, in the weeks before, in those weeks' windows matching the last 24 hours and in their last fortnight;
    at most a few hundred rows. The filters' district, OPD and category apply; their period does not (a surge is
    about now)."""
    with engine.connect() as conn:
        first = conn.execute(select(func.min(Report.created_at)).where(where(filters.without_period(), scope))
                             ).scalar()
        weeks = surge.weeks_with_history(now, first)
        if weeks == 0:
            return pd.DataFrame(columns=list(SURGE_COLUMNS))
        recent, history = surge.in_recent_window(now), surge.in_history(now, weeks)
        matching = surge.in_baseline_windows(surge.baseline_ends(now, weeks))
        place = func.coalesce(Report.district_code, NO_DISTRICT).label("district_code")

        def count(condition):
            return func.count(case((condition, 1)))

        cells = frame(conn, select(place, Report.category_code, count(recent).label("observed"),
                                   count(history).label("history"), count(matching).label("matching"),
                                   count(surge.in_level_window(now)).label("level"))
                      .where(where(filters.without_period(), scope, surge.in_span(now, weeks)))
                      .group_by(place, Report.category_code))
        names = frame(conn, select(District.code.label("district_code"), District.name.label("district")))
        categories = frame(conn, select(Category.code.label("category_code"), Category.name.label("category"),
                                        Category.name_en.label("category_en")))
    history_total = int(cells["history"].sum())
    share = surge.profile_share(int(cells["matching"].sum()), history_total, weeks)
    level = surge.level_factor(int(cells["level"].sum()), history_total, weeks)
    watched = len(cells)
    cells = cells[cells["observed"] >= surge.MIN_OBSERVED].copy()
    if cells.empty:
        return pd.DataFrame(columns=list(SURGE_COLUMNS))
    cells["observed"] = cells["observed"].astype(int)
    cells["expected"] = [surge.expected_count(int(h), share, level) for h in cells["history"]]
    pairs = list(zip(cells["observed"], cells["expected"], strict=True))
    cells["p_value"] = [surge.chance_anywhere(o, e, watched) for o, e in pairs]
    flagged = cells[[surge.is_surge(o, e, watched) for o, e in pairs]]
    out = flagged.merge(names, on="district_code", how="left").merge(categories, on="category_code", how="left")
    out = out.sort_values(["p_value", "observed", "district_code", "category_code"],
                          ascending=[True, False, True, True])
    return out[list(SURGE_COLUMNS)].reset_index(drop=True)
