"""Where the test databases live, and how to create, reset and drop them.

Each pytest run works in databases of its own (``<name>_<pid>``) on the servers, created at
session start and dropped at the end, so runs in parallel never see each other's rows.
URLs come from ``SPECIFY_DB_TEST_{SQLITE,POSTGRES,MYSQL}_URL``; the defaults point at the
local servers. ``SPECIFY_DB_TEST_REQUIRE`` (``all`` or a comma list) names the backends
that must run: an unreachable required backend, or any skipped test, fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

NAMES = ("sqlite", "postgres", "mysql")
_DEFAULTS = {
    "postgres": "postgresql+asyncpg://postgres@127.0.0.1:5432/specify_test",
    "mysql": "mysql+asyncmy://root@127.0.0.1:3306/specify_test?charset=utf8mb4",
}


@dataclass
class Backend:
    name: str
    url: URL | None = None
    error: str | None = None

    @property
    def available(self) -> bool:
        return self.url is not None and self.error is None


def required_backends() -> set[str]:
    raw = os.environ.get("SPECIFY_DB_TEST_REQUIRE", "").strip().lower()
    if raw in ("", "none"):
        return set()
    if raw == "all":
        return set(NAMES)
    return {part.strip() for part in raw.split(",") if part.strip()}


def _server_url(name: str) -> URL:
    return make_url(os.environ.get(f"SPECIFY_DB_TEST_{name.upper()}_URL", _DEFAULTS[name]))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _stale_databases(url: URL) -> list[str]:
    """Databases of earlier runs whose process is gone (killed runs never drop theirs)."""
    prefix = f"{url.database}_"
    if url.get_backend_name() == "postgresql":
        query = "SELECT datname FROM pg_database"
    else:
        query = "SELECT schema_name FROM information_schema.schemata"
    names = await _admin(url, [query])
    stale = []
    for name in names:
        suffix = name[len(prefix) :] if name.startswith(prefix) else ""
        if suffix.isdigit() and int(suffix) != os.getpid() and not _pid_alive(int(suffix)):
            stale.append(name)
    return stale


async def _admin(url: URL, statements: list[str]) -> list[str]:
    admin_db = "postgres" if url.get_backend_name() == "postgresql" else "mysql"
    engine = create_async_engine(
        url.set(database=admin_db),
        isolation_level="AUTOCOMMIT",
        connect_args={"timeout": 5}
        if url.get_backend_name() == "postgresql"
        else {"connect_timeout": 5},
    )
    rows: list[str] = []
    try:
        async with asyncio.timeout(20), engine.connect() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                if result.returns_rows:
                    rows.extend(str(row[0]) for row in result)
    finally:
        await engine.dispose()
    return rows


async def create(name: str, tmp: Path) -> Backend:
    """Create a fresh database for this run on backend ``name``."""
    if name == "sqlite":
        raw = os.environ.get("SPECIFY_DB_TEST_SQLITE_URL")
        url = make_url(raw) if raw else make_url(f"sqlite+aiosqlite:///{tmp / 'specify_test.db'}")
        return Backend(name, url)
    base = _server_url(name)
    database = f"{base.database}_{os.getpid()}"
    url = base.set(database=database)
    try:
        for stale in await _stale_databases(base):
            # Another run may be sweeping the same database right now.
            with contextlib.suppress(Exception):
                await drop(Backend(name, base.set(database=stale)))
        if name == "postgres":
            await _admin(
                base, [f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"']
            )
        else:
            await _admin(
                base,
                [
                    f"DROP DATABASE IF EXISTS `{database}`",
                    f"CREATE DATABASE `{database}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                ],
            )
    except Exception as exc:
        return Backend(name, url, f"{type(exc).__name__}: {exc}".splitlines()[0])
    return Backend(name, url)


async def drop(backend: Backend) -> None:
    if not backend.available or backend.name == "sqlite" or backend.url is None:
        return
    database = backend.url.database
    quote = '"' if backend.name == "postgres" else "`"
    extra = " WITH (FORCE)" if backend.name == "postgres" else ""
    await _admin(backend.url, [f"DROP DATABASE IF EXISTS {quote}{database}{quote}{extra}"])


def temp_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="specify-db-tests-"))
