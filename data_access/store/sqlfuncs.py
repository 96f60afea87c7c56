"""Small SQL functions that differ between SQLite and PostgreSQL, compiled per dialect."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Float, Integer, String
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

WIT_OFFSET_HOURS = 9  # Asia/Jayapura has no daylight saving time, so a fixed offset is exact


def compile_per_dialect(function: type[FunctionElement], *, sqlite: Callable[..., str],
                        postgresql: Callable[..., str]) -> None:
    """Compile ``function`` on each dialect by its template: a function of the compiled arguments' SQL."""
    def renderer(template: Callable[..., str]):
        def render(element, compiler, **kw):
            return template(*(compiler.process(clause, **kw) for clause in element.clauses))
        return render

    compiles(function, "sqlite")(renderer(sqlite))
    compiles(function, "postgresql")(renderer(postgresql))


class epoch_seconds(FunctionElement):
    """Seconds since 1970 of a stored instant."""

    type = Float()
    inherit_cache = True


compile_per_dialect(epoch_seconds, sqlite=lambda at: f"((julianday({at}) - 2440587.5) * 86400.0)",
                    postgresql=lambda at: f"EXTRACT(EPOCH FROM {at})")


class wit_date(FunctionElement):
    """The WIT calendar date (YYYY-MM-DD text) of a stored UTC instant."""

    type = String()
    inherit_cache = True


compile_per_dialect(wit_date, sqlite=lambda at: f"date({at}, '+{WIT_OFFSET_HOURS} hours')",
                    postgresql=lambda at: f"to_char(({at}) AT TIME ZONE 'Asia/Jayapura', 'YYYY-MM-DD')")


class wit_month(FunctionElement):
    """The WIT calendar month (YYYY-MM text) of a stored UTC instant."""

    type = String()
    inherit_cache = True


compile_per_dialect(wit_month, sqlite=lambda at: f"strftime('%Y-%m', {at}, '+{WIT_OFFSET_HOURS} hours')",
                    postgresql=lambda at: f"to_char(({at}) AT TIME ZONE 'Asia/Jayapura', 'YYYY-MM')")


class round_coordinate(FunctionElement):
    """A coordinate rounded to 3 decimals (about 100 m): enough for a map, not enough to find a house."""

    type = Float()
    inherit_cache = True


compile_per_dialect(round_coordinate, sqlite=lambda x: f"round({x}, 3)",
                    postgresql=lambda x: f"CAST(round(CAST({x} AS numeric), 3) AS double precision)")


def hours_between(later, earlier):
    """Hours from ``earlier`` to ``later``: one expression for every query, so those that match an index on it
    (schema.py: RESPONSE_HOURS) use it."""
    return duration_hours(later, earlier)


class duration_hours(FunctionElement):
    """Hours from ``earlier`` to ``later``, written with literals only, so that an index on it matches the query's
    expression; on PostgreSQL as the EPOCH of an interval, which is immutable (EXTRACT(EPOCH FROM timestamptz) is
    only stable) and just as exact (numeric microseconds)."""

    type = Float()
    inherit_cache = True


compile_per_dialect(
    duration_hours,
    sqlite=lambda later, earlier: (f"((((julianday({later}) - 2440587.5) * 86400.0) - "
                                   f"((julianday({earlier}) - 2440587.5) * 86400.0)) / 3600.0)"),
    postgresql=lambda later, earlier: f"(EXTRACT(EPOCH FROM (({later}) - ({earlier}))) / 3600.0)")


# The hour buckets of a duration (see hour_bucket): one per hour up to 3 days, per 6 hours up to 30 days, per
# 2 days up to a year, then one; -1 holds negative durations (a clock set wrong by an intake system). Only the
# migrations use them now (0004 built indexes on them, 0007 dropped those and its downgrade builds them again).
BUCKET_EDGES = ((72.0, 1.0), (720.0, 6.0), (8760.0, 48.0))


def _bucket_starts() -> list[int]:
    starts, low = [0], 0.0
    for edge, width in BUCKET_EDGES:
        starts.append(starts[-1] + int((edge - low) / width))
        low = edge
    return starts


LAST_BUCKET = _bucket_starts()[-1]  # everything from a year on


class hour_bucket(FunctionElement):
    """The bucket of a duration in hours (NULL stays NULL): a step function that never decreases, so every
    duration in a lower bucket is smaller than every one in a higher bucket — what migration 0004's two-step
    medians counted by. Deterministic and literal-only: it was indexed as an expression."""

    type = Integer()
    inherit_cache = True


def _trunc(value: str, dialect: str) -> str:
    # Only used on non-negative values, where truncation is the floor; SQLite's CAST truncates.
    return f"CAST({value} AS INTEGER)" if dialect == "sqlite" else f"CAST(trunc({value}) AS INTEGER)"


def _bucket_sql(hours: str, dialect: str) -> str:
    whens, low = [f"WHEN ({hours}) IS NULL THEN NULL", f"WHEN ({hours}) < 0 THEN -1"], 0.0
    for first, (edge, width) in zip(_bucket_starts(), BUCKET_EDGES, strict=False):
        whens.append(f"WHEN ({hours}) < {edge!r} THEN {first} + "
                     f"{_trunc(f'(({hours}) - {low!r}) / {width!r}', dialect)}")
        low = edge
    # Parenthesised: PostgreSQL takes an expression in CREATE INDEX only so (SQLAlchemy adds none for this one).
    return f"(CASE {' '.join(whens)} ELSE {LAST_BUCKET} END)"


compile_per_dialect(hour_bucket, sqlite=lambda hours: _bucket_sql(hours, "sqlite"),
                    postgresql=lambda hours: _bucket_sql(hours, "postgresql"))


def _sqlite_from_hint(self, table, text):
    return text


# SQLAlchemy's with_hint(table, "INDEXED BY ix", "sqlite") renders nothing: its SQLite compiler has no table
# hints. Where SQLite's planner picks a plan that is ten times slower (a multi-index OR over every report without
# a response instead of the open reports' index), a query names the index; other dialects ignore such hints.
SQLiteCompiler.get_from_hint_text = _sqlite_from_hint
