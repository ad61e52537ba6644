"""Every datetime is aware UTC on the way out, on every backend, whatever offset came in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import StatementError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import Command, CommandCreate, User
from tests.models.factories import make_command, make_user, password_hash, raw

IST = timezone(timedelta(hours=5, minutes=30))


async def reload_command(session: AsyncSession, command_id: int | None) -> Command:
    # populate_existing: read the values from the database, not from the identity map.
    statement = (
        select(Command).where(Command.id == command_id).execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).one()


async def test_offset_input_comes_back_as_the_same_instant_in_utc(session: AsyncSession) -> None:
    started = datetime(2026, 6, 1, 12, 0, 0, 654321, tzinfo=IST)
    completed = started + timedelta(seconds=3, microseconds=250)
    cmd = await make_command(session, started_at=started, completed_at=completed)
    loaded = await reload_command(session, cmd.id)
    for value, original in ((loaded.started_at, started), (loaded.completed_at, completed)):
        assert value is not None
        assert value.utcoffset() == timedelta(0)
        assert value == original  # the same instant, microseconds included
        assert value.replace(tzinfo=None) == original.astimezone(UTC).replace(tzinfo=None)


async def test_offset_input_on_a_table_object_is_converted_too(session: AsyncSession) -> None:
    # Not through a DTO: the column type itself converts to UTC before storing.
    started = datetime(2026, 6, 1, 23, 59, 59, 999999, tzinfo=IST)
    cmd = Command(name="direct", started_at=started)
    session.add(cmd)
    await session.flush()
    loaded = await reload_command(session, cmd.id)
    assert loaded.started_at == started
    assert loaded.started_at.tzinfo is not None
    assert loaded.started_at.utcoffset() == timedelta(0)
    assert loaded.started_at.hour == 18  # 23:59:59+05:30 is 18:29:59Z


async def test_stored_wall_clock_is_utc(session: AsyncSession) -> None:
    started = datetime(2026, 6, 1, 12, 0, 0, tzinfo=IST)
    cmd = await make_command(session, started_at=started)
    rows = await raw(session, "SELECT started_at FROM commands WHERE id = :id", id=cmd.id)
    stored = rows[0][0]
    text_form = stored if isinstance(stored, str) else stored.isoformat(sep=" ")
    assert text_form.startswith("2026-06-01 06:30:00")


async def test_server_default_timestamps_are_aware_utc(session: AsyncSession) -> None:
    """A row inserted without the ORM gets created_at from the server, read back as UTC."""
    before = datetime.now(UTC) - timedelta(minutes=2)
    conn = await session.connection()
    name = f"raw-{uuid.uuid4().hex[:8]}"
    result = await conn.execute(
        insert(User.__table__).values(  # type: ignore[attr-defined]
            public_id=uuid.uuid4(),
            username=name,
            email=f"{name}@example.com",
            password_hash=password_hash(),
        )
    )
    assert result.inserted_primary_key is not None
    user_id = result.inserted_primary_key[0]
    user = (
        await session.exec(
            select(User).where(User.id == user_id).execution_options(populate_existing=True)
        )
    ).one()
    after = datetime.now(UTC) + timedelta(minutes=2)
    for value in (user.created_at, user.updated_at):
        assert value.utcoffset() == timedelta(0)
        assert before <= value <= after
    assert user.is_active is True
    assert user.is_admin is False
    assert user.meta == {}


async def test_naive_datetime_is_refused_by_the_dto() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        CommandCreate(name="x", started_at=datetime(2026, 1, 1, 12, 0))


async def test_naive_datetime_is_refused_by_the_column(session: AsyncSession) -> None:
    # Even a table object built without validation cannot store a naive value.
    user = await make_user(session)
    nested = await session.begin_nested()
    user.last_login_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(StatementError, match="timezone"):
        await session.flush()
    await nested.rollback()
