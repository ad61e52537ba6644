"""The filter language of the query classes: typed conditions over an allow-list of fields.

Two equivalent input shapes:

- a dict, ``{"status": "failed", "duration_ms__gt": 100, "name__in": ["a", "b"]}``: each key
  is ``<field>`` (equality) or ``<field>__<operator>``; keys are AND-ed; the keys ``"and"``
  and ``"or"`` take a list of such dicts;
- objects built with :class:`F`: ``F("status").eq("failed") & (F("duration_ms").gt(100) |
  F("exit_code").is_null())``, or ``F.and_(...)`` / ``F.or_(...)``.

Operators: ``eq ne lt le gt ge in not_in between is_null contains startswith endswith
json_eq``. ``contains`` / ``startswith`` / ``endswith`` are case-insensitive on every backend
and escape ``%`` and ``_`` (the value is matched literally). ``json_eq`` takes a dict of
``{key: value}`` pairs compared with the top-level keys of a JSON column. ``is_null`` takes a
bool.

Every field name and operator is checked against the query class's allow-list, and every
value is validated against the column's Python type, before any SQL is built: anything else is
an :class:`~specify_db.errors.InvalidQuery`. Values are always bound parameters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any, Final, TypeAlias

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import JSON, and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from specify_db.core.errors import InvalidQuery
from specify_db.queries.checks import is_text

__all__ = ["OPERATORS", "And", "Condition", "F", "FilterInput", "Or", "compile_filters"]

OPERATORS: Final[frozenset[str]] = frozenset(
    {
        "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between", "is_null",
        "contains", "startswith", "endswith", "json_eq",
    }
)  # fmt: skip
MAX_IN_VALUES: Final = 1000
_JSON_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Condition:
    """``<field> <op> <value>``, e.g. ``Condition("duration_ms", "gt", 100)``."""

    field: str
    op: str
    value: Any

    def __and__(self, other: Expr) -> And:
        return And((self, other))

    def __or__(self, other: Expr) -> Or:
        return Or((self, other))


@dataclass(frozen=True, slots=True)
class And:
    """All of ``items`` hold."""

    items: tuple[Expr, ...]

    def __and__(self, other: Expr) -> And:
        return And((*self.items, other))

    def __or__(self, other: Expr) -> Or:
        return Or((self, other))


@dataclass(frozen=True, slots=True)
class Or:
    """At least one of ``items`` holds."""

    items: tuple[Expr, ...]

    def __and__(self, other: Expr) -> And:
        return And((self, other))

    def __or__(self, other: Expr) -> Or:
        return Or((*self.items, other))


Expr: TypeAlias = Condition | And | Or
FilterInput: TypeAlias = Mapping[str, Any] | Condition | And | Or | None
"""What ``filters=`` accepts: a dict, a :class:`Condition` / :class:`And` / :class:`Or`, or None."""


class F:
    """Builder of typed conditions: ``F("status").eq("failed")``, ``F.or_(a, b)``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def eq(self, value: Any) -> Condition:
        """``field = value``."""
        return Condition(self.name, "eq", value)

    def ne(self, value: Any) -> Condition:
        """``field <> value``."""
        return Condition(self.name, "ne", value)

    def lt(self, value: Any) -> Condition:
        """``field < value``."""
        return Condition(self.name, "lt", value)

    def le(self, value: Any) -> Condition:
        """``field <= value``."""
        return Condition(self.name, "le", value)

    def gt(self, value: Any) -> Condition:
        """``field > value``."""
        return Condition(self.name, "gt", value)

    def ge(self, value: Any) -> Condition:
        """``field >= value``."""
        return Condition(self.name, "ge", value)

    def in_(self, values: Sequence[Any]) -> Condition:
        """``field IN (values)``."""
        return Condition(self.name, "in", values)

    def not_in(self, values: Sequence[Any]) -> Condition:
        """``field NOT IN (values)``."""
        return Condition(self.name, "not_in", values)

    def between(self, low: Any, high: Any) -> Condition:
        """``low <= field <= high``."""
        return Condition(self.name, "between", (low, high))

    def is_null(self, null: bool = True) -> Condition:
        """``field IS NULL`` (or ``IS NOT NULL`` with ``null=False``)."""
        return Condition(self.name, "is_null", null)

    def contains(self, text: str) -> Condition:
        """Case-insensitive substring match; ``%`` and ``_`` are literal."""
        return Condition(self.name, "contains", text)

    def startswith(self, text: str) -> Condition:
        """Case-insensitive prefix match; ``%`` and ``_`` are literal."""
        return Condition(self.name, "startswith", text)

    def endswith(self, text: str) -> Condition:
        """Case-insensitive suffix match; ``%`` and ``_`` are literal."""
        return Condition(self.name, "endswith", text)

    def json_eq(self, pairs: Mapping[str, Any]) -> Condition:
        """Top-level keys of a JSON column equal the given scalars."""
        return Condition(self.name, "json_eq", dict(pairs))

    @staticmethod
    def and_(*items: Expr) -> And:
        """All of ``items``."""
        return And(items)

    @staticmethod
    def or_(*items: Expr) -> Or:
        """Any of ``items``."""
        return Or(items)


