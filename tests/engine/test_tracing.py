"""OpenTelemetry spans with the stable db.* names, on every backend."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text

from specify_db import DatabaseManager
from specify_db.core import errors
from specify_db.engine.tracing import instrument_engine, query_summary


@pytest.fixture
async def traced(backend_url):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    db = DatabaseManager(backend_url, tracing=False)
    instrument_engine(db.engine, tracer_provider=provider)
    yield db, exporter
    await db.dispose()


async def test_each_statement_is_a_client_span_with_stable_attributes(traced, backend):
    db, exporter = traced
    async with db.session() as session:
        await session.exec(text("SELECT 1"))
    spans = [s for s in exporter.get_finished_spans() if s.name == "SELECT"]
    assert spans, [s.name for s in exporter.get_finished_spans()]
    span = spans[-1]
    assert span.kind is SpanKind.CLIENT
    system = {"sqlite": "sqlite", "postgres": "postgresql", "mysql": "mariadb"}[backend]
    assert span.attributes["db.system.name"] == system
    assert span.attributes["db.operation.name"] == "SELECT"
    assert span.attributes["db.query.text"] == "SELECT 1"
    assert "db.statement" not in span.attributes  # the old, unstable name
    if backend != "sqlite":
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["db.namespace"] == db.url.database


async def test_failed_statements_record_the_error_and_code(traced, backend):
    db, exporter = traced
    with pytest.raises(errors.DatabaseError):
        async with db.session() as session:
            await session.exec(text("SELECT * FROM no_such_table_here"))
    [span] = [
        s
        for s in exporter.get_finished_spans()
        if s.attributes.get("db.collection.name") == "no_such_table_here"
    ]
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"]
    expected = {"sqlite": "1", "postgres": "42P01", "mysql": "1146"}[backend]
    assert span.attributes["db.response.status_code"] == expected


async def test_bound_parameters_never_reach_the_span(traced):
    db, exporter = traced
    async with db.session() as session:
        await session.exec(text("SELECT :secret_value"), params={"secret_value": "hunter2"})
    assert all("hunter2" not in str(s.attributes) for s in exporter.get_finished_spans())


@pytest.mark.parametrize(
    ("statement", "summary"),
    [
        ("SELECT a FROM users WHERE x = 1", ("SELECT", "users")),
        ('INSERT INTO "commands" (a) VALUES ($1)', ("INSERT", "commands")),
        ("UPDATE `projects` SET a = %s", ("UPDATE", "projects")),
        ("  begin", ("BEGIN", None)),
    ],
)
def test_query_summary(statement, summary):
    assert query_summary(statement) == summary
