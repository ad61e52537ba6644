"""Offset pages: totals, bounds, count strategies, stable order, serialisation."""

from __future__ import annotations

import json

import pytest

from specify_db.errors import InvalidQuery
from specify_db.queries import Page, PaginationResult
from tests.queries.conftest import ItemQueries, QItemRead
from tests.queries.helpers import item_rows, load_items


async def test_exact_pages_cover_every_row_once(session):
    await load_items(session, item_rows(95))
    q = ItemQueries(session)
    seen = []
    for number in range(1, 6):
        page = await q.paginate(page=number, size=20)
        assert page.total == 95
        assert page.pages == 5
        assert page.per_page == 20
        assert page.has_prev is (number > 1)
        assert page.has_next is (number < 5)
        seen += [item.id for item in page.items]
    assert len(seen) == 95 == len(set(seen))


async def test_page_past_the_end_is_empty_with_totals(session):
    await load_items(session, item_rows(30))
    page = await ItemQueries(session).paginate(page=9, size=10)
    assert page.items == []
    assert (page.total, page.pages, page.has_next, page.has_prev) == (30, 3, False, True)


async def test_filters_apply_to_items_and_total(session):
    await load_items(session, item_rows(60))
    page = await ItemQueries(session).paginate(
        size=100, filters={"category": "red", "rank__ge": 3}, order_by="-rank"
    )
    assert page.total == len(page.items) == 10
    assert all(i.category == "red" and i.rank >= 3 for i in page.items)
    ranks = [i.rank for i in page.items]
    assert ranks == sorted(ranks, reverse=True)


async def test_count_none_uses_an_extra_row(session):
    await load_items(session, item_rows(21))
    q = ItemQueries(session)
    first = await q.paginate(page=1, size=20, count="none")
    second = await q.paginate(page=2, size=20, count="none")
    assert first.total is None
    assert first.pages is None
    assert first.has_next
    assert len(second.items) == 1
    assert not second.has_next
    assert second.count_method == "none"


async def test_count_estimate(session, backend):
    await load_items(session, item_rows(40))
    page = await ItemQueries(session).paginate(page=1, size=10, count="estimate")
    expected = "exact" if backend == "sqlite" else "estimate"
    assert page.count_method == expected
    assert page.total is not None
    assert page.total >= 11  # never below what was seen
    filtered = await ItemQueries(session).paginate(
        page=1, size=10, count="estimate", filters={"category": "blue"}
    )
    assert filtered.total is not None
    assert filtered.total >= 10


async def test_default_order_is_stable_with_ties(session):
    # rank repeats 10 times: the primary key must break ties the same way on every page.
    await load_items(session, item_rows(50))
    q = ItemQueries(session)
    pages = [await q.paginate(page=n, size=7) for n in range(1, 9)]
    ids = [i.id for p in pages for i in p.items]
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    ("page", "size"), [(0, 10), (-1, 10), (1, 0), (1, -1), (1, 101), (True, 10), (1, 2**64)]
)
async def test_bad_page_arguments_are_refused_before_sql(session, sql_log, page, size):
    with pytest.raises(InvalidQuery):
        await ItemQueries(session).paginate(page=page, size=size)
    assert sql_log.statements == []


async def test_max_page_size_is_configurable(session):
    q = ItemQueries(session, max_page_size=5)
    with pytest.raises(InvalidQuery):
        await q.paginate(size=6)


async def test_page_serialises_without_secrets(session):
    await load_items(session, item_rows(3))
    page = await ItemQueries(session).paginate(size=2)
    payload = json.loads(page.model_dump_json())
    assert set(payload) >= {"items", "total", "page", "size", "pages", "has_next", "has_prev"}
    assert payload["per_page"] == 2
    assert "secret" not in payload["items"][0]
    again = Page[QItemRead].model_validate_json(page.model_dump_json())
    assert again.items == page.items
    assert PaginationResult is Page


def test_earlier_pagination_result_shape_still_builds():
    old = PaginationResult(items=[1, 2], total=45, page=2, per_page=20)
    assert (old.size, old.per_page, old.pages, old.has_next, old.has_prev) == (
        20,
        20,
        3,
        True,
        True,
    )
    last = PaginationResult(items=[], total=45, page=3, per_page=20)
    assert not last.has_next
    # Validation now refuses what the earlier class accepted silently.
    with pytest.raises(ValueError, match="page"):
        PaginationResult(items=[], total=0, page=0, per_page=20)
