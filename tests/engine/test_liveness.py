"""Pre-ping of idle pooled connections only (specify_db/engine/liveness.py)."""

import asyncio

from sqlalchemy import text

from specify_db import DatabaseManager, RetryConfig, Settings

BACKEND_PID = {
    "sqlite": None,
    "postgres": "SELECT pg_backend_pid()",
    "mysql": "SELECT CONNECTION_ID()",
}
KILL = {"postgres": "SELECT pg_terminate_backend({pid})", "mysql": "KILL {pid}"}


async def one(db: DatabaseManager, sql: str):
    async with db.session() as session:
        return (await session.exec(text(sql))).scalar_one()


async def test_a_connection_used_a_moment_ago_is_not_pinged(backend_url):
    db = DatabaseManager(backend_url, pool_size=1, settings=Settings(pool_pre_ping_idle=60))
    try:
        for _ in range(5):
            assert await one(db, "SELECT 1") == 1
        stats = db.pool_stats()
        assert stats.checkouts >= 5
        assert stats.pings == 0
    finally:
        await db.dispose()


async def test_an_idle_connection_killed_by_the_server_is_replaced_before_the_unit(
    backend, backend_url
):
    db = DatabaseManager(
        backend_url,
        pool_size=1,
        max_overflow=0,
        settings=Settings(pool_pre_ping_idle=0.05),
        retry=RetryConfig(max_attempts=1),  # the ping, not a replay, must save the unit
    )
    admin = DatabaseManager(backend_url, pool_size=1)
    try:
        if BACKEND_PID[backend] is None:
            # SQLite is a local file: nothing can drop the connection, so nothing is pinged.
            await one(db, "SELECT 1")
            await asyncio.sleep(0.1)
            await one(db, "SELECT 1")
            assert db.pool_stats().pings == 0
            return
        pid = await one(db, BACKEND_PID[backend])
        async with admin.session() as session:
            await session.exec(text(KILL[backend].format(pid=pid)))
        await asyncio.sleep(0.2)
        new_pid = await one(db, BACKEND_PID[backend])
        assert new_pid != pid
        stats = db.pool_stats()
        assert stats.pings == 1
        assert stats.invalidations >= 1
    finally:
        await db.dispose()
        await admin.dispose()
