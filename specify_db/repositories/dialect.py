"""Every per-database difference of the write side, chosen by what the database can do.

=============================  ===========================  ===========================
capability                     PostgreSQL / SQLite          MariaDB / MySQL
=============================  ===========================  ===========================
insert, skip a key conflict    ``ON CONFLICT (...) DO       plain ``INSERT``; a duplicate
                               NOTHING``                    fails only the statement, so
                                                            the row is looked up after it
upsert                         ``ON CONFLICT (...) DO       ``ON DUPLICATE KEY UPDATE``
                               UPDATE SET c = excluded.c``  ``c = VALUES(c)``
rows back from an upsert       ``RETURNING``                a ``SELECT`` by the key
bulk insert without rows back  COPY (PostgreSQL, large      ``executemany``
                               batches), else executemany
=============================  ===========================  ===========================

The repositories ask :func:`dialect_for` for a :class:`WriteDialect` and never test the
backend name themselves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import Table, bindparam, case, insert, literal, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.dml import Insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["COPY_THRESHOLD", "KEY_PARAM", "WriteDialect", "dialect_for", "value_param"]

KEY_PARAM: Final = "k_key"
"""Name of the row key in the parameter dicts given to :meth:`WriteDialect.update_rows`."""


def value_param(column: str) -> str:
    """Name of a column's new value in the parameter dicts of :meth:`WriteDialect.update_rows`.

    Not the column name itself, which SQLAlchemy reserves for its own SET parameters.
    """
    return f"p_{column}"


_CASE_ROWS: Final = 500  # rows per UPDATE ... CASE statement on MySQL/MariaDB

COPY_THRESHOLD: Final = 2_000
"""Below this many rows, ``executemany`` beats setting up a COPY."""


class WriteDialect:
    """Statements for one backend; the base class is the generic SQL fallback."""

    name = "generic"
    skips_conflicts = False
    """``insert_skipping`` can ignore a conflict on one named key (and only on that key)."""
    upsert_returning = False
    """An upsert can return the written row (``RETURNING``)."""
    copy = False
    """Bulk inserts can stream through COPY."""

    def insert_skipping(self, entity: Any, keys: Sequence[str]) -> Insert:
        """``INSERT`` that does nothing when a row with the same ``keys`` exists.

        Only valid when :attr:`skips_conflicts` is true.
        """
        raise NotImplementedError(self.name)

    def upsert(self, entity: Any, keys: Sequence[str], update: Sequence[str]) -> Insert:
        """``INSERT`` that updates the ``update`` columns when a row with ``keys`` exists.

        With ``update`` empty the conflicting row is left as it is.
        """
        raise NotImplementedError(self.name)

    async def copy_rows(
        self, session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Any]
    ) -> None:
        """Stream ``rows`` (dicts keyed by column) into ``table``. Only when :attr:`copy`."""
        raise NotImplementedError(self.name)

    async def update_rows(
        self,
        session: AsyncSession,
        table: Table,
        key: Any,
        names: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """Set columns ``names`` of each row whose ``key`` is ``row[KEY_PARAM]``.

        New values are under :func:`value_param` names in each row dict.

        Default: one ``UPDATE ... WHERE key = ?`` run as ``executemany`` (asyncpg pipelines
        it; sqlite3 runs it in-process).
        """
        stmt = (
            update(table)
            .where(key == bindparam(KEY_PARAM))
            .values({name: bindparam(value_param(name)) for name in names})
        )
        await session.exec(stmt, params=list(rows))


class _OnConflict(WriteDialect):
    """PostgreSQL and SQLite share ``INSERT ... ON CONFLICT`` and ``RETURNING``."""

    skips_conflicts = True
    upsert_returning = True
    _insert: Any = staticmethod(insert)

    def insert_skipping(self, entity: Any, keys: Sequence[str]) -> Insert:
        stmt = self._insert(entity)
        return stmt.on_conflict_do_nothing(index_elements=list(keys))  # type: ignore[no-any-return]

    def upsert(self, entity: Any, keys: Sequence[str], update: Sequence[str]) -> Insert:
        stmt = self._insert(entity)
        if not update:
            return stmt.on_conflict_do_nothing(index_elements=list(keys))  # type: ignore[no-any-return]
        excluded = stmt.excluded
        return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
            index_elements=list(keys), set_={name: excluded[name] for name in update}
        )


class _PostgreSQL(_OnConflict):
    name = "postgresql"
    copy = True
    _insert = staticmethod(postgresql.insert)

    async def copy_rows(
        self, session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Any]
    ) -> None:
        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement it runs.
        # A COPY sent first on the raw connection would run outside any transaction and
        # commit on its own, whatever happens to the unit of work: run one statement first.
        await session.exec(select(literal(1)))
        connection = await session.connection()
        dialect = connection.dialect
        # COPY wants what SQLAlchemy would bind (JSON as text): convert only the columns that
        # have a bind processor, on copies (a replayed unit reuses the originals), then cut
        # records with itemgetter, which runs in C.
        rows = [row.copy() for row in rows]
        for name in columns:
            convert = _copy_converter(table.c[name].type, dialect)
            if convert is not None:
                for row in rows:
                    value = row[name]
                    if value is not None:
                        row[name] = convert(value)
        pick = itemgetter(*columns)
        records = (
            [pick(row) for row in rows]
            if len(columns) > 1
            else [(row[columns[0]],) for row in rows]
        )
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        if driver is None:  # pragma: no cover - a checked-out connection always has one
            raise RuntimeError("no driver connection for COPY")
        await driver.copy_records_to_table(
            table.name, records=records, columns=list(columns), schema_name=table.schema
        )


class _SQLite(_OnConflict):
    name = "sqlite"
    _insert = staticmethod(sqlite.insert)


class _MySQL(WriteDialect):
    name = "mysql"

    async def update_rows(
        self,
        session: AsyncSession,
        table: Table,
        key: Any,
        names: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        # MySQL drivers send an UPDATE executemany one row at a time, so a batch becomes
        # UPDATE t SET c = CASE key WHEN k1 THEN v1 ... END WHERE key IN (k1, ...).
        for start in range(0, len(rows), _CASE_ROWS):
            chunk = rows[start : start + _CASE_ROWS]
            keys = [row[KEY_PARAM] for row in chunk]
            values = {
                name: case(
                    {
                        row[KEY_PARAM]: _typed(row[value_param(name)], table.c[name])
                        for row in chunk
                    },
                    value=key,
                )
                for name in names
            }
            await session.exec(update(table).where(key.in_(keys)).values(values))

    def upsert(self, entity: Any, keys: Sequence[str], update: Sequence[str]) -> Insert:
        stmt = mysql.insert(entity)
        # ``col = col`` keeps the row as it is but still swallows only duplicate-key errors,
        # unlike INSERT IGNORE, which would also turn foreign-key and data errors into warnings.
        names = list(update) or list(keys)[:1]
        target = stmt.inserted if update else stmt.table.c
        return stmt.on_duplicate_key_update({name: target[name] for name in names})


def _typed(value: Any, column: Any) -> Any:
    """A bound value with the column's type, so its bind processing (JSON, UTC) applies."""
    return literal(value, column.type)


def _copy_converter(type_: Any, dialect: Dialect) -> Any:
    """What turns a Python value into COPY input.

    For JSON the dialect's serialiser itself (the bind processor around it adds per-value
    checks that cost as much as the encoding); for everything else SQLAlchemy's bind processor.
    """
    if isinstance(type_.dialect_impl(dialect), sqltypes.JSON):
        return getattr(dialect, "_json_serializer", None) or json.dumps
    return _bind_processor(type_, dialect)


def _bind_processor(type_: Any, dialect: Dialect) -> Any:
    """What SQLAlchemy would do to a Python value before handing it to the driver."""
    return type_.dialect_impl(dialect).bind_processor(dialect)


_DIALECTS: Final[Mapping[str, WriteDialect]] = {
    "postgresql": _PostgreSQL(),
    "sqlite": _SQLite(),
    "mysql": _MySQL(),
}


def dialect_for(name: str) -> WriteDialect:
    """The write statements for a backend name (``"postgresql"``, ``"sqlite"``, ``"mysql"``)."""
    return _DIALECTS.get(name, WriteDialect())
