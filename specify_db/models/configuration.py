"""``configurations``: typed key/value settings of a project, optionally encrypted."""

import json
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from pydantic import model_validator
from sqlalchemy import String, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel

from specify_db.models.base import (
    TableIdentity,
    bool_field,
    created_at_field,
    foreign_key_field,
    meta_field,
    table_args,
    updated_at_field,
)
from specify_db.models.crypto import decrypt_value, encrypt_value
from specify_db.models.dto import CreateModel, ReadModel, UpdateModel
from specify_db.models.fields import JsonObject, Name200, RowId, Text, UTCDatetime
from specify_db.models.types import LongText

if TYPE_CHECKING:
    from specify_db.models.project import Project

__all__ = [
    "ConfigValueType",
    "Configuration",
    "ConfigurationBase",
    "ConfigurationCreate",
    "ConfigurationRead",
    "ConfigurationUpdate",
    "parse_config_value",
]

ConfigValueType = Literal["string", "integer", "float", "boolean", "json"]
"""How ``Configuration.value`` (always text) is read back by :meth:`Configuration.get_value`."""

_TRUE_WORDS = frozenset({"true", "1", "yes"})
_BOOLEAN_WORDS = _TRUE_WORDS | {"false", "0", "no"}


def parse_config_value(value: str, value_type: str) -> Any:
    """Turn a stored text value into its typed value.

    ``json`` → ``json.loads``; ``integer`` → ``int``; ``float`` → ``float``; ``boolean`` →
    ``value.lower() in ("true", "1", "yes")``; anything else → the text itself.
    """
    if value_type == "json":
        return json.loads(value)
    if value_type == "integer":
        return int(value)
    if value_type == "float":
        return float(value)
    if value_type == "boolean":
        return value.lower() in _TRUE_WORDS
    return value


def _check_parses(value: str | None, value_type: str | None) -> None:
    if value is None or value_type is None:
        return
    if value_type == "boolean":
        if value.lower() not in _BOOLEAN_WORDS:
            raise ValueError("a boolean value must be one of true/false, 1/0, yes/no")
        return
    try:
        parsed = parse_config_value(value, value_type)
    except ValueError as exc:
        raise ValueError(f"value is not a valid {value_type}: {exc}") from exc
    if value_type == "float" and parsed != parsed:
        raise ValueError("a float value must not be NaN")


class ConfigurationBase(SQLModel):
    """Fields a client sets and reads back (``value`` is handled per DTO)."""

    project_id: RowId = foreign_key_field("projects.id", ondelete="CASCADE", nullable=False)
    key: Name200 = Field(sa_type=String(200), index=True)
    type: ConfigValueType = Field(
        default="string", sa_type=String(50), sa_column_kwargs={"server_default": text("'string'")}
    )
    encrypted: bool = bool_field(False)
    description: Text | None = Field(default=None, sa_type=LongText)
    meta: JsonObject = meta_field()


class Configuration(ConfigurationBase, TableIdentity, table=True):
    """A project setting, unique per (project, key). Deleted with the project.

    When ``encrypted`` is true, ``value`` holds a Fernet token (see
    :func:`specify_db.models.types.encrypt_value`), never the plain text: build rows with
    :meth:`from_create`, which encrypts. :meth:`get_value` decrypts.
    """

    __tablename__ = "configurations"
    __table_args__ = table_args(UniqueConstraint("project_id", "key"))

    value: str = Field(sa_type=LongText)
    created_at: UTCDatetime = created_at_field()
    updated_at: UTCDatetime = updated_at_field()

    project: "Project" = Relationship(
        back_populates="configurations", sa_relationship_kwargs={"lazy": "raise"}
    )

    @classmethod
    def from_create(cls, create: "ConfigurationCreate") -> "Configuration":
        """Build the row for validated input, encrypting the value when ``encrypted`` is set."""
        value = encrypt_value(create.value) if create.encrypted else create.value
        return cls.model_validate(create, update={"value": value})

    def apply_update(self, patch: "ConfigurationUpdate") -> None:
        """Apply a PATCH, keeping ``value`` encrypted exactly when ``encrypted`` is set.

        A new value is encrypted if the row is (or becomes) encrypted; flipping ``encrypted``
        alone re-encodes the current value. The resulting text must parse as the resulting
        ``type``.

        Raises:
            ValueError: the value does not parse as the type.
        """
        changes = patch.model_dump(exclude_unset=True)
        encrypted = changes.get("encrypted", self.encrypted)
        if "value" in changes or encrypted != self.encrypted:
            plain = changes["value"] if "value" in changes else self.plain_value()
            _check_parses(plain, changes.get("type", self.type))
            changes["value"] = encrypt_value(plain) if encrypted else plain
        elif "type" in changes:
            _check_parses(self.plain_value(), changes["type"])
        self.sqlmodel_update(changes)

    def plain_value(self) -> str:
        """The value as text, decrypted when the row is encrypted."""
        return decrypt_value(self.value) if self.encrypted else self.value

    def get_value(self) -> Any:
        """The typed value (decrypted first when encrypted); see :func:`parse_config_value`."""
        return parse_config_value(self.plain_value(), self.type)

    def __repr__(self) -> str:
        return f"Configuration(id={self.id!r}, key={self.key!r}, encrypted={self.encrypted!r})"


class ConfigurationCreate(ConfigurationBase, CreateModel):
    """Input to set a configuration value, in plain text.

    With ``encrypted=True``, :meth:`Configuration.from_create` stores
    ``encrypt_value(value)`` instead.
    The text must parse as ``type`` (e.g. ``"42"`` for integer).
    """

    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    value: Text

    @model_validator(mode="after")
    def _value_parses(self) -> Self:
        _check_parses(self.value, self.type)
        return self


class ConfigurationRead(ConfigurationBase, ReadModel):
    """A configuration value as other services see it.

    ``value`` is ``None`` for an encrypted row: neither the secret nor its ciphertext leaves.
    """

    id: int
    public_id: uuid.UUID
    value: Text | None = None
    created_at: UTCDatetime
    updated_at: UTCDatetime

    @model_validator(mode="after")
    def _hide_secret(self) -> Self:
        if self.encrypted:
            self.value = None
        return self


class ConfigurationUpdate(UpdateModel):
    """PATCH a configuration value (plain text; the repository encrypts when needed)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"key", "value", "type", "encrypted", "meta"}
    )

    key: Name200 | None = None
    value: Text | None = None
    type: ConfigValueType | None = None
    encrypted: bool | None = None
    description: Text | None = None
    meta: JsonObject | None = None

    @model_validator(mode="after")
    def _value_parses(self) -> Self:
        # Only checkable when both arrive together; otherwise the repository knows the row.
        _check_parses(self.value, self.type)
        return self
