"""``audit_logs``: who did what to which resource, when, and whether it worked."""

import uuid
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Index, String
from sqlmodel import Field, Relationship, SQLModel

from specify_db.models.base import (
    TableIdentity,
    bool_field,
    created_at_field,
    enum_field,
    foreign_key_field,
    json_field,
    meta_field,
    table_args,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.enums import AuditAction
from specify_db.models.fields import (
    IPAddress,
    JsonObject,
    Name100,
    RowId,
    Text100,
    Text500,
    UTCDatetime,
)

if TYPE_CHECKING:
    from specify_db.models.user import User

__all__ = ["AuditLog", "AuditLogBase", "AuditLogCreate", "AuditLogRead", "AuditLogUpdate"]


class AuditLogBase(SQLModel):
    """Fields a client sets and reads back."""

    action: AuditAction = enum_field(AuditAction, "action")
    resource_type: Name100 = Field(sa_type=String(100))
    resource_id: Text100 | None = Field(default=None, sa_type=String(100))
    user_id: RowId | None = foreign_key_field("users.id", ondelete="SET NULL", nullable=True)
    ip_address: IPAddress | None = Field(default=None, sa_type=String(45))
    user_agent: Text500 | None = Field(default=None, sa_type=String(500))
    timestamp: UTCDatetime = created_at_field()
    success: bool = bool_field(True)
    details: JsonObject = json_field()
    meta: JsonObject = meta_field()


class AuditLog(AuditLogBase, TableIdentity, table=True):
    """An audit record. Append-only by intent; it outlives its user (``user_id`` becomes NULL)."""

    __tablename__ = "audit_logs"
    __table_args__ = table_args(
        Index("ix_audit_logs_user_id_timestamp", "user_id", "timestamp"),
        Index("ix_audit_logs_resource_type_resource_id", "resource_type", "resource_id"),
        Index("ix_audit_logs_action_timestamp", "action", "timestamp"),
        Index("ix_audit_logs_timestamp", "timestamp"),
    )

    user: Optional["User"] = Relationship(
        back_populates="audit_logs", sa_relationship_kwargs={"lazy": "raise"}
    )

    def __repr__(self) -> str:
        action = getattr(self.action, "value", self.action)
        return f"AuditLog(id={self.id!r}, action={action!r}, resource_type={self.resource_type!r})"


class AuditLogCreate(AuditLogBase, CreateModel):
    """Input to append an audit record."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)


class AuditLogRead(AuditLogBase, ReadModel):
    """An audit record as other services see it."""

    id: int
    public_id: uuid.UUID


class AuditLogUpdate(UpdateModel):
    """Audit records are append-only: this PATCH model has no fields, so any change is refused.

    It exists so code that is generic over ``XCreate``/``XRead``/``XUpdate`` treats the audit
    log like every other table, and gets a validation error instead of an edit.
    """
