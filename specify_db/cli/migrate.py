"""Schema commands: init, upgrade, downgrade, current, history, check, stamp, revision."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table
from sqlalchemy import MetaData

from specify_db.cli.common import (
    DebugOption,
    ExitCode,
    JsonOption,
    UrlOption,
    YesOption,
    cli_command,
    confirm,
    dump_json,
    err,
    out,
    resolve_url,
    run,
    shown_url,
)
from specify_db.migrations import MigrationManager, RevisionInfo, SchemaReport
from specify_db.migrations.scripts import default_script_location, is_packaged

__all__ = ["check", "current", "downgrade", "history", "init", "revision", "stamp", "upgrade"]

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--migrations-dir",
        help="Folder of an application's own migrations (default: specify-db's).",
        file_okay=False,
    ),
]
MetadataOption = Annotated[
    str | None,
    typer.Option(
        "--metadata",
        help="The application's MetaData as module:attribute (default: specify-db's tables).",
    ),
]
VersionTableOption = Annotated[
    str,
    typer.Option("--version-table", help="Table holding the applied revision."),
]
SqlOption = Annotated[
    bool, typer.Option("--sql", help="Print the SQL instead of running it (offline mode).")
]


def load_metadata(spec: str) -> MetaData:
    """Import ``module:attribute`` (from the current folder too) as a ``MetaData``.

    The attribute may also be a declarative base or SQLModel class: its ``.metadata`` is used.
    """
    module_name, _, attribute = spec.partition(":")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        found: Any = getattr(importlib.import_module(module_name), attribute or "metadata")
    except (ImportError, AttributeError) as exc:
        raise typer.BadParameter(f"cannot import {spec!r}: {exc}", param_hint="--metadata") from exc
    found = found if isinstance(found, MetaData) else getattr(found, "metadata", None)
    if not isinstance(found, MetaData):
        raise typer.BadParameter(f"{spec!r} is not a MetaData", param_hint="--metadata")
    return found


def _manager(
    url: str | None,
    migrations_dir: Path | None = None,
    metadata: str | None = None,
    version_table: str = "alembic_version",
) -> MigrationManager:
    return MigrationManager(
        resolve_url(url),
        script_location=migrations_dir,
        metadata=load_metadata(metadata) if metadata else None,
        version_table=version_table,
    )


@cli_command
def init(
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Create the database if needed and migrate it to the newest revision.

    With --migrations-dir naming a folder that does not exist yet, it is created first (an
    application's own migrations: env.py, script.py.mako, versions/).
    """

    async def work() -> str | None:
        async with _manager(url, None, metadata, version_table) as manager:
            if migrations_dir is not None:
                if not migrations_dir.exists() or not any(migrations_dir.iterdir()):
                    manager.init(migrations_dir)
                    err.print(f"Created {migrations_dir}")
                manager.script_location = migrations_dir
            await manager.upgrade("head")
            return await manager.current()

    revision = run(work)
    err.print(f"Database ready: {shown_url(resolve_url(url))} at revision {revision or '(none)'}")


@cli_command
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    sql: SqlOption = False,
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Apply migrations up to REVISION (default: head)."""
    _move("upgrade", revision, sql, url, migrations_dir, metadata, version_table)


@cli_command
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target: -1, a revision id, or base.")] = "-1",
    sql: SqlOption = False,
    yes: YesOption = False,
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Revert migrations down to REVISION (default: one step). Can destroy data."""
    if not sql:
        confirm(f"Downgrade {shown_url(resolve_url(url))} to {revision}?", yes=yes)
    _move("downgrade", revision, sql, url, migrations_dir, metadata, version_table)


def _move(
    direction: Literal["upgrade", "downgrade"],
    revision: str,
    sql: bool,
    url: str | None,
    migrations_dir: Path | None,
    metadata: str | None,
    version_table: str,
) -> None:
    """Run an upgrade or downgrade; with ``sql`` print its script instead of applying it."""

    async def work() -> tuple[str | None, str | None]:
        async with _manager(url, migrations_dir, metadata, version_table) as manager:
            step = manager.upgrade if direction == "upgrade" else manager.downgrade
            script = await step(revision, sql=sql)
            return script, None if sql else await manager.current()

    script, now = run(work)
    if sql:
        out.out(script or "", end="", highlight=False)
        return
    done = "Upgraded" if direction == "upgrade" else "Downgraded"
    err.print(f"{done} {shown_url(resolve_url(url))} to {now or 'base'}")


