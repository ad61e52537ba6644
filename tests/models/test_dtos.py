"""DTOs: JSON round trips, JSON Schemas, no secrets in Read models, lengths equal to columns."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import String
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.models import (
    DTOS,
    TABLES,
    AuditLogRead,
    CacheEntryRead,
    CommandRead,
    ConfigurationRead,
    PerformanceMetricRead,
    ProjectRead,
    RDFSpecificationRead,
    SessionTokenRead,
    TelemetryEventRead,
    UserCreate,
    UserRead,
    json_schemas,
)
from tests.models.factories import (
    audit_payload,
    cache_payload,
    command_payload,
    configuration_payload,
    make_audit,
    make_cache,
    make_command,
    make_configuration,
    make_metric,
    make_project,
    make_session_token,
    make_spec,
    make_telemetry,
    make_user,
    metric_payload,
    project_payload,
    session_token_payload,
    spec_payload,
    telemetry_payload,
    user_payload,
)

SECRET_WORDS = ("password", "api_key_hash", "token_hash", "token", "secret")

CREATE_PAYLOADS: dict[str, dict[str, Any]] = {
    "UserCreate": user_payload(),
    "ProjectCreate": project_payload(1),
    "CommandCreate": command_payload(exit_code=0, meta={"nested": {"list": [1, 2.5, None, True]}}),
    "PerformanceMetricCreate": metric_payload(),
    "AuditLogCreate": audit_payload(),
    "RDFSpecificationCreate": spec_payload(1),
    "TelemetryEventCreate": telemetry_payload(),
    "CacheEntryCreate": cache_payload(),
    "ConfigurationCreate": configuration_payload(1),
    "SessionTokenCreate": session_token_payload(1),
}


def all_dtos() -> list[type[BaseModel]]:
    return [dto for triple in DTOS.values() for dto in triple]


def test_every_table_has_three_dtos() -> None:
    assert set(DTOS) == set(TABLES)
    names = {dto.__name__ for dto in all_dtos()}
    for table in TABLES:
        for suffix in ("Create", "Read", "Update"):
            assert f"{table.__name__}{suffix}" in names


@pytest.mark.parametrize("name", sorted(CREATE_PAYLOADS))
def test_create_dtos_round_trip_through_json(name: str) -> None:
    dto_class = next(dto for dto in all_dtos() if dto.__name__ == name)
    dto = dto_class.model_validate(CREATE_PAYLOADS[name])
    again = dto_class.model_validate_json(dto.model_dump_json())
    assert again == dto
    assert again.model_dump() == dto.model_dump()


UPDATE_PAYLOADS: dict[str, dict[str, Any]] = {
    "UserUpdate": {"email": "new@example.com", "full_name": None, "meta": {"a": 1}},
    "ProjectUpdate": {"description": None, "settings": {}, "owner_id": 3},
    "CommandUpdate": {"status": "FAILED", "exit_code": 2, "completed_at": "2026-01-01T00:00:00Z"},
    "PerformanceMetricUpdate": {"value": 2.5, "type": "counter", "unit": None},
    "AuditLogUpdate": {},
    "RDFSpecificationUpdate": {"valid": False, "validation_errors": "line 3", "triple_count": 0},
    "TelemetryEventUpdate": {"end_time": "2026-01-01T00:00:01+05:30", "duration_ns": 10**12},
    "CacheEntryUpdate": {"access_count": 3, "last_accessed_at": "2026-01-01T00:00:00Z"},
    "ConfigurationUpdate": {"value": "true", "type": "boolean", "description": None},
    "SessionTokenUpdate": {"is_active": False, "last_used_at": "2026-01-01T00:00:00Z"},
}


def test_every_update_dto_has_a_sample() -> None:
    assert set(UPDATE_PAYLOADS) == {dtos[2].__name__ for dtos in DTOS.values()}


@pytest.mark.parametrize(
    "dto",
    [
        next(d for d in all_dtos() if d.__name__ == name).model_validate(payload)
        for name, payload in sorted(UPDATE_PAYLOADS.items())
    ],
    ids=sorted(UPDATE_PAYLOADS),
)
def test_update_dtos_round_trip_and_keep_what_was_set(dto: BaseModel) -> None:
    again = type(dto).model_validate_json(dto.model_dump_json(exclude_unset=True))
    assert again == dto
    assert again.model_dump(exclude_unset=True) == dto.model_dump(exclude_unset=True)
    assert again.model_fields_set == dto.model_fields_set


async def test_read_dtos_round_trip_from_real_rows(session: AsyncSession) -> None:
    user = await make_user(session)
    project = await make_project(session, user)
    command = await make_command(
        session, user_id=user.id, project_id=project.id, status="success", exit_code=0
    )
    rows: list[tuple[type[BaseModel], SQLModel]] = [
        (UserRead, user),
        (ProjectRead, project),
        (CommandRead, command),
        (PerformanceMetricRead, await make_metric(session, command_id=command.id)),
        (AuditLogRead, await make_audit(session, user_id=user.id)),
        (RDFSpecificationRead, await make_spec(session, project)),
        (TelemetryEventRead, await make_telemetry(session, command_id=command.id)),
        (CacheEntryRead, await make_cache(session)),
        (ConfigurationRead, await make_configuration(session, project)),
        (SessionTokenRead, await make_session_token(session, user)),
    ]
    for read_class, row in rows:
        await session.refresh(row)
        dto = read_class.model_validate(row)
        payload = dto.model_dump_json()
        assert read_class.model_validate_json(payload) == dto, read_class.__name__
        for word in ("password_hash", "api_key_hash", "token_hash", "$argon2"):
            assert word not in payload, (read_class.__name__, word)


def test_json_schemas_cover_every_dto() -> None:
    schemas = json_schemas()
    assert set(schemas) == {dto.__name__ for dto in all_dtos()}
    assert len(schemas) == 30
    for name, schema in schemas.items():
        assert schema["type"] == "object", name
        json.dumps(schema)  # plain JSON
    assert schemas["UserCreate"]["additionalProperties"] is False
    assert schemas["UserCreate"]["properties"]["password"]["writeOnly"] is True


def _property_names(schema: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, dict):
        names |= set(schema.get("properties", {}))
        for value in schema.values():
            names |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            names |= _property_names(value)
    return names


def test_no_secret_field_in_any_read_model_or_schema() -> None:
    schemas = json_schemas()
    for _create, read, _update in DTOS.values():
        fields = set(read.model_fields) | _property_names(schemas[read.__name__])
        for word in SECRET_WORDS:
            assert not any(word in field for field in fields), (read.__name__, word)


async def test_encrypted_configuration_value_never_leaves_in_a_read(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    from specify_db.core.settings import get_settings

    monkeypatch.setenv("SPECIFY_DB_FERNET_KEYS", Fernet.generate_key().decode())
    get_settings.cache_clear()
    try:
        user = await make_user(session)
        project = await make_project(session, user)
        row = await make_configuration(
            session, project, value="hunter2-database-password", encrypted=True, type="string"
        )
        ciphertext = row.value
        assert ciphertext.startswith("gAAAA")
        assert row.get_value() == "hunter2-database-password"
        dto = ConfigurationRead.model_validate(row)
        payload = dto.model_dump_json()
        assert dto.value is None
        assert "hunter2" not in payload
        assert ciphertext not in payload
        assert ConfigurationRead.model_validate_json(payload) == dto
    finally:
        get_settings.cache_clear()


def _max_length(schema: dict[str, Any]) -> int | None:
    if "maxLength" in schema:
        return int(schema["maxLength"])
    for option in schema.get("anyOf", []):
        if "maxLength" in option:
            return int(option["maxLength"])
    return None


def _fits_column(prop: dict[str, Any], length: int) -> bool:
    """maxLength equals the column length; or a fixed-format pattern has exactly that length;
    or every allowed choice (Literal/enum) fits in it. An unbounded string never fits."""
    declared = _max_length(prop)
    if declared is not None:
        return declared == length
    fixed = re.search(r"\{(\d+)\}\$", json.dumps(prop))
    if fixed:
        return int(fixed.group(1)) == length
    choices = [
        choice
        for option in (prop, *prop.get("anyOf", []))
        for choice in option.get("enum", [])
        if isinstance(choice, str)
    ]
    return bool(choices) and max(map(len, choices)) <= length


def test_string_lengths_equal_column_lengths() -> None:
    """Every DTO field stored in a VARCHAR column is bounded by exactly that length."""
    for table, dtos in DTOS.items():
        columns = table.__table__.columns
        for dto in dtos:
            properties = dto.model_json_schema()["properties"]
            for name, prop in properties.items():
                if name not in columns:
                    continue
                column_type = columns[name].type
                length = getattr(column_type, "length", None)
                if isinstance(column_type, String) and length is not None:
                    assert _fits_column(prop, length), (dto.__name__, name)


def test_create_defaults_a_fresh_public_id() -> None:
    first = UserCreate.model_validate(user_payload())
    second = UserCreate.model_validate(user_payload())
    assert first.public_id != second.public_id
    assert first.public_id.version == 4
