"""``ConfigurationRepository``: typed per-project settings; secret values encrypted at rest.

Example::

    config = ConfigurationRepository(db)
    await config.set_config(demo.id, "max_workers", 8)
    await config.set_config(demo.id, "api_token", "s3cr3t", encrypted=True)
    assert await config.get_config(demo.id, "max_workers") == 8
    assert await config.get_config(demo.id, "api_token") == "s3cr3t"   # decrypted on read
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.errors import InvalidQuery
from specify_db.models import Configuration, ConfigurationCreate, ConfigurationUpdate
from specify_db.models.configuration import ConfigValueType, parse_config_value
from specify_db.models.crypto import encrypt_value, rotate_value
from specify_db.repositories.base import Row
from specify_db.repositories.repository import Repository

__all__ = ["ConfigurationRepository", "encode_config_value"]


def encode_config_value(value: Any) -> tuple[str, ConfigValueType]:
    """The stored text and type of a Python value.

    ``bool`` -> boolean (checked before int), ``int`` -> integer, ``float`` -> float, ``str``
    -> string, ``dict``/``list``/``None`` -> json (so None reads back as None).

    Raises:
        TypeError: any other type.
        ValueError: a NaN or infinite float.
    """
    if isinstance(value, bool):
        return ("true" if value else "false"), "boolean"
    if isinstance(value, int):
        return str(value), "integer"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a configuration float must be finite")
        return repr(value), "float"
    if isinstance(value, str):
        return value, "string"
    if value is None or isinstance(value, (dict, list)):
        return json.dumps(value, allow_nan=False, ensure_ascii=False), "json"
    raise TypeError(f"cannot store a {type(value).__name__} as a configuration value")


class ConfigurationRepository(Repository[Configuration, ConfigurationCreate, ConfigurationUpdate]):
    """Project configuration. Rows with ``encrypted=True`` hold a Fernet token, never the text.

    Keys come from ``SPECIFY_DB_FERNET_KEYS`` (newest first); :meth:`rotate_keys`
    re-encrypts every secret under the newest key.
    """

    model = Configuration
    create_schema = ConfigurationCreate
    update_schema = ConfigurationUpdate

    def _row(self, dto: BaseModel) -> Row:
        row = super()._row(dto)
        if row.get("encrypted"):
            row["value"] = encrypt_value(row["value"])
        return row

    async def set_config(
        self,
        project_id: int | None,
        key: str,
        value: Any,
        *,
        encrypted: bool = False,
        **kwargs: Any,
    ) -> Configuration:
        """Store ``value`` under ``key`` for the project (insert or replace), typed.

        ``encrypted=True`` stores it encrypted (``description``, ``meta`` via kwargs).
        """
        text, value_type = encode_config_value(value)
        return await self.upsert(
            {
                "project_id": project_id,
                "key": key,
                "value": text,
                "type": value_type,
                "encrypted": encrypted,
                **kwargs,
            },
            on=["project_id", "key"],
        )

    async def get_config(self, project_id: int | None, key: str, default: Any = None) -> Any:
        """The typed value (decrypted if secret), or ``default`` when the key is not set."""
        row = await self.get_by_or_none(project_id=project_id, key=key)
        return default if row is None else row.get_value()

    async def get_all_config(self, project_id: int | None) -> dict[str, Any]:
        """Every key of the project with its typed (decrypted) value."""
        return {row.key: row.get_value() for row in await self.list({"project_id": project_id})}

    async def delete_config(self, project_id: int | None, key: str) -> bool:
        """Remove a key; True if it was set."""
        stmt = delete(Configuration).where(
            col(Configuration.project_id) == project_id, col(Configuration.key) == key
        )

        async def work(session: AsyncSession, _replay: bool) -> bool:
            return bool((await session.exec(stmt)).rowcount)

        return await self._run(work)

    async def _apply(self, session: AsyncSession, id_: int | None, patch: Row) -> Configuration:
        # The PATCH carries plain text; encrypt (or decrypt) to match the resulting row.
        row = None if id_ is None else await session.get(Configuration, id_, populate_existing=True)
        if row is None:
            raise self._missing(id_)
        plain = patch.get("value", row.plain_value())
        value_type = patch.get("type", row.type)
        try:
            parse_config_value(plain, value_type)
        except ValueError as exc:
            raise ValueError(f"value is not a valid {value_type}: {exc}") from exc
        encrypted = patch.get("encrypted", row.encrypted)
        patch = {**patch, "value": encrypt_value(plain) if encrypted else plain}
        for name, value in patch.items():
            setattr(row, name, value)
        session.add(row)
        await session.flush()
        return row

    async def update_many(self, updates: Iterable[Mapping[str, Any]], *, id_key: str = "id") -> int:
        """As :meth:`Repository.update_many`, for fields other than ``value``/``encrypted``.

        Raises:
            InvalidQuery: a patch changes ``value`` or ``encrypted`` (use :meth:`update` or
                :meth:`set_config`, which encrypt as needed).
        """
        items = list(updates)
        if any("value" in item or "encrypted" in item for item in items):
            raise InvalidQuery("update_many cannot change value/encrypted; use set_config")
        return await super().update_many(items, id_key=id_key)

    async def rotate_keys(self) -> int:
        """Re-encrypt every secret value under the newest Fernet key; returns how many.

        Prepend the new key to ``SPECIFY_DB_FERNET_KEYS``, call this, then drop the old key.
        """
        secrets = select(Configuration.id, Configuration.value).where(
            col(Configuration.encrypted).is_(True)
        )
        table = self.table
        stmt = update(table).where(table.c.id == bindparam("k_id")).values(value=bindparam("v"))

        async def work(session: AsyncSession, _replay: bool) -> int:
            rows = (await session.exec(secrets)).all()
            params = [{"k_id": row_id, "v": rotate_value(value)} for row_id, value in rows]
            if params:
                await session.exec(stmt, params=params)
            return len(params)

        return await self._run(work)
