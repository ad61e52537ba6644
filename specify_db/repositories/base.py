"""``AppendOnlyRepository``: reads, exactly-once creates, set-based bulk inserts, get_or_create.

The base of every repository (:class:`~specify_db.repositories.repository.Repository` adds
updates, upserts and deletes; the audit log stops here, being append-only). A repository is
bound to a :class:`~specify_db.DatabaseManager` (each call is its own unit of
work, replayed as a whole on transient failures) or to an ``AsyncSession`` (each call joins
that transaction and never commits). Inputs are DTOs or dicts validated through the DTO, so an
unknown key is a ``pydantic.ValidationError`` before any SQL runs.

Example::

    class NoteRepository(AppendOnlyRepository[Note, NoteCreate, NoteUpdate]):
        model = Note
        create_schema = NoteCreate
        update_schema = NoteUpdate

    note = await NoteRepository(db).create({"text": "hello"})
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, exists, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.classify import Reason, classify
from specify_db.core.errors import InvalidQuery, NotFound
from specify_db.engine.binding import Bound, SessionSource
from specify_db.repositories.dialect import COPY_THRESHOLD, WriteDialect, dialect_for

__all__ = ["AppendOnlyRepository", "Input", "Row", "is_unique_violation"]

ModelT = TypeVar("ModelT", bound=SQLModel)
CreateT = TypeVar("CreateT", bound=BaseModel)
UpdateT = TypeVar("UpdateT", bound=BaseModel)
T = TypeVar("T")

Row: TypeAlias = dict[str, Any]
Input: TypeAlias = BaseModel | Mapping[str, Any]

_CHUNK = 5_000  # ids per IN (...) list: well below every backend's bound-parameter limit


def is_unique_violation(exc: BaseException) -> bool:
    """True if ``exc`` is a unique or primary-key violation (any backend)."""
    return isinstance(exc, IntegrityError) and classify(exc).reason is Reason.UNIQUE


class AppendOnlyRepository(Generic[ModelT, CreateT, UpdateT]):
    """Async repository over one SQLModel table: reads and inserts, no updates or deletes.

    Subclasses set :attr:`model`, :attr:`create_schema` and :attr:`update_schema`. The table
    needs an ``id`` primary key and a unique ``public_id`` UUID, which makes creates
    exactly-once: the UUID is fixed before the unit of work runs, and a replayed insert finds
    the row that an earlier attempt committed instead of inserting it twice.

    Args:
        source: a ``DatabaseManager`` or an ``AsyncSession``.
    """

    model: ClassVar[type[Any]]
    create_schema: ClassVar[type[BaseModel]]
    update_schema: ClassVar[type[BaseModel]]

    def __init__(self, source: SessionSource) -> None:
        self._bound = Bound(source)
        self._plans: dict[Any, builtins.list[tuple[str, Any]]] = {}
        self._inserts: dict[tuple[str, tuple[str, ...]], Any] = {}

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def table(self) -> Table:
        """The model's ``Table``."""
        table: Table = self.model.__table__
        return table

    @property
    def dialect(self) -> WriteDialect:
        """The write statements of the bound database."""
        return dialect_for(self._bound.dialect_name)

    async def _run(self, work: Callable[[AsyncSession, bool], Awaitable[T]]) -> T:
        """Run ``work(session, replay)`` in a unit of work.

        ``replay`` is true when the manager runs the unit again after a failed attempt, so a
        bulk write can first look for what the earlier attempt may have committed.
        """
        attempts = 0

        async def unit(session: AsyncSession) -> T:
            nonlocal attempts
            attempts += 1
            return await work(session, attempts > 1)

        return await self._bound.run(unit)

    def _create_dto(self, data: Input) -> BaseModel:
        if isinstance(data, self.create_schema):
            return data
        if isinstance(data, BaseModel):
            data = data.model_dump(exclude_unset=True)
        return self.create_schema.model_validate(data)

    def _update_dto(self, data: Input) -> BaseModel:
        if isinstance(data, self.update_schema):
            return data
        if isinstance(data, BaseModel):
            data = data.model_dump(exclude_unset=True)
        # The schema's own validator: the same checks as model_validate, without SQLModel's
        # table-model handling (Update DTOs are never tables), which costs as much again.
        validated: BaseModel = self.update_schema.__pydantic_validator__.validate_python(data)
        return validated

    async def _prepare(self, dto: BaseModel) -> Row:
        """The row to insert for a validated Create DTO (async: hashing runs in a thread)."""
        return self._row(dto)

    def _row(self, dto: BaseModel) -> Row:
        """The column values of a new row: the DTO's fields plus the model's defaults.

        Domain repositories override this to add columns the DTO does not carry (a password
        hash, a content digest).
        """
        # A pydantic model keeps its field values in __dict__: copying it is one C call, and
        # every instance of a DTO class has the same keys, so its plan is found by class.
        row = dict(dto.__dict__)
        plan = self._plans.get(type(dto))
        if plan is None:
            plan = self._plans[type(dto)] = self._plan(tuple(row))
        for name, field in plan:
            row[name] = field.get_default(call_default_factory=True)
        return row

    def _complete(self, row: Row) -> Row:
        shape = tuple(row)
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = self._plan(shape)
        for name, field in plan:
            row[name] = field.get_default(call_default_factory=True)
        return row

    def _plan(self, shape: tuple[str, ...]) -> builtins.list[tuple[str, Any]]:
        """For rows with these keys: check them once, and list the defaults to add."""
        columns = self.table.c
        unknown = [name for name in shape if name not in columns]
        if unknown:
            raise InvalidQuery(f"{self.table.name} has no column(s) {', '.join(sorted(unknown))}")
        plan = []
        for name, field in self.model.model_fields.items():
            if name in shape or name not in columns or name == "id" or field.is_required():
                continue
            default = field.get_default(call_default_factory=True)
            if default is not None or columns[name].nullable:
                plan.append((name, field))
        return plan

    def _patch(self, data: Input) -> Row:
        dto = self._update_dto(data)
        patch = {name: getattr(dto, name) for name in dto.model_fields_set}
        unknown = [name for name in patch if name not in self.table.c]
        if unknown:
            raise InvalidQuery(f"{self.table.name} has no column(s) {', '.join(sorted(unknown))}")
        return patch

    def _column(self, name: str) -> Any:
        if name not in self.table.c:
            raise InvalidQuery(f"{self.table.name} has no column {name!r}")
        return getattr(self.model, name)

    def _where(self, filters: Mapping[str, Any] | None) -> builtins.list[Any]:
        return [self._column(name) == value for name, value in (filters or {}).items()]

    def _missing(self, key: object) -> NotFound:
        return NotFound(f"{self.model.__name__} {key!r} not found")

    # -- reads ------------------------------------------------------------------------------

    async def get_or_none(self, id_: int | None) -> ModelT | None:
        """The row with primary key ``id_``, or None."""

        async def work(session: AsyncSession, _replay: bool) -> ModelT | None:
            return None if id_ is None else await session.get(self.model, id_)

        return await self._run(work)

    async def get(self, id_: int | None) -> ModelT:
        """The row with primary key ``id_``.

        Raises:
            NotFound: no such row.
        """
        found = await self.get_or_none(id_)
        if found is None:
            raise self._missing(id_)
        return found

    async def get_by_public_id(self, public_id: uuid.UUID | str) -> ModelT:
        """The row with this public UUID.

        Raises:
            NotFound: no such row.
        """
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
        found = await self.get_by_or_none(public_id=key)
        if found is None:
            raise self._missing(str(key))
        return found

    async def get_by_or_none(self, **filters: Any) -> ModelT | None:
        """The first row whose columns equal ``filters`` (by primary key), or None."""
        stmt = select(self.model).where(*self._where(filters)).order_by(self.model.id).limit(1)

        async def work(session: AsyncSession, _replay: bool) -> ModelT | None:
            return (await session.exec(stmt)).first()

        return await self._run(work)

    async def list(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        order_by: str | Sequence[str] = "id",
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[ModelT]:
        """Rows whose columns equal ``filters``, ordered by column names (``-name`` = desc).

        Raises:
            InvalidQuery: a filter or sort field is not a column, or a bound is negative.
        """
        if (limit is not None and limit < 0) or offset < 0:
            raise InvalidQuery("limit and offset must not be negative")
        orders = [order_by] if isinstance(order_by, str) else list(order_by)
        clauses = [
            self._column(name[1:]).desc() if name.startswith("-") else self._column(name).asc()
            for name in orders
        ]
        stmt = select(self.model).where(*self._where(filters)).order_by(*clauses).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)

        async def work(session: AsyncSession, _replay: bool) -> builtins.list[ModelT]:
            return builtins.list((await session.exec(stmt)).all())

        return await self._run(work)

    async def count(self, filters: Mapping[str, Any] | None = None) -> int:
        """How many rows match ``filters`` (all rows without)."""
        stmt = select(func.count()).select_from(self.table).where(*self._where(filters))

        async def work(session: AsyncSession, _replay: bool) -> int:
            return int((await session.exec(stmt)).one())

        return await self._run(work)

    async def exists(self, id_: int | None = None, **filters: Any) -> bool:
        """True if the row with primary key ``id_`` (or any row matching ``filters``) exists."""
        if id_ is not None:
            filters["id"] = id_
        stmt = select(exists().where(*self._where(filters)))

        async def work(session: AsyncSession, _replay: bool) -> bool:
            return bool((await session.exec(stmt)).one())

        return await self._run(work)

    # -- single-row writes ------------------------------------------------------------------

    async def create(self, data: Input) -> ModelT:
        """Insert one row from a Create DTO (or a dict validated through it).

        Exactly-once: the row's ``public_id`` is fixed here, before the unit of work runs, so a
        replay after a COMMIT whose outcome was unknown returns the row already committed.

        Raises:
            AlreadyExists: another unique key (a username, a slug) is taken.
            ForeignKeyViolation: a referenced row does not exist.
        """
        row = await self._prepare(self._create_dto(data))

        async def work(session: AsyncSession, _replay: bool) -> ModelT:
            return await self._insert_row(session, row)

        return await self._run(work)

    async def _insert_row(self, session: AsyncSession, row: Row) -> ModelT:
        """Insert ``row`` unless its ``public_id`` is already there; return the stored row."""
        return (await self._insert_if_absent(session, row, ("public_id",)))[0]

    async def _insert_if_absent(
        self, session: AsyncSession, row: Row, keys: Sequence[str]
    ) -> tuple[ModelT, bool]:
        """Insert ``row`` unless a row with the same ``keys`` exists; (row, inserted)."""
        dialect = self.dialect
        stmt = self._insert_statement(dialect, tuple(keys))
        if dialect.skips_conflicts:
            created = (await session.exec(stmt, params=row)).scalars().first()
            if created is not None:
                return created, True
        else:
            try:
                return (await session.exec(stmt, params=row)).scalars().one(), True
            except IntegrityError as exc:
                # On MariaDB a failed statement leaves the transaction usable; a locking read
                # sees the row another transaction committed after this one's snapshot.
                if not is_unique_violation(exc):
                    raise
                found = await self._find(session, {k: row[k] for k in keys}, lock=True)
                if found is None:
                    raise
                return found, False
        found = await self._find(session, {k: row[k] for k in keys}, lock=False)
        if found is None:  # pragma: no cover - the conflicting row was deleted in between
            raise self._missing({k: row[k] for k in keys})
        return found, False

    def _insert_statement(self, dialect: WriteDialect, keys: tuple[str, ...]) -> Any:
        """``INSERT ... RETURNING`` the row, skipping a conflict on ``keys`` where possible.

        Built once per repository: constructing the statement costs more than running it.
        Values are bound at execution.
        """
        cache_key = (dialect.name, keys)
        stmt = self._inserts.get(cache_key)
        if stmt is None:
            base = dialect.insert_skipping(self.model, keys) if dialect.skips_conflicts else None
            stmt = (base if base is not None else insert(self.model)).returning(self.model)
            self._inserts[cache_key] = stmt
        return stmt

    async def _find(
        self, session: AsyncSession, keys: Mapping[str, Any], *, lock: bool
    ) -> ModelT | None:
        stmt = (
            select(self.model).where(*self._where(keys)).execution_options(populate_existing=True)
        )
        if lock:
            stmt = stmt.with_for_update(read=True)
        return (await session.exec(stmt)).first()

    async def get_or_create(self, data: Input, *, lookup: Sequence[str]) -> tuple[ModelT, bool]:
        """The row whose ``lookup`` columns equal ``data``'s, created from ``data`` if missing.

        Race-safe: concurrent callers with the same key all get the one row; the insert skips
        the conflict natively (or, on MariaDB, the duplicate is caught inside the statement and
        the row read back), so no ``AlreadyExists`` escapes. ``lookup`` must be a unique key.

        Returns:
            ``(row, created)``.
        """
        row = await self._prepare(self._create_dto(data))
        for name in lookup:
            self._column(name)

        async def work(session: AsyncSession, _replay: bool) -> tuple[ModelT, bool]:
            found = await self._find(session, {k: row[k] for k in lookup}, lock=False)
            if found is not None:
                return found, False
            return await self._insert_if_absent(session, row, tuple(lookup))

        return await self._run(work)

    # -- bulk writes ------------------------------------------------------------------------

    async def create_many(
        self, items: Iterable[Input], *, returning: bool = True
    ) -> builtins.list[ModelT] | int:
        """Insert many rows in a few statements, atomically.

        With ``returning=True`` (default) the stored rows come back in input order (one
        ``INSERT ... RETURNING`` per batch of up to 1000 rows). With ``returning=False`` the
        count comes back, and on PostgreSQL a batch of 2000 rows or more streams through COPY.
        A replayed unit first looks for the rows by public id, so it never inserts twice.
        """
        rows = [await self._prepare(self._create_dto(item)) for item in items]
        if not rows:
            return [] if returning else 0

        async def work(session: AsyncSession, replay: bool) -> builtins.list[ModelT] | int:
            if replay:
                done = await self._by_public_ids(session, [r["public_id"] for r in rows])
                if done:
                    return done if returning else len(done)
            return await self._insert_many(session, rows, returning=returning)

        return await self._run(work)

    async def _insert_many(
        self, session: AsyncSession, rows: builtins.list[Row], *, returning: bool
    ) -> builtins.list[ModelT] | int:
        columns = builtins.list(rows[0])
        if any(builtins.list(row) != columns for row in rows):
            rows = [{name: row.get(name) for name in columns} for row in rows]
        if returning:
            stmt = insert(self.model).returning(self.model, sort_by_parameter_order=True)
            result = await session.exec(stmt, params=rows, execution_options={"render_nulls": True})
            return builtins.list(result.scalars().all())
        if self.dialect.copy and len(rows) >= COPY_THRESHOLD:
            await self.dialect.copy_rows(session, self.table, columns, rows)
        else:
            await session.exec(insert(self.table), params=rows)
        return len(rows)

    async def _by_public_ids(
        self, session: AsyncSession, public_ids: Sequence[uuid.UUID]
    ) -> builtins.list[ModelT]:
        found: dict[uuid.UUID, ModelT] = {}
        for start in range(0, len(public_ids), _CHUNK):
            chunk = public_ids[start : start + _CHUNK]
            stmt = select(self.model).where(self.model.public_id.in_(chunk))
            found.update({obj.public_id: obj for obj in (await session.exec(stmt)).all()})
        return [found[key] for key in public_ids if key in found]
