"""``telemetry_events``: OpenTelemetry spans recorded for command runs."""

import uuid
from typing import TYPE_CHECKING, ClassVar, Optional, Self

from pydantic import model_validator
from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlmodel import Field, Relationship, SQLModel

from specify_db.models.base import (
    TableIdentity,
    foreign_key_field,
    json_field,
    table_args,
    timestamp_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import (
    JsonObject,
    Name200,
    NonNegativeInt64,
    RowId,
    SpanId,
    Text50,
    TraceId,
    UTCDatetime,
)

if TYPE_CHECKING:
    from specify_db.models.command import Command

__all__ = [
    "TelemetryEvent",
    "TelemetryEventBase",
    "TelemetryEventCreate",
    "TelemetryEventRead",
    "TelemetryEventUpdate",
]


class TelemetryEventBase(SQLModel):
    """Fields a client sets and reads back."""

    trace_id: TraceId = Field(sa_type=String(32))
    span_id: SpanId = Field(sa_type=String(16), index=True)
    parent_span_id: SpanId | None = Field(default=None, sa_type=String(16))
    command_id: RowId | None = foreign_key_field("commands.id", ondelete="CASCADE", nullable=True)
    name: Name200 = Field(sa_type=String(200), index=True)
    kind: Text50 | None = Field(default=None, sa_type=String(50))
    status_code: Text50 | None = Field(default=None, sa_type=String(50))
    start_time: UTCDatetime = timestamp_field(nullable=False, index=True)
    end_time: UTCDatetime | None = timestamp_field()
    # 64-bit: a 32-bit column overflowed for spans longer than about 2.1 s.
    duration_ns: NonNegativeInt64 | None = Field(default=None, sa_type=BigInteger)
    attributes: JsonObject = json_field()
    resource_attributes: JsonObject = json_field()


class TelemetryEvent(TelemetryEventBase, TableIdentity, table=True):
    """A span. It has no ``meta`` or timestamps of its own; deleted with its command."""

    __tablename__ = "telemetry_events"
    __table_args__ = table_args(
        Index("ix_telemetry_events_trace_id_span_id", "trace_id", "span_id"),
        Index("ix_telemetry_events_command_id", "command_id"),
        CheckConstraint("duration_ns >= 0", name="duration_ns_non_negative"),
    )

    command: Optional["Command"] = Relationship(
        back_populates="telemetry_events", sa_relationship_kwargs={"lazy": "raise"}
    )

    def __repr__(self) -> str:
        return f"TelemetryEvent(id={self.id!r}, name={self.name!r}, span_id={self.span_id!r})"


class TelemetryEventCreate(TelemetryEventBase, CreateModel):
    """Input to record a span; ``start_time`` is required."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end_time is not None and self.end_time < self.start_time:
            raise ValueError("end_time must not be earlier than start_time")
        return self


class TelemetryEventRead(TelemetryEventBase, ReadModel):
    """A span as other services see it."""

    id: int
    public_id: uuid.UUID


class TelemetryEventUpdate(UpdateModel):
    """PATCH a span (typically its end, duration and status)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"name", "start_time", "attributes", "resource_attributes"}
    )

    name: Name200 | None = None
    kind: Text50 | None = None
    status_code: Text50 | None = None
    start_time: UTCDatetime | None = None
    end_time: UTCDatetime | None = None
    duration_ns: NonNegativeInt64 | None = None
    attributes: JsonObject | None = None
    resource_attributes: JsonObject | None = None
