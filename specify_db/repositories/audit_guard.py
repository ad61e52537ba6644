"""The PostgreSQL trigger that makes ``audit_logs`` append-only, in one importable place.

:data:`AUDIT_APPEND_ONLY_DDL` creates a trigger function and a ``BEFORE UPDATE OR DELETE``
row trigger that raise ``audit_logs is append-only``. The one update it lets through is the
database's own ``ON DELETE SET NULL`` of ``user_id`` when a user is deleted (every other column
unchanged), so deleting a user keeps their audit trail. ``TRUNCATE`` is not a row operation and
stays possible for an administrator.

:func:`install_audit_guard` attaches the DDL to the table's ``after_create`` event, so
``metadata.create_all()`` on PostgreSQL creates it; the initial Alembic revision runs the same
strings (``op.execute(stmt) for stmt in AUDIT_APPEND_ONLY_DDL``) and drops them with
:data:`AUDIT_APPEND_ONLY_DROP_DDL`. Other backends get no trigger; there the repository simply
has no update or delete method.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import DDL, Table, event

__all__ = ["AUDIT_APPEND_ONLY_DDL", "AUDIT_APPEND_ONLY_DROP_DDL", "install_audit_guard"]

AUDIT_APPEND_ONLY_DDL: Final[tuple[str, ...]] = (
    """
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
       AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id') THEN
        RETURN NEW;  -- ON DELETE SET NULL of the user: the record itself is unchanged
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
""".strip(),
    """
CREATE TRIGGER audit_logs_append_only
BEFORE UPDATE OR DELETE ON audit_logs
FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()
""".strip(),
)
"""Statements that install the guard (PostgreSQL), in order."""

AUDIT_APPEND_ONLY_DROP_DDL: Final[tuple[str, ...]] = (
    "DROP TRIGGER IF EXISTS audit_logs_append_only ON audit_logs",
    "DROP FUNCTION IF EXISTS audit_logs_append_only()",
)
"""Statements that remove the guard (PostgreSQL), in order."""


def install_audit_guard(table: Table) -> None:
    """Create the guard whenever ``table`` (``audit_logs``) is created on PostgreSQL.

    Idempotent: calling it twice attaches the DDL once.
    """
    if table.info.get("append_only_guard"):
        return
    for statement in AUDIT_APPEND_ONLY_DDL:
        # DDL() formats its text with %(table)s-style keys: escape the plpgsql "%".
        ddl = DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]
        event.listen(table, "after_create", ddl.execute_if(dialect="postgresql"))
    table.info["append_only_guard"] = True
