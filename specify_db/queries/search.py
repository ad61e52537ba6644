"""Typed results of full-text search."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from specify_db.queries.fulltext import SearchMethod

__all__ = ["SearchHit", "SearchResult"]

T = TypeVar("T")


class SearchHit(BaseModel, Generic[T]):
    """One match: the row, its rank (higher is better) and whether its name equals the query."""

    model_config = ConfigDict(frozen=True)

    item: T
    rank: float
    exact: bool


class SearchResult(BaseModel, Generic[T]):
    """Ranked matches, best first, and the ``method`` that found them.

    ``method`` is ``"tsvector"`` (PostgreSQL), ``"fts5"`` (SQLite), ``"fulltext"`` (MariaDB)
    or ``"like"`` (fallback where the full-text objects are missing). Ranks are comparable
    within one result only.
    """

    model_config = ConfigDict(frozen=True)

    query: str
    method: SearchMethod
    hits: list[SearchHit[T]]

    @property
    def items(self) -> list[T]:
        """The matched rows, best first."""
        return [hit.item for hit in self.hits]
