"""MigrationManager: Alembic for one database, without an ``alembic.ini``, from async code.

Every command runs on a connection of the database's own engine, handed to ``env.py`` through
``config.attributes["connection"]`` inside ``AsyncConnection.run_sync`` (Alembic's
connection-sharing recipe), so it works inside a running event loop and on in-memory SQLite.

Example::

    async with MigrationManager("sqlite+aiosqlite:///./app.db") as migrations:
        await migrations.upgrade()            # to head
        report = await migrations.check()     # no drift, nothing pending
        assert report.valid
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import uuid
import weakref
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError

from specify_db.core.classify import translate
from specify_db.core.errors import MigrationError, SpecifyDBError
from specify_db.engine.manager import DatabaseManager
from specify_db.migrations import revisions
from specify_db.migrations.backup import (
    BackupResult,
    Progress,
    backup_database,
    restore_database,
)
from specify_db.migrations.environment import (
    context_options,
    own_table_names,
    target_metadata,
)
from specify_db.migrations.report import RevisionInfo, SchemaReport, describe_diffs
from specify_db.migrations.scripts import default_script_location, template_files

__all__ = ["MigrationManager"]

logger = logging.getLogger("specify_db.migrations")

T = TypeVar("T")

# Alembic's ``context`` is one module-level proxy: two commands interleaving on one event loop
# (each awaiting I/O inside run_sync) would overwrite each other's context. One at a time.
_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _alembic_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _LOCKS.get(loop)
    if lock is None:
        lock = _LOCKS[loop] = asyncio.Lock()
    return lock


class MigrationManager:
    """Runs Alembic commands against one database.

    Args:
        db_or_url: a :class:`DatabaseManager` (used as is, never disposed here) or a URL
            (``None``: ``SPECIFY_DB_URL``, else ``./specify.db``); a URL gets a manager of
            its own, closed by :meth:`close` or ``async with``.
        script_location: folder with ``env.py``, ``script.py.mako`` and ``versions/``
            (default: specify-db's own scripts).
        metadata: what autogenerate and :meth:`check` compare with (default: every
            specify-db table, ``specify_db.models.metadata``).
        version_table: the table holding the applied revision.
    """

    def __init__(
        self,
        db_or_url: DatabaseManager | str | URL | None = None,
        *,
        script_location: str | Path | None = None,
        metadata: MetaData | None = None,
        version_table: str = "alembic_version",
    ) -> None:
        if isinstance(db_or_url, DatabaseManager):
            self.db, self._owns_db = db_or_url, False
        else:
            self.db, self._owns_db = DatabaseManager(db_or_url), True
        self.script_location = (
            Path(script_location) if script_location is not None else default_script_location()
        )
        self._metadata = metadata
        self.version_table = version_table

    @property
    def metadata(self) -> MetaData:
        """The metadata migrations are compared with."""
        if self._metadata is None:
            self._metadata = target_metadata()
        return self._metadata

    def __repr__(self) -> str:
        return (
            f"MigrationManager({self.db.safe_url!r}, script_location={str(self.script_location)!r})"
        )

    # -- configuration ------------------------------------------------------------------

    def config(self, *, output: io.StringIO | None = None) -> Config:
        """An in-memory Alembic ``Config`` for this database (no ``alembic.ini`` involved).

        The URL keeps its real password (Alembic needs it to connect); ``%`` is doubled for
        the config parser.
        """
        # quiet: Alembic's "Generating ..." lines would land on the caller's stdout.
        cfg = Config(output_buffer=output, stdout=io.StringIO(), cmd_opts=Namespace(quiet=True))
        cfg.set_main_option("script_location", str(self.script_location))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        url = self.db.url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        cfg.attributes["target_metadata"] = self.metadata
        cfg.attributes["version_table"] = self.version_table
        return cfg

    def script(self) -> ScriptDirectory:
        """Alembic's view of the revision files."""
        try:
            return ScriptDirectory.from_config(self.config())
        except CommandError as exc:
            raise MigrationError(
                f"cannot read migrations in {self.script_location}: {exc}"
            ) from exc

    # -- running commands -----------------------------------------------------------------

    async def _on_connection(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(sync_connection)`` in one transaction, errors as MigrationError."""
        async with _alembic_lock():
            try:
                async with self.db.engine.begin() as conn:
                    return await conn.run_sync(fn)
            except SpecifyDBError:
                raise
            except CommandError as exc:
                raise MigrationError(str(exc)) from exc
            except SQLAlchemyError as exc:
                translated = translate(exc)
                if translated.__cause__ is None:
                    translated.__cause__ = exc  # keep the driver error in the chain
                message = f"migration failed on {self.db.safe_url}: {translated}"
                raise MigrationError(message) from translated
            except (ConnectionError, TimeoutError) as exc:
                # Drivers raise these unwrapped when the server cannot be reached at all.
                raise MigrationError(f"cannot connect to {self.db.safe_url}: {exc}") from exc
            except OSError as exc:
                raise MigrationError(f"migration failed: {exc}") from exc

    async def _command(
        self,
        fn: Callable[..., T],
        *args: Any,
        before: Callable[[Connection], None] | None = None,
        **kwargs: Any,
    ) -> T:
        """Run an Alembic ``command.*`` on a connection handed to ``env.py``."""
        cfg = self.config()

        def run(connection: Connection) -> T:
            if before is not None:
                before(connection)
            cfg.attributes["connection"] = connection
            return fn(cfg, *args, **kwargs)

        return await self._on_connection(run)

    def _offline(self, fn: Callable[..., Any], *args: Any) -> str:
        """Run an Alembic command in offline mode and return the SQL it would run."""
        output = io.StringIO()
        try:
            fn(self.config(output=output), *args, sql=True)
        except CommandError as exc:
            raise MigrationError(str(exc)) from exc
        return output.getvalue()

    # -- the commands ---------------------------------------------------------------------

    async def upgrade(self, revision: str = "head", *, sql: bool = False) -> str | None:
        """Apply migrations up to ``revision``; with ``sql=True`` return the SQL instead."""
        if sql:
            return self._offline(command.upgrade, revision)
        await self._command(command.upgrade, revision, before=self._refuse_unversioned_tables)
        logger.info("upgraded %s to %s", self.db.safe_url, revision)
        return None

    async def downgrade(self, revision: str = "-1", *, sql: bool = False) -> str | None:
        """Revert migrations down to ``revision`` (default: one step; ``"base"``: all).

        With ``sql=True`` the SQL is returned instead; a relative or bare target is resolved
        from the database's current revision first.
        """
        if sql:
            if ":" not in revision:
                start = await self.current() or "base"
                target = revisions.resolve_relative(self.script(), start, revision)
                revision = f"{start}:{target}"
            return self._offline(command.downgrade, revision)
        await self._command(command.downgrade, revision)
        logger.info("downgraded %s to %s", self.db.safe_url, revision)
        return None

    async def stamp(self, revision: str = "head") -> None:
        """Record ``revision`` as applied without running it (for a schema made otherwise)."""
        await self._command(command.stamp, revision)

    async def current(self) -> str | None:
        """The applied revision, or ``None`` for a database without migrations."""
        heads = await self.current_heads()
        return heads[0] if heads else None

    async def current_heads(self) -> tuple[str, ...]:
        """Every applied head (more than one only with branched histories)."""
        version_table = self.version_table

        def read(connection: Connection) -> tuple[str, ...]:
            context = MigrationContext.configure(connection, opts={"version_table": version_table})
            return tuple(context.get_current_heads())

        return await self._on_connection(read)

    def heads(self) -> tuple[str, ...]:
        """The newest revision(s) of the scripts."""
        return tuple(self.script().get_heads())

    async def history(self, *, verbose: bool = False) -> list[RevisionInfo]:
        """Every revision, newest first, each marked as applied or not."""
        script = self.script()
        applied = revisions.applied_revisions(script, await self.current_heads())
        return revisions.history(script, applied, verbose=verbose)

    async def check(self) -> SchemaReport:
        """Compare the database with the metadata (Alembic's own comparison) and the scripts.

        ``valid`` is true when autogenerate would emit nothing and the database is at head.
        ``alembic_version`` is Alembic's bookkeeping, never reported as extra.
        """
        options = context_options(self.metadata, self.version_table)
        options.pop("target_metadata")
        metadata = self.metadata
        version_table = self.version_table

        def compare(connection: Connection) -> tuple[list[Any], tuple[str, ...]]:
            from alembic.autogenerate import compare_metadata

            context = MigrationContext.configure(connection, opts=options)
            diffs = compare_metadata(context, metadata)
            heads = MigrationContext.configure(
                connection, opts={"version_table": version_table}
            ).get_current_heads()
            return list(diffs), tuple(heads)

        diffs, current = await self._on_connection(compare)
        return describe_diffs(diffs, current=current, heads=self.heads())

    async def create_migration(
        self, message: str, *, autogenerate: bool = True, rev_id: str | None = None
    ) -> str:
        """Write a new revision file and return its id.

        With ``autogenerate`` (the default) its operations are what it takes to bring the
        database (which must be at head) to the metadata. Ids are sequential (``0002``,
        ``0003``...) while every existing id is a number.
        """
        revision_id = rev_id or revisions.next_rev_id(self.script())
        if not autogenerate:
            return revisions.revision_id(
                self._wrap(command.revision, self.config(), message=message, rev_id=revision_id)
            )
        result = await self._command(
            command.revision, message=message, autogenerate=True, rev_id=revision_id
        )
        return revisions.revision_id(result)

    async def create_data_migration(self, message: str) -> str:
        """An empty revision for data changes (``op.execute`` / ``op.get_bind()``)."""
        return await self.create_migration(message, autogenerate=False)

    def init(self, directory: str | Path) -> Path:
        """Create a migrations folder for an application's own revisions and use it.

        The folder gets specify-db's ``env.py`` (async, connection-sharing) and
        ``script.py.mako`` plus an empty ``versions/``. It is built next to the target and
        renamed into place, so a failure leaves nothing half-built.

        Raises:
            MigrationError: the folder exists and is not empty.
        """
        target = Path(directory)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise MigrationError(f"{target} already exists and is not empty")
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
        try:
            (staging / "versions").mkdir(parents=True)
            for name, text in template_files().items():
                (staging / name).write_text(text, encoding="utf-8")
            if target.exists():
                target.rmdir()
            staging.rename(target)
        except OSError as exc:
            raise MigrationError(f"cannot create {target}: {exc}") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.script_location = target
        return target

    # -- backups --------------------------------------------------------------------------

    async def backup(self, path: str | Path, *, progress: Progress | None = None) -> BackupResult:
        """Back up the whole database to ``path`` (see :func:`backup_database`)."""
        return await backup_database(self.db, path, progress=progress)

    async def restore(
        self, path: str | Path, *, overwrite: bool = False, progress: Progress | None = None
    ) -> BackupResult:
        """Restore the database from ``path`` (see :func:`restore_database`)."""
        return await restore_database(self.db, path, overwrite=overwrite, progress=progress)

    def _refuse_unversioned_tables(self, connection: Connection) -> None:
        """Explain, instead of failing on CREATE TABLE, a schema made without migrations."""
        opts = {"version_table": self.version_table}
        if MigrationContext.configure(connection, opts=opts).get_current_heads():
            return
        ours = own_table_names() if self.metadata is target_metadata() else self.metadata.tables
        found = sorted(set(inspect(connection).get_table_names()) & set(ours))
        if found:
            shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
            raise MigrationError(
                f"{self.db.safe_url} already has tables ({shown}) but no "
                "migration history (made by create_all?). If they match the models "
                "(check() lists differences), record them with stamp('head') instead."
            )

    # -- helpers --------------------------------------------------------------------------

    def _wrap(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except CommandError as exc:
            raise MigrationError(str(exc)) from exc
        except OSError as exc:
            raise MigrationError(f"cannot write the revision: {exc}") from exc

    # -- lifecycle ------------------------------------------------------------------------

    async def close(self) -> None:
        """Dispose the database manager if this object created it."""
        if self._owns_db:
            await self.db.dispose()

    async def __aenter__(self) -> MigrationManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
