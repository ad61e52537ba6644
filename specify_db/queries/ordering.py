"""Sort keys: ``"-started_at"`` / ``["status", "-id"]`` checked against a query class's allow-list.

The primary key is always appended as the last key (same direction as the key before it), so
an order is total and stable: offset pages never shuffle rows that share a sort value, and
keyset cursors have a unique position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from specify_db.core.errors import InvalidQuery
from specify_db.queries.checks import is_text

__all__ = ["OrderInput", "SortKey", "parse_order"]

OrderInput = str | Sequence[str] | None
"""``"-started_at"`` (descending), ``"name"`` / ``"+name"`` (ascending), a list of them, or None."""

MAX_SORT_KEYS = 4


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term: the allow-listed ``name``, its column and its direction."""

    name: str
    column: ColumnElement[Any]
    descending: bool

    def clause(self) -> UnaryExpression[Any]:
        """``column ASC`` or ``column DESC``."""
        return self.column.desc() if self.descending else self.column.asc()

    def reversed(self) -> SortKey:
        """The same key in the opposite direction (to walk a keyset backwards)."""
        return SortKey(self.name, self.column, not self.descending)

    def token(self) -> str:
        """``"-name"`` or ``"name"``: how the key is written in ``order_by``."""
        return f"-{self.name}" if self.descending else self.name


def parse_order(
    order_by: OrderInput,
    allowed: Mapping[str, ColumnElement[Any]],
    default: Sequence[str],
    pk_name: str,
    pk_column: ColumnElement[Any],
) -> list[SortKey]:
    """Validate ``order_by`` against ``allowed`` and append the primary key tiebreaker.

    Raises:
        InvalidQuery: an unknown or repeated sort key, or too many keys.
    """
    tokens: Sequence[str]
    if order_by is None:
        tokens = default
    elif isinstance(order_by, str):
        tokens = [part.strip() for part in order_by.split(",")]
    elif isinstance(order_by, Sequence):
        tokens = order_by
    else:
        raise InvalidQuery(f"order_by must be a string or a list of strings, not {order_by!r}")
    if len(tokens) > MAX_SORT_KEYS:
        raise InvalidQuery(f"at most {MAX_SORT_KEYS} sort keys")
    keys: list[SortKey] = []
    for token in tokens:
        token = str(token) if is_text(token) else token
        if not is_text(token):
            raise InvalidQuery(f"sort key must be a non-empty string, not {token!r}")
        descending = token.startswith("-")
        name = token[1:] if token[:1] in ("-", "+") else token
        column = allowed.get(name)
        if column is None:
            raise InvalidQuery(f"unknown sort key {name!r}; allowed: {sorted(allowed)}")
        if any(key.name == name for key in keys):
            raise InvalidQuery(f"sort key {name!r} given twice")
        keys.append(SortKey(name, column, descending))
    if not any(key.name == pk_name for key in keys):
        keys.append(SortKey(pk_name, pk_column, keys[-1].descending if keys else False))
    return keys
