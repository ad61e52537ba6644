"""What each backend can do for the read side, in one place.

Time buckets live in ``buckets.py`` and full-text search in ``fulltext.py``.

==========================  ==================  ===================  =====================
capability                  PostgreSQL          MariaDB/MySQL        SQLite
==========================  ==================  ===================  =====================
row-value keyset compare    yes                 no (expanded OR)     yes
percentiles                 percentile_cont     window functions     window functions
estimated count             EXPLAIN rows        EXPLAIN rows         exact COUNT
==========================  ==================  ===================  =====================

MariaDB does compare row values, but its range optimizer does not use an index for them, so
keyset pages there use the expanded ``OR`` form with a leading-key bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Integer, cast, func, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core.urls import dialect_family
from specify_db.queries.execute import execute

__all__ = ["Capabilities", "PercentileMethod", "capabilities", "estimate_rows"]

PercentileMethod = Literal["percentile_cont", "window"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Read-side features of one backend."""

    name: str
    row_values: bool
    percentile_method: PercentileMethod
    estimates: bool

    def floor_int(self, expr: ColumnElement[Any]) -> ColumnElement[int]:
        """``floor(expr)`` as an integer for non-negative ``expr``.

        SQLite has ``floor()`` only when built with math functions; its ``CAST AS INTEGER``
        truncates, which is the floor for non-negative values. MySQL's CAST rounds instead.
        """
        if self.name == "sqlite":
            return cast(expr, Integer)
        return func.floor(expr)


_CAPABILITIES = {
    "postgresql": Capabilities("postgresql", True, "percentile_cont", True),
    "mysql": Capabilities("mysql", False, "window", True),
    "sqlite": Capabilities("sqlite", True, "window", False),
}


def capabilities(dialect_name: str) -> Capabilities:
    """The :class:`Capabilities` of ``"postgresql"``, ``"mysql"`` or ``"sqlite"``."""
    return _CAPABILITIES[dialect_family(dialect_name)]


class _Explain(Executable, ClauseElement):
    """``EXPLAIN <statement>`` with the statement's parameters still bound."""

    inherit_cache = False

    def __init__(self, statement: Select[Any], json_format: bool) -> None:
        self.statement = statement
        self.json_format = json_format


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    prefix = "EXPLAIN (FORMAT JSON) " if element.json_format else "EXPLAIN "
    return prefix + compiler.process(element.statement, **kw)


async def estimate_rows(
    session: AsyncSession,
    dialect_name: str,
    table_name: str,
    statement: Select[Any],
    filtered: bool,
) -> int | None:
    """The planner's estimate of how many rows ``statement`` returns, or None if unknown.

    Unfiltered, it reads table statistics (``pg_class.reltuples``, InnoDB ``TABLE_ROWS``);
    filtered, the row estimate of the statement's plan.
    """
    if dialect_name == "postgresql":
        if not filtered:
            found = (
                await execute(
                    session,
                    text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)").bindparams(
                        t=table_name
                    ),
                )
            ).scalar_one_or_none()
            # -1 means "never analysed": ask the planner instead.
            if found is not None and found >= 0:
                return int(found)
        plan = (await execute(session, _Explain(statement, json_format=True))).scalar_one()
        document = json.loads(plan) if isinstance(plan, str) else plan
        return int(document[0]["Plan"]["Plan Rows"])
    if dialect_name in ("mysql", "mariadb"):
        if not filtered:
            found = (
                await execute(
                    session,
                    text(
                        "SELECT TABLE_ROWS FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t"
                    ).bindparams(t=table_name),
                )
            ).scalar_one_or_none()
            if found is not None:
                return int(found)
        rows = (await execute(session, _Explain(statement, json_format=False))).mappings().all()
        if not rows:
            return None
        first = rows[0]
        estimate = float(first.get("rows") or 0)
        ratio = float(first.get("filtered") or 100.0) / 100.0
        return round(estimate * ratio)
    return None
