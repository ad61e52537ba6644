"""The read side: typed pages, keyset cursors, safe filters, aggregates, time buckets, search.

Example::

    from specify_db.queries import CommandQueries, F

    commands = CommandQueries(db)
    page = await commands.paginate(page=1, size=50, filters={"status": "failed"},
                                   order_by="-started_at")
    failed_slow = await commands.find(F("status").eq("failed") & F("duration_ms").gt(1000))
    stats = await commands.get_command_statistics()
"""

from specify_db.core.schema import metadata
from specify_db.queries.aggregates import AggregateRow
from specify_db.queries.audit import AuditLogQueries
from specify_db.queries.base import BaseQueries
from specify_db.queries.buckets import Bucket
from specify_db.queries.cache import CacheQueries
from specify_db.queries.commands import CommandQueries, CommandStatistics, DurationStatistics
from specify_db.queries.configuration import ConfigurationQueries
from specify_db.queries.filters import And, Condition, F, FilterInput, Or
from specify_db.queries.fulltext import (
    FULLTEXT_OBJECT_NAMES,
    fulltext_ddl,
    fulltext_drop_ddl,
    install_fulltext,
)
from specify_db.queries.metrics import PerformanceMetricQueries
from specify_db.queries.pages import CountMode, CursorPage, Page, PaginationResult
from specify_db.queries.projects import ProjectQueries
from specify_db.queries.rdf import RDFSpecificationQueries
from specify_db.queries.search import SearchHit, SearchResult
from specify_db.queries.telemetry import TelemetryEventQueries
from specify_db.queries.users import UserQueries

# create_all / drop_all of specify-db's metadata also manage the full-text indexes and tables.
install_fulltext(metadata)

__all__ = [
    "FULLTEXT_OBJECT_NAMES",
    "AggregateRow",
    "And",
    "AuditLogQueries",
    "BaseQueries",
    "Bucket",
    "CacheQueries",
    "CommandQueries",
    "CommandStatistics",
    "Condition",
    "ConfigurationQueries",
    "CountMode",
    "CursorPage",
    "DurationStatistics",
    "F",
    "FilterInput",
    "Or",
    "Page",
    "PaginationResult",
    "PerformanceMetricQueries",
    "ProjectQueries",
    "RDFSpecificationQueries",
    "SearchHit",
    "SearchResult",
    "TelemetryEventQueries",
    "UserQueries",
    "fulltext_ddl",
    "fulltext_drop_ddl",
    "install_fulltext",
]
