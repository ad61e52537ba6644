"""Typed results of the migration commands: revision entries and the schema check report."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RevisionInfo", "SchemaReport", "describe_diffs"]


class RevisionInfo(TypedDict):
    """One revision of the history (a dict, as the earlier ``history()`` returned)."""

    revision: str
    down_revision: str | tuple[str, ...] | None
    branch_labels: list[str]
    message: str
    is_head: bool
    applied: bool
    module_path: NotRequired[str | None]


class SchemaReport(BaseModel):
    """What :meth:`MigrationManager.check` found.

    Attributes:
        valid: no drift and the database is at head.
        current: the applied revision(s).
        heads: the newest revision(s) of the scripts.
        pending: the database is not at head.
        diffs: one line per difference Alembic's autogenerate comparison found.
        missing_tables / extra_tables: tables only in the metadata / only in the database
            (``alembic_version`` is never extra).
        column_issues: per table, columns ``missing`` from or ``extra`` in the database.
    """

    model_config = ConfigDict(frozen=True)

    valid: bool
    current: list[str]
    heads: list[str]
    pending: bool
    diffs: list[str] = Field(default_factory=list)
    missing_tables: list[str] = Field(default_factory=list)
    extra_tables: list[str] = Field(default_factory=list)
    column_issues: dict[str, dict[str, list[str]]] = Field(default_factory=dict)

    @property
    def drift(self) -> bool:
        """The database schema differs from the metadata."""
        return bool(self.diffs)


def _flatten(diffs: list[Any]) -> list[tuple[Any, ...]]:
    flat: list[tuple[Any, ...]] = []
    for diff in diffs:
        # Column modifications come as a list of tuples for one column.
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat


def _describe(diff: tuple[Any, ...]) -> str:
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return f"{kind} {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        return f"{kind} {diff[2]}.{diff[3].name}"
    if kind.startswith("modify_"):
        _, _, table, column, _info, old, new = diff
        return f"{kind} {table}.{column}: {old!r} -> {new!r}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        item = diff[1]
        table = getattr(item, "table", None)
        return f"{kind} {getattr(table, 'name', '?')}.{item.name}"
    if kind in ("add_fk", "remove_fk"):
        return f"{kind} {diff[1].parent.name}.{diff[1].name}"
    return " ".join(str(part) for part in diff)


def describe_diffs(
    diffs: list[Any], *, current: tuple[str, ...], heads: tuple[str, ...]
) -> SchemaReport:
    """Turn ``compare_metadata`` output into a :class:`SchemaReport`."""
    flat = _flatten(diffs)
    missing = sorted(d[1].name for d in flat if d[0] == "add_table")
    extra = sorted(d[1].name for d in flat if d[0] == "remove_table")
    columns: dict[str, dict[str, list[str]]] = {}
    for diff in flat:
        if diff[0] in ("add_column", "remove_column"):
            side = "missing" if diff[0] == "add_column" else "extra"
            columns.setdefault(diff[2], {"missing": [], "extra": []})[side].append(diff[3].name)
    pending = set(current) != set(heads)
    return SchemaReport(
        valid=not flat and not pending,
        current=list(current),
        heads=list(heads),
        pending=pending,
        diffs=[_describe(diff) for diff in flat],
        missing_tables=missing,
        extra_tables=extra,
        column_issues=columns,
    )
