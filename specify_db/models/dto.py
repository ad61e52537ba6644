"""Base classes of the Create / Read / Update DTOs.

- :class:`CreateModel`: validated input; unknown fields are an error (``extra="forbid"``), so
  ``metadata=`` instead of ``meta=`` cannot be silently dropped.
- :class:`ReadModel`: what other services receive; built from a row with
  ``XRead.model_validate(row)``; never carries a password hash, token hash, API-key hash or
  decrypted secret.
- :class:`UpdateModel`: PATCH input; every field optional, unknown fields an error, and an
  explicit ``null`` refused for columns that cannot be NULL. Apply with
  ``row.sqlmodel_update(patch.model_dump(exclude_unset=True))``.
"""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import ConfigDict, model_validator
from sqlmodel import SQLModel

__all__ = ["CreateModel", "ReadModel", "UpdateModel"]


class CreateModel(SQLModel):
    """Base of every ``XCreate`` input model."""

    # SQLModel types model_config as its own TypedDict; pydantic reads a plain ConfigDict.
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class ReadModel(SQLModel):
    """Base of every ``XRead`` output model."""

    model_config = ConfigDict(from_attributes=True)  # type: ignore[assignment]


class UpdateModel(SQLModel):
    """Base of every ``XUpdate`` PATCH model.

    Subclasses list in ``not_nullable`` the fields whose column is NOT NULL: sending ``null``
    for one of them is a validation error rather than a database error later.
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    not_nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required_columns(self) -> Self:
        nulls = sorted(
            name
            for name in self.model_fields_set & self.not_nullable
            if getattr(self, name) is None
        )
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self
