"""Regression tests for the bugs of the earlier version (SEED-INVENTORY section 9) in models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy.dialects import postgresql
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import (
    CacheEntry,
    CacheEntryUpdate,
    Command,
    CommandCreate,
    ExecutionStatus,
    ProjectUpdate,
    SessionToken,
    TelemetryEvent,
    User,
)
from tests.models.factories import (
    T0,
    count,
    make_audit,
    make_cache,
    make_command,
    make_telemetry,
    make_user,
    raw,
)


async def reload(session: AsyncSession, model: type[SQLModel], row_id: int | None) -> SQLModel:
    table_id: Any = model.id  # type: ignore[attr-defined]
    statement = select(model).where(table_id == row_id).execution_options(populate_existing=True)
    return (await session.exec(statement)).one()


async def test_cache_updates_do_not_count_as_accesses(session: AsyncSession) -> None:
    """9.3: a before_update listener bumped access_count on every save, for any reason."""
    entry = await make_cache(session)
    entry.sqlmodel_update(
        CacheEntryUpdate(value="new", size_bytes=3).model_dump(exclude_unset=True)
    )
    await session.flush()
    entry.meta = {"touched": True}
    await session.flush()
    loaded = await reload(session, CacheEntry, entry.id)
    assert isinstance(loaded, CacheEntry)
    assert loaded.access_count == 0
    assert loaded.last_accessed_at is None
    assert loaded.value == "new"


def test_class_level_hybrids_compile() -> None:
    """9.4: class-level access raised (three of them) or silently dropped the exit code."""
    dialect = postgresql.dialect()
    is_success = str(Command.is_success.compile(dialect=dialect))
    assert "exit_code" in is_success
    assert "status" in is_success
    for expression in (
        CacheEntry.is_expired,
        SessionToken.is_expired,
        User.active_projects_count,
        Command.duration,
    ):
        assert str(expression.compile(dialect=dialect))


async def test_long_spans_do_not_overflow(session: AsyncSession) -> None:
    """9.9: duration_ns was a 32-bit Integer and overflowed above about 2.1 s."""
    ten_minutes_ns = 10 * 60 * 10**9
    event = await make_telemetry(
        session,
        start_time=T0,
        end_time=T0 + timedelta(minutes=10),
        duration_ns=ten_minutes_ns,
    )
    loaded = await reload(session, TelemetryEvent, event.id)
    assert isinstance(loaded, TelemetryEvent)
    assert loaded.duration_ns == ten_minutes_ns
    rows = await raw(
        session, "SELECT duration_ns FROM telemetry_events WHERE id = :id", id=event.id
    )
    assert rows[0][0] == ten_minutes_ns


async def test_defaults_exist_before_and_after_flush(session: AsyncSession) -> None:
    """9.10: objects lacked their Python-side defaults (api_key read None)."""
    cmd = Command(name="defaults")
    assert cmd.public_id is not None
    assert cmd.status is ExecutionStatus.PENDING
    assert cmd.meta == {}
    assert cmd.started_at.tzinfo is not None
    session.add(cmd)
    await session.flush()
    assert cmd.id is not None
    rows = await raw(session, "SELECT public_id, status FROM commands WHERE id = :id", id=cmd.id)
    assert rows[0][1] == "pending"
    assert str(rows[0][0]).replace("-", "") == cmd.public_id.hex


@pytest.mark.parametrize("dto", [CommandCreate, ProjectUpdate, CacheEntryUpdate])
def test_metadata_is_not_silently_dropped(dto: type[BaseModel]) -> None:
    """9.11: metadata= was accepted and never persisted (the attribute is meta)."""
    with pytest.raises(ValidationError, match="metadata"):
        dto.model_validate({"name": "x", "metadata": {"a": 1}})


def test_repr_of_a_command_without_status() -> None:
    """9.14: Command.__repr__ raised AttributeError while status was None."""
    cmd = Command.model_construct(name="x", status=None)  # type: ignore[arg-type]
    assert "status=None" in repr(cmd)


async def test_duration_ms_is_set_on_insert(session: AsyncSession) -> None:
    """1.3: the duration listener fired only on UPDATE; a command inserted finished got none."""
    cmd = await make_command(
        session,
        status="success",
        exit_code=0,
        started_at=T0,
        completed_at=T0 + timedelta(seconds=1, milliseconds=500),
    )
    assert cmd.duration_ms == pytest.approx(1500.0)
    rows = await raw(session, "SELECT duration_ms FROM commands WHERE id = :id", id=cmd.id)
    assert rows[0][0] == pytest.approx(1500.0)


async def test_duration_ms_is_set_on_update_to_a_terminal_status(session: AsyncSession) -> None:
    cmd = await make_command(session, status="running", started_at=T0)
    assert cmd.duration_ms is None
    cmd.completed_at = T0 + timedelta(milliseconds=250)
    await session.flush()
    assert cmd.duration_ms is None  # still running: not terminal yet
    cmd.status = ExecutionStatus.FAILED
    cmd.exit_code = 3
    await session.flush()
    assert cmd.duration_ms == pytest.approx(250.0)
    loaded = await reload(session, Command, cmd.id)
    assert isinstance(loaded, Command)
    assert loaded.duration_ms == pytest.approx(250.0)
    assert loaded.duration is not None
    assert loaded.duration * 1000 == pytest.approx(loaded.duration_ms)


async def test_duration_ms_for_every_terminal_status(session: AsyncSession) -> None:
    for status in ExecutionStatus:
        cmd = await make_command(
            session, status=status, started_at=T0, completed_at=T0 + timedelta(seconds=2)
        )
        expected = 2000.0 if status.is_terminal else None
        assert cmd.duration_ms == expected, status


async def test_user_delete_keeps_audit_rows_unloaded(session: AsyncSession) -> None:
    """9.5 (ORM path, collection not loaded): audit rows survive with user_id NULL."""
    user = await make_user(session)
    audit = await make_audit(session, user_id=user.id)
    await session.delete(user)
    await session.flush()
    rows = await raw(session, "SELECT user_id FROM audit_logs WHERE id = :id", id=audit.id)
    assert rows == [(None,)]
    assert await count(session, "users", "id = :id", id=user.id) == 0


async def test_sqlite_datetimes_are_not_naive(session: AsyncSession) -> None:
    """9.12 / 0: values read back from SQLite were naive."""
    user = await make_user(session)
    user.last_login_at = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    await session.flush()
    loaded = await reload(session, User, user.id)
    assert isinstance(loaded, User)
    for value in (loaded.created_at, loaded.updated_at, loaded.last_login_at):
        assert value is not None
        assert value.utcoffset() == timedelta(0)
