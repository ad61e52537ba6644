"""A test-only table (``test_q_items``) and its query class, plus an SQL-capture fixture.

The table lives on its own ``MetaData`` (not ``SQLModel.metadata``), so code that walks the
application's tables (backups, migrations, row-count checks) never meets it; it is created
here, once per backend, for the tests that use a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Double, Index, String, event
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

import specify_db.models  # noqa: F401 - real tables first (naming convention)
from specify_db import DatabaseManager
from specify_db.models.types import UTCDateTime
from specify_db.queries import BaseQueries


class QueriesTestBase(SQLModel, registry=registry()):
    """Base of the tables of these tests only."""


class QItem(QueriesTestBase, table=True):
    __tablename__ = "test_q_items"
    __table_args__ = (
        Index("ix_test_q_items_rank_id", "rank", "id"),
        {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"},
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    name: str = Field(sa_type=String(100))
    category: str = Field(sa_type=String(20))
    rank: int = 0
    score: float | None = Field(default=None, sa_type=Double)
    created_at: datetime = Field(sa_type=UTCDateTime())
    secret: str = Field(default="s3cret", sa_type=String(50))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class QItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    category: str
    rank: int
    score: float | None
    created_at: datetime


class ItemQueries(BaseQueries[QItem, QItemRead]):
    model = QItem
    read_model = QItemRead
    fields: ClassVar[dict[str, Any]] = {
        "name": QItem.name,
        "category": QItem.category,
        "rank": QItem.rank,
        "score": QItem.score,
        "created_at": QItem.created_at,
        "data": QItem.data,
    }
    sortable = ("name", "category", "rank", "score", "created_at")
    default_order = ("rank",)
    measures = ("score", "rank")
    time_field = "created_at"


class SQLLog:
    """Every statement the engine sent while capturing."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)


_CREATED: set[str] = set()


@pytest.fixture(autouse=True)
async def _queries_test_tables(request: pytest.FixtureRequest) -> None:
    if not {"db", "session", "clean_db"} & set(request.fixturenames):
        return
    db: DatabaseManager = request.getfixturevalue("db")
    key = str(db.engine.url)
    if key not in _CREATED:
        await db.create_all(QItem.metadata)
        _CREATED.add(key)


@pytest.fixture
def sql_log(db: DatabaseManager) -> Iterator[SQLLog]:
    log = SQLLog()
    event.listen(db.engine.sync_engine, "before_cursor_execute", log)
    try:
        yield log
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", log)
