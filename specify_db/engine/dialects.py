"""Per-database engine setup: pools, connect arguments and connection settings.

Everything that differs between SQLite, PostgreSQL and MySQL/MariaDB at the engine level
lives here, chosen from the URL's backend.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from specify_db.core.urls import is_memory_sqlite
from specify_db.engine.liveness import install_idle_ping


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """The pool settings a :class:`DatabaseManager` was given."""

    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    pool_recycle: int = 3600
    pool_pre_ping: bool = True
    pool_pre_ping_idle: float = 1.0
    connect_timeout: float = 10.0
    sqlite_busy_timeout_ms: int = 5000
    pgbouncer: bool = False


@dataclass(slots=True)
class EngineSetup:
    """What ``create_async_engine`` needs for one URL, plus a hook run on the sync engine."""

    url: URL
    kwargs: dict[str, Any] = field(default_factory=dict)
    connect_args: dict[str, Any] = field(default_factory=dict)
    sqlite: bool = False
    sqlite_busy_timeout_ms: int = 5000
    sqlite_file: bool = False
    idle_ping_seconds: float | None = None

    def install(self, engine: Engine, on_ping: Callable[[], None] | None = None) -> None:
        """Register the connection-level listeners this backend needs."""
        if self.sqlite:
            _install_sqlite(engine, self.sqlite_busy_timeout_ms, wal=self.sqlite_file)
        if self.idle_ping_seconds is not None:
            install_idle_ping(engine, self.idle_ping_seconds, on_ping)


def engine_setup(url: URL, options: PoolOptions) -> EngineSetup:
    """Choose pool and connect arguments for ``url``'s backend."""
    backend = url.get_backend_name()
    # Liveness pings are ours (engine/liveness.py): only connections that sat idle.
    idle_ping = options.pool_pre_ping_idle if options.pool_pre_ping else None
    queue = {
        "poolclass": AsyncAdaptedQueuePool,
        "pool_size": options.pool_size,
        "max_overflow": options.max_overflow,
        "pool_timeout": options.pool_timeout,
        "pool_recycle": options.pool_recycle,
        "pool_pre_ping": False,
    }
    if backend == "sqlite":
        if is_memory_sqlite(url):
            # One connection, held by a pool of one: an in-memory database lives exactly as
            # long as its connection, so it must never be closed or recycled, and units of
            # work take turns on it instead of interleaving transactions.
            return EngineSetup(
                url,
                {**queue, "pool_size": 1, "max_overflow": 0, "pool_recycle": -1},
                {"check_same_thread": False},
                sqlite=True,
                sqlite_busy_timeout_ms=options.sqlite_busy_timeout_ms,
            )
        if url.database:
            Path(url.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        # A local file needs no liveness ping.
        return EngineSetup(
            url,
            queue,
            {"timeout": options.sqlite_busy_timeout_ms / 1000.0},
            sqlite=True,
            sqlite_busy_timeout_ms=options.sqlite_busy_timeout_ms,
            sqlite_file=True,
        )
    if backend == "postgresql":
        connect_args: dict[str, Any] = {"timeout": options.connect_timeout}
        if options.pgbouncer:
            # Transaction pooling hands each transaction to any server connection, so no
            # prepared statement may outlive its transaction: turn off both caches.
            connect_args |= {"statement_cache_size": 0, "prepared_statement_cache_size": 0}
        return EngineSetup(url, queue, connect_args, idle_ping_seconds=idle_ping)
    # MySQL or MariaDB: normalize_url admits no other backend.
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    # The MySQL drivers' connect_timeout bounds only the TCP connect: a host that accepts
    # and never answers the handshake hangs the connect forever, so bound all of it.
    driver = importlib.import_module(url.get_driver_name())
    connect_args = {
        "connect_timeout": max(int(options.connect_timeout), 1),
        "async_creator_fn": bounded_connect(driver.connect, options.connect_timeout),
    }
    return EngineSetup(url, queue, connect_args, idle_ping_seconds=idle_ping)


def bounded_connect(
    connect: Callable[..., Awaitable[Any]], seconds: float
) -> Callable[..., Awaitable[Any]]:
    """Wrap a driver's ``connect`` so the whole connect, handshake included, ends in time.

    Past ``seconds`` it raises a bare ``TimeoutError``, which the classifier treats as a lost
    connection: ``run()`` replays the unit and ``health_check()`` reports it.
    """

    async def connect_within(*args: Any, **kwargs: Any) -> Any:
        async with asyncio.timeout(seconds):
            return await connect(*args, **kwargs)

    return connect_within


def _install_sqlite(engine: Engine, busy_timeout_ms: int, *, wal: bool) -> None:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin: the
        # module's legacy mode skips BEGIN before SAVEPOINT, which breaks nested units.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
