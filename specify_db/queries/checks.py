"""Checks of caller input that arrives untyped at runtime (JSON, query strings)."""

from __future__ import annotations

from specify_db.core.errors import InvalidQuery

__all__ = ["checked_int", "is_text"]


def checked_int(value: object, name: str, minimum: int, maximum: int) -> int:
    """``value`` if it is an ``int`` (not a bool) in ``[minimum, maximum]``, else InvalidQuery."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidQuery(f"{name} must be an integer from {minimum} to {maximum}, not {value!r}")
    return value


def is_text(value: object) -> bool:
    """Whether ``value`` is a non-empty ``str``."""
    return isinstance(value, str) and bool(value)
