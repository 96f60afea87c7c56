"""Small SQL functions that differ between SQLite and PostgreSQL, compiled per dialect."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

WIT_OFFSET_HOURS = 9  # Asia/Jayapura has no daylight saving time, so a fixed offset is exact


class epoch_seconds(FunctionElement):
    """Seconds since 1970 of a stored instant."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


class wit_date(FunctionElement):
    """The WIT calendar date (YYYY-MM-DD text) of a stored UTC instant."""

    type = String()
    inherit_cache = True


@compiles(wit_date, "sqlite")
def _wit_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+{WIT_OFFSET_HOURS} hours')"


@compiles(wit_date, "postgresql")
def _wit_date_pg(element, compiler, **kw):
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Jayapura', 'YYYY-MM-DD')"


class wit_month(FunctionElement):
    """The WIT calendar month (YYYY-MM text) of a stored UTC instant."""

    type = String()
    inherit_cache = True


@compiles(wit_month, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+{WIT_OFFSET_HOURS} hours')"


@compiles(wit_month, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Jayapura', 'YYYY-MM')"


class round_coordinate(FunctionElement):
    """A coordinate rounded to 3 decimals (about 100 m): enough for a map, not enough to find a house."""

    type = Float()
    inherit_cache = True


@compiles(round_coordinate, "sqlite")
def _round_sqlite(element, compiler, **kw):
    return f"round({compiler.process(element.clauses, **kw)}, 3)"


@compiles(round_coordinate, "postgresql")
def _round_pg(element, compiler, **kw):
    return f"CAST(round(CAST({compiler.process(element.clauses, **kw)} AS numeric), 3) AS double precision)"


def hours_between(later, earlier):
    return (epoch_seconds(later) - epoch_seconds(earlier)) / 3600.0
