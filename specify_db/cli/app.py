"""The ``specify-db`` Typer application: every command registered in one place."""

from __future__ import annotations

import typer

from specify_db.cli import demo, migrate, ops

__all__ = ["app"]

app = typer.Typer(
    name="specify-db",
    help=(
        "Migrate, inspect, back up and demo a specify-db database. The URL comes from --url, "
        "else SPECIFY_DB_URL, else ./specify.db."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

for command, panel in (
    (migrate.init, "Schema"),
    (migrate.upgrade, "Schema"),
    (migrate.downgrade, "Schema"),
    (migrate.current, "Schema"),
    (migrate.history, "Schema"),
    (migrate.check, "Schema"),
    (migrate.stamp, "Schema"),
    (migrate.revision, "Schema"),
    (ops.health, "Operations"),
    (ops.stats, "Operations"),
    (ops.backup, "Operations"),
    (ops.restore, "Operations"),
    (ops.purge, "Operations"),
    (ops.schema, "Operations"),
    (demo.demo, "Try it"),
):
    app.command(rich_help_panel=panel)(command)
