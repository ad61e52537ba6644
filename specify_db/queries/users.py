"""``UserQueries``: users by name, e-mail, activity and role; ranked search."""

from __future__ import annotations

from typing import Any, ClassVar

from specify_db.models import User, UserRead
from specify_db.queries.base import BaseQueries, check_limit
from specify_db.queries.search import SearchResult

__all__ = ["UserQueries"]


class UserQueries(BaseQueries[User, UserRead]):
    """Read users (as :class:`UserRead`: no password or API-key hash).

    Looking a user up by API key is :class:`UserRepository`'s job (it hashes the key and
    compares in constant time); no query here accepts a secret.
    """

    model = User
    read_model = UserRead
    fields: ClassVar[dict[str, Any]] = {
        "username": User.username,
        "email": User.email,
        "full_name": User.full_name,
        "is_active": User.is_active,
        "is_admin": User.is_admin,
        "created_at": User.created_at,
        "updated_at": User.updated_at,
        "last_login_at": User.last_login_at,
        "meta": User.meta,
    }
    sortable = ("username", "email", "created_at", "updated_at")
    default_order = ("username",)
    time_field = "created_at"

    async def find_by_username(self, username: str) -> UserRead | None:
        """The user with this exact username, or None."""
        return await self._first(self._filtered({"username": username}))

    async def find_by_email(self, email: str) -> UserRead | None:
        """The user with this exact e-mail address, or None."""
        return await self._first(self._filtered({"email": email}))

    async def get_active_users(self, limit: int | None = None) -> list[UserRead]:
        """Active users by username."""
        return await self.find({"is_active": True}, limit=check_limit(limit))

    async def get_admins(self) -> list[UserRead]:
        """Administrators by username."""
        return await self.find({"is_admin": True})

    async def search_users(self, query: str, limit: int = 10) -> SearchResult[UserRead]:
        """Full-text search over username, e-mail and full name; exact usernames first."""
        return await self._search(query, limit)
