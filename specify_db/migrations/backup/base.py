"""What every backup strategy shares: the result type, progress callback, errors, and tools."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import anyio
from sqlalchemy import inspect
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from specify_db.core.errors import BackupError

__all__ = [
    "BackupIntegrityError",
    "BackupResult",
    "BackupStrategy",
    "Progress",
    "file_size",
    "find_tool",
    "run_tool",
]

Progress = Callable[[int, int | None], None]
"""``progress(done, total)``: units done so far and the total (``None`` when unknown)."""


class BackupIntegrityError(BackupError):
    """A backup file is unreadable or incomplete, or a restore did not land whole."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    """One finished backup or restore.

    Attributes:
        path: the backup file.
        backend: ``"sqlite"``, ``"postgresql"`` or ``"mysql"``.
        size_bytes: size of the backup file.
        tool: what did the work (``"sqlite3 backup API"``, ``"pg_dump"``...).
    """

    path: Path
    backend: str
    size_bytes: int
    tool: str


class BackupStrategy(Protocol):
    """How one backend is backed up and restored."""

    name: str

    async def backup(self, url: URL, path: Path, progress: Progress | None) -> BackupResult:
        """Write a consistent backup of the database at ``url`` to ``path``."""
        ...

    async def table_names(self, url: URL) -> list[str]:
        """The tables the database has now (to refuse overwriting a non-empty one)."""
        ...

    async def restore(
        self, url: URL, path: Path, *, overwrite: bool, progress: Progress | None
    ) -> BackupResult:
        """Load the backup at ``path`` into the database at ``url``."""
        ...


def find_tool(*names: str, package_hint: str) -> str:
    """The path of the first of ``names`` on ``PATH``, or a :class:`BackupError` naming it."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise BackupError(f"{names[0]} is not installed or not on PATH; install {package_hint}")


async def run_tool(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: Path | None = None,
    what: str,
) -> None:
    """Run a client tool; a non-zero exit is a :class:`BackupError` with its last stderr line.

    Secrets go through ``env`` or option files only, never ``argv`` (visible in ``ps``).
    """
    merged = {**os.environ, **(env or {})}
    try:
        if stdin is not None:
            async with await anyio.open_file(stdin, "rb") as handle:
                data = await handle.read()
            completed = await anyio.run_process(argv, input=data, env=merged, check=False)
        else:
            completed = await anyio.run_process(argv, env=merged, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not start {argv[0]}: {exc}") from exc
    if completed.returncode != 0:
        lines = completed.stderr.decode(errors="replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit status {completed.returncode}"
        raise BackupError(f"{what} failed: {detail}")


async def server_table_names(url: URL) -> list[str]:
    """Base tables of a server database's default schema, as SQLAlchemy's inspector sees them."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return sorted(names)


async def file_size(path: Path) -> int:
    """Size of ``path`` in bytes (stat off the event loop)."""
    return (await anyio.Path(path).stat()).st_size


def replace_atomically(staging: Path, target: Path) -> None:
    """Move a finished file over ``target`` (same folder, so the rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging.replace(target)
