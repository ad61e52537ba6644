"""``session_tokens``: login sessions, stored as SHA-256 digests of the token."""

import uuid
from typing import TYPE_CHECKING, ClassVar

from pydantic import ConfigDict
from sqlalchemy import Index, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Relationship, SQLModel, col

from specify_db.models.base import (
    TableIdentity,
    bool_field,
    created_at_field,
    foreign_key_field,
    meta_field,
    table_args,
    timestamp_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import (
    HexSha256,
    IPAddress,
    JsonObject,
    RowId,
    Text500,
    UTCDatetime,
)
from specify_db.models.sql import utc_now, utc_now_param

if TYPE_CHECKING:
    from specify_db.models.user import User

__all__ = [
    "SessionToken",
    "SessionTokenBase",
    "SessionTokenCreate",
    "SessionTokenRead",
    "SessionTokenUpdate",
]


class SessionTokenBase(SQLModel):
    """Fields a client sets and reads back."""

    user_id: RowId = foreign_key_field("users.id", ondelete="CASCADE", nullable=False)
    expires_at: UTCDatetime = timestamp_field(nullable=False, index=True)
    ip_address: IPAddress | None = Field(default=None, sa_type=String(45))
    user_agent: Text500 | None = Field(default=None, sa_type=String(500))
    is_active: bool = bool_field(True)
    meta: JsonObject = meta_field()


class SessionToken(SessionTokenBase, TableIdentity, table=True):
    """A login session. The token itself is never stored: only ``token_hash`` (SHA-256 hex).

    Deleted with its user.
    """

    __tablename__ = "session_tokens"
    __table_args__ = table_args(
        Index("ix_session_tokens_user_id_is_active", "user_id", "is_active"),
    )
    model_config = ConfigDict(ignored_types=(hybrid_property,))  # type: ignore[assignment]

    token_hash: HexSha256 = Field(sa_type=String(64), unique=True)
    created_at: UTCDatetime = created_at_field()
    last_used_at: UTCDatetime | None = timestamp_field()

    user: "User" = Relationship(back_populates="sessions", sa_relationship_kwargs={"lazy": "raise"})

    @hybrid_property
    def is_expired(self) -> bool:
        """True when ``expires_at < now`` (strictly), in Python and in SQL alike."""
        return self.expires_at < utc_now()

    @is_expired.inplace.expression
    @classmethod
    def _is_expired_sql(cls) -> ColumnElement[bool]:
        return col(cls.expires_at) < utc_now_param()

    def __repr__(self) -> str:
        return f"SessionToken(id={self.id!r}, user_id={self.user_id!r})"


class SessionTokenCreate(SessionTokenBase, CreateModel):
    """Input to open a session. The repository generates the token and stores its digest."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)


class SessionTokenRead(SessionTokenBase, ReadModel):
    """A session as other services see it: no token, no token hash."""

    id: int
    public_id: uuid.UUID
    created_at: UTCDatetime
    last_used_at: UTCDatetime | None = None


class SessionTokenUpdate(UpdateModel):
    """PATCH a session (extend, record use, revoke)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset({"expires_at", "is_active", "meta"})

    expires_at: UTCDatetime | None = None
    last_used_at: UTCDatetime | None = None
    is_active: bool | None = None
    meta: JsonObject | None = None
