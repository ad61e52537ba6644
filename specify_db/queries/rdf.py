"""``RDFSpecificationQueries``: specifications by project, hash and validity; ranked search."""

from __future__ import annotations

from typing import Any, ClassVar

from specify_db.models import RDFSpecification, RDFSpecificationRead
from specify_db.queries.base import BaseQueries
from specify_db.queries.search import SearchResult

__all__ = ["RDFSpecificationQueries"]


class RDFSpecificationQueries(BaseQueries[RDFSpecification, RDFSpecificationRead]):
    """Read RDF specification metadata (as :class:`RDFSpecificationRead`)."""

    model = RDFSpecification
    read_model = RDFSpecificationRead
    fields: ClassVar[dict[str, Any]] = {
        "project_id": RDFSpecification.project_id,
        "file_path": RDFSpecification.file_path,
        "content_hash": RDFSpecification.content_hash,
        "format": RDFSpecification.format,
        "triple_count": RDFSpecification.triple_count,
        "valid": RDFSpecification.valid,
        "created_at": RDFSpecification.created_at,
        "updated_at": RDFSpecification.updated_at,
        "meta": RDFSpecification.meta,
    }
    sortable = ("file_path", "triple_count", "created_at", "updated_at")
    default_order = ("-updated_at",)
    measures = ("triple_count",)
    time_field = "updated_at"

    async def find_by_project(self, project_id: int) -> list[RDFSpecificationRead]:
        """The project's specifications, most recently updated first."""
        return await self.find({"project_id": project_id})

    async def find_by_hash(self, content_hash: str) -> list[RDFSpecificationRead]:
        """Specifications with this content hash (the same content may be in several files)."""
        return await self.find({"content_hash": content_hash})

    async def get_invalid_specs(self) -> list[RDFSpecificationRead]:
        """Specifications that failed validation."""
        return await self.find({"valid": False})

    async def search_specifications(
        self, query: str, limit: int = 10
    ) -> SearchResult[RDFSpecificationRead]:
        """Full-text search over file path, format and validation errors."""
        return await self._search(query, limit)
