"""``RDFSpecificationRepository``: specification files identified by their SHA-256 digest.

The content itself is not stored; its digest is, so a file can later be checked against it.

Example::

    specs = RDFSpecificationRepository(db)
    spec = await specs.create_specification(demo.id, "spec/demo.ttl", "@prefix ex: <urn:ex#> .")
    assert await specs.verify_content(spec.id, "@prefix ex: <urn:ex#> .")
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from specify_db.models import RDFSpecification, RDFSpecificationCreate, RDFSpecificationUpdate
from specify_db.repositories.repository import Repository

__all__ = ["RDFSpecificationRepository", "content_hash"]


def content_hash(content: str) -> str:
    """SHA-256 of the UTF-8 bytes of ``content``, as 64 lower-case hex characters."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


class RDFSpecificationRepository(
    Repository[RDFSpecification, RDFSpecificationCreate, RDFSpecificationUpdate]
):
    """RDF specification files of projects, unique per (project, file path)."""

    model = RDFSpecification
    create_schema = RDFSpecificationCreate
    update_schema = RDFSpecificationUpdate

    async def create_specification(
        self, project_id: int | None, file_path: str, content: str, **kwargs: Any
    ) -> RDFSpecification:
        """Register a file with the digest of ``content`` (``triple_count``... via kwargs).

        Raises:
            AlreadyExists: the project already has a specification at ``file_path``.
        """
        return await self.create(
            {
                "project_id": project_id,
                "file_path": file_path,
                "content_hash": content_hash(content),
                **kwargs,
            }
        )

    async def update_specification(
        self, spec_id: int | None, content: str, **kwargs: Any
    ) -> RDFSpecification:
        """Record new content (its digest) plus any other changes, e.g. ``valid=False``."""
        return await self.update(spec_id, {"content_hash": content_hash(content), **kwargs})

    async def get_by_path(self, project_id: int | None, file_path: str) -> RDFSpecification | None:
        """The project's specification at ``file_path``, or None."""
        return await self.get_by_or_none(project_id=project_id, file_path=file_path)

    async def verify_content(self, spec_id: int | None, content: str) -> bool:
        """True if ``content`` has the stored digest (compared in constant time).

        Raises:
            NotFound: no such specification.
        """
        spec = await self.get(spec_id)
        return hmac.compare_digest(content_hash(content), spec.content_hash)
