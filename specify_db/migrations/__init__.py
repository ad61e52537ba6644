"""Migrations (Alembic) and backups of a specify-db database.

Example::

    from specify_db.migrations import MigrationManager

    async with MigrationManager("sqlite+aiosqlite:///./app.db") as migrations:
        await migrations.upgrade()
"""

from specify_db.migrations.backup import (
    BackupIntegrityError,
    BackupResult,
    backup_database,
    restore_database,
)
from specify_db.migrations.functions import (
    create_data_migration,
    get_current_revision,
    get_migration_history,
    verify_schema,
)
from specify_db.migrations.manager import MigrationManager
from specify_db.migrations.report import RevisionInfo, SchemaReport
from specify_db.migrations.scripts import default_script_location

__all__ = [
    "BackupIntegrityError",
    "BackupResult",
    "MigrationManager",
    "RevisionInfo",
    "SchemaReport",
    "backup_database",
    "create_data_migration",
    "default_script_location",
    "get_current_revision",
    "get_migration_history",
    "restore_database",
    "verify_schema",
]
