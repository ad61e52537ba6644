from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.migrations.databases import EmptyDatabase, empty_databases


@pytest.fixture
async def new_database(backend_url: str, tmp_path: Path) -> AsyncIterator[EmptyDatabase]:
    """A factory of empty databases on this test's backend: ``url = await new_database()``."""
    async with empty_databases(backend_url, tmp_path) as make:
        yield make


@pytest.fixture
async def empty_url(new_database: EmptyDatabase) -> str:
    """One empty database (no tables, no alembic_version) on this test's backend."""
    return await new_database()


@pytest.fixture
def scripts_copy(tmp_path: Path) -> Path:
    """A private copy of specify-db's migration scripts, for tests that add revisions."""
    import shutil

    from specify_db.migrations import default_script_location

    target = tmp_path / "migrations"
    shutil.copytree(default_script_location(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
