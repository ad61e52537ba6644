"""The error classifier on errors raised by the real drivers, on every backend.

Each failure here is produced by a real server or driver (asyncpg, asyncmy, aiosqlite,
SQLAlchemy's pool), never constructed by hand. A unit of work in ``db.session()`` turns it
into a :mod:`specify_db.errors` type whose ``__cause__`` is SQLAlchemy's error around the
driver's own; the tests check the type, the code that decided it and the verdict.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from specify_db import DatabaseManager, RetryConfig
from specify_db.core import errors
from specify_db.core.classify import Reason, Verdict, classify, translate
from specify_db.core.settings import Settings
from tests.conftest import make_manager
from tests.support import params, tables
from tests.support.proxy import SilentServer, closed_port

# What each backend reports, keyed by ``db.dialect_name``.
CODES: dict[str, dict[str, Any]] = {
    "unique": {"postgresql": "23505", "mysql": 1062, "sqlite": 2067},
    "not_null": {"postgresql": "23502", "mysql": 1048, "sqlite": 1299},
    "foreign_key": {"postgresql": "23503", "mysql": 1452, "sqlite": 787},
    "check": {"postgresql": "23514", "mysql": 4025, "sqlite": 275},
    "syntax": {"postgresql": "42601", "mysql": 1064, "sqlite": 1},
    "unknown_table": {"postgresql": "42P01", "mysql": 1146, "sqlite": 1},
}
SECRET = "hunter2secret"


async def _fail(db: DatabaseManager, *statements: Any) -> errors.SpecifyDBError:
    """Run ``statements`` in one unit of work; return the translated error it raised."""
    with pytest.raises(errors.SpecifyDBError) as caught:
        async with db.session() as session:
            for statement in statements:
                await session.exec(statement)
    return caught.value


def _driver_error(translated: BaseException) -> sa_exc.DBAPIError:
    """The SQLAlchemy error kept as ``__cause__``, checked to wrap the driver's error."""
    cause = translated.__cause__
    assert isinstance(cause, sa_exc.DBAPIError), repr(cause)
    assert isinstance(cause.orig, Exception)
    return cause


async def _with_parent(db: DatabaseManager) -> None:
    async with db.session() as session:
        await session.exec(insert(tables.parent).values(id=1))


async def test_unique_violation(tables_db: DatabaseManager) -> None:
    await _with_parent(tables_db)
    row = {"parent_id": 1, "name": "a", "n": 1}
    error = await _fail(
        tables_db,
        insert(tables.child).values(id=1, **row),
        insert(tables.child).values(id=2, **row),
    )
    assert type(error) is errors.AlreadyExists
    assert error.code == CODES["unique"][tables_db.dialect_name]
    found = classify(_driver_error(error))
    assert (found.verdict, found.reason) == (Verdict.NEVER, Reason.UNIQUE)


async def test_not_null_violation(tables_db: DatabaseManager) -> None:
    error = await _fail(tables_db, insert(tables.child).values(id=3, parent_id=None))
    assert type(error) is errors.NotNullViolation
    assert error.code == CODES["not_null"][tables_db.dialect_name]
    assert classify(_driver_error(error)).verdict is Verdict.NEVER


async def test_foreign_key_violation(tables_db: DatabaseManager) -> None:
    error = await _fail(tables_db, insert(tables.child).values(id=4, parent_id=99))
    assert type(error) is errors.ForeignKeyViolation
    assert error.code == CODES["foreign_key"][tables_db.dialect_name]
    assert classify(_driver_error(error)).verdict is Verdict.NEVER


async def test_check_violation(tables_db: DatabaseManager) -> None:
    await _with_parent(tables_db)
    error = await _fail(tables_db, insert(tables.child).values(id=5, parent_id=1, n=-1))
    assert type(error) is errors.CheckViolation
    assert error.code == CODES["check"][tables_db.dialect_name]
    cause = _driver_error(error)
    if tables_db.dialect_name == "mysql":
        # MariaDB's misleading class: a CHECK failure arrives as OperationalError (4025),
        # the class SQLAlchemy also uses for lost connections. The errno decides.
        assert isinstance(cause, sa_exc.OperationalError)
    else:
        assert isinstance(cause, sa_exc.IntegrityError)
    found = classify(cause)
    assert (found.verdict, found.reason) == (Verdict.NEVER, Reason.CHECK)


