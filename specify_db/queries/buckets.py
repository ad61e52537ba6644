"""Time buckets computed in SQL: the per-dialect epoch arithmetic lives here and only here.

A bucket of ``n`` seconds holds the rows whose timestamp ``t`` has
``floor(epoch(t) / n) == k``; its start is ``k * n`` seconds after 1970-01-01 UTC. Buckets are
therefore aligned to UTC and to the epoch (hourly buckets start on the hour, daily ones at UTC
midnight, 7-minute ones every 420 s since the epoch), on every backend, for any whole number of
seconds from 1 s to 31 days.

Epoch seconds per backend (timestamps are stored in UTC by ``UTCDateTime``):

- PostgreSQL: ``EXTRACT(EPOCH FROM t)`` on ``timestamptz`` (independent of the session zone);
- MariaDB/MySQL: ``TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', t)``, pure calendar arithmetic on
  the stored UTC wall clock; ``UNIX_TIMESTAMP(t)`` would apply the session ``time_zone``;
- SQLite: ``CAST(strftime('%s', t) AS INTEGER)`` on the stored UTC text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel, ConfigDict
from sqlalchemy import BigInteger, Integer, Select, cast, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from specify_db.core.errors import InvalidQuery
from specify_db.queries.checks import checked_int

__all__ = [
    "Bucket",
    "bucket_index",
    "bucket_start",
    "bucket_statement",
    "fill_gaps",
    "parse_interval",
    "to_buckets",
]

MAX_INTERVAL_SECONDS: Final = 31 * 86400
MAX_FILLED_BUCKETS: Final = 100_000
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_INTERVAL = re.compile(r"^\s*(\d{1,9})\s*([smhdw])\s*$")


class Bucket(BaseModel):
    """One time bucket: its UTC ``start`` and the aggregates of the values inside it."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    count: int
    sum: float | None
    avg: float | None
    min: float | None
    max: float | None


def parse_interval(interval: timedelta | str | int) -> int:
    """Bucket width in whole seconds from ``timedelta(minutes=7)``, ``"7m"``, ``"1h"`` or ``3600``.

    Raises:
        InvalidQuery: not a whole number of seconds between 1 s and 31 days.
    """
    if isinstance(interval, timedelta):
        seconds_float = interval.total_seconds()
        seconds = int(seconds_float)
        if seconds != seconds_float:
            raise InvalidQuery(f"interval {interval} is not a whole number of seconds")
    elif isinstance(interval, int):
        seconds = checked_int(interval, "interval", 1, MAX_INTERVAL_SECONDS)
    elif match := _INTERVAL.match(str(interval)):
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise InvalidQuery(f"invalid interval {interval!r}; use e.g. '30s', '7m', '1h', '1d'")
    if not 1 <= seconds <= MAX_INTERVAL_SECONDS:
        raise InvalidQuery(f"interval must be between 1 second and 31 days, got {seconds} s")
    return seconds


def epoch_seconds(column: ColumnElement[Any], dialect_name: str) -> ColumnElement[Any]:
    """Seconds since 1970-01-01 UTC of a ``UTCDateTime`` column, in SQL."""
    if dialect_name == "postgresql":
        return func.extract("epoch", column)
    if dialect_name in ("mysql", "mariadb"):
        origin: ColumnElement[Any] = literal_column("'1970-01-01 00:00:00'")
        return func.timestampdiff(literal_column("SECOND"), origin, column)
    if dialect_name == "sqlite":
        # Constants are literals, not binds, so SELECT and GROUP BY hold the same expression.
        return cast(func.strftime(literal_column("'%s'"), column), Integer)
    raise InvalidQuery(f"time buckets are not available on {dialect_name!r}")


def bucket_index(column: ColumnElement[Any], seconds: int, dialect_name: str) -> ColumnElement[int]:
    """``floor(epoch(column) / seconds)`` as an integer, in SQL.

    ``seconds`` is rendered as a literal (it is a validated ``int``): PostgreSQL refuses a
    GROUP BY whose expression has a different bind parameter than the SELECT list.
    """
    width = literal_column(str(int(seconds)), Integer)
    epoch: ColumnElement[Any] = epoch_seconds(column, dialect_name)
    if dialect_name in ("sqlite", "mysql", "mariadb"):
        # Integer floor division of non-negative integers: "/" on SQLite, "DIV" on MySQL.
        return epoch // width
    return cast(func.floor(epoch / width), BigInteger)


def bucket_statement(
    source: Any,
    moment: ColumnElement[Any],
    value: ColumnElement[Any],
    seconds: int,
    dialect_name: str,
    start: datetime,
    end: datetime,
    where: ColumnElement[bool] | None,
) -> Select[Any]:
    """``SELECT bucket, count, sum, avg, min, max ... GROUP BY bucket ORDER BY bucket``."""
    index = bucket_index(moment, seconds, dialect_name)
    stmt = (
        select(
            index.label("bucket"),
            func.count().label("n"),
            func.sum(value),
            func.avg(value),
            func.min(value),
            func.max(value),
        )
        .select_from(source)
        .where(moment >= start, moment < end)
        .group_by(index)
        .order_by(index)
    )
    return stmt if where is None else stmt.where(where)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def to_buckets(rows: Sequence[Any], seconds: int) -> list[Bucket]:
    """Typed buckets from the rows of :func:`bucket_statement`."""
    return [
        Bucket(
            start=bucket_start(int(row[0]), seconds),
            count=int(row[1]),
            sum=_float(row[2]),
            avg=_float(row[3]),
            min=_float(row[4]),
            max=_float(row[5]),
        )
        for row in rows
    ]


def bucket_start(index: int, seconds: int) -> datetime:
    """The aware UTC start of bucket ``index`` of width ``seconds``."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=index * seconds)


def index_of(moment: datetime, seconds: int) -> int:
    """The bucket index of an aware datetime (Python form of :func:`bucket_index`)."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) // seconds


def check_fill(start: datetime, end: datetime, seconds: int) -> None:
    """Refuse a gap-filled series of more than :data:`MAX_FILLED_BUCKETS` buckets."""
    if index_of(end - timedelta(microseconds=1), seconds) - index_of(start, seconds) >= (
        MAX_FILLED_BUCKETS
    ):
        raise InvalidQuery(f"gap filling is limited to {MAX_FILLED_BUCKETS} buckets")


def fill_gaps(buckets: list[Bucket], start: datetime, end: datetime, seconds: int) -> list[Bucket]:
    """Every bucket that overlaps ``[start, end)``, empty ones with count 0 and None aggregates."""
    found = {bucket.start: bucket for bucket in buckets}
    check_fill(start, end, seconds)
    last = index_of(end - timedelta(microseconds=1), seconds)
    filled = []
    for index in range(index_of(start, seconds), last + 1):
        moment = bucket_start(index, seconds)
        filled.append(
            found.get(moment)
            or Bucket(start=moment, count=0, sum=None, avg=None, min=None, max=None)
        )
    return filled
