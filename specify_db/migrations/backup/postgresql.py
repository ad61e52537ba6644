"""PostgreSQL: ``pg_dump -Fc`` and ``pg_restore``, the password passed in ``PGPASSWORD``.

The custom format is compressed, consistent (one snapshot) and restorable selectively;
``pg_restore --list`` checks that a file is a complete archive before anything is changed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from specify_db.migrations.backup.base import (
    BackupIntegrityError,
    BackupResult,
    Progress,
    file_size,
    find_tool,
    replace_atomically,
    run_tool,
    server_table_names,
)

__all__ = ["PostgreSQLBackup"]

_HINT = "the PostgreSQL client tools (e.g. apt install postgresql-client)"


_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


def _connection_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for libpq tools; the password only in the env."""
    args: list[str] = []
    host = url.host or _query_value(url, "host")  # ?host=/var/run/postgresql: a socket
    if host:
        args += ["--host", host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or "postgres"]
    env = {"PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = url.password
    ssl = (_query_value(url, "sslmode") or _query_value(url, "ssl") or "").lower()
    if ssl in _SSL_MODES:
        env["PGSSLMODE"] = ssl
    elif ssl in ("true", "1", "on"):
        env["PGSSLMODE"] = "require"
    return ["--no-password", *args], env


def _query_value(url: URL, key: str) -> str | None:
    value = url.query.get(key)
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


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
        """Base tables of the database's default schema."""
        return await server_table_names(url)

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
