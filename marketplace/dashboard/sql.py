"""Two small SQL functions that SQLite and PostgreSQL spell differently.

Times are stored in UTC; months are counted in Viet Nam's time (UTC+7 all year, no
daylight saving), so a payment at 20:00 UTC on 31 January counts in February."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_month(FunctionElement):  # noqa: N801 - reads like the SQL function it is
    """'YYYY-MM' of a UTC timestamp, in Asia/Ho_Chi_Minh."""

    type = String()
    inherit_cache = True


class days_between(FunctionElement):  # noqa: N801
    """(end - start) in days, as a fraction."""

    type = Float()
    inherit_cache = True


class days_since_local_date(FunctionElement):  # noqa: N801
    """(a date - the date in Viet Nam of a UTC timestamp) in whole days: from a milestone's
    acceptance to the transfer date the agency recorded (`payments.paid_on`)."""

    type = Float()
    inherit_cache = True


@compiles(days_since_local_date, "sqlite")
def _days_since_local_date_sqlite(element, compiler, **kw):
    end, start = element.clauses
    return (f"(julianday({compiler.process(end, **kw)}) - "
            f"julianday(date({compiler.process(start, **kw)}, '+7 hours')))")


@compiles(days_since_local_date, "postgresql")
def _days_since_local_date_postgresql(element, compiler, **kw):
    end, start = element.clauses
    return (f"CAST(({compiler.process(end, **kw)} - CAST({compiler.process(start, **kw)} "
            f"AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE)) AS FLOAT)")


@compiles(local_month, "sqlite")
def _local_month_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return f"strftime('%Y-%m', {compiler.process(column, **kw)}, '+7 hours')"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return f"to_char({compiler.process(column, **kw)} AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    end, start = element.clauses
    return (f"(julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)}))")


@compiles(days_between, "postgresql")
def _days_postgresql(element, compiler, **kw):
    end, start = element.clauses
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)})) / 86400.0)")
