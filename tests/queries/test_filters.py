"""The filter language: every operator, and every bad input refused before any SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from specify_db.errors import InvalidQuery
from specify_db.queries import F
from tests.queries.conftest import ItemQueries
from tests.queries.helpers import T0, item_rows, load_items


async def ids(q, filters):
    return sorted(item.id for item in await q.find(filters))


async def test_operators(session):
    rows = item_rows(30)
    rows[0]["name"] = "100%_sure"
    rows[1]["name"] = "100 percent sure"
    rows[2]["score"] = None
    await load_items(session, rows)
    q = ItemQueries(session)
    everything = await q.find()
    by_name = {i.name: i for i in everything}
    assert len(await q.find({"rank": 1})) == 10
    assert len(await q.find({"rank__ne": 1})) == 20
    assert len(await q.find({"rank__lt": 1})) == 10
    assert len(await q.find({"rank__le": 1})) == 20
    assert len(await q.find({"rank__gt": 1})) == 10
    assert len(await q.find({"rank__ge": 1})) == 20
    assert len(await q.find({"rank__in": [0, 2]})) == 20
    assert len(await q.find({"rank__not_in": [0, 2]})) == 10
    assert len(await q.find({"score__between": [3, 5]})) == sum(
        1 for i in everything if i.score is not None and 3 <= i.score <= 5
    )
    assert [i.name for i in await q.find({"score__is_null": True})] == [rows[2]["name"]]
    assert len(await q.find({"score__is_null": False})) == 29
    # LIKE wildcards are literal; matching is case-insensitive.
    assert [i.name for i in await q.find({"name__contains": "%_"})] == ["100%_sure"]
    assert [i.name for i in await q.find({"name__startswith": "100%"})] == ["100%_sure"]
    assert len(await q.find({"name__endswith": "SURE"})) == 2
    assert len(await q.find({"name__contains": "_"})) == 1
    # JSON key equality (string and integer values).
    assert len(await q.find({"data__json_eq": {"env": "prod"}})) == 15
    assert len(await q.find({"data__json_eq": {"env": "dev", "n": 4}})) == 1
    # Datetimes arrive as aware datetimes or ISO strings.
    assert len(await q.find({"created_at__lt": T0 + timedelta(minutes=5)})) == 5
    assert len(await q.find({"created_at__lt": "2026-01-01T00:05:00Z"})) == 5
    assert "item-00005" in by_name


async def test_and_or_combinations(session):
    await load_items(session, item_rows(30))
    q = ItemQueries(session)
    typed = F("category").eq("red") & (F("rank").eq(0) | F("rank").eq(2))
    as_dict = {"category": "red", "or": [{"rank": 0}, {"rank": 2}]}
    assert await ids(q, typed) == await ids(q, as_dict)
    assert len(await ids(q, typed)) == 7
    assert await ids(q, F.or_(F("rank").eq(0), F("rank").eq(1))) == await ids(
        q, {"rank__in": [0, 1]}
    )
    assert await ids(q, F.and_(F("rank").ge(1), F("rank").le(1))) == await ids(q, {"rank": 1})


INJECTIONS = [
    {"id; DROP TABLE users": 1},
    {"secret": "s3cret"},  # a column that exists but is not allow-listed
    {"password_hash": "x"},
    {"name__like": "%"},  # unknown operator
    {"name__eq__gt": 1},
    {"rank__gt": "1 OR 1=1"},
    {"rank__in": "1,2"},
    {"rank__in": []},
    {"rank__between": [1]},
    {"rank": None},
    {"score__gt": float("nan")},
    {"score__lt": float("inf")},
    {"score__is_null": "yes"},
    {"created_at__gt": datetime(2026, 1, 1)},  # naive
    {"created_at__gt": "yesterday"},
    {"name__contains": 5},
    {"rank__contains": "1"},
    {"name": "a\x00b"},
    {"data__json_eq": {"env') OR 1=1 --": "x"}},
    {"data__json_eq": {"env": ["a"]}},
    {"data": "{}"},
    {"name__json_eq": {"a": 1}},
    {"or": []},
    {"and": "x"},
    {1: 2},
    F("secret").eq("x"),
    F("name").eq("x") | F("nope").eq(1),
    "name = 'x'",
]


@pytest.mark.parametrize("filters", INJECTIONS, ids=[str(i)[:40] for i in INJECTIONS])
async def test_bad_filters_are_refused_before_sql(session, sql_log, filters):
    q = ItemQueries(session)
    for call in (q.find, q.count, q.paginate, q.cursor_page):
        with pytest.raises(InvalidQuery):
            await call(filters=filters)
    assert sql_log.statements == []


SORTS = [
    "id; DROP TABLE users",
    "password_hash",
    "secret",
    "-secret",
    "name desc",
    "rank,rank",
    ["rank", 1],
    "",
    "a,b,c,d,e",
    "data",
    ("name", "(SELECT 1)"),
]


@pytest.mark.parametrize("order_by", SORTS, ids=[str(s) for s in SORTS])
async def test_bad_sort_keys_are_refused_before_sql(session, sql_log, order_by):
    q = ItemQueries(session)
    for call in (q.find, q.paginate, q.cursor_page, q.get_all):
        with pytest.raises(InvalidQuery):
            await call(order_by=order_by)
    assert sql_log.statements == []


async def test_values_are_bound_parameters(session, sql_log):
    q = ItemQueries(session)
    await q.find({"name": "'; DROP TABLE test_q_items; --", "name__contains": "%x_"})
    sql = " ".join(sql_log.statements)
    assert "DROP TABLE" not in sql
    assert "%x_" not in sql
