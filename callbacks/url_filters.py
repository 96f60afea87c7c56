"""URL query → Filters: the one parser of what a page's address asks for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from core.bounded import EARLIEST_DAY, LONGEST_PERIOD_DAYS, OutOfBounds, bounded_date, single
from core.i18n import WIT, Message
from data_access.rulebook.scope import Filters
from layouts.components import FILTER_FIELDS, PERIODS, query_values

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class FilterError(Message, ValueError):
    """A malformed filter in the URL: a catalog message the page shows in its language, never a traceback."""


def _one(query: Mapping, key: str) -> str:
    """The single value of ``key``; a key repeated with different values gets the filter banner."""
    try:
        return (single(query.get(key)) or "").strip()
    except OutOfBounds:
        raise FilterError("filter.err.repeated", field=key) from None


def _date(raw: str, today: date) -> date:
    try:
        return bounded_date(raw, latest=today)
    except OutOfBounds as exc:
        if exc.reason == "out_of_range":
            raise FilterError("filter.err.range", value=raw, earliest=EARLIEST_DAY.isoformat(),
                              latest=today.isoformat()) from None
        raise FilterError("filter.err.date", value=raw) from None


def filters_from_query(query: Mapping, now: datetime, known: Mapping[str, Iterable[str]] | None = None) -> Filters:
    """The Filters a URL query asks for, or FilterError with a message for the page.

    Days lie between 2000-01-01 and today (WIT) and a period spans at most ten years: what the store holds and
    what a person could mean; anything else is said in the filter banner rather than reaching the store.

    ``period`` is week / month / quarter (the last 7, 30 or 90 days including today in WIT, from midnight so the
    filter stays the same all day) or custom with ``start`` and ``end`` (YYYY-MM-DD, WIT, both days included).
    Without a period the queries use their own defaults (30 days for rates, everything for open backlog).
    ``opd``, ``category``, ``district``, ``channel``, ``status`` take comma-separated codes; with ``known`` each
    code must be one of the known ones.
    """
    period = _one(query, "period").lower()
    start = end = None
    today = now.astimezone(WIT).date()
    if period in PERIODS:
        start = datetime.combine(today - timedelta(days=PERIODS[period] - 1), time(0), tzinfo=WIT)
    elif period == "custom" or (not period and (query.get("start") or query.get("end"))):
        raw_start, raw_end = _one(query, "start"), _one(query, "end")
        if not raw_start or not raw_end:
            raise FilterError("filter.err.custom")
        first, last = _date(raw_start, today), _date(raw_end, today)
        if last < first:
            raise FilterError("filter.err.order", value=raw_end)
        if (last - first).days >= LONGEST_PERIOD_DAYS:
            raise FilterError("filter.err.long", years=LONGEST_PERIOD_DAYS // 366)
        start = datetime.combine(first, time(0), tzinfo=WIT)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=WIT)
    elif period:
        raise FilterError("filter.err.period", value=period)
    chosen: dict[str, tuple[str, ...]] = {}
    for key, field in FILTER_FIELDS.items():
        codes = query_values(query.get(key))
        allowed = set(known[key]) if known and key in known else None
        for code in codes:
            if not CODE_PATTERN.match(code) or (allowed is not None and code not in allowed):
                raise FilterError("filter.err.code", value=code, field=key)
        chosen[field] = tuple(dict.fromkeys(codes))
    return Filters(start=start, end=end, **chosen)
