"""``ProjectQueries``: projects by slug, owner and activity; recent and ranked search."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from specify_db.models import Project, ProjectRead
from specify_db.models.sql import utc_now
from specify_db.queries.base import BaseQueries, check_limit
from specify_db.queries.checks import checked_int
from specify_db.queries.filters import F
from specify_db.queries.search import SearchResult

__all__ = ["ProjectQueries"]


class ProjectQueries(BaseQueries[Project, ProjectRead]):
    """Read projects (as :class:`ProjectRead`)."""

    model = Project
    read_model = ProjectRead
    fields: ClassVar[dict[str, Any]] = {
        "name": Project.name,
        "slug": Project.slug,
        "owner_id": Project.owner_id,
        "is_active": Project.is_active,
        "created_at": Project.created_at,
        "updated_at": Project.updated_at,
        "meta": Project.meta,
        "settings": Project.settings,
    }
    sortable = ("name", "slug", "created_at", "updated_at")
    default_order = ("name",)
    time_field = "created_at"

    async def find_by_slug(self, slug: str) -> ProjectRead | None:
        """The project with this slug, or None."""
        return await self._first(self._filtered({"slug": slug}))

    async def find_by_owner(self, owner_id: int, active_only: bool = True) -> list[ProjectRead]:
        """The owner's projects by name (only active ones unless ``active_only=False``)."""
        filters: dict[str, Any] = {"owner_id": owner_id}
        if active_only:
            filters["is_active"] = True
        return await self.find(filters)

    async def get_active_projects(self, limit: int | None = None) -> list[ProjectRead]:
        """Active projects by name."""
        return await self.find({"is_active": True}, limit=check_limit(limit))

    async def get_recent_projects(self, days: int = 7, limit: int = 10) -> list[ProjectRead]:
        """Projects updated in the last ``days`` days, most recently updated first."""
        since = utc_now() - timedelta(days=checked_int(days, "days", 0, 36500))
        return await self.find({"updated_at__ge": since}, order_by="-updated_at", limit=limit)

    async def search_projects(
        self, query: str, owner_id: int | None = None, limit: int = 10
    ) -> SearchResult[ProjectRead]:
        """Full-text search over name, slug and description; exact names first."""
        extra = None
        if owner_id is not None:
            extra = self._where(F("owner_id").eq(owner_id))
        return await self._search(query, limit, extra)
