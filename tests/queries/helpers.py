"""Bulk loading of test rows with one Core insert."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.queries.conftest import QItem

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def item_rows(n: int, *, run: int = 10, **overrides: Any) -> list[dict[str, Any]]:
    """``n`` rows whose ``rank`` repeats in runs of ``run`` (0,0,...,1,1,...)."""
    rows = []
    for i in range(n):
        row = {
            "public_id": uuid.uuid4(),
            "name": f"item-{i:05d}",
            "category": ("red", "green", "blue")[i % 3],
            "rank": i // run,
            "score": float(i % 17),
            "created_at": T0 + timedelta(minutes=i),
            "secret": "s3cret",
            "data": {"env": "prod" if i % 2 else "dev", "n": i},
        }
        row.update(overrides)
        rows.append(row)
    return rows


async def load_items(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await session.exec(insert(QItem), params=rows)
    await session.flush()
