"""Small builders shared by the domain repository tests."""

from __future__ import annotations

import itertools

from specify_db.models import Project, User
from specify_db.repositories import ProjectRepository, UserRepository
from specify_db.repositories.repository import Repository

_numbers = itertools.count(1)
PASSWORD = "correct horse battery staple"


async def make_user(source: object, name: str | None = None, **kwargs: object) -> User:
    n = next(_numbers)
    username = name or f"user{n}"
    return await UserRepository(source).create_user(  # type: ignore[arg-type]
        username, f"{username}@example.com", PASSWORD, **kwargs
    )


async def make_project(source: object, owner: User, slug: str | None = None) -> Project:
    n = next(_numbers)
    assert owner.id is not None
    return await ProjectRepository(source).create_project(  # type: ignore[arg-type]
        f"Project {n}", slug or f"project-{n}", owner.id
    )


__all__ = ["PASSWORD", "Repository", "make_project", "make_user"]
