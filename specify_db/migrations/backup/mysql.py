"""MariaDB/MySQL: ``mariadb-dump`` and ``mariadb`` (or ``mysqldump`` / ``mysql``).

Credentials go in a temporary ``--defaults-extra-file`` readable only by the owner, never on
the command line. ``--single-transaction`` gives one consistent InnoDB snapshot without
locking writers; the dump ends with ``-- Dump completed``, which is checked before a file is
accepted or restored.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
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

__all__ = ["MySQLBackup"]

_HINT = "the MariaDB client tools (e.g. apt install mariadb-client)"
_COMPLETED = b"-- Dump completed"


@contextmanager
def _defaults_file(url: URL) -> Iterator[str]:
    lines = ["[client]"]
    if url.host:
        lines.append(f"host={url.host}")
    if url.port:
        lines.append(f"port={url.port}")
    if url.username:
        lines.append(f"user={url.username}")
    if url.password:
        escaped = url.password.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'password="{escaped}"')
    if socket := url.query.get("unix_socket"):
        lines.append(f"socket={socket}")
    lines.append("default-character-set=utf8mb4")
    descriptor, name = tempfile.mkstemp(prefix="specify-db-", suffix=".cnf")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        yield name
    finally:
        Path(name).unlink(missing_ok=True)


def _check_dump(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            handle.seek(max(path.stat().st_size - 512, 0))
            tail = handle.read()
    except OSError as exc:
        raise BackupIntegrityError(f"cannot read {path}: {exc}") from exc
    if _COMPLETED not in tail:
        raise BackupIntegrityError(f"{path} is not a complete mariadb-dump file")


class MySQLBackup:
    """Backup and restore of a MariaDB/MySQL database with the client tools."""

    name = "mysql"

    async def backup(self, url: URL, path: Path, progress: Progress | None) -> BackupResult:
        """``mariadb-dump --single-transaction`` with triggers and routines."""
        dump = find_tool("mariadb-dump", "mysqldump", package_hint=_HINT)
        staging = path.with_name(f".{path.name}.partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with _defaults_file(url) as defaults:
                await run_tool(
                    [
                        dump,
                        f"--defaults-extra-file={defaults}",
                        "--single-transaction",
                        "--routines",
                        "--triggers",
                        "--hex-blob",
                        "--skip-lock-tables",
                        f"--result-file={staging}",
                        url.database or "",
                    ],
                    what=Path(dump).name,
                )
            _check_dump(staging)
            replace_atomically(staging, path)
        finally:
            staging.unlink(missing_ok=True)
        if progress is not None:
            progress(1, 1)
        return BackupResult(path, self.name, await file_size(path), Path(dump).name)

    async def table_names(self, url: URL) -> list[str]:
        """Base tables of the database's default schema."""
        return await server_table_names(url)

    async def restore(
        self, url: URL, path: Path, *, overwrite: bool, progress: Progress | None
    ) -> BackupResult:
        """Feed the dump to ``mariadb``; the dump drops and recreates each of its tables."""
        client = find_tool("mariadb", "mysql", package_hint=_HINT)
        _check_dump(path)
        with _defaults_file(url) as defaults:
            await run_tool(
                [client, f"--defaults-extra-file={defaults}", url.database or ""],
                stdin=path,
                what=Path(client).name,
            )
        if progress is not None:
            progress(1, 1)
        return BackupResult(path, self.name, await file_size(path), Path(client).name)
