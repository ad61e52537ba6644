"""Configuration read from the environment (prefix ``SPECIFY_DB_``) or passed explicitly.

Example:
    >>> from specify_db.core.settings import Settings
    >>> Settings(url="sqlite+aiosqlite:///./app.db", pool_size=10).pool_size
    10
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("specify.db")


class Settings(BaseSettings):
    """Every knob of specify-db, read from ``SPECIFY_DB_*`` environment variables.

    Attributes:
        url: Database URL. Unset means the embedded SQLite file ``./specify.db``.
        echo: Log every SQL statement (SQLAlchemy ``echo``).
        pool_size / max_overflow / pool_timeout / pool_recycle / pool_pre_ping: pool settings
            for server databases.
        pool_pre_ping_idle: with pre-ping on, only connections idle at least this many
            seconds are pinged at checkout (0 pings every reused connection).
        sqlite_busy_timeout_ms: how long a SQLite writer waits for the lock before "database
            is locked" is raised (and then retried as a transient error).
        connect_timeout: seconds a health check or first connect may take before it gives up.
        retry_*: defaults for :class:`specify_db.RetryConfig`.
        fernet_keys: comma-separated Fernet keys, newest first; the first encrypts, all decrypt.
        cursor_secret: key that signs keyset-pagination cursors. Unset means a per-process key.
        max_page_size: the largest page a query helper will serve.
    """

    model_config = SettingsConfigDict(env_prefix="SPECIFY_DB_", extra="ignore")

    url: str | None = None
    echo: bool = False
    pool_size: int = Field(default=5, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout: float = Field(default=30.0, gt=0)
    pool_recycle: int = 3600
    pool_pre_ping: bool = True
    pool_pre_ping_idle: float = Field(default=1.0, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    connect_timeout: float = Field(default=5.0, gt=0)

    retry_max_attempts: int = Field(default=3, ge=1)
    retry_initial_delay: float = Field(default=0.1, ge=0)
    retry_max_delay: float = Field(default=5.0, ge=0)
    retry_exponential_base: float = Field(default=2.0, ge=1)
    retry_jitter: bool = True
    retry_max_total_time: float | None = Field(default=None, gt=0)

    fernet_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    cursor_secret: SecretStr | None = None
    max_page_size: int = Field(default=100, ge=1)

    @field_validator("fernet_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        # The environment carries one string; a list passed in code is kept as is.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def database_url(self) -> str:
        """The configured URL, or the embedded SQLite default ``./specify.db``."""
        return self.url or f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment.

    Call ``get_settings.cache_clear()`` after changing ``SPECIFY_DB_*`` variables.
    """
    return Settings()
