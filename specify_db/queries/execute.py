"""One typed way to run a Core statement on SQLModel's ``AsyncSession``.

``AsyncSession.exec`` is the non-deprecated entry point, but its overloads do not cover every
Core construct (multi-column ``Select``, ``TextClause``, custom executables); this wrapper
keeps that typing gap in one place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.sql.base import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["execute"]


async def execute(session: AsyncSession, statement: Executable) -> Result[Any]:
    """``await session.exec(statement)`` as a plain :class:`~sqlalchemy.engine.Result`."""
    result: Result[Any] = await session.exec(statement)  # type: ignore[call-overload]
    return result
