"""Typed result pages: :class:`Page` for offset pages, :class:`CursorPage` for keyset pages.

Both are generic pydantic models, so ``Page[CommandRead]`` validates and serialises to JSON
like any DTO::

    page = await CommandQueries(db).paginate(page=2, size=50)
    payload = page.model_dump_json()
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

__all__ = ["CountMode", "CursorPage", "Page", "PaginationResult"]

T = TypeVar("T")

CountMode = Literal["exact", "estimate", "none"]
"""How :meth:`BaseQueries.paginate` learns the total: a COUNT, planner statistics, or not at all."""


class Page(BaseModel, Generic[T]):
    """One offset page of results.

    Attributes:
        items: the rows of this page (Read DTOs).
        total: number of matching rows; ``None`` when counting was skipped (``count="none"``);
            an approximation when ``count_method`` is ``"estimate"``.
        page: 1-based page number.
        size: the requested page size (``per_page`` is the same value, kept from the earlier
            ``PaginationResult``).
        count_method: how ``total`` was obtained.
        has_next / has_prev: whether a next / previous page exists.
        pages: number of pages (``None`` without a total).
    """

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int | None
    page: int = Field(ge=1)
    size: int = Field(ge=1)
    count_method: CountMode = "exact"
    has_next: bool
    has_prev: bool

    @model_validator(mode="before")
    @classmethod
    def _earlier_shape(cls, data: Any) -> Any:
        """Accept the earlier ``PaginationResult(items=, total=, page=, per_page=)`` shape."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "size" not in data and "per_page" in data:
            data["size"] = data["per_page"]
        data.pop("per_page", None)
        data.pop("pages", None)  # computed; present when validating a dumped page
        page, size, total = data.get("page", 1), data.get("size"), data.get("total")
        if isinstance(page, int) and isinstance(size, int) and isinstance(total, int) and size:
            data.setdefault("has_next", page * size < total)
        if isinstance(page, int):
            data.setdefault("has_prev", page > 1)
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pages(self) -> int | None:
        """``ceil(total / size)``, or ``None`` when the total is unknown."""
        if self.total is None:
            return None
        return -(-self.total // self.size)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def per_page(self) -> int:
        """Alias of ``size`` (the earlier ``PaginationResult`` name)."""
        return self.size

    def __repr__(self) -> str:
        return (
            f"<Page {self.page}/{self.pages if self.pages is not None else '?'}: "
            f"{len(self.items)} items of {self.total if self.total is not None else '?'}>"
        )


PaginationResult = Page
"""The earlier name of :class:`Page` (``items``, ``total``, ``page``, ``per_page``, ``pages``)."""


class CursorPage(BaseModel, Generic[T]):
    """One keyset page of results.

    Cursors are opaque signed strings; pass ``next_cursor`` as ``after=`` to get the following
    page and ``prev_cursor`` as ``before=`` to get the preceding one.

    Attributes:
        items: the rows of this page, in the requested order.
        size: the requested page size.
        next_cursor / prev_cursor: cursors to the neighbouring pages, ``None`` at either end.
        has_next / has_prev: whether rows exist after the last / before the first item.
    """

    model_config = ConfigDict(frozen=True)

    items: list[T]
    size: int = Field(ge=1)
    next_cursor: str | None
    prev_cursor: str | None
    has_next: bool
    has_prev: bool
