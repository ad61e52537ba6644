"""Alembic environment of specify-db (async).

Three ways in:

- a caller (``MigrationManager``) hands in a live connection as
  ``config.attributes["connection"]`` and runs the command inside ``AsyncConnection.run_sync``;
  this works inside a running event loop;
- offline (``--sql``): the SQL is rendered for ``sqlalchemy.url``'s dialect, nothing connects;
- otherwise (plain ``alembic`` use) a NullPool async engine on ``sqlalchemy.url``, else
  ``SPECIFY_DB_URL``, else ``./specify.db``.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from specify_db.core.settings import get_settings
from specify_db.core.urls import normalize_url
from specify_db.migrations.environment import context_options, target_metadata

config = context.config
handed_metadata = config.attributes.get("target_metadata")
metadata = handed_metadata if handed_metadata is not None else target_metadata()
options = context_options(metadata, config.attributes.get("version_table") or "alembic_version")


def database_url() -> str:
    configured = config.get_main_option("sqlalchemy.url")
    url = normalize_url(configured or get_settings().database_url())
    return url.render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_async_engine(database_url(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (handed_in := config.attributes.get("connection")) is not None:
    do_run_migrations(handed_in)
else:
    asyncio.run(run_async_migrations())
