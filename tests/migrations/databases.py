"""Empty databases for migration, backup and CLI tests (the ``db`` fixture's has every table).

Each call makes a new database beside this run's own one (``<run database>_e<n>``) on the
same server, or a new SQLite file, and drops it again at teardown. Those of killed runs are
swept on first use, as tests/backends.py does for the run databases.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
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


_SWEPT: set[str] = set()
_EXTRA = re.compile(r"^(?P<base>.+)_(?P<pid>\d+)_e\d+$")


async def _sweep(base: URL) -> None:
    """Drop empty databases of earlier runs whose process is gone (a killed run keeps them)."""
    server = base.get_backend_name()
    if server in _SWEPT:
        return
    _SWEPT.add(server)
    if server == "postgresql":
        query = "SELECT datname FROM pg_database"
    else:
        query = "SELECT schema_name FROM information_schema.schemata"
    for name in await backends._admin(base, [query]):
        match = _EXTRA.match(name)
        if (
            match
            and int(match["pid"]) != os.getpid()
            and not backends._pid_alive(int(match["pid"]))
        ):
            with contextlib.suppress(Exception):
                await _drop(base.set(database=name))


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
            await _sweep(base)
            url = base.set(database=f"{base.database}_e{n}")
            await _create(url)
            made.append(url)
        return url.render_as_string(hide_password=False)

    try:
        yield make
    finally:
        for url in made:
            await _drop(url)
