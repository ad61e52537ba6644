"""``CommandRepository``: the lifecycle of a command run, its children and its duration.

Example::

    commands = CommandRepository(db)
    cmd = await commands.start_command("specify init", args="--here", user_id=alice.id)
    child = await commands.start_child_command(cmd.id, "git init")
    await commands.complete_command(child.id, exit_code=0, stdout="Initialized")
    done = await commands.complete_command(cmd.id, exit_code=0)
    assert done.duration_ms is not None
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import Command, CommandCreate, CommandUpdate, ExecutionStatus
from specify_db.models.enums import TERMINAL_STATUSES
from specify_db.models.sql import utc_now
from specify_db.repositories.base import Row
from specify_db.repositories.repository import Repository

__all__ = ["CommandRepository"]

_KEEP: Any = object()  # "not passed": the column keeps its value


def _duration_ms(row: Row | Command) -> float | None:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    started: datetime | None = get("started_at")
    completed: datetime | None = get("completed_at")
    status = get("status")
    if status is None or ExecutionStatus(status) not in TERMINAL_STATUSES:
        return None
    if started is None or completed is None:
        return None
    return (completed - started).total_seconds() * 1000.0


class CommandRepository(Repository[Command, CommandCreate, CommandUpdate]):
    """Command runs: start, complete, fail, cancel, time out; ``duration_ms`` always set.

    Every finishing method takes the integer ``id`` of the command, sets ``completed_at`` to
    now (never earlier than ``started_at``) and ``duration_ms`` to the elapsed time. Output
    that is not passed is kept, never wiped.
    """

    model = Command
    create_schema = CommandCreate
    update_schema = CommandUpdate

    def _row(self, dto: BaseModel) -> Row:
        row = super()._row(dto)
        row["duration_ms"] = _duration_ms(row)
        return row

    async def create_command(
        self,
        name: str,
        user_id: int | None = None,
        project_id: int | None = None,
        **kwargs: Any,
    ) -> Command:
        """Record a command (status ``pending`` unless given)."""
        return await self.create(
            {"name": name, "user_id": user_id, "project_id": project_id, **kwargs}
        )

    async def start_command(
        self,
        name: str,
        args: str | None = None,
        user_id: int | None = None,
        project_id: int | None = None,
        **kwargs: Any,
    ) -> Command:
        """Record a command that starts now (status ``running``, ``started_at`` = now)."""
        return await self.create(
            {
                "name": name,
                "args": args,
                "user_id": user_id,
                "project_id": project_id,
                "status": ExecutionStatus.RUNNING,
                "started_at": utc_now(),
                **kwargs,
            }
        )

    async def start_child_command(
        self, parent_id: int | None, name: str, args: str | None = None, **kwargs: Any
    ) -> Command:
        """Start a command run by another one; user and project default to the parent's.

        Raises:
            NotFound: no command ``parent_id``.
        """
        parent = await self.get(parent_id)
        kwargs.setdefault("user_id", parent.user_id)
        kwargs.setdefault("project_id", parent.project_id)
        return await self.start_command(name, args, parent_id=parent_id, **kwargs)

    async def get_children(self, command_id: int | None) -> list[Command]:
        """The commands started by ``command_id``, oldest first."""
        return await self.list({"parent_id": command_id}, order_by=["started_at", "id"])

    async def complete_command(
        self,
        command_id: int | None,
        exit_code: int,
        stdout: str | None = _KEEP,
        stderr: str | None = _KEEP,
    ) -> Command:
        """Finish with an exit code: ``success`` if it is 0, else ``failed``.

        ``stdout`` / ``stderr`` are written only when passed (an explicit None clears one).
        """
        status = ExecutionStatus.SUCCESS if exit_code == 0 else ExecutionStatus.FAILED
        return await self._finish(
            command_id, status, exit_code=exit_code, stdout=stdout, stderr=stderr
        )

    async def fail_command(
        self, command_id: int | None, error: str, exit_code: int | None = _KEEP
    ) -> Command:
        """Finish as ``failed`` with ``error`` as stderr (the exit code is kept unless given)."""
        return await self._finish(
            command_id, ExecutionStatus.FAILED, exit_code=exit_code, stderr=error
        )

    async def cancel_command(self, command_id: int | None, reason: str | None = None) -> Command:
        """Finish as ``cancelled``; ``reason``, if given, becomes stderr."""
        return await self._finish(
            command_id, ExecutionStatus.CANCELLED, stderr=_KEEP if reason is None else reason
        )

    async def timeout_command(self, command_id: int | None, reason: str | None = None) -> Command:
        """Finish as ``timeout``; ``reason``, if given, becomes stderr."""
        return await self._finish(
            command_id, ExecutionStatus.TIMEOUT, stderr=_KEEP if reason is None else reason
        )

    async def _finish(
        self,
        command_id: int | None,
        status: ExecutionStatus,
        *,
        exit_code: int | None = _KEEP,
        stdout: str | None = _KEEP,
        stderr: str | None = _KEEP,
    ) -> Command:
        given = {"exit_code": exit_code, "stdout": stdout, "stderr": stderr}
        patch = self._patch(
            {"status": status, **{k: v for k, v in given.items() if v is not _KEEP}}
        )

        async def work(session: AsyncSession, _replay: bool) -> Command:
            command = (
                None
                if command_id is None
                else await session.get(Command, command_id, populate_existing=True)
            )
            if command is None:
                raise self._missing(command_id)
            now = utc_now()
            patch["completed_at"] = max(now, command.started_at)
            for name, value in patch.items():
                setattr(command, name, value)
            command.duration_ms = _duration_ms(command)
            session.add(command)
            await session.flush()
            return command

        return await self._run(work)
