"""The public surface: DESIGN.md's imports and the earlier version's names all resolve."""

import subprocess
import sys

import specify_db


def test_every_exported_name_resolves():
    missing = [name for name in specify_db.__all__ if not hasattr(specify_db, name)]
    assert missing == []


def test_design_md_imports():
    from specify_db import (  # noqa: F401
        CommandRepository,
        DatabaseManager,
        PerformanceMetricRepository,
        RetryConfig,
        UserRepository,
        close_db,
        get_engine,
        get_session,
        get_session_factory,
        health_check,
        init_db,
    )
    from specify_db.errors import (  # noqa: F401
        AlreadyExists,
        ConstraintViolation,
        InvalidQuery,
        MigrationError,
        NotFound,
        RetryExhausted,
        SpecifyDBError,
        TransientDatabaseError,
    )
    from specify_db.migrations import MigrationManager  # noqa: F401
    from specify_db.queries import CommandQueries, CursorPage, Page  # noqa: F401


def test_the_earlier_versions_names_are_all_here():
    earlier = {
        # models and enums
        "User", "Project", "Command", "PerformanceMetric", "AuditLog", "RDFSpecification",
        "TelemetryEvent", "CacheEntry", "Configuration", "SessionToken",
        "ExecutionStatus", "AuditAction", "MetricType",
        # session
        "init_db", "close_db", "get_engine", "get_session", "get_session_factory",
        "health_check", "DatabaseManager", "RetryConfig",
        # queries
        "UserQueries", "ProjectQueries", "CommandQueries", "PerformanceMetricQueries",
        "AuditLogQueries", "RDFSpecificationQueries", "TelemetryEventQueries", "CacheQueries",
        "ConfigurationQueries", "BaseQueries", "PaginationResult",
        # repositories
        "UserRepository", "ProjectRepository", "CommandRepository",
        "PerformanceMetricRepository", "AuditLogRepository", "RDFSpecificationRepository",
        "CacheRepository", "ConfigurationRepository", "SessionTokenRepository",
        # migrations, plus what the earlier version had but did not export
        "MigrationManager", "get_current_revision", "get_migration_history", "verify_schema",
        "create_data_migration", "backup_database", "restore_database",
    }  # fmt: skip
    assert earlier <= set(specify_db.__all__)


def test_importing_the_package_does_not_import_alembic():
    code = "import sys, specify_db; print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