def parse_filters(filters: FilterInput) -> Expr | None:
    """Turn the dict form into :class:`Condition` / :class:`And` / :class:`Or` objects."""
    if filters is None or isinstance(filters, Condition | And | Or):
        return filters
    if not isinstance(filters, Mapping):
        raise InvalidQuery(f"filters must be a dict or F(...) conditions, not {type(filters)}")
    items: list[Expr] = []
    for key, value in filters.items():
        if not isinstance(key, str):
            raise InvalidQuery(f"filter keys must be strings, not {key!r}")
        if key in ("and", "or"):
            if not isinstance(value, Sequence) or isinstance(value, str | bytes) or not value:
                raise InvalidQuery(f"{key!r} takes a non-empty list of filter dicts")
            parts = tuple(_required(parse_filters(part)) for part in value)
            items.append(And(parts) if key == "and" else Or(parts))
            continue
        name, _, op = key.partition("__")
        items.append(Condition(name, op or "eq", value))
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def _required(expr: Expr | None) -> Expr:
    if expr is None:
        raise InvalidQuery("an empty filter dict inside 'and'/'or'")
    return expr


def compile_filters(
    filters: FilterInput, fields: Mapping[str, ColumnElement[Any]]
) -> ColumnElement[bool] | None:
    """Validate ``filters`` against the allow-list ``fields`` and build the WHERE clause.

    Raises:
        InvalidQuery: an unknown field or operator, or a value of the wrong type.
    """
    expr = parse_filters(filters)
    return None if expr is None else _compile(expr, fields)


def _compile(expr: Expr, fields: Mapping[str, ColumnElement[Any]]) -> ColumnElement[bool]:
    if isinstance(expr, And):
        return and_(*(_compile(item, fields) for item in _non_empty(expr.items)))
    if isinstance(expr, Or):
        return or_(*(_compile(item, fields) for item in _non_empty(expr.items)))
    column = fields.get(expr.field) if is_text(expr.field) else None
    if column is None:
        raise InvalidQuery(f"unknown filter field {expr.field!r}; allowed: {sorted(fields)}")
    if expr.op not in OPERATORS:
        raise InvalidQuery(f"unknown filter operator {expr.op!r}; allowed: {sorted(OPERATORS)}")
    return _condition(column, expr.field, expr.op, expr.value)


def _non_empty(items: tuple[Expr, ...]) -> tuple[Expr, ...]:
    if not items:
        raise InvalidQuery("an empty and/or group")
    return items


