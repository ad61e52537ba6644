"""The tables ``specify-db demo`` prints once the sample is in, read through the query classes.

Every number is computed in SQL by :mod:`specify_db.queries`: grouped aggregates with
percentiles, UTC-aligned hourly buckets, and the backend's own full-text search.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from specify_db.engine import DatabaseManager
from specify_db.models import ProjectRead, UserRead
from specify_db.queries import (
    AggregateRow,
    Bucket,
    CommandQueries,
    CommandStatistics,
    PerformanceMetricQueries,
    ProjectQueries,
    SearchResult,
    UserQueries,
)

__all__ = ["Showcase", "gather", "render"]

_BLOCKS = " ▁▂▃▄▅▆▇█"
_BAR_WIDTH = 40


@dataclass(frozen=True, slots=True)
class Showcase:
    """Everything the demo shows."""

    users: list[UserRead]
    projects: list[ProjectRead]
    runs_by_user: dict[Any, int]
    runs_by_project: dict[Any, int]
    per_command: list[AggregateRow]
    outcomes: dict[tuple[str, str], int]
    totals: CommandStatistics
    series: list[Bucket]
    search: SearchResult[ProjectRead]


def _counts(rows: list[AggregateRow], field: str) -> dict[Any, int]:
    return {row.group[field]: row.count for row in rows}


async def gather(db: DatabaseManager, *, search_query: str, hours: int = 24) -> Showcase:
    """Run every query the demo shows (each its own unit of work on ``db``)."""
    commands = CommandQueries(db)
    projects = ProjectQueries(db)
    by_user = await commands.aggregate("duration_ms", group_by="user_id", percentiles=())
    by_project = await commands.aggregate("duration_ms", group_by="project_id", percentiles=())
    per_command = await commands.aggregate("duration_ms", group_by="name", percentiles=(50, 95))
    outcomes = await commands.aggregate("duration_ms", group_by=("name", "status"), percentiles=())
    return Showcase(
        users=await UserQueries(db).get_all(order_by="username"),
        projects=await projects.get_all(order_by="name"),
        runs_by_user=_counts(by_user, "user_id"),
        runs_by_project=_counts(by_project, "project_id"),
        per_command=sorted(per_command, key=lambda row: (-row.count, str(row.group["name"]))),
        outcomes={
            (str(row.group["name"]), _value(row.group["status"])): row.count for row in outcomes
        },
        totals=await commands.get_command_statistics(),
        series=await PerformanceMetricQueries(db).get_time_series(
            "execution_time", hours=hours, interval_minutes=60, fill_gaps=True
        ),
        search=await projects.search_projects(search_query, limit=5),
    )


def _value(status: Any) -> str:
    return str(getattr(status, "value", status))


def sparkline(values: list[float | None]) -> str:
    """One block character per value, scaled to the largest; blank where there is none."""
    present = [v for v in values if v is not None]
    top = max(present, default=0.0) or 1.0
    return "".join(
        " " if v is None else _BLOCKS[max(1, round(v / top * (len(_BLOCKS) - 1)))] for v in values
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _people(show: Showcase) -> Group:
    owned = Counter(project.owner_id for project in show.projects)
    owners = {user.id: user.username for user in show.users}
    users = Table("user", "name", "role", "projects", "commands", title="Users")
    for user in show.users:
        users.add_row(
            user.username,
            user.full_name or "",
            "admin" if user.is_admin else "member",
            str(owned[user.id]),
            f"{show.runs_by_user.get(user.id, 0):,}",
        )
    projects = Table("project", "slug", "owner", "commands", title="Projects")
    for project in show.projects:
        projects.add_row(
            project.name,
            project.slug,
            owners.get(project.owner_id, "?"),
            f"{show.runs_by_project.get(project.id, 0):,}",
        )
    return Group(users, projects)


def _statistics(show: Showcase) -> Group:
    table = Table(
        "command",
        "runs",
        "success",
        "p50 ms",
        "p95 ms",
        "max ms",
        title="Command statistics (7 days)",
    )
    for row in show.per_command:
        name = str(row.group["name"])
        success = show.outcomes.get((name, "success"), 0) / row.count * 100 if row.count else 0
        table.add_row(
            name,
            f"{row.count:,}",
            f"{success:.1f}%",
            _ms(row.percentiles.get("p50")),
            _ms(row.percentiles.get("p95")),
            _ms(row.max),
        )
    totals = show.totals
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(totals.by_status.items()))
    summary = Text.assemble(
        ("all runs: ", "bold"),
        f"{totals.total:,} ({statuses}); p50 {_ms(totals.duration.p50_ms)} ms, "
        f"p95 {_ms(totals.duration.p95_ms)} ms",
    )
    return Group(table, summary)


def _series(show: Showcase) -> Group:
    table = Table("hour (UTC)", "runs", "avg ms", "", title="execution_time per hour (24 h)")
    top = max((b.avg or 0.0 for b in show.series), default=0.0) or 1.0
    for bucket in show.series:
        width = round((bucket.avg or 0.0) / top * _BAR_WIDTH)
        table.add_row(
            bucket.start.strftime("%a %H:00"),
            str(bucket.count),
            _ms(bucket.avg),
            Text("█" * width, style="cyan"),
        )
    line = Text.assemble(
        ("runs per hour: ", "bold"),
        (sparkline([float(b.count) for b in show.series]), "cyan"),
    )
    return Group(table, line)


def _search(show: Showcase) -> Table:
    result = show.search
    table = Table("#", "project", "description", title=f"Search {result.query!r} ({result.method})")
    for position, hit in enumerate(result.hits, start=1):
        table.add_row(str(position), hit.item.name, hit.item.description or "")
    if not result.hits:
        table.add_row("", "(no match)", "")
    return table


def render(show: Showcase) -> list[Any]:
    """The rich renderables, in the order they are printed."""
    return [_people(show), _statistics(show), _series(show), _search(show)]
