"""Deletes are enforced by the database: raw SQL DELETE cascades or sets NULL as the FKs say."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import Command, Project, SessionToken, User
from tests.models.factories import (
    count,
    make_audit,
    make_cache,
    make_command,
    make_configuration,
    make_metric,
    make_project,
    make_session_token,
    make_spec,
    make_telemetry,
    make_user,
    raw,
)


@dataclass
class World:
    alice: User
    bob: User
    alices_project: Project
    bobs_project: Project
    alice_cmd_in_bobs_project: Command
    alice_cmd_no_project: Command
    bob_cmd_in_alices_project: Command
    child_cmd: Command
    grandchild_cmd: Command


def ident(row: object) -> int:
    value = getattr(row, "id", None)
    assert isinstance(value, int)
    return value


async def build_world(session: AsyncSession) -> World:
    alice = await make_user(session)
    bob = await make_user(session)
    alices_project = await make_project(session, alice)
    bobs_project = await make_project(session, bob)
    a1 = await make_command(session, user_id=alice.id, project_id=bobs_project.id)
    a2 = await make_command(session, user_id=alice.id)
    b1 = await make_command(session, user_id=bob.id, project_id=alices_project.id)
    child = await make_command(session, user_id=bob.id, parent_id=a2.id)
    grandchild = await make_command(session, parent_id=child.id)
    for cmd in (a1, a2, b1, child, grandchild):
        await make_metric(session, command_id=cmd.id)
        await make_telemetry(session, command_id=cmd.id)
    await make_metric(session, project_id=alices_project.id)
    await make_metric(session, project_id=bobs_project.id)
    for project in (alices_project, bobs_project):
        await make_spec(session, project)
        await make_configuration(session, project)
    await make_audit(session, user_id=alice.id)
    await make_audit(session, user_id=bob.id)
    await make_session_token(session, alice)
    await make_session_token(session, bob)
    await make_cache(session)
    return World(alice, bob, alices_project, bobs_project, a1, a2, b1, child, grandchild)


async def test_raw_delete_of_a_user_keeps_history_with_null_user(session: AsyncSession) -> None:
    w = await build_world(session)
    alice_id = ident(w.alice)
    await raw(session, "DELETE FROM users WHERE id = :id", id=alice_id)

    # Her own project goes (owner_id is ON DELETE CASCADE), with what is in it.
    assert await count(session, "projects", "id = :id", id=ident(w.alices_project)) == 0
    assert await count(session, "commands", "id = :id", id=ident(w.bob_cmd_in_alices_project)) == 0
    assert (
        await count(session, "configurations", "project_id = :id", id=ident(w.alices_project)) == 0
    )
    assert (
        await count(session, "rdf_specifications", "project_id = :id", id=ident(w.alices_project))
        == 0
    )
    assert (
        await count(session, "performance_metrics", "project_id = :id", id=ident(w.alices_project))
        == 0
    )
    # Her sessions go.
    assert await count(session, "session_tokens", "user_id = :id", id=alice_id) == 0
    # Her commands elsewhere and her audit trail stay, with user_id NULL.
    for cmd in (w.alice_cmd_in_bobs_project, w.alice_cmd_no_project):
        rows = await raw(session, "SELECT user_id FROM commands WHERE id = :id", id=ident(cmd))
        assert rows == [(None,)]
    assert await count(session, "audit_logs", "user_id IS NULL") == 1
    assert await count(session, "audit_logs", "user_id = :id", id=ident(w.bob)) == 1
    # Bob's things are untouched.
    assert await count(session, "projects", "id = :id", id=ident(w.bobs_project)) == 1
    assert await count(session, "session_tokens", "user_id = :id", id=ident(w.bob)) == 1


async def test_raw_delete_of_a_project_removes_what_it_holds(session: AsyncSession) -> None:
    w = await build_world(session)
    project_id = ident(w.bobs_project)
    cmd_id = ident(w.alice_cmd_in_bobs_project)
    await raw(session, "DELETE FROM projects WHERE id = :id", id=project_id)

    assert await count(session, "commands", "project_id = :id", id=project_id) == 0
    assert await count(session, "performance_metrics", "project_id = :id", id=project_id) == 0
    assert await count(session, "rdf_specifications", "project_id = :id", id=project_id) == 0
    assert await count(session, "configurations", "project_id = :id", id=project_id) == 0
    # The deleted command's own metrics and spans go too (command cascade).
    assert await count(session, "performance_metrics", "command_id = :id", id=cmd_id) == 0
    assert await count(session, "telemetry_events", "command_id = :id", id=cmd_id) == 0
    # The owner and the other project stay.
    assert await count(session, "users", "id = :id", id=ident(w.bob)) == 1
    assert await count(session, "projects", "id = :id", id=ident(w.alices_project)) == 1


async def test_raw_delete_of_a_command_removes_metrics_spans_and_children(
    session: AsyncSession,
) -> None:
    w = await build_world(session)
    ids = [ident(w.alice_cmd_no_project), ident(w.child_cmd), ident(w.grandchild_cmd)]
    await raw(session, "DELETE FROM commands WHERE id = :id", id=ids[0])

    for cmd_id in ids:
        assert await count(session, "commands", "id = :id", id=cmd_id) == 0
        assert await count(session, "performance_metrics", "command_id = :id", id=cmd_id) == 0
        assert await count(session, "telemetry_events", "command_id = :id", id=cmd_id) == 0
    assert await count(session, "commands", "id = :id", id=ident(w.alice_cmd_in_bobs_project)) == 1
    assert await count(session, "users", "id = :id", id=ident(w.alice)) == 1


async def test_orm_delete_of_a_user_keeps_history_too(session: AsyncSession) -> None:
    """Regression (inventory 9.5): the ORM cascade used to delete commands and audit logs."""
    w = await build_world(session)
    alice_id = ident(w.alice)
    # Load the collections: a loaded collection is where an ORM cascade would act.
    loaded = (
        await session.exec(
            select(User)
            .where(User.id == alice_id)
            .options(selectinload(User.commands), selectinload(User.projects))  # type: ignore[arg-type]
        )
    ).one()
    await session.delete(loaded)
    await session.flush()

    for cmd in (w.alice_cmd_in_bobs_project, w.alice_cmd_no_project):
        rows = await raw(session, "SELECT user_id FROM commands WHERE id = :id", id=ident(cmd))
        assert rows == [(None,)]
    assert await count(session, "audit_logs", "user_id IS NULL") == 1
    assert await count(session, "projects", "id = :id", id=ident(w.alices_project)) == 0
    assert await count(session, "session_tokens", "user_id = :id", id=alice_id) == 0


async def test_orm_delete_of_a_project_with_unloaded_children(session: AsyncSession) -> None:
    w = await build_world(session)
    project_id = ident(w.alices_project)
    session.expunge_all()
    project = (await session.exec(select(Project).where(Project.id == project_id))).one()
    # lazy="raise" + passive_deletes: the ORM neither loads nor touches the children.
    await session.delete(project)
    await session.flush()
    assert await count(session, "commands", "project_id = :id", id=project_id) == 0
    assert await count(session, "configurations", "project_id = :id", id=project_id) == 0


async def test_foreign_keys_are_enforced_on_insert(session: AsyncSession) -> None:
    """Regression (inventory 9.6): SQLite used to accept rows pointing nowhere."""
    statement = insert(SessionToken.__table__).values(  # type: ignore[attr-defined]
        public_id=uuid.uuid4(),
        token_hash="a" * 64,
        user_id=987654321,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    nested = await session.begin_nested()
    conn = await session.connection()
    with pytest.raises(IntegrityError):
        await conn.execute(statement)
    await nested.rollback()
