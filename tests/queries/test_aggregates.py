"""Aggregates and time buckets computed in SQL, checked against pure-Python references."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from specify_db.errors import InvalidQuery
from specify_db.queries.buckets import parse_interval
from tests.queries.conftest import ItemQueries
from tests.queries.helpers import item_rows, load_items


def percentile_cont(values, p):
    ordered = sorted(values)
    pos = p * (len(ordered) - 1)
    k = math.floor(pos)
    if k + 1 >= len(ordered):
        return ordered[k]
    return ordered[k] + (pos - k) * (ordered[k + 1] - ordered[k])


async def test_aggregate_with_percentiles_and_groups(session, backend):
    rng = random.Random(7)
    rows = item_rows(300)
    for row in rows:
        row["score"] = None if rng.random() < 0.05 else round(rng.uniform(0, 1000), 3)
    await load_items(session, rows)
    q = ItemQueries(session)
    (overall,) = await q.aggregate("score", percentiles=(50, 95, 99))
    values = [r["score"] for r in rows if r["score"] is not None]
    assert overall.count == 300
    assert overall.min == min(values)
    assert overall.max == max(values)
    assert overall.sum == pytest.approx(sum(values))
    assert overall.avg == pytest.approx(sum(values) / len(values))
    for p in (50, 95, 99):
        assert overall.percentiles[f"p{p}"] == pytest.approx(percentile_cont(values, p / 100))
    expected_method = "percentile_cont" if backend == "postgres" else "window"
    assert overall.percentile_method == expected_method

    grouped = await q.aggregate("score", group_by="category", percentiles=(50,))
    assert [g.group["category"] for g in grouped] == ["blue", "green", "red"]
    for g in grouped:
        mine = [r["score"] for r in rows if r["category"] == g.group["category"]]
        present = [v for v in mine if v is not None]
        assert g.count == len(mine)
        assert g.percentiles["p50"] == pytest.approx(percentile_cont(present, 0.5))


async def test_aggregate_of_nothing(session):
    (row,) = await ItemQueries(session).aggregate("score", filters={"rank": -1})
    assert row.count == 0
    assert row.avg is None
    assert row.percentiles["p50"] is None


async def test_aggregate_refuses_unknown_fields(session, sql_log):
    q = ItemQueries(session)
    for kwargs in ({"field": "secret"}, {"field": "name"}, {"field": "score", "group_by": "x"}):
        with pytest.raises(InvalidQuery):
            await q.aggregate(**kwargs)
    with pytest.raises(InvalidQuery):
        await q.aggregate("score", percentiles=(101,))
    assert sql_log.statements == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("7m", 420), ("1h", 3600), ("1d", 86400), (timedelta(minutes=5), 300), (60, 60)],
)
def test_parse_interval(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    "bad", ["0s", "1.5m", "1y", "", "40d", timedelta(milliseconds=1500), -5, True]
)
def test_bad_intervals(bad):
    with pytest.raises(InvalidQuery):
        parse_interval(bad)


def reference_buckets(rows, start, end, seconds):
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    found = {}
    for row in rows:
        t = row["created_at"]
        if not start <= t < end:
            continue
        delta = t - epoch
        index = (delta.days * 86400 + delta.seconds) // seconds
        found.setdefault(index, []).append(row["score"])
    return found


@pytest.fixture
async def random_rows(session):
    rng = random.Random(2026)
    base = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    rows = item_rows(10_000)
    for row in rows:
        row["created_at"] = base + timedelta(microseconds=rng.randrange(3 * 86400 * 10**6))
        row["score"] = round(rng.uniform(0, 500), 2)
    await load_items(session, rows)
    return rows


@pytest.mark.parametrize("interval", ["1m", "7m", "1h", "1d"])
async def test_time_buckets_match_python(session, random_rows, interval):
    seconds = parse_interval(interval)
    q = ItemQueries(session)
    start = datetime(2026, 3, 1, 0, 13, 17, tzinfo=UTC)
    end = datetime(2026, 3, 3, 22, 59, 1, tzinfo=UTC)
    expected = reference_buckets(random_rows, start, end, seconds)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    got = await q.time_buckets(start, end, interval, field="score")
    assert [b.start for b in got] == [
        epoch + timedelta(seconds=i * seconds) for i in sorted(expected)
    ]
    for bucket in got:
        values = expected[int((bucket.start - epoch).total_seconds()) // seconds]
        assert bucket.start.tzinfo is not None
        assert bucket.start.utcoffset() == timedelta(0)
        assert bucket.count == len(values)
        assert bucket.min == min(values)
        assert bucket.max == max(values)
        assert bucket.sum == pytest.approx(sum(values))
        assert bucket.avg == pytest.approx(sum(values) / len(values))

    filled = await q.time_buckets(start, end, interval, field="score", fill_gaps=True)
    first = (int((start - epoch).total_seconds())) // seconds
    last = (int((end - epoch).total_seconds()) - 1) // seconds
    assert [b.start for b in filled] == [
        epoch + timedelta(seconds=i * seconds) for i in range(first, last + 1)
    ]
    by_start = {b.start: b for b in got}
    for bucket in filled:
        if bucket.start in by_start:
            assert bucket == by_start[bucket.start]
        else:
            assert bucket.count == 0
            assert bucket.sum is None
    assert sum(b.count for b in filled) == sum(len(v) for v in expected.values())


async def test_time_buckets_with_filters_and_gaps(session):
    await load_items(session, item_rows(120))  # one row a minute from T0
    q = ItemQueries(session)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    got = await q.time_buckets(
        start, start + timedelta(hours=3), "1h", field="rank",
        filters={"category": "red"}, fill_gaps=True,
    )  # fmt: skip
    assert [b.count for b in got] == [20, 20, 0]


async def test_time_buckets_refuse_bad_input(session, sql_log):
    q = ItemQueries(session)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for args in [
        (start.replace(tzinfo=None), start + timedelta(days=1), "1h"),
        (start, start, "1h"),
        (start, start + timedelta(days=1), "1x"),
    ]:
        with pytest.raises(InvalidQuery):
            await q.time_buckets(*args, field="score")
    with pytest.raises(InvalidQuery):
        await q.time_buckets(start, start + timedelta(days=1), "1h", field="secret")
    with pytest.raises(InvalidQuery):
        await q.time_buckets(
            start, start + timedelta(days=400), "1s", field="score", fill_gaps=True
        )
    assert sql_log.statements == []
