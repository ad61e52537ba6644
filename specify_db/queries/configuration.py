"""``ConfigurationQueries``: a project's configuration values."""

from __future__ import annotations

from typing import Any, ClassVar

from specify_db.models import Configuration, ConfigurationRead
from specify_db.queries.base import BaseQueries

__all__ = ["ConfigurationQueries"]


class ConfigurationQueries(BaseQueries[Configuration, ConfigurationRead]):
    """Read configuration values (as :class:`ConfigurationRead`: encrypted values hidden).

    Decrypting a secret value is :class:`ConfigurationRepository`'s job.
    """

    model = Configuration
    read_model = ConfigurationRead
    fields: ClassVar[dict[str, Any]] = {
        "project_id": Configuration.project_id,
        "key": Configuration.key,
        "type": Configuration.type,
        "encrypted": Configuration.encrypted,
        "created_at": Configuration.created_at,
        "updated_at": Configuration.updated_at,
    }
    sortable = ("key", "created_at", "updated_at")
    default_order = ("key",)
    time_field = "updated_at"

    async def find_by_project_and_key(self, project_id: int, key: str) -> ConfigurationRead | None:
        """The project's value for ``key``, or None."""
        return await self._first(self._filtered({"project_id": project_id, "key": key}))

    async def get_project_configs(self, project_id: int) -> list[ConfigurationRead]:
        """Every value of the project, by key."""
        return await self.find({"project_id": project_id})
