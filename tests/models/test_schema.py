"""create_all gives every table, index and constraint the name the naming convention gives."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import CheckConstraint, UniqueConstraint, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db import DatabaseManager
from specify_db.models import NAMING_CONVENTION, TABLES, User, metadata
from tests.models.factories import count, make_user, unique

# Table -> kind -> expected names. "ix" lists plain (non-unique) indexes; unique constraints
# are "uq" (their backing unique index is not listed again).
EXPECTED: dict[str, dict[str, set[str]]] = {
    "users": {
        "uq": {
            "uq_users_public_id",
            "uq_users_username",
            "uq_users_email",
            "uq_users_api_key_hash",
        },
        "ix": set(),
        "fk": set(),
        "ck": set(),
    },
    "projects": {
        "uq": {"uq_projects_public_id", "uq_projects_slug"},
        "ix": {"ix_projects_name", "ix_projects_owner_id_name", "ix_projects_is_active"},
        "fk": {"fk_projects_owner_id_users"},
        "ck": set(),
    },
    "commands": {
        "uq": {"uq_commands_public_id"},
        "ix": {
            "ix_commands_name",
            "ix_commands_user_id_project_id",
            "ix_commands_project_id",
            "ix_commands_parent_id",
            "ix_commands_started_at",
            "ix_commands_status_started_at",
        },
        "fk": {
            "fk_commands_user_id_users",
            "fk_commands_project_id_projects",
            "fk_commands_parent_id_commands",
        },
        "ck": {
            "ck_commands_status",
            "ck_commands_duration_ms_non_negative",
            "ck_commands_completed_after_started",
        },
    },
    "performance_metrics": {
        "uq": {"uq_performance_metrics_public_id"},
        "ix": {
            "ix_performance_metrics_name_timestamp",
            "ix_performance_metrics_type_timestamp",
            "ix_performance_metrics_project_id_timestamp",
            "ix_performance_metrics_command_id",
            "ix_performance_metrics_timestamp",
        },
        "fk": {
            "fk_performance_metrics_command_id_commands",
            "fk_performance_metrics_project_id_projects",
        },
        "ck": {"ck_performance_metrics_type"},
    },
    "audit_logs": {
        "uq": {"uq_audit_logs_public_id"},
        "ix": {
            "ix_audit_logs_user_id_timestamp",
            "ix_audit_logs_resource_type_resource_id",
            "ix_audit_logs_action_timestamp",
            "ix_audit_logs_timestamp",
        },
        "fk": {"fk_audit_logs_user_id_users"},
        "ck": {"ck_audit_logs_action"},
    },
    "rdf_specifications": {
        "uq": {"uq_rdf_specifications_public_id", "uq_rdf_specifications_project_id"},
        "ix": {
            "ix_rdf_specifications_content_hash",
            "ix_rdf_specifications_project_id_updated_at",
        },
        "fk": {"fk_rdf_specifications_project_id_projects"},
        "ck": {"ck_rdf_specifications_triple_count_non_negative"},
    },
    "telemetry_events": {
        "uq": {"uq_telemetry_events_public_id"},
        "ix": {
            "ix_telemetry_events_trace_id_span_id",
            "ix_telemetry_events_span_id",
            "ix_telemetry_events_name",
            "ix_telemetry_events_start_time",
            "ix_telemetry_events_command_id",
        },
        "fk": {"fk_telemetry_events_command_id_commands"},
        "ck": {"ck_telemetry_events_duration_ns_non_negative"},
    },
    "cache_entries": {
        "uq": {"uq_cache_entries_public_id", "uq_cache_entries_key"},
        "ix": {"ix_cache_entries_expires_at", "ix_cache_entries_last_accessed_at"},
        "fk": set(),
        "ck": {
            "ck_cache_entries_size_bytes_non_negative",
            "ck_cache_entries_access_count_non_negative",
        },
    },
    "configurations": {
        "uq": {"uq_configurations_public_id", "uq_configurations_project_id"},
        "ix": {"ix_configurations_key"},
        "fk": {"fk_configurations_project_id_projects"},
        "ck": set(),
    },
    "session_tokens": {
        "uq": {"uq_session_tokens_public_id", "uq_session_tokens_token_hash"},
        "ix": {"ix_session_tokens_expires_at", "ix_session_tokens_user_id_is_active"},
        "fk": {"fk_session_tokens_user_id_users"},
        "ck": set(),
    },
}

# Multi-column unique constraints, by name: the convention names them after the first column.
COMPOSITE_UNIQUES = {
    "uq_rdf_specifications_project_id": ["project_id", "file_path"],
    "uq_configurations_project_id": ["project_id", "key"],
}

ON_DELETE = {
    "fk_projects_owner_id_users": "CASCADE",
    "fk_commands_user_id_users": "SET NULL",
    "fk_commands_project_id_projects": "CASCADE",
    "fk_commands_parent_id_commands": "CASCADE",
    "fk_performance_metrics_command_id_commands": "CASCADE",
    "fk_performance_metrics_project_id_projects": "CASCADE",
    "fk_audit_logs_user_id_users": "SET NULL",
    "fk_rdf_specifications_project_id_projects": "CASCADE",
    "fk_telemetry_events_command_id_commands": "CASCADE",
    "fk_configurations_project_id_projects": "CASCADE",
    "fk_session_tokens_user_id_users": "CASCADE",
}


def _reflect(conn: Connection) -> dict[str, dict[str, Any]]:
    inspector = inspect(conn)
    found: dict[str, dict[str, Any]] = {}
    for table in EXPECTED:
        uniques = inspector.get_unique_constraints(table)
        uq_names = {u["name"] for u in uniques}
        found[table] = {
            "pk": inspector.get_pk_constraint(table)["name"],
            "uq": uq_names,
            "uq_columns": {u["name"]: u["column_names"] for u in uniques},
            # PostgreSQL and MariaDB also list the index behind each unique constraint.
            "ix": {i["name"] for i in inspector.get_indexes(table) if i["name"] not in uq_names},
            "ix_columns": [
                tuple(i["column_names"])
                for i in inspector.get_indexes(table)
                if i["name"] not in uq_names
            ],
            "fk": {f["name"] for f in inspector.get_foreign_keys(table)},
            "ondelete": {
                f["name"]: f["options"].get("ondelete") for f in inspector.get_foreign_keys(table)
            },
            "ck": {c["name"] for c in inspector.get_check_constraints(table)},
        }
    found["__tables__"] = {"names": set(inspector.get_table_names())}
    return found


async def reflect(db: DatabaseManager) -> dict[str, dict[str, Any]]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_reflect)


def test_metadata_uses_the_convention() -> None:
    assert metadata.naming_convention == NAMING_CONVENTION
    assert NAMING_CONVENTION == {
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
    assert {model.__tablename__ for model in TABLES} == set(EXPECTED)


async def test_inspector_sees_every_table(db: DatabaseManager) -> None:
    found = await reflect(db)
    assert set(EXPECTED) <= found["__tables__"]["names"]


def test_metadata_gives_exactly_the_expected_names() -> None:
    """The models define exactly these names (the database may later hold more, see below)."""
    for table_name, expected in EXPECTED.items():
        table = metadata.tables[table_name]
        uniques = {c.name for c in table.constraints if isinstance(c, UniqueConstraint)}
        assert uniques == expected["uq"], table_name
        assert {i.name for i in table.indexes} == expected["ix"], table_name
        assert {fk.name for fk in table.foreign_key_constraints} == expected["fk"], table_name
        checks = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        assert checks == expected["ck"], table_name
        assert table.primary_key.name == f"pk_{table_name}"


async def test_inspector_sees_every_constraint_and_index_name(db: DatabaseManager) -> None:
    found = await reflect(db)
    for table, expected in EXPECTED.items():
        for kind in ("uq", "ix", "fk", "ck"):
            assert expected[kind] <= found[table][kind], (table, kind)
            # Other layers may add objects of their own (e.g. full-text indexes), but every
            # name in the database follows the convention: nothing is backend-named.
            for name in found[table][kind]:
                assert name.startswith(f"{kind}_{table}_"), (table, kind, name)


async def test_primary_keys_are_named_where_the_backend_keeps_names(
    db: DatabaseManager,
) -> None:
    found = await reflect(db)
    for table in EXPECTED:
        if db.dialect_name == "mysql":
            # MySQL/MariaDB name every primary key PRIMARY and ignore the given name.
            assert found[table]["pk"] in (None, "PRIMARY")
        else:
            assert found[table]["pk"] == f"pk_{table}"


async def test_foreign_keys_carry_their_on_delete_rule(db: DatabaseManager) -> None:
    found = await reflect(db)
    reflected = {
        name: rule for table in EXPECTED for name, rule in found[table]["ondelete"].items()
    }
    assert reflected == ON_DELETE


async def test_composite_unique_constraints_cover_both_columns(db: DatabaseManager) -> None:
    found = await reflect(db)
    for name, columns in COMPOSITE_UNIQUES.items():
        table = next(t for t in EXPECTED if name in EXPECTED[t]["uq"])
        assert found[table]["uq_columns"][name] == columns


async def test_no_duplicate_or_redundant_index(db: DatabaseManager) -> None:
    """Regression (inventory 9.14): no index repeats another index or a unique constraint."""
    found = await reflect(db)
    for table in EXPECTED:
        index_columns = found[table]["ix_columns"]
        unique_columns = [tuple(c) for c in found[table]["uq_columns"].values()]
        assert len(index_columns) == len(set(index_columns)), table
        assert not set(index_columns) & set(unique_columns), table


async def test_every_foreign_key_column_is_indexed(db: DatabaseManager) -> None:
    # Cascading deletes look children up by the FK column; MariaDB would otherwise add
    # indexes of its own, with names outside the convention.
    found = await reflect(db)
    for table in EXPECTED:
        leading = {cols[0] for cols in found[table]["ix_columns"]}
        leading |= {cols[0] for cols in found[table]["uq_columns"].values()}
        model = next(m for m in TABLES if m.__tablename__ == table)
        for fk in model.__table__.foreign_keys:
            assert fk.parent.name in leading, (table, fk.parent.name)


UUID_DDL = {"postgresql": "UUID", "mysql": "UUID", "sqlite": "CHAR(32)"}


async def test_public_id_ddl_type_per_dialect(db: DatabaseManager) -> None:
    ddl = str(CreateTable(User.__table__).compile(dialect=db.engine.dialect))  # type: ignore[attr-defined]
    match = re.search(r"^\s*public_id (\S+) NOT NULL", ddl, re.MULTILINE)
    assert match is not None, ddl
    assert match.group(1) == UUID_DDL[db.dialect_name]

    def column_type(conn: Connection) -> str:
        columns = inspect(conn).get_columns("users")
        return str(next(c["type"] for c in columns if c["name"] == "public_id"))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(column_type) == UUID_DDL[db.dialect_name]


async def test_string_uniqueness_is_case_sensitive_everywhere(session: AsyncSession) -> None:
    # MariaDB's default *_ci collations would call "Alice" and "alice" duplicates; the tables
    # use utf8mb4_bin so every backend agrees with PostgreSQL and SQLite.
    name = unique("Case")
    await make_user(session, username=name, email=f"{name}@example.com")
    await make_user(session, username=name.lower(), email=f"{name.lower()}@example.org")
    assert await count(session, "users", "username IN (:a, :b)", a=name, b=name.lower()) == 2
