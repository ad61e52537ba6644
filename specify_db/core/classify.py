"""Decide what a database failure means: retry it, maybe retry it, or surface it.

This is the only place that knows error codes. It reads SQLSTATE (PostgreSQL), errno
(MySQL/MariaDB) and SQLite result codes from the exception, its ``orig`` (the DBAPI error
SQLAlchemy wrapped) and their ``__cause__`` chain, plus a few driver exceptions that bypass
SQLAlchemy's wrapping (bare ``ConnectionRefusedError`` / ``TimeoutError`` from asyncpg).
It never parses message text: MariaDB reports CHECK failures (4025) as ``OperationalError``,
and asyncpg reports most server errors as the base ``DBAPIError``, so classes mislead.

Example:
    >>> from specify_db.core.classify import classify, Verdict
    >>> classify(ConnectionRefusedError()).verdict is Verdict.RETRY
    True
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

from specify_db.core import errors


class Verdict(enum.Enum):
    """What a unit of work may do after this failure."""

    RETRY = "retry"
    """Nothing was committed: replay the whole unit."""
    MAYBE = "maybe"
    """The connection broke: safe to replay before COMMIT, outcome unknown during COMMIT."""
    NEVER = "never"
    """Replaying cannot help (constraint, data, programming error): surface it."""


class Reason(enum.Enum):
    """The failure's meaning, independent of the backend that reported it."""

    CONNECTION = "connection lost or refused"
    SERVER_SHUTDOWN = "server shutting down"
    TOO_MANY_CONNECTIONS = "too many connections"
    SERIALIZATION = "serialization failure"
    DEADLOCK = "deadlock"
    LOCK_TIMEOUT = "lock timeout"
    BUSY = "database is locked"
    POOL_TIMEOUT = "pool checkout timeout"
    NODE_NOT_READY = "cluster node not ready"
    UNIQUE = "unique violation"
    FOREIGN_KEY = "foreign key violation"
    NOT_NULL = "not null violation"
    CHECK = "check violation"
    CONSTRAINT = "constraint violation"
    DATA = "invalid data"
    READ_ONLY = "read-only transaction"
    CANCELED = "statement canceled"
    OTHER = "database error"


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict on one failure.

    Attributes:
        verdict: retry, maybe (outcome unknown) or never.
        reason: what happened, backend-neutral.
        code: the SQLSTATE, errno or SQLite code that decided it, if any.
        backend: ``"postgresql"``, ``"mysql"`` or ``"sqlite"`` when a code was read.
    """

    verdict: Verdict
    reason: Reason
    code: str | int | None = None
    backend: str | None = None

    @property
    def transient(self) -> bool:
        """True when replaying the unit of work before its COMMIT is safe and may succeed."""
        return self.verdict is not Verdict.NEVER


_R, _M, _N = Verdict.RETRY, Verdict.MAYBE, Verdict.NEVER

# SQLSTATE -> (verdict, reason). Classes ("22", "23", ...) are the fallback for exact codes.
_POSTGRES: dict[str, tuple[Verdict, Reason]] = {
    "40001": (_R, Reason.SERIALIZATION),
    "40P01": (_R, Reason.DEADLOCK),
    "55P03": (_R, Reason.LOCK_TIMEOUT),
    "53300": (_R, Reason.TOO_MANY_CONNECTIONS),
    "57P01": (_R, Reason.SERVER_SHUTDOWN),
    "57P02": (_R, Reason.SERVER_SHUTDOWN),
    "57P03": (_R, Reason.SERVER_SHUTDOWN),
    "08000": (_M, Reason.CONNECTION),
    "08001": (_M, Reason.CONNECTION),
    "08003": (_M, Reason.CONNECTION),
    "08004": (_M, Reason.CONNECTION),
    "08006": (_M, Reason.CONNECTION),
    "40003": (_M, Reason.CONNECTION),
    "23505": (_N, Reason.UNIQUE),
    "23503": (_N, Reason.FOREIGN_KEY),
    "23502": (_N, Reason.NOT_NULL),
    "23514": (_N, Reason.CHECK),
    "25006": (_N, Reason.READ_ONLY),
    "57014": (_N, Reason.CANCELED),
}
_POSTGRES_CLASSES: dict[str, tuple[Verdict, Reason]] = {
    "22": (_N, Reason.DATA),
    "23": (_N, Reason.CONSTRAINT),
}

_MYSQL: dict[int, tuple[Verdict, Reason]] = {
    1213: (_R, Reason.DEADLOCK),  # also Galera certification conflicts
    1205: (
        _R,
        Reason.LOCK_TIMEOUT,
    ),  # leaves the transaction open: only a whole-unit replay is safe
    1020: (_R, Reason.SERIALIZATION),  # innodb_snapshot_isolation: record changed since read
    1040: (_R, Reason.TOO_MANY_CONNECTIONS),
    1047: (_R, Reason.NODE_NOT_READY),
    1927: (_R, Reason.SERVER_SHUTDOWN),
    2002: (_R, Reason.CONNECTION),
    2003: (_R, Reason.CONNECTION),
    4031: (_R, Reason.CONNECTION),
    2006: (_M, Reason.CONNECTION),
    2013: (_M, Reason.CONNECTION),
    2055: (_M, Reason.CONNECTION),
    1062: (_N, Reason.UNIQUE),
    1586: (_N, Reason.UNIQUE),
    1451: (_N, Reason.FOREIGN_KEY),
    1452: (_N, Reason.FOREIGN_KEY),
    1216: (_N, Reason.FOREIGN_KEY),
    1217: (_N, Reason.FOREIGN_KEY),
    1048: (_N, Reason.NOT_NULL),
    4025: (_N, Reason.CHECK),  # MariaDB; arrives as OperationalError
    3819: (_N, Reason.CHECK),  # MySQL 8
    1406: (_N, Reason.DATA),
    1366: (_N, Reason.DATA),
    1264: (_N, Reason.DATA),
    1365: (_N, Reason.DATA),  # division by zero; arrives as OperationalError
    1292: (_N, Reason.DATA),
    1792: (_N, Reason.READ_ONLY),
    1969: (_N, Reason.CANCELED),
    1317: (_N, Reason.CANCELED),
    3024: (_N, Reason.CANCELED),
}

# SQLite extended result codes; the primary code is the low byte.
_SQLITE_EXTENDED: dict[int, tuple[Verdict, Reason]] = {
    2067: (_N, Reason.UNIQUE),
    1555: (_N, Reason.UNIQUE),
    787: (_N, Reason.FOREIGN_KEY),
    1299: (_N, Reason.NOT_NULL),
    275: (_N, Reason.CHECK),
}
_SQLITE_PRIMARY: dict[int, tuple[Verdict, Reason]] = {
    5: (_R, Reason.BUSY),  # BUSY, BUSY_RECOVERY (261), BUSY_SNAPSHOT (517), BUSY_TIMEOUT (773)
    6: (_R, Reason.BUSY),  # LOCKED (shared-cache table lock)
    18: (_N, Reason.DATA),  # TOOBIG
    20: (_N, Reason.DATA),  # MISMATCH
}

_MYSQL_DRIVER_MODULES = ("asyncmy", "aiomysql", "pymysql", "MySQLdb", "mysql")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, the DBAPI error it wraps, and their causes, each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            todo.append(orig)
        if current.__cause__ is not None:
            todo.append(current.__cause__)


def _sqlstate(exc: BaseException) -> str | None:
    for attr in ("sqlstate", "pgcode"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and len(value) == 5:
            return value
    return None


def _mysql_errno(exc: BaseException) -> int | None:
    module = type(exc).__module__ or ""
    if not module.startswith(_MYSQL_DRIVER_MODULES):
        return None
    if exc.args and isinstance(exc.args[0], int):
        return exc.args[0]
    return None


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _by_code(exc: BaseException) -> Classification | None:
    for link in _chain(exc):
        # MySQL drivers also carry a SQLSTATE (often the vague HY000 or 23000), so their
        # errno, the precise code, is read first.
        if (errno := _mysql_errno(link)) is not None:
            hit = _MYSQL.get(errno)
            if hit is not None:
                return Classification(hit[0], hit[1], errno, "mysql")
            return Classification(_N, Reason.OTHER, errno, "mysql")
        if (code := _sqlite_code(link)) is not None:
            hit = _SQLITE_EXTENDED.get(code) or _SQLITE_PRIMARY.get(code & 0xFF)
            if hit is not None:
                return Classification(hit[0], hit[1], code, "sqlite")
            return Classification(_N, Reason.OTHER, code, "sqlite")
        if (state := _sqlstate(link)) is not None:
            hit = _POSTGRES.get(state) or _POSTGRES_CLASSES.get(state[:2])
            if hit is not None:
                return Classification(hit[0], hit[1], state, "postgresql")
            if state.startswith("08"):
                return Classification(_M, Reason.CONNECTION, state, "postgresql")
            return Classification(_N, Reason.OTHER, state, "postgresql")
    return None


def classify(exc: BaseException) -> Classification:
    """Classify a failure raised while talking to the database.

    Codes decide first; then the few failures that carry no code: a pool checkout timeout
    and bare socket errors are retryable, a bare ``TimeoutError`` or any error after which
    SQLAlchemy invalidated the connection leaves the outcome unknown. Everything else is
    "never".

    Args:
        exc: the exception as raised (wrapped by SQLAlchemy or not).

    Returns:
        The :class:`Classification`; ``verdict`` tells whether to replay the unit of work.
    """
    if isinstance(exc, errors.TransientDatabaseError):
        reason = Reason.POOL_TIMEOUT if isinstance(exc, errors.PoolTimeout) else Reason.OTHER
        verdict = _M if isinstance(exc, errors.ConnectionLost) else _R
        return Classification(verdict, reason, exc.code, exc.backend)
    if isinstance(exc, errors.SpecifyDBError):
        return Classification(_N, Reason.OTHER)
    if isinstance(exc, sa_exc.TimeoutError):
        return Classification(_R, Reason.POOL_TIMEOUT)
    by_code = _by_code(exc)
    if by_code is not None and by_code.verdict is not _N:
        return by_code
    invalidated = any(getattr(link, "connection_invalidated", False) for link in _chain(exc))
    if by_code is not None and not invalidated:
        return by_code
    for link in _chain(exc):
        if isinstance(link, ConnectionRefusedError | ConnectionResetError | BrokenPipeError):
            return Classification(_R, Reason.CONNECTION)
    if invalidated or any(isinstance(link, TimeoutError) for link in _chain(exc)):
        return Classification(_M, Reason.CONNECTION)
    return by_code or Classification(_N, Reason.OTHER)


_ERROR_TYPES: dict[Reason, type[errors.DatabaseError]] = {
    Reason.CONNECTION: errors.ConnectionLost,
    Reason.SERVER_SHUTDOWN: errors.ConnectionLost,
    Reason.TOO_MANY_CONNECTIONS: errors.ConnectionLost,
    Reason.NODE_NOT_READY: errors.ConnectionLost,
    Reason.SERIALIZATION: errors.SerializationFailure,
    Reason.DEADLOCK: errors.DeadlockDetected,
    Reason.LOCK_TIMEOUT: errors.LockTimeout,
    Reason.BUSY: errors.LockTimeout,
    Reason.POOL_TIMEOUT: errors.PoolTimeout,
    Reason.UNIQUE: errors.AlreadyExists,
    Reason.FOREIGN_KEY: errors.ForeignKeyViolation,
    Reason.NOT_NULL: errors.NotNullViolation,
    Reason.CHECK: errors.CheckViolation,
    Reason.CONSTRAINT: errors.ConstraintViolation,
    Reason.DATA: errors.InvalidData,
    Reason.READ_ONLY: errors.ReadOnlyTransaction,
    Reason.CANCELED: errors.QueryCanceled,
}

_TRANSLATABLE = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OverflowError,
)


def is_database_failure(exc: BaseException) -> bool:
    """True for exceptions :func:`translate` turns into the specify-db hierarchy."""
    if isinstance(exc, errors.SpecifyDBError):
        return False
    return isinstance(exc, _TRANSLATABLE) or _by_code(exc) is not None


def _one_line(exc: BaseException) -> str:
    # DBAPI messages can span lines (SQL, hints); the first line names the failure.
    orig = getattr(exc, "orig", None)
    source = orig if isinstance(orig, BaseException) else exc
    text = str(source).strip().splitlines()
    first = text[0] if text else type(source).__name__
    return f"{type(source).__name__}: {first}"


def translate(exc: BaseException) -> errors.SpecifyDBError:
    """Map a driver or SQLAlchemy failure onto the specify-db hierarchy.

    The caller raises the result ``from exc`` so the driver error stays as ``__cause__``.
    A bare ``OverflowError`` (SQLite refusing an integer above 2**63) becomes
    :class:`~specify_db.errors.InvalidData`.
    """
    if isinstance(exc, errors.SpecifyDBError):
        return exc
    if isinstance(exc, OverflowError):
        return errors.InvalidData(f"value out of range: {exc}", backend="sqlite")
    found = classify(exc)
    error_type = _ERROR_TYPES.get(found.reason, errors.DatabaseError)
    message = f"{found.reason.value}: {_one_line(exc)}"
    return error_type(message, code=found.code, backend=found.backend)
