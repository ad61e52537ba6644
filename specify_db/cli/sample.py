"""A realistic sample for ``specify-db demo``: a small team's week of CLI usage.

Deterministic for a given seed: five users, four projects, a few thousand commands spread
over the last seven days (busier in working hours), each with its execution-time metric,
memory gauges, OpenTelemetry spans for a share of them, audit entries, cache entries (some
expired), typed configuration, session tokens (some expired) and RDF specifications.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.cli import sample_records as records
from specify_db.engine import DatabaseManager
from specify_db.models import (
    Command,
    ExecutionStatus,
    MetricType,
    Project,
    User,
)
from specify_db.models.sql import utc_now
from specify_db.repositories.audit import AuditLogRepository
from specify_db.repositories.metrics import PerformanceMetricRepository
from specify_db.repositories.telemetry import TelemetryEventRepository

__all__ = ["DEMO_PASSWORD_HASH", "DEMO_USERS", "SampleSize", "populate"]

Row = dict[str, Any]
Advance = Callable[[str, int], None]
"""``advance(step_description, rows_added)``."""

DEMO_USERS: tuple[tuple[str, str, bool], ...] = (
    ("alice", "Alice Martin", True),
    ("bob", "Bob Okafor", False),
    ("carol", "Carol Nguyen", False),
    ("dave", "Dave Kowalski", False),
    ("erin", "Erin Svensson", False),
)
_DEMO_HASH_SALT = "$argon2id$v=19$m=65536,t=3,p=4$15CQ89329gML/I3Is0waBw$"
DEMO_PASSWORD_HASH = _DEMO_HASH_SALT + "Zdex1KEyZ9c43eV6JlIQLnF8ph1wRgGIDxUIfv7RtXk"
"""argon2id of ``demo-password``, computed once: the demo runs without the ``security`` extra."""
_PROJECTS: tuple[tuple[str, str, str], ...] = (
    ("Specify CLI", "specify-cli", "The spec-driven development command line and its plugins."),
    ("RDF Toolkit", "rdf-toolkit", "Ontology validation and SHACL shapes for specifications."),
    ("Docs Site", "docs-site", "Documentation site generated from the specifications."),
    ("Telemetry Pipeline", "telemetry-pipeline", "Collects OpenTelemetry spans from CI runs."),
)
# name -> (typical duration in ms, share of runs)
_COMMANDS: dict[str, tuple[float, float]] = {
    "specify init": (350.0, 0.05),
    "specify plan": (1_200.0, 0.18),
    "specify build": (4_500.0, 0.22),
    "specify test": (8_000.0, 0.25),
    "specify validate": (650.0, 0.15),
    "specify lint": (900.0, 0.10),
    "specify deploy": (15_000.0, 0.05),
}
_STATUSES: tuple[tuple[ExecutionStatus, float, int | None], ...] = (
    (ExecutionStatus.SUCCESS, 0.86, 0),
    (ExecutionStatus.FAILED, 0.09, 1),
    (ExecutionStatus.TIMEOUT, 0.02, 124),
    (ExecutionStatus.CANCELLED, 0.02, 130),
    (ExecutionStatus.RUNNING, 0.01, None),
)
# Working hours are busier: relative weight of each UTC hour.
_HOUR_WEIGHTS = [0.2] * 7 + [1.0, 2.0, 3.0, 3.0, 2.5, 1.5, 2.5, 3.0, 3.0, 2.5, 2.0, 1.0] + [0.5] * 5
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class SampleSize:
    """How much to generate."""

    commands: int = 3_000
    days: int = 7
    seed: int = 7

    @property
    def total_steps(self) -> int:
        """Rough number of rows, for a progress bar."""
        return self.commands * 3 + 400


def _weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def _moment(rng: random.Random, now: datetime, days: int) -> datetime:
    while True:
        day = rng.randrange(days)
        hour = _weighted(rng, range(24), _HOUR_WEIGHTS)
        start = (now - timedelta(days=day)).replace(hour=hour, minute=0, second=0, microsecond=0)
        moment = start + timedelta(seconds=rng.uniform(0, 3600))
        if moment < now - timedelta(minutes=1):  # later today has not happened yet: pick again
            return moment


def _duration(rng: random.Random, typical_ms: float) -> float:
    return round(typical_ms * math.exp(rng.gauss(0.0, 0.45)), 3)


def _id(row: User | Project) -> int:
    if row.id is None:
        raise RuntimeError(f"{row!r} has no id: it was not flushed")
    return row.id


async def _add(session: AsyncSession, rows: Sequence[SQLModel]) -> None:
    session.add_all(rows)
    await session.flush()


async def _people(session: AsyncSession, now: datetime) -> tuple[list[User], list[Project]]:
    password = DEMO_PASSWORD_HASH
    users = [
        User(
            username=name,
            email=f"{name}@example.com",
            full_name=full,
            is_admin=admin,
            password_hash=password,
            last_login_at=now - timedelta(hours=i * 5 + 1),
        )
        for i, (name, full, admin) in enumerate(DEMO_USERS)
    ]
    await _add(session, users)
    projects = [
        Project(
            name=name,
            slug=slug,
            description=text,
            path=f"/srv/{slug}",
            repository_url=f"https://git.example.com/team/{slug}",
            owner_id=_id(users[i % len(users)]),
            settings={"default_branch": "main"},
        )
        for i, (name, slug, text) in enumerate(_PROJECTS)
    ]
    await _add(session, projects)
    return users, projects


def _command(
    rng: random.Random, now: datetime, days: int, users: list[User], projects: list[Project]
) -> Command:
    name = _weighted(rng, list(_COMMANDS), [share for _, share in _COMMANDS.values()])
    status, _, exit_code = _weighted(rng, _STATUSES, [weight for _, weight, _ in _STATUSES])
    started = _moment(rng, now, days)
    duration = _duration(rng, _COMMANDS[name][0])
    done = status is not ExecutionStatus.RUNNING
    completed = min(started + timedelta(milliseconds=duration), now) if done else None
    project = rng.choice(projects)
    return Command(
        name=name,
        args=f"--project {project.slug}" + (" --verbose" if rng.random() < 0.2 else ""),
        user_id=rng.choice(users).id,
        project_id=project.id,
        status=status,
        started_at=started,
        completed_at=completed,
        exit_code=exit_code,
        duration_ms=(completed - started).total_seconds() * 1000.0 if completed else None,
        stderr="error: step failed" if status is ExecutionStatus.FAILED else None,
        environment={"python": "3.12", "ci": rng.random() < 0.4},
    )


def _metrics(rng: random.Random, command: Command) -> list[Row]:
    moment = command.completed_at or command.started_at
    metrics = [
        {
            "name": "execution_time",
            "type": MetricType.TIMER,
            "value": command.duration_ms if command.duration_ms is not None else 0.0,
            "unit": "ms",
            "command_id": command.id,
            "project_id": command.project_id,
            "timestamp": moment,
            "labels": {"command": command.name},
        },
        {
            "name": "memory_usage",
            "type": MetricType.GAUGE,
            "value": round(rng.uniform(80, 600), 1),
            "unit": "MB",
            "command_id": command.id,
            "project_id": command.project_id,
            "timestamp": moment,
            "labels": {"command": command.name},
        },
    ]
    if command.duration_ms is None:
        metrics.pop(0)
    return metrics


def _spans(rng: random.Random, command: Command) -> list[Row]:
    if command.completed_at is None:
        return []
    trace = uuid.UUID(int=rng.getrandbits(128)).hex
    root_id = f"{rng.getrandbits(64):016x}"
    start, end = command.started_at, command.completed_at
    total_ns = int((end - start).total_seconds() * 1e9)
    ok = "OK" if command.status is ExecutionStatus.SUCCESS else "ERROR"
    spans = [
        {
            "trace_id": trace,
            "span_id": root_id,
            "command_id": command.id,
            "name": command.name,
            "kind": "INTERNAL",
            "status_code": ok,
            "start_time": start,
            "end_time": end,
            "duration_ns": total_ns,
            "attributes": {"cli.command": command.name},
            "resource_attributes": {"service.name": "specify-cli"},
        }
    ]
    offset = start
    for step in ("load specification", "run step"):
        step_ns = total_ns // 2
        step_end = offset + timedelta(microseconds=step_ns // 1000)
        spans.append(
            {
                "trace_id": trace,
                "span_id": f"{rng.getrandbits(64):016x}",
                "parent_span_id": root_id,
                "command_id": command.id,
                "name": step,
                "kind": "INTERNAL",
                "status_code": "OK",
                "start_time": offset,
                "end_time": step_end,
                "duration_ns": step_ns,
                "attributes": {"step": step},
                "resource_attributes": {"service.name": "specify-cli"},
            }
        )
        offset = step_end
    return spans


async def _commands(
    session: AsyncSession,
    rng: random.Random,
    size: SampleSize,
    now: datetime,
    users: list[User],
    projects: list[Project],
    advance: Advance,
) -> None:
    made = 0
    while made < size.commands:
        batch = [
            _command(rng, now, size.days, users, projects)
            for _ in range(min(_CHUNK, size.commands - made))
        ]
        await _add(session, batch)
        metrics = [metric for command in batch for metric in _metrics(rng, command)]
        spans = [span for command in batch if rng.random() < 0.2 for span in _spans(rng, command)]
        # Set-based inserts through the repositories, joining this unit of work.
        await PerformanceMetricRepository(session).create_many(metrics, returning=False)
        await TelemetryEventRepository(session).create_many(spans, returning=False)
        made += len(batch)
        advance("commands, metrics and spans", len(batch) + len(metrics) + len(spans))


async def populate(db: DatabaseManager, size: SampleSize, advance: Advance) -> None:
    """Insert the sample into an empty, migrated database, in one unit of work."""
    rng = random.Random(size.seed)  # noqa: S311 - sample data, not secrets
    now = utc_now()
    async with db.session() as session:
        users, projects = await _people(session, now)
        advance("users and projects", len(users) + len(projects))
        await _commands(session, rng, size, now, users, projects, advance)
        audit = records.audit_rows(rng, now, size.days, users, projects)
        await AuditLogRepository(session).create_many(audit, returning=False)
        extras: list[SQLModel] = [
            *records.configurations(projects),
            *records.cache_entries(rng, now),
            *records.session_tokens(rng, now, users),
            *records.specifications(projects),
        ]
        await _add(session, extras)
        advance("audit, cache, configuration, sessions", len(audit) + len(extras))
