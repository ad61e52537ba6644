"""Every column type the tables use, in one place.

=====================  ==========================  ====================  ==========================
type                   PostgreSQL                  MariaDB/MySQL         SQLite
=====================  ==========================  ====================  ==========================
:class:`UTCDateTime`   TIMESTAMP WITH TIME ZONE    DATETIME(6)           DATETIME (text)
:data:`JSONType`       JSONB                       JSON (LONGTEXT)       JSON (text)
:data:`LongText`       TEXT                        LONGTEXT              TEXT
:data:`IdType`         BIGINT                      BIGINT                INTEGER (rowid alias)
:data:`DoubleType`     DOUBLE PRECISION            DOUBLE                DOUBLE
:class:`EnumColumn`    VARCHAR(n) + CHECK          VARCHAR(n) + CHECK    VARCHAR(n) + CHECK
:class:`EncryptedText` TEXT (Fernet token)         LONGTEXT              TEXT
:class:`PasswordHash`  VARCHAR(255)                VARCHAR(255)          VARCHAR(255)
public ids (``Uuid``)  UUID                        UUID (10.7+)          CHAR(32)
=====================  ==========================  ====================  ==========================

The encryption helpers :func:`encrypt_value`, :func:`decrypt_value` and :func:`rotate_value`
are re-exported here from :mod:`specify_db.models.crypto`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Double, Integer, String, Text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel.sql.sqltypes import UTCDateTime as _SQLModelUTCDateTime

from specify_db.models.crypto import decrypt_value, encrypt_value, rotate_value

__all__ = [
    "DoubleType",
    "EncryptedText",
    "EnumColumn",
    "IdType",
    "JSONType",
    "LongText",
    "PasswordHash",
    "UTCDateTime",
    "decrypt_value",
    "encrypt_value",
    "rotate_value",
]


class UTCDateTime(_SQLModelUTCDateTime):
    """SQLModel's ``UTCDateTime`` (aware in, aware UTC out, naive refused) with microseconds.

    Identical to what SQLModel gives a plain ``datetime`` field, except on MariaDB/MySQL, where
    the column is ``DATETIME(6)`` instead of ``DATETIME``: the plain form drops the fractional
    seconds, so a value read back would differ from the one written and durations computed in
    SQL would disagree with those computed in Python.
    """

    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """``DATETIME(6)`` on MariaDB/MySQL, SQLModel's choice elsewhere."""
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return super().load_dialect_impl(dialect)


JSONType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")
"""JSON document column: JSONB on PostgreSQL (indexable, compact), JSON elsewhere."""

LongText: TypeEngine[str] = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
"""Unbounded text: MySQL's ``TEXT`` stops at 64 KiB, so it becomes ``LONGTEXT`` there."""

IdType: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
"""Surrogate primary keys: 64-bit, but ``INTEGER`` on SQLite, where only that is a rowid alias."""

DoubleType: TypeEngine[float] = Double()
"""Floating point values: ``Float`` would be single precision (FLOAT) on MySQL."""


class EnumColumn(TypeDecorator[Enum]):
    """A Python enum stored as its lower-case value in a ``VARCHAR`` with a named ``CHECK``.

    No native enum type is created (no PostgreSQL ``CREATE TYPE``, no MySQL ``ENUM``). Binding
    accepts a member, a value or a name in any case (through the enum's lookup), so
    ``Command.status == "SUCCESS"`` in a query is the same as ``== ExecutionStatus.SUCCESS``.
    Results are members.

    Args:
        enum_class: the enum (its values are what is stored).
        name: short name of the CHECK constraint; with the naming convention it becomes
            ``ck_<table>_<name>``. Use the column name.
    """

    impl: TypeEngine[Any] | type[TypeEngine[Any]] = String
    cache_ok = True

    def __init__(self, enum_class: type[Enum], name: str) -> None:
        self.enum_class = enum_class
        self.check_name = name
        super().__init__()
        # TypeDecorator forwards schema events to its impl, so the Enum's CHECK is created.
        self.impl = SAEnum(
            enum_class,
            name=name,
            native_enum=False,
            create_constraint=True,
            validate_strings=True,
            values_callable=lambda members: [member.value for member in members],
            length=max(len(member.value) for member in enum_class),
        )

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Coerce a member, value or name (any case) to the member; the impl stores its value."""
        if value is None:
            return None
        # Raises ValueError for anything that is not a member, value or name.
        return self.enum_class(value)

    def copy(self, **kw: Any) -> EnumColumn:
        """A copy with its own Enum impl: a schema type must not be shared by two columns."""
        return EnumColumn(self.enum_class, self.check_name)

    @property
    def python_type(self) -> type[Enum]:
        """The enum class."""
        return self.enum_class


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest with the Fernet keys from settings (MultiFernet).

    Writes encrypt under the newest key; reads decrypt with any configured key. Stored tokens
    are not comparable or indexable (Fernet is randomised). To move every row to a new key,
    prepend it to ``SPECIFY_DB_FERNET_KEYS`` and re-save each value (or apply
    :func:`rotate_value` to the raw column), then drop the old key.
    """

    impl = LongText
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt under the newest key."""
        return None if value is None else encrypt_value(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt with whichever configured key wrote the value."""
        return None if value is None else decrypt_value(value)


class PasswordHash(TypeDecorator[str]):
    """An argon2 password hash (``$argon2id$v=19$...``) in a ``VARCHAR(255)``.

    Binding anything that is not an argon2 hash string raises ``ValueError``, so a plain
    password can never be written by mistake. Hash with
    :func:`specify_db.models.crypto.hash_password`.
    """

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: object, dialect: Dialect) -> str | None:
        """Pass an argon2 hash through; refuse anything else."""
        if value is None:
            return None
        if not isinstance(value, str) or not value.startswith("$argon2"):
            raise ValueError(
                "password_hash must be an argon2 hash string; hash the password with "
                "specify_db.models.crypto.hash_password() first"
            )
        return value
