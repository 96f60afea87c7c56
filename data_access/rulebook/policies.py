"""The SLA policies as the store holds them: the regency tunes its targets in the store, and every writer reads
them from there (the defaults are reference data, data_access/store/reference.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.rulebook.sla import SlaPolicy, Target
from data_access.store.schema import Category, SlaPolicyRow


def policies_from_store(session: Session) -> dict[str, SlaPolicy]:
    """Category code → its policy as configured in the store (the regency may have tightened it)."""
    rows = session.execute(select(Category.code, SlaPolicyRow).join(SlaPolicyRow,
                                                                    Category.sla_policy_code == SlaPolicyRow.code))
    return {
        code: SlaPolicy(p.code, p.name, Target(p.response_amount, p.response_unit),
                        Target(p.resolution_amount, p.resolution_unit), p.calendar)
        for code, p in rows
    }
