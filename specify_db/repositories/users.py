"""``UserRepository``: accounts, argon2id passwords, API keys shown once and stored hashed.

Example::

    users = UserRepository(db)
    alice = await users.create_user("alice", "alice@example.com", "correct horse battery")
    assert await users.authenticate("alice", "correct horse battery") is not None
    key = await users.create_api_key(alice.id)        # shown once, stored as SHA-256
    assert (await users.get_by_api_key(key)).id == alice.id
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import anyio.to_thread
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import User, UserCreate, UserUpdate
from specify_db.models.crypto import (
    hash_password,
    hash_token,
    issue_secret,
    password_needs_rehash,
    token_matches,
    verify_password,
)
from specify_db.models.fields import Password
from specify_db.models.sql import utc_now
from specify_db.repositories.base import Row
from specify_db.repositories.repository import Repository

__all__ = ["UserRepository"]

_PASSWORD: TypeAdapter[str] = TypeAdapter(Password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a miss costs as much as a hit and
    # response time does not reveal which usernames exist.
    return hash_password("specify-db: no such user")


class UserRepository(Repository[User, UserCreate, UserUpdate]):
    """Users. Passwords are argon2id hashes (hashed in a worker thread); API keys are SHA-256.

    ``create``/``create_user`` take the plain password in the DTO and store only its hash.
    """

    model = User
    create_schema = UserCreate
    update_schema = UserUpdate

    async def _prepare(self, dto: BaseModel) -> Row:
        fields = dto.model_dump(exclude={"password"})
        password: str = dto.password  # type: ignore[attr-defined]
        fields["password_hash"] = await anyio.to_thread.run_sync(hash_password, password)
        return self._complete(fields)

    async def create_user(self, username: str, email: str, password: str, **kwargs: Any) -> User:
        """Create a user; ``password`` is hashed with argon2id and never stored.

        Raises:
            AlreadyExists: the username or email is taken.
            pydantic.ValidationError: a bad username, email, password or unknown field.
        """
        return await self.create(
            {"username": username, "email": email, "password": password, **kwargs}
        )

    async def get_by_username(self, username: str) -> User | None:
        """The user with this username, or None."""
        return await self.get_by_or_none(username=username)

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email address, or None."""
        return await self.get_by_or_none(email=email)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The active user whose password matches, or None.

        Takes the same time whether or not the username exists. On success it records
        ``last_login_at`` and, when the stored hash was made with weaker argon2 parameters
        than the current ones, replaces it with a fresh hash.
        """
        user = await self.get_by_username(username)
        stored = user.password_hash if user is not None else _dummy_hash()
        matches = await anyio.to_thread.run_sync(verify_password, stored, password)
        if user is None or not matches or not user.is_active:
            return None
        values: dict[str, Any] = {"last_login_at": utc_now()}
        if password_needs_rehash(stored):
            values["password_hash"] = await anyio.to_thread.run_sync(hash_password, password)
        return await self._set(user.id, values)

    async def set_password(self, user_id: int | None, password: str) -> User:
        """Replace the user's password (hashed with argon2id).

        Raises:
            NotFound: no such user.
        """
        _PASSWORD.validate_python(password)
        digest = await anyio.to_thread.run_sync(hash_password, password)
        return await self._set(user_id, {"password_hash": digest})

    async def create_api_key(self, user_id: int | None) -> str:
        """Issue a new API key for the user and return it; this is the only time it is seen.

        Only its SHA-256 digest and its first 8 characters (to tell keys apart) are stored; a
        previous key stops working.

        Raises:
            NotFound: no such user.
        """
        issued = issue_secret()
        await self._set(user_id, {"api_key_hash": issued.digest, "api_key_prefix": issued.prefix})
        return issued.secret

    async def revoke_api_key(self, user_id: int | None) -> User:
        """Remove the user's API key."""
        return await self._set(user_id, {"api_key_hash": None, "api_key_prefix": None})

    async def get_by_api_key(self, api_key: str) -> User | None:
        """The active user owning this API key, or None (unknown key or inactive user)."""
        digest = hash_token(api_key)
        user = await self.get_by_or_none(api_key_hash=digest)
        if user is None or user.api_key_hash is None:
            return None
        if not token_matches(api_key, user.api_key_hash) or not user.is_active:
            return None
        return user

    async def update_last_login(self, user_id: int | None) -> User:
        """Set ``last_login_at`` to now."""
        return await self._set(user_id, {"last_login_at": utc_now()})

    async def activate(self, user_id: int | None) -> User:
        """Allow the user to log in again."""
        return await self._set(user_id, {"is_active": True})

    async def deactivate(self, user_id: int | None) -> User:
        """Refuse the user's logins and API key from now on."""
        return await self._set(user_id, {"is_active": False})

    async def _set(self, user_id: int | None, values: dict[str, Any]) -> User:
        """Write columns that no Update DTO exposes (hashes), then return the fresh row."""
        if user_id is None:
            raise self._missing(user_id)
        stmt = update(User).where(User.id == user_id).values(**values)  # type: ignore[arg-type]

        async def work(session: AsyncSession, _replay: bool) -> User:
            result = await session.exec(stmt)
            if result.rowcount == 0:
                raise self._missing(user_id)
            return (
                await session.exec(
                    select(User).where(User.id == user_id).execution_options(populate_existing=True)
                )
            ).one()

        return await self._run(work)
