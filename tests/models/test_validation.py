"""Bad input is a pydantic ValidationError before any row object exists, on every backend.

Each class of input that one backend would refuse and another would silently store (or mangle)
is refused by the DTO, so nothing reaches the database.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import (
    AuditLog,
    AuditLogCreate,
    AuditLogUpdate,
    CacheEntry,
    CacheEntryCreate,
    CacheEntryUpdate,
    Command,
    CommandCreate,
    CommandUpdate,
    Configuration,
    ConfigurationCreate,
    ConfigurationUpdate,
    PerformanceMetric,
    PerformanceMetricCreate,
    Project,
    ProjectCreate,
    ProjectUpdate,
    RDFSpecification,
    RDFSpecificationCreate,
    SessionToken,
    SessionTokenCreate,
    TelemetryEvent,
    TelemetryEventCreate,
    User,
    UserCreate,
    UserUpdate,
)
from tests.models.factories import (
    audit_payload,
    cache_payload,
    command_payload,
    configuration_payload,
    count,
    make_user,
    metric_payload,
    project_payload,
    session_token_payload,
    spec_payload,
    telemetry_payload,
    user_payload,
)

NAIVE = datetime(2026, 1, 1, 12, 0)

# (case id, table, Create DTO, payload)
Case = tuple[str, type[SQLModel], type[BaseModel], dict[str, Any]]


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(
        case_id: str, table: type[SQLModel], dto: type[BaseModel], payload: dict[str, Any]
    ) -> None:
        cases.append((case_id, table, dto, payload))

    # over-long strings (SQLite would store them whole, MariaDB non-strict would truncate)
    add("username-too-long", User, UserCreate, user_payload(username="u" * 101))
    add("email-too-long", User, UserCreate, user_payload(email="a" * 250 + "@example.com"))
    add("project-name-too-long", Project, ProjectCreate, project_payload(1, name="n" * 201))
    add(
        "metric-unit-too-long",
        PerformanceMetric,
        PerformanceMetricCreate,
        metric_payload(unit="u" * 51),
    )
    add("audit-user-agent-too-long", AuditLog, AuditLogCreate, audit_payload(user_agent="a" * 501))
    add("cache-key-too-long", CacheEntry, CacheEntryCreate, cache_payload(key="k" * 201))
    # NUL bytes (PostgreSQL refuses them; the others store them)
    add("nul-in-name", Command, CommandCreate, command_payload(name="specify\x00init"))
    add("nul-in-text", Command, CommandCreate, command_payload(stdout="out\x00put"))
    add("nul-in-json-string", Command, CommandCreate, command_payload(meta={"k": "v\x00"}))
    add("nul-in-json-key", Command, CommandCreate, command_payload(meta={"k\x00": 1}))
    add("nul-in-password", User, UserCreate, user_payload(password="password\x00123"))
    # non-finite floats (SQLite stores NaN as NULL, MariaDB refuses)
    for value in (math.nan, math.inf, -math.inf):
        add(
            f"metric-value-{value}",
            PerformanceMetric,
            PerformanceMetricCreate,
            metric_payload(value=value),
        )
    # naive datetimes (stored as wall clock on SQLite and MariaDB)
    add("naive-started-at", Command, CommandCreate, command_payload(started_at=NAIVE))
    add(
        "naive-expires-at",
        SessionToken,
        SessionTokenCreate,
        session_token_payload(1, expires_at=NAIVE),
    )
    add(
        "naive-start-time",
        TelemetryEvent,
        TelemetryEventCreate,
        telemetry_payload(start_time=NAIVE),
    )
    # JSON that is not JSON
    add("json-set", Command, CommandCreate, command_payload(meta={"s": {1, 2}}))
    add("json-datetime", Command, CommandCreate, command_payload(meta={"d": datetime.now(UTC)}))
    add("json-decimal", Command, CommandCreate, command_payload(meta={"d": Decimal("1.5")}))
    add("json-nan", Command, CommandCreate, command_payload(meta={"x": math.nan}))
    add(
        "json-nested-inf", Project, ProjectCreate, project_payload(1, settings={"a": [1, math.inf]})
    )
    add("json-huge-int", Command, CommandCreate, command_payload(environment={"n": 2**64}))
    add("json-not-an-object", Command, CommandCreate, command_payload(meta=[1, 2]))
    # integers out of the column's range, negative counts and sizes
    add("exit-code-over-int32", Command, CommandCreate, command_payload(exit_code=2**31))
    add(
        "duration-ns-over-int64",
        TelemetryEvent,
        TelemetryEventCreate,
        telemetry_payload(duration_ns=2**63),
    )
    add(
        "duration-ns-negative",
        TelemetryEvent,
        TelemetryEventCreate,
        telemetry_payload(duration_ns=-1),
    )
    add("size-negative", CacheEntry, CacheEntryCreate, cache_payload(size_bytes=-1))
    add(
        "triple-count-negative",
        RDFSpecification,
        RDFSpecificationCreate,
        spec_payload(1, triple_count=-5),
    )
    add("fk-zero", Project, ProjectCreate, project_payload(0))
    add("fk-over-int64", Command, CommandCreate, command_payload(user_id=2**63))
    # formats
    add("bad-email", User, UserCreate, user_payload(email="not-an-email"))
    add("bad-username", User, UserCreate, user_payload(username="has space"))
    add("short-password", User, UserCreate, user_payload(password="short"))
    add("bad-slug", Project, ProjectCreate, project_payload(1, slug="Not A Slug"))
    add(
        "bad-content-hash",
        RDFSpecification,
        RDFSpecificationCreate,
        spec_payload(1, content_hash="XYZ"),
    )
    add("bad-trace-id", TelemetryEvent, TelemetryEventCreate, telemetry_payload(trace_id="abc"))
    add("bad-ip", AuditLog, AuditLogCreate, audit_payload(ip_address="999.1.1.1"))
    add("empty-name", Command, CommandCreate, command_payload(name=""))
    # unknown fields, including the earlier version's silently dropped metadata=
    add("unknown-field", Command, CommandCreate, command_payload(colour="red"))
    add("metadata-instead-of-meta", Project, ProjectCreate, project_payload(1, metadata={"a": 1}))
    add("server-side-field", User, UserCreate, user_payload(password_hash="$argon2id$x"))
    add("computed-field", Command, CommandCreate, command_payload(duration_ms=5.0))
    # unknown enum values and wrong types
    add("unknown-status", Command, CommandCreate, command_payload(status="exploded"))
    add("unknown-action", AuditLog, AuditLogCreate, audit_payload(action="smash"))
    add("string-for-int", Command, CommandCreate, command_payload(exit_code="zero"))
    # cross-field rules
    add(
        "completed-before-started",
        Command,
        CommandCreate,
        command_payload(completed_at=datetime(2020, 1, 1, tzinfo=UTC)),
    )
    add(
        "span-ends-before-start",
        TelemetryEvent,
        TelemetryEventCreate,
        telemetry_payload(end_time=datetime(2020, 1, 1, tzinfo=UTC)),
    )
    add(
        "config-value-not-integer",
        Configuration,
        ConfigurationCreate,
        configuration_payload(1, value="forty-two"),
    )
    add(
        "config-unknown-type",
        Configuration,
        ConfigurationCreate,
        configuration_payload(1, type="yaml"),
    )
    return cases


CASES = _cases()


@pytest.mark.parametrize(("case_id", "table", "dto", "payload"), CASES, ids=[c[0] for c in CASES])
def test_create_dto_refuses(
    case_id: str, table: type[SQLModel], dto: type[BaseModel], payload: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        dto.model_validate(payload)


@pytest.mark.parametrize(("case_id", "table", "dto", "payload"), CASES, ids=[c[0] for c in CASES])
async def test_nothing_is_written(
    session: AsyncSession,
    case_id: str,
    table: type[SQLModel],
    dto: type[BaseModel],
    payload: dict[str, Any],
) -> None:
    name = str(table.__tablename__)
    before = await count(session, name)
    with pytest.raises(ValidationError):
        # The way callers create rows: validate first, build the row from the DTO.
        session.add(table.model_validate(dto.model_validate(payload)))
    await session.flush()
    assert await count(session, name) == before


UPDATE_CASES: list[tuple[str, type[BaseModel], dict[str, Any]]] = [
    ("null-for-not-null", CommandUpdate, {"status": None}),
    ("null-meta", ProjectUpdate, {"meta": None}),
    ("null-email", UserUpdate, {"email": None}),
    ("unknown-field", UserUpdate, {"nickname": "x"}),
    ("metadata-instead-of-meta", CommandUpdate, {"metadata": {"a": 1}}),
    ("password-is-not-patchable", UserUpdate, {"password": "new password 123"}),
    ("over-long", ProjectUpdate, {"name": "n" * 201}),
    ("naive", CacheEntryUpdate, {"expires_at": NAIVE}),
    ("negative-count", CacheEntryUpdate, {"access_count": -1}),
    ("nan-json", ConfigurationUpdate, {"meta": {"x": math.nan}}),
    ("value-does-not-parse", ConfigurationUpdate, {"value": "abc", "type": "float"}),
    (
        "completed-before-started",
        CommandUpdate,
        {
            "started_at": datetime(2026, 1, 2, tzinfo=UTC),
            "completed_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    ),
    ("audit-is-append-only", AuditLogUpdate, {"success": False}),
]


@pytest.mark.parametrize(
    ("case_id", "dto", "payload"), UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES]
)
def test_update_dto_refuses(case_id: str, dto: type[BaseModel], payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        dto.model_validate(payload)


def test_update_allows_null_for_nullable_columns() -> None:
    patch = CommandUpdate(completed_at=None, exit_code=None)
    assert patch.model_dump(exclude_unset=True) == {"completed_at": None, "exit_code": None}


def test_offsets_are_converted_not_refused() -> None:
    ist = datetime(2026, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    dto = CommandCreate(name="x", started_at=ist)
    assert dto.started_at.utcoffset() == timedelta(0)
    assert dto.started_at == ist
    assert dto.started_at.hour == 17


async def test_table_model_validate_refuses_too(session: AsyncSession) -> None:
    # Table.model_validate validates with the same field types (only the plain constructor
    # skips validation).
    user = await make_user(session)
    with pytest.raises(ValidationError):
        Project.model_validate(project_payload(user.id or 0, name="n" * 201))


def test_boundary_values_are_accepted() -> None:
    CommandCreate.model_validate(command_payload(exit_code=2**31 - 1, name="n" * 200))
    TelemetryEventCreate.model_validate(telemetry_payload(duration_ns=2**63 - 1))
    UserCreate.model_validate(user_payload(username="u" * 100))
    CacheEntryCreate.model_validate(cache_payload(size_bytes=0))
