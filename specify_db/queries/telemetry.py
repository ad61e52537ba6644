"""``TelemetryEventQueries``: spans by trace and command."""

from __future__ import annotations

from typing import Any, ClassVar

from specify_db.models import TelemetryEvent, TelemetryEventRead
from specify_db.queries.base import BaseQueries

__all__ = ["TelemetryEventQueries"]


class TelemetryEventQueries(BaseQueries[TelemetryEvent, TelemetryEventRead]):
    """Read telemetry events (as :class:`TelemetryEventRead`), in start order."""

    model = TelemetryEvent
    read_model = TelemetryEventRead
    fields: ClassVar[dict[str, Any]] = {
        "trace_id": TelemetryEvent.trace_id,
        "span_id": TelemetryEvent.span_id,
        "parent_span_id": TelemetryEvent.parent_span_id,
        "command_id": TelemetryEvent.command_id,
        "name": TelemetryEvent.name,
        "kind": TelemetryEvent.kind,
        "status_code": TelemetryEvent.status_code,
        "start_time": TelemetryEvent.start_time,
        "end_time": TelemetryEvent.end_time,
        "duration_ns": TelemetryEvent.duration_ns,
        "attributes": TelemetryEvent.attributes,
    }
    sortable = ("name", "start_time")
    default_order = ("start_time",)
    measures = ("duration_ns",)
    time_field = "start_time"

    async def find_by_trace_id(self, trace_id: str) -> list[TelemetryEventRead]:
        """The spans of one trace, in start order."""
        return await self.find({"trace_id": trace_id})

    async def find_by_command(self, command_id: int) -> list[TelemetryEventRead]:
        """The spans recorded for one command run, in start order."""
        return await self.find({"command_id": command_id})
