"""Empty databases for migration, backup and CLI tests (the ``db`` fixture's has every table).

Each call makes a new database beside this run's own one (``<run database>_e<n>``) on the
same server, or a new SQLite file, and drops it again at teardown.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from tests import backends

_COUNTER = itertools.count(1)

EmptyDatabase = Callable[[], Awaitable[str]]


async def _create(url: URL) -> None:
    name = url.database
    if url.get_backend_name() == "postgresql":
        await backends._admin(
            url, [f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"']
        )
    else:
        await backends._admin(
            url,
            [
                f"DROP DATABASE IF EXISTS `{name}`",
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            ],
        )


async def _drop(url: URL) -> None:
    name = url.database
    if url.get_backend_name() == "postgresql":
        await backends._admin(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])
    else:
        await backends._admin(url, [f"DROP DATABASE IF EXISTS `{name}`"])


@asynccontextmanager
async def empty_databases(backend_url: str, tmp: Path) -> AsyncIterator[EmptyDatabase]:
    """Yield a factory of empty database URLs on ``backend_url``'s server; drop them after."""
    made: list[URL] = []
    base = make_url(backend_url)

    async def make() -> str:
        n = next(_COUNTER)
        if base.get_backend_name() == "sqlite":
            url = base.set(database=str(tmp / f"empty_{n}.db"))
        else:
            url = base.set(database=f"{base.database}_e{n}")
            await _create(url)
            made.append(url)
        return url.render_as_string(hide_password=False)

    try:
        yield make
    finally:
        for url in made:
            await _drop(url)