async def test_string_too_long(tables_db: DatabaseManager) -> None:
    await _with_parent(tables_db)
    too_long = insert(tables.child).values(id=6, parent_id=1, name="abcdefgh")
    if tables_db.dialect_name == "sqlite":
        # SQLite ignores VARCHAR lengths: the value is stored whole, no error to classify.
        async with tables_db.session() as session:
            await session.exec(too_long)
        async with tables_db.session() as session:
            stored = (await session.exec(select(tables.child.c.name))).one()[0]
        assert stored == "abcdefgh"
        return
    error = await _fail(tables_db, too_long)
    assert type(error) is errors.InvalidData
    assert error.code == {"postgresql": "22001", "mysql": 1406}[tables_db.dialect_name]
    assert classify(_driver_error(error)).verdict is Verdict.NEVER


async def test_division_by_zero(tables_db: DatabaseManager) -> None:
    await _with_parent(tables_db)
    # An INSERT, not a SELECT: MariaDB returns NULL for SELECT 1/0 and raises 1365 only in
    # a strict-mode write (ERROR_FOR_DIVISION_BY_ZERO, on by default).
    divide = text("INSERT INTO classify_child (id, parent_id, n) VALUES (7, 1, 1/0)")
    if tables_db.dialect_name == "sqlite":
        # SQLite: 1/0 is NULL, stored without error.
        async with tables_db.session() as session:
            await session.exec(divide)
        async with tables_db.session() as session:
            stored = (await session.exec(select(tables.child.c.n))).one()[0]
        assert stored is None
        return
    error = await _fail(tables_db, divide)
    assert type(error) is errors.InvalidData
    assert error.code == {"postgresql": "22012", "mysql": 1365}[tables_db.dialect_name]
    cause = _driver_error(error)
    if tables_db.dialect_name == "mysql":
        assert isinstance(cause, sa_exc.OperationalError)  # misleading class, as 4025
    assert classify(cause).verdict is Verdict.NEVER


@pytest.mark.parametrize(
    ("case", "sql"),
    [("syntax", "SELEC 1"), ("unknown_table", "SELECT * FROM no_such_table_here")],
)
async def test_programming_errors_are_never_retried(
    db: DatabaseManager, case: str, sql: str
) -> None:
    error = await _fail(db, text(sql))
    assert type(error) is errors.DatabaseError
    assert error.code == CODES[case][db.dialect_name]
    found = classify(_driver_error(error))
    assert found.verdict is Verdict.NEVER
    assert not found.transient


@params.only(*params.SERVERS)
async def test_row_lock_nowait_is_a_retryable_lock_timeout(tables_db: DatabaseManager) -> None:
    """A row lock refused at once (NOWAIT): PostgreSQL 55P03, MariaDB 1205.

    Regression: MariaDB's 1205 carries SQLSTATE HY000, which the classifier once read as
    a PostgreSQL code and called "never". (SQLite has no row locks; its equivalent, the
    busy database, is tested below.)
    """
    async with tables_db.session() as session:
        await session.exec(insert(tables.counter).values(id=1, n=0))
    lock = select(tables.counter).where(tables.counter.c.id == 1).with_for_update(nowait=True)
    async with tables_db.session() as holder:
        await holder.exec(lock)
        error = await _fail(tables_db, lock)
    assert type(error) is errors.LockTimeout
    assert error.code == {"postgresql": "55P03", "mysql": 1205}[tables_db.dialect_name]
    found = classify(_driver_error(error))
    assert (found.verdict, found.reason) == (Verdict.RETRY, Reason.LOCK_TIMEOUT)


@params.only(params.SQLITE)
async def test_sqlite_busy(tables_db: DatabaseManager) -> None:
    """A second writer on a SQLite file gets SQLITE_BUSY (5): retryable."""
    impatient = DatabaseManager(
        tables_db.url, settings=Settings(sqlite_busy_timeout_ms=0), retry=RetryConfig()
    )
    try:
        async with tables_db.engine.connect() as holder:
            await holder.execute(insert(tables.counter).values(id=1, n=0))  # write lock held
            error = await _fail(impatient, insert(tables.counter).values(id=2, n=0))
            await holder.rollback()
    finally:
        await impatient.dispose()
    assert type(error) is errors.LockTimeout
    assert error.code == 5
    found = classify(_driver_error(error))
    assert (found.verdict, found.reason) == (Verdict.RETRY, Reason.BUSY)


