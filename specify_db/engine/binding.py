"""Run one operation against whatever a repository or query object was bound to.

Bound to a :class:`DatabaseManager`, each operation is its own unit of work, replayed as a
whole on transient failures. Bound to an ``AsyncSession``, it joins the caller's
transaction: it neither commits nor retries (retry belongs to whoever owns the
transaction), and database failures still leave as :mod:`specify_db.errors` types.

Example::

    class Counter:
        def __init__(self, source: SessionSource) -> None:
            self._bound = Bound(source)

        async def count(self) -> int:
            async def work(session: AsyncSession) -> int:
                return (await session.exec(select(func.count()).select_from(T))).one()
            return await self._bound.run(work)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.classify import is_database_failure, translate
from specify_db.core.errors import ConfigurationError
from specify_db.core.urls import dialect_family
from specify_db.engine.manager import DatabaseManager

P = ParamSpec("P")
T = TypeVar("T")

SessionSource: TypeAlias = DatabaseManager | AsyncSession
"""What repositories and query classes accept: a manager or a caller's session."""


class Bound:
    """A manager or a session, and the one way to run work against it."""

    __slots__ = ("manager", "session")

    def __init__(self, source: SessionSource) -> None:
        if isinstance(source, DatabaseManager):
            self.manager: DatabaseManager | None = source
            self.session: AsyncSession | None = None
        elif isinstance(source, AsyncSession):
            self.manager, self.session = None, source
        else:
            raise ConfigurationError(
                f"expected a DatabaseManager or an AsyncSession, got {type(source).__name__}"
            )

    @property
    def dialect_name(self) -> str:
        """``"sqlite"``, ``"postgresql"`` or ``"mysql"`` of the bound database."""
        if self.session is not None:
            return dialect_family(self.session.get_bind().dialect.name)
        return self._manager().dialect_name

    def _manager(self) -> DatabaseManager:
        if self.manager is None:  # pragma: no cover - __init__ sets exactly one
            raise ConfigurationError("bound to neither a manager nor a session")
        return self.manager

    async def run(
        self,
        fn: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Await ``fn(session, *args, **kwargs)`` in a retried unit, or in the bound session."""
        if self.session is None:
            return await self._manager().run(fn, *args, **kwargs)
        try:
            return await fn(self.session, *args, **kwargs)
        except Exception as exc:
            if is_database_failure(exc):
                raise translate(exc) from exc
            raise
