"""Upgrade from empty to head, no drift, downgrade to base, upgrade again: on every backend."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from specify_db.migrations import MigrationManager, get_current_revision, verify_schema
from specify_db.migrations.environment import own_table_names

OUR_TABLES = set(own_table_names())


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def table_names(manager: MigrationManager) -> set[str]:
    async with manager.db.engine.connect() as conn:
        return await conn.run_sync(_tables)


async def fulltext_objects(manager: MigrationManager) -> set[str]:
    """Names of the full-text helpers and the audit trigger that exist in the database."""
    dialect = manager.db.dialect_name
    if dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE name LIKE '%\\_fts%' ESCAPE '\\'"
    elif dialect == "postgresql":
        sql = (
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%\\_fts' "
            "UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
    else:
        sql = (
            "SELECT DISTINCT index_name FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND index_type = 'FULLTEXT'"
        )
    async with manager.db.engine.connect() as conn:
        return {str(row[0]) for row in await conn.execute(text(sql))}


async def test_upgrade_check_downgrade_upgrade(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        assert await manager.current() is None
        assert await table_names(manager) == set()

        await manager.upgrade()
        assert await manager.current() == manager.heads()[0]
        assert await table_names(manager) >= OUR_TABLES
        report = await manager.check()
        assert report.valid, report.diffs
        assert report.diffs == []
        assert not report.pending
        assert "alembic_version" not in report.extra_tables

        await manager.downgrade("base")
        assert await manager.current() is None
        assert not (await table_names(manager) & OUR_TABLES)
        assert not {name for name in await table_names(manager) if "_fts" in name}

        await manager.upgrade("head")
        assert (await manager.check()).valid


async def test_head_creates_fulltext_objects_and_audit_guard(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        await manager.upgrade()
        found = await fulltext_objects(manager)
        dialect = manager.db.dialect_name
        if dialect == "sqlite":
            assert {"users_fts", "projects_fts", "commands_fts_ai"} <= found
        elif dialect == "postgresql":
            assert {"ix_users_fts", "ix_commands_fts", "audit_logs_append_only"} <= found
        else:
            assert {"ix_users_fts", "ix_projects_fts", "ix_commands_fts"} <= found
        await manager.downgrade("base")
        assert not await fulltext_objects(manager)


async def test_module_functions_agree_with_the_manager(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        await manager.upgrade()
        assert await get_current_revision(manager.db) == await manager.current()
        assert await get_current_revision(manager.db.engine) == await manager.current()
        report = await verify_schema(manager.db)
        assert report["valid"] is True
        assert report["extra_tables"] == []
        assert report["missing_tables"] == []
        await manager.downgrade("base")


async def test_check_reports_pending_and_drift(empty_url: str) -> None:
    async with MigrationManager(empty_url) as manager:
        pending = await manager.check()
        assert pending.pending
        assert not pending.valid
        assert set(pending.missing_tables) == OUR_TABLES

        await manager.upgrade()
        async with manager.db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
            await conn.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(20)"))
        drift = await manager.check()
        assert not drift.valid
        assert not drift.pending
        assert drift.extra_tables == ["stray"]
        assert drift.column_issues == {"users": {"missing": [], "extra": ["nickname"]}}
        assert "remove_table stray" in drift.diffs
        async with manager.db.engine.begin() as conn:
            await conn.execute(text("DROP TABLE stray"))
        await manager.downgrade("base")


async def test_an_applications_sqlmodel_tables_are_not_our_drift(empty_url: str) -> None:
    # Regression: a table an application registers on SQLModel.metadata (shared by every
    # SQLModel model) was reported as missing from specify-db's schema.
    from sqlalchemy import Column, Integer, Table
    from sqlmodel import SQLModel

    stranger = Table("app_widgets", SQLModel.metadata, Column("id", Integer, primary_key=True))
    try:
        async with MigrationManager(empty_url) as manager:
            await manager.upgrade()
            report = await manager.check()
            assert report.valid, report.diffs
            await manager.downgrade("base")
    finally:
        SQLModel.metadata.remove(stranger)


async def test_a_schema_made_by_create_all_is_stamped_not_recreated(empty_url: str) -> None:
    import pytest

    from specify_db.core.errors import MigrationError

    async with MigrationManager(empty_url) as manager:
        await manager.db.create_all()
        with pytest.raises(MigrationError, match=r"no migration history.*stamp"):
            await manager.upgrade()
        # create_all and the migrations build the same schema: nothing differs but the stamp.
        before = await manager.check()
        assert before.diffs == []
        assert before.pending
        await manager.stamp("head")
        assert (await manager.check()).valid
        await manager.downgrade("base")
        assert not (await table_names(manager) & OUR_TABLES)
