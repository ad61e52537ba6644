"""Validated field types shared by every DTO (and by the table models' ``model_validate``).

Each alias states what PostgreSQL would refuse, so SQLite and MariaDB cannot silently store it:
strings longer than their column, NUL bytes, non-finite floats, integers outside the column's
range, naive datetimes, JSON that is not JSON. Lengths here equal the column lengths; a test
pins that for every DTO field.
"""

from __future__ import annotations

import ipaddress
import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import (
    AfterValidator,
    AwareDatetime,
    EmailStr,
    Field,
    JsonValue,
    StringConstraints,
)

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "Email",
    "FiniteFloat",
    "HexSha256",
    "IPAddress",
    "Int32",
    "JsonObject",
    "Name100",
    "Name200",
    "NonNegativeFloat",
    "NonNegativeInt32",
    "NonNegativeInt64",
    "Password",
    "RowId",
    "Slug",
    "SpanId",
    "Text",
    "Text16",
    "Text50",
    "Text100",
    "Text200",
    "Text255",
    "Text500",
    "TraceId",
    "UTCDatetime",
    "Username",
    "reject_nul",
]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def reject_nul(value: str) -> str:
    """Refuse NUL characters: PostgreSQL rejects them, SQLite and MariaDB would store them."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL (\\x00) characters")
    return value


_NoNul = AfterValidator(reject_nul)

Text = Annotated[str, _NoNul]
"""Unbounded text (``TEXT``/``LONGTEXT`` columns)."""
Text16 = Annotated[str, StringConstraints(max_length=16), _NoNul]
Text50 = Annotated[str, StringConstraints(max_length=50), _NoNul]
Text100 = Annotated[str, StringConstraints(max_length=100), _NoNul]
Text200 = Annotated[str, StringConstraints(max_length=200), _NoNul]
Text255 = Annotated[str, StringConstraints(max_length=255), _NoNul]
Text500 = Annotated[str, StringConstraints(max_length=500), _NoNul]
Name100 = Annotated[str, StringConstraints(min_length=1, max_length=100), _NoNul]
"""A required, non-empty name of up to 100 characters."""
Name200 = Annotated[str, StringConstraints(min_length=1, max_length=200), _NoNul]
"""A required, non-empty name of up to 200 characters."""

Username = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
]
"""Letters, digits and ``_ . @ -``; 1-100 characters."""

Slug = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
]
"""Lower-case words of letters and digits joined by single hyphens; 1-200 characters."""


Email = Annotated[EmailStr, Field(max_length=255)]
"""An email address (``email-validator`` syntax check, no DNS lookup), at most 255 characters."""

Password = Annotated[
    str,
    StringConstraints(min_length=8, max_length=1024),
    _NoNul,
    Field(json_schema_extra={"format": "password", "writeOnly": True}),
]
"""A plain password on its way to being hashed; 8-1024 characters. Never stored or returned."""

HexSha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest as 64 lower-case hex characters."""
TraceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
"""An OpenTelemetry trace id: 32 lower-case hex characters."""
SpanId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
"""An OpenTelemetry span id: 16 lower-case hex characters."""


def _normalise_ip(value: str) -> str:
    # Stored in its canonical (compressed) text form so equal addresses compare equal in SQL.
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ValueError("not an IPv4 or IPv6 address") from exc


IPAddress = Annotated[str, StringConstraints(max_length=45), AfterValidator(_normalise_ip)]
"""An IPv4 or IPv6 address, normalised to its compressed form (at most 45 characters)."""

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
"""A float that is not NaN or infinite (SQLite would store NaN as NULL, MariaDB refuses it)."""
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]

Int32 = Annotated[int, Interval(ge=INT32_MIN, le=INT32_MAX)]
"""An integer that fits an ``INTEGER`` column on every backend."""
NonNegativeInt32 = Annotated[int, Interval(ge=0, le=INT32_MAX)]
NonNegativeInt64 = Annotated[int, Interval(ge=0, le=INT64_MAX)]
RowId = Annotated[int, Interval(gt=0, le=INT64_MAX)]
"""A reference to another row's surrogate ``id`` (positive, 64-bit)."""


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UTCDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, converted to UTC; a naive value is a validation error."""


def _check_json_value(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path}: JSON numbers must be finite (got {value!r})")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{path}: JSON strings must not contain NUL (\\x00) characters")
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{path}: JSON integers must fit in 64 bits")
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise ValueError(f"{path}: JSON keys must not contain NUL (\\x00) characters")
            _check_json_value(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{path}[{index}]")


def _check_json_object(value: dict[str, Any]) -> dict[str, Any]:
    _check_json_value(value, "$")
    # The final word: what cannot be dumped as strict JSON cannot be stored.
    json.dumps(value, allow_nan=False)
    return value


JsonObject = Annotated[dict[str, JsonValue], AfterValidator(_check_json_object)]
"""A JSON object: only JSON types, finite numbers, 64-bit integers, no NUL characters."""
