"""UserRepository: argon2id passwords, authentication, API keys, activation."""

from __future__ import annotations

import pydantic
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from specify_db import DatabaseManager
from specify_db.errors import AlreadyExists, NotFound
from specify_db.repositories import UserRepository
from tests.repositories.helpers import PASSWORD, make_user


async def test_create_user_stores_only_an_argon2id_hash(clean_db: DatabaseManager) -> None:
    users = UserRepository(clean_db)
    alice = await users.create_user("alice", "alice@example.com", PASSWORD, full_name="Alice")
    assert alice.password_hash.startswith("$argon2id$")
    assert PASSWORD not in alice.password_hash
    assert alice.full_name == "Alice"
    assert (await users.get_by_username("alice")).id == alice.id  # type: ignore[union-attr]
    assert (await users.get_by_email("alice@example.com")).id == alice.id  # type: ignore[union-attr]
    assert await users.get_by_username("bob") is None
    with pytest.raises(AlreadyExists):
        await users.create_user("alice", "other@example.com", PASSWORD)
    with pytest.raises(pydantic.ValidationError):
        await users.create_user("bob", "bob@example.com", "short")


async def test_authenticate(clean_db: DatabaseManager) -> None:
    users = UserRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    assert alice.last_login_at is None
    found = await users.authenticate("alice", PASSWORD)
    assert found is not None
    assert found.id == alice.id
    assert found.last_login_at is not None
    assert await users.authenticate("alice", "wrong password!") is None
    assert await users.authenticate("nobody", PASSWORD) is None
    await users.deactivate(alice.id)
    assert await users.authenticate("alice", PASSWORD) is None
    assert (await users.activate(alice.id)).is_active
    assert await users.authenticate("alice", PASSWORD) is not None


async def test_authenticate_rehashes_weak_hashes(clean_db: DatabaseManager) -> None:
    users = UserRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await users._set(alice.id, {"password_hash": weak})
    found = await users.authenticate("alice", PASSWORD)
    assert found is not None
    assert found.password_hash != weak
    assert not PasswordHasher().check_needs_rehash(found.password_hash)
    assert await users.authenticate("alice", PASSWORD) is not None


async def test_set_password_and_last_login(clean_db: DatabaseManager) -> None:
    users = UserRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    await users.set_password(alice.id, "a brand new password")
    assert await users.authenticate("alice", PASSWORD) is None
    assert await users.authenticate("alice", "a brand new password") is not None
    stamped = await users.update_last_login(alice.id)
    assert stamped.last_login_at is not None
    with pytest.raises(NotFound):
        await users.update_last_login(10**9)


async def test_api_keys_are_shown_once_and_stored_hashed(clean_db: DatabaseManager) -> None:
    users = UserRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    key = await users.create_api_key(alice.id)
    stored = await users.get(alice.id)
    assert stored.api_key_hash is not None
    assert key not in stored.api_key_hash
    assert stored.api_key_prefix == key[:8]
    assert (await users.get_by_api_key(key)).id == alice.id  # type: ignore[union-attr]
    assert await users.get_by_api_key(key + "x") is None
    newer = await users.create_api_key(alice.id)
    assert await users.get_by_api_key(key) is None
    await users.deactivate(alice.id)
    assert await users.get_by_api_key(newer) is None
    await users.activate(alice.id)
    await users.revoke_api_key(alice.id)
    assert await users.get_by_api_key(newer) is None
    async with clean_db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT api_key_hash FROM users"))).all()
    assert raw == [(None,)]
