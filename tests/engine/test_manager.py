"""DatabaseManager on every backend: units of work, retry, errors, health, stats, secrets."""

import asyncio
import logging

import anyio
import pytest
from sqlalchemy import func, text
from sqlmodel import Field, SQLModel, select

from specify_db import DatabaseManager, RetryConfig
from specify_db.core import errors
from tests.conftest import make_manager


class EngineLedger(SQLModel, table=True):
    """A tiny table of the engine tests' own."""

    __tablename__ = "test_engine_ledger"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    amount: int = 0


async def ledger_rows(db: DatabaseManager) -> list[tuple[str, int]]:
    async with db.session() as session:
        result = await session.exec(
            select(EngineLedger.key, EngineLedger.amount).order_by(EngineLedger.key)
        )
        return [tuple(row) for row in result.all()]


async def test_session_commits_on_success(clean_db):
    async with clean_db.session() as session:
        session.add(EngineLedger(key="a", amount=1))
    assert await ledger_rows(clean_db) == [("a", 1)]


async def test_session_rolls_back_on_error_and_reraises_app_errors_unchanged(clean_db):
    with pytest.raises(KeyError):
        async with clean_db.session() as session:
            session.add(EngineLedger(key="a", amount=1))
            await session.flush()
            raise KeyError("app bug")
    assert await ledger_rows(clean_db) == []


async def test_database_errors_leave_typed_with_the_driver_error_as_cause(clean_db):
    async with clean_db.session() as session:
        session.add(EngineLedger(key="dup"))
    with pytest.raises(errors.AlreadyExists) as caught:
        async with clean_db.session() as session:
            session.add(EngineLedger(key="dup"))
    assert caught.value.__cause__ is not None
    assert caught.value.backend in {"sqlite", "postgresql", "mysql"}
    assert await ledger_rows(clean_db) == [("dup", 0)]


async def test_run_replays_the_whole_unit_with_a_fresh_session(clean_db):
    sessions = []

    async def credit(session, key: str, amount: int) -> int:
        sessions.append(id(session))
        session.add(EngineLedger(key=key, amount=amount))
        await session.flush()
        if len(sessions) < 3:
            # A hook that injects a serialization failure on the first two attempts, after
            # the unit has written: the replay must not see those writes.
            raise errors.SerializationFailure("injected 40001", code="40001")
        return amount

    assert await clean_db.run(credit, "k", amount=7) == 7
    assert len(set(sessions)) == 3
    assert await ledger_rows(clean_db) == [("k", 7)]


async def test_run_gives_up_with_retry_exhausted(clean_db):
    calls = []

    async def always_busy(session):
        calls.append(1)
        raise errors.LockTimeout("injected busy")

    db = make_manager(
        str(clean_db.url.render_as_string(hide_password=False)),
        retry=RetryConfig(max_attempts=2, initial_delay=0.001),
    )
    try:
        with pytest.raises(errors.RetryExhausted) as caught:
            await db.run(always_busy)
    finally:
        await db.dispose()
    assert caught.value.attempts == 2
    assert len(calls) == 2


async def test_run_never_retries_integrity_errors(clean_db):
    calls = []

    async def insert_twice(session):
        calls.append(1)
        session.add(EngineLedger(key="same"))
        await session.flush()
        session.add(EngineLedger(key="same"))
        await session.flush()

    with pytest.raises(errors.AlreadyExists):
        await clean_db.run(insert_twice)
    assert len(calls) == 1
    assert await ledger_rows(clean_db) == []


async def test_run_logs_each_retry_with_the_reason(clean_db, caplog):
    attempts = []

    async def flaky(session):
        attempts.append(1)
        if len(attempts) == 1:
            raise errors.DeadlockDetected("deadlock detected (injected)", code="40P01")

    with caplog.at_level(logging.WARNING, logger="specify_db.retry"):
        await clean_db.run(flaky)
    [record] = [r for r in caplog.records if r.name == "specify_db.retry"]
    assert "flaky" in record.getMessage()
    assert "deadlock" in record.getMessage()


async def test_health_check_reports_version_and_pool(db, backend):
    report = await db.health_check()
    assert report.healthy, report.error
    assert report.error is None
    assert (
        report.dialect == {"sqlite": "sqlite", "postgres": "postgresql", "mysql": "mysql"}[backend]
    )
    assert report.server_version
    assert report.latency_ms >= 0
    assert report.pool.size >= 1
    assert report.pool.checked_out == 0


