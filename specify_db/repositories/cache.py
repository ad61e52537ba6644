"""``CacheRepository``: a key/value cache of JSON values with a TTL, kept in the database.

Example::

    cache = CacheRepository(db)
    await cache.set("answer", {"value": 42}, ttl_seconds=60)
    assert await cache.get("answer") == {"value": 42}
    report = await cache.get_or_set("report", lambda: {"rows": 3}, ttl_seconds=300)
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, not_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.engine.binding import Bound, SessionSource
from specify_db.models import CacheEntry, CacheEntryCreate, CacheEntryUpdate
from specify_db.models.sql import utc_now
from specify_db.repositories.repository import Repository

__all__ = ["CacheEntryRepository", "CacheRepository"]

_MISSING: Any = object()


class CacheEntryRepository(Repository[CacheEntry, CacheEntryCreate, CacheEntryUpdate]):
    """Plain CRUD over ``cache_entries`` rows (what :class:`CacheRepository` is built on)."""

    model = CacheEntry
    create_schema = CacheEntryCreate
    update_schema = CacheEntryUpdate


def _encode(value: Any) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


class CacheRepository:
    """A TTL cache of JSON values (objects, lists, strings, numbers, booleans, null).

    Each successful read adds exactly 1 to ``access_count`` and sets ``last_accessed_at``;
    writing a value does not count as a read. An expired entry is never returned (it is
    removed by :meth:`cleanup_expired`).

    Args:
        source: a ``DatabaseManager`` or an ``AsyncSession``.
    """

    def __init__(self, source: SessionSource) -> None:
        self._bound = Bound(source)
        self.entries = CacheEntryRepository(source)
        """The underlying rows, for listing or inspection."""

    async def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default`` if there is none or it expired."""
        live = select(CacheEntry).where(CacheEntry.key == key, not_(CacheEntry.is_expired))

        async def work(session: AsyncSession) -> Any:
            entry = (await session.exec(live)).first()
            if entry is None:
                return _MISSING
            await session.exec(
                update(CacheEntry)
                .where(col(CacheEntry.id) == entry.id)
                .values(access_count=CacheEntry.access_count + 1, last_accessed_at=utc_now())
            )
            return json.loads(entry.value)

        found = await self._bound.run(work)
        return default if found is _MISSING else found

    get_cache = get
    """The earlier version's name of :meth:`get`."""

    async def set(self, key: str, value: Any, ttl_seconds: float | None = None) -> CacheEntry:
        """Store ``value`` (any JSON value) under ``key``, replacing what was there.

        ``ttl_seconds=None`` never expires; a TTL of 0 or less stores an already expired entry.

        Raises:
            ValueError: the value is not JSON (NaN, a set, an object...).
        """
        text = _encode(value)
        encoded = text.encode("utf-8")
        expires_at = utc_now() + timedelta(seconds=ttl_seconds) if ttl_seconds is not None else None
        return await self.entries.upsert(
            {
                "key": key,
                "value": text,
                "value_hash": hashlib.sha256(encoded).hexdigest(),
                "size_bytes": len(encoded),
                "expires_at": expires_at,
            },
            on=["key"],
        )

    set_cache = set
    """The earlier version's name of :meth:`set`."""

    async def delete(self, key: str) -> bool:
        """Remove ``key``; True if it was there."""
        stmt = delete(CacheEntry).where(col(CacheEntry.key) == key)

        async def work(session: AsyncSession) -> bool:
            return bool((await session.exec(stmt)).rowcount)

        return await self._bound.run(work)

    async def get_or_set(
        self,
        key: str,
        factory: Callable[[], Any] | Callable[[], Awaitable[Any]],
        ttl_seconds: float | None = None,
    ) -> Any:
        """The cached value, or ``factory()`` (sync or async) stored and returned if missing."""
        found = await self.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = factory()
        if inspect.isawaitable(value):
            value = await value
        await self.set(key, value, ttl_seconds)
        return value

    async def cleanup_expired(self) -> int:
        """Delete every expired entry; returns how many went."""
        stmt = delete(CacheEntry).where(CacheEntry.is_expired)

        async def work(session: AsyncSession) -> int:
            return int((await session.exec(stmt)).rowcount)

        return await self._bound.run(work)
