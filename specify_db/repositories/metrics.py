"""``PerformanceMetricRepository``: record one metric or many in one set-based call.

Example::

    metrics = PerformanceMetricRepository(db)
    await metrics.record_metric("execution_time", 150.5, unit="ms", command_id=cmd.id)
    await metrics.record_many([{"name": "rows", "value": 10, "type": "counter"}])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from specify_db.models import (
    MetricType,
    PerformanceMetric,
    PerformanceMetricCreate,
    PerformanceMetricUpdate,
)
from specify_db.repositories.base import Input
from specify_db.repositories.repository import Repository

__all__ = ["PerformanceMetricRepository"]


class PerformanceMetricRepository(
    Repository[PerformanceMetric, PerformanceMetricCreate, PerformanceMetricUpdate]
):
    """Performance metrics; ``type`` accepts a member, a value or a name (any case)."""

    model = PerformanceMetric
    create_schema = PerformanceMetricCreate
    update_schema = PerformanceMetricUpdate

    async def record_metric(
        self,
        name: str,
        value: float,
        type: MetricType | str = MetricType.GAUGE,
        unit: str | None = None,
        command_id: int | None = None,
        project_id: int | None = None,
        **kwargs: Any,
    ) -> PerformanceMetric:
        """Record one measurement; ``timestamp`` defaults to now, ``labels``/``meta`` via kwargs."""
        return await self.create(
            {
                "name": name,
                "value": value,
                "type": type,
                "unit": unit,
                "command_id": command_id,
                "project_id": project_id,
                **kwargs,
            }
        )

    async def record_many(self, metrics: Iterable[Input]) -> int:
        """Record many measurements in a few statements, atomically; returns how many."""
        count = await self.create_many(metrics, returning=False)
        assert isinstance(count, int)  # noqa: S101 - returning=False always counts
        return count
