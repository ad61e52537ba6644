"""The ten query classes: every inventory method, and regressions of the earlier bugs."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

import specify_db.models.cache as model_cache
import specify_db.models.sql as model_sql
from specify_db.errors import InvalidQuery
from specify_db.models import (
    Command,
    Configuration,
    ExecutionStatus,
    PerformanceMetric,
    ProjectRead,
    UserRead,
)
from specify_db.queries import (
    AuditLogQueries,
    CacheQueries,
    CommandQueries,
    ConfigurationQueries,
    PerformanceMetricQueries,
    ProjectQueries,
    RDFSpecificationQueries,
    TelemetryEventQueries,
    UserQueries,
)
from tests.models.factories import (
    make_audit,
    make_cache,
    make_command,
    make_metric,
    make_project,
    make_spec,
    make_telemetry,
    make_user,
    sha,
)

NOW = datetime.now(UTC)


async def test_user_queries(session):
    alice = await make_user(session, username="alice", email="alice@example.com")
    await make_user(session, username="bob", is_active=False)
    await make_user(session, username="root", is_admin=True)
    q = UserQueries(session)
    found = await q.find_by_username("alice")
    assert found is not None
    assert found.id == alice.id
    assert isinstance(found, UserRead)
    assert "password_hash" not in found.model_dump()
    assert "api_key_hash" not in found.model_dump()
    assert (await q.find_by_email("alice@example.com")).id == alice.id
    assert await q.find_by_username("nobody") is None
    assert [u.username for u in await q.get_active_users()] == ["alice", "root"]
    assert [u.username for u in await q.get_active_users(limit=1)] == ["alice"]
    assert [u.username for u in await q.get_admins()] == ["root"]
    assert (await q.get_by_public_id(alice.public_id)).id == alice.id
    with pytest.raises(InvalidQuery):
        await q.get_by_public_id("not-a-uuid")
    with pytest.raises(InvalidQuery):
        await q.paginate(filters={"password_hash": "x"})
    with pytest.raises(InvalidQuery):
        await q.paginate(order_by="api_key_hash")


async def test_project_queries(session):
    owner = await make_user(session)
    other = await make_user(session)
    a = await make_project(session, owner, name="alpha", slug="alpha")
    await make_project(session, owner, name="beta", slug="beta", is_active=False)
    await make_project(session, other, name="gamma", slug="gamma")
    q = ProjectQueries(session)
    assert (await q.find_by_slug("alpha")).id == a.id
    assert [p.name for p in await q.find_by_owner(owner.id)] == ["alpha"]
    assert [p.name for p in await q.find_by_owner(owner.id, active_only=False)] == [
        "alpha",
        "beta",
    ]
    assert [p.name for p in await q.get_active_projects()] == ["alpha", "gamma"]
    recent = await q.get_recent_projects(days=1)
    assert {p.name for p in recent} == {"alpha", "beta", "gamma"}


async def test_pages_load_relationships_the_dto_names(session):
    owner = await make_user(session, username="owner1")
    await make_project(session, owner, name="one")

    class ProjectWithOwner(ProjectRead):
        owner: UserRead

    class ProjectOwnerQueries(ProjectQueries):
        read_model = ProjectWithOwner

    # Project.owner is lazy="raise": this works only because it is loaded with selectinload.
    page = await ProjectOwnerQueries(session).paginate()
    assert page.items[0].owner.username == "owner1"
    cursor = await ProjectOwnerQueries(session).cursor_page()
    assert cursor.items[0].owner.username == "owner1"


async def commands_fixture(session):
    user = await make_user(session)
    project = await make_project(session, user)
    rows = []
    for i in range(12):
        status = ExecutionStatus.FAILED if i % 3 == 0 else ExecutionStatus.SUCCESS
        started = NOW - timedelta(hours=i * 5)
        rows.append(
            await make_command(
                session,
                name=f"specify step-{i}",
                status=status,
                user_id=user.id,
                project_id=project.id if i % 2 else None,
                started_at=started,
                completed_at=started + timedelta(milliseconds=100 * (i + 1)),
                exit_code=1 if status is ExecutionStatus.FAILED else 0,
            )
        )
    return user, project, rows


async def test_command_queries(session):
    user, project, rows = await commands_fixture(session)
    q = CommandQueries(session)
    assert (await q.find_by_command_id(rows[0].public_id)).id == rows[0].id
    assert (await q.find_by_command_id(str(rows[0].public_id))).id == rows[0].id
    # Regression: limit used to be applied before order_by and crashed.
    latest = await q.find_by_user(user.id, limit=3)
    assert [c.id for c in latest] == [rows[0].id, rows[1].id, rows[2].id]
    by_project = await q.find_by_project(project.id, limit=2)
    assert [c.id for c in by_project] == [rows[1].id, rows[3].id]
    # Regression: status strings were case-sensitive ("SUCCESS" raised ValueError).
    for status in ("failed", "FAILED", "Failed", ExecutionStatus.FAILED):
        assert len(await q.find_by_status(status)) == 4
    assert len(await q.find_by_status("success", limit=2)) == 2
    with pytest.raises(InvalidQuery):
        await q.find_by_status("exploded")
    recent = await q.get_recent_commands(hours=24)
    assert [c.id for c in recent] == [r.id for r in rows[:5]]
    failed = await q.get_failed_commands(hours=24)
    assert [c.id for c in failed] == [rows[0].id, rows[3].id]
    with pytest.raises(InvalidQuery):
        await q.find_by_user(user.id, limit=-1)
    with pytest.raises(InvalidQuery):
        await q.find_by_user(user.id, limit=0)


async def test_command_statistics(session, backend):
    _, _, rows = await commands_fixture(session)
    await make_command(session, name="still running", started_at=NOW)
    stats = await CommandQueries(session).get_command_statistics()
    assert stats.total == 13
    assert stats.by_status == {"failed": 4, "success": 8, "pending": 1}
    durations = sorted(r.duration_ms for r in rows)
    assert stats.duration.min_ms == pytest.approx(min(durations))
    assert stats.duration.max_ms == pytest.approx(max(durations))
    assert stats.duration.avg_ms == pytest.approx(sum(durations) / 12)
    pos = 0.95 * 11
    k = math.floor(pos)
    p95 = durations[k] + (pos - k) * (durations[k + 1] - durations[k])
    assert stats.duration.p95_ms == pytest.approx(p95)
    assert stats.duration.p50_ms == pytest.approx((durations[5] + durations[6]) / 2)
    window = await CommandQueries(session).get_command_statistics(
        start_date=NOW - timedelta(hours=12), end_date=NOW + timedelta(seconds=1)
    )
    assert window.total == 4
    empty = await CommandQueries(session).get_command_statistics(start_date=NOW + timedelta(days=1))
    assert empty.total == 0
    assert empty.by_status == {}
    assert empty.duration.avg_ms is None
    assert empty.duration.p50_ms is None
    with pytest.raises(InvalidQuery):
        await CommandQueries(session).get_command_statistics(start_date=datetime(2026, 1, 1))


async def test_metric_queries(session):
    cmd = await make_command(session)
    base = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    for i in range(30):
        await make_metric(
            session, name="latency", value=float(i), timestamp=base + timedelta(minutes=i * 5),
            command_id=cmd.id if i < 3 else None,
        )  # fmt: skip
    await make_metric(session, name="other", value=1000.0, timestamp=base)
    q = PerformanceMetricQueries(session)
    newest = await q.find_by_name("latency", limit=2)  # regression: limit crashed
    assert [m.value for m in newest] == [29.0, 28.0]
    assert [m.value for m in await q.find_by_command(cmd.id)] == [0.0, 1.0, 2.0]
    agg = await q.aggregate_by_name("latency")
    assert (agg.count, agg.min, agg.max, agg.sum) == (30, 0.0, 29.0, sum(range(30)))
    assert agg.avg == pytest.approx(14.5)
    assert agg.percentiles["p50"] == pytest.approx(14.5)
    window = await q.aggregate_by_name(
        "latency", start_date=base, end_date=base + timedelta(minutes=10)
    )
    assert window.count == 2
    nothing = await q.aggregate_by_name("missing")
    assert nothing.count == 0
    assert nothing.avg is None
    # Regression: 7-minute buckets restarted every hour and 120 behaved as 60.
    seven = await q.time_series("latency", base, base + timedelta(hours=3), "7m")
    assert all(int(b.start.timestamp()) % 420 == 0 for b in seven)
    assert sum(b.count for b in seven) == 30
    two_hours = await q.time_series("latency", base, base + timedelta(hours=3), timedelta(hours=2))
    assert [(b.start.hour, b.count) for b in two_hours] == [(0, 24), (2, 6)]


async def test_get_time_series_uses_recent_window(session):
    now = datetime.now(UTC)
    for i in range(5):
        await make_metric(session, name="recent", value=1.0, timestamp=now - timedelta(minutes=i))
    await make_metric(session, name="recent", value=1.0, timestamp=now - timedelta(hours=30))
    buckets = await PerformanceMetricQueries(session).get_time_series(
        "recent", hours=24, interval_minutes=120, fill_gaps=True
    )
    assert sum(b.count for b in buckets) == 5
    assert len(buckets) in (12, 13)
    assert all(b.start.tzinfo is not None for b in buckets)


async def test_audit_queries(session):
    user = await make_user(session)
    await make_audit(session, user_id=user.id, resource_type="project", resource_id="7")
    await make_audit(session, user_id=user.id, resource_type="project", resource_id="8")
    await make_audit(session, resource_type="command", resource_id="")
    q = AuditLogQueries(session)
    assert len(await q.find_by_user(user.id)) == 2
    assert len(await q.find_by_user(user.id, limit=1)) == 1
    assert len(await q.find_by_resource("project")) == 2
    assert [a.resource_id for a in await q.find_by_resource("project", "8")] == ["8"]
    assert len(await q.find_by_resource("command", "")) == 1  # "" is a value, not "any"
    assert len(await q.get_recent_logs(hours=1)) == 3


async def test_rdf_queries(session):
    owner = await make_user(session)
    project = await make_project(session, owner)
    good = await make_spec(session, project, content_hash=sha("a"))
    bad = await make_spec(session, project, content_hash=sha("a"), valid=False)
    q = RDFSpecificationQueries(session)
    assert {s.id for s in await q.find_by_project(project.id)} == {good.id, bad.id}
    assert len(await q.find_by_hash(sha("a"))) == 2
    assert [s.id for s in await q.get_invalid_specs()] == [bad.id]


async def test_telemetry_queries(session):
    cmd = await make_command(session)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    trace = "ab" * 16
    for i in (2, 0, 1):
        await make_telemetry(
            session, trace_id=trace, name=f"span-{i}", start_time=t0 + timedelta(seconds=i),
            end_time=t0 + timedelta(seconds=i + 1), command_id=cmd.id,
        )  # fmt: skip
    q = TelemetryEventQueries(session)
    assert [e.name for e in await q.find_by_trace_id(trace)] == ["span-0", "span-1", "span-2"]
    assert len(await q.find_by_command(cmd.id)) == 3


async def test_cache_queries_expiry_matches_is_expired(session, monkeypatch):
    frozen = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    # The SQL form reads the clock through models.sql, the Python form through models.cache.
    monkeypatch.setattr(model_sql, "utc_now", lambda: frozen)
    monkeypatch.setattr(model_cache, "utc_now", lambda: frozen)
    exactly_now = await make_cache(session, key="now", expires_at=frozen)
    past = await make_cache(session, key="past", expires_at=frozen - timedelta(microseconds=1))
    await make_cache(session, key="future", expires_at=frozen + timedelta(seconds=1))
    await make_cache(session, key="never", expires_at=None)
    q = CacheQueries(session)
    assert (await q.find_by_key("past")).id == past.id
    expired = await q.get_expired_entries()
    # Regression: the query used <= while CacheEntry.is_expired used <.
    assert [e.key for e in expired] == ["past"]
    assert exactly_now.is_expired is False
    assert past.is_expired is True


async def test_configuration_queries(session):
    owner = await make_user(session)
    project = await make_project(session, owner)
    for key, value in (("b", "2"), ("a", "1")):
        row = Configuration(project_id=project.id, key=key, value=value, type="integer")
        session.add(row)
    await session.flush()
    q = ConfigurationQueries(session)
    found = await q.find_by_project_and_key(project.id, "a")
    assert found.value == "1"
    assert [c.key for c in await q.get_project_configs(project.id)] == ["a", "b"]
    assert await q.find_by_project_and_key(project.id, "zzz") is None


async def test_bound_to_a_manager_each_call_is_its_own_unit(clean_db):
    async with clean_db.session() as s:
        await make_user(s, username="managed")
    q = UserQueries(clean_db)
    assert (await q.find_by_username("managed")).username == "managed"
    page = await q.paginate(size=10)
    assert page.total == 1


def test_models_are_unchanged():
    # The domain classes read these attributes; a rename in the models must fail here first.
    assert Command.duration_ms is not None
    assert PerformanceMetric.value is not None
