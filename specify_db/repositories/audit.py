"""``AuditLogRepository``: append-only audit records.

There is no update or delete method; on PostgreSQL a trigger also rejects ``UPDATE`` and
``DELETE`` on the table (see :mod:`specify_db.repositories.audit_guard`).

Example::

    audit = AuditLogRepository(db)
    await audit.log_action("login", "user", resource_id=str(alice.id), user_id=alice.id,
                           ip_address="192.0.2.7", details={"method": "password"})
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from specify_db.models import AuditAction, AuditLog, AuditLogCreate, AuditLogUpdate
from specify_db.repositories.audit_guard import install_audit_guard
from specify_db.repositories.base import AppendOnlyRepository

__all__ = ["AuditLogRepository"]

_AUDIT_TABLE: Table = AuditLog.__table__  # type: ignore[attr-defined]
install_audit_guard(_AUDIT_TABLE)


class AuditLogRepository(AppendOnlyRepository[AuditLog, AuditLogCreate, AuditLogUpdate]):
    """Who did what to which resource, and whether it worked. Read and append only."""

    model = AuditLog
    create_schema = AuditLogCreate
    update_schema = AuditLogUpdate

    async def log_action(
        self,
        action: AuditAction | str,
        resource_type: str,
        resource_id: str | None = None,
        user_id: int | None = None,
        success: bool = True,
        **kwargs: Any,
    ) -> AuditLog:
        """Append one audit record (``ip_address``, ``user_agent``, ``details``, ``meta``...)."""
        return await self.create(
            {
                "action": action,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "user_id": user_id,
                "success": success,
                **kwargs,
            }
        )
