"""The generic Repository on every backend, bound to a manager and to a session."""

from __future__ import annotations

import uuid

import pydantic
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager
from specify_db.errors import AlreadyExists, InvalidQuery, NotFound
from tests.repositories.widgets import Widget, WidgetCreate, WidgetRepository


async def test_create_get_and_public_id(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    made = await repo.create({"name": "a", "quantity": 3, "meta": {"k": [1, 2]}})
    assert made.id is not None
    assert made.meta == {"k": [1, 2]}
    assert made.created_at.tzinfo is not None
    again = await repo.get(made.id)
    assert (again.name, again.quantity, again.public_id) == ("a", 3, made.public_id)
    assert (await repo.get_by_public_id(made.public_id)).id == made.id
    assert (await repo.get_by_public_id(str(made.public_id))).id == made.id
    assert await repo.get_or_none((made.id or 0) + 1000) is None
    with pytest.raises(NotFound):
        await repo.get((made.id or 0) + 1000)
    with pytest.raises(NotFound):
        await repo.get_by_public_id(uuid.uuid4())


async def test_create_accepts_dto_and_refuses_unknown_keys(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    made = await repo.create(WidgetCreate(name="dto"))
    assert made.quantity == 0
    with pytest.raises(pydantic.ValidationError):
        await repo.create({"name": "x", "metadata": {}})
    assert await repo.count() == 1


async def test_duplicate_raises_already_exists_naming_the_key(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    await repo.create({"name": "dup"})
    with pytest.raises(AlreadyExists, match="name"):
        await repo.create({"name": "dup"})
    assert await repo.count() == 1


async def test_create_with_same_public_id_returns_existing_row(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    dto = WidgetCreate(name="once")
    first = await repo.create(dto)
    second = await repo.create(dto)
    assert second.id == first.id
    assert await repo.count() == 1


async def test_list_count_exists(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    for i in range(5):
        await repo.create({"name": f"w{i}", "quantity": i % 2})
    assert [w.name for w in await repo.list(order_by="-name", limit=2)] == ["w4", "w3"]
    assert [w.name for w in await repo.list({"quantity": 1})] == ["w1", "w3"]
    assert [w.name for w in await repo.list(order_by=["quantity", "-id"], offset=3)] == [
        "w3",
        "w1",
    ]
    assert await repo.count() == 5
    assert await repo.count({"quantity": 0}) == 3
    first = (await repo.list(limit=1))[0]
    assert await repo.exists(first.id)
    assert not await repo.exists((first.id or 0) + 1000)
    assert await repo.exists(name="w2")
    with pytest.raises(InvalidQuery):
        await repo.list({"nope": 1})
    with pytest.raises(InvalidQuery):
        await repo.list(order_by="-nope")
    with pytest.raises(InvalidQuery):
        await repo.list(limit=-1)


async def test_update_patches_only_given_keys(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    made = await repo.create({"name": "u", "quantity": 1, "note": "keep"})
    changed = await repo.update(made.id, {"quantity": 7})
    assert (changed.quantity, changed.note) == (7, "keep")
    assert changed.updated_at >= made.updated_at
    assert (await repo.get(made.id)).quantity == 7
    with pytest.raises(NotFound):
        await repo.update((made.id or 0) + 1000, {"quantity": 1})


async def test_update_rejects_unknown_key_metadata(clean_db: DatabaseManager) -> None:
    """Regression (inventory bug 11): ``metadata=`` was silently ignored."""
    repo = WidgetRepository(clean_db)
    made = await repo.create({"name": "m"})
    with pytest.raises(pydantic.ValidationError):
        await repo.update(made.id, {"metadata": {"a": 1}})
    with pytest.raises(pydantic.ValidationError):
        await repo.update(made.id, {"name": None})
    assert (await repo.update(made.id, {"meta": {"a": 1}})).meta == {"a": 1}


async def test_upsert_inserts_then_updates(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    first = await repo.upsert({"name": "up", "quantity": 1}, on=["name"])
    second = await repo.upsert({"name": "up", "quantity": 2, "note": "n"}, on=["name"])
    assert second.id == first.id
    assert (second.quantity, second.note) == (2, "n")
    assert second.public_id == first.public_id
    assert await repo.count() == 1
    by_public = await repo.upsert(WidgetCreate(public_id=first.public_id, name="up", quantity=5))
    assert (by_public.id, by_public.quantity) == (first.id, 5)


async def test_delete(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    made = await repo.create({"name": "d"})
    await repo.delete(made.id)
    assert await repo.get_or_none(made.id) is None
    with pytest.raises(NotFound):
        await repo.delete(made.id)


async def test_get_or_create(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    made, created = await repo.get_or_create({"name": "g", "quantity": 1}, lookup=["name"])
    same, created_again = await repo.get_or_create({"name": "g", "quantity": 9}, lookup=["name"])
    assert created
    assert not created_again
    assert same.id == made.id
    assert same.quantity == 1
    with pytest.raises(InvalidQuery):
        await repo.get_or_create({"name": "g"}, lookup=["nope"])


async def test_create_many_returns_rows_in_order(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    rows = await repo.create_many(
        [{"name": f"b{i}", "note": None if i % 3 else "x"} for i in range(25)]
    )
    assert isinstance(rows, list)
    assert [r.name for r in rows] == [f"b{i}" for i in range(25)]
    assert all(r.id is not None and r.created_at is not None for r in rows)
    assert await repo.create_many([]) == []
    assert await repo.create_many([{"name": "c0"}, {"name": "c1"}], returning=False) == 2
    assert await repo.count() == 27


async def test_create_many_is_atomic(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    await repo.create({"name": "taken"})
    with pytest.raises(AlreadyExists):
        await repo.create_many([{"name": "new1"}, {"name": "taken"}, {"name": "new2"}])
    with pytest.raises(AlreadyExists):
        await repo.create_many([{"name": "n1"}, {"name": "taken"}], returning=False)
    assert await repo.count() == 1


async def test_create_many_without_rows_uses_copy_size_batches(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    count = await repo.create_many(
        [{"name": f"k{i}", "meta": {"i": i}, "note": None} for i in range(2_500)],
        returning=False,
    )
    assert count == 2_500
    assert await repo.count() == 2_500
    sample = await repo.list({"name": "k7"})
    assert sample[0].meta == {"i": 7}
    assert sample[0].created_at.tzinfo is not None


async def test_update_many_is_set_based_and_atomic(clean_db: DatabaseManager) -> None:
    """Regression (bulk_update committed per row): a missing id writes nothing."""
    repo = WidgetRepository(clean_db)
    rows = await repo.create_many([{"name": f"u{i}", "quantity": 0} for i in range(10)])
    assert isinstance(rows, list)
    updates: list[dict[str, object]] = [{"id": r.id, "quantity": i} for i, r in enumerate(rows)]
    updates[3]["note"] = "three"
    updates[4]["meta"] = {"four": [4, None]}
    assert await repo.update_many(updates) == 10
    after = {w.name: w for w in await repo.list()}
    assert after["u4"].meta == {"four": [4, None]}
    assert after["u4"].updated_at > rows[4].updated_at
    assert after["u5"].quantity == 5
    assert after["u3"].note == "three"
    with pytest.raises(NotFound):
        await repo.update_many([{"id": rows[0].id, "quantity": 99}, {"id": 10**9, "quantity": 1}])
    assert (await repo.get(rows[0].id)).quantity == 0
    by_public = [{"public_id": rows[1].public_id, "quantity": 42}]
    assert await repo.update_many(by_public, id_key="public_id") == 1
    assert (await repo.get(rows[1].id)).quantity == 42
    with pytest.raises(pydantic.ValidationError):
        await repo.update_many([{"id": rows[0].id, "metadata": {}}])
    with pytest.raises(InvalidQuery):
        await repo.update_many([{"quantity": 1}])
    assert await repo.update_many([]) == 0


async def test_upsert_many_inserts_and_updates(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    await repo.create_many([{"name": f"s{i}", "quantity": 0} for i in range(4)])
    written = await repo.upsert_many(
        [{"name": f"s{i}", "quantity": i + 1} for i in range(8)], on=["name"]
    )
    assert written == 8
    assert {w.name: w.quantity for w in await repo.list()} == {f"s{i}": i + 1 for i in range(8)}
    assert await repo.upsert_many([]) == 0


async def test_delete_many(clean_db: DatabaseManager) -> None:
    repo = WidgetRepository(clean_db)
    rows = await repo.create_many([{"name": f"x{i}"} for i in range(6)])
    assert isinstance(rows, list)
    assert await repo.delete_many([r.id for r in rows[:4]] + [10**9]) == 4
    assert await repo.count() == 2


async def test_session_binding_joins_and_never_commits(db: DatabaseManager) -> None:
    async with db.session() as session:
        repo = WidgetRepository(session)
        made = await repo.create({"name": "joined"})
        assert session.in_transaction()
        assert await repo.get(made.id) is made
        await session.rollback()
    assert await WidgetRepository(db).count() == 0


async def test_two_repositories_on_one_session_roll_back_together(db: DatabaseManager) -> None:
    with pytest.raises(AlreadyExists):
        async with db.session() as session:
            first, second = WidgetRepository(session), WidgetRepository(session)
            await first.create({"name": "together"})
            await second.create({"name": "together"})
    assert await WidgetRepository(db).count() == 0


async def test_session_fixture_binding(session: AsyncSession) -> None:
    repo = WidgetRepository(session)
    made = await repo.create({"name": "in-session"})
    assert (await repo.list())[0].id == made.id
    raw = (await session.exec(text("SELECT count(*) FROM test_repo_widgets"))).one()  # type: ignore[call-overload]
    assert raw[0] == 1
    assert isinstance(made, Widget)


async def test_copy_sized_create_many_rolls_back_with_its_session(db: DatabaseManager) -> None:
    """Regression: on PostgreSQL a COPY sent before any other statement of the unit ran
    outside the transaction (the driver adapter begins lazily) and committed on its own."""
    with pytest.raises(RuntimeError, match="abandon"):
        async with db.session() as session:
            count = await WidgetRepository(session).create_many(
                [{"name": f"r{i}"} for i in range(2_100)], returning=False
            )
            assert count == 2_100
            raise RuntimeError("abandon the unit")
    assert await WidgetRepository(db).count() == 0
