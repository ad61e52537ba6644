"""The write side: repositories bound to a manager (own unit of work) or a session (joined).

Every repository takes a :class:`~specify_db.DatabaseManager` (each call is its own unit of
work, retried as a whole) or an ``AsyncSession`` (each call joins the caller's transaction and
never commits; repositories sharing one session commit or roll back together).
"""

from specify_db.repositories.audit import AuditLogRepository
from specify_db.repositories.audit_guard import (
    AUDIT_APPEND_ONLY_DDL,
    AUDIT_APPEND_ONLY_DROP_DDL,
    install_audit_guard,
)
from specify_db.repositories.base import AppendOnlyRepository
from specify_db.repositories.cache import CacheEntryRepository, CacheRepository
from specify_db.repositories.commands import CommandRepository
from specify_db.repositories.configuration import ConfigurationRepository
from specify_db.repositories.metrics import PerformanceMetricRepository
from specify_db.repositories.projects import ProjectRepository
from specify_db.repositories.rdf import RDFSpecificationRepository
from specify_db.repositories.repository import Repository
from specify_db.repositories.sessions import NewSession, SessionTokenRepository
from specify_db.repositories.telemetry import TelemetryEventRepository
from specify_db.repositories.users import UserRepository

__all__ = [
    "AUDIT_APPEND_ONLY_DDL",
    "AUDIT_APPEND_ONLY_DROP_DDL",
    "AppendOnlyRepository",
    "AuditLogRepository",
    "CacheEntryRepository",
    "CacheRepository",
    "CommandRepository",
    "ConfigurationRepository",
    "NewSession",
    "PerformanceMetricRepository",
    "ProjectRepository",
    "RDFSpecificationRepository",
    "Repository",
    "SessionTokenRepository",
    "TelemetryEventRepository",
    "UserRepository",
    "install_audit_guard",
]
