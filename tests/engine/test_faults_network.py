"""Network faults: a COMMIT whose reply is lost, a black-holed link, dead and silent peers.

The COMMIT-cutting proxy and the silent server are in :mod:`tests.support.proxy`. Proxy
scenarios need a client/server backend and run on PostgreSQL and MariaDB; the peer tests
need no server at all and run for the asyncpg and asyncmy drivers.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager, RetryConfig
from specify_db.core import errors
from specify_db.core.settings import Settings
from tests.support import params, tables
from tests.support.faults import Attempts, report, retries
from tests.support.proxy import CommitCutProxy, SilentServer, WireProtocol, closed_port

pytestmark = pytest.mark.faults


# -- commit outcome unknown ---------------------------------------------------------------


def _through_proxy(
    db: DatabaseManager, proxy: CommitCutProxy, retry: RetryConfig
) -> DatabaseManager:
    url = make_url(db.url).set(host="127.0.0.1", port=proxy.port)
    # The proxy reads COMMIT on the wire, so the link must not be encrypted.
    connect_args = {"ssl": False} if db.dialect_name == "postgresql" else {}
    return DatabaseManager(url, retry=retry, connect_args=connect_args)


@params.only(*params.SERVERS)
async def test_unknown_commit_outcome_is_replayed_idempotently(
    tables_db: DatabaseManager, retry_log: pytest.LogCaptureFixture
) -> None:
    """The link drops after the server committed; the replay finds the row, inserts nothing."""
    target = make_url(tables_db.url)
    attempts = Attempts()
    inserted: list[bool] = []
    key = str(uuid.uuid4())

    async def create(session: AsyncSession) -> None:
        attempts.start()
        inserted.append(await tables.insert_if_absent(session, key))

    async with CommitCutProxy(
        target.host or "127.0.0.1", target.port or 0, _wire(tables_db)
    ) as proxy:
        db = _through_proxy(tables_db, proxy, RetryConfig(max_attempts=3, initial_delay=0.01))
        try:
            proxy.cut_next_commit()
            await db.run(create)
        finally:
            await db.dispose()
    assert proxy.cuts == 1
    assert inserted == [True, False]  # landed on the first attempt, found on the replay
    assert await tables_db.run(_count_key, key) == 1
    logged = retries(retry_log)
    assert len(logged) == 1
    assert "COMMIT" in logged[0]
    report("commit outcome unknown, replayed", tables_db.dialect_name, attempts)


@params.only(*params.SERVERS)
async def test_unknown_commit_outcome_is_raised_when_replay_is_off(
    tables_db: DatabaseManager, retry_log: pytest.LogCaptureFixture
) -> None:
    target = make_url(tables_db.url)
    attempts = Attempts()
    key = str(uuid.uuid4())

    async def create(session: AsyncSession) -> None:
        attempts.start()
        await tables.insert_if_absent(session, key)

    retry = RetryConfig(max_attempts=3, initial_delay=0.01, replay_unknown_commits=False)
    async with CommitCutProxy(
        target.host or "127.0.0.1", target.port or 0, _wire(tables_db)
    ) as proxy:
        db = _through_proxy(tables_db, proxy, retry)
        try:
            proxy.cut_next_commit()
            with pytest.raises(errors.CommitOutcomeUnknown) as caught:
                await db.run(create)
        finally:
            await db.dispose()
    assert proxy.cuts == 1
    assert attempts.total == 1
    assert retries(retry_log) == []
    assert caught.value.__cause__ is not None
    # "Unknown" to the client; in fact the server had committed.
    assert await tables_db.run(_count_key, key) == 1
    report("commit outcome unknown, not replayed", tables_db.dialect_name, attempts)


@params.only(*params.SERVERS)
async def test_caller_timeout_ends_a_unit_on_a_black_holed_link(
    tables_db: DatabaseManager,
) -> None:
    """The network goes silent mid-unit: no reset, no reply, the statement never returns.

    The caller's own timeout must end the unit. ``session()`` rolls back shielded from
    cancellation, and that rollback goes out on the dead link too: it must not turn the
    caller's 1 s timeout into a hang (measured: about 1 s on MariaDB, 3.3 s on PostgreSQL,
    where closing the stuck asyncpg connection waits out a 2 s close timeout).
    """
    target = make_url(tables_db.url)
    wire = _wire(tables_db)
    async with CommitCutProxy(target.host or "127.0.0.1", target.port or 0, wire) as proxy:
        db = _through_proxy(tables_db, proxy, RetryConfig(max_attempts=1))

        async def unit(session: AsyncSession) -> None:
            await session.exec(text("SELECT 1"))
            proxy.black_hole()
            await session.exec(text("SELECT 2"))

        try:
            started = time.monotonic()
            task = asyncio.create_task(asyncio.wait_for(db.run(unit), 1.0))
            done, _ = await asyncio.wait({task}, timeout=_NO_HANG + 5)
            elapsed = time.monotonic() - started
            if not done:
                task.cancel()
            assert done, "the unit hung after the caller's timeout"
            assert isinstance(task.exception(), TimeoutError)
        finally:
            proxy.black_hole(False)
            await db.dispose()
    print(f"\nblack hole [{tables_db.dialect_name}]: unit ended after {elapsed:.2f}s")


def _wire(db: DatabaseManager) -> WireProtocol:
    return "postgresql" if db.dialect_name == "postgresql" else "mysql"


async def _count_key(session: AsyncSession, key: str) -> int:
    query = select(func.count()).select_from(tables.ledger).where(tables.ledger.c.id == key)
    return int((await session.exec(query)).one()[0])


# -- health checks against dead and silent peers -----------------------------------------

_DRIVER_URLS = [
    pytest.param(
        "postgresql+asyncpg://postgres:pw@127.0.0.1:{port}/x",
        marks=pytest.mark.postgres,
        id="asyncpg",
    ),
    pytest.param(
        "mysql+asyncmy://root:pw@127.0.0.1:{port}/x", marks=pytest.mark.mysql, id="asyncmy"
    ),
]
_HEALTH_TIMEOUT = 1.0
# Generous bound for "returned, did not hang": the check itself is bounded by the timeout.
_NO_HANG = _HEALTH_TIMEOUT + 4.0


@pytest.mark.parametrize("template", _DRIVER_URLS)
async def test_health_check_on_a_closed_port(template: str) -> None:
    db = DatabaseManager(template.format(port=closed_port()))
    try:
        started = time.monotonic()
        report = await db.health_check(timeout=_HEALTH_TIMEOUT)
        elapsed = time.monotonic() - started
    finally:
        await db.dispose()
    assert not report.healthy
    assert report.error
    assert "\n" not in report.error
    assert "refused" in report.error
    assert elapsed < _NO_HANG


@pytest.mark.parametrize("template", _DRIVER_URLS)
async def test_health_check_on_a_silent_peer_does_not_hang(template: str) -> None:
    async with SilentServer() as silent:
        db = DatabaseManager(template.format(port=silent.port))
        try:
            started = time.monotonic()
            report = await db.health_check(timeout=_HEALTH_TIMEOUT)
            elapsed = time.monotonic() - started
        finally:
            await db.dispose()
    assert silent.accepted >= 1
    assert not report.healthy
    assert report.error
    assert "\n" not in report.error
    assert "no answer" in report.error
    assert elapsed < _NO_HANG


_SILENT_UNIT_URLS = [
    pytest.param(
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/x", marks=pytest.mark.postgres, id="asyncpg"
    ),
    pytest.param("mysql+asyncmy://root@127.0.0.1:{port}/x", marks=pytest.mark.mysql, id="asyncmy"),
    # Regression: asyncmy's connect_timeout bounded only the TCP connect, so a unit of work on
    # a silent MariaDB host hung; the engine now bounds the whole driver connect.
    pytest.param(
        "mysql+aiomysql://root@127.0.0.1:{port}/x", marks=pytest.mark.mysql, id="aiomysql"
    ),
]


@pytest.mark.parametrize("template", _SILENT_UNIT_URLS)
async def test_unit_of_work_on_a_silent_peer_gives_up_after_connect_timeout(
    template: str,
) -> None:
    """Not only health checks: a unit of work must not hang on a host that never answers.

    With ``connect_timeout=1`` the connect fails as ConnectionLost (retryable) in about 1 s.
    The test's own 5 s bound turns a hang into a failure instead of a stuck run.
    """
    async with SilentServer() as silent:
        db = DatabaseManager(
            template.format(port=silent.port),
            settings=Settings(connect_timeout=1),
            retry=RetryConfig(max_attempts=1),
        )
        try:
            async with asyncio.timeout(5):
                with pytest.raises(errors.ConnectionLost):
                    async with db.session() as session:
                        await session.exec(text("SELECT 1"))
        finally:
            await db.dispose()
