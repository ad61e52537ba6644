"""CacheRepository, ConfigurationRepository and SessionTokenRepository."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from specify_db import DatabaseManager
from specify_db.core.settings import get_settings
from specify_db.errors import ConfigurationError, InvalidQuery
from specify_db.models.sql import utc_now
from specify_db.repositories import (
    CacheRepository,
    ConfigurationRepository,
    SessionTokenRepository,
)
from tests.repositories.helpers import make_project, make_user

JSON_VALUES = [{"a": [1, 2.5, None]}, [1, "two"], "text", 42, 2.5, True, False, None, "ü ✓"]


async def test_cache_round_trips_any_json_value(clean_db: DatabaseManager) -> None:
    cache = CacheRepository(clean_db)
    for index, value in enumerate(JSON_VALUES):
        await cache.set(f"k{index}", value)
        assert await cache.get(f"k{index}", default="missing") == value
    assert await cache.get("absent") is None
    assert await cache.get("absent", default=0) == 0
    with pytest.raises(ValueError, match="JSON"):
        await cache.set("nan", float("nan"))


async def test_cache_counts_each_read_once(clean_db: DatabaseManager) -> None:
    """Regression (inventory bug 3): each get added 2 to access_count, and set added 1."""
    cache = CacheRepository(clean_db)
    entry = await cache.set("k", {"v": 1})
    assert entry.access_count == 0
    for _ in range(3):
        await cache.get_cache("k")
    stored = await cache.entries.get(entry.id)
    assert stored.access_count == 3
    assert stored.last_accessed_at is not None
    await cache.set_cache("k", {"v": 2})
    assert (await cache.entries.get(entry.id)).access_count == 3
    assert await cache.entries.count() == 1


async def test_cache_never_returns_expired_entries(clean_db: DatabaseManager) -> None:
    cache = CacheRepository(clean_db)
    await cache.set("old", "stale", ttl_seconds=-1)
    await cache.set("fresh", "ok", ttl_seconds=3600)
    await cache.set("forever", "ok")
    assert await cache.get("old") is None
    assert (await cache.entries.get_by_or_none(key="old")).access_count == 0  # type: ignore[union-attr]
    assert await cache.get("fresh") == "ok"
    assert await cache.cleanup_expired() == 1
    assert sorted(e.key for e in await cache.entries.list()) == ["forever", "fresh"]
    await cache.set("old", "renewed", ttl_seconds=60)
    assert await cache.get("old") == "renewed"


async def test_cache_delete_and_get_or_set(clean_db: DatabaseManager) -> None:
    cache = CacheRepository(clean_db)
    calls: list[str] = []

    def build() -> dict[str, int]:
        calls.append("sync")
        return {"rows": 3}

    async def build_async() -> list[int]:
        calls.append("async")
        return [1, 2]

    assert await cache.get_or_set("report", build, ttl_seconds=60) == {"rows": 3}
    assert await cache.get_or_set("report", build) == {"rows": 3}
    assert await cache.get_or_set("list", build_async) == [1, 2]
    assert calls == ["sync", "async"]
    assert await cache.delete("report")
    assert not await cache.delete("report")
    assert await cache.get("report") is None


async def test_config_values_are_typed_and_none_stays_none(clean_db: DatabaseManager) -> None:
    config = ConfigurationRepository(clean_db)
    project = await make_project(clean_db, await make_user(clean_db))
    pid = project.id
    assert pid is not None
    values = {
        "s": "text",
        "i": 8,
        "f": 0.25,
        "b": False,
        "j": {"a": [1, None]},
        "l": [1, 2],
        "n": None,
    }
    for key, value in values.items():
        await config.set_config(pid, key, value)
    for key, value in values.items():
        got = await config.get_config(pid, key, default="missing")
        assert got == value
        assert type(got) is type(value)
    assert await config.get_config(pid, "absent", default=7) == 7
    assert (await config.set_config(pid, "i", 9)).type == "integer"
    assert await config.get_config(pid, "i") == 9
    assert await config.count({"project_id": pid}) == len(values)
    assert await config.get_all_config(pid) == {**values, "i": 9}
    assert await config.delete_config(pid, "s")
    assert not await config.delete_config(pid, "s")
    with pytest.raises(TypeError):
        await config.set_config(pid, "bad", object())


async def test_secret_config_is_encrypted_and_keys_rotate(
    clean_db: DatabaseManager, monkeypatch: pytest.MonkeyPatch, fernet_keys: list[str]
) -> None:
    config = ConfigurationRepository(clean_db)
    project = await make_project(clean_db, await make_user(clean_db))
    pid = project.id
    assert pid is not None
    row = await config.set_config(pid, "api_token", "s3cr3t-value", encrypted=True)
    assert row.encrypted
    assert "s3cr3t" not in row.value
    assert await config.get_config(pid, "api_token") == "s3cr3t-value"
    patched = await config.update(row.id, {"value": "n3w-s3cr3t"})
    assert "n3w" not in patched.value
    assert await config.get_config(pid, "api_token") == "n3w-s3cr3t"
    with pytest.raises(InvalidQuery):
        await config.update_many([{"id": row.id, "value": "plain"}])
    old_token = (await config.get(row.id)).value

    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("SPECIFY_DB_FERNET_KEYS", ",".join([new_key, *fernet_keys]))
    get_settings.cache_clear()
    assert await config.rotate_keys() == 1
    monkeypatch.setenv("SPECIFY_DB_FERNET_KEYS", new_key)
    get_settings.cache_clear()
    rotated = await config.get(row.id)
    assert rotated.value != old_token
    assert await config.get_config(pid, "api_token") == "n3w-s3cr3t"
    monkeypatch.setenv("SPECIFY_DB_FERNET_KEYS", fernet_keys[0])
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError):
        await config.get_config(pid, "api_token")


async def test_sessions(clean_db: DatabaseManager) -> None:
    sessions = SessionTokenRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    assert alice.id is not None
    opened = await sessions.create_session(alice.id, ttl_seconds=3600, ip_address="::1")
    assert opened.token not in opened.session.token_hash
    valid = await sessions.validate_token(opened.token)
    assert valid is not None
    assert valid.user_id == alice.id
    assert valid.last_used_at is not None
    assert await sessions.validate_token("not-a-token") is None
    assert await sessions.revoke_token(opened.token)
    assert await sessions.validate_token(opened.token) is None
    assert not await sessions.revoke_token("not-a-token")
    with pytest.raises(InvalidQuery):
        await sessions.create({"user_id": alice.id, "expires_at": utc_now()})


async def test_expired_sessions_are_refused_marked_and_cleaned(clean_db: DatabaseManager) -> None:
    sessions = SessionTokenRepository(clean_db)
    alice = await make_user(clean_db, "alice")
    assert alice.id is not None
    expired = await sessions.create_session(alice.id, ttl_seconds=-5)
    assert await sessions.validate_token(expired.token) is None
    assert not (await sessions.get(expired.session.id)).is_active
    live = [await sessions.create_session(alice.id) for _ in range(2)]
    assert await sessions.revoke_all_for_user(alice.id) == 2
    assert all([await sessions.validate_token(s.token) is None for s in live])
    assert await sessions.cleanup_expired() == 1
    assert await sessions.count() == 2
    later = await sessions.create_session(alice.id, ttl_seconds=60)
    await sessions.update(later.session.id, {"expires_at": utc_now() - timedelta(seconds=1)})
    assert await sessions.validate_token(later.token) is None
