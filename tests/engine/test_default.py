"""The module-level API kept from the earlier version: init_db, get_session, close_db, ..."""

import pytest
from sqlalchemy import text

import specify_db
from specify_db.core.errors import DatabaseNotInitialized
from specify_db.core.settings import get_settings


@pytest.fixture
async def fresh_default(tmp_cwd, monkeypatch):
    monkeypatch.delenv("SPECIFY_DB_URL", raising=False)
    get_settings.cache_clear()
    await specify_db.close_db()
    yield tmp_cwd
    await specify_db.close_db()
    get_settings.cache_clear()


async def test_helpers_refuse_to_work_before_init(fresh_default):
    with pytest.raises(DatabaseNotInitialized):
        specify_db.get_engine()
    with pytest.raises(DatabaseNotInitialized):
        specify_db.get_session_factory()
    report = await specify_db.health_check()
    assert not report.healthy
    assert report.error == "Database not initialized"


async def test_init_db_defaults_to_specify_db_in_the_working_directory(fresh_default):
    db = await specify_db.init_db()
    assert db.url.database == "specify.db"
    assert (fresh_default / "specify.db").exists()
    assert (await specify_db.health_check()).healthy


async def test_init_db_reads_specify_db_url_and_creates_the_directory(fresh_default, monkeypatch):
    monkeypatch.setenv("SPECIFY_DB_URL", "sqlite:///./data/nested/app.db")
    get_settings.cache_clear()
    await specify_db.init_db()
    assert (fresh_default / "data" / "nested" / "app.db").exists()


async def test_reinitialising_disposes_the_previous_manager(fresh_default):
    first = await specify_db.init_db("sqlite:///./one.db")
    async with specify_db.get_session() as session:
        await session.exec(text("SELECT 1"))
    assert first.engine.pool.checkedin() == 1
    second = await specify_db.init_db("sqlite:///./two.db")
    assert first.engine.pool.checkedin() == 0  # disposed, not leaked
    assert specify_db.get_engine() is second.engine


async def test_get_session_initialises_on_first_use_and_commits(fresh_default):
    async with specify_db.get_session() as session:
        await session.exec(text("CREATE TABLE t (x INTEGER)"))
        await session.exec(text("INSERT INTO t VALUES (1)"))
    factory = specify_db.get_session_factory()
    async with factory() as session:
        assert (await session.exec(text("SELECT x FROM t"))).scalar_one() == 1


async def test_close_db_forgets_the_manager(fresh_default):
    await specify_db.init_db("sqlite:///./x.db")
    await specify_db.close_db()
    with pytest.raises(DatabaseNotInitialized):
        specify_db.get_engine()
