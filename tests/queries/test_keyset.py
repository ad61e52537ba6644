"""Keyset pages: every row exactly once both ways, any direction; cursors are signed."""

from __future__ import annotations

import pytest

from specify_db.errors import InvalidQuery
from specify_db.queries.keyset import encode_cursor
from tests.queries.conftest import ItemQueries
from tests.queries.helpers import item_rows, load_items

ORDERS = ["rank", "-rank", "category,-rank", "-category,rank", "-created_at"]


async def walk_forward(q, order, size):
    ids, pages, cursor = [], [], None
    while True:
        page = await q.cursor_page(size=size, after=cursor, order_by=order)
        pages.append(page)
        ids += [item.id for item in page.items]
        if not page.has_next:
            return ids, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("order", ORDERS)
async def test_every_row_once_forwards_and_backwards(session, order):
    await load_items(session, item_rows(1000, run=10))
    q = ItemQueries(session, max_page_size=100)
    forward, pages = await walk_forward(q, order, 37)
    assert len(forward) == 1000 == len(set(forward))
    everything = await q.get_all(order_by=order)
    assert forward == [item.id for item in everything]
    assert pages[0].has_prev is False
    assert pages[-1].next_cursor is None
    # Walk back from the last page with before= cursors.
    backward: list[int] = []
    page = pages[-1]
    backward = [item.id for item in page.items]
    while page.has_prev:
        page = await q.cursor_page(size=37, before=page.prev_cursor, order_by=order)
        backward = [item.id for item in page.items] + backward
    assert backward == forward


async def test_keyset_with_filters(session):
    await load_items(session, item_rows(200))
    q = ItemQueries(session)
    first = await q.cursor_page(size=15, filters={"category": "green"}, order_by="-rank")
    second = await q.cursor_page(
        size=15, after=first.next_cursor, filters={"category": "green"}, order_by="-rank"
    )
    ids = [i.id for i in first.items + second.items]
    assert len(set(ids)) == 30
    assert all(i.category == "green" for i in first.items + second.items)


async def test_tampered_and_foreign_cursors_are_refused(session, sql_log):
    await load_items(session, item_rows(30))
    q = ItemQueries(session)
    page = await q.cursor_page(size=10, order_by="rank")
    cursor = page.next_cursor
    assert cursor is not None
    sql_log.statements.clear()
    body, mac = cursor.split(".")
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    for bad in [
        flipped + "." + mac,
        body + "." + mac[::-1],
        "not-a-cursor",
        "",
        "x" * 5000,
        encode_cursor("SomeOtherQueries|rank,id", [3, 31]),
    ]:
        with pytest.raises(InvalidQuery):
            await q.cursor_page(size=10, after=bad, order_by="rank")
    # A cursor made for one order is not valid for another.
    with pytest.raises(InvalidQuery):
        await q.cursor_page(size=10, after=cursor, order_by="-rank")
    assert sql_log.statements == []


async def test_cursor_arguments_are_checked(session):
    q = ItemQueries(session)
    with pytest.raises(InvalidQuery):
        await q.cursor_page(size=10, after="a", before="b")
    with pytest.raises(InvalidQuery, match="nullable"):
        await q.cursor_page(size=10, order_by="score")  # score is nullable
    with pytest.raises(InvalidQuery):
        await q.cursor_page(size=0)


async def test_empty_table_gives_an_empty_page(session):
    page = await ItemQueries(session).cursor_page(size=10)
    assert page.items == []
    assert not page.has_next
    assert page.next_cursor is None
