"""``performance_metrics``: numeric measurements attached to a command and/or a project."""

import uuid
from typing import TYPE_CHECKING, ClassVar, Optional

from sqlalchemy import Index, String
from sqlmodel import Field, Relationship, SQLModel

from specify_db.models.base import (
    TableIdentity,
    created_at_field,
    enum_field,
    foreign_key_field,
    json_field,
    meta_field,
    table_args,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.enums import MetricType
from specify_db.models.fields import (
    FiniteFloat,
    JsonObject,
    Name200,
    RowId,
    Text50,
    UTCDatetime,
)
from specify_db.models.types import DoubleType

if TYPE_CHECKING:
    from specify_db.models.command import Command
    from specify_db.models.project import Project

__all__ = [
    "PerformanceMetric",
    "PerformanceMetricBase",
    "PerformanceMetricCreate",
    "PerformanceMetricRead",
    "PerformanceMetricUpdate",
]


class PerformanceMetricBase(SQLModel):
    """Fields a client sets and reads back."""

    name: Name200 = Field(sa_type=String(200))
    type: MetricType = enum_field(MetricType, "type", MetricType.GAUGE)
    value: FiniteFloat = Field(sa_type=DoubleType)
    unit: Text50 | None = Field(default=None, sa_type=String(50))
    command_id: RowId | None = foreign_key_field("commands.id", ondelete="CASCADE", nullable=True)
    project_id: RowId | None = foreign_key_field("projects.id", ondelete="CASCADE", nullable=True)
    timestamp: UTCDatetime = created_at_field()
    labels: JsonObject = json_field()
    meta: JsonObject = meta_field()


class PerformanceMetric(PerformanceMetricBase, TableIdentity, table=True):
    """A measurement. Deleted with its command or its project."""

    __tablename__ = "performance_metrics"
    __table_args__ = table_args(
        Index("ix_performance_metrics_name_timestamp", "name", "timestamp"),
        Index("ix_performance_metrics_type_timestamp", "type", "timestamp"),
        Index("ix_performance_metrics_project_id_timestamp", "project_id", "timestamp"),
        Index("ix_performance_metrics_command_id", "command_id"),
        Index("ix_performance_metrics_timestamp", "timestamp"),
    )

    command: Optional["Command"] = Relationship(
        back_populates="metrics", sa_relationship_kwargs={"lazy": "raise"}
    )
    project: Optional["Project"] = Relationship(
        back_populates="metrics", sa_relationship_kwargs={"lazy": "raise"}
    )

    def __repr__(self) -> str:
        return f"PerformanceMetric(id={self.id!r}, name={self.name!r}, value={self.value!r})"


class PerformanceMetricCreate(PerformanceMetricBase, CreateModel):
    """Input to record a metric; ``type`` defaults to gauge, ``timestamp`` to now."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)


class PerformanceMetricRead(PerformanceMetricBase, ReadModel):
    """A metric as other services see it."""

    id: int
    public_id: uuid.UUID


class PerformanceMetricUpdate(UpdateModel):
    """PATCH a metric."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"name", "type", "value", "timestamp", "labels", "meta"}
    )

    name: Name200 | None = None
    type: MetricType | None = None
    value: FiniteFloat | None = None
    unit: Text50 | None = None
    timestamp: UTCDatetime | None = None
    labels: JsonObject | None = None
    meta: JsonObject | None = None
