"""Retry and error handling of DatabaseManager under real faults, on real servers.

Every scenario breaks something for real: the server kills the connection, a throwaway
PostgreSQL cluster restarts, two transactions conflict or deadlock, a pool runs dry, a
SQLite writer waits for the lock. Each unit of work counts its attempts, and each test
checks the count as well as the final state; ``-s`` prints a ``retries:`` line per scenario.
Network faults (a lost COMMIT reply, a black hole, dead and silent peers) are in
``test_faults_network.py``.

Where a scenario exists only on some backends (kills and deadlocks need a server; write
skew is PostgreSQL's SERIALIZABLE; "database is locked" is SQLite's), the test runs on
exactly those backends through ``tests.support.params`` and is not skipped anywhere.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager, RetryConfig
from specify_db.core import errors
from specify_db.core.settings import Settings
from tests.conftest import make_manager
from tests.support import params, tables
from tests.support.faults import Attempts, report, retries
from tests.support.pgcluster import Cluster

pytestmark = pytest.mark.faults


# -- a connection killed by the server in the middle of a unit ---------------------------


@dataclass(frozen=True)
class _KillSql:
    whoami: str  # this session's server-side id
    kill: str  # run from another session
    sleep: str  # a statement that runs long enough to be killed while running
    running: str  # true once the session with id :pid is inside ``sleep``


_KILL = {
    "postgresql": _KillSql(
        "SELECT pg_backend_pid()",
        "SELECT pg_terminate_backend({pid}, 5000)",
        "SELECT pg_sleep(10)",
        "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND query LIKE '%pg_sleep%' "
        "AND state = 'active'",
    ),
    "mysql": _KillSql(
        "SELECT CONNECTION_ID()",
        "KILL {pid}",
        "SELECT SLEEP(10)",
        "SELECT count(*) FROM information_schema.processlist WHERE id = :pid "
        "AND info LIKE '%SLEEP%'",
    ),
}


async def _kill_when_running(db: DatabaseManager, sql: _KillSql, pid: int) -> None:
    async with db.engine.connect() as other:
        try:
            async with asyncio.timeout(5):
                while not (await other.execute(text(sql.running), {"pid": pid})).scalar():
                    await other.rollback()  # a fresh snapshot of the activity views
                    await asyncio.sleep(0.02)
        except TimeoutError:
            # Not a TimeoutError: that would count as a transient failure and be retried.
            raise AssertionError("the statement to kill never showed as running") from None
        await _kill_now(db, sql, pid)


@params.only(*params.SERVERS)
@pytest.mark.parametrize("moment", ["between statements", "during a statement"])
async def test_connection_killed_mid_unit_is_replayed_and_lands_once(
    tables_db: DatabaseManager, retry_log: pytest.LogCaptureFixture, moment: str
) -> None:
    """The server kills the unit's connection after its INSERT; the replay lands it once.

    "between statements": killed while idle in the transaction, the next statement fails.
    "during a statement": killed while a 10 s sleep runs (the killer waits until the
    server shows it running), so the statement in flight fails.
    """
    db = tables_db
    sql = _KILL[db.dialect_name]
    attempts = Attempts()
    key = str(uuid.uuid4())
    killed: list[int] = []

    async def unit(session: AsyncSession) -> bool:
        attempt = attempts.start()
        inserted = await tables.insert_if_absent(session, key, unit=attempt)
        if attempt == 1:
            pid = int((await session.exec(text(sql.whoami))).scalar_one())
            killed.append(pid)
            if moment == "during a statement":
                killer = asyncio.create_task(_kill_when_running(db, sql, pid))
                try:
                    await session.exec(text(sql.sleep))
                finally:
                    await killer
            else:
                await _kill_now(db, sql, pid)
        # The killed connection fails by now; the first attempt's insert is rolled back.
        await session.exec(select(func.count()).select_from(tables.ledger))
        return inserted

    assert await db.run(unit) is True
    assert len(killed) == 1
    assert attempts.total == 2
    assert await tables.ledger_count(db, key) == 1
    assert await tables.ledger_count(db) == 1
    logged = retries(retry_log)
    assert len(logged) == 1
    assert "connection" in logged[0]
    report(f"server kill {moment}", db.dialect_name, attempts)


async def _kill_now(db: DatabaseManager, sql: _KillSql, pid: int) -> None:
    async with db.engine.connect() as other:
        await other.execute(text(sql.kill.format(pid=pid)))
        await other.commit()


# -- PostgreSQL restart during a loop of units --------------------------------------------


@pytest.mark.postgres
@pytest.mark.slow
async def test_postgres_restart_loses_no_acknowledged_unit(
    faults_cluster: Cluster, faults_cluster_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    """200 units in a row; the cluster restarts (fast mode) after the 20th.

    Units are paced 10 ms apart so the restart (1-4 s here) falls inside the loop. The
    retry budget rides out the downtime: up to 60 attempts and 30 s per unit.
    """
    db = DatabaseManager(
        faults_cluster_url,
        retry=RetryConfig(max_attempts=60, initial_delay=0.05, max_delay=0.5, max_total_time=30),
        pool_size=2,
    )
    attempts = Attempts()
    keys = [str(uuid.uuid4()) for _ in range(200)]
    acknowledged: list[str] = []

    async def unit(session: AsyncSession, index: int) -> None:
        attempts.start(str(index))
        await tables.insert_if_absent(session, keys[index], unit=index)

    async def started_at() -> str:
        async with db.engine.connect() as conn:
            return str((await conn.execute(text("SELECT pg_postmaster_start_time()"))).scalar())

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(tables.ledger.create)  # a fresh database of this run
        before = await started_at()
        restart: asyncio.Task[tuple[int, str, float]] | None = None
        slowest = 0.0
        for index in range(len(keys)):
            if index == 20:
                restart = asyncio.create_task(_timed(faults_cluster.restart_command()))
            started = time.monotonic()
            await db.run(unit, index)
            slowest = max(slowest, time.monotonic() - started)
            acknowledged.append(keys[index])
            await asyncio.sleep(0.01)
        assert restart is not None
        returncode, stderr, restart_took = await restart
        assert returncode == 0, stderr
        after = await started_at()
        async with db.engine.connect() as conn:
            stored = (await conn.execute(select(tables.ledger.c.id))).scalars().all()
    finally:
        await db.dispose()

    assert after != before, "the cluster did not restart"
    assert len(acknowledged) == 200
    assert sorted(stored) == sorted(acknowledged)  # every acknowledged unit, each once
    replayed = {unit: n for unit, n in attempts.by_unit.items() if n > 1}
    assert replayed, "no unit met the restart"
    assert len(retries(retry_log)) == attempts.total - 200
    print(
        f"\nretries: postgres restart [postgresql] units=200 attempts={attempts.total} "
        f"units_replayed={len(replayed)} max_attempts_one_unit={max(replayed.values())} "
        f"restart_command_s={restart_took:.2f} slowest_unit_s={slowest:.2f}"
    )


async def _timed(command: list[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    return process.returncode or 0, stderr.decode(), time.monotonic() - started


# -- serialization failure and deadlock ------------------------------------------------


@params.only(params.POSTGRES)
async def test_serializable_write_skew_is_retried_to_success(
    tables_db: DatabaseManager, retry_log: pytest.LogCaptureFixture
) -> None:
    """Two doctors on call; each may go off call only if the other stays on.

    Both SERIALIZABLE units read "2 on call" before either writes (an asyncio barrier on
    the first attempts), then each takes itself off: PostgreSQL fails one with 40001. Its
    replay reads "1 on call" and stays on. PostgreSQL only: MariaDB's SERIALIZABLE reports
    such conflicts as deadlocks (tested below) and SQLite has a single writer.
    """
    db = tables_db
    async with db.session() as session:
        await session.exec(
            insert(tables.oncall), params=[{"id": 1, "on_call": True}, {"id": 2, "on_call": True}]
        )
    attempts = Attempts()
    both_read = asyncio.Barrier(2)

    async def go_off_call(session: AsyncSession, me: int) -> bool:
        attempt = attempts.start(f"doctor{me}")
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        on_call = (
            await session.exec(
                select(func.count()).select_from(tables.oncall).where(tables.oncall.c.on_call)
            )
        ).one()[0]
        if attempt == 1:
            await both_read.wait()
        if on_call < 2:
            return False
        await session.exec(
            update(tables.oncall).where(tables.oncall.c.id == me).values(on_call=False)
        )
        return True

    results = await asyncio.gather(db.run(go_off_call, 1), db.run(go_off_call, 2))
    async with db.session() as session:
        still_on = (
            await session.exec(
                select(func.count()).select_from(tables.oncall).where(tables.oncall.c.on_call)
            )
        ).one()[0]
    assert sorted(results) == [False, True]
    assert still_on == 1
    assert attempts.total == 3
    logged = retries(retry_log)
    assert len(logged) == 1
    assert "serialization failure" in logged[0]
    report("serializable write skew", db.dialect_name, attempts)


@params.only(*params.SERVERS)
async def test_deadlock_is_retried_to_success(
    tables_db: DatabaseManager, retry_log: pytest.LogCaptureFixture
) -> None:
    """Two units lock rows 1 and 2 in opposite orders; the victim is replayed.

    PostgreSQL detects it after ``deadlock_timeout`` (1 s), MariaDB at once. Both units
    add 1 to both rows, so the final state is 2 and 2. (SQLite has one writer: no deadlock.)
    """
    db = tables_db
    async with db.session() as session:
        await session.exec(insert(tables.counter), params=[{"id": 1, "n": 0}, {"id": 2, "n": 0}])
    attempts = Attempts()
    both_locked = asyncio.Barrier(2)

    async def bump(session: AsyncSession, first: int, second: int) -> None:
        attempt = attempts.start(f"{first}->{second}")
        row = tables.counter.c
        await session.exec(update(tables.counter).where(row.id == first).values(n=row.n + 1))
        if attempt == 1:
            await both_locked.wait()
        await session.exec(update(tables.counter).where(row.id == second).values(n=row.n + 1))

    await asyncio.gather(db.run(bump, 1, 2), db.run(bump, 2, 1))
    async with db.session() as session:
        final = dict((await session.exec(select(tables.counter.c.id, tables.counter.c.n))).all())
    assert final == {1: 2, 2: 2}
    assert attempts.total == 3
    logged = retries(retry_log)
    assert len(logged) == 1
    assert "deadlock" in logged[0]
    report("deadlock", db.dialect_name, attempts)


# -- errors that must not be retried, and back-pressure ----------------------------------


async def test_integrity_error_is_attempted_exactly_once(
    tables_db: DatabaseManager, retry_log: pytest.LogCaptureFixture
) -> None:
    db = tables_db
    key = str(uuid.uuid4())
    async with db.session() as session:
        await session.exec(insert(tables.ledger).values(id=key))
    attempts = Attempts()

    async def duplicate(session: AsyncSession) -> None:
        attempts.start()
        await session.exec(insert(tables.ledger).values(id=key))

    with pytest.raises(errors.AlreadyExists) as caught:
        await db.run(duplicate)
    assert attempts.total == 1
    assert retries(retry_log) == []
    assert caught.value.__cause__ is not None
    assert await tables.ledger_count(db) == 1
    report("integrity error", db.dialect_name, attempts)


async def test_pool_exhaustion_ends_in_a_clear_checkout_timeout(
    backend_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    """One connection, held; a second unit cannot get one.

    A bare ``session()`` raises :class:`PoolTimeout`. ``run()`` treats a checkout timeout
    as back-pressure (transient, per the design), so it retries and ends in
    :class:`RetryExhausted` whose ``__cause__`` is the last :class:`PoolTimeout`. Every
    timed-out checkout is counted in ``pool_stats().checkout_timeouts``.
    """
    db = make_manager(
        backend_url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.2,
        retry=RetryConfig(max_attempts=3, initial_delay=0.01, max_delay=0.02),
    )
    attempts = Attempts()

    async def select_one(session: AsyncSession) -> int:
        attempts.start()
        return int((await session.exec(text("SELECT 1"))).scalar_one())

    try:
        async with db.engine.connect() as held:
            await held.execute(text("SELECT 1"))
            with pytest.raises(errors.PoolTimeout) as direct:
                async with db.session() as session:
                    await session.exec(text("SELECT 1"))
            with pytest.raises(errors.RetryExhausted) as exhausted:
                await db.run(select_one)
            timeouts = db.pool_stats().checkout_timeouts
        assert await db.run(select_one) == 1  # released: the pool serves again
    finally:
        await db.dispose()
    assert "pool" in str(direct.value)
    assert isinstance(exhausted.value.__cause__, errors.PoolTimeout)
    assert exhausted.value.attempts == 3
    assert timeouts == 1 + 3
    assert attempts.total == 3 + 1
    assert len(retries(retry_log)) == 2
    report("pool exhaustion", db.dialect_name, attempts, checkout_timeouts=timeouts)


@pytest.mark.sqlite
async def test_sqlite_database_is_locked_is_retried(
    tmp_path: object, retry_log: pytest.LogCaptureFixture
) -> None:
    """A second writer meets "database is locked" until the first commits, then succeeds.

    The busy timeout is cut to 50 ms so the lock surfaces as an error quickly; the holder
    commits once the unit has failed at least once.
    """
    url = f"sqlite+aiosqlite:///{tmp_path}/locked.db"
    settings = Settings(sqlite_busy_timeout_ms=50)
    retry = RetryConfig(max_attempts=30, initial_delay=0.02, max_delay=0.1, max_total_time=20)
    writer = DatabaseManager(url, settings=settings, retry=retry)
    holder = DatabaseManager(url, settings=settings)
    attempts = Attempts()
    replaying = asyncio.Event()
    key = str(uuid.uuid4())

    async def write(session: AsyncSession) -> bool:
        if attempts.start() > 1:
            replaying.set()
        return await tables.insert_if_absent(session, key)

    try:
        async with writer.engine.begin() as conn:
            await conn.run_sync(tables.ledger.create)
        async with holder.engine.connect() as held:
            await held.execute(insert(tables.ledger).values(id="holder"))  # write lock taken
            unit = asyncio.create_task(writer.run(write))
            await asyncio.wait_for(replaying.wait(), timeout=10)
            await held.commit()
        assert await unit is True
        assert await tables.ledger_count(writer) == 2
    finally:
        await writer.dispose()
        await holder.dispose()
    assert attempts.total >= 2
    logged = retries(retry_log)
    assert len(logged) == attempts.total - 1
    assert all("database is locked" in message for message in logged)
    report("sqlite database is locked", "sqlite", attempts)