def _condition(column: ColumnElement[Any], name: str, op: str, value: Any) -> ColumnElement[bool]:
    is_json = isinstance(column.type, JSON) or isinstance(getattr(column.type, "impl", None), JSON)
    if op == "json_eq":
        if not is_json:
            raise InvalidQuery(f"json_eq needs a JSON field; {name!r} is not one")
        return _json_eq(column, name, value)
    if is_json:
        raise InvalidQuery(f"JSON field {name!r} supports only json_eq")
    if op == "is_null":
        if not isinstance(value, bool):
            raise InvalidQuery(f"{name}__is_null takes true or false, not {value!r}")
        return column.is_(None) if value else column.is_not(None)
    if op in ("in", "not_in"):
        values = _value_list(name, op, value)
        coerced = [_coerce(column, name, v) for v in values]
        return column.in_(coerced) if op == "in" else column.not_in(coerced)
    if op == "between":
        values = _value_list(name, op, value)
        if len(values) != 2:
            raise InvalidQuery(f"{name}__between takes [low, high]")
        return column.between(_coerce(column, name, values[0]), _coerce(column, name, values[1]))
    if op in ("contains", "startswith", "endswith"):
        if _python_type(column) is not str or not isinstance(value, str):
            raise InvalidQuery(f"{name}__{op} needs a text field and a string value")
        _reject_nul(name, value)
        method = {"contains": "icontains", "startswith": "istartswith", "endswith": "iendswith"}
        result: ColumnElement[bool] = getattr(column, method[op])(value, autoescape=True)
        return result
    if value is None:
        raise InvalidQuery(f"{name}__{op} got None; use {name}__is_null")
    bound = _coerce(column, name, value)
    comparisons = {
        "eq": column.__eq__,
        "ne": column.__ne__,
        "lt": column.__lt__,
        "le": column.__le__,
        "gt": column.__gt__,
        "ge": column.__ge__,
    }
    compared: ColumnElement[bool] = comparisons[op](bound)
    return compared


def _value_list(name: str, op: str, value: Any) -> list[Any]:
    if not isinstance(value, Sequence | set | frozenset) or isinstance(value, str | bytes):
        raise InvalidQuery(f"{name}__{op} takes a list of values")
    values = list(value)
    if not values or len(values) > MAX_IN_VALUES:
        raise InvalidQuery(f"{name}__{op} takes 1 to {MAX_IN_VALUES} values")
    return values


def _json_eq(column: ColumnElement[Any], name: str, pairs: Any) -> ColumnElement[bool]:
    if not isinstance(pairs, Mapping) or not pairs:
        raise InvalidQuery(f"{name}__json_eq takes a non-empty {{key: value}} dict")
    parts: list[ColumnElement[bool]] = []
    for key, value in pairs.items():
        if not is_text(key) or not _JSON_KEY.match(str(key)):
            raise InvalidQuery(f"JSON key {key!r} must match {_JSON_KEY.pattern}")
        element = column[key]
        # bool before int: True is an int in Python.
        if isinstance(value, bool):
            parts.append(element.as_boolean() == value)
        elif isinstance(value, int):
            parts.append(element.as_integer() == value)
        elif isinstance(value, float):
            parts.append(element.as_float() == value)
        elif isinstance(value, str):
            _reject_nul(name, value)
            parts.append(element.as_string() == value)
        else:
            raise InvalidQuery(f"{name}__json_eq compares scalars (str, int, float, bool) only")
    return and_(*parts)


def _python_type(column: ColumnElement[Any]) -> type[Any] | None:
    """The column's Python type; a TypeDecorator without its own answers with its impl's."""
    candidates = [column.type]
    if isinstance(column.type, TypeDecorator):
        candidates.append(column.type.impl_instance)
    for candidate in candidates:
        try:
            python_type: type[Any] = candidate.python_type
        except NotImplementedError:
            continue
        if python_type is not object:
            return python_type
    return None


@lru_cache(maxsize=64)
def _adapter(python_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(python_type)


def _coerce(column: ColumnElement[Any], name: str, value: Any) -> Any:
    """Validate ``value`` against the column's Python type (lax: "42" is fine for an int)."""
    python_type = _python_type(column)
    if python_type is None:
        return value
    if isinstance(value, str):
        _reject_nul(name, value)
    if issubclass(python_type, Enum):
        try:
            return python_type(value)  # the project's enums accept names and values, any case
        except ValueError:
            allowed = [m.value for m in python_type]
            raise InvalidQuery(f"{name}: {value!r} is not one of {allowed}") from None
    try:
        coerced = _adapter(python_type).validate_python(value)  # type: ignore[arg-type]
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise InvalidQuery(
            f"{name}: {value!r} is not a valid {python_type.__name__}: {message}"
        ) from None
    if isinstance(coerced, datetime) and coerced.utcoffset() is None:
        raise InvalidQuery(f"{name}: naive datetime {value!r}; give a timezone (e.g. UTC)")
    if isinstance(coerced, float) and not math.isfinite(coerced):
        raise InvalidQuery(f"{name}: {value!r} is not a finite number")
    return coerced


def _reject_nul(name: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidQuery(f"{name}: NUL characters are not allowed")
