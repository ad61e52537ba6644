"""Full-text search on users, projects, commands and RDF specifications: DDL and queries.

One module holds every backend's form:

==============  ===========================================================================
PostgreSQL      GIN index ``ix_<table>_fts`` on a weighted ``tsvector`` expression (the name
                column weight A, the others B), queried with ``plainto_tsquery`` and
                ranked by ``ts_rank`` (method ``"tsvector"``).
SQLite          FTS5 external-content table ``<table>_fts`` kept in sync by the triggers
                ``<table>_fts_ai`` / ``_ad`` / ``_au``, ranked by ``-bm25`` with the name column
                weighted 10 (method ``"fts5"``).
MariaDB/MySQL   a generated ``fts_document`` column (``CONCAT_WS`` of the searched columns, in a
                case-insensitive collation: the tables use ``utf8mb4_bin``, under which InnoDB
                full-text search is case-sensitive) with ``FULLTEXT INDEX ix_<table>_fts``, queried
                in natural-language mode (method ``"fulltext"``). InnoDB updates the index at
                commit: uncommitted rows are not found, even by their own transaction.
==============  ===========================================================================

When a backend's objects are missing (a database created without them, an SQLite built
without FTS5), search falls back to an escaped, case-insensitive ``LIKE`` (method ``"like"``).
On every backend a row whose name equals the query (case-insensitively) ranks first.

For migrations: :func:`fulltext_ddl` / :func:`fulltext_drop_ddl` give the statements for one
dialect, and :data:`FULLTEXT_OBJECT_NAMES` the names to exclude from autogenerate comparison.
:func:`install_fulltext` (called when :mod:`specify_db.queries` is imported) makes
``metadata.create_all`` / ``drop_all`` create and drop them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import (
    DDL,
    Float,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    case,
    event,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.queries.execute import execute

__all__ = [
    "FTS_METHOD",
    "FULLTEXT_OBJECT_NAMES",
    "SEARCH_SPECS",
    "SearchMethod",
    "SearchSpec",
    "fulltext_available",
    "fulltext_ddl",
    "fulltext_drop_ddl",
    "install_fulltext",
    "search_statement",
]

SearchMethod = Literal["tsvector", "fts5", "fulltext", "like"]
MYSQL_DOCUMENT_COLUMN: Final = "fts_document"
_WORD: Final = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class SearchSpec:
    """Which columns of ``table`` are searched; ``name`` is the one an exact match boosts."""

    table: str
    name: str
    others: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The name column first, then the others."""
        return (self.name, *self.others)

    def pg_vector(self, qualifier: str = "") -> str:
        """The weighted ``tsvector`` expression (identical in the index and in queries).

        Punctuation becomes spaces first, so ``specs/ontology.ttl`` and ``a@example.com`` are
        words (as with SQLite's unicode61 tokenizer), not single path or e-mail tokens.
        """
        prefix = f"{qualifier}." if qualifier else ""

        def words(sql: str) -> str:
            return f"regexp_replace({sql}, '[^[:alnum:]]+', ' ', 'g')"

        rest = " || ' ' || ".join(f"coalesce({prefix}{c}, '')" for c in self.others)
        name = f"coalesce({prefix}{self.name}, '')"
        return (
            f"(setweight(to_tsvector('simple'::regconfig, {words(name)}), 'A')"
            f" || setweight(to_tsvector('simple'::regconfig, {words(rest)}), 'B'))"
        )


SEARCH_SPECS: Final[dict[str, SearchSpec]] = {
    spec.table: spec
    for spec in (
        SearchSpec("users", "username", ("email", "full_name")),
        SearchSpec("projects", "name", ("slug", "description")),
        SearchSpec("commands", "name", ("args",)),
        SearchSpec("rdf_specifications", "file_path", ("format", "validation_errors")),
    )
}


def _sqlite_create(spec: SearchSpec) -> list[str]:
    t, cols = spec.table, ", ".join(spec.columns)
    new = ", ".join(f"new.{c}" for c in spec.columns)
    old = ", ".join(f"old.{c}" for c in spec.columns)
    insert = f"INSERT INTO {t}_fts(rowid, {cols}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {t}_fts({t}_fts, rowid, {cols}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {t}_fts USING fts5({cols}, content='{t}', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {t}_fts_ai AFTER INSERT ON {t} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {t}_fts_ad AFTER DELETE ON {t} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {t}_fts_au AFTER UPDATE OF {cols} ON {t} "
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {t}_fts({t}_fts) VALUES ('rebuild')",
    ]


