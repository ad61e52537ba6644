"""``BaseQueries``: the read side shared by every query class.

A query class names its table, its Read DTO and its allow-lists; everything else (pages,
keyset cursors, filters, aggregates, time buckets, search) comes from here::

    class CommandQueries(BaseQueries[Command, CommandRead]):
        model, read_model = Command, CommandRead
        fields = {"status": Command.status, "started_at": Command.started_at, ...}
        sortable = ("started_at", "name")

Results are Read DTOs, never table objects: they carry no secret, are detached from any
session, and serialise to JSON. Relationships named by the Read DTO are loaded eagerly with
``selectinload``; the tables' relationships are ``lazy="raise"``, so nothing loads lazily.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, and_, func, inspect, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.errors import InvalidQuery
from specify_db.core.settings import get_settings
from specify_db.engine.binding import Bound, SessionSource
from specify_db.queries import buckets as bucketing
from specify_db.queries.aggregates import DEFAULT_PERCENTILES, AggregateRow, run_aggregate
from specify_db.queries.buckets import Bucket
from specify_db.queries.capabilities import capabilities, estimate_rows
from specify_db.queries.checks import checked_int, is_text
from specify_db.queries.execute import execute
from specify_db.queries.filters import FilterInput, compile_filters
from specify_db.queries.fulltext import (
    FTS_METHOD,
    SEARCH_SPECS,
    SearchMethod,
    fulltext_available,
    search_statement,
)
from specify_db.queries.keyset import decode_cursor, encode_cursor, seek_predicate
from specify_db.queries.ordering import OrderInput, SortKey, parse_order
from specify_db.queries.pages import CountMode, CursorPage, Page
from specify_db.queries.search import SearchHit, SearchResult

__all__ = ["BaseQueries"]

ModelT = TypeVar("ModelT", bound=SQLModel)
ReadT = TypeVar("ReadT", bound=BaseModel)

MAX_LIMIT = 2**31 - 1
MAX_OFFSET = 2**62
MAX_SEARCH_LENGTH = 500


def check_limit(limit: int | None, *, name: str = "limit") -> int | None:
    """``None`` or an int in ``1..2**31-1``; anything else is :class:`InvalidQuery`."""
    return None if limit is None else checked_int(limit, name, 1, MAX_LIMIT)


def check_aware(value: Any, name: str) -> datetime:
    """An aware datetime, or :class:`InvalidQuery`."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidQuery(f"{name} must be a timezone-aware datetime, not {value!r}")
    return value


