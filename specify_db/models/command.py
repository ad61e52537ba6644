"""``commands``: one run of a specify CLI command, with its outcome and timing."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Self

from pydantic import ConfigDict, model_validator
from sqlalchemy import CheckConstraint, Index, String, and_, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Relationship, SQLModel, col

from specify_db.models.base import (
    TableIdentity,
    created_at_field,
    enum_field,
    foreign_key_field,
    json_field,
    meta_field,
    table_args,
    timestamp_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.enums import TERMINAL_STATUSES, ExecutionStatus
from specify_db.models.fields import (
    Int32,
    JsonObject,
    Name200,
    RowId,
    Text,
    UTCDatetime,
)
from specify_db.models.sql import seconds_between
from specify_db.models.types import DoubleType, LongText

if TYPE_CHECKING:
    from specify_db.models.metric import PerformanceMetric
    from specify_db.models.project import Project
    from specify_db.models.telemetry import TelemetryEvent
    from specify_db.models.user import User

__all__ = ["Command", "CommandBase", "CommandCreate", "CommandRead", "CommandUpdate"]


class CommandBase(SQLModel):
    """Fields a client sets and reads back."""

    name: Name200 = Field(sa_type=String(200), index=True)
    args: Text | None = Field(default=None, sa_type=LongText)
    user_id: RowId | None = foreign_key_field("users.id", ondelete="SET NULL", nullable=True)
    project_id: RowId | None = foreign_key_field("projects.id", ondelete="CASCADE", nullable=True)
    parent_id: RowId | None = foreign_key_field("commands.id", ondelete="CASCADE", nullable=True)
    status: ExecutionStatus = enum_field(ExecutionStatus, "status", ExecutionStatus.PENDING)
    started_at: UTCDatetime = created_at_field()
    completed_at: UTCDatetime | None = timestamp_field()
    exit_code: Int32 | None = None
    stdout: Text | None = Field(default=None, sa_type=LongText)
    stderr: Text | None = Field(default=None, sa_type=LongText)
    environment: JsonObject = json_field()
    meta: JsonObject = meta_field()


def _check_completion_order(started_at: datetime | None, completed_at: datetime | None) -> None:
    if started_at is not None and completed_at is not None and completed_at < started_at:
        raise ValueError("completed_at must not be earlier than started_at")


class Command(CommandBase, TableIdentity, table=True):
    """A command run.

    ``duration_ms`` is computed, never set by hand: whenever the row is inserted or updated
    with a terminal status (success, failed, cancelled, timeout) and both timestamps, it becomes
    ``(completed_at - started_at)`` in milliseconds.

    Deleting a command deletes its metrics, telemetry events and child commands.
    """

    __tablename__ = "commands"
    __table_args__ = table_args(
        Index("ix_commands_user_id_project_id", "user_id", "project_id"),
        Index("ix_commands_project_id", "project_id"),
        Index("ix_commands_parent_id", "parent_id"),
        Index("ix_commands_started_at", "started_at"),
        Index("ix_commands_status_started_at", "status", "started_at"),
        CheckConstraint("duration_ms >= 0", name="duration_ms_non_negative"),
        CheckConstraint(
            "completed_at IS NULL OR completed_at >= started_at", name="completed_after_started"
        ),
    )
    model_config = ConfigDict(ignored_types=(hybrid_property,))  # type: ignore[assignment]

    duration_ms: float | None = Field(default=None, sa_type=DoubleType)

    user: Optional["User"] = Relationship(
        back_populates="commands", sa_relationship_kwargs={"lazy": "raise"}
    )
    project: Optional["Project"] = Relationship(
        back_populates="commands", sa_relationship_kwargs={"lazy": "raise"}
    )
    parent: Optional["Command"] = Relationship(
        back_populates="children",
        sa_relationship_kwargs={"lazy": "raise", "remote_side": "Command.id"},
    )
    children: list["Command"] = Relationship(
        back_populates="parent",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )
    metrics: list["PerformanceMetric"] = Relationship(
        back_populates="command",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )
    telemetry_events: list["TelemetryEvent"] = Relationship(
        back_populates="command",
        passive_deletes=True,
        sa_relationship_kwargs={"lazy": "raise", "cascade": "save-update, merge, delete"},
    )

    @hybrid_property
    def is_success(self) -> bool:
        """Status is success AND the exit code is 0 (a NULL exit code is not a success)."""
        return _as_status(self.status) is ExecutionStatus.SUCCESS and self.exit_code == 0

    @is_success.inplace.expression
    @classmethod
    def _is_success_sql(cls) -> ColumnElement[bool]:
        # Never NULL: a NULL exit code makes the conjunction false, as in Python.
        exit_code = col(cls.exit_code)
        return and_(
            col(cls.status) == ExecutionStatus.SUCCESS, exit_code.is_not(None), exit_code == 0
        )

    @hybrid_property
    def duration(self) -> float | None:
        """Elapsed time ``completed_at - started_at`` in seconds (float); None until both exist.

        The SQL form computes the same in the database (microsecond precision on PostgreSQL and
        MariaDB, millisecond precision on SQLite).
        """
        if self.completed_at is None:
            return None
        return (self.completed_at - self.started_at).total_seconds()

    @duration.inplace.expression
    @classmethod
    def _duration_sql(cls) -> ColumnElement[float]:
        return seconds_between(col(cls.started_at), col(cls.completed_at))

    def __repr__(self) -> str:
        status = getattr(self.status, "value", self.status)
        return f"Command(id={self.id!r}, name={self.name!r}, status={status!r})"


def _as_status(value: object) -> ExecutionStatus | None:
    # Table objects are not validated on construction, so status may still be a raw string.
    if isinstance(value, ExecutionStatus) or not isinstance(value, str):
        return value if isinstance(value, ExecutionStatus) else None
    try:
        return ExecutionStatus(value)
    except ValueError:
        return None


def _set_duration(mapper: Mapper[Any], connection: Connection, target: Command) -> None:
    """Set ``duration_ms`` when a terminal status has both timestamps (insert and update)."""
    started, completed = target.started_at, target.completed_at
    if _as_status(target.status) not in TERMINAL_STATUSES or completed is None:
        return
    if started.utcoffset() is None or completed.utcoffset() is None:
        # A naive value is refused by the column type with a clear message; do not mask it.
        return
    target.duration_ms = (completed - started).total_seconds() * 1000.0


event.listen(Command, "before_insert", _set_duration)
event.listen(Command, "before_update", _set_duration)


class CommandCreate(CommandBase, CreateModel):
    """Input to record a command run (usually started; possibly already finished)."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)

    @model_validator(mode="after")
    def _completed_after_started(self) -> Self:
        _check_completion_order(self.started_at, self.completed_at)
        return self


class CommandRead(CommandBase, ReadModel):
    """A command run as other services see it."""

    id: int
    public_id: uuid.UUID
    duration_ms: float | None = None


class CommandUpdate(UpdateModel):
    """PATCH a command (typically status, completion time, exit code and output)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"name", "status", "started_at", "environment", "meta"}
    )

    name: Name200 | None = None
    args: Text | None = None
    status: ExecutionStatus | None = None
    started_at: UTCDatetime | None = None
    completed_at: UTCDatetime | None = None
    exit_code: Int32 | None = None
    stdout: Text | None = None
    stderr: Text | None = None
    environment: JsonObject | None = None
    meta: JsonObject | None = None

    @model_validator(mode="after")
    def _completed_after_started(self) -> Self:
        _check_completion_order(self.started_at, self.completed_at)
        return self
