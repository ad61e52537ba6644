"""ProjectRepository and CommandRepository."""

from __future__ import annotations

from datetime import timedelta

import pytest

from specify_db import DatabaseManager
from specify_db.errors import AlreadyExists, ConstraintViolation, NotFound
from specify_db.models import ExecutionStatus
from specify_db.repositories import CommandRepository, ProjectRepository, UserRepository
from tests.repositories.helpers import make_project, make_user


async def test_projects(clean_db: DatabaseManager) -> None:
    projects = ProjectRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    assert alice.id is not None
    demo = await projects.create_project("Demo", "demo", alice.id, description="d")
    other = await projects.create_project("Alpha", "alpha", alice.id)
    assert (await projects.get_by_slug("demo")).id == demo.id  # type: ignore[union-attr]
    assert await projects.get_by_slug("nope") is None
    assert [p.slug for p in await projects.get_user_projects(alice.id)] == ["alpha", "demo"]
    archived = await projects.archive(other.id)
    assert not archived.is_active
    assert [p.slug for p in await projects.get_user_projects(alice.id)] == ["demo"]
    assert len(await projects.get_user_projects(alice.id, active_only=False)) == 2
    assert (await projects.unarchive(other.id)).is_active
    with pytest.raises(AlreadyExists, match="slug"):
        await projects.create_project("Again", "demo", alice.id)
    with pytest.raises(ConstraintViolation):
        await projects.create_project("Orphan", "orphan", 10**9)
    assert await projects.count() == 2


async def test_two_domain_repositories_on_one_session_roll_back_together(
    clean_db: DatabaseManager,
) -> None:
    with pytest.raises(ConstraintViolation):
        async with clean_db.session() as session:
            owner = await make_user(session, "carol")
            assert owner.id is not None
            await ProjectRepository(session).create_project("P", "p", owner.id)
            await ProjectRepository(session).create_project("Q", "q", 10**9)
    assert await UserRepository(clean_db).count() == 0
    assert await ProjectRepository(clean_db).count() == 0


async def test_command_lifecycle_keeps_output_and_sets_duration(
    clean_db: DatabaseManager,
) -> None:
    commands = CommandRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    project = await make_project(clean_db, alice)
    cmd = await commands.start_command(
        "specify init", args="--here", user_id=alice.id, project_id=project.id
    )
    assert cmd.status is ExecutionStatus.RUNNING
    assert cmd.duration_ms is None
    await commands.update(cmd.id, {"stdout": "progress", "stderr": "warning"})
    done = await commands.complete_command(cmd.id, exit_code=0)
    # Regression: complete_command wiped stdout/stderr that were not passed.
    assert (done.stdout, done.stderr) == ("progress", "warning")
    assert done.status is ExecutionStatus.SUCCESS
    assert done.is_success
    assert done.completed_at is not None
    assert done.duration_ms is not None
    assert done.duration_ms >= 0
    again = await commands.get(cmd.id)
    assert again.duration_ms == pytest.approx(done.duration_ms)
    cleared = await commands.complete_command(cmd.id, exit_code=3, stdout="new", stderr=None)
    assert (cleared.status, cleared.stdout, cleared.stderr) == (ExecutionStatus.FAILED, "new", None)


async def test_fail_cancel_timeout(clean_db: DatabaseManager) -> None:
    commands = CommandRepository(clean_db)
    a = await commands.start_command("a")
    failed = await commands.fail_command(a.id, "boom")
    assert (failed.status, failed.stderr, failed.exit_code) == (
        ExecutionStatus.FAILED,
        "boom",
        None,
    )
    assert failed.duration_ms is not None
    b = await commands.start_command("b")
    cancelled = await commands.cancel_command(b.id, reason="user pressed ^C")
    assert (cancelled.status, cancelled.stderr) == (ExecutionStatus.CANCELLED, "user pressed ^C")
    assert cancelled.duration_ms is not None
    c = await commands.start_command("c")
    timed_out = await commands.timeout_command(c.id)
    assert timed_out.status is ExecutionStatus.TIMEOUT
    assert timed_out.duration_ms is not None
    with pytest.raises(NotFound):
        await commands.complete_command(10**9, exit_code=0)


async def test_child_commands_and_create_command(clean_db: DatabaseManager) -> None:
    commands = CommandRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    parent = await commands.start_command("specify check", user_id=alice.id)
    first = await commands.start_child_command(parent.id, "git status")
    second = await commands.start_child_command(parent.id, "uv --version")
    assert first.user_id == alice.id
    assert first.parent_id == parent.id
    assert [c.id for c in await commands.get_children(parent.id)] == [first.id, second.id]
    with pytest.raises(NotFound):
        await commands.start_child_command(10**9, "x")
    pending = await commands.create_command("later", user_id=alice.id)
    assert pending.status is ExecutionStatus.PENDING
    started = parent.started_at
    finished = await commands.create(
        {
            "name": "imported",
            "status": "SUCCESS",
            "exit_code": 0,
            "started_at": started,
            "completed_at": started + timedelta(milliseconds=1500),
        }
    )
    assert finished.duration_ms == pytest.approx(1500, abs=1)
