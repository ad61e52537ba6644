"""Fixtures that run every database test on SQLite, PostgreSQL and MariaDB.

- ``backend``: the backend name, one of ``sqlite`` / ``postgres`` / ``mysql`` (parametrised;
  each param carries the marker of the same name, so ``-m postgres`` picks one).
- ``db``: a :class:`DatabaseManager` on this run's own database, with specify-db's tables and
  the test modules' own tables (on ``SQLModel.metadata``) created.
  Tests that commit through it must leave no rows (use ``clean_db``).
- ``session``: an ``AsyncSession`` inside a transaction that is rolled back after the test;
  ``commit()`` inside only releases a savepoint.
- ``clean_db``: ``db``, emptied of every row after the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Table, func, select, text
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager, RetryConfig
from specify_db.core import schema
from tests import backends

if importlib.util.find_spec("specify_db.models") is not None:
    import specify_db.models  # noqa: F401 - registers specify-db's tables

_TMP = backends.temp_dir()
_BACKENDS: dict[str, backends.Backend] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    async def create_all() -> list[backends.Backend]:
        return list(await asyncio.gather(*(backends.create(n, _TMP) for n in backends.NAMES)))

    for backend in asyncio.run(create_all()):
        _BACKENDS[backend.name] = backend
    missing = [
        f"{name}: {_BACKENDS[name].error}"
        for name in sorted(backends.required_backends())
        if not _BACKENDS[name].available
    ]
    if missing:
        pytest.exit("required backends are not reachable: " + "; ".join(missing), returncode=3)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    async def drop_all() -> None:
        for backend in _BACKENDS.values():
            with contextlib.suppress(Exception):
                await backends.drop(backend)

    asyncio.run(drop_all())
    shutil.rmtree(_TMP, ignore_errors=True)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if backends.required_backends() and skipped and session.exitstatus == 0:
        # An all-skipped backend looks green; with required backends, a skip is a failure.
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(
                f"FAILED: {skipped} test(s) skipped while SPECIFY_DB_TEST_REQUIRE is set", red=True
            )


@pytest.fixture(
    scope="session",
    params=[pytest.param(name, marks=getattr(pytest.mark, name)) for name in backends.NAMES],
)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    found = _BACKENDS[name]
    if not found.available:
        pytest.skip(f"{name} is not reachable: {found.error}")
    return name


@pytest.fixture(scope="session")
def backend_url(backend: str) -> str:
    url = _BACKENDS[backend].url
    assert url is not None
    return url.render_as_string(hide_password=False)


def make_manager(url: str, **kwargs: object) -> DatabaseManager:
    """A manager for tests: quick retries so fault tests do not sleep for long."""
    kwargs.setdefault("retry", RetryConfig(max_attempts=5, initial_delay=0.01, max_delay=0.2))
    return DatabaseManager(url, **kwargs)  # type: ignore[arg-type]


def test_tables() -> list[Table]:
    """specify-db's tables, then the tables test modules registered on ``SQLModel.metadata``.

    Taken when the ``db`` fixture starts: tables defined later (by the docs examples, in
    databases of their own) are not this database's business.
    """
    return [*schema.metadata.sorted_tables, *SQLModel.metadata.sorted_tables]


_CREATED: list[Table] = []


async def table_row_counts(db: DatabaseManager) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.engine.connect() as conn:
        for table in _CREATED or test_tables():
            counts[table.name] = (
                await conn.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return counts


@pytest.fixture(scope="session")
async def db(backend_url: str) -> AsyncIterator[DatabaseManager]:
    manager = make_manager(backend_url)
    _CREATED[:] = test_tables()
    await manager.create_all()
    await manager.create_all(SQLModel.metadata)
    yield manager
    leftovers = {name: n for name, n in (await table_row_counts(manager)).items() if n}
    await manager.dispose()
    assert not leftovers, f"tests left rows behind: {leftovers}"


async def delete_all_rows(db: DatabaseManager) -> None:
    tables = list(reversed(_CREATED or test_tables()))
    if not tables:
        return
    async with db.engine.begin() as conn:
        if db.dialect_name == "postgresql":
            # TRUNCATE skips row-level DELETE triggers (the audit log's append-only guard).
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())


@pytest.fixture
async def clean_db(db: DatabaseManager) -> AsyncIterator[DatabaseManager]:
    try:
        yield db
    finally:
        await delete_all_rows(db)


@pytest.fixture
async def session(db: DatabaseManager) -> AsyncIterator[AsyncSession]:
    async with db.engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
