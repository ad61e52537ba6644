"""specify-db: the async data layer of the specify toolkit.

Example::

    from specify_db import DatabaseManager, UserRepository

    async with DatabaseManager("sqlite+aiosqlite:///./specify.db") as db:
        await db.create_all()
        alice = await UserRepository(db).create_user(
            username="alice", email="alice@example.com", password="correct horse battery"
        )

The migration helpers (``MigrationManager``, ``backup_database``, ...) are loaded on first
use, so importing specify-db does not import Alembic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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
from specify_db.models import (
    AuditAction,
    AuditLog,
    CacheEntry,
    Command,
    Configuration,
    ExecutionStatus,
    MetricType,
    PerformanceMetric,
    Project,
    RDFSpecification,
    SessionToken,
    TelemetryEvent,
    User,
)
from specify_db.queries import (
    AuditLogQueries,
    BaseQueries,
    CacheQueries,
    CommandQueries,
    ConfigurationQueries,
    CursorPage,
    Page,
    PaginationResult,
    PerformanceMetricQueries,
    ProjectQueries,
    RDFSpecificationQueries,
    TelemetryEventQueries,
    UserQueries,
)
from specify_db.repositories import (
    AuditLogRepository,
    CacheRepository,
    CommandRepository,
    ConfigurationRepository,
    PerformanceMetricRepository,
    ProjectRepository,
    RDFSpecificationRepository,
    Repository,
    SessionTokenRepository,
    TelemetryEventRepository,
    UserRepository,
)

if TYPE_CHECKING:
    from specify_db.migrations import (
        MigrationManager,
        backup_database,
        create_data_migration,
        get_current_revision,
        get_migration_history,
        restore_database,
        verify_schema,
    )

__version__ = "0.1.0"

_MIGRATION_NAMES = (
    "MigrationManager",
    "backup_database",
    "create_data_migration",
    "get_current_revision",
    "get_migration_history",
    "restore_database",
    "verify_schema",
)
_LAZY = dict.fromkeys(_MIGRATION_NAMES, "specify_db.migrations")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'specify_db' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AuditAction",
    "AuditLog",
    "AuditLogQueries",
    "AuditLogRepository",
    "BaseQueries",
    "CacheEntry",
    "CacheQueries",
    "CacheRepository",
    "Command",
    "CommandQueries",
    "CommandRepository",
    "Configuration",
    "ConfigurationQueries",
    "ConfigurationRepository",
    "CursorPage",
    "DatabaseManager",
    "ExecutionStatus",
    "HealthReport",
    "MetricType",
    "MigrationManager",
    "Page",
    "PaginationResult",
    "PerformanceMetric",
    "PerformanceMetricQueries",
    "PerformanceMetricRepository",
    "PoolStats",
    "PoolStatus",
    "Project",
    "ProjectQueries",
    "ProjectRepository",
    "RDFSpecification",
    "RDFSpecificationQueries",
    "RDFSpecificationRepository",
    "Repository",
    "RetryConfig",
    "SessionToken",
    "SessionTokenRepository",
    "Settings",
    "TelemetryEvent",
    "TelemetryEventQueries",
    "TelemetryEventRepository",
    "User",
    "UserQueries",
    "UserRepository",
    "backup_database",
    "close_db",
    "create_data_migration",
    "get_current_revision",
    "get_engine",
    "get_migration_history",
    "get_session",
    "get_session_factory",
    "get_settings",
    "health_check",
    "init_db",
    "restore_database",
    "verify_schema",
]
