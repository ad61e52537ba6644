"""``users``: people and service accounts that run commands and own projects."""

import uuid
from typing import TYPE_CHECKING, ClassVar

from pydantic import ConfigDict
from sqlalchemy import String, and_, func, inspect, select, true
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Relationship, SQLModel, col

from specify_db.models.base import (
    TableIdentity,
    bool_field,
    created_at_field,
    meta_field,
    table_args,
    timestamp_field,
    updated_at_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import (
    Email,
    HexSha256,
    JsonObject,
    Password,
    Text16,
    Text255,
    Username,
    UTCDatetime,
)
from specify_db.models.types import PasswordHash

if TYPE_CHECKING:
    from specify_db.models.audit import AuditLog
    from specify_db.models.command import Command
    from specify_db.models.project import Project
    from specify_db.models.session_token import SessionToken

__all__ = ["User", "UserBase", "UserCreate", "UserRead", "UserUpdate"]


class UserBase(SQLModel):
    """Fields a client sets and reads back."""

    username: Username = Field(sa_type=String(100), unique=True)
    email: Email = Field(sa_type=String(255), unique=True)
    full_name: Text255 | None = Field(default=None, sa_type=String(255))
    is_active: bool = bool_field(True)
    is_admin: bool = bool_field(False)
    meta: JsonObject = meta_field()


class User(UserBase, TableIdentity, table=True):
    """A user. Secrets are stored only as hashes: argon2 for the password, SHA-256 for the key.

    Deleting a user deletes their projects (and everything in them) and session tokens; their
    commands elsewhere and their audit log stay, with ``user_id`` set NULL.
    """

    __tablename__ = "users"
    __table_args__ = table_args()
    model_config = ConfigDict(ignored_types=(hybrid_property,))  # type: ignore[assignment]

    password_hash: str = Field(sa_type=PasswordHash())
    api_key_hash: HexSha256 | None = Field(default=None, sa_type=String(64), unique=True)
    api_key_prefix: Text16 | None = Field(default=None, sa_type=String(16))
    created_at: UTCDatetime = created_at_field()
    updated_at: UTCDatetime = updated_at_field()
    last_login_at: UTCDatetime | None = timestamp_field()

    projects: list["Project"] = Relationship(
        back_populates="owner",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )
    commands: list["Command"] = Relationship(
        back_populates="user", passive_deletes=True, sa_relationship_kwargs={"lazy": "raise"}
    )
    audit_logs: list["AuditLog"] = Relationship(
        back_populates="user",
        # The database sets user_id NULL; the ORM never rewrites an audit row.
        passive_deletes="all",
        sa_relationship_kwargs={"lazy": "raise"},
    )
    sessions: list["SessionToken"] = Relationship(
        back_populates="user",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )

    @hybrid_property
    def active_projects_count(self) -> int:
        """How many of the user's projects are active.

        In SQL it is a correlated ``COUNT`` subquery. On an instance it counts the loaded
        ``projects`` collection and never does IO: load it first
        (``selectinload(User.projects)``), or select the SQL form instead. An instance whose
        collection is not loaded raises ``InvalidRequestError``.
        """
        state = inspect(self)
        if state.persistent and "projects" in state.unloaded:
            raise InvalidRequestError(
                "User.active_projects_count needs User.projects loaded "
                "(use selectinload(User.projects)), or select User.active_projects_count in SQL"
            )
        return sum(1 for project in self.projects if project.is_active)

    @active_projects_count.inplace.expression
    @classmethod
    def _active_projects_count_sql(cls) -> ColumnElement[int]:
        from specify_db.models.project import Project

        return (
            select(func.count(col(Project.id)))
            .where(and_(col(Project.owner_id) == col(cls.id), col(Project.is_active) == true()))
            .correlate_except(Project)
            .scalar_subquery()
        )

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r})"


class UserCreate(UserBase, CreateModel):
    """Input to create a user. The password is hashed by the repository, never stored."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    password: Password


class UserRead(UserBase, ReadModel):
    """A user as other services see it: no password hash, no API-key hash."""

    id: int
    public_id: uuid.UUID
    api_key_prefix: Text16 | None = None
    created_at: UTCDatetime
    updated_at: UTCDatetime
    last_login_at: UTCDatetime | None = None


class UserUpdate(UpdateModel):
    """PATCH a user. Changing the password or API key is a repository operation, not a PATCH."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"username", "email", "is_active", "is_admin", "meta"}
    )

    username: Username | None = None
    email: Email | None = None
    full_name: Text255 | None = None
    is_active: bool | None = None
    is_admin: bool | None = None
    last_login_at: UTCDatetime | None = None
    meta: JsonObject | None = None
