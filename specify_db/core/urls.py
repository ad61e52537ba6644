"""Database URLs: async driver selection and password-free rendering.

Example:
    >>> from specify_db.core.urls import normalize_url, safe_url
    >>> normalize_url("postgresql://app:secret@db/specify").drivername
    'postgresql+asyncpg'
    >>> safe_url("postgresql://app:secret@db/specify")
    'postgresql+asyncpg://app:***@db/specify'
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from specify_db.core.errors import ConfigurationError

# The async driver used when a URL names only the database ("postgresql://...").
DEFAULT_DRIVERS = {
    "sqlite": "aiosqlite",
    "postgresql": "asyncpg",
    "postgres": "asyncpg",
    "mysql": "asyncmy",
    "mariadb": "asyncmy",
}
ASYNC_DRIVERS = {
    "sqlite": {"aiosqlite"},
    "postgresql": {"asyncpg", "psycopg", "psycopg_async"},
    "mysql": {"asyncmy", "aiomysql"},
    "mariadb": {"asyncmy", "aiomysql"},
}
_EXTRA_FOR_DRIVER = {"asyncpg": "postgres", "asyncmy": "mysql", "aiomysql": "mysql"}


def normalize_url(url: str | URL) -> URL:
    """Parse ``url`` and make sure it names an async driver.

    A URL without a driver gets the default async one; a synchronous driver
    (``psycopg2``, ``pymysql``) is a :class:`ConfigurationError`, since every call in this
    library is awaited.
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError as exc:
        raise ConfigurationError(f"not a database URL: {exc}") from None
    # Read the names from the string: asking SQLAlchemy would load the dialect, and the
    # common alias "postgres" has none.
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend not in ASYNC_DRIVERS:
        supported = ", ".join(sorted(ASYNC_DRIVERS))
        raise ConfigurationError(f"unsupported database {backend!r}; use one of {supported}")
    driver = driver or DEFAULT_DRIVERS[backend]
    if driver not in ASYNC_DRIVERS[backend]:
        raise ConfigurationError(
            f"{backend}+{driver} is not an async driver; use one of "
            + ", ".join(f"{backend}+{name}" for name in sorted(ASYNC_DRIVERS[backend]))
        )
    return parsed.set(drivername=f"{backend}+{driver}")


def safe_url(url: str | URL) -> str:
    """Render ``url`` with the password replaced by ``***``, for logs, reprs and errors."""
    parsed = normalize_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    """True for in-memory SQLite (``sqlite+aiosqlite://``, ``:memory:``, ``mode=memory``)."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


def dialect_family(dialect_name: str) -> str:
    """``"sqlite"``, ``"postgresql"`` or ``"mysql"``: MariaDB's dialect counts as MySQL's.

    Example:
        >>> dialect_family("mariadb")
        'mysql'
    """
    return "mysql" if dialect_name == "mariadb" else dialect_name


def install_hint(url: URL) -> str:
    """The ``pip install`` that brings the driver of ``url``."""
    extra = _EXTRA_FOR_DRIVER.get(url.get_driver_name())
    if extra is None:
        return f"pip install {url.get_driver_name()}"
    return f'pip install "specify-db[{extra}]"'
