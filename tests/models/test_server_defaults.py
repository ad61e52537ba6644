"""A row inserted with raw SQL gets every default the ORM would give it (except the UUID)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import TABLES, metadata
from tests.models.factories import make_project, make_user, password_hash, sha, unique

# NOT NULL columns without a server default: what a raw INSERT must supply. public_id is a
# client-generated UUID by design; the rest are real inputs.
REQUIRED: dict[str, set[str]] = {
    "users": {"public_id", "username", "email", "password_hash"},
    "projects": {"public_id", "name", "slug", "owner_id"},
    "commands": {"public_id", "name"},
    "performance_metrics": {"public_id", "name", "value"},
    "audit_logs": {"public_id", "action", "resource_type"},
    "rdf_specifications": {"public_id", "project_id", "file_path", "content_hash"},
    "telemetry_events": {"public_id", "trace_id", "span_id", "name", "start_time"},
    "cache_entries": {"public_id", "key", "value", "value_hash", "size_bytes"},
    "configurations": {"public_id", "project_id", "key", "value"},
    "session_tokens": {"public_id", "token_hash", "user_id", "expires_at"},
}


def required_columns(table: Table) -> set[str]:
    return {
        c.name
        for c in table.columns
        if not c.nullable and c.server_default is None and not c.primary_key
    }


def test_only_true_inputs_lack_a_server_default() -> None:
    assert {name: required_columns(metadata.tables[name]) for name in REQUIRED} == REQUIRED


async def test_raw_inserts_get_every_server_default(session: AsyncSession) -> None:
    user = await make_user(session)
    project = await make_project(session, user)
    now = datetime.now(UTC)
    values: dict[str, dict[str, Any]] = {
        "users": {
            "username": unique("raw"),
            "email": f"{unique('raw')}@example.com",
            "password_hash": password_hash(),
        },
        "projects": {"name": "raw", "slug": unique("raw"), "owner_id": user.id},
        "commands": {"name": "raw"},
        "performance_metrics": {"name": "raw", "value": 1.5},
        "audit_logs": {"action": "login", "resource_type": "user"},
        "rdf_specifications": {
            "project_id": project.id,
            "file_path": unique("raw"),
            "content_hash": sha("raw"),
        },
        "telemetry_events": {
            "trace_id": uuid.uuid4().hex,
            "span_id": uuid.uuid4().hex[:16],
            "name": "raw",
            "start_time": now,
        },
        "cache_entries": {
            "key": unique("raw"),
            "value": "v",
            "value_hash": sha("v"),
            "size_bytes": 1,
        },
        "configurations": {"project_id": project.id, "key": unique("raw"), "value": "v"},
        "session_tokens": {
            "token_hash": sha(unique("t")),
            "user_id": user.id,
            "expires_at": now + timedelta(hours=1),
        },
    }
    conn = await session.connection()
    for model in TABLES:
        table: Table = model.__table__
        row_values = {"public_id": uuid.uuid4(), **values[table.name]}
        result = await conn.execute(insert(table).values(**row_values))
        assert result.inserted_primary_key is not None
        row_id = result.inserted_primary_key[0]
        stored = (await conn.execute(select(table).where(table.c.id == row_id))).mappings().one()
        for column in table.columns:
            if column.server_default is not None:
                assert stored[column.name] is not None, (table.name, column.name)
                if column.name in (
                    "meta",
                    "settings",
                    "environment",
                    "labels",
                    "details",
                    "attributes",
                    "resource_attributes",
                ):
                    assert stored[column.name] == {}, (table.name, column.name)
                if column.name in ("created_at", "updated_at", "started_at", "timestamp"):
                    value = stored[column.name]
                    assert value.utcoffset() == timedelta(0), (table.name, column.name)
                    assert abs(value - now) < timedelta(minutes=5), (table.name, column.name)
