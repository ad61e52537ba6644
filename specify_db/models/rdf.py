"""``rdf_specifications``: metadata of the RDF specification files of a project."""

import uuid
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel

from specify_db.models.base import (
    TableIdentity,
    bool_field,
    counter_field,
    created_at_field,
    foreign_key_field,
    meta_field,
    table_args,
    updated_at_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import (
    HexSha256,
    JsonObject,
    NonNegativeInt32,
    RowId,
    Text,
    Text50,
    Text500,
    UTCDatetime,
)
from specify_db.models.types import LongText

if TYPE_CHECKING:
    from specify_db.models.project import Project

__all__ = [
    "RDFSpecification",
    "RDFSpecificationBase",
    "RDFSpecificationCreate",
    "RDFSpecificationRead",
    "RDFSpecificationUpdate",
]


class RDFSpecificationBase(SQLModel):
    """Fields a client sets and reads back."""

    project_id: RowId = foreign_key_field("projects.id", ondelete="CASCADE", nullable=False)
    file_path: Text500 = Field(sa_type=String(500), min_length=1)
    content_hash: HexSha256 = Field(sa_type=String(64), index=True)
    format: Text50 = Field(
        default="turtle", sa_type=String(50), sa_column_kwargs={"server_default": text("'turtle'")}
    )
    triple_count: NonNegativeInt32 = counter_field()
    valid: bool = bool_field(True)
    validation_errors: Text | None = Field(default=None, sa_type=LongText)
    meta: JsonObject = meta_field()


class RDFSpecification(RDFSpecificationBase, TableIdentity, table=True):
    """One specification file of a project, unique per (project, path). Deleted with the project."""

    __tablename__ = "rdf_specifications"
    __table_args__ = table_args(
        UniqueConstraint("project_id", "file_path"),
        Index("ix_rdf_specifications_project_id_updated_at", "project_id", "updated_at"),
        CheckConstraint("triple_count >= 0", name="triple_count_non_negative"),
    )

    created_at: UTCDatetime = created_at_field()
    updated_at: UTCDatetime = updated_at_field()

    project: "Project" = Relationship(
        back_populates="specifications", sa_relationship_kwargs={"lazy": "raise"}
    )

    def __repr__(self) -> str:
        return f"RDFSpecification(id={self.id!r}, file_path={self.file_path!r})"


class RDFSpecificationCreate(RDFSpecificationBase, CreateModel):
    """Input to register a specification file."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)


class RDFSpecificationRead(RDFSpecificationBase, ReadModel):
    """A specification as other services see it."""

    id: int
    public_id: uuid.UUID
    created_at: UTCDatetime
    updated_at: UTCDatetime


class RDFSpecificationUpdate(UpdateModel):
    """PATCH a specification (typically a new hash, count and validation result)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"file_path", "content_hash", "format", "triple_count", "valid", "meta"}
    )

    file_path: Text500 | None = Field(default=None, min_length=1)
    content_hash: HexSha256 | None = None
    format: Text50 | None = None
    triple_count: NonNegativeInt32 | None = None
    valid: bool | None = None
    validation_errors: Text | None = None
    meta: JsonObject | None = None
