"""``PerformanceMetricQueries``: metrics by name and command; aggregates and time series."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from specify_db.models import PerformanceMetric, PerformanceMetricRead
from specify_db.models.sql import utc_now
from specify_db.queries.aggregates import AggregateRow
from specify_db.queries.base import BaseQueries, check_aware, check_limit
from specify_db.queries.buckets import Bucket
from specify_db.queries.checks import checked_int

__all__ = ["PerformanceMetricQueries"]


class PerformanceMetricQueries(BaseQueries[PerformanceMetric, PerformanceMetricRead]):
    """Read performance metrics (as :class:`PerformanceMetricRead`), newest first."""

    model = PerformanceMetric
    read_model = PerformanceMetricRead
    fields: ClassVar[dict[str, Any]] = {
        "name": PerformanceMetric.name,
        "type": PerformanceMetric.type,
        "value": PerformanceMetric.value,
        "unit": PerformanceMetric.unit,
        "command_id": PerformanceMetric.command_id,
        "project_id": PerformanceMetric.project_id,
        "timestamp": PerformanceMetric.timestamp,
        "labels": PerformanceMetric.labels,
        "meta": PerformanceMetric.meta,
    }
    sortable = ("name", "type", "value", "timestamp")
    default_order = ("-timestamp",)
    measures = ("value",)
    time_field = "timestamp"

    async def find_by_name(
        self, name: str, limit: int | None = None
    ) -> list[PerformanceMetricRead]:
        """Metrics with this name, newest first (``limit`` applies after ordering)."""
        return await self.find({"name": name}, limit=check_limit(limit))

    async def find_by_command(self, command_id: int) -> list[PerformanceMetricRead]:
        """The metrics recorded for one command run, oldest first."""
        return await self.find({"command_id": command_id}, order_by="timestamp")

    async def aggregate_by_name(
        self,
        name: str,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        percentiles: tuple[float, ...] = (50, 95, 99),
    ) -> AggregateRow:
        """count, sum, avg, min, max and percentiles of the metric's values, in SQL.

        With no rows, count is 0 and the rest None. ``start_date`` inclusive, ``end_date``
        exclusive.
        """
        filters: dict[str, Any] = {"name": name}
        if start_date is not None:
            filters["timestamp__ge"] = check_aware(start_date, "start_date")
        if end_date is not None:
            filters["timestamp__lt"] = check_aware(end_date, "end_date")
        (row,) = await self.aggregate("value", filters=filters, percentiles=percentiles)
        return row

    async def time_series(
        self,
        name: str,
        start: datetime,
        end: datetime,
        interval: timedelta | str | int,
        *,
        fill_gaps: bool = False,
    ) -> list[Bucket]:
        """The metric per UTC-aligned bucket of ``interval`` (``"7m"``, ``"1h"``...) in SQL."""
        return await self.time_buckets(
            start, end, interval, field="value", filters={"name": name}, fill_gaps=fill_gaps
        )

    async def get_time_series(
        self, name: str, hours: int = 24, interval_minutes: int = 60, *, fill_gaps: bool = False
    ) -> list[Bucket]:
        """The last ``hours`` hours in buckets of ``interval_minutes`` (any width: 7, 120...)."""
        end = utc_now()
        start = end - timedelta(hours=checked_int(hours, "hours", 1, 24 * 3660))
        minutes = checked_int(interval_minutes, "interval_minutes", 1, 31 * 1440)
        return await self.time_series(name, start, end, minutes * 60, fill_gaps=fill_gaps)
