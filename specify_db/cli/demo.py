"""``specify-db demo``: create, migrate and fill a database, then show what it can answer."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func
from sqlmodel import col, select

from specify_db.cli.common import (
    DebugOption,
    UrlOption,
    cli_command,
    err,
    out,
    resolve_url,
    run,
    shown_url,
)
from specify_db.cli.ops import print_health
from specify_db.cli.sample import DEMO_USERS, SampleSize, populate
from specify_db.cli.showcase import gather, render
from specify_db.engine import DatabaseManager, HealthReport
from specify_db.migrations import MigrationManager
from specify_db.models import User

__all__ = ["demo"]


async def _has_sample(db: DatabaseManager) -> bool:
    async with db.session() as session:
        stmt = select(func.count()).select_from(User).where(col(User.username) == DEMO_USERS[0][0])
        return bool((await session.exec(stmt)).one())


async def _prepare(url: str, reset: bool) -> bool:
    """Migrate (after wiping, with ``reset``); True when the sample must be inserted."""
    async with MigrationManager(url) as migrations:
        if reset and await migrations.current() is not None:
            err.print("Resetting: downgrading to base")
            await migrations.downgrade("base")
        await migrations.upgrade("head")
        return not await _has_sample(migrations.db)


async def _fill(url: str, size: SampleSize, progress: Progress) -> None:
    task = progress.add_task("sample data", total=size.total_steps)

    def advance(description: str, rows: int) -> None:
        progress.update(task, advance=rows, description=description)

    async with DatabaseManager(url) as db:
        await populate(db, size, advance)
    progress.update(task, completed=size.total_steps, description="sample data")


async def _report(url: str, query: str) -> tuple[list[object], HealthReport]:
    async with DatabaseManager(url) as db:
        show = await gather(db, search_query=query)
        return render(show), await db.health_check()


@cli_command
def demo(
    reset: Annotated[bool, typer.Option("--reset", help="Drop everything and start over.")] = False,
    commands: Annotated[
        int, typer.Option("--commands", min=100, max=200_000, help="Commands to generate.")
    ] = 3_000,
    search: Annotated[str, typer.Option("--search", help="Text to search projects for.")] = (
        "specifications"
    ),
    url: UrlOption = None,
    debug: DebugOption = False,
) -> None:
    """Create ./specify.db (or --url), migrate it, fill it with a week of sample data, show it."""
    target = resolve_url(url)
    started = time.perf_counter()
    err.print(f"Database: {shown_url(target)}")
    needs_sample = run(_prepare, target, reset)
    if needs_sample:
        size = SampleSize(commands=commands)
        columns = (
            TextColumn("{task.description:<36}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=False) as progress:
            run(_fill, target, size, progress)
    else:
        err.print("Sample already present (use --reset to start over).")
    renderables, report = run(_report, target, search)
    for item in renderables:
        out.print(item)
    print_health(report)
    err.print(
        f"Done in {time.perf_counter() - started:.1f}s. Next: specify-db stats, specify-db --help"
    )
