"""Exactly-once creates when the reply to COMMIT is lost, and race-safe get_or_create."""

from __future__ import annotations

import asyncio

from specify_db import DatabaseManager
from tests.repositories.faults import lost_commit_manager
from tests.repositories.widgets import WidgetRepository


async def test_replayed_create_returns_the_committed_row(
    clean_db: DatabaseManager, backend_url: str
) -> None:
    async with lost_commit_manager(backend_url) as lost:
        repo = WidgetRepository(lost.manager)
        lost.cut_next_commit()
        made = await repo.create({"name": "exactly-once", "quantity": 1})
        assert lost.cuts == 1
        assert made.name == "exactly-once"
    assert await WidgetRepository(clean_db).count() == 1
    assert (await WidgetRepository(clean_db).get(made.id)).public_id == made.public_id


async def test_replayed_create_many_inserts_once(
    clean_db: DatabaseManager, backend_url: str
) -> None:
    async with lost_commit_manager(backend_url) as lost:
        repo = WidgetRepository(lost.manager)
        lost.cut_next_commit()
        rows = await repo.create_many([{"name": f"b{i}"} for i in range(5)])
        assert lost.cuts == 1
        assert isinstance(rows, list)
        assert [r.name for r in rows] == [f"b{i}" for i in range(5)]
        lost.cut_next_commit()
        count = await repo.create_many([{"name": f"c{i}"} for i in range(5)], returning=False)
        assert lost.cuts == 2
        assert count == 5
    assert await WidgetRepository(clean_db).count() == 10


async def test_get_or_create_from_20_tasks_yields_one_row(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)

    async def one(i: int) -> tuple[int, bool]:
        row, created = await repo.get_or_create(
            {"name": "contended", "quantity": i}, lookup=["name"]
        )
        assert row.id is not None
        return row.id, created

    results = await asyncio.gather(*(one(i) for i in range(20)))
    assert len({row_id for row_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await repo.count() == 1


async def test_replayed_copy_sized_create_many_inserts_once(
    clean_db: DatabaseManager, backend_url: str
) -> None:
    async with lost_commit_manager(backend_url) as lost:
        repo = WidgetRepository(lost.manager)
        lost.cut_next_commit()
        rows = [{"name": f"k{i}", "meta": {"i": i}} for i in range(2_100)]
        assert await repo.create_many(rows, returning=False) == 2_100
        assert lost.cuts == 1
    repo = WidgetRepository(clean_db)
    assert await repo.count() == 2_100
    assert (await repo.list({"name": "k7"}))[0].meta == {"i": 7}