class BaseQueries(Generic[ModelT, ReadT]):
    """Read-only queries over one table, bound to a manager or a session.

    Class attributes a subclass sets:
        model: the table class.
        read_model: the Read DTO every result is converted to.
        fields: allow-list of filter (and group-by) fields, name -> column.
        sortable: the names in ``fields`` that ``order_by`` accepts (the primary key ``id``
            is always accepted).
        default_order: the order when ``order_by`` is None, e.g. ``("-started_at",)``.
        measures: the numeric fields :meth:`aggregate` and :meth:`time_buckets` accept.
        time_field: the timestamp field :meth:`time_buckets` uses by default.

    Args:
        source: a :class:`DatabaseManager` (each call its own retried unit of work) or an
            ``AsyncSession`` (calls join the caller's transaction).
        max_page_size: overrides ``settings.max_page_size``.
    """

    model: ClassVar[type[SQLModel]]
    read_model: ClassVar[type[BaseModel]]
    fields: ClassVar[Mapping[str, Any]] = {}
    sortable: ClassVar[tuple[str, ...]] = ()
    default_order: ClassVar[tuple[str, ...]] = ()
    measures: ClassVar[tuple[str, ...]] = ()
    time_field: ClassVar[str | None] = None

    def __init__(self, source: SessionSource, *, max_page_size: int | None = None) -> None:
        self._bound = Bound(source)
        self.max_page_size = max_page_size or get_settings().max_page_size

    # ---- plumbing -------------------------------------------------------------------------

    @property
    def dialect_name(self) -> str:
        """The bound database's dialect: ``sqlite``, ``postgresql`` or ``mysql``."""
        return self._bound.dialect_name

    @classmethod
    def _pk(cls) -> ColumnElement[Any]:
        pk: ColumnElement[Any] = cls.model.id  # type: ignore[attr-defined]
        return pk

    @classmethod
    def _table_name(cls) -> str:
        return str(cls.model.__table__.name)  # type: ignore[attr-defined]

    @classmethod
    def _eager(cls) -> list[Any]:
        relationships = inspect(cls.model).relationships
        return [
            selectinload(getattr(cls.model, name))
            for name in cls.read_model.model_fields
            if name in relationships
        ]

    def _to_read(self, row: Any) -> ReadT:
        return self.read_model.model_validate(row)  # type: ignore[return-value]

    def _select(self) -> Select[Any]:
        return select(self.model).options(*self._eager())

    def _where(self, filters: FilterInput) -> ColumnElement[bool] | None:
        return compile_filters(filters, self.fields)

    def _order(self, order_by: OrderInput) -> list[SortKey]:
        allowed = {name: self.fields[name] for name in self.sortable}
        allowed["id"] = self._pk()
        return parse_order(order_by, allowed, self.default_order, "id", self._pk())

    async def _list(self, stmt: Select[Any]) -> list[ReadT]:
        async def work(session: AsyncSession) -> list[ReadT]:
            rows = (await execute(session, stmt)).scalars().all()
            return [self._to_read(row) for row in rows]

        return await self._bound.run(work)

    async def _first(self, stmt: Select[Any]) -> ReadT | None:
        found = await self._list(stmt.limit(1))
        return found[0] if found else None

    # ---- simple reads ---------------------------------------------------------------------

    async def get_by_id(self, id_: int) -> ReadT | None:
        """The row with primary key ``id_``, or None."""
        return await self._first(self._select().where(self._pk() == id_))

    async def get_by_public_id(self, public_id: uuid.UUID | str) -> ReadT | None:
        """The row with this public UUID, or None (a malformed UUID is an InvalidQuery)."""
        try:
            value = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
        except ValueError:
            raise InvalidQuery(f"not a UUID: {public_id!r}") from None
        column = self.model.public_id  # type: ignore[attr-defined]
        return await self._first(self._select().where(column == value))

    async def get_all(
        self, limit: int | None = None, offset: int = 0, order_by: OrderInput = None
    ) -> list[ReadT]:
        """Rows in the default (or given) order, optionally limited; ``offset`` >= 0."""
        checked_int(offset, "offset", 0, MAX_OFFSET)
        stmt = self._select().order_by(*(key.clause() for key in self._order(order_by)))
        if check_limit(limit) is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        return await self._list(stmt)

    async def find(
        self, filters: FilterInput = None, *, order_by: OrderInput = None, limit: int | None = None
    ) -> list[ReadT]:
        """Rows matching ``filters`` (see :mod:`specify_db.queries.filters`), ordered."""
        stmt = self._filtered(filters).order_by(*(k.clause() for k in self._order(order_by)))
        if check_limit(limit) is not None:
            stmt = stmt.limit(limit)
        return await self._list(stmt)

    def _filtered(self, filters: FilterInput) -> Select[Any]:
        stmt = self._select()
        where = self._where(filters)
        return stmt if where is None else stmt.where(where)

    async def count(self, filters: FilterInput = None) -> int:
        """The number of rows matching ``filters`` (one COUNT query)."""
        where = self._where(filters)

        async def work(session: AsyncSession) -> int:
            return await self._count(session, where)

        return await self._bound.run(work)

    async def _count(self, session: AsyncSession, where: ColumnElement[bool] | None) -> int:
        stmt = select(func.count()).select_from(self.model)
        if where is not None:
            stmt = stmt.where(where)
        return int((await execute(session, stmt)).scalar_one())

    # ---- pages ----------------------------------------------------------------------------

    def _check_page(self, page: int, size: int) -> None:
        checked_int(size, "size", 1, self.max_page_size)
        checked_int(page, "page", 1, MAX_OFFSET // size)

    async def paginate(
        self,
        page: int = 1,
        size: int = 20,
        filters: FilterInput = None,
        order_by: OrderInput = None,
        count: CountMode = "exact",
        *,
        per_page: int | None = None,
    ) -> Page[ReadT]:
        """One offset page.

        Args:
            page: 1-based page number.
            size: rows per page, 1 to ``max_page_size``.
            per_page: the earlier name of ``size``; wins when given.
            filters: see :mod:`specify_db.queries.filters`.
            order_by: allow-listed sort keys; the primary key is always the last key.
            count: ``"exact"`` (a separate ``SELECT count(*)`` with the same filters),
                ``"estimate"`` (planner statistics on PostgreSQL and MariaDB; exact on
                SQLite) or ``"none"`` (no total; ``has_next`` from fetching one extra row).

        Raises:
            InvalidQuery: bad page or size, unknown field, operator or sort key; no SQL ran.
        """
        size = per_page if per_page is not None else size
        self._check_page(page, size)
        if count not in ("exact", "estimate", "none"):
            raise InvalidQuery(f"count must be 'exact', 'estimate' or 'none', not {count!r}")
        where = self._where(filters)
        keys = self._order(order_by)
        stmt = self._select()
        if where is not None:
            stmt = stmt.where(where)
        offset = (page - 1) * size
        stmt = stmt.order_by(*(key.clause() for key in keys)).offset(offset)
        caps = capabilities(self.dialect_name)
        method: CountMode = "exact" if count == "estimate" and not caps.estimates else count

        async def work(session: AsyncSession) -> Page[ReadT]:
            total: int | None = None
            if method == "exact":
                total = await self._count(session, where)
                rows = [] if offset >= total else await self._rows(session, stmt.limit(size))
                has_next = offset + len(rows) < total
            else:
                rows = await self._rows(session, stmt.limit(size + 1))
                has_next = len(rows) > size
                rows = rows[:size]
                if method == "estimate":
                    counted = select(self._pk()).select_from(self.model)
                    if where is not None:
                        counted = counted.where(where)
                    estimate = await estimate_rows(
                        session,
                        self.dialect_name,
                        self._table_name(),
                        counted,
                        where is not None,
                    )
                    seen = offset + len(rows) + (1 if has_next else 0)
                    total = max(estimate or 0, seen)
            return Page[ReadT](
                items=[self._to_read(row) for row in rows],
                total=total,
                page=page,
                size=size,
                count_method=method,
                has_next=has_next,
                has_prev=page > 1,
            )

        return await self._bound.run(work)

    @staticmethod
    async def _rows(session: AsyncSession, stmt: Select[Any]) -> list[Any]:
        return list((await execute(session, stmt)).scalars().all())

    def _cursor_scope(self, keys: Sequence[SortKey]) -> str:
        return f"{type(self).__qualname__}|{','.join(key.token() for key in keys)}"

    async def cursor_page(
        self,
        size: int = 20,
        after: str | None = None,
        before: str | None = None,
        filters: FilterInput = None,
        order_by: OrderInput = None,
    ) -> CursorPage[ReadT]:
        """One keyset page: the ``size`` rows after the ``after`` cursor (or before ``before``).

        Its cost does not grow with depth: the cursor becomes a seek predicate on the sort
        keys (an index range scan), not an OFFSET. Sort keys must be NOT NULL columns.

        Raises:
            InvalidQuery: bad size, both cursors given, a tampered or foreign cursor, a
                nullable or unknown sort key; no SQL ran.
        """
        self._check_page(1, size)
        if after is not None and before is not None:
            raise InvalidQuery("give either after= or before=, not both")
        keys = self._order(order_by)
        for key in keys:
            if getattr(key.column, "nullable", False) or getattr(
                getattr(key.column, "expression", None), "nullable", False
            ):
                raise InvalidQuery(
                    f"cursor pages need NOT NULL sort keys; {key.name!r} is nullable"
                )
        scope = self._cursor_scope(keys)
        where = self._where(filters)
        backwards = before is not None
        walk = [key.reversed() for key in keys] if backwards else keys
        conditions = [] if where is None else [where]
        cursor = before if backwards else after
        if cursor is not None:
            values = decode_cursor(scope, cursor, len(keys))
            row_values = capabilities(self.dialect_name).row_values
            conditions.append(seek_predicate(walk, values, row_values))
        stmt = (
            select(self.model, *(key.column.label(f"k{i}") for i, key in enumerate(keys)))
            .options(*self._eager())
            .order_by(*(key.clause() for key in walk))
            .limit(size + 1)
        )
        if conditions:
            stmt = stmt.where(and_(*conditions))

        async def work(session: AsyncSession) -> CursorPage[ReadT]:
            rows = list((await execute(session, stmt)).all())
            more = len(rows) > size
            rows = rows[:size]
            if backwards:
                rows.reverse()
            has_next = more if not backwards else True
            has_prev = more if backwards else after is not None
            first = encode_cursor(scope, list(rows[0][1:])) if rows else None
            last = encode_cursor(scope, list(rows[-1][1:])) if rows else None
            if not rows and backwards:
                has_next, last = True, before
            return CursorPage[ReadT](
                items=[self._to_read(row[0]) for row in rows],
                size=size,
                next_cursor=last if has_next else None,
                prev_cursor=first if has_prev else None,
                has_next=has_next,
                has_prev=has_prev,
            )

        return await self._bound.run(work)

    # ---- aggregates and time buckets ------------------------------------------------------

    def _measure(self, name: str) -> ColumnElement[Any]:
        if name not in self.measures:
            raise InvalidQuery(f"unknown measure {name!r}; allowed: {sorted(self.measures)}")
        column: ColumnElement[Any] = self.fields[name]
        return column

    async def aggregate(
        self,
        field: str,
        *,
        group_by: str | Sequence[str] | None = None,
        filters: FilterInput = None,
        percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    ) -> list[AggregateRow]:
        """count, sum, avg, min, max and percentiles of ``field``, per group, in SQL.

        Without ``group_by`` the result is one row (count 0 and None aggregates when nothing
        matches). Percentiles are given in [0, 100], e.g. ``(50, 95, 99)``.
        """
        value = self._measure(field)
        names = [group_by] if isinstance(group_by, str) else list(group_by or ())
        for name in names:
            if name not in self.fields or name in self.measures:
                raise InvalidQuery(f"cannot group by {name!r}; allowed: {sorted(self.sortable)}")
        groups = {name: self.fields[name] for name in names}
        where = self._where(filters)
        caps = capabilities(self.dialect_name)

        async def work(session: AsyncSession) -> list[AggregateRow]:
            return await run_aggregate(session, caps, self.model, value, groups, where, percentiles)

        return await self._bound.run(work)

    async def time_buckets(
        self,
        start: datetime,
        end: datetime,
        interval: timedelta | str | int,
        *,
        field: str,
        time_field: str | None = None,
        filters: FilterInput = None,
        fill_gaps: bool = False,
    ) -> list[Bucket]:
        """Aggregates of ``field`` per UTC-aligned time bucket over ``[start, end)``, in SQL.

        Args:
            start: aware datetime; rows with ``start <= time`` count.
            end: aware datetime; rows with ``time < end`` count.
            interval: bucket width: ``timedelta``, ``"30s"``, ``"7m"``, ``"1h"``, ``"1d"``,
                or seconds; 1 s to 31 days.
            field: the measure (e.g. ``"value"``).
            time_field: the timestamp field (default: the class's ``time_field``).
            filters: further conditions, as for :meth:`find`.
            fill_gaps: also return empty buckets (count 0) so the series has no holes.
        """
        seconds = bucketing.parse_interval(interval)
        check_aware(start, "start")
        check_aware(end, "end")
        if not start < end:
            raise InvalidQuery("start must be before end")
        if fill_gaps:
            bucketing.check_fill(start, end, seconds)
        value = self._measure(field)
        name = time_field or self.time_field
        if name is None or name not in self.fields:
            raise InvalidQuery(f"unknown time field {name!r}")
        moment = self.fields[name]
        where = self._where(filters)
        stmt = bucketing.bucket_statement(
            self.model, moment, value, seconds, self.dialect_name, start, end, where
        )

        async def work(session: AsyncSession) -> list[Bucket]:
            rows: list[Any] = list((await execute(session, stmt)).all())
            return bucketing.to_buckets(rows, seconds)

        found = await self._bound.run(work)
        return bucketing.fill_gaps(found, start, end, seconds) if fill_gaps else found

    # ---- full-text search -----------------------------------------------------------------

    async def _search(
        self, query: str, limit: int, extra: ColumnElement[bool] | None = None
    ) -> SearchResult[ReadT]:
        if not is_text(query) or not query.strip() or len(query) > MAX_SEARCH_LENGTH:
            raise InvalidQuery(f"search text must be 1 to {MAX_SEARCH_LENGTH} characters")
        if "\x00" in query:
            raise InvalidQuery("search text must not contain NUL characters")
        self._check_page(1, limit)
        query = query.strip()
        spec = SEARCH_SPECS[self._table_name()]
        dialect = self.dialect_name

        async def work(session: AsyncSession) -> SearchResult[ReadT]:
            available = await fulltext_available(session, dialect, spec.table)
            method: SearchMethod = FTS_METHOD[dialect] if available else "like"
            stmt = search_statement(self.model, spec, dialect, query, method, extra)
            if stmt is None:  # only punctuation: no word can match
                return SearchResult[ReadT](query=query, method=method, hits=[])
            stmt = stmt.options(*self._eager()).limit(limit)
            rows: list[Any] = list((await execute(session, stmt)).all())
            hits = [
                SearchHit[ReadT](item=self._to_read(row[0]), rank=float(row[1]), exact=bool(row[2]))
                for row in rows
            ]
            return SearchResult[ReadT](query=query, method=method, hits=hits)

        return await self._bound.run(work)
