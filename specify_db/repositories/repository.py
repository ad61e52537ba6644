"""``Repository[Model, Create, Update]``: the full CRUD repository with upserts and bulk updates.

Example::

    class ProjectRepository(Repository[Project, ProjectCreate, ProjectUpdate]):
        model = Project
        create_schema = ProjectCreate
        update_schema = ProjectUpdate

    projects = ProjectRepository(db)
    project = await projects.create({"name": "Demo", "slug": "demo", "owner_id": 1})
    await projects.update(project.id, {"description": "a demo"})
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.errors import InvalidQuery
from specify_db.engine.binding import SessionSource
from specify_db.repositories.base import (
    _CHUNK,
    AppendOnlyRepository,
    CreateT,
    Input,
    ModelT,
    Row,
    UpdateT,
)
from specify_db.repositories.dialect import KEY_PARAM, value_param

__all__ = ["Repository"]

_NEVER_WRITTEN = frozenset({"id", "public_id", "created_at"})


class Repository(AppendOnlyRepository[ModelT, CreateT, UpdateT]):
    """Generic async repository over one SQLModel table: everything, including writes.

    Subclasses set :attr:`model`, :attr:`create_schema` and :attr:`update_schema`. The table
    needs an ``id`` primary key and a unique ``public_id`` UUID.

    Args:
        source: a ``DatabaseManager`` (each call its own retried unit of work) or an
            ``AsyncSession`` (each call joins that transaction and never commits).
    """

    def __init__(self, source: SessionSource) -> None:
        super().__init__(source)
        self._upserts: dict[tuple[Any, ...], Any] = {}

    async def update(self, id_: int | None, data: Input) -> ModelT:
        """Apply a PATCH (Update DTO or dict; only the keys given) to the row ``id_``.

        Raises:
            NotFound: no such row.
            pydantic.ValidationError: an unknown key (``metadata`` instead of ``meta``) or a
                bad value.
        """
        patch = self._patch(data)

        async def work(session: AsyncSession, _replay: bool) -> ModelT:
            return await self._apply(session, id_, patch)

        return await self._run(work)

    async def _apply(self, session: AsyncSession, id_: int | None, patch: Row) -> ModelT:
        obj = None if id_ is None else await session.get(self.model, id_, populate_existing=True)
        if obj is None:
            raise self._missing(id_)
        for name, value in patch.items():
            setattr(obj, name, value)
        session.add(obj)
        await session.flush()
        return obj  # type: ignore[no-any-return]

    async def upsert(self, data: Input, *, on: Sequence[str] = ("public_id",)) -> ModelT:
        """Insert a row, or update the existing row with the same unique key ``on``.

        On conflict, every field of the Create DTO (except the key, ``public_id`` and
        ``created_at``) is overwritten and ``updated_at`` bumped; columns the DTO does not
        carry (counters, hashes) keep their stored values. One statement on every backend
        (plus a ``SELECT`` by key on MariaDB, which cannot return the row from an upsert).
        """
        row = await self._prepare(self._create_dto(data))
        stmt = self._upsert_statement(tuple(on), tuple(row), orm=True)

        async def work(session: AsyncSession, _replay: bool) -> ModelT:
            key = {name: row[name] for name in on}
            if self.dialect.upsert_returning:
                result = await session.exec(
                    stmt, params=row, execution_options={"populate_existing": True}
                )
                return result.scalars().one()  # type: ignore[no-any-return]
            await session.exec(stmt, params=row)
            found = await self._find(session, key, lock=False)
            if found is None:  # pragma: no cover - just written in this transaction
                raise self._missing(key)
            return found

        return await self._run(work)

    def _upsert_statement(
        self, on: tuple[str, ...], columns: tuple[str, ...], *, orm: bool = False
    ) -> Any:
        """The upsert for this key and column set, built once (a new one per call costs 10x)."""
        cache_key = (self._bound.dialect_name, on, columns, orm)
        stmt = self._upserts.get(cache_key)
        if stmt is None:
            for name in on:
                self._column(name)
            skip = {*on, *_NEVER_WRITTEN}
            given = self.create_schema.model_fields
            # Only what a client sends is overwritten (plus ``updated_at``): counters and
            # other server-kept columns filled in by defaults keep their stored values.
            updated = [
                name
                for name in columns
                if name not in skip and (name in given or self.table.c[name].onupdate is not None)
            ]
            stmt = self.dialect.upsert(self.model if orm else self.table, on, updated)
            if orm and self.dialect.upsert_returning:
                stmt = stmt.returning(self.model)
            self._upserts[cache_key] = stmt
        return stmt

    async def delete(self, id_: int | None) -> None:
        """Delete the row ``id_`` (the database's ``ON DELETE`` rules handle dependents).

        Raises:
            NotFound: no such row.
        """
        stmt = delete(self.model).where(self.model.id == id_)

        async def work(session: AsyncSession, _replay: bool) -> None:
            result = await session.exec(stmt)
            if result.rowcount == 0:
                raise self._missing(id_)

        await self._run(work)

    async def update_many(self, updates: Iterable[Mapping[str, Any]], *, id_key: str = "id") -> int:
        """Apply a PATCH to each row named by its ``id_key`` (``id`` or ``public_id``).

        Set-based and atomic: rows that change the same columns go in one ``executemany``
        (one ``UPDATE ... CASE`` per 500 rows on MariaDB, whose drivers send an UPDATE
        ``executemany`` row by row); if any key names no row, :class:`NotFound` is raised and
        nothing is written.

        Returns:
            How many rows were updated.
        """
        if id_key not in ("id", "public_id"):
            raise InvalidQuery("id_key must be 'id' or 'public_id'")
        groups: dict[tuple[str, ...], builtins.list[Row]] = {}
        keys: builtins.list[Any] = []
        for item in updates:
            if id_key not in item:
                raise InvalidQuery(f"every update needs its {id_key!r}")
            key = item[id_key]
            patch = self._patch({k: v for k, v in item.items() if k != id_key})
            keys.append(key)
            if patch:
                params = {value_param(name): value for name, value in patch.items()}
                groups.setdefault(tuple(patch), []).append({**params, KEY_PARAM: key})
        if not keys:
            return 0
        key_column = self.table.c[id_key]
        unique = builtins.list(dict.fromkeys(keys))

        async def work(session: AsyncSession, _replay: bool) -> int:
            missing = await self._missing_keys(session, key_column, unique)
            if missing:
                raise self._missing(missing[0])
            for names, params in groups.items():
                await self.dialect.update_rows(session, self.table, key_column, names, params)
            return len(unique)

        return await self._run(work)

    async def _missing_keys(
        self, session: AsyncSession, column: Any, keys: Sequence[Any]
    ) -> builtins.list[Any]:
        """The keys (unique, in order) that name no row: counted first, listed only if short."""
        found = 0
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            stmt = select(func.count()).select_from(self.table).where(column.in_(chunk))
            found += (await session.exec(stmt)).one()
        if found == len(keys):
            return []
        seen: set[Any] = set()
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            seen.update((await session.exec(select(column).where(column.in_(chunk)))).all())
        return [key for key in keys if key not in seen]

    async def upsert_many(
        self, items: Iterable[Input], *, on: Sequence[str] = ("public_id",)
    ) -> int:
        """Insert or update many rows by unique key ``on``: one ``executemany``, atomic.

        Returns:
            How many input rows were written (inserted or updated).
        """
        rows = [await self._prepare(self._create_dto(item)) for item in items]
        if not rows:
            return 0
        columns = tuple(rows[0])
        stmt = self._upsert_statement(tuple(on), columns)

        async def work(session: AsyncSession, _replay: bool) -> int:
            await session.exec(stmt, params=rows)
            return len(rows)

        return await self._run(work)

    async def delete_many(self, ids: Iterable[int | None]) -> int:
        """Delete the rows with these primary keys in a few statements; returns how many."""
        wanted = [id_ for id_ in dict.fromkeys(ids) if id_ is not None]

        async def work(session: AsyncSession, _replay: bool) -> int:
            deleted = 0
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                result = await session.exec(delete(self.table).where(self.table.c.id.in_(chunk)))
                deleted += result.rowcount
            return deleted

        return await self._run(work)
