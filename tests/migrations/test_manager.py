"""MigrationManager's surface: config, init, offline SQL, history, stamp, errors, event loops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anyio
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, text

from specify_db.core.errors import MigrationError
from specify_db.migrations import (
    MigrationManager,
    create_data_migration,
    get_migration_history,
)
from specify_db.migrations import manager as manager_module


async def test_real_password_reaches_alembic_with_percent_escaped() -> None:
    url = "postgresql+asyncpg://app:p%25ss%40word@db.example:5432/specify"
    async with MigrationManager(url) as manager:
        configured = manager.config().get_main_option("sqlalchemy.url")
        assert configured == url
        assert "***" not in configured
        assert "***" in repr(manager)
        assert "p%25ss" not in repr(manager)


def test_no_alembic_ini_is_needed_and_scripts_are_found(tmp_cwd: Path) -> None:
    manager = MigrationManager("sqlite+aiosqlite://")
    assert (manager.script_location / "env.py").is_file()
    assert manager.heads() == ("0001",)
    assert not (tmp_cwd / "alembic.ini").exists()


async def test_upgrade_inside_a_running_event_loop(empty_url: str) -> None:
    asyncio.get_running_loop()  # this test body runs inside the loop
    async with MigrationManager(empty_url) as manager:
        await manager.upgrade()
        # Commands awaited concurrently take turns on Alembic's global context.
        current, history, check = await asyncio.gather(
            manager.current(), manager.history(), manager.check()
        )
        assert current == "0001"
        assert [entry["applied"] for entry in history] == [True]
        assert check.valid
        await manager.downgrade("base")


async def test_offline_sql_is_returned_and_nothing_runs(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        script = await manager.upgrade(sql=True)
        assert script is not None
        assert "CREATE TABLE users" in script
        assert "alembic_version" in script
        assert await manager.current() is None

        await manager.upgrade()
        down = await manager.downgrade("base", sql=True)
        assert down is not None
        assert "DROP TABLE users" in down
        assert await manager.current() == "0001"
        relative = await manager.downgrade("-1", sql=True)
        assert relative == down
        await manager.downgrade("base")


async def test_history_and_stamp(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        [entry] = await manager.history(verbose=True)
        assert entry["revision"] == "0001"
        assert entry["down_revision"] is None
        assert entry["message"].startswith("initial schema")
        assert entry["is_head"]
        assert not entry["applied"]
        assert await anyio.Path(str(entry["module_path"])).is_file()

        await manager.stamp("head")
        assert await manager.current() == "0001"
        assert (await get_migration_history(manager))[0]["applied"]
        await manager.stamp("base")
        assert await manager.current() is None


async def test_unknown_revision_is_a_migration_error(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        with pytest.raises(MigrationError, match="nope"):
            await manager.upgrade("nope")


async def test_unreachable_database_is_a_migration_error() -> None:
    async with MigrationManager("postgresql+asyncpg://nobody@127.0.0.1:1/none") as manager:
        with pytest.raises(MigrationError) as caught:
            await manager.current()
        assert caught.value.__cause__ is not None


async def test_create_data_migration_writes_an_empty_revision(
    empty_url: str, scripts_copy: Path
) -> None:
    async with MigrationManager(empty_url, script_location=scripts_copy) as manager:
        revision = await create_data_migration(manager, "backfill slugs")
        assert revision == "0002"
        [path] = (scripts_copy / "versions").glob("0002_backfill_slugs.py")
        body = path.read_text()
        assert "down_revision: str | Sequence[str] | None = '0001'" in body
        assert "import sqlmodel" in body
        await manager.upgrade()
        assert await manager.current() == "0002"
        await manager.downgrade("base")


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "keep.txt").write_text("x")
    manager = MigrationManager("sqlite+aiosqlite://")
    with pytest.raises(MigrationError, match="not empty"):
        manager.init(tmp_path / "app")


def test_init_leaves_nothing_half_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> dict[str, str]:
        raise OSError("disk full")

    monkeypatch.setattr(manager_module, "template_files", broken)
    manager = MigrationManager("sqlite+aiosqlite://")
    with pytest.raises(MigrationError, match="disk full"):
        manager.init(tmp_path / "app")
    assert list(tmp_path.iterdir()) == []


async def test_an_application_gets_its_own_migrations(empty_url: str, tmp_path: Path) -> None:
    app_metadata = MetaData()
    Table(
        "notes",
        app_metadata,
        Column("id", Integer, primary_key=True),
        Column("body", String(200), nullable=False),
        mysql_engine="InnoDB",
    )
    async with MigrationManager(empty_url) as ours:
        await ours.upgrade()
    async with MigrationManager(
        empty_url, metadata=app_metadata, version_table="app_version"
    ) as manager:
        folder = manager.init(tmp_path / "app_migrations")
        assert {p.name for p in folder.iterdir()} == {"env.py", "script.py.mako", "versions"}
        assert manager.script_location == folder
        revision = await manager.create_migration("notes")
        # Regression: the app's autogenerate proposed dropping specify-db's tables and
        # alembic_version, which are not in the app's metadata.
        [path] = (folder / "versions").glob("*.py")
        assert "drop_table" not in path.read_text().split("def downgrade")[0]
        await manager.upgrade()
        assert await manager.current() == revision
        assert (await manager.check()).valid
        async with manager.db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            version = (await conn.execute(text("SELECT version_num FROM app_version"))).scalar()
        assert {"notes", "app_version", "alembic_version", "users", "commands"} <= names
        assert version == revision
        await manager.downgrade("base")
    async with MigrationManager(empty_url) as ours:
        assert await ours.current() == "0001"
        report = await ours.check()
        assert report.diffs == ["remove_table app_version"]  # another history's table
        await ours.downgrade("base")


def test_libpq_tools_get_the_password_in_the_environment_only() -> None:
    from sqlalchemy.engine import make_url

    from specify_db.migrations.backup.postgresql import _connection_args

    url = make_url("postgresql+asyncpg://app:s3cret@db.example:6432/specify?ssl=require")
    args, env = _connection_args(url)
    assert "s3cret" not in " ".join(args)
    assert args == [
        "--no-password",
        "--host",
        "db.example",
        "--port",
        "6432",
        "--username",
        "app",
        "--dbname",
        "specify",
    ]
    assert env["PGPASSWORD"] == "s3cret"
    assert env["PGSSLMODE"] == "require"
    socket_args, _ = _connection_args(make_url("postgresql://app@/specify?host=/run/pg"))
    assert socket_args[1:3] == ["--host", "/run/pg"]


def test_mariadb_tools_get_the_password_in_an_owner_only_option_file() -> None:
    import stat

    from sqlalchemy.engine import make_url

    from specify_db.migrations.backup.mysql import _defaults_file

    url = make_url('mysql+asyncmy://app:p"w\\d@db.example:3307/specify')
    with _defaults_file(url) as name:
        path = Path(name)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text()
    assert 'password="p\\"w\\\\d"' in text
    assert "host=db.example" in text
    assert "port=3307" in text
    assert not path.exists()


async def test_in_memory_sqlite_migrates_on_its_one_connection() -> None:
    # A second engine (env.py's own) would open a different, empty in-memory database.
    async with MigrationManager("sqlite+aiosqlite://") as manager:
        await manager.upgrade()
        assert await manager.current() == "0001"
        assert (await manager.check()).valid


def test_plain_alembic_commands_run_env_py_on_its_own_engine(empty_url: str) -> None:
    # No connection handed in and no running loop: env.py makes a NullPool engine and runs
    # asyncio.run() itself, as under the `alembic` command line.
    from alembic import command

    manager = MigrationManager(empty_url)
    cfg = manager.config()
    assert "connection" not in cfg.attributes
    command.upgrade(cfg, "head")

    async def state() -> tuple[str | None, bool]:
        async with MigrationManager(empty_url) as fresh:
            return await fresh.current(), (await fresh.check()).valid

    assert asyncio.run(state()) == ("0001", True)
    command.downgrade(manager.config(), "base")
    assert asyncio.run(state())[0] is None
