"""Enums: lenient input (member, value, name, any case), strict lower-case storage."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, StatementError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import (
    AuditAction,
    AuditLogCreate,
    Command,
    CommandCreate,
    ExecutionStatus,
    MetricType,
    PerformanceMetricCreate,
)
from tests.models.factories import make_audit, make_command, make_metric, raw


@pytest.mark.parametrize("given", ["SUCCESS", "success", "Success", ExecutionStatus.SUCCESS])
def test_dto_accepts_member_value_and_name(given: object) -> None:
    assert CommandCreate(name="x", status=given).status is ExecutionStatus.SUCCESS  # type: ignore[arg-type]


def test_dto_refuses_unknown_values() -> None:
    with pytest.raises(ValidationError):
        CommandCreate(name="x", status="succeeded")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        PerformanceMetricCreate(name="x", value=1.0, type="meter")  # type: ignore[arg-type]


def test_every_enum_looks_up_names_and_values_case_insensitively() -> None:
    for enum_class in (ExecutionStatus, AuditAction, MetricType):
        for member in enum_class:
            for given in (
                member,
                member.value,
                member.name,
                member.name.lower(),
                member.value.upper(),
            ):
                assert enum_class(given) is member


async def test_storage_is_the_lower_case_value(session: AsyncSession) -> None:
    ids = [
        (await make_command(session, status=given)).id
        for given in ("SUCCESS", "success", ExecutionStatus.SUCCESS)
    ]
    # Table objects built without a DTO are coerced by the column type as well.
    direct = Command(name="direct", status="FAILED")  # type: ignore[arg-type]
    session.add(direct)
    await session.flush()
    rows = await raw(
        session,
        f"SELECT status FROM commands WHERE id IN ({', '.join(str(i) for i in ids)}) ORDER BY id",
    )
    assert [r[0] for r in rows] == ["success", "success", "success"]
    rows = await raw(session, "SELECT status FROM commands WHERE id = :id", id=direct.id)
    assert rows == [("failed",)]

    metric = await make_metric(session, type="HISTOGRAM")
    audit = await make_audit(session, action="Config_Change")
    assert await raw(
        session, "SELECT type FROM performance_metrics WHERE id = :id", id=metric.id
    ) == [("histogram",)]
    assert await raw(session, "SELECT action FROM audit_logs WHERE id = :id", id=audit.id) == [
        ("config_change",)
    ]


async def test_reads_return_members(session: AsyncSession) -> None:
    cmd = await make_command(session, status="timeout")
    loaded = (
        await session.exec(
            select(Command).where(Command.id == cmd.id).execution_options(populate_existing=True)
        )
    ).one()
    assert loaded.status is ExecutionStatus.TIMEOUT


async def test_queries_accept_names_as_well(session: AsyncSession) -> None:
    """Regression (inventory 9.14): filtering by "SUCCESS" used to raise ValueError."""
    cmd = await make_command(session, status="success", exit_code=0)
    for given in ("SUCCESS", "success", ExecutionStatus.SUCCESS):
        found = (
            await session.exec(
                select(Command.id).where(Command.id == cmd.id, Command.status == given)
            )
        ).all()
        assert found == [cmd.id]
    found = (
        await session.exec(
            select(Command.id).where(
                Command.id == cmd.id, col(Command.status).in_(["FAILED", "Success"])
            )
        )
    ).all()
    assert found == [cmd.id]


async def test_column_refuses_unknown_values(session: AsyncSession) -> None:
    nested = await session.begin_nested()
    session.add(Command(name="bad", status="exploded"))  # type: ignore[arg-type]
    with pytest.raises(StatementError):
        await session.flush()
    await nested.rollback()


async def test_check_constraint_refuses_upper_case_from_raw_sql(session: AsyncSession) -> None:
    # Bypassing the column type: the named CHECK still rejects what is not a stored value.
    conn = await session.connection()
    nested = await session.begin_nested()
    with pytest.raises(DBAPIError) as caught:
        await conn.exec_driver_sql(
            "INSERT INTO audit_logs (public_id, action, resource_type) "
            f"VALUES ('{uuid.uuid4().hex}', 'LOGIN', 'user')"
        )
    await nested.rollback()
    assert "ck_audit_logs_action" in str(caught.value)


def test_dto_output_is_the_value() -> None:
    dto = AuditLogCreate(action="LOGIN", resource_type="user")  # type: ignore[arg-type]
    assert dto.model_dump(mode="json")["action"] == "login"
