"""Whole-unit retry: replay a unit of work from the start on a transient failure.

Only whole units are replayed (a new session, the function run again, everything re-read),
never single statements: after MariaDB's lock-wait timeout (1205) the transaction is still
open with earlier writes in it, so replaying one statement would mix two attempts.

Example:
    >>> from specify_db.engine.retry import RetryConfig
    >>> RetryConfig(max_attempts=5, initial_delay=0.05).max_attempts
    5
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_random_exponential,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from specify_db.core import errors
from specify_db.core.settings import Settings

logger = logging.getLogger("specify_db.retry")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """How :meth:`DatabaseManager.run` replays a unit of work.

    Attributes:
        max_attempts: total runs of the unit, the first included (1 = no retry).
        initial_delay: seconds before the first replay.
        max_delay: cap on any single wait.
        exponential_base: growth factor of the wait between replays.
        jitter: draw each wait at random up to the exponential bound ("full jitter"), so
            clients that failed together do not retry together.
        max_total_time: give up once this many seconds have passed since the first attempt.
        replay_unknown_commits: when the connection breaks during COMMIT the transaction may
            have landed. Replay anyway (the default: specify-db creates carry a client-made
            UUID, so a replayed create finds its row) or raise
            :class:`~specify_db.errors.CommitOutcomeUnknown`.
    """

    max_attempts: int = 3
    initial_delay: float = 0.1
    max_delay: float = 5.0
    exponential_base: float = 2.0
    jitter: bool = True
    max_total_time: float | None = None
    replay_unknown_commits: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise errors.ConfigurationError("RetryConfig.max_attempts must be at least 1")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise errors.ConfigurationError("RetryConfig delays cannot be negative")
        if self.exponential_base < 1:
            raise errors.ConfigurationError("RetryConfig.exponential_base must be >= 1")
        if self.max_total_time is not None and self.max_total_time <= 0:
            raise errors.ConfigurationError("RetryConfig.max_total_time must be positive")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryConfig:
        """The retry policy described by ``SPECIFY_DB_RETRY_*`` settings."""
        return cls(
            max_attempts=settings.retry_max_attempts,
            initial_delay=settings.retry_initial_delay,
            max_delay=settings.retry_max_delay,
            exponential_base=settings.retry_exponential_base,
            jitter=settings.retry_jitter,
            max_total_time=settings.retry_max_total_time,
        )

    def is_retryable(self, exc: BaseException) -> bool:
        """True when a unit that raised ``exc`` (already translated) may be replayed."""
        if isinstance(exc, errors.CommitOutcomeUnknown):
            return self.replay_unknown_commits
        return isinstance(exc, errors.TransientDatabaseError)

    def _wait(self) -> wait_base:
        if self.jitter:
            return wait_random_exponential(
                multiplier=self.initial_delay, max=self.max_delay, exp_base=self.exponential_base
            )
        return wait_exponential(
            multiplier=self.initial_delay, max=self.max_delay, exp_base=self.exponential_base
        )

    def _stop(self) -> stop_base:
        stop: stop_base = stop_after_attempt(self.max_attempts)
        if self.max_total_time is not None:
            stop = stop | stop_after_delay(self.max_total_time)
        return stop


async def run_with_retry(
    attempt: Callable[[], Awaitable[T]], config: RetryConfig, *, name: str = "unit"
) -> T:
    """Await ``attempt()`` until it succeeds, replaying it on retryable failures.

    ``attempt`` must run a complete unit of work (open a session, do everything, commit)
    and raise failures already translated into :mod:`specify_db.errors`.

    Raises:
        RetryExhausted: every allowed attempt failed transiently; the last failure is
            ``__cause__``.
        SpecifyDBError: a non-retryable failure, raised at once.
    """

    def log_retry(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "retrying %s after attempt %d of %d failed (%s); next attempt in %.3fs",
            name,
            state.attempt_number,
            config.max_attempts,
            failure,
            delay,
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception(config.is_retryable),
        stop=config._stop(),
        wait=config._wait(),
        before_sleep=log_retry,
        reraise=True,
    )
    attempts = 0
    try:
        async for attempt_state in retrying:
            with attempt_state:
                attempts = attempt_state.retry_state.attempt_number
                return await attempt()
    except Exception as exc:
        if config.is_retryable(exc):
            raise errors.RetryExhausted(
                f"{name} failed {attempts} time(s); last error: {exc}", attempts=attempts
            ) from exc
        raise
    raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover
