"""Who is asking (Scope) and what they asked for (Filters). Every query takes both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, true

from core.contact_masking import mask_contacts
from data_access.store.schema import Report


@dataclass(frozen=True)
class Scope:
    """The OPDs a viewer may see (None: all) and whether personal data may leave the store.

    Applied in SQL by every query, like a base filter no finder can skip; part of every cache key.
    """

    opds: frozenset[str] | None = None
    personal_data: bool = False
    name: str = "publik"
    see_anonymous: bool = False  # an anonymous reporter's identity: admins only
    public: bool = False  # a public view: confidential reports never appear one by one

    def may_see_opd(self, code: str) -> bool:
        return self.opds is None or code in self.opds

    @classmethod
    def wall(cls) -> Scope:
        """The wall and the aggregate pages anyone in the command center may see: every OPD, no personal data,
        no confidential report shown on its own."""
        return cls(None, False, "wall", public=True)

    @classmethod
    def opd_head(cls, *codes: str) -> Scope:
        return cls(frozenset(codes), False, "opd:" + ",".join(sorted(codes)))

    def shown_text(self, text: str | None) -> str | None:
        """Free text (a title, a description, a note) as this viewer may read it: phone numbers, NIKs and e-mail
        addresses typed into it are masked unless the scope allows personal data."""
        return text if self.personal_data else mask_contacts(text)

    def condition(self) -> ColumnElement[bool]:
        if self.opds is None:
            return true()
        if not self.opds:
            return false()
        return Report.opd_code.in_(sorted(self.opds))

    def listing_condition(self) -> ColumnElement[bool]:
        """For queries that show reports one by one: confidential ones stay out of public views."""
        return Report.confidential.is_(False) if self.public else true()

    def cache_key(self) -> tuple:
        return (None if self.opds is None else tuple(sorted(self.opds)), self.personal_data, self.see_anonymous,
                self.public)


@dataclass(frozen=True)
class Filters:
    """What the viewer chose. Empty tuples mean "all"; the period bounds ``created_at`` as [start, end)."""

    start: datetime | None = None
    end: datetime | None = None
    districts: tuple[str, ...] = field(default=())
    villages: tuple[str, ...] = field(default=())
    opds: tuple[str, ...] = field(default=())
    categories: tuple[str, ...] = field(default=())
    channels: tuple[str, ...] = field(default=())
    statuses: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound is not None and bound.tzinfo is None:
                raise ValueError("filter period bounds must be timezone-aware")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("the period must end after it starts")

    def conditions(self, *, period: bool = True) -> list[ColumnElement[bool]]:
        """SQL conditions for these filters; ``period=False`` for measures that set their own time window."""
        conds: list[ColumnElement[bool]] = []
        if period and self.start is not None:
            conds.append(Report.created_at >= self.start)
        if period and self.end is not None:
            conds.append(Report.created_at < self.end)
        for column, values in (
            (Report.district_code, self.districts),
            (Report.village_code, self.villages),
            (Report.opd_code, self.opds),
            (Report.category_code, self.categories),
            (Report.channel, self.channels),
            (Report.status, self.statuses),
        ):
            if values:
                conds.append(column.in_(values))
        return conds

    def without_period(self) -> Filters:
        return Filters(None, None, self.districts, self.villages, self.opds, self.categories, self.channels,
                       self.statuses)

    def cache_key(self) -> tuple:
        return (self.start, self.end, self.districts, self.villages, self.opds, self.categories, self.channels,
                self.statuses)


def where(filters: Filters, scope: Scope, *extra: ColumnElement[bool], period: bool = True) -> ColumnElement[bool]:
    """The scope first, always; then the filters and the query's own conditions."""
    return and_(scope.condition(), *filters.conditions(period=period), *extra)
