"""Metrics, audit log (append-only), RDF specifications and telemetry spans."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import text

from specify_db import DatabaseManager
from specify_db.errors import AlreadyExists, DatabaseError, NotFound
from specify_db.models import AuditAction, MetricType
from specify_db.repositories import (
    AuditLogRepository,
    CommandRepository,
    PerformanceMetricRepository,
    RDFSpecificationRepository,
    TelemetryEventRepository,
    UserRepository,
)
from specify_db.repositories.repository import Repository
from tests.repositories.helpers import make_project, make_user


async def test_record_metric_and_record_many(clean_db: DatabaseManager) -> None:
    metrics = PerformanceMetricRepository(clean_db)
    cmd = await CommandRepository(clean_db).start_command("x")
    one = await metrics.record_metric("execution_time", 150.5, unit="ms", command_id=cmd.id)
    assert (one.type, one.value, one.unit) == (MetricType.GAUGE, 150.5, "ms")
    assert one.timestamp.tzinfo is not None
    counter = await metrics.record_metric("rows", 3, type="COUNTER", labels={"table": "t"})
    assert counter.type is MetricType.COUNTER
    assert counter.labels == {"table": "t"}
    written = await metrics.record_many(
        [{"name": "m", "value": float(i), "type": "histogram"} for i in range(50)]
    )
    assert written == 50
    assert await metrics.count({"name": "m"}) == 50


async def test_audit_log_is_append_only(clean_db: DatabaseManager) -> None:
    audit = AuditLogRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    entry = await audit.log_action(
        "LOGIN",
        "user",
        resource_id=str(alice.id),
        user_id=alice.id,
        ip_address="192.0.2.7",
        details={"method": "password"},
    )
    assert entry.action is AuditAction.LOGIN
    assert entry.success
    assert (await audit.list({"user_id": alice.id}))[0].details == {"method": "password"}
    for name in ("update", "update_many", "upsert", "upsert_many", "delete", "delete_many"):
        assert not hasattr(audit, name)
    assert not isinstance(audit, Repository)
    # Deleting the user keeps the audit trail (user_id becomes NULL, even with the guard).
    await UserRepository(clean_db).delete(alice.id)
    kept = await audit.get(entry.id)
    assert kept.user_id is None
    if clean_db.dialect_name == "postgresql":
        for statement in (
            "UPDATE audit_logs SET success = false",
            "DELETE FROM audit_logs",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                async with clean_db.session() as session:
                    await session.exec(text(statement))  # type: ignore[call-overload]
    assert await audit.count() == 1


async def test_rdf_specifications(clean_db: DatabaseManager) -> None:
    specs = RDFSpecificationRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    project = await make_project(clean_db, alice)
    content = "@prefix ex: <urn:ex#> .\nex:a ex:b ex:c ."
    spec = await specs.create_specification(project.id, "spec/a.ttl", content, triple_count=1)
    assert spec.content_hash == hashlib.sha256(content.encode()).hexdigest()
    assert await specs.verify_content(spec.id, content)
    assert not await specs.verify_content(spec.id, content + " ")
    changed = await specs.update_specification(spec.id, "ex:x ex:y ex:z .", valid=False)
    assert changed.content_hash == hashlib.sha256(b"ex:x ex:y ex:z .").hexdigest()
    assert not changed.valid
    assert changed.updated_at >= spec.updated_at
    assert (await specs.get_by_path(project.id, "spec/a.ttl")).id == spec.id  # type: ignore[union-attr]
    with pytest.raises(AlreadyExists):
        await specs.create_specification(project.id, "spec/a.ttl", "x")
    with pytest.raises(NotFound):
        await specs.verify_content(10**9, content)


def _sdk_spans() -> list[object]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "specify"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")
    with tracer.start_as_current_span("parent", kind=SpanKind.SERVER) as parent:
        parent.set_attribute("cli.args", ["--here", "--force"])
        with tracer.start_as_current_span("child") as child:
            child.set_status(Status(StatusCode.ERROR))
    provider.shutdown()
    return list(exporter.get_finished_spans())


async def test_record_spans_from_the_sdk(clean_db: DatabaseManager) -> None:
    telemetry = TelemetryEventRepository(clean_db)
    cmd = await CommandRepository(clean_db).start_command("traced")
    spans = _sdk_spans()
    assert await telemetry.record_spans(spans, command_id=cmd.id) == 2
    stored = {e.name: e for e in await telemetry.list()}
    child, parent = stored["child"], stored["parent"]
    assert child.parent_span_id == parent.span_id
    assert child.trace_id == parent.trace_id
    assert (parent.kind, child.status_code) == ("server", "error")
    assert parent.attributes == {"cli.args": ["--here", "--force"]}
    assert parent.resource_attributes["service.name"] == "specify"
    assert parent.command_id == cmd.id
    assert parent.duration_ns is not None
    assert [e.name for e in await telemetry.get_trace(parent.trace_id.upper())] == [
        "parent",
        "child",
    ]


async def test_record_span_from_otlp_json_with_a_long_duration(clean_db: DatabaseManager) -> None:
    telemetry = TelemetryEventRepository(clean_db)
    start = 1_700_000_000_000_000_000
    event = await telemetry.record_span(
        {
            "traceId": "5B8EFFF798038103D269B633813FC60C",
            "spanId": "eee19b7ec3c1b174",
            "name": "long build",
            "kind": 3,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + 3_600 * 10**9),
            "attributes": [
                {"key": "n", "value": {"intValue": "7"}},
                {"key": "ok", "value": {"boolValue": True}},
            ],
            "status": {"code": "STATUS_CODE_OK"},
        }
    )
    # Regression (inventory bug 9): a 32-bit duration overflowed after about 2.1 s.
    assert event.duration_ns == 3_600 * 10**9
    assert event.trace_id == "5b8efff798038103d269b633813fc60c"
    assert (event.kind, event.status_code) == ("client", "ok")
    assert event.attributes == {"n": 7, "ok": True}
    assert event.start_time == datetime.fromtimestamp(start // 10**9, UTC)
    own = await telemetry.record_span(
        {"trace_id": "0" * 32, "span_id": "1" * 16, "name": "own", "start_time": event.start_time}
    )
    assert own.name == "own"
    with pytest.raises(TypeError):
        await telemetry.record_span(42)
