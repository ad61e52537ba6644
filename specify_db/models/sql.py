"""Portable SQL expressions the models need, with the per-dialect SQL kept in this one module.

- :class:`utc_now_default` is the server-side default of every ``created_at``-like column, so
  a row inserted with raw SQL still gets a UTC timestamp.
- :class:`seconds_between` is the elapsed time between two timestamp columns, in seconds, as a
  double on every backend (``Command.duration`` in SQL).
- :func:`utc_now_param` is "now" for comparisons, taken from the application clock at each
  execution, so the SQL form of ``is_expired`` uses the same clock as the Python form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Double, bindparam
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from specify_db.models.types import UTCDateTime

__all__ = ["seconds_between", "utc_now", "utc_now_default", "utc_now_param"]


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the Python-side default of timestamps)."""
    return datetime.now(UTC)


class utc_now_default(FunctionElement[datetime]):  # noqa: N801 - SQL function naming
    """Current UTC time as a column ``server_default``.

    PostgreSQL and SQLite: ``CURRENT_TIMESTAMP`` (an absolute instant on PostgreSQL, UTC text on
    SQLite). MariaDB/MySQL: ``(UTC_TIMESTAMP(6))``, which is UTC whatever the session
    ``time_zone`` is and keeps microseconds; ``CURRENT_TIMESTAMP`` there would follow the
    session time zone.
    """

    type = UTCDateTime()
    name = "utc_now_default"
    inherit_cache = True


@compiles(utc_now_default)
def _utc_now_default(element: utc_now_default, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(utc_now_default, "mysql")
@compiles(utc_now_default, "mariadb")
def _utc_now_default_mysql(element: utc_now_default, compiler: SQLCompiler, **kw: Any) -> str:
    return "(UTC_TIMESTAMP(6))"


class seconds_between(FunctionElement[float]):  # noqa: N801 - SQL function naming
    """``end - start`` in seconds as a double; NULL when either side is NULL.

    Precision: microseconds on PostgreSQL and MariaDB; milliseconds on SQLite, whose date
    functions read only three fractional digits.
    """

    type = Double()
    name = "seconds_between"
    inherit_cache = True

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(start, end)


def _start_end(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    start, end = list(element.clauses)
    return compiler.process(start, **kw), compiler.process(end, **kw)


@compiles(seconds_between)
def _seconds_between_default(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"seconds_between has no form for dialect {compiler.dialect.name!r}")


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _start_end(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _start_end(element, compiler, **kw)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "mysql")
@compiles(seconds_between, "mariadb")
def _seconds_between_mysql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _start_end(element, compiler, **kw)
    # 1e6 is a DOUBLE literal, so the quotient is a double rather than a DECIMAL.
    return f"(TIMESTAMPDIFF(MICROSECOND, {start}, {end}) / 1e6)"


def utc_now_param() -> BindParameter[datetime]:
    """A bound "now" whose value is read from the application clock at each execution.

    A statement built once and executed later still compares against the time of execution.
    """
    return bindparam("utc_now", callable_=utc_now, type_=UTCDateTime(), unique=True)
