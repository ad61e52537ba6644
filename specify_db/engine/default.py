"""The process-wide default manager behind ``init_db`` / ``get_session`` / ``close_db``.

These keep the earlier synchronous API's names, now async::

    await init_db()                       # SPECIFY_DB_URL, else ./specify.db
    async with get_session() as session:  # one unit of work on the default manager
        ...
    await close_db()
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.errors import DatabaseNotInitialized
from specify_db.engine.health import HealthReport
from specify_db.engine.manager import DatabaseManager
from specify_db.engine.stats import PoolStatus

_default: DatabaseManager | None = None


async def init_db(
    url: str | URL | None = None, *, create_tables: bool = True, **kwargs: Any
) -> DatabaseManager:
    """Create the default manager (disposing any previous one) and return it.

    Args:
        url: database URL; ``None`` reads ``SPECIFY_DB_URL``, else uses ``./specify.db``
            (its directory is created when missing).
        create_tables: create missing tables of every imported model.
        **kwargs: passed to :class:`DatabaseManager`.

    Example::

        db = await init_db("sqlite+aiosqlite:///./data/specify.db")
    """
    global _default
    manager = DatabaseManager(url, **kwargs)
    previous, _default = _default, manager
    if previous is not None:
        await previous.dispose()
    if create_tables:
        await manager.create_all()
    return manager


def get_manager() -> DatabaseManager:
    """The default manager. Raises :class:`DatabaseNotInitialized` before ``init_db``."""
    if _default is None:
        raise DatabaseNotInitialized("Database not initialized. Call `await init_db()` first.")
    return _default


def get_engine() -> AsyncEngine:
    """The default manager's engine."""
    return get_manager().engine


def get_session_factory() -> async_sessionmaker[AsyncSession]:
    """The default manager's session factory (sessions that you commit yourself)."""
    return get_manager().session_factory


@asynccontextmanager
async def get_session() -> AsyncIterator[AsyncSession]:
    """One unit of work on the default manager; initialises it with defaults if needed."""
    manager = _default if _default is not None else await init_db()
    async with manager.session() as session:
        yield session


async def health_check(timeout: float | None = None) -> HealthReport:
    """Health of the default manager; an unhealthy report (never an error) if there is none."""
    if _default is None:
        return HealthReport(
            healthy=False,
            latency_ms=0.0,
            url="",
            dialect="",
            server_version=None,
            pool=PoolStatus(size=0, checked_in=0, checked_out=0, overflow=0),
            error="Database not initialized",
        )
    return await _default.health_check(timeout)


async def close_db() -> None:
    """Dispose the default manager's engine and forget it."""
    global _default
    manager, _default = _default, None
    if manager is not None:
        await manager.dispose()
