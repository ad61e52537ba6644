"""Secrets: Fernet encryption with key rotation, argon2 password hashes, token digests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager
from specify_db.core.errors import ConfigurationError
from specify_db.core.settings import get_settings
from specify_db.models import ConfigurationUpdate
from specify_db.models.crypto import (
    hash_password,
    hash_token,
    issue_secret,
    password_needs_rehash,
    token_matches,
    verify_password,
)
from specify_db.models.types import EncryptedText, decrypt_value, encrypt_value, rotate_value
from tests.models.factories import make_configuration, make_project, make_user, raw

SetKeys = Callable[..., None]


@pytest.fixture
def set_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetKeys]:
    def apply(*keys: bytes | str) -> None:
        value = ",".join(k.decode() if isinstance(k, bytes) else k for k in keys)
        monkeypatch.setenv("SPECIFY_DB_FERNET_KEYS", value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.delenv("SPECIFY_DB_FERNET_KEYS", raising=False)
    get_settings.cache_clear()


def test_encrypt_decrypt_round_trip(set_keys: SetKeys) -> None:
    set_keys(Fernet.generate_key())
    secret = "pässwörd ✓ 🔑"
    token = encrypt_value(secret)
    assert secret not in token
    assert token != encrypt_value(secret)  # randomised
    assert decrypt_value(token) == secret


def test_old_keys_decrypt_and_rotate_moves_to_the_newest(set_keys: SetKeys) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    set_keys(old)
    token = encrypt_value("s3cret")
    set_keys(new, old)  # newest first
    assert decrypt_value(token) == "s3cret"
    rotated = rotate_value(token)
    set_keys(new)  # the old key is dropped
    assert decrypt_value(rotated) == "s3cret"
    with pytest.raises(ConfigurationError, match="SPECIFY_DB_FERNET_KEYS"):
        decrypt_value(token)


def test_missing_or_malformed_keys_are_configuration_errors(set_keys: SetKeys) -> None:
    set_keys()
    with pytest.raises(ConfigurationError, match="SPECIFY_DB_FERNET_KEYS"):
        encrypt_value("x")
    set_keys("not-a-fernet-key")
    with pytest.raises(ConfigurationError, match="Fernet key"):
        encrypt_value("x")


def test_tampered_ciphertext_is_refused(set_keys: SetKeys) -> None:
    set_keys(Fernet.generate_key())
    token = encrypt_value("x")
    with pytest.raises(ConfigurationError):
        decrypt_value(token[:-4] + "AAAA")
    with pytest.raises(ConfigurationError):
        decrypt_value("plain text that was never encrypted")


async def test_encrypted_text_column_on_each_backend(
    db: DatabaseManager, set_keys: SetKeys
) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    set_keys(old)
    scratch = MetaData()
    table = Table(
        f"models_test_secrets_{uuid.uuid4().hex[:8]}",
        scratch,
        Column("id", Integer, primary_key=True),
        Column("secret", EncryptedText()),
    )
    # Own connection: DDL commits implicitly on MariaDB, so not in the rolled-back session.
    async with db.engine.begin() as conn:
        await conn.run_sync(scratch.create_all)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(table).values(id=1, secret="tövåbÿ 🔒"))
            await conn.execute(insert(table).values(id=2, secret=None))
            stored = (
                await conn.execute(text(f"SELECT secret FROM {table.name} WHERE id = 1"))
            ).scalar_one()
            assert stored.startswith("gAAAA")  # a Fernet token, not the plaintext
            assert "tövåbÿ" not in stored
            assert (
                await conn.execute(select(table.c.secret).where(table.c.id == 1))
            ).scalar_one() == "tövåbÿ 🔒"
            assert (
                await conn.execute(select(table.c.secret).where(table.c.id == 2))
            ).scalar_one() is None

            # Rotation in place: re-encrypt the raw column under the newest key.
            set_keys(new, old)
            await conn.execute(
                text(f"UPDATE {table.name} SET secret = :v WHERE id = 1"),
                {"v": rotate_value(stored)},
            )
            set_keys(new)
            assert (
                await conn.execute(select(table.c.secret).where(table.c.id == 1))
            ).scalar_one() == "tövåbÿ 🔒"
    finally:
        async with db.engine.begin() as conn:
            await conn.run_sync(scratch.drop_all)


async def test_secret_configuration_value_is_ciphertext_at_rest(
    session: AsyncSession, set_keys: SetKeys
) -> None:
    set_keys(Fernet.generate_key())
    user = await make_user(session)
    project = await make_project(session, user)
    row = await make_configuration(session, project, value="true", type="boolean", encrypted=True)
    stored = await raw(session, "SELECT value FROM configurations WHERE id = :id", id=row.id)
    assert stored[0][0].startswith("gAAAA")
    assert row.get_value() is True
    assert row.plain_value() == "true"
    # Key rotation of stored rows: the repository applies rotate_value to the column.
    row.value = rotate_value(row.value)
    await session.flush()
    assert row.get_value() is True


async def test_configuration_updates_keep_secrets_encrypted(
    session: AsyncSession, set_keys: SetKeys
) -> None:
    set_keys(Fernet.generate_key())
    user = await make_user(session)
    project = await make_project(session, user)
    row = await make_configuration(session, project, value="7", type="integer")
    assert row.value == "7"

    row.apply_update(ConfigurationUpdate(encrypted=True))  # flip: the current value is encrypted
    assert row.value.startswith("gAAAA")
    assert row.get_value() == 7
    row.apply_update(ConfigurationUpdate(value="8"))  # a new value of an encrypted row
    assert row.value.startswith("gAAAA")
    assert row.get_value() == 8
    await session.flush()
    stored = await raw(session, "SELECT value FROM configurations WHERE id = :id", id=row.id)
    assert stored[0][0] == row.value

    row.apply_update(ConfigurationUpdate(encrypted=False))  # flip back: plain text again
    assert row.value == "8"
    with pytest.raises(ValueError, match="integer"):
        row.apply_update(ConfigurationUpdate(value="eight"))
    with pytest.raises(ValueError, match="boolean"):
        row.apply_update(ConfigurationUpdate(type="boolean"))
    assert row.value == "8"


async def test_password_hash_column_refuses_plain_text(session: AsyncSession) -> None:
    user = await make_user(session)
    nested = await session.begin_nested()
    user.password_hash = "correct horse battery staple"
    with pytest.raises(StatementError, match="argon2"):
        await session.flush()
    await nested.rollback()


def test_password_hashing() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "wrong password")
    assert not verify_password("not a hash", "whatever")
    assert not password_needs_rehash(hashed)


def test_token_digests() -> None:
    issued = issue_secret()
    assert len(issued.secret) >= 43
    assert issued.secret.startswith(issued.prefix)
    assert issued.digest == hash_token(issued.secret)
    assert len(issued.digest) == 64
    assert token_matches(issued.secret, issued.digest)
    assert not token_matches(issued.secret + "x", issued.digest)
