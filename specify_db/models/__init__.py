"""SQLModel tables, their Create/Read/Update DTOs, enums and column types.

Importing this package registers every table on specify-db's own ``metadata``
(:mod:`specify_db.core.schema`, with its naming convention), apart from the application's
``SQLModel.metadata``, so ``create_all`` and Alembic see exactly specify-db's schema.
"""

# base first: it holds the registry every table class is mapped in.
from specify_db.models.base import NAMING_CONVENTION, metadata  # isort: skip

from typing import Any

from pydantic import BaseModel

from specify_db.models.audit import AuditLog, AuditLogCreate, AuditLogRead, AuditLogUpdate
from specify_db.models.cache import CacheEntry, CacheEntryCreate, CacheEntryRead, CacheEntryUpdate
from specify_db.models.command import Command, CommandCreate, CommandRead, CommandUpdate
from specify_db.models.configuration import (
    Configuration,
    ConfigurationCreate,
    ConfigurationRead,
    ConfigurationUpdate,
    ConfigValueType,
)
from specify_db.models.enums import AuditAction, ExecutionStatus, MetricType
from specify_db.models.metric import (
    PerformanceMetric,
    PerformanceMetricCreate,
    PerformanceMetricRead,
    PerformanceMetricUpdate,
)
from specify_db.models.project import Project, ProjectCreate, ProjectRead, ProjectUpdate
from specify_db.models.rdf import (
    RDFSpecification,
    RDFSpecificationCreate,
    RDFSpecificationRead,
    RDFSpecificationUpdate,
)
from specify_db.models.session_token import (
    SessionToken,
    SessionTokenCreate,
    SessionTokenRead,
    SessionTokenUpdate,
)
from specify_db.models.telemetry import (
    TelemetryEvent,
    TelemetryEventCreate,
    TelemetryEventRead,
    TelemetryEventUpdate,
)
from specify_db.models.user import User, UserCreate, UserRead, UserUpdate

__all__ = [
    "DTOS",
    "NAMING_CONVENTION",
    "TABLES",
    "AuditAction",
    "AuditLog",
    "AuditLogCreate",
    "AuditLogRead",
    "AuditLogUpdate",
    "CacheEntry",
    "CacheEntryCreate",
    "CacheEntryRead",
    "CacheEntryUpdate",
    "Command",
    "CommandCreate",
    "CommandRead",
    "CommandUpdate",
    "ConfigValueType",
    "Configuration",
    "ConfigurationCreate",
    "ConfigurationRead",
    "ConfigurationUpdate",
    "ExecutionStatus",
    "MetricType",
    "PerformanceMetric",
    "PerformanceMetricCreate",
    "PerformanceMetricRead",
    "PerformanceMetricUpdate",
    "Project",
    "ProjectCreate",
    "ProjectRead",
    "ProjectUpdate",
    "RDFSpecification",
    "RDFSpecificationCreate",
    "RDFSpecificationRead",
    "RDFSpecificationUpdate",
    "SessionToken",
    "SessionTokenCreate",
    "SessionTokenRead",
    "SessionTokenUpdate",
    "TelemetryEvent",
    "TelemetryEventCreate",
    "TelemetryEventRead",
    "TelemetryEventUpdate",
    "User",
    "UserCreate",
    "UserRead",
    "UserUpdate",
    "json_schemas",
    "metadata",
]

TABLES: tuple[type[Any], ...] = (
    User,
    Project,
    Command,
    PerformanceMetric,
    AuditLog,
    RDFSpecification,
    TelemetryEvent,
    CacheEntry,
    Configuration,
    SessionToken,
)
"""Every table model, parents before children."""

DTOS: dict[type[Any], tuple[type[BaseModel], type[BaseModel], type[BaseModel]]] = {
    User: (UserCreate, UserRead, UserUpdate),
    Project: (ProjectCreate, ProjectRead, ProjectUpdate),
    Command: (CommandCreate, CommandRead, CommandUpdate),
    PerformanceMetric: (PerformanceMetricCreate, PerformanceMetricRead, PerformanceMetricUpdate),
    AuditLog: (AuditLogCreate, AuditLogRead, AuditLogUpdate),
    RDFSpecification: (RDFSpecificationCreate, RDFSpecificationRead, RDFSpecificationUpdate),
    TelemetryEvent: (TelemetryEventCreate, TelemetryEventRead, TelemetryEventUpdate),
    CacheEntry: (CacheEntryCreate, CacheEntryRead, CacheEntryUpdate),
    Configuration: (ConfigurationCreate, ConfigurationRead, ConfigurationUpdate),
    SessionToken: (SessionTokenCreate, SessionTokenRead, SessionTokenUpdate),
}
"""For each table model, its ``(Create, Read, Update)`` DTO classes."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every DTO, keyed by class name (e.g. ``"UserRead"``).

    Create and Update schemas describe what is accepted (validation mode); Read schemas
    describe what is sent (serialization mode).
    """
    schemas: dict[str, dict[str, Any]] = {}
    for create, read, update in DTOS.values():
        schemas[create.__name__] = create.model_json_schema(mode="validation")
        schemas[read.__name__] = read.model_json_schema(mode="serialization")
        schemas[update.__name__] = update.model_json_schema(mode="validation")
    return schemas
