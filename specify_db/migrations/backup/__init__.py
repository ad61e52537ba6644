"""Backups of a whole database, one strategy per backend.

- SQLite: the online backup API (consistent while writers run), no external tool.
- PostgreSQL: ``pg_dump -Fc`` / ``pg_restore``.
- MariaDB/MySQL: ``mariadb-dump`` / ``mariadb``.

Example::

    await backup_database("sqlite+aiosqlite:///./specify.db", "backups/specify.db")
    await restore_database("sqlite+aiosqlite:///./copy.db", "backups/specify.db")
"""

from __future__ import annotations

from pathlib import Path

import anyio
from sqlalchemy.engine import URL

from specify_db.core.errors import BackupError
from specify_db.core.urls import normalize_url, safe_url
from specify_db.engine.manager import DatabaseManager
from specify_db.migrations.backup.base import (
    BackupIntegrityError,
    BackupResult,
    BackupStrategy,
    Progress,
)
from specify_db.migrations.backup.mysql import MySQLBackup
from specify_db.migrations.backup.postgresql import PostgreSQLBackup
from specify_db.migrations.backup.sqlite import SQLiteBackup

__all__ = [
    "BackupIntegrityError",
    "BackupResult",
    "Progress",
    "backup_database",
    "restore_database",
    "strategy_for",
]

_STRATEGIES: dict[str, type[BackupStrategy]] = {
    "sqlite": SQLiteBackup,
    "postgresql": PostgreSQLBackup,
    "mysql": MySQLBackup,
    "mariadb": MySQLBackup,
}


def strategy_for(url: URL) -> BackupStrategy:
    """The backup strategy of ``url``'s backend."""
    strategy = _STRATEGIES.get(url.get_backend_name())
    if strategy is None:
        raise BackupError(f"no backup strategy for {url.get_backend_name()!r}")
    return strategy()


def _url_of(source: DatabaseManager | str | URL | None) -> URL:
    if isinstance(source, DatabaseManager):
        return source.url
    if source is None:
        return DatabaseManager(None).url
    return normalize_url(source)


async def backup_database(
    source: DatabaseManager | str | URL | None,
    path: str | Path,
    *,
    progress: Progress | None = None,
) -> BackupResult:
    """Write a consistent backup of the database to ``path`` (replaced atomically).

    Args:
        source: a :class:`DatabaseManager` or a URL (``None``: the configured default).
        path: the backup file to write.
        progress: called as ``progress(done, total)`` while the copy runs.

    Raises:
        BackupError: the copy failed or the client tool is missing.
        BackupIntegrityError: the written file did not verify.
    """
    url = _url_of(source)
    return await strategy_for(url).backup(url, Path(path), progress)


async def restore_database(
    target: DatabaseManager | str | URL | None,
    path: str | Path,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> BackupResult:
    """Load the backup at ``path`` into the database.

    Args:
        target: a :class:`DatabaseManager` (its pool is emptied before and after) or a URL.
        path: a file written by :func:`backup_database` for the same backend.
        overwrite: replace what the database holds; without it a database that already has
            tables is refused.
        progress: called as ``progress(done, total)``.

    Raises:
        BackupError: the database is not empty, the file is missing, or the tool failed.
        BackupIntegrityError: the file is not a complete backup.
    """
    url = _url_of(target)
    backup_file = Path(path)
    if not await anyio.Path(backup_file).is_file():
        raise BackupError(f"{backup_file} does not exist")
    strategy = strategy_for(url)
    existing = await strategy.table_names(url)
    if existing and not overwrite:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise BackupError(
            f"{safe_url(url)} is not empty (tables: {shown}); pass overwrite=True "
            "(--overwrite) to replace its content"
        )
    if isinstance(target, DatabaseManager):
        await target.dispose()
    try:
        return await strategy.restore(url, backup_file, overwrite=overwrite, progress=progress)
    finally:
        if isinstance(target, DatabaseManager):
            await target.dispose()
