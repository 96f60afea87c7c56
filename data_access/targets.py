"""Setting and clearing the regency's targets (`python -m dashboard targets`); reading them is
data_access/queries/targets.py.

Input is bounded here, once, for every caller: a figure with a direction (core.measures.DIRECTION), a number in
its unit's range (a percentage 0–100, hours up to a year, a count up to a million), an OPD the store knows.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Engine, delete, select

from core import measures
from core.formatting import clip
from data_access.store.schema import MeasureTarget, Opd


class TargetError(ValueError):
    """Bad input: the message says what is allowed."""


def check_measure(measure: str) -> str:
    key = measures.ALIASES.get(measure.strip(), measure.strip()) if isinstance(measure, str) else ""
    if key not in measures.DIRECTION:
        raise TargetError(f"{clip(str(measure), 40)!r} takes no target; one of: {', '.join(measures.DIRECTION)}")
    return key


def check_value(measure: str, raw: str | float) -> float:
    try:
        value = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except ValueError:
        raise TargetError(f"{clip(str(raw), 40)!r} is not a number") from None
    unit = measures.target_unit(measure)
    top = measures.TARGET_MAX[unit]
    if not math.isfinite(value) or not 0 <= value <= top:
        raise TargetError(f"{clip(str(raw), 40)!r} is out of range for {measure}: a {unit} value from 0 to {top:g}")
    if unit == "count" and value != int(value):
        raise TargetError(f"{clip(str(raw), 40)!r}: {measure} is a count, give a whole number")
    return value


def check_opd(engine: Engine, opd: str | None) -> str:
    if opd is None:
        return ""
    code = opd.strip().upper()
    with engine.connect() as conn:
        known = set(conn.execute(select(Opd.code)).scalars())
    if code not in known:
        raise TargetError(f"--opd {clip(opd, 40)!r} is not an OPD code; known: {', '.join(sorted(known))}")
    return code


def set_target(engine: Engine, measure: str, value: str | float, opd: str | None, by: str, at: datetime) -> tuple:
    """Set (or replace) one target; (measure, value, opd code or '')."""
    key = check_measure(measure)
    number = check_value(key, value)
    code = check_opd(engine, opd)
    with engine.begin() as conn:
        conn.execute(delete(MeasureTarget).where(MeasureTarget.measure == key, MeasureTarget.opd_code == code))
        conn.execute(MeasureTarget.__table__.insert().values(measure=key, opd_code=code, value=number,
                                                             set_by=by[:80], set_at=at))
    return key, number, code


def clear_target(engine: Engine, measure: str, opd: str | None) -> bool:
    """Remove one set target (the default, or the regency's for an OPD, applies again); False if none was set."""
    key = check_measure(measure)
    code = check_opd(engine, opd)
    with engine.begin() as conn:
        gone = conn.execute(delete(MeasureTarget).where(MeasureTarget.measure == key,
                                                        MeasureTarget.opd_code == code)).rowcount
    return bool(gone)
