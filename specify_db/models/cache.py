"""``cache_entries``: a key/value cache with optional expiry, kept in the database."""

import uuid
from typing import ClassVar

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, String, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel, col

from specify_db.models.base import (
    TableIdentity,
    counter_field,
    created_at_field,
    meta_field,
    table_args,
    timestamp_field,
)
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import (
    HexSha256,
    JsonObject,
    Name200,
    NonNegativeInt32,
    Text,
    UTCDatetime,
)
from specify_db.models.sql import utc_now, utc_now_param
from specify_db.models.types import LongText

__all__ = ["CacheEntry", "CacheEntryBase", "CacheEntryCreate", "CacheEntryRead", "CacheEntryUpdate"]


class CacheEntryBase(SQLModel):
    """Fields a client sets and reads back."""

    key: Name200 = Field(sa_type=String(200), unique=True)
    value: Text = Field(sa_type=LongText)
    value_hash: HexSha256 = Field(sa_type=String(64))
    size_bytes: NonNegativeInt32
    expires_at: UTCDatetime | None = timestamp_field(index=True)
    meta: JsonObject = meta_field()


class CacheEntry(CacheEntryBase, TableIdentity, table=True):
    """A cached value.

    ``access_count`` and ``last_accessed_at`` change only when a reader records an access
    (the repository does it explicitly); saving the entry for any other reason leaves them alone.
    """

    __tablename__ = "cache_entries"
    __table_args__ = table_args(
        CheckConstraint("size_bytes >= 0", name="size_bytes_non_negative"),
        CheckConstraint("access_count >= 0", name="access_count_non_negative"),
    )
    model_config = ConfigDict(ignored_types=(hybrid_property,))  # type: ignore[assignment]

    created_at: UTCDatetime = created_at_field()
    access_count: NonNegativeInt32 = counter_field()
    last_accessed_at: UTCDatetime | None = timestamp_field(index=True)

    @hybrid_property
    def is_expired(self) -> bool:
        """True when ``expires_at < now`` (strictly); an entry without expiry never expires.

        The SQL form uses the same operator and the application's clock (read at execution).
        """
        return self.expires_at is not None and self.expires_at < utc_now()

    @is_expired.inplace.expression
    @classmethod
    def _is_expired_sql(cls) -> ColumnElement[bool]:
        # Never NULL: a NULL expiry makes the conjunction false, as in Python.
        expires_at = col(cls.expires_at)
        return and_(expires_at.is_not(None), expires_at < utc_now_param())

    def __repr__(self) -> str:
        return f"CacheEntry(id={self.id!r}, key={self.key!r})"


class CacheEntryCreate(CacheEntryBase, CreateModel):
    """Input to store a cache entry."""

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)


class CacheEntryRead(CacheEntryBase, ReadModel):
    """A cache entry as other services see it."""

    id: int
    public_id: uuid.UUID
    created_at: UTCDatetime
    access_count: NonNegativeInt32
    last_accessed_at: UTCDatetime | None = None


class CacheEntryUpdate(UpdateModel):
    """PATCH a cache entry."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"value", "value_hash", "size_bytes", "access_count", "meta"}
    )

    value: Text | None = None
    value_hash: HexSha256 | None = None
    size_bytes: NonNegativeInt32 | None = None
    expires_at: UTCDatetime | None = None
    access_count: NonNegativeInt32 | None = None
    last_accessed_at: UTCDatetime | None = None
    meta: JsonObject | None = None
