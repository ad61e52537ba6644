"""``CommandQueries``: command runs by id, status, user, project and time; statistics."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import Command, CommandRead, ExecutionStatus
from specify_db.models.sql import utc_now
from specify_db.queries.aggregates import run_aggregate
from specify_db.queries.base import BaseQueries, check_aware, check_limit
from specify_db.queries.capabilities import PercentileMethod, capabilities
from specify_db.queries.checks import checked_int
from specify_db.queries.search import SearchResult

__all__ = ["CommandQueries", "CommandStatistics", "DurationStatistics"]


class DurationStatistics(BaseModel):
    """Durations of the runs that have one (``duration_ms`` not NULL); None when none do."""

    model_config = ConfigDict(frozen=True)

    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    percentile_method: PercentileMethod


class CommandStatistics(BaseModel):
    """What :meth:`CommandQueries.get_command_statistics` returns.

    ``by_status`` maps the status value (``"failed"``) to its count; statuses that do not
    occur are absent.
    """

    model_config = ConfigDict(frozen=True)

    total: int
    by_status: dict[str, int]
    duration: DurationStatistics


def _since(hours: int) -> datetime:
    return utc_now() - timedelta(hours=checked_int(hours, "hours", 0, 24 * 36500))


class CommandQueries(BaseQueries[Command, CommandRead]):
    """Read command runs (as :class:`CommandRead`), newest first by default."""

    model = Command
    read_model = CommandRead
    fields: ClassVar[dict[str, Any]] = {
        "name": Command.name,
        "status": Command.status,
        "user_id": Command.user_id,
        "project_id": Command.project_id,
        "parent_id": Command.parent_id,
        "started_at": Command.started_at,
        "completed_at": Command.completed_at,
        "duration_ms": Command.duration_ms,
        "exit_code": Command.exit_code,
        "environment": Command.environment,
        "meta": Command.meta,
    }
    sortable = ("name", "status", "started_at", "completed_at", "duration_ms", "exit_code")
    default_order = ("-started_at",)
    measures = ("duration_ms",)
    time_field = "started_at"

    async def find_by_command_id(self, command_id: uuid.UUID | str) -> CommandRead | None:
        """The run with this public id (the earlier ``command_id``), or None."""
        return await self.get_by_public_id(command_id)

    async def find_by_status(
        self, status: ExecutionStatus | str, limit: int | None = None
    ) -> list[CommandRead]:
        """Runs with this status, newest first; ``"failed"``, ``"FAILED"`` or the member."""
        return await self.find({"status": status}, limit=check_limit(limit))

    async def find_by_user(self, user_id: int, limit: int | None = None) -> list[CommandRead]:
        """The user's runs, newest first (``limit`` applies after ordering)."""
        return await self.find({"user_id": user_id}, limit=check_limit(limit))

    async def find_by_project(self, project_id: int, limit: int | None = None) -> list[CommandRead]:
        """The project's runs, newest first (``limit`` applies after ordering)."""
        return await self.find({"project_id": project_id}, limit=check_limit(limit))

    async def get_recent_commands(self, hours: int = 24, limit: int = 100) -> list[CommandRead]:
        """Runs started in the last ``hours`` hours, newest first."""
        return await self.find({"started_at__ge": _since(hours)}, limit=limit)

    async def get_failed_commands(self, hours: int = 24, limit: int = 50) -> list[CommandRead]:
        """Failed runs started in the last ``hours`` hours, newest first."""
        filters = {"status": ExecutionStatus.FAILED, "started_at__ge": _since(hours)}
        return await self.find(filters, limit=limit)

    async def search_commands(self, query: str, limit: int = 10) -> SearchResult[CommandRead]:
        """Full-text search over the command name and arguments; exact names first."""
        return await self._search(query, limit)

    async def get_command_statistics(
        self, start_date: datetime | None = None, end_date: datetime | None = None
    ) -> CommandStatistics:
        """Totals per status and duration statistics, computed in SQL, over ``started_at``.

        ``start_date`` is inclusive and ``end_date`` exclusive; both aware datetimes.
        """
        filters: dict[str, Any] = {}
        if start_date is not None:
            filters["started_at__ge"] = check_aware(start_date, "start_date")
        if end_date is not None:
            filters["started_at__lt"] = check_aware(end_date, "end_date")
        where = self._where(filters or None)
        caps = capabilities(self.dialect_name)
        groups: dict[str, Any] = {"status": Command.status}
        duration: Any = Command.duration_ms

        async def work(session: AsyncSession) -> CommandStatistics:
            per_status = await run_aggregate(session, caps, Command, duration, groups, where, ())
            (overall,) = await run_aggregate(session, caps, Command, duration, {}, where, (50, 95))
            by_status = {
                ExecutionStatus(row.group["status"]).value: row.count for row in per_status
            }
            return CommandStatistics(
                total=overall.count,
                by_status=by_status,
                duration=DurationStatistics(
                    avg_ms=overall.avg,
                    min_ms=overall.min,
                    max_ms=overall.max,
                    p50_ms=overall.percentiles["p50"],
                    p95_ms=overall.percentiles["p95"],
                    percentile_method=overall.percentile_method,
                ),
            )

        return await self._bound.run(work)