def _create(dialect_name: str, spec: SearchSpec) -> list[str]:
    t = spec.table
    if dialect_name == "postgresql":
        return [f"CREATE INDEX IF NOT EXISTS ix_{t}_fts ON {t} USING gin ({spec.pg_vector()})"]
    if dialect_name in ("mysql", "mariadb"):
        parts = ", ".join(spec.columns)
        return [
            f"ALTER TABLE {t} ADD COLUMN {MYSQL_DOCUMENT_COLUMN} LONGTEXT CHARACTER SET utf8mb4 "
            f"COLLATE utf8mb4_unicode_ci AS (CONCAT_WS(' ', {parts})) PERSISTENT, "
            f"ADD FULLTEXT INDEX ix_{t}_fts ({MYSQL_DOCUMENT_COLUMN})"
        ]
    if dialect_name == "sqlite":
        return _sqlite_create(spec)
    return []


def _drop(dialect_name: str, spec: SearchSpec) -> list[str]:
    t = spec.table
    if dialect_name == "postgresql":
        return [f"DROP INDEX IF EXISTS ix_{t}_fts"]
    if dialect_name in ("mysql", "mariadb"):
        return [f"ALTER TABLE {t} DROP INDEX ix_{t}_fts, DROP COLUMN {MYSQL_DOCUMENT_COLUMN}"]
    if dialect_name == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {t}_fts_{s}" for s in ("ai", "ad", "au")] + [
            f"DROP TABLE IF EXISTS {t}_fts"
        ]
    return []


def fulltext_ddl(dialect_name: str) -> list[str]:
    """Every statement that creates the full-text objects on ``dialect_name`` (tables exist)."""
    return [stmt for spec in SEARCH_SPECS.values() for stmt in _create(dialect_name, spec)]


def fulltext_drop_ddl(dialect_name: str) -> list[str]:
    """Every statement that removes them again (for a migration's downgrade)."""
    return [stmt for spec in SEARCH_SPECS.values() for stmt in _drop(dialect_name, spec)]


FULLTEXT_OBJECT_NAMES: Final[frozenset[str]] = frozenset(
    name
    for t in SEARCH_SPECS
    for name in (
        f"ix_{t}_fts",
        f"{t}_fts",
        *(f"{t}_fts_{suffix}" for suffix in ("ai", "ad", "au")),
        *(f"{t}_fts_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")),
    )
) | {MYSQL_DOCUMENT_COLUMN}
"""Indexes, tables, triggers and the column that exist outside ``SQLModel.metadata``."""

_INSTALLED: set[int] = set()


def install_fulltext(metadata: MetaData) -> None:
    """Attach the DDL to ``metadata``'s tables so ``create_all`` / ``drop_all`` manage it.

    Idempotent. Tables missing from ``metadata`` are skipped.
    """
    for name, spec in SEARCH_SPECS.items():
        table: Table | None = metadata.tables.get(name)
        if table is None or id(table) in _INSTALLED:
            continue
        _INSTALLED.add(id(table))
        for dialects in (("postgresql",), ("mysql", "mariadb"), ("sqlite",)):
            for stmt in _create(dialects[0], spec):
                ddl = DDL(stmt)  # type: ignore[no-untyped-call]
                # execute_if accepts a tuple of names at runtime; its stub says str.
                event.listen(table, "after_create", ddl.execute_if(dialect=dialects))  # type: ignore[arg-type]
        # Dropping the table drops its indexes and generated column. On SQLite the triggers
        # go first (DROP TABLE re-reads them, and they name the FTS table), then the FTS table.
        for stmt in _drop("sqlite", spec):
            ddl = DDL(stmt)  # type: ignore[no-untyped-call]
            event.listen(table, "before_drop", ddl.execute_if(dialect="sqlite"))


