"""``TelemetryEventRepository``: store OpenTelemetry spans, one or many per call.

Input may be an SDK span (``opentelemetry.sdk.trace.ReadableSpan``, as a ``SpanExporter``
receives it), an OTLP/JSON span dict (``traceId``, ``spanId``, ``startTimeUnixNano``, ...), or
a :class:`~specify_db.models.TelemetryEventCreate` / dict in this library's own field names.
``opentelemetry`` itself is not imported: spans are read by their attributes.

Example::

    telemetry = TelemetryEventRepository(db)
    await telemetry.record_span({
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
        "name": "specify init", "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000250000000",
        "attributes": [{"key": "cli.args", "value": {"stringValue": "--here"}}],
    })
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from specify_db.models import TelemetryEvent, TelemetryEventCreate, TelemetryEventUpdate
from specify_db.repositories.repository import Repository

__all__ = ["TelemetryEventRepository", "span_to_event"]

_OTLP_VALUE_KEYS = ("stringValue", "boolValue", "intValue", "doubleValue")


def _time(ns: int | str | None) -> datetime | None:
    if ns is None:
        return None
    seconds, rest = divmod(int(ns), 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1000)


def _json(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_json(v) for v in value]
    return str(value)


def _otlp_value(value: Mapping[str, Any]) -> Any:
    for key in _OTLP_VALUE_KEYS:
        if key in value:
            raw = value[key]
            return int(raw) if key == "intValue" else raw
    if "arrayValue" in value:
        return [_otlp_value(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return _otlp_attributes(value["kvlistValue"].get("values", []))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def _otlp_attributes(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {item["key"]: _otlp_value(item.get("value", {})) for item in items}


def _word(value: Any, prefix: str) -> str | None:
    """``SpanKind.SERVER`` / ``"SPAN_KIND_SERVER"`` / ``2`` -> ``"server"``-style text."""
    if value is None:
        return None
    name = getattr(value, "name", value)
    text = str(name).lower()
    return text.removeprefix(prefix) or None


def _from_sdk(span: Any) -> dict[str, Any]:
    context = span.context
    parent = getattr(span, "parent", None)
    start, end = span.start_time, span.end_time
    resource = getattr(span, "resource", None)
    status = getattr(span, "status", None)
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(parent.span_id, "016x") if parent is not None else None,
        "name": span.name,
        "kind": _word(getattr(span, "kind", None), "span_kind_"),
        "status_code": _word(getattr(status, "status_code", None), "status_code_"),
        "start_time": _time(start),
        "end_time": _time(end),
        "duration_ns": end - start if start is not None and end is not None else None,
        "attributes": _json(dict(span.attributes or {})),
        "resource_attributes": _json(dict(resource.attributes)) if resource is not None else {},
    }


def _from_otlp(span: Mapping[str, Any]) -> dict[str, Any]:
    start, end = span.get("startTimeUnixNano"), span.get("endTimeUnixNano")
    kind = span.get("kind")
    status = span.get("status") or {}
    code = status.get("code")
    return {
        "trace_id": str(span["traceId"]).lower(),
        "span_id": str(span["spanId"]).lower(),
        "parent_span_id": str(span["parentSpanId"]).lower() if span.get("parentSpanId") else None,
        "name": span["name"],
        "kind": _word(kind, "span_kind_") if not isinstance(kind, int) else _KINDS.get(kind),
        "status_code": _word(code, "status_code_")
        if not isinstance(code, int)
        else _CODES.get(code),
        "start_time": _time(start),
        "end_time": _time(end),
        "duration_ns": int(end) - int(start) if start is not None and end is not None else None,
        "attributes": _otlp_attributes(span.get("attributes", [])),
        "resource_attributes": _otlp_attributes(span.get("resourceAttributes", [])),
    }


_KINDS = {0: None, 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_CODES = {0: "unset", 1: "ok", 2: "error"}


def span_to_event(span: Any, **extra: Any) -> TelemetryEventCreate:
    """Validate one span (SDK span, OTLP/JSON dict or own-shaped dict/DTO) as a Create DTO.

    ``extra`` adds fields such as ``command_id``.
    """
    if isinstance(span, TelemetryEventCreate) and not extra:
        return span
    if isinstance(span, BaseModel):
        fields = span.model_dump(exclude_unset=True)
    elif isinstance(span, Mapping):
        fields = _from_otlp(span) if "traceId" in span else dict(span)
    elif hasattr(span, "context") and hasattr(span, "start_time"):
        fields = _from_sdk(span)
    else:
        raise TypeError(f"not a span: {type(span).__name__}")
    return TelemetryEventCreate.model_validate({**fields, **extra})


class TelemetryEventRepository(
    Repository[TelemetryEvent, TelemetryEventCreate, TelemetryEventUpdate]
):
    """OpenTelemetry spans, optionally tied to a command run."""

    model = TelemetryEvent
    create_schema = TelemetryEventCreate
    update_schema = TelemetryEventUpdate

    async def record_span(self, span: Any, *, command_id: int | None = None) -> TelemetryEvent:
        """Store one span; returns the stored event."""
        extra = {"command_id": command_id} if command_id is not None else {}
        return await self.create(span_to_event(span, **extra))

    async def record_spans(self, spans: Iterable[Any], *, command_id: int | None = None) -> int:
        """Store many spans in a few statements (COPY on PostgreSQL for large batches)."""
        extra = {"command_id": command_id} if command_id is not None else {}
        count = await self.create_many(
            [span_to_event(span, **extra) for span in spans], returning=False
        )
        assert isinstance(count, int)  # noqa: S101 - returning=False always counts
        return count

    async def get_trace(self, trace_id: str) -> list[TelemetryEvent]:
        """Every stored span of one trace, by start time."""
        return await self.list({"trace_id": trace_id.lower()}, order_by=["start_time", "id"])
