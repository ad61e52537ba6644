"""``CacheQueries``: cache entries by key; expired entries."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import select

from specify_db.models import CacheEntry, CacheEntryRead
from specify_db.queries.base import BaseQueries, check_limit

__all__ = ["CacheQueries"]


class CacheQueries(BaseQueries[CacheEntry, CacheEntryRead]):
    """Read cache entries (as :class:`CacheEntryRead`).

    Deleting expired entries is a write: ``CacheRepository.cleanup_expired``.
    """

    model = CacheEntry
    read_model = CacheEntryRead
    fields: ClassVar[dict[str, Any]] = {
        "key": CacheEntry.key,
        "value_hash": CacheEntry.value_hash,
        "expires_at": CacheEntry.expires_at,
        "created_at": CacheEntry.created_at,
        "access_count": CacheEntry.access_count,
        "last_accessed_at": CacheEntry.last_accessed_at,
        "meta": CacheEntry.meta,
    }
    sortable = ("key", "created_at", "access_count")
    default_order = ("key",)
    measures = ("access_count",)
    time_field = "created_at"

    async def find_by_key(self, key: str) -> CacheEntryRead | None:
        """The entry with this key (expired or not), or None."""
        return await self._first(self._filtered({"key": key}))

    async def get_expired_entries(self, limit: int | None = None) -> list[CacheEntryRead]:
        """Entries whose ``expires_at`` is strictly before now.

        Uses the SQL form of :attr:`CacheEntry.is_expired`, so an entry is expired here exactly
        when ``entry.is_expired`` says so (the earlier version used ``<=`` here and ``<`` there).
        """
        stmt = (
            select(CacheEntry)
            .where(CacheEntry.is_expired)
            .order_by(CacheEntry.expires_at, CacheEntry.id)  # type: ignore[arg-type]
        )
        if check_limit(limit) is not None:
            stmt = stmt.limit(limit)
        return await self._list(stmt)