async def test_pool_stats_count_checkouts_and_statement_latency(db):
    before = db.pool_stats()
    async with db.session() as session:
        await session.exec(text("SELECT 1"))
    after = db.pool_stats()
    assert after.checkouts == before.checkouts + 1
    assert after.checkins == before.checkins + 1
    assert after.operations["SELECT"].count >= 1
    assert after.operations["SELECT"].p50_ms <= after.operations["SELECT"].p99_ms


async def test_cancelled_unit_rolls_back_and_returns_its_connection(clean_db):
    started = asyncio.Event()

    async def slow_unit():
        async with clean_db.session() as session:
            session.add(EngineLedger(key="cancelled"))
            await session.flush()
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(slow_unit())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clean_db.engine.pool.checkedout() == 0
    assert await ledger_rows(clean_db) == []


async def test_password_never_appears_in_repr_logs_or_reports(backend_url, caplog):
    url = backend_url.replace("://", "://{user}:s3cret-pw@", 1)
    user = "postgres" if backend_url.startswith("postgresql") else "root"
    url = url.format(user=user) if "{user}" in url else url
    if backend_url.startswith("sqlite"):
        url = backend_url  # SQLite URLs carry no credentials
    with caplog.at_level(logging.DEBUG, logger="specify_db"):
        db = DatabaseManager(url, echo=False)
        report = await db.health_check(timeout=5)
        await db.dispose()
    assert "s3cret-pw" not in repr(db)
    assert "s3cret-pw" not in str(db)
    assert "s3cret-pw" not in report.model_dump_json()
    assert "s3cret-pw" not in caplog.text


async def test_health_check_on_a_closed_port_is_unhealthy_not_an_error():
    db = DatabaseManager("postgresql+asyncpg://app:pw@127.0.0.1:1/none")
    with anyio.fail_after(10):
        report = await db.health_check(timeout=3)
    await db.dispose()
    assert not report.healthy
    assert report.error is not None
    assert "\n" not in report.error
    assert "pw@" not in report.error


async def test_memory_sqlite_keeps_its_tables_across_sessions():
    # Regression: the earlier version gave `sqlite://` a NullPool, so every connection saw
    # a new empty database and "no such table" followed the create_all.
    async with DatabaseManager("sqlite://") as db:
        await db.create_all(EngineLedger.metadata)
        async with db.session() as session:
            session.add(EngineLedger(key="kept", amount=1))
        for _ in range(3):
            assert await ledger_rows(db) == [("kept", 1)]


async def test_memory_sqlite_sessions_take_turns_on_its_one_connection():
    async with DatabaseManager("sqlite://") as db:
        await db.create_all(EngineLedger.metadata)

        async def add(key: str) -> None:
            async with db.session() as session:
                session.add(EngineLedger(key=key))
                await asyncio.sleep(0.01)

        await asyncio.gather(*(add(f"k{i}") for i in range(5)))
        async with db.session() as session:
            count = (await session.exec(select(func.count()).select_from(EngineLedger))).one()
        assert count == 5


async def test_sqlite_file_gets_wal_foreign_keys_and_its_directory(tmp_path):
    path = tmp_path / "nested" / "dir" / "app.db"
    async with DatabaseManager(f"sqlite:///{path}") as db, db.session() as session:
        assert (await session.exec(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await session.exec(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await session.exec(text("PRAGMA busy_timeout"))).scalar_one() == 5000
    assert path.exists()


async def test_sqlite_file_readers_run_while_a_writer_holds_its_transaction(tmp_path):
    async with DatabaseManager(f"sqlite:///{tmp_path / 'rw.db'}") as db:
        await db.create_all(EngineLedger.metadata)
        async with db.session() as writer:
            writer.add(EngineLedger(key="uncommitted"))
            await writer.flush()
            async with db.session() as reader:
                count = (await reader.exec(select(func.count()).select_from(EngineLedger))).one()
            assert count == 0  # WAL: the reader sees the last commit and is not blocked


def test_replicas_are_refused_until_routing_exists():
    with pytest.raises(errors.ConfigurationError, match="replicas"):
        DatabaseManager("sqlite://", replicas=["sqlite://"])


async def test_manager_is_usable_after_dispose(db):
    await db.dispose()
    assert (await db.health_check()).healthy


async def test_failed_statements_leave_no_timing_state_behind(db):
    # Regression: a failed statement skipped after_cursor_execute and its start time stayed
    # on the connection for good.
    async with db.engine.connect() as conn:
        for _ in range(3):
            with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's own error type
                await conn.execute(text("SELECT * FROM no_such_table_for_stats"))
            await conn.rollback()
        assert not conn.sync_connection.info.get("specify_db_started")
