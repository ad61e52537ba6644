from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from specify_db.cli.app import app
from tests.migrations.databases import EmptyDatabase, empty_databases

Invoke = Callable[..., Result]


@pytest.fixture
async def new_database(backend_url: str, tmp_path: Path) -> AsyncIterator[EmptyDatabase]:
    async with empty_databases(backend_url, tmp_path) as make:
        yield make


@pytest.fixture
async def empty_url(new_database: EmptyDatabase) -> str:
    """An empty database on this test's backend (made in the event loop, used by sync tests)."""
    return await new_database()


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Invoke:
    """Run ``specify-db ARGS`` in-process (cwd: a temp dir, no SPECIFY_DB_URL)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPECIFY_DB_URL", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, [str(arg) for arg in args], input=input)

    return run
