"""A test-only table for the generic repository (prefixed ``test_repo_`` to stay apart)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from specify_db.models.base import (
    created_at_field,
    id_field,
    meta_field,
    public_id_field,
    table_args,
    updated_at_field,
)
from specify_db.models.dto import CreateModel, UpdateModel
from specify_db.models.fields import JsonObject, UTCDatetime
from specify_db.repositories import Repository


class WidgetBase(SQLModel):
    name: str = Field(sa_type=String(100), unique=True)
    quantity: int = Field(default=0)
    note: str | None = Field(default=None, sa_type=String(200))
    meta: JsonObject = meta_field()


class Widget(WidgetBase, table=True):
    __tablename__ = "test_repo_widgets"
    __table_args__ = table_args()

    id: int | None = id_field()
    public_id: uuid.UUID = public_id_field()
    created_at: UTCDatetime = created_at_field()
    updated_at: UTCDatetime = updated_at_field()


class WidgetCreate(WidgetBase, CreateModel):
    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)


class WidgetUpdate(UpdateModel):
    not_nullable: ClassVar[frozenset[str]] = frozenset({"name", "quantity", "meta"})

    name: str | None = None
    quantity: int | None = None
    note: str | None = None
    meta: JsonObject | None = None


class WidgetRepository(Repository[Widget, WidgetCreate, WidgetUpdate]):
    model = Widget
    create_schema = WidgetCreate
    update_schema = WidgetUpdate
