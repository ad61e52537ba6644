"""``projects``: a code base that commands run in, owned by a user."""

import uuid
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Index, String
from sqlmodel import Field, Relationship, SQLModel

from specify_db.models.base import (
    TableIdentity,
    bool_field,
    created_at_field,
    foreign_key_field,
    json_field,
    meta_field,
    table_args,
    updated_at_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import (
    JsonObject,
    Name200,
    RowId,
    Slug,
    Text,
    Text500,
    UTCDatetime,
)
from specify_db.models.types import LongText

if TYPE_CHECKING:
    from specify_db.models.command import Command
    from specify_db.models.configuration import Configuration
    from specify_db.models.metric import PerformanceMetric
    from specify_db.models.rdf import RDFSpecification
    from specify_db.models.user import User

__all__ = ["Project", "ProjectBase", "ProjectCreate", "ProjectRead", "ProjectUpdate"]


class ProjectBase(SQLModel):
    """Fields a client sets and reads back."""

    name: Name200 = Field(sa_type=String(200), index=True)
    slug: Slug = Field(sa_type=String(200), unique=True)
    description: Text | None = Field(default=None, sa_type=LongText)
    path: Text500 | None = Field(default=None, sa_type=String(500))
    repository_url: Text500 | None = Field(default=None, sa_type=String(500))
    is_active: bool = bool_field(True)
    meta: JsonObject = meta_field()
    settings: JsonObject = json_field()


class Project(ProjectBase, TableIdentity, table=True):
    """A project. Deleting it deletes its commands, metrics, specifications and configurations."""

    __tablename__ = "projects"
    __table_args__ = table_args(
        Index("ix_projects_owner_id_name", "owner_id", "name"),
        Index("ix_projects_is_active", "is_active"),
    )

    owner_id: int = foreign_key_field("users.id", ondelete="CASCADE", nullable=False)
    created_at: UTCDatetime = created_at_field()
    updated_at: UTCDatetime = updated_at_field()

    owner: "User" = Relationship(
        back_populates="projects", sa_relationship_kwargs={"lazy": "raise"}
    )
    commands: list["Command"] = Relationship(
        back_populates="project",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )
    metrics: list["PerformanceMetric"] = Relationship(
        back_populates="project",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )
    specifications: list["RDFSpecification"] = Relationship(
        back_populates="project",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )
    configurations: list["Configuration"] = Relationship(
        back_populates="project",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )

    def __repr__(self) -> str:
        return f"Project(id={self.id!r}, slug={self.slug!r})"


class ProjectCreate(ProjectBase, CreateModel):
    """Input to create a project."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    owner_id: RowId


class ProjectRead(ProjectBase, ReadModel):
    """A project as other services see it."""

    id: int
    public_id: uuid.UUID
    owner_id: int
    created_at: UTCDatetime
    updated_at: UTCDatetime


class ProjectUpdate(UpdateModel):
    """PATCH a project (ownership changes too: ``owner_id``)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"name", "slug", "is_active", "meta", "settings", "owner_id"}
    )

    name: Name200 | None = None
    slug: Slug | None = None
    description: Text | None = None
    path: Text500 | None = None
    repository_url: Text500 | None = None
    is_active: bool | None = None
    owner_id: RowId | None = None
    meta: JsonObject | None = None
    settings: JsonObject | None = None
