"""Aggregates computed in SQL and returned as typed rows.

``count`` / ``sum`` / ``avg`` / ``min`` / ``max`` are plain SQL aggregates. Percentiles use
``percentile_cont`` on PostgreSQL; on MariaDB/MySQL and SQLite the same continuous
(linearly interpolated) percentile is computed in SQL with window functions: each value gets
its rank ``ROW_NUMBER()`` and the group size ``COUNT(*)`` over its group, and the percentile
``p`` is ``v[k] + (pos - k) * (v[k+1] - v[k])`` with ``pos = 1 + p * (n - 1)``, ``k = floor(pos)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Float, and_, case, cast, func, literal, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.errors import InvalidQuery
from specify_db.queries.capabilities import Capabilities, PercentileMethod
from specify_db.queries.execute import execute

__all__ = ["AggregateRow", "run_aggregate"]

DEFAULT_PERCENTILES = (50, 95, 99)


class AggregateRow(BaseModel):
    """Aggregates of one group.

    Attributes:
        group: the group-by field values (empty without group-by).
        count: rows in the group (including rows whose value is NULL).
        sum / avg / min / max: over the non-NULL values; None when there are none.
        percentiles: ``{"p50": ..., "p95": ...}`` over the non-NULL values.
        percentile_method: ``"percentile_cont"`` (PostgreSQL) or ``"window"`` (window
            functions in SQL, same interpolation).
    """

    model_config = ConfigDict(frozen=True)

    group: dict[str, Any]
    count: int
    sum: float | None
    avg: float | None
    min: float | None
    max: float | None
    percentiles: dict[str, float | None]
    percentile_method: PercentileMethod


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def check_percentiles(percentiles: Sequence[float]) -> list[float]:
    """Percentiles as fractions in [0, 1] from values in [0, 100]."""
    fractions = []
    for p in percentiles:
        checked: object = p
        if isinstance(checked, bool) or not isinstance(checked, int | float) or not 0 <= p <= 100:
            raise InvalidQuery(f"percentile {p!r} must be a number between 0 and 100")
        fractions.append(float(p) / 100.0)
    return fractions


def _label(p: float) -> str:
    text = f"{p * 100:g}".replace(".", "_")
    return f"p{text}"


async def run_aggregate(
    session: AsyncSession,
    caps: Capabilities,
    source: Any,
    value: ColumnElement[Any],
    groups: Mapping[str, ColumnElement[Any]],
    where: ColumnElement[bool] | None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> list[AggregateRow]:
    """Run the aggregate query (and, off PostgreSQL, the window-function percentile query)."""
    fractions = check_percentiles(percentiles)
    group_cols = [col.label(f"g_{i}") for i, col in enumerate(groups.values())]
    measures = [
        func.count().label("n"),
        func.sum(value).label("s"),
        func.avg(value).label("a"),
        func.min(value).label("lo"),
        func.max(value).label("hi"),
    ]
    if caps.percentile_method == "percentile_cont":
        measures += [
            func.percentile_cont(p).within_group(value).label(f"q_{i}")
            for i, p in enumerate(fractions)
        ]
    stmt: Select[Any] = select(*group_cols, *measures).select_from(source)
    if where is not None:
        stmt = stmt.where(where)
    if groups:
        stmt = stmt.group_by(*groups.values()).order_by(*groups.values())
    rows = (await execute(session, stmt)).all()
    names = list(groups)
    window: dict[tuple[Any, ...], list[float | None]] = {}
    if caps.percentile_method == "window" and fractions:
        window = await _window_percentiles(session, caps, source, value, groups, where, fractions)
    result = []
    for row in rows:
        key = tuple(row[: len(names)])
        measured = row[len(names) :]
        if caps.percentile_method == "percentile_cont":
            quantiles = [_float(q) for q in measured[5:]]
        else:
            quantiles = window.get(key, [None] * len(fractions))
        result.append(
            AggregateRow(
                group=dict(zip(names, key, strict=True)),
                count=int(measured[0]),
                sum=_float(measured[1]),
                avg=_float(measured[2]),
                min=_float(measured[3]),
                max=_float(measured[4]),
                percentiles={_label(p): q for p, q in zip(fractions, quantiles, strict=True)},
                percentile_method=caps.percentile_method,
            )
        )
    return result


async def _window_percentiles(
    session: AsyncSession,
    caps: Capabilities,
    source: Any,
    value: ColumnElement[Any],
    groups: Mapping[str, ColumnElement[Any]],
    where: ColumnElement[bool] | None,
    fractions: Sequence[float],
) -> dict[tuple[Any, ...], list[float | None]]:
    group_exprs = list(groups.values())
    condition = value.is_not(None) if where is None else and_(where, value.is_not(None))
    ranked = (
        select(
            *(col.label(f"g_{i}") for i, col in enumerate(group_exprs)),
            cast(value, Float).label("v"),
            func.row_number().over(partition_by=group_exprs or None, order_by=value).label("rn"),
            func.count().over(partition_by=group_exprs or None).label("cnt"),
        )
        .select_from(source)
        .where(condition)
        .subquery("ranked")
    )
    ranked_groups = [ranked.c[f"g_{i}"] for i in range(len(group_exprs))]
    n = ranked.c.cnt
    columns = []
    for i, p in enumerate(fractions):
        # pos is 1-based; k = floor(pos); interpolate towards the next rank.
        pos_row = literal(1.0) + literal(p) * (n - 1)
        k_row = caps.floor_int(pos_row)
        low = func.max(case((ranked.c.rn == k_row, ranked.c.v)))
        high = func.max(case((ranked.c.rn == k_row + 1, ranked.c.v)))
        pos = literal(1.0) + literal(p) * (func.max(n) - 1)
        fraction = pos - caps.floor_int(pos)
        columns.append((low + fraction * (func.coalesce(high, low) - low)).label(f"q_{i}"))
    stmt = select(*ranked_groups, *columns)
    if ranked_groups:
        stmt = stmt.group_by(*ranked_groups)
    rows = (await execute(session, stmt)).all()
    width = len(ranked_groups)
    return {tuple(row[:width]): [_float(q) for q in row[width:]] for row in rows}
