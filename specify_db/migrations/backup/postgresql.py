"""PostgreSQL: ``pg_dump -Fc`` and ``pg_restore``, the password passed in ``PGPASSWORD``.

The custom format is compressed, consistent (one snapshot) and restorable selectively;
``pg_restore --list`` checks that a file is a complete archive before anything is changed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from specify_db.migrations.backup.base import (
    BackupIntegrityError,
    BackupResult,
    Progress,
    file_size,
    find_tool,
    replace_atomically,
    run_tool,
)

__all__ = ["PostgreSQLBackup"]

_HINT = "the PostgreSQL client tools (e.g. apt install postgresql-client)"


def _connection_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args: list[str] = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return ["--no-password", *args], {**env, "PGCONNECT_TIMEOUT": "10"}


class PostgreSQLBackup:
    """Backup and restore of a PostgreSQL database with the client tools."""

    name = "postgresql"

    async def backup(self, url: URL, path: Path, progress: Progress | None) -> BackupResult:
        """``pg_dump --format=custom`` to a staging file, checked, then moved into place."""
        pg_dump = find_tool("pg_dump", package_hint=_HINT)
        pg_restore = find_tool("pg_restore", package_hint=_HINT)
        args, env = _connection_args(url)
        staging = path.with_name(f".{path.name}.partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            await run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    *args,
                    "--file",
                    str(staging),
                ],
                env=env,
                what="pg_dump",
            )
            await _check_archive(pg_restore, staging)
            replace_atomically(staging, path)
        finally:
            staging.unlink(missing_ok=True)
        if progress is not None:
            progress(1, 1)
        return BackupResult(path, self.name, await file_size(path), "pg_dump")

    async def table_names(self, url: URL) -> list[str]:
        """Tables in the database's ``public`` schema."""
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT tablename FROM pg_catalog.pg_tables "
                        "WHERE schemaname = current_schema() ORDER BY tablename"
                    )
                )
                return [str(row[0]) for row in rows]
        finally:
            await engine.dispose()

    async def restore(
        self, url: URL, path: Path, *, overwrite: bool, progress: Progress | None
    ) -> BackupResult:
        """``pg_restore`` in one transaction; with ``overwrite`` existing objects are dropped."""
        pg_restore = find_tool("pg_restore", package_hint=_HINT)
        await _check_archive(pg_restore, path)
        args, env = _connection_args(url)
        clean = ["--clean", "--if-exists"] if overwrite else []
        await run_tool(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *clean,
                *args,
                str(path),
            ],
            env=env,
            what="pg_restore",
        )
        if progress is not None:
            progress(1, 1)
        return BackupResult(path, self.name, await file_size(path), "pg_restore")


async def _check_archive(pg_restore: str, path: Path) -> None:
    try:
        await run_tool([pg_restore, "--list", str(path)], what="reading the archive")
    except Exception as exc:
        raise BackupIntegrityError(f"{path} is not a complete pg_dump archive: {exc}") from exc
