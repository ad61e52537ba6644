"""DatabaseManager: one database's engine, pool, units of work, retry, health and stats.

Example:
    >>> import asyncio
    >>> from sqlalchemy import text
    >>> from specify_db import DatabaseManager
    >>> async def main() -> int:
    ...     async with DatabaseManager("sqlite+aiosqlite://") as db:
    ...         async with db.session() as session:
    ...             return (await session.exec(text("SELECT 41 + 1"))).scalar_one()
    >>> asyncio.run(main())
    42
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

import anyio
from sqlalchemy import MetaData, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from specify_db.core import errors, schema
from specify_db.core.classify import Reason, classify, is_database_failure, translate
from specify_db.core.settings import Settings, get_settings
from specify_db.core.urls import dialect_family, install_hint, normalize_url, safe_url
from specify_db.engine.dialects import PoolOptions, engine_setup
from specify_db.engine.health import HealthReport
from specify_db.engine.retry import RetryConfig, run_with_retry
from specify_db.engine.stats import PoolStats, StatsCollector, pool_status
from specify_db.engine.tracing import instrument_engine, tracing_available

logger = logging.getLogger("specify_db")

P = ParamSpec("P")
T = TypeVar("T")

# Failures during COMMIT after which nobody knows whether the transaction landed.
_AMBIGUOUS_AT_COMMIT = {Reason.CONNECTION, Reason.SERVER_SHUTDOWN}


class DatabaseManager:
    """Owns the engine and pool of one database and hands out units of work.

    Args:
        url: database URL; ``None`` reads ``SPECIFY_DB_URL``, else ``./specify.db``. A URL
            without a driver gets the async one (``postgresql://`` -> asyncpg,
            ``mysql://`` -> asyncmy, ``sqlite://`` -> aiosqlite).
        echo: log every statement.
        pool_size, max_overflow, pool_timeout, pool_recycle, pool_pre_ping: pool settings
            for server databases (a SQLite file uses size and timeout; in-memory SQLite
            always holds exactly one connection). Pre-ping tests only connections that sat
            idle for ``settings.pool_pre_ping_idle`` seconds (default 1).
        retry: how :meth:`run` replays units of work (``retry_config`` is the earlier name).
        connect_args: extra arguments for the driver's ``connect()``.
        replicas: read-replica URLs. Routing reads to replicas is not available yet, so a
            non-empty list is refused rather than silently ignored.
        pgbouncer: the URL points at pgbouncer in transaction mode; disables asyncpg's
            prepared-statement caches, which such a pooler cannot keep.
        tracing: emit OpenTelemetry spans per statement; ``None`` (default) turns them on
            when ``opentelemetry-api`` is installed.
        settings: defaults for everything not given here (default: the environment).
        **engine_kwargs: passed to ``create_async_engine`` last, overriding the above.
    """

    def __init__(
        self,
        url: str | URL | None = None,
        *,
        echo: bool | None = None,
        pool_size: int | None = None,
        max_overflow: int | None = None,
        pool_timeout: float | None = None,
        pool_recycle: int | None = None,
        pool_pre_ping: bool | None = None,
        retry: RetryConfig | None = None,
        retry_config: RetryConfig | None = None,
        connect_args: dict[str, Any] | None = None,
        replicas: list[str] | None = None,
        pgbouncer: bool = False,
        tracing: bool | None = None,
        settings: Settings | None = None,
        **engine_kwargs: Any,
    ) -> None:
        self.settings = settings or get_settings()
        if replicas:
            raise errors.ConfigurationError(
                "read replicas are not supported yet; route reads with a second "
                "DatabaseManager until replica routing lands"
            )
        self.url = normalize_url(url if url is not None else self.settings.database_url())
        self.retry = retry or retry_config or RetryConfig.from_settings(self.settings)
        options = PoolOptions(
            pool_size=pool_size if pool_size is not None else self.settings.pool_size,
            max_overflow=max_overflow if max_overflow is not None else self.settings.max_overflow,
            pool_timeout=pool_timeout if pool_timeout is not None else self.settings.pool_timeout,
            pool_recycle=pool_recycle if pool_recycle is not None else self.settings.pool_recycle,
            pool_pre_ping=(
                pool_pre_ping if pool_pre_ping is not None else self.settings.pool_pre_ping
            ),
            pool_pre_ping_idle=self.settings.pool_pre_ping_idle,
            connect_timeout=self.settings.connect_timeout,
            sqlite_busy_timeout_ms=self.settings.sqlite_busy_timeout_ms,
            pgbouncer=pgbouncer,
        )
        setup = engine_setup(self.url, options)
        self.url = setup.url
        kwargs: dict[str, Any] = {
            "echo": self.settings.echo if echo is None else echo,
            **setup.kwargs,
            "connect_args": {**setup.connect_args, **(connect_args or {})},
            **engine_kwargs,
        }
        try:
            self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        except ImportError as exc:
            raise errors.MissingDependency(
                f"the driver for {self.url.drivername} is not installed: {install_hint(self.url)}"
            ) from exc
        self._stats = StatsCollector()
        self._stats.attach(self.engine.sync_engine)
        setup.install(self.engine.sync_engine, on_ping=self._stats.count_ping)
        if tracing or (tracing is None and tracing_available()):
            instrument_engine(self.engine)
        self.session_factory: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        logger.debug("database manager for %s", self.safe_url)

    # -- identity ------------------------------------------------------------------------

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden: the only form that is ever logged or shown."""
        return safe_url(self.url)

    @property
    def dialect_name(self) -> str:
        """``"sqlite"``, ``"postgresql"`` or ``"mysql"`` (MariaDB included)."""
        return dialect_family(self.engine.dialect.name)

    def __repr__(self) -> str:
        return f"DatabaseManager({self.safe_url!r})"

    __str__ = __repr__

    # -- units of work -------------------------------------------------------------------

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any error, always close.

        Not retried: wrap the work in a function and use :meth:`run` for that. Database
        failures leave as :mod:`specify_db.errors` types with the driver error as
        ``__cause__``; a connection lost during COMMIT is
        :class:`~specify_db.errors.CommitOutcomeUnknown`.

        Example::

            async with db.session() as session:
                session.add(row)
        """
        async with self.session_factory() as session:
            try:
                yield session
            except BaseException as exc:
                with anyio.CancelScope(shield=True):
                    await _quiet_rollback(session)
                if is_database_failure(exc):
                    raise self._failure(exc) from exc
                raise
            try:
                await session.commit()
            except Exception as exc:
                with anyio.CancelScope(shield=True):
                    await _quiet_rollback(session)
                if not is_database_failure(exc):
                    raise
                found = classify(exc)
                if found.transient and found.reason in _AMBIGUOUS_AT_COMMIT:
                    raise errors.CommitOutcomeUnknown(
                        f"connection failed during COMMIT; the transaction may have landed: "
                        f"{exc.__class__.__name__}",
                        code=found.code,
                        backend=found.backend,
                    ) from exc
                raise self._failure(exc) from exc

    async def run(
        self,
        fn: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``await fn(session, *args, **kwargs)`` as one unit of work, replayed on failure.

        Each attempt gets a fresh session and transaction and runs ``fn`` from the start;
        a transient failure (lost connection, serialization failure, deadlock, lock
        timeout, SQLite busy, pool timeout) replays it as :attr:`retry` says. Integrity,
        data and programming errors are raised at once.

        Example::

            async def transfer(session, project_id, new_owner):
                project = await session.get(Project, project_id)
                project.owner_id = new_owner

            await db.run(transfer, 7, 42)

        Raises:
            RetryExhausted: every attempt failed transiently (last error as ``__cause__``).
        """
        name = getattr(fn, "__qualname__", None) or type(fn).__name__

        async def attempt() -> T:
            async with self.session() as session:
                return await fn(session, *args, **kwargs)

        started = time.perf_counter()
        try:
            return await run_with_retry(attempt, self.retry, name=name)
        finally:
            self._stats.record(f"unit:{name}", time.perf_counter() - started)

    def _failure(self, exc: BaseException) -> errors.SpecifyDBError:
        translated = translate(exc)
        if isinstance(translated, errors.PoolTimeout):
            self._stats.count_checkout_timeout()
        return translated

    # -- schema --------------------------------------------------------------------------

    async def create_all(self, metadata: MetaData | None = None) -> None:
        """Create the missing tables of ``metadata`` (default: specify-db's own tables).

        For an application's own SQLModel tables pass ``SQLModel.metadata`` (or
        ``YourModel.metadata``). Production schemas come from migrations instead.
        """
        async with self.engine.begin() as conn:
            await conn.run_sync((metadata or schema.metadata).create_all)

    async def drop_all(self, metadata: MetaData | None = None) -> None:
        """Drop every table of ``metadata`` (default: specify-db's own). Destroys data."""
        logger.warning("dropping all tables on %s", self.safe_url)
        async with self.engine.begin() as conn:
            await conn.run_sync((metadata or schema.metadata).drop_all)

    # -- health and statistics ------------------------------------------------------------

    async def health_check(self, timeout: float | None = None) -> HealthReport:
        """Connect, run ``SELECT 1`` and report; never raises.

        Args:
            timeout: seconds allowed for the whole check, connect included (default:
                ``settings.connect_timeout``). A host that accepts TCP but never answers
                is reported unhealthy when it runs out.
        """
        limit = timeout if timeout is not None else self.settings.connect_timeout
        started = time.perf_counter()
        version: str | None = None
        error: str | None = None
        try:
            with anyio.fail_after(limit):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                    info = conn.dialect.server_version_info
                    version = ".".join(str(part) for part in info) if info else None
        except TimeoutError:
            error = f"no answer within {limit:g}s from {self.safe_url}"
        except Exception as exc:
            error = f"{translate(exc)}".replace("\n", " ")
        return HealthReport(
            healthy=error is None,
            latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
            url=self.safe_url,
            dialect=self.dialect_name,
            server_version=version,
            pool=pool_status(self.engine.pool),
            error=error,
        )

    def pool_stats(self) -> PoolStats:
        """Pool event counters, current sizes and per-operation latency percentiles."""
        return self._stats.snapshot(self.engine.pool)

    # -- lifecycle -----------------------------------------------------------------------

    async def dispose(self) -> None:
        """Close every pooled connection. The manager can still be used afterwards."""
        await self.engine.dispose()

    async def __aenter__(self) -> DatabaseManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.dispose()


async def _quiet_rollback(session: AsyncSession) -> None:
    # The rollback follows a failure; when the connection itself is gone it fails too, and
    # that second error must not hide the first. Closing the session invalidates it.
    try:
        await session.rollback()
    except Exception:
        logger.debug("rollback after failure also failed", exc_info=True)