async def fulltext_available(session: AsyncSession, dialect_name: str, table: str) -> bool:
    """Whether ``table``'s full-text objects exist in the connected database."""
    if dialect_name == "postgresql":
        return True  # the tsvector expression works without its index (only slower)
    if dialect_name == "sqlite":
        found = await execute(
            session,
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n").bindparams(
                n=f"{table}_fts"
            ),
        )
    else:
        found = await execute(
            session,
            text(
                "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME = :t AND INDEX_NAME = :i LIMIT 1"
            ).bindparams(t=table, i=f"ix_{table}_fts"),
        )
    return found.first() is not None


def search_words(query: str) -> list[str]:
    """The words of the user's text; every other character (operators, quotes) is dropped."""
    return _WORD.findall(query)


def fts5_query(words: list[str]) -> str:
    """Words as an FTS5 query: each a quoted string (never an operator), all required."""
    return " ".join(f'"{word}"' for word in words)


def _bind(value: str) -> BindParameter[str]:
    return bindparam("search_q", value, type_=String(), unique=True)


def match_and_rank(
    dialect_name: str, spec: SearchSpec, words: list[str]
) -> tuple[ColumnElement[bool], ColumnElement[float], str | None]:
    """``(WHERE condition, rank expression, FTS5 table to join on rowid or None)``.

    PostgreSQL and SQLite require every word; MariaDB's natural-language mode ranks rows
    with any of them.
    """
    t = spec.table
    query = " ".join(words)
    if dialect_name == "postgresql":
        vector: ColumnElement[Any] = literal_column(spec.pg_vector(t))

        def tsquery() -> ColumnElement[Any]:
            return func.plainto_tsquery(literal_column("'simple'::regconfig"), _bind(query))

        ts_rank: ColumnElement[float] = func.ts_rank(vector, tsquery(), type_=Float())
        return vector.op("@@")(tsquery()), ts_rank, None
    if dialect_name == "sqlite":
        weights = ", ".join(["10.0"] + ["1.0"] * len(spec.others))
        matched = literal_column(f"{t}_fts").op("MATCH")(_bind(fts5_query(words)))
        # bm25 is lower for better matches; negate it so a higher rank is better everywhere.
        rank = -literal_column(f"bm25({t}_fts, {weights})", type_=Float())
        return matched, rank, f"{t}_fts"
    document: ColumnElement[Any] = literal_column(f"{t}.{MYSQL_DOCUMENT_COLUMN}")
    relevance = mysql.match(document, against=_bind(query)).in_natural_language_mode()
    return relevance > 0, relevance, None


FTS_METHOD: Final[dict[str, SearchMethod]] = {
    "postgresql": "tsvector",
    "sqlite": "fts5",
    "mysql": "fulltext",
}
"""The method each backend reports when its full-text objects exist."""


def _like(
    model: Any, columns: Sequence[str], query: str
) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    """Escaped case-insensitive substring match; the name column weighs twice."""
    tests = [getattr(model, c).icontains(query, autoescape=True) for c in columns]
    rank: ColumnElement[float] = sum(
        (case((test, 2.0 if i == 0 else 1.0), else_=0.0) for i, test in enumerate(tests)),
        start=literal_column("0.0"),
    )
    return or_(*tests), rank


def search_statement(
    model: Any,
    spec: SearchSpec,
    dialect_name: str,
    query: str,
    method: SearchMethod,
    extra: ColumnElement[bool] | None,
) -> Select[Any] | None:
    """``SELECT row, rank, exact`` best first, or None when the text has no word to match.

    ``exact`` (the name equals the query, case-insensitively) orders before the rank, then
    the primary key keeps ties stable.
    """
    name_column = getattr(model, spec.name)
    exact = case((func.lower(name_column) == query.lower(), 1), else_=0)
    fts_table: str | None = None
    if method == "like":
        matched, rank = _like(model, spec.columns, query)
    else:
        words = search_words(query)
        if not words:
            return None
        matched, rank, fts_table = match_and_rank(dialect_name, spec, words)
    stmt = select(model, rank.label("rank"), exact.label("exact"))
    if fts_table is not None:
        fts = table(fts_table, literal_column("rowid"))
        stmt = stmt.join(fts, literal_column(f"{fts_table}.rowid") == model.id)
    stmt = stmt.where(matched)
    if extra is not None:
        stmt = stmt.where(extra)
    return stmt.order_by(exact.desc(), rank.desc(), model.id)
