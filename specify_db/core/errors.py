"""The one exception hierarchy of specify-db.

Every database failure that leaves the library is one of these, with the driver's own
exception kept as ``__cause__``. Callers catch by meaning, not by driver::

    try:
        await users.create_user(username="alice", email="a@example.com", password="...")
    except AlreadyExists:
        ...
"""

from __future__ import annotations


class SpecifyDBError(Exception):
    """Base class of every error raised by specify-db."""


class ConfigurationError(SpecifyDBError, ValueError):
    """A URL, option or setting cannot work (unknown driver, missing extra, bad value)."""


class DatabaseNotInitialized(SpecifyDBError, RuntimeError):
    """A module-level helper was used before :func:`specify_db.init_db`."""


class MissingDependency(SpecifyDBError, ImportError):
    """An optional extra is needed; the message names the ``pip install`` that adds it."""


class NotFound(SpecifyDBError, LookupError):
    """The requested row does not exist."""


class InvalidQuery(SpecifyDBError, ValueError):
    """A query was refused before any SQL ran: unknown field, operator, sort key, bad page."""


class DatabaseError(SpecifyDBError):
    """The database refused a statement.

    Attributes:
        code: SQLSTATE (PostgreSQL), errno (MySQL/MariaDB) or result code (SQLite), if any.
        backend: ``"postgresql"``, ``"mysql"``, ``"sqlite"`` or ``None`` when unknown.
    """

    def __init__(
        self, message: str, *, code: str | int | None = None, backend: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.backend = backend


class ConstraintViolation(DatabaseError):
    """An integrity constraint rejected the write. Never retried."""


class AlreadyExists(ConstraintViolation):
    """A unique or primary-key constraint rejected a duplicate."""


class ForeignKeyViolation(ConstraintViolation):
    """A foreign key points at a missing row, or a referenced row is still in use."""


class NotNullViolation(ConstraintViolation):
    """A NOT NULL column received NULL."""


class CheckViolation(ConstraintViolation):
    """A CHECK constraint rejected the value."""


class InvalidData(DatabaseError):
    """The value does not fit the column (too long, out of range, not a number)."""


class ReadOnlyTransaction(DatabaseError):
    """A write reached a read-only transaction or a hot standby."""


class QueryCanceled(DatabaseError):
    """A statement timeout or an administrator cancelled the statement."""


class TransientDatabaseError(DatabaseError):
    """A failure that a new attempt of the whole unit of work may not meet again."""


class ConnectionLost(TransientDatabaseError):
    """The connection broke or could not be made (refused, reset, server going away)."""


class SerializationFailure(TransientDatabaseError):
    """Concurrent transactions could not be serialized; replaying the unit is the cure."""


class DeadlockDetected(TransientDatabaseError):
    """The database broke a deadlock by aborting this transaction."""


class LockTimeout(TransientDatabaseError):
    """A lock could not be taken in time (``lock_timeout``, ``NOWAIT``, 1205, SQLite busy)."""


class PoolTimeout(TransientDatabaseError):
    """No pooled connection became free within ``pool_timeout``: the pool is exhausted."""


class CommitOutcomeUnknown(TransientDatabaseError):
    """The connection failed during COMMIT: the transaction may or may not have landed.

    Raised instead of replaying a unit of work that was not declared idempotent.
    """


class RetryExhausted(SpecifyDBError):
    """A unit of work kept failing transiently; the last failure is ``__cause__``.

    Attributes:
        attempts: how many times the unit ran.
    """

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class MigrationError(SpecifyDBError):
    """An Alembic operation failed or the schema has drifted from the models."""


class BackupError(SpecifyDBError):
    """A backup or restore could not be made or would overwrite data."""


__all__ = [
    "AlreadyExists",
    "BackupError",
    "CheckViolation",
    "CommitOutcomeUnknown",
    "ConfigurationError",
    "ConnectionLost",
    "ConstraintViolation",
    "DatabaseError",
    "DatabaseNotInitialized",
    "DeadlockDetected",
    "ForeignKeyViolation",
    "InvalidData",
    "InvalidQuery",
    "LockTimeout",
    "MigrationError",
    "MissingDependency",
    "NotFound",
    "NotNullViolation",
    "PoolTimeout",
    "QueryCanceled",
    "ReadOnlyTransaction",
    "RetryExhausted",
    "SerializationFailure",
    "SpecifyDBError",
    "TransientDatabaseError",
]
