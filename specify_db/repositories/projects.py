"""``ProjectRepository``: projects by slug and owner; archive and unarchive.

Example::

    projects = ProjectRepository(db)
    demo = await projects.create_project("Demo", "demo", owner_id=alice.id)
    await projects.archive(demo.id)
"""

from __future__ import annotations

from typing import Any

from specify_db.models import Project, ProjectCreate, ProjectUpdate
from specify_db.repositories.repository import Repository

__all__ = ["ProjectRepository"]


class ProjectRepository(Repository[Project, ProjectCreate, ProjectUpdate]):
    """Projects; each belongs to one owner and has a unique slug."""

    model = Project
    create_schema = ProjectCreate
    update_schema = ProjectUpdate

    async def create_project(
        self, name: str, slug: str, owner_id: int | None, **kwargs: Any
    ) -> Project:
        """Create a project.

        Raises:
            AlreadyExists: the slug is taken.
            ForeignKeyViolation: no user ``owner_id``.
        """
        return await self.create({"name": name, "slug": slug, "owner_id": owner_id, **kwargs})

    async def get_by_slug(self, slug: str) -> Project | None:
        """The project with this slug, or None."""
        return await self.get_by_or_none(slug=slug)

    async def get_user_projects(
        self, user_id: int | None, *, active_only: bool = True
    ) -> list[Project]:
        """The user's projects by name (only active ones unless ``active_only=False``)."""
        filters: dict[str, Any] = {"owner_id": user_id}
        if active_only:
            filters["is_active"] = True
        return await self.list(filters, order_by=["name", "id"])

    async def archive(self, project_id: int | None) -> Project:
        """Mark the project inactive (kept, hidden from active lists)."""
        return await self.update(project_id, {"is_active": False})

    async def unarchive(self, project_id: int | None) -> Project:
        """Mark the project active again."""
        return await self.update(project_id, {"is_active": True})
