"""Keyset (seek) pagination: signed opaque cursors and the "rows after this one" predicate.

A cursor is the sort-key values of one row, JSON-encoded, signed with HMAC-SHA256 under
``settings.cursor_secret`` (or a random per-process key when unset) and a scope naming the
query class and its order. A cursor that was altered, made by another process key, or made
for another query class or order is refused with :class:`~specify_db.errors.InvalidQuery`.

The predicate is the expanded lexicographic form
``k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`` (``<`` for descending keys), preceded by the bound
``k1 >= v1`` on the leading key so an index on it turns the seek into a range scan whatever
the depth. Where every key has the same direction and the backend compares row values well
(PostgreSQL, SQLite), the row-value form ``(k1, k2) > (v1, v2)`` is used instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from sqlalchemy import and_, bindparam, or_, tuple_
from sqlalchemy.sql.elements import ColumnElement

from specify_db.core.errors import InvalidQuery
from specify_db.core.settings import get_settings
from specify_db.queries.checks import is_text
from specify_db.queries.ordering import SortKey

__all__ = ["decode_cursor", "encode_cursor", "seek_predicate"]

_PROCESS_KEY: Final = secrets.token_bytes(32)
_MAC_BYTES: Final = 16
MAX_CURSOR_LENGTH: Final = 4096


def _key() -> bytes:
    secret = get_settings().cursor_secret
    return secret.get_secret_value().encode() if secret is not None else _PROCESS_KEY


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(scope: str, payload: bytes) -> bytes:
    return hmac.new(_key(), scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[
        :_MAC_BYTES
    ]


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return _encode_value(value.value)
    if isinstance(value, float):
        return {"f": value.hex()}  # exact round trip
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": value.hex}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    raise InvalidQuery(f"cannot build a cursor from a {type(value).__name__} sort value")


def _decode_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, text),) = value.items()
    decoders = {
        "f": float.fromhex,
        "dt": datetime.fromisoformat,
        "d": date.fromisoformat,
        "u": uuid.UUID,
        "n": Decimal,
    }
    return decoders[tag](text)


def encode_cursor(scope: str, values: Sequence[Any]) -> str:
    """A signed URL-safe cursor for the row whose sort-key values are ``values``."""
    payload = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(scope, payload))}"


def decode_cursor(scope: str, cursor: str, width: int) -> list[Any]:
    """The sort-key values inside ``cursor``, after checking its signature and shape.

    Raises:
        InvalidQuery: a malformed, tampered or foreign cursor.
    """
    if not is_text(cursor) or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidQuery("invalid cursor")
    try:
        body, _, mac = cursor.partition(".")
        payload, given = _unb64(body), _unb64(mac)
    except (binascii.Error, ValueError):
        raise InvalidQuery("invalid cursor") from None
    if not hmac.compare_digest(given, _mac(scope, payload)):
        raise InvalidQuery("invalid cursor: bad signature, or made for another query or order")
    try:
        raw = json.loads(payload)
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError(raw)
        return [_decode_value(v) for v in raw]
    except (ValueError, KeyError, TypeError):  # pragma: no cover - only reachable with the key
        raise InvalidQuery("invalid cursor") from None


def seek_predicate(
    keys: Sequence[SortKey], values: Sequence[Any], row_values: bool
) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order ``keys``."""
    params = [
        bindparam(f"seek_{i}", value, type_=key.column.type)
        for i, (key, value) in enumerate(zip(keys, values, strict=True))
    ]
    lead, lead_value = keys[0], params[0]
    bound = lead.column <= lead_value if lead.descending else lead.column >= lead_value
    same_direction = len({key.descending for key in keys}) == 1
    if row_values and same_direction and len(keys) > 1:
        row = tuple_(*(key.column for key in keys))
        given = tuple_(*params)
        strict = row < given if keys[0].descending else row > given
        return and_(bound, strict)
    alternatives = []
    for i, key in enumerate(keys):
        ties = [keys[j].column == params[j] for j in range(i)]
        step = key.column < params[i] if key.descending else key.column > params[i]
        alternatives.append(and_(*ties, step))
    return and_(bound, or_(*alternatives))
