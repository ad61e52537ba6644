"""SQLite: the online backup API (``sqlite3.Connection.backup``), safe while writers run.

The copy is taken page by page in a worker thread; pages changed by a writer during the copy
make SQLite restart it, so the result is always one consistent snapshot. Restore runs the same
API in the other direction, into the live database file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import anyio
from sqlalchemy.engine import URL

from specify_db.core.errors import BackupError
from specify_db.core.urls import is_memory_sqlite
from specify_db.migrations.backup.base import (
    BackupIntegrityError,
    BackupResult,
    Progress,
    file_size,
    replace_atomically,
)

__all__ = ["SQLiteBackup"]

_PAGES_PER_STEP = 256
_TOOL = "sqlite3 backup API"


def _database_file(url: URL) -> Path:
    if is_memory_sqlite(url) or not url.database:
        raise BackupError("an in-memory SQLite database has no file to back up or restore")
    return Path(url.database).expanduser()


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None
) -> None:
    def report(_status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=_PAGES_PER_STEP, progress=report)


def _check_integrity(path: Path) -> None:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupIntegrityError(f"{path} is not a readable SQLite database: {exc}") from exc
    if rows != [("ok",)]:
        raise BackupIntegrityError(f"{path} failed PRAGMA integrity_check: {rows[:3]}")


def _backup(source_file: Path, path: Path, progress: Progress | None) -> None:
    if not source_file.is_file():
        raise BackupError(f"{source_file} does not exist")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    staging.unlink(missing_ok=True)
    try:
        with (
            contextlib.closing(sqlite3.connect(source_file)) as source,
            contextlib.closing(sqlite3.connect(staging)) as target,
        ):
            _copy(source, target, progress)
            # A single self-contained file: no -wal beside the copy.
            target.execute("PRAGMA journal_mode=DELETE")
        _check_integrity(staging)
        replace_atomically(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _restore(path: Path, target_file: Path, progress: Progress | None) -> None:
    _check_integrity(path)
    target_file.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source,
        contextlib.closing(sqlite3.connect(target_file, timeout=30)) as target,
    ):
        _copy(source, target, progress)


def _tables(database: Path) -> list[str]:
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return sorted(str(row[0]) for row in rows)


class SQLiteBackup:
    """Backup and restore of a SQLite database file."""

    name = "sqlite"

    async def backup(self, url: URL, path: Path, progress: Progress | None) -> BackupResult:
        """Copy the live database to ``path`` as one consistent snapshot."""
        source = _database_file(url)
        try:
            await anyio.to_thread.run_sync(_backup, source, path, progress)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite backup of {source} failed: {exc}") from exc
        return BackupResult(path, self.name, await file_size(path), _TOOL)

    async def table_names(self, url: URL) -> list[str]:
        """The tables of the database file (none when it does not exist yet)."""
        return await anyio.to_thread.run_sync(_tables, _database_file(url))

    async def restore(
        self, url: URL, path: Path, *, overwrite: bool, progress: Progress | None
    ) -> BackupResult:
        """Replace the database's content with the backup, page by page."""
        target = _database_file(url)
        try:
            await anyio.to_thread.run_sync(_restore, path, target, progress)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite restore into {target} failed: {exc}") from exc
        return BackupResult(path, self.name, await file_size(path), _TOOL)
