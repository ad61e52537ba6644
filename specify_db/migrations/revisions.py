"""Reading the revision files: history entries, applied sets, ids, relative targets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic.script import ScriptDirectory

from specify_db.core.errors import MigrationError
from specify_db.migrations.report import RevisionInfo

__all__ = ["applied_revisions", "history", "next_rev_id", "resolve_relative", "revision_id"]


def applied_revisions(script: ScriptDirectory, heads: Iterable[str]) -> set[str]:
    """Every revision at or below the applied ``heads``."""
    found: set[str] = set()
    for head in heads:
        found.update(rev.revision for rev in script.iterate_revisions(head, "base"))
    return found


def history(script: ScriptDirectory, applied: set[str], *, verbose: bool) -> list[RevisionInfo]:
    """Every revision, newest first, in the earlier API's dict shape."""
    head_ids = set(script.get_heads())
    entries: list[RevisionInfo] = []
    for rev in script.walk_revisions():
        down = rev.down_revision
        entry: RevisionInfo = {
            "revision": rev.revision,
            "down_revision": tuple(down) if isinstance(down, list) else down,
            "branch_labels": sorted(rev.branch_labels),
            "message": (rev.doc or "").strip(),
            "is_head": rev.revision in head_ids,
            "applied": rev.revision in applied,
        }
        if verbose:
            entry["module_path"] = rev.path
        entries.append(entry)
    return entries


def next_rev_id(script: ScriptDirectory) -> str | None:
    """``0002`` after ``0001`` while every id is a number; ``None`` lets Alembic choose."""
    ids = [rev.revision for rev in script.walk_revisions()]
    if not all(rev.isdigit() for rev in ids):
        return None
    return f"{max((int(rev) for rev in ids), default=0) + 1:04d}"


def revision_id(result: Any) -> str:
    """The id of what ``command.revision`` wrote."""
    written = result[0] if isinstance(result, list) else result
    if written is None:
        raise MigrationError("Alembic wrote no revision")
    return str(written.revision)


def resolve_relative(script: ScriptDirectory, start: str, revision: str) -> str:
    """``-N`` steps below ``start`` as a revision id (``"base"`` at the bottom)."""
    if not revision.startswith("-"):
        return revision
    current: str | None = start
    for _ in range(int(revision[1:])):
        if current in (None, "base"):
            raise MigrationError(f"cannot go {revision} from {start}")
        found = script.get_revision(current)
        if found is None:
            raise MigrationError(f"unknown revision {current}")
        down = found.down_revision
        current = down if isinstance(down, str) or down is None else down[0]
    return current or "base"
