"""``AuditLogQueries``: the audit trail by user, resource and time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from specify_db.models import AuditLog, AuditLogRead
from specify_db.models.sql import utc_now
from specify_db.queries.base import BaseQueries, check_limit
from specify_db.queries.checks import checked_int

__all__ = ["AuditLogQueries"]


class AuditLogQueries(BaseQueries[AuditLog, AuditLogRead]):
    """Read audit entries (as :class:`AuditLogRead`), newest first."""

    model = AuditLog
    read_model = AuditLogRead
    fields: ClassVar[dict[str, Any]] = {
        "action": AuditLog.action,
        "resource_type": AuditLog.resource_type,
        "resource_id": AuditLog.resource_id,
        "user_id": AuditLog.user_id,
        "ip_address": AuditLog.ip_address,
        "timestamp": AuditLog.timestamp,
        "success": AuditLog.success,
        "details": AuditLog.details,
    }
    sortable = ("action", "resource_type", "timestamp")
    default_order = ("-timestamp",)
    time_field = "timestamp"

    async def find_by_user(self, user_id: int, limit: int | None = 100) -> list[AuditLogRead]:
        """The user's entries, newest first."""
        return await self.find({"user_id": user_id}, limit=check_limit(limit))

    async def find_by_resource(
        self, resource_type: str, resource_id: str | None = None, limit: int | None = None
    ) -> list[AuditLogRead]:
        """Entries about a resource type, or one resource when ``resource_id`` is given."""
        filters: dict[str, Any] = {"resource_type": resource_type}
        if resource_id is not None:
            filters["resource_id"] = resource_id
        return await self.find(filters, limit=check_limit(limit))

    async def get_recent_logs(self, hours: int = 24, limit: int = 100) -> list[AuditLogRead]:
        """Entries of the last ``hours`` hours, newest first."""
        since = utc_now() - timedelta(hours=checked_int(hours, "hours", 0, 24 * 36500))
        return await self.find({"timestamp__ge": since}, limit=limit)
