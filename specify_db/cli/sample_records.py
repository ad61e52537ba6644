"""The demo sample's supporting records: audit trail, configuration, cache, sessions, specs.

Each builder returns rows for one table, derived from the users and projects already
inserted; :mod:`specify_db.cli.sample` inserts them.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from specify_db.models import (
    AuditAction,
    CacheEntry,
    Configuration,
    Project,
    RDFSpecification,
    SessionToken,
    User,
)
from specify_db.models.crypto import hash_token

__all__ = ["audit_rows", "cache_entries", "configurations", "session_tokens", "specifications"]


def _id(row: User | Project) -> int:
    if row.id is None:
        raise RuntimeError(f"{row!r} has no id: it was not flushed")
    return row.id


def audit_rows(
    rng: random.Random, now: datetime, days: int, users: list[User], projects: list[Project]
) -> list[dict[str, Any]]:
    """A login per user per day, each project's creation, and configuration changes."""
    logins = [
        {
            "action": AuditAction.LOGIN,
            "resource_type": "session",
            "user_id": user.id,
            "ip_address": f"10.0.0.{rng.randrange(2, 250)}",
            "user_agent": "specify-cli/1.4",
            "timestamp": now - timedelta(days=day, hours=rng.uniform(0, 8)),
        }
        for user in users
        for day in range(days)
    ]
    creations = [
        {
            "action": AuditAction.CREATE,
            "resource_type": "project",
            "resource_id": str(project.id),
            "user_id": project.owner_id,
            "timestamp": now - timedelta(days=days, hours=1),
            "details": {"slug": project.slug},
        }
        for project in projects
    ]
    changes = [
        {
            "action": AuditAction.CONFIG_CHANGE,
            "resource_type": "configuration",
            "resource_id": f"{project.slug}:{key}",
            "user_id": project.owner_id,
            "timestamp": now - timedelta(days=rng.uniform(0, days)),
            "details": {"key": key},
        }
        for project in projects
        for key in ("build.parallelism", "deploy.region")
    ]
    return [*logins, *creations, *changes]


def configurations(projects: list[Project]) -> list[Configuration]:
    """Five typed settings per project (integer, boolean, string, float, JSON)."""
    values: tuple[tuple[str, str, str], ...] = (
        ("build.parallelism", "integer", "4"),
        ("build.cache", "boolean", "true"),
        ("deploy.region", "string", "eu-west-1"),
        ("test.timeout_s", "float", "120.5"),
        ("notify", "json", '{"channel": "#builds", "on": ["failure"]}'),
    )
    return [
        Configuration(project_id=_id(p), key=key, type=kind, value=value)  # type: ignore[arg-type]
        for p in projects
        for key, kind, value in values
    ]


def cache_entries(rng: random.Random, now: datetime) -> list[CacheEntry]:
    """Forty cached plans; every fourth one already expired (for ``specify-db purge``)."""
    entries = []
    for i in range(40):
        value = f'{{"plan": "step-{i}", "steps": {rng.randrange(3, 30)}}}'
        expires = now + timedelta(hours=rng.uniform(1, 48)) if i % 4 else now - timedelta(hours=2)
        entries.append(
            CacheEntry(
                key=f"plan:{i:03d}",
                value=value,
                value_hash=hashlib.sha256(value.encode()).hexdigest(),
                size_bytes=len(value.encode()),
                expires_at=expires,
                access_count=rng.randrange(0, 50),
            )
        )
    return entries


def session_tokens(rng: random.Random, now: datetime, users: list[User]) -> list[SessionToken]:
    """A live and an expired session per user (only the token hashes are stored)."""
    return [
        SessionToken(
            user_id=_id(user),
            token_hash=hash_token(uuid.UUID(int=rng.getrandbits(128)).hex),
            expires_at=now - timedelta(days=1) if expired else now + timedelta(days=7),
            ip_address="10.0.0.10",
            user_agent="specify-cli/1.4",
        )
        for user in users
        for expired in (False, True)
    ]


def specifications(projects: list[Project]) -> list[RDFSpecification]:
    """Three Turtle files per project, one of them failing validation in the RDF Toolkit."""
    files = ("spec/feature.ttl", "spec/shapes.ttl", "spec/ontology.ttl")
    return [
        RDFSpecification(
            project_id=_id(p),
            file_path=path,
            content_hash=hashlib.sha256(f"{p.slug}/{path}".encode()).hexdigest(),
            format="turtle",
            triple_count=120 + 37 * i,
            valid=i != 2 or p.slug != "rdf-toolkit",
            validation_errors="sh:minCount violated"
            if i == 2 and p.slug == "rdf-toolkit"
            else None,
        )
        for p in projects
        for i, path in enumerate(files)
    ]
