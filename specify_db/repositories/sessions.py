"""``SessionTokenRepository``: login sessions whose token is shown once and stored hashed.

Example::

    sessions = SessionTokenRepository(db)
    opened = await sessions.create_session(alice.id, ttl_seconds=3600)
    token = opened.token                      # give it to the client; it is not stored
    assert (await sessions.validate_token(token)).user_id == alice.id
    await sessions.revoke_token(token)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.errors import InvalidQuery
from specify_db.models import SessionToken, SessionTokenCreate, SessionTokenUpdate
from specify_db.models.crypto import hash_token, issue_secret, token_matches
from specify_db.models.sql import utc_now
from specify_db.repositories.base import Row
from specify_db.repositories.repository import Repository

__all__ = ["NewSession", "SessionTokenRepository"]


class NewSession(NamedTuple):
    """A session just opened: the stored row and the token, which exists only here."""

    session: SessionToken
    token: str


class SessionTokenRepository(Repository[SessionToken, SessionTokenCreate, SessionTokenUpdate]):
    """Login sessions. Only the SHA-256 digest of a token is stored."""

    model = SessionToken
    create_schema = SessionTokenCreate
    update_schema = SessionTokenUpdate

    def _row(self, dto: BaseModel) -> Row:
        raise InvalidQuery("sessions are opened with create_session(), which issues the token")

    async def create_session(
        self, user_id: int | None, ttl_seconds: float = 3600, **kwargs: Any
    ) -> NewSession:
        """Open a session for the user lasting ``ttl_seconds``; returns the row and the token.

        Raises:
            ForeignKeyViolation: no such user.
        """
        dto = self._create_dto(
            {"user_id": user_id, "expires_at": utc_now() + timedelta(seconds=ttl_seconds), **kwargs}
        )
        issued = issue_secret()
        fields = {name: getattr(dto, name) for name in type(dto).model_fields}
        row = self._complete({**fields, "token_hash": issued.digest})

        async def work(session: AsyncSession, _replay: bool) -> SessionToken:
            return await self._insert_row(session, row)

        return NewSession(await self._run(work), issued.secret)

    async def validate_token(self, token: str) -> SessionToken | None:
        """The active, unexpired session of ``token``, or None.

        Records ``last_used_at``; a token found expired is marked inactive on the way.
        """
        digest = hash_token(token)
        lookup = select(SessionToken).where(col(SessionToken.token_hash) == digest)

        async def work(session: AsyncSession, _replay: bool) -> SessionToken | None:
            found = (await session.exec(lookup)).first()
            if found is None or not token_matches(token, found.token_hash):
                return None
            if not found.is_active:
                return None
            if found.is_expired:
                found.is_active = False
                session.add(found)
                await session.flush()
                return None
            found.last_used_at = utc_now()
            session.add(found)
            await session.flush()
            return found

        return await self._run(work)

    async def revoke_token(self, token: str) -> bool:
        """Deactivate the session of ``token``; False if the token is unknown."""
        stmt = (
            update(SessionToken)
            .where(col(SessionToken.token_hash) == hash_token(token))
            .values(is_active=False)
        )

        async def work(session: AsyncSession, _replay: bool) -> bool:
            return bool((await session.exec(stmt)).rowcount)

        return await self._run(work)

    async def revoke_all_for_user(self, user_id: int | None) -> int:
        """Deactivate every active session of the user; returns how many."""
        stmt = (
            update(SessionToken)
            .where(col(SessionToken.user_id) == user_id, col(SessionToken.is_active).is_(True))
            .values(is_active=False)
        )

        async def work(session: AsyncSession, _replay: bool) -> int:
            return int((await session.exec(stmt)).rowcount)

        return await self._run(work)

    async def cleanup_expired(self) -> int:
        """Delete every expired session; returns how many went."""
        stmt = delete(SessionToken).where(SessionToken.is_expired)

        async def work(session: AsyncSession, _replay: bool) -> int:
            return int((await session.exec(stmt)).rowcount)

        return await self._run(work)
