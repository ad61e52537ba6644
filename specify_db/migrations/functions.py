"""Module-level helpers kept from the earlier API, each a thin call on :class:`MigrationManager`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from specify_db.engine.manager import DatabaseManager
from specify_db.migrations.manager import MigrationManager
from specify_db.migrations.report import RevisionInfo

__all__ = [
    "create_data_migration",
    "get_current_revision",
    "get_migration_history",
    "verify_schema",
]

Source = DatabaseManager | MigrationManager | str | URL | None


@asynccontextmanager
async def _manager(
    source: Source, script_location: str | Path | None
) -> AsyncIterator[MigrationManager]:
    if isinstance(source, MigrationManager):
        yield source
        return
    async with MigrationManager(source, script_location=script_location) as manager:
        yield manager


async def get_current_revision(
    source: Source | AsyncEngine, *, version_table: str = "alembic_version"
) -> str | None:
    """The applied revision of a database (``None`` before any migration).

    Args:
        source: a :class:`DatabaseManager`, a :class:`MigrationManager`, an ``AsyncEngine``
            or a URL.
        version_table: the table holding the applied revision.
    """
    if isinstance(source, AsyncEngine):

        def read(connection: Connection) -> tuple[str, ...]:
            opts = {"version_table": version_table}
            return tuple(MigrationContext.configure(connection, opts=opts).get_current_heads())

        async with source.connect() as conn:
            heads = await conn.run_sync(read)
        return heads[0] if heads else None
    async with _manager(source, None) as manager:
        return await manager.current()


async def get_migration_history(
    source: Source = None, *, script_location: str | Path | None = None, verbose: bool = False
) -> list[RevisionInfo]:
    """Every revision, newest first, marked applied or not on the given database."""
    async with _manager(source, script_location) as manager:
        return await manager.history(verbose=verbose)


async def verify_schema(source: Source = None) -> dict[str, Any]:
    """The schema check (:meth:`MigrationManager.check`) as a dict.

    Keys: ``valid``, ``missing_tables``, ``extra_tables``, ``column_issues``, ``diffs``,
    ``pending``, ``current``, ``heads``.
    """
    async with _manager(source, None) as manager:
        return (await manager.check()).model_dump()


async def create_data_migration(source: Source, message: str) -> str:
    """Write an empty revision for a data migration and return its id."""
    async with _manager(source, None) as manager:
        return await manager.create_data_migration(message)
