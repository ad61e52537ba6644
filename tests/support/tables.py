"""Small tables of the engine tests, kept off ``SQLModel.metadata`` so no other test sees them.

- ``fault_ledger``: one row per unit of work, keyed by a client-made UUID: a replayed unit
  finds its row instead of inserting it twice, which is how "exactly once" is checked.
- ``fault_counter``: rows locked in opposite orders to make deadlocks.
- ``fault_oncall``: the classic write-skew pair for SERIALIZABLE conflicts.
- ``classify_parent`` / ``classify_child``: one of each constraint kind, for real driver errors.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager

metadata = MetaData()

ledger = Table(
    "fault_ledger",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("unit", Integer, nullable=False, default=0),
)

counter = Table(
    "fault_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", Integer, nullable=False, default=0),
)

oncall = Table(
    "fault_oncall",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("on_call", Boolean, nullable=False),
)

parent = Table(
    "classify_parent",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
)

child = Table(
    "classify_child",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("parent_id", Integer, ForeignKey("classify_parent.id"), nullable=False),
    Column("name", String(5), unique=True),
    Column("n", Integer),
    # Table-level: MariaDB refuses a named CHECK written inline on the column.
    CheckConstraint("n >= 0", name="classify_child_n_check"),
)


async def insert_if_absent(session: AsyncSession, key: str, unit: int = 0) -> bool:
    """Insert the ledger row ``key`` unless it is there; True when this call inserted it."""
    found = (await session.exec(select(ledger.c.id).where(ledger.c.id == key))).first()
    if found is not None:
        return False
    await session.exec(insert(ledger).values(id=key, unit=unit))
    return True


async def ledger_count(db: DatabaseManager, key: str | None = None) -> int:
    """Rows in the ledger (all, or those with id ``key``), read on a fresh connection."""
    query = select(func.count()).select_from(ledger)
    if key is not None:
        query = query.where(ledger.c.id == key)
    async with db.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def delete_rows(db: DatabaseManager) -> None:
    """Empty every table of this module (children first)."""
    async with db.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())
