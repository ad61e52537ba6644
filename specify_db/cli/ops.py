"""Operations commands: health, stats, backup, restore, purge, schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

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
from specify_db.engine import DatabaseManager, HealthReport, PoolStats
from specify_db.migrations.backup import BackupResult, backup_database, restore_database
from specify_db.models import CacheEntry, SessionToken, json_schemas, metadata
from specify_db.repositories.cache import CacheRepository
from specify_db.repositories.sessions import SessionTokenRepository

__all__ = ["backup", "health", "purge", "restore", "schema", "stats"]


@cli_command
def health(as_json: JsonOption = False, url: UrlOption = None, debug: DebugOption = False) -> None:
    """Connect, run SELECT 1 and report; exit 3 when the database does not answer."""

    async def work() -> HealthReport:
        async with DatabaseManager(resolve_url(url)) as db:
            return await db.health_check()

    report = run(work)
    if as_json:
        dump_json(report.model_dump())
    else:
        print_health(report)
    if not report.healthy:
        raise typer.Exit(ExitCode.CANNOT_CONNECT)


def print_health(report: HealthReport) -> None:
    """The health report as a two-column table on stdout."""
    table = Table("check", "value", title="Health", show_header=False)
    table.add_row("healthy", "[green]yes[/]" if report.healthy else "[red]no[/]")
    table.add_row("database", report.url)
    table.add_row("dialect", report.dialect)
    table.add_row("server version", report.server_version or "-")
    table.add_row("latency", f"{report.latency_ms:.1f} ms")
    pool = report.pool
    table.add_row("pool", f"size {pool.size}, in {pool.checked_in}, out {pool.checked_out}")
    if report.error:
        table.add_row("error", report.error)
    out.print(table)


@cli_command
def stats(as_json: JsonOption = False, url: UrlOption = None, debug: DebugOption = False) -> None:
    """Count the rows of every table, then show pool counters and latency percentiles."""

    async def work() -> tuple[dict[str, int], PoolStats]:
        async with DatabaseManager(resolve_url(url)) as db:
            counts: dict[str, int] = {}
            async with db.session() as session:
                for table in metadata.sorted_tables:
                    stmt = select(func.count()).select_from(table)
                    counts[table.name] = (await session.exec(stmt)).one()
            return counts, db.pool_stats()

    counts, pool = run(work)
    if as_json:
        dump_json({"rows": counts, "pool": pool.model_dump()})
        return
    rows = Table("table", "rows", title="Rows")
    for name, count in counts.items():
        rows.add_row(name, f"{count:,}")
    out.print(rows)
    counters = Table("connects", "checkouts", "checkins", "invalidations", "timeouts", title="Pool")
    counters.add_row(
        *(
            str(v)
            for v in (
                pool.connects,
                pool.checkouts,
                pool.checkins,
                pool.invalidations,
                pool.checkout_timeouts,
            )
        )
    )
    out.print(counters)
    latency = Table("operation", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", title="Latency")
    for name, summary in sorted(pool.operations.items()):
        latency.add_row(
            name,
            str(summary.count),
            *(f"{v:.2f}" for v in (summary.p50_ms, summary.p95_ms, summary.p99_ms, summary.max_ms)),
        )
    out.print(latency)


@contextmanager
def _progress(description: str) -> Iterator[tuple[Progress, TaskID]]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        yield progress, progress.add_task(description, total=None)


@cli_command
def backup(
    path: Annotated[Path, typer.Argument(help="Backup file to write.", dir_okay=False)],
    url: UrlOption = None,
    debug: DebugOption = False,
) -> None:
    """Write a consistent backup of the whole database to PATH."""
    target = resolve_url(url)
    with _progress("Backing up") as (progress, task):

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        result = run(backup_database, target, path, progress=advance)
    _print_result("Backed up", target, result)


@cli_command
def restore(
    path: Annotated[Path, typer.Argument(help="Backup file to load.", exists=True, dir_okay=False)],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace what a non-empty database holds.")
    ] = False,
    yes: YesOption = False,
    url: UrlOption = None,
    debug: DebugOption = False,
) -> None:
    """Load the backup at PATH; a non-empty database is refused without --overwrite."""
    target = resolve_url(url)
    if overwrite:
        confirm(f"Replace the content of {shown_url(target)} with {path}?", yes=yes)
    with _progress("Restoring") as (progress, task):

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        result = run(restore_database, target, path, overwrite=overwrite, progress=advance)
    _print_result("Restored", target, result)


def _print_result(verb: str, url: str, result: BackupResult) -> None:
    err.print(
        f"{verb} {shown_url(url)} {'to' if verb == 'Backed up' else 'from'} {result.path} "
        f"({result.size_bytes:,} bytes, {result.tool})"
    )


async def _count_expired(session: AsyncSession) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label, model in (("cache_entries", CacheEntry), ("session_tokens", SessionToken)):
        # The same SQL condition the repositories' cleanup_expired() deletes by.
        stmt = select(func.count()).select_from(model).where(model.is_expired)
        counts[label] = (await session.exec(stmt)).one()
    return counts


@cli_command
def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only, delete nothing.")] = False,
    as_json: JsonOption = False,
    url: UrlOption = None,
    debug: DebugOption = False,
) -> None:
    """Delete expired cache entries and session tokens; print how many went."""

    async def work() -> dict[str, int]:
        async with DatabaseManager(resolve_url(url)) as db:
            if dry_run:
                return await db.run(_count_expired)
            # Each repository call is its own retried unit of work.
            return {
                "cache_entries": await CacheRepository(db).cleanup_expired(),
                "session_tokens": await SessionTokenRepository(db).cleanup_expired(),
            }

    counts = run(work)
    if as_json:
        dump_json({"dry_run": dry_run, "purged": counts})
        return
    verb = "would delete" if dry_run else "deleted"
    for label, count in counts.items():
        out.print(f"{label}: {count} {verb}", highlight=False)


@cli_command
def schema(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write <Dto>.json files into.", file_okay=False)
    ],
    debug: DebugOption = False,
) -> None:
    """Write the JSON Schema of every DTO (UserCreate, UserRead, ...) to DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    schemas = json_schemas()
    for name, document in sorted(schemas.items()):
        path = directory / f"{name}.json"
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        out.print(str(path), highlight=False)
    err.print(f"Wrote {len(schemas)} schemas to {directory}")
