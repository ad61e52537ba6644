"""Engine layer: DatabaseManager, retry, health, pool statistics, the default manager."""

from specify_db.engine.binding import Bound, SessionSource
from specify_db.engine.default import (
    close_db,
    get_engine,
    get_manager,
    get_session,
    get_session_factory,
    health_check,
    init_db,
)
from specify_db.engine.health import HealthReport
from specify_db.engine.manager import DatabaseManager
from specify_db.engine.retry import RetryConfig
from specify_db.engine.stats import LatencySummary, PoolStats, PoolStatus

__all__ = [
    "Bound",
    "DatabaseManager",
    "HealthReport",
    "LatencySummary",
    "PoolStats",
    "PoolStatus",
    "RetryConfig",
    "SessionSource",
    "close_db",
    "get_engine",
    "get_manager",
    "get_session",
    "get_session_factory",
    "health_check",
    "init_db",
]
