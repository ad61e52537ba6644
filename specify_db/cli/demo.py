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
from specify_db.engine import DatabaseManager
from specify_db.migrations import MigrationManager
from specify_db.models import User

__all__ = ["demo"]


async def _has_sample(db: DatabaseManager) -> bool:
    async with db.session() as session:
        stmt = select(func.count()).select_from(User).where(col(User.username) == DEMO_USERS[0][0])
        return bool((await session.exec(stmt)).one())


async def _prepare(migrations: MigrationManager, reset: bool) -> bool:
    """Migrate (after wiping, with ``reset``); True when the sample must be inserted."""
    if reset and await migrations.current() is not None:
        err.print("Resetting: downgrading to base")
        await migrations.downgrade("base")
    await migrations.upgrade("head")
    return not await _has_sample(migrations.db)


async def _fill(db: DatabaseManager, size: SampleSize) -> None:
    columns = (
        TextColumn("{task.description:<36}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("sample data", total=size.total_steps)

        def advance(description: str, rows: int) -> None:
            progress.update(task, advance=rows, description=description)

        await populate(db, size, advance)
        progress.update(task, completed=size.total_steps, description="sample data")


async def _demo(url: str, reset: bool, size: SampleSize, query: str) -> None:
    async with DatabaseManager(url) as db:
        if await _prepare(MigrationManager(db), reset):
            await _fill(db, size)
        else:
            err.print("Sample already present (use --reset to start over).")
        show = await gather(db, search_query=query)
        report = await db.health_check()
    for item in render(show):
        out.print(item)
    print_health(report)


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
    run(_demo, target, reset, SampleSize(commands=commands), search)
    err.print(
        f"Done in {time.perf_counter() - started:.1f}s. Next: specify-db stats, specify-db --help"
    )
