"""OpenTelemetry client spans for every statement, with the stable ``db.*`` attribute names.

Only ``opentelemetry-api`` is needed (``pip install "specify-db[otel]"``); without an SDK the
API is a no-op. The listeners are our own, on ``engine.sync_engine``: the official
SQLAlchemy instrumentation refuses SQLAlchemy 2.1 and emits the old attribute names.

Example::

    from opentelemetry.sdk.trace import TracerProvider
    db = DatabaseManager(url, tracing=False)
    instrument_engine(db.engine, tracer_provider=TracerProvider())
"""

from __future__ import annotations

import importlib.util
import re
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from specify_db.core.classify import classify
from specify_db.core.errors import MissingDependency

_SPANS_KEY = "specify_db_spans"
_TARGET = re.compile(
    r"\b(?:FROM|INTO|UPDATE|TABLE|JOIN)\s+[`\"\[]?([A-Za-z_][\w$]*)", re.IGNORECASE
)


def tracing_available() -> bool:
    """True when ``opentelemetry-api`` can be imported."""
    return importlib.util.find_spec("opentelemetry") is not None


def _system_name(dialect: Any) -> str:
    # MariaDB is told apart from MySQL only once a connection has seen the server version.
    if dialect.name in ("mysql", "mariadb"):
        return "mariadb" if getattr(dialect, "is_mariadb", False) else "mysql"
    return str(dialect.name)


def query_summary(statement: str) -> tuple[str, str | None]:
    """The operation (``SELECT``) and first target table of ``statement``, if any."""
    words = statement.lstrip().split(None, 1)
    operation = words[0].upper() if words else "?"
    match = _TARGET.search(statement)
    return operation, match.group(1) if match else None


def instrument_engine(engine: AsyncEngine, *, tracer_provider: Any = None) -> None:
    """Emit one CLIENT span and one duration measurement per statement run on ``engine``.

    Span name ``"{operation} {table}"``; attributes ``db.system.name``, ``db.namespace``,
    ``db.operation.name``, ``db.collection.name``, ``db.query.text`` (the statement with
    placeholders, never parameter values), ``server.address``, ``server.port``; on failure
    ``error.type`` and ``db.response.status_code``. Metric: ``db.client.operation.duration``
    (seconds).

    Raises:
        MissingDependency: ``opentelemetry-api`` is not installed.
    """
    if not tracing_available():
        raise MissingDependency('tracing needs OpenTelemetry: pip install "specify-db[otel]"')
    from opentelemetry import metrics, trace

    tracer = trace.get_tracer("specify_db", tracer_provider=tracer_provider)
    duration = metrics.get_meter("specify_db").create_histogram(
        "db.client.operation.duration", unit="s", description="Duration of database operations"
    )
    url = engine.url
    base: dict[str, str | int] = {"db.namespace": url.database or ""}
    if url.host:
        base["server.address"] = url.host
    if url.port:
        base["server.port"] = url.port

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        operation, table = query_summary(statement)
        attributes: dict[str, Any] = {
            **base,
            "db.system.name": _system_name(conn.dialect),
            "db.operation.name": operation,
            "db.query.text": statement,
        }
        if table:
            attributes["db.collection.name"] = table
        name = f"{operation} {table}" if table else operation
        span = tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)
        conn.info.setdefault(_SPANS_KEY, []).append((span, time.perf_counter(), operation))

    def finish(conn: Any, error: BaseException | None) -> None:
        stack = conn.info.get(_SPANS_KEY) if conn is not None else None
        if not stack:
            return
        span, started, operation = stack.pop()
        measurement = {**base, "db.operation.name": operation}
        measurement["db.system.name"] = _system_name(conn.dialect)
        if error is not None:
            found = classify(error)
            kind = type(getattr(error, "orig", None) or error).__name__
            span.set_attribute("error.type", kind)
            measurement["error.type"] = kind
            if found.code is not None:
                span.set_attribute("db.response.status_code", str(found.code))
            span.set_status(trace.Status(trace.StatusCode.ERROR, kind))
        duration.record(time.perf_counter() - started, measurement)
        span.end()

    def after(conn: Any, *_: Any) -> None:
        finish(conn, None)

    def on_error(context: Any) -> None:
        finish(context.connection, context.original_exception)

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    event.listen(sync_engine, "handle_error", on_error)
