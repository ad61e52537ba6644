"""Computed properties give the same answer on an instance and in SQL, over mixed rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import selectinload
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import CacheEntry, Command, ExecutionStatus, SessionToken, User
from tests.models.factories import (
    T0,
    make_cache,
    make_command,
    make_project,
    make_session_token,
    make_user,
    unique,
)


async def commands_named(session: AsyncSession, name: str) -> list[Command]:
    # populate_existing: compute the Python side from values as stored and read back.
    statement = (
        select(Command)
        .where(Command.name == name)
        .order_by(col(Command.id))
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


async def make_mixed_commands(session: AsyncSession) -> str:
    name = unique("hybrid")
    durations = [
        None,
        timedelta(0),
        timedelta(milliseconds=250),
        timedelta(seconds=2, microseconds=7),
    ]
    for index, (status, exit_code) in enumerate(product(ExecutionStatus, (0, 1, None))):
        duration = durations[index % len(durations)]
        await make_command(
            session,
            name=name,
            status=status,
            exit_code=exit_code,
            started_at=T0,
            completed_at=None if duration is None else T0 + duration,
        )
    return name


async def test_is_success_same_rows_in_sql_and_python(session: AsyncSession) -> None:
    name = await make_mixed_commands(session)
    rows = await commands_named(session, name)
    python_ids = {c.id for c in rows if c.is_success}
    sql_ids = set(
        (
            await session.exec(select(Command.id).where(Command.name == name, Command.is_success))
        ).all()
    )
    assert sql_ids == python_ids
    assert len(python_ids) == 1  # exactly the success row with exit code 0
    # The SQL value itself (not just the WHERE) matches, and is never NULL.
    values = dict(
        (
            await session.exec(select(Command.id, Command.is_success).where(Command.name == name))
        ).all()
    )
    assert values == {c.id: c.is_success for c in rows}
    assert not_success_rows_excluded(rows)


def not_success_rows_excluded(rows: list[Command]) -> bool:
    # The earlier SQL form dropped the exit code: success rows with exit code 1 or NULL were in.
    return all(
        not c.is_success for c in rows if c.status is ExecutionStatus.SUCCESS and c.exit_code != 0
    )


async def test_duration_same_values_in_sql_and_python(session: AsyncSession) -> None:
    name = await make_mixed_commands(session)
    rows = await commands_named(session, name)
    sql_values = dict(
        (await session.exec(select(Command.id, Command.duration).where(Command.name == name))).all()
    )
    for command in rows:
        expected = command.duration
        got = sql_values[command.id]
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected, abs=2e-3)  # SQLite: milliseconds
    over_one_second = set(
        (
            await session.exec(
                select(Command.id).where(Command.name == name, Command.duration > 1.0)
            )
        ).all()
    )
    assert over_one_second == {c.id for c in rows if c.duration is not None and c.duration > 1.0}
    assert over_one_second


async def test_cache_is_expired_same_rows_in_sql_and_python(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 5, 5, 12, 0, 0, 500000, tzinfo=UTC)
    # Freeze "now" for both forms, to check the boundary: expires_at == now is NOT expired.
    monkeypatch.setattr("specify_db.models.sql.utc_now", lambda: now)
    monkeypatch.setattr("specify_db.models.cache.utc_now", lambda: now)
    tag = unique("expiry")
    offsets = [
        None,
        timedelta(days=-1),
        timedelta(microseconds=-1),
        timedelta(0),
        timedelta(days=1),
    ]
    for index, offset in enumerate(offsets):
        expires_at = None if offset is None else now + offset
        await make_cache(session, key=f"{tag}-{index}", expires_at=expires_at)
    statement = select(CacheEntry).where(col(CacheEntry.key).startswith(tag))
    rows = list((await session.exec(statement.execution_options(populate_existing=True))).all())
    ids = [r.id for r in rows]
    python_ids = {r.id for r in rows if r.is_expired}
    sql_ids = set(
        (
            await session.exec(
                select(CacheEntry.id).where(col(CacheEntry.id).in_(ids), CacheEntry.is_expired)
            )
        ).all()
    )
    assert sql_ids == python_ids
    assert len(python_ids) == 2  # a day ago and one microsecond ago
    values = dict(
        (
            await session.exec(
                select(CacheEntry.id, CacheEntry.is_expired).where(col(CacheEntry.id).in_(ids))
            )
        ).all()
    )
    assert values == {r.id: r.is_expired for r in rows}  # never NULL, even without expiry


async def test_session_token_is_expired_same_rows_in_sql_and_python(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 5, 5, 12, 0, 0, 500000, tzinfo=UTC)
    monkeypatch.setattr("specify_db.models.sql.utc_now", lambda: now)
    monkeypatch.setattr("specify_db.models.session_token.utc_now", lambda: now)
    user = await make_user(session)
    for offset in (
        timedelta(days=-1),
        timedelta(microseconds=-1),
        timedelta(0),
        timedelta(hours=1),
    ):
        await make_session_token(session, user, expires_at=now + offset)
    rows = list(
        (
            await session.exec(
                select(SessionToken)
                .where(SessionToken.user_id == user.id)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    python_ids = {r.id for r in rows if r.is_expired}
    sql_ids = set(
        (
            await session.exec(
                select(SessionToken.id).where(
                    SessionToken.user_id == user.id, SessionToken.is_expired
                )
            )
        ).all()
    )
    assert sql_ids == python_ids
    assert len(python_ids) == 2


async def test_session_token_sql_uses_the_clock_at_execution(session: AsyncSession) -> None:
    user = await make_user(session)
    token = await make_session_token(
        session, user, expires_at=datetime.now(UTC) + timedelta(milliseconds=300)
    )
    statement = select(SessionToken.id).where(SessionToken.id == token.id, SessionToken.is_expired)
    assert (await session.exec(statement)).all() == []
    await asyncio.sleep(0.4)
    # The same statement object, executed later, sees the later time.
    assert (await session.exec(statement)).all() == [token.id]


async def test_active_projects_count_same_in_sql_and_python(session: AsyncSession) -> None:
    users = [await make_user(session) for _ in range(3)]
    await make_project(session, users[1])
    await make_project(session, users[1], is_active=False)
    for _ in range(3):
        await make_project(session, users[2])
    ids = [u.id for u in users]
    loaded = (
        await session.exec(
            select(User)
            .where(col(User.id).in_(ids))
            .options(selectinload(User.projects))  # type: ignore[arg-type]
            .execution_options(populate_existing=True)
        )
    ).all()
    python_counts = {u.id: u.active_projects_count for u in loaded}
    sql_counts = dict(
        (
            await session.exec(
                select(User.id, User.active_projects_count).where(col(User.id).in_(ids))
            )
        ).all()
    )
    assert sql_counts == python_counts == {ids[0]: 0, ids[1]: 1, ids[2]: 3}
    with_active = set(
        (
            await session.exec(
                select(User.id).where(col(User.id).in_(ids), User.active_projects_count >= 1)
            )
        ).all()
    )
    assert with_active == {i for i, n in python_counts.items() if n >= 1}


async def test_active_projects_count_never_loads_implicitly(session: AsyncSession) -> None:
    user = await make_user(session)
    await make_project(session, user)
    session.expunge_all()
    fresh = (await session.exec(select(User).where(User.id == user.id))).one()
    with pytest.raises(InvalidRequestError, match="selectinload"):
        _ = fresh.active_projects_count
    assert (
        User(username="new", email="new@example.com", password_hash="").active_projects_count == 0
    )


async def test_relationships_raise_instead_of_lazy_loading(session: AsyncSession) -> None:
    user = await make_user(session)
    cmd = await make_command(session, user_id=user.id)
    session.expunge_all()
    fresh = (await session.exec(select(Command).where(Command.id == cmd.id))).one()
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = fresh.user
