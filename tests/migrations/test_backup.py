"""Backup then restore round-trips every row, on each backend; refusals and integrity checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import delete, select
from sqlmodel import col

from specify_db.cli.sample import SampleSize, populate
from specify_db.core.errors import BackupError
from specify_db.engine import DatabaseManager
from specify_db.migrations import (
    BackupIntegrityError,
    MigrationManager,
    backup_database,
    restore_database,
)
from specify_db.models import Command, metadata
from tests.migrations.databases import EmptyDatabase


async def filled(url: str, commands: int = 120) -> None:
    async with MigrationManager(url) as migrations:
        await migrations.upgrade()
        await populate(migrations.db, SampleSize(commands=commands), lambda *_: None)


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the applied revision), in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with DatabaseManager(url) as db, db.engine.connect() as conn:
        for table in [*metadata.sorted_tables]:
            stmt = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in await conn.execute(stmt)]
    async with MigrationManager(url) as migrations:
        rows["alembic_version"] = [(await migrations.current(),)]
    return rows


async def test_backup_then_restore_round_trips_every_row(
    new_database: EmptyDatabase, tmp_path: Path
) -> None:
    source, target = await new_database(), await new_database()
    await filled(source)
    before = await snapshot(source)
    assert all(before[name] for name in metadata.tables), "the sample fills every table"

    progress: list[tuple[int, int | None]] = []
    result = await backup_database(
        source, tmp_path / "backup.bin", progress=lambda *a: progress.append(a)
    )
    assert result.size_bytes > 0
    assert progress
    assert progress[-1][0] == progress[-1][1]

    await restore_database(target, result.path)
    assert await snapshot(target) == before
    async with MigrationManager(target) as migrations:
        report = await migrations.check()
        assert report.valid, report.diffs


async def test_restore_refuses_a_non_empty_database_unless_told(
    new_database: EmptyDatabase, tmp_path: Path
) -> None:
    source = await new_database()
    await filled(source)
    before = await snapshot(source)
    async with DatabaseManager(source) as db:
        result = await backup_database(db, tmp_path / "backup.bin")
        with pytest.raises(BackupError, match="not empty"):
            await restore_database(db, result.path)
        async with db.session() as session:
            await session.exec(delete(Command).where(col(Command.id) <= 50))
        assert await snapshot(source) != before
        await restore_database(db, result.path, overwrite=True)
    assert await snapshot(source) == before


async def test_a_damaged_backup_is_refused_before_anything_changes(
    new_database: EmptyDatabase, tmp_path: Path
) -> None:
    source, target = await new_database(), await new_database()
    await filled(source, commands=100)
    result = await backup_database(source, tmp_path / "backup.bin")
    damaged = tmp_path / "damaged.bin"
    data = await anyio.Path(result.path).read_bytes()
    await anyio.Path(damaged).write_bytes(data[: len(data) // 2])
    with pytest.raises(BackupIntegrityError):
        await restore_database(target, damaged)
    async with MigrationManager(target) as migrations:
        assert await migrations.current() is None
        assert (await migrations.check()).missing_tables


async def test_backup_while_writers_run_is_consistent(
    new_database: EmptyDatabase, tmp_path: Path
) -> None:
    source, target = await new_database(), await new_database()
    await filled(source, commands=100)
    done = anyio.Event()

    async def keep_writing() -> None:
        async with DatabaseManager(source) as db:
            while not done.is_set():
                await populate_more(db)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(keep_writing)
        result = await backup_database(source, tmp_path / "backup.bin")
        done.set()
    await restore_database(target, result.path)
    async with MigrationManager(target) as migrations:
        assert (await migrations.check()).valid


async def populate_more(db: DatabaseManager) -> None:
    async with db.session() as session:
        session.add(Command(name="specify status"))


async def test_backup_creates_missing_folders(empty_url: str, tmp_path: Path) -> None:
    # Regression: the SQLite strategy opened its staging file before the folder existed.
    await filled(empty_url, commands=100)
    result = await backup_database(empty_url, tmp_path / "backups" / "daily" / "specify.bak")
    assert await anyio.Path(result.path).is_file()
    assert not [p async for p in anyio.Path(result.path.parent).glob(".*.partial")]


@pytest.mark.usefixtures("backend")
async def test_a_missing_client_tool_is_a_clear_error(
    empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await filled(empty_url, commands=100)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    async with DatabaseManager(empty_url) as db:
        if db.dialect_name == "sqlite":
            # The online backup API is in the sqlite3 module: no tool is needed at all.
            result = await backup_database(db, tmp_path / "backup.bin")
            assert result.tool == "sqlite3 backup API"
            return
        tool = "pg_dump" if db.dialect_name == "postgresql" else "mariadb-dump"
        with pytest.raises(BackupError, match=f"{tool} is not installed"):
            await backup_database(db, tmp_path / "backup.bin")
    assert os.environ["PATH"].endswith("no-tools-here")