@cli_command
def current(
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Print the applied revision (nothing when the database has none)."""

    async def work() -> tuple[str | None, tuple[str, ...]]:
        async with _manager(url, migrations_dir, metadata, version_table) as manager:
            return await manager.current(), manager.heads()

    revision, heads = run(work)
    if revision is None:
        err.print("No revision applied (run `specify-db init`).")
        return
    out.print(f"{revision}{' (head)' if revision in heads else ''}", highlight=False)


@cli_command
def history(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show file paths.")] = False,
    as_json: JsonOption = False,
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """List every revision, newest first, marking those applied."""

    async def work() -> list[RevisionInfo]:
        async with _manager(url, migrations_dir, metadata, version_table) as manager:
            return await manager.history(verbose=verbose)

    entries = run(work)
    if as_json:
        dump_json(entries)
        return
    table = Table("revision", "down", "applied", "message", title="Migrations")
    if verbose:
        table.add_column("file")
    for entry in entries:
        down = entry["down_revision"]
        row = [
            entry["revision"] + (" (head)" if entry["is_head"] else ""),
            ", ".join(down) if isinstance(down, tuple) else (down or "-"),
            "yes" if entry["applied"] else "no",
            entry["message"],
        ]
        if verbose:
            row.append(str(entry.get("module_path") or ""))
        table.add_row(*row)
    out.print(table)


def _print_report(report: SchemaReport) -> None:
    state = "[green]in sync[/]" if report.valid else "[red]needs attention[/]"
    err.print(f"Schema {state}")
    out.print(f"current: {', '.join(report.current) or '(none)'}", highlight=False)
    out.print(f"head:    {', '.join(report.heads)}", highlight=False)
    out.print(f"pending: {'yes' if report.pending else 'no'}", highlight=False)
    out.print(f"drift:   {len(report.diffs)} difference(s)", highlight=False)
    for line in report.diffs:
        out.print(f"  - {line}", highlight=False)


@cli_command
def check(
    as_json: JsonOption = False,
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Exit 0 when the database is at head with no drift; 4 otherwise."""

    async def work() -> SchemaReport:
        async with _manager(url, migrations_dir, metadata, version_table) as manager:
            return await manager.check()

    report = run(work)
    if as_json:
        dump_json(report.model_dump())
    else:
        _print_report(report)
    if not report.valid:
        raise typer.Exit(ExitCode.MIGRATIONS_PENDING)


@cli_command
def stamp(
    revision: Annotated[str, typer.Argument(help="Revision to record as applied.")] = "head",
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Record REVISION as applied without running any migration."""

    async def work() -> None:
        async with _manager(url, migrations_dir, metadata, version_table) as manager:
            await manager.stamp(revision)

    run(work)
    err.print(f"Stamped {shown_url(resolve_url(url))} at {revision}")


@cli_command
def revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision does.")],
    autogenerate: Annotated[
        bool,
        typer.Option(
            "--autogenerate/--empty",
            help="Compare the models with the database (at head) or write an empty revision.",
        ),
    ] = True,
    url: UrlOption = None,
    migrations_dir: DirOption = None,
    metadata: MetadataOption = None,
    version_table: VersionTableOption = "alembic_version",
    debug: DebugOption = False,
) -> None:
    """Write a new revision file and print its id."""
    if migrations_dir is None and is_packaged(default_script_location()):
        err.print(
            "[red]error:[/] the installed specify-db migrations are part of the package; "
            "write revisions in a source checkout, or pass --migrations-dir for your own"
        )
        raise typer.Exit(ExitCode.USAGE)

    async def work() -> tuple[str, Path]:
        async with _manager(url, migrations_dir, metadata, version_table) as manager:
            rev = await manager.create_migration(message, autogenerate=autogenerate)
            script = manager.script().get_revision(rev)
            return rev, Path(script.path)

    rev, path = run(work)
    out.print(rev, highlight=False)
    err.print(f"Wrote {path}")
