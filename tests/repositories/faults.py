"""A manager whose next COMMIT lands but whose reply is lost, on every backend.

PostgreSQL and MariaDB go through :class:`tests.support.proxy.CommitCutProxy`, which cuts the
TCP link right after forwarding COMMIT and seeing the server's answer. SQLite has no wire, so
there the same situation is made with a session ``after_commit`` hook that raises a
connection reset once the commit is durable.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager
from tests.conftest import make_manager
from tests.support.proxy import CommitCutProxy, WireProtocol


class LostCommit:
    """Arms the loss of the next COMMIT's reply; counts how often it happened."""

    def __init__(self, manager: DatabaseManager, proxy: CommitCutProxy | None) -> None:
        self.manager = manager
        self._proxy = proxy
        self._armed = False
        self._local_cuts = 0
        if proxy is None:
            event.listen(AsyncSession.sync_session_class, "after_commit", self._after_commit)

    def cut_next_commit(self) -> None:
        if self._proxy is not None:
            self._proxy.cut_next_commit()
        else:
            self._armed = True

    @property
    def cuts(self) -> int:
        return self._proxy.cuts if self._proxy is not None else self._local_cuts

    def _after_commit(self, session: Any) -> None:
        if self._armed and session.bind is not None and self._is_ours(session):
            self._armed = False
            self._local_cuts += 1
            raise ConnectionResetError("reply to COMMIT lost (simulated)")

    def _is_ours(self, session: Any) -> bool:
        bind = session.get_bind()
        return bind is self.manager.engine.sync_engine

    def close(self) -> None:
        if self._proxy is None:
            event.remove(AsyncSession.sync_session_class, "after_commit", self._after_commit)


@contextlib.asynccontextmanager
async def lost_commit_manager(backend_url: str) -> AsyncIterator[LostCommit]:
    url = make_url(backend_url)
    if url.get_backend_name() == "sqlite":
        manager = make_manager(backend_url)
        lost = LostCommit(manager, None)
        try:
            yield lost
        finally:
            lost.close()
            await manager.dispose()
        return
    protocol: WireProtocol = "postgresql" if url.get_backend_name() == "postgresql" else "mysql"
    async with CommitCutProxy(url.host or "127.0.0.1", url.port or 0, protocol) as proxy:
        manager = make_manager(
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            pool_pre_ping=True,
        )
        try:
            yield LostCommit(manager, proxy)
        finally:
            await manager.dispose()
