"""The reference lists pages offer in filters, use in labels and accept in URLs, read from the store.

A category, OPD or district the regency adds to the store works everywhere at once: pages ask for these
lists through the query cache, keyed on the store version like every other query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Category, District, Opd


@dataclass(frozen=True)
class ReferenceLists:
    opds: tuple[tuple[str, str, str], ...]  # code, name, short name
    categories: tuple[tuple[str, str, str, str], ...]  # code, name, English name, default OPD
    districts: tuple[tuple[str, str, str, float | None, float | None], ...]  # code, name, access, lat, lon

    def opd_names(self) -> dict[str, str]:
        return {code: name for code, name, _ in self.opds}

    def district_names(self) -> dict[str, str]:
        return {code: name for code, name, *_ in self.districts}


def reference_lists(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> ReferenceLists:
    """OPDs, categories and districts as the store holds them (reference data is public: no scope applies)."""
    with engine.connect() as conn:
        opds = conn.execute(select(Opd.code, Opd.name, Opd.short_name).order_by(Opd.code)).all()
        categories = conn.execute(select(Category.code, Category.name, Category.name_en, Category.default_opd_code)
                                  .order_by(Category.code)).all()
        districts = conn.execute(select(District.code, District.name, District.access, District.label_lat,
                                        District.label_lon).order_by(District.code)).all()
    return ReferenceLists(tuple(map(tuple, opds)), tuple(map(tuple, categories)), tuple(map(tuple, districts)))
