"""The registry of specify-db's tables, and the column shapes every table repeats.

Every table inherits :class:`TableIdentity`, which maps it on :data:`SCHEMA_REGISTRY`, whose
``MetaData`` (:data:`specify_db.core.schema.metadata`) carries the naming convention. The
tables are therefore kept off the global ``SQLModel.metadata`` that applications use.

Every name in the schema follows the convention (Alembic's recommended one):

- ``ix_<table>_<column>`` for single-column indexes; composite indexes are named explicitly as
  ``ix_<table>_<column>_<column>`` in the same spirit.
- ``uq_<table>_<first column>``, ``ck_<table>_<name>``, ``fk_<table>_<column>_<referred table>``,
  ``pk_<table>``.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, Final, Literal

from sqlalchemy import false, text, true
from sqlalchemy.orm import registry
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Field, SQLModel

from specify_db.core.schema import NAMING_CONVENTION, metadata
from specify_db.models.sql import utc_now, utc_now_default
from specify_db.models.types import EnumColumn, IdType, JSONType, UTCDateTime

__all__ = [
    "MYSQL_TABLE_OPTIONS",
    "NAMING_CONVENTION",
    "SCHEMA_REGISTRY",
    "bool_field",
    "counter_field",
    "created_at_field",
    "empty_json_default",
    "enum_field",
    "foreign_key_field",
    "id_field",
    "json_field",
    "meta_field",
    "metadata",
    "public_id_field",
    "table_args",
    "timestamp_field",
    "updated_at_field",
]

SCHEMA_REGISTRY: Final[registry] = registry(metadata=metadata)
"""The SQLAlchemy registry every specify-db table is mapped in."""

MYSQL_TABLE_OPTIONS: Final[dict[str, str]] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    # Binary collation: string equality, uniqueness and ordering are case- and
    # accent-sensitive, as on PostgreSQL and SQLite, instead of MariaDB's *_ci default.
    "mysql_collate": "utf8mb4_bin",
}


def table_args(*items: Any) -> tuple[Any, ...]:
    """``__table_args__`` for a table: its indexes and constraints plus the MySQL options."""
    return (*items, dict(MYSQL_TABLE_OPTIONS))


def id_field() -> Any:
    """Surrogate primary key ``id``: database-generated, 64-bit (a rowid alias on SQLite)."""
    return Field(default=None, primary_key=True, sa_type=IdType)


def public_id_field() -> Any:
    """``public_id``: a client-generated UUID, unique; the identity exchanged with other services.

    Generated before the first attempt of a create, so a replayed unit of work finds the row
    it already inserted instead of inserting it twice.
    """
    return Field(
        default_factory=uuid.uuid4,
        unique=True,
        nullable=False,
        description="Client-generated public identifier (UUID v4).",
    )


class TableIdentity(SQLModel, registry=SCHEMA_REGISTRY):
    """The two identities of every row: ``id`` (surrogate key) and ``public_id`` (UUID).

    Listed last among a table's bases so that these columns come first in the table. It also
    maps every table on :data:`SCHEMA_REGISTRY` instead of SQLModel's global registry.
    """

    id: int | None = id_field()
    public_id: uuid.UUID = public_id_field()


def foreign_key_field(
    target: str, *, ondelete: Literal["CASCADE", "SET NULL", "RESTRICT"], nullable: bool
) -> Any:
    """A foreign key to ``target`` (``"table.id"``) with a database-enforced ``ON DELETE``."""
    return Field(
        default=None,
        foreign_key=target,
        ondelete=ondelete,
        nullable=nullable,
        sa_type=IdType,
    )


def _timestamp_kwargs(*, onupdate: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"server_default": utc_now_default()}
    if onupdate:
        kwargs["onupdate"] = utc_now
    return kwargs


def created_at_field() -> Any:
    """``created_at``: set by Python on ORM inserts, by the server on raw inserts."""
    return Field(
        default_factory=utc_now,
        nullable=False,
        sa_type=UTCDateTime(),
        sa_column_kwargs=_timestamp_kwargs(onupdate=False),
    )


def updated_at_field() -> Any:
    """``updated_at``: like ``created_at``, and bumped on every ORM update.

    A raw SQL ``UPDATE`` does not bump it (no portable ``ON UPDATE`` exists).
    """
    return Field(
        default_factory=utc_now,
        nullable=False,
        sa_type=UTCDateTime(),
        sa_column_kwargs=_timestamp_kwargs(onupdate=True),
    )


def timestamp_field(*, nullable: bool = True, index: bool = False) -> Any:
    """An optional (or required, without default) UTC timestamp column."""
    return Field(default=None, nullable=nullable, index=index, sa_type=UTCDateTime())


def empty_json_default() -> TextClause:
    """``('{}')``: an empty JSON object as a server default.

    The parenthesised form is an expression default, which MySQL 8 requires for JSON columns
    and PostgreSQL, SQLite and MariaDB all accept.
    """
    return text("('{}')")


def meta_field() -> Any:
    """The ``meta`` JSON object (attribute and column are both ``meta``), empty by default."""
    return Field(
        default_factory=dict,
        nullable=False,
        sa_type=JSONType,
        sa_column_kwargs={"server_default": empty_json_default()},
    )


def json_field() -> Any:
    """Another JSON object column, empty by default on the client and on the server."""
    return meta_field()


def bool_field(default: bool) -> Any:
    """A NOT NULL boolean with the same default in Python and on the server."""
    return Field(
        default=default,
        nullable=False,
        sa_column_kwargs={"server_default": true() if default else false()},
    )


def counter_field() -> Any:
    """A NOT NULL integer counter starting at 0 in Python and on the server."""
    return Field(default=0, nullable=False, sa_column_kwargs={"server_default": text("0")})


def enum_field(enum_class: type[Enum], column: str, default: Enum | None = None) -> Any:
    """A NOT NULL enum column stored as its lower-case value, with ``CHECK ck_<table>_<column>``.

    With a ``default``, the server has the same default (its value), so raw inserts get it.
    """
    kwargs: dict[str, Any] = {}
    if default is not None:
        kwargs["server_default"] = str(default.value)
    return Field(
        default=default if default is not None else ...,
        nullable=False,
        sa_type=EnumColumn(enum_class, column),
        sa_column_kwargs=kwargs,
    )
