"""The typed health report returned by :meth:`DatabaseManager.health_check`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from specify_db.engine.stats import PoolStatus


class HealthReport(BaseModel):
    """Whether the database answered ``SELECT 1`` in time, and what the pool looks like.

    Attributes:
        healthy: the round trip succeeded within the timeout.
        latency_ms: wall time of the check, connect included.
        url: the database URL with the password hidden.
        dialect: ``"sqlite"``, ``"postgresql"`` or ``"mysql"``.
        server_version: e.g. ``"15.20"``; ``None`` when unreachable.
        pool: pool sizes at the end of the check.
        error: one line naming the failure, or ``None``.
        replicas: one report per configured read replica.
    """

    model_config = ConfigDict(frozen=True)

    healthy: bool
    latency_ms: float
    url: str
    dialect: str
    server_version: str | None
    pool: PoolStatus
    error: str | None = None
    replicas: list[HealthReport] = []
