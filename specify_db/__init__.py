"""specify-db: the async data layer of the specify toolkit.

Example::

    from specify_db import DatabaseManager

    async with DatabaseManager("sqlite+aiosqlite:///./specify.db") as db:
        report = await db.health_check()
"""

from specify_db.core.settings import Settings, get_settings
from specify_db.engine import (
    DatabaseManager,
    HealthReport,
    PoolStats,
    PoolStatus,
    RetryConfig,
    close_db,
    get_engine,
    get_session,
    get_session_factory,
    health_check,
    init_db,
)

__version__ = "0.1.0"

__all__ = [
    "DatabaseManager",
    "HealthReport",
    "PoolStats",
    "PoolStatus",
    "RetryConfig",
    "Settings",
    "close_db",
    "get_engine",
    "get_session",
    "get_session_factory",
    "get_settings",
    "health_check",
    "init_db",
]
