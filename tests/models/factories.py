"""Valid DTO payloads and rows for every table, built the way a repository builds them.

Rows go through the Create DTO first (validation), then ``Table.model_validate`` with the
server-side parts (hashes) added, exactly as the issue asks of callers.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import (
    AuditLog,
    AuditLogCreate,
    CacheEntry,
    CacheEntryCreate,
    Command,
    CommandCreate,
    Configuration,
    ConfigurationCreate,
    PerformanceMetric,
    PerformanceMetricCreate,
    Project,
    ProjectCreate,
    RDFSpecification,
    RDFSpecificationCreate,
    SessionToken,
    SessionTokenCreate,
    TelemetryEvent,
    TelemetryEventCreate,
    User,
    UserCreate,
)
from specify_db.models.crypto import hash_password, issue_secret

RowT = TypeVar("RowT", bound=SQLModel)

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


@lru_cache(maxsize=1)
def password_hash() -> str:
    # argon2 is slow by design: hash once per test run.
    return hash_password("correct horse battery staple")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def sha(text_value: str) -> str:
    return hashlib.sha256(text_value.encode()).hexdigest()


def user_payload(**overrides: Any) -> dict[str, Any]:
    name = unique("user")
    return {
        "username": name,
        "email": f"{name}@example.com",
        "full_name": "Ada Lovelace",
        "password": "correct horse battery staple",
        "meta": {"team": "core", "level": 3},
    } | overrides


def project_payload(owner_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Specify",
        "slug": unique("proj"),
        "owner_id": owner_id,
        "settings": {"lint": True},
    } | overrides


def command_payload(**overrides: Any) -> dict[str, Any]:
    return {"name": "specify init", "args": "--here", "started_at": T0} | overrides


def metric_payload(**overrides: Any) -> dict[str, Any]:
    return {"name": "execution_time", "value": 150.5, "unit": "ms", "timestamp": T0} | overrides


def audit_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "action": "execute",
        "resource_type": "command",
        "resource_id": "42",
        "ip_address": "2001:db8::1",
        "details": {"ok": True},
    } | overrides


def spec_payload(project_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "file_path": unique("specs/feature") + ".ttl",
        "content_hash": sha("content"),
        "triple_count": 12,
    } | overrides


def telemetry_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "trace_id": uuid.uuid4().hex,
        "span_id": uuid.uuid4().hex[:16],
        "name": "specify.init",
        "start_time": T0,
        "end_time": T0 + timedelta(seconds=10),
        "duration_ns": 10_000_000_000,
        "attributes": {"http.status_code": 200},
    } | overrides


def cache_payload(**overrides: Any) -> dict[str, Any]:
    value = "cached value"
    return {
        "key": unique("cache"),
        "value": value,
        "value_hash": sha(value),
        "size_bytes": len(value),
    } | overrides


def configuration_payload(project_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "key": unique("setting"),
        "value": "42",
        "type": "integer",
    } | overrides


def session_token_payload(user_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "expires_at": datetime.now(UTC) + timedelta(hours=1),
        "ip_address": "192.0.2.10",
        "user_agent": "pytest",
    } | overrides


async def add(session: AsyncSession, row: RowT) -> RowT:
    session.add(row)
    await session.flush()
    return row


async def make_user(session: AsyncSession, **overrides: Any) -> User:
    create = UserCreate.model_validate(user_payload(**overrides))
    key = issue_secret()
    row = User.model_validate(
        create.model_dump(exclude={"password"}),
        update={
            "password_hash": password_hash(),
            "api_key_hash": key.digest,
            "api_key_prefix": key.prefix,
        },
    )
    return await add(session, row)


async def make_project(session: AsyncSession, owner: User, **overrides: Any) -> Project:
    assert owner.id is not None
    create = ProjectCreate.model_validate(project_payload(owner.id, **overrides))
    return await add(session, Project.model_validate(create))


async def make_command(session: AsyncSession, **overrides: Any) -> Command:
    create = CommandCreate.model_validate(command_payload(**overrides))
    return await add(session, Command.model_validate(create))


async def make_metric(session: AsyncSession, **overrides: Any) -> PerformanceMetric:
    create = PerformanceMetricCreate.model_validate(metric_payload(**overrides))
    return await add(session, PerformanceMetric.model_validate(create))


async def make_audit(session: AsyncSession, **overrides: Any) -> AuditLog:
    create = AuditLogCreate.model_validate(audit_payload(**overrides))
    return await add(session, AuditLog.model_validate(create))


async def make_spec(session: AsyncSession, project: Project, **overrides: Any) -> RDFSpecification:
    assert project.id is not None
    create = RDFSpecificationCreate.model_validate(spec_payload(project.id, **overrides))
    return await add(session, RDFSpecification.model_validate(create))


async def make_telemetry(session: AsyncSession, **overrides: Any) -> TelemetryEvent:
    create = TelemetryEventCreate.model_validate(telemetry_payload(**overrides))
    return await add(session, TelemetryEvent.model_validate(create))


async def make_cache(session: AsyncSession, **overrides: Any) -> CacheEntry:
    create = CacheEntryCreate.model_validate(cache_payload(**overrides))
    return await add(session, CacheEntry.model_validate(create))


async def make_configuration(
    session: AsyncSession, project: Project, **overrides: Any
) -> Configuration:
    assert project.id is not None
    create = ConfigurationCreate.model_validate(configuration_payload(project.id, **overrides))
    return await add(session, Configuration.from_create(create))


async def make_session_token(session: AsyncSession, user: User, **overrides: Any) -> SessionToken:
    assert user.id is not None
    create = SessionTokenCreate.model_validate(session_token_payload(user.id, **overrides))
    token = issue_secret()
    return await add(
        session, SessionToken.model_validate(create, update={"token_hash": token.digest})
    )


async def raw(session: AsyncSession, sql: str, **params: Any) -> list[Any]:
    """Run raw SQL on the session's connection (no ORM, no column types) and return the rows."""
    conn = await session.connection()
    result = await conn.execute(text(sql), params)
    return list(result.all()) if result.returns_rows else []


async def count(session: AsyncSession, table: str, where: str = "1=1", **params: Any) -> int:
    rows = await raw(session, f"SELECT COUNT(*) FROM {table} WHERE {where}", **params)
    return int(rows[0][0])