async def test_pool_checkout_timeout(backend_url: str) -> None:
    """SQLAlchemy's own TimeoutError from an exhausted pool: back-pressure, retryable."""
    db = make_manager(backend_url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    try:
        async with db.engine.connect() as held:
            await held.execute(text("SELECT 1"))
            with pytest.raises(sa_exc.TimeoutError) as raw:
                async with db.engine.connect():
                    pass
            error = await _fail(db, text("SELECT 1"))
    finally:
        await db.dispose()
    found = classify(raw.value)
    assert (found.verdict, found.reason) == (Verdict.RETRY, Reason.POOL_TIMEOUT)
    assert type(error) is errors.PoolTimeout
    assert isinstance(error.__cause__, sa_exc.TimeoutError)


@pytest.mark.postgres
async def test_asyncpg_connection_refused_is_bare_and_retryable() -> None:
    """asyncpg raises a bare ConnectionRefusedError on a closed port; SQLAlchemy keeps it bare."""
    db = DatabaseManager(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x")
    try:
        with pytest.raises(ConnectionRefusedError) as raw:
            async with db.engine.connect():
                pass
        error = await _fail(db, text("SELECT 1"))
    finally:
        await db.dispose()
    assert type(raw.value) is ConnectionRefusedError
    found = classify(raw.value)
    assert (found.verdict, found.reason) == (Verdict.RETRY, Reason.CONNECTION)
    assert type(error) is errors.ConnectionLost
    assert isinstance(error.__cause__, ConnectionRefusedError)


@pytest.mark.mysql
async def test_asyncmy_connection_refused_is_2003_and_retryable() -> None:
    db = DatabaseManager(f"mysql+asyncmy://root@127.0.0.1:{closed_port()}/x")
    try:
        error = await _fail(db, text("SELECT 1"))
    finally:
        await db.dispose()
    assert type(error) is errors.ConnectionLost
    assert error.code == 2003
    assert classify(_driver_error(error)).verdict is Verdict.RETRY


@pytest.mark.postgres
async def test_bare_timeout_error_means_outcome_unknown() -> None:
    """asyncpg's connect ``timeout`` against a peer that never answers: a bare TimeoutError.

    No code says how far the work got, so the verdict is MAYBE (replay only idempotent units).
    """
    async with SilentServer() as silent:
        db = DatabaseManager(
            f"postgresql+asyncpg://postgres@127.0.0.1:{silent.port}/x",
            connect_args={"timeout": 0.3},
        )
        try:
            with pytest.raises(TimeoutError) as raw:
                async with db.engine.connect():
                    pass
        finally:
            await db.dispose()
    assert type(raw.value) is TimeoutError
    found = classify(raw.value)
    assert (found.verdict, found.reason) == (Verdict.MAYBE, Reason.CONNECTION)
    assert type(translate(raw.value)) is errors.ConnectionLost


@pytest.mark.postgres
async def test_postgres_password_never_leaks() -> None:
    url = f"postgresql+asyncpg://postgres:{SECRET}@127.0.0.1:{closed_port()}/x"
    db = DatabaseManager(url)
    try:
        error = await _fail(db, text("SELECT 1"))
        report = await db.health_check(timeout=2)
    finally:
        await db.dispose()
    for shown in (str(error), repr(error), repr(db), str(db), report.error, report.url):
        assert shown is not None
        assert SECRET not in shown
    assert error.__cause__ is not None


@params.only(params.MYSQL)
async def test_mysql_wrong_password_never_leaks(backend_url: str) -> None:
    """MariaDB refuses the password (1045): the error names the user, never the password."""
    url = make_url(backend_url).set(password=SECRET).render_as_string(hide_password=False)
    db = DatabaseManager(url)
    try:
        error = await _fail(db, text("SELECT 1"))
        report = await db.health_check(timeout=5)
    finally:
        await db.dispose()
    assert error.code == 1045
    assert classify(_driver_error(error)).verdict is Verdict.NEVER
    for shown in (str(error), repr(error), repr(db), report.error, report.url):
        assert shown is not None
        assert SECRET not in shown
    assert not report.healthy


async def test_translate_keeps_the_driver_error_as_cause(tables_db: DatabaseManager) -> None:
    error = await _fail(tables_db, insert(tables.child).values(id=8, parent_id=99))
    cause = _driver_error(error)
    again = translate(cause)
    assert type(again) is type(error)
    assert again.code == error.code
    assert str(again).splitlines() == [str(again)]  # one line, no SQL or parameters


async def test_silent_peer_timeout_is_bounded() -> None:
    """Guard for the tests above: a SilentServer really never answers (no hidden handshake)."""
    async with SilentServer() as silent:
        reader, writer = await asyncio.open_connection("127.0.0.1", silent.port)
        writer.write(b"hello")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await reader.read(1)
        writer.close()
        assert silent.accepted == 1
