"""RetryConfig and the retry loop, without a database: failures are raised by the unit."""

import logging

import pytest

from specify_db.core import errors
from specify_db.engine.retry import RetryConfig, run_with_retry


def quick(**kwargs):
    return RetryConfig(initial_delay=0.001, max_delay=0.002, **kwargs)


async def test_transient_failures_are_replayed_until_success(caplog):
    calls = []

    async def unit():
        calls.append(1)
        if len(calls) < 3:
            raise errors.SerializationFailure("injected 40001", code="40001", backend="postgresql")
        return "done"

    with caplog.at_level(logging.WARNING, logger="specify_db.retry"):
        assert await run_with_retry(unit, quick(max_attempts=3), name="unit") == "done"
    assert len(calls) == 3
    retries = [r for r in caplog.records if r.name == "specify_db.retry"]
    assert len(retries) == 2
    assert "serialization" in retries[0].getMessage() or "40001" in retries[0].getMessage()


async def test_exhaustion_raises_retry_exhausted_with_the_last_error():
    async def unit():
        raise errors.DeadlockDetected("injected deadlock", code="40P01")

    with pytest.raises(errors.RetryExhausted) as caught:
        await run_with_retry(unit, quick(max_attempts=4))
    assert caught.value.attempts == 4
    assert isinstance(caught.value.__cause__, errors.DeadlockDetected)


async def test_non_transient_errors_are_raised_at_once():
    calls = []

    async def unit():
        calls.append(1)
        raise errors.AlreadyExists("duplicate", code="23505")

    with pytest.raises(errors.AlreadyExists):
        await run_with_retry(unit, quick(max_attempts=5))
    assert len(calls) == 1


async def test_non_database_errors_pass_through_untouched():
    async def unit():
        raise KeyError("app bug")

    with pytest.raises(KeyError):
        await run_with_retry(unit, quick(max_attempts=5))


async def test_unknown_commit_outcome_is_replayed_only_when_allowed():
    async def unit():
        raise errors.CommitOutcomeUnknown("link cut during COMMIT")

    with pytest.raises(errors.CommitOutcomeUnknown):
        await run_with_retry(unit, quick(max_attempts=3, replay_unknown_commits=False))
    with pytest.raises(errors.RetryExhausted):
        await run_with_retry(unit, quick(max_attempts=3, replay_unknown_commits=True))


async def test_max_total_time_bounds_the_retries():
    calls = []

    async def unit():
        calls.append(1)
        raise errors.LockTimeout("busy")

    config = RetryConfig(
        max_attempts=10_000, initial_delay=0.01, max_delay=0.01, jitter=False, max_total_time=0.05
    )
    with pytest.raises(errors.RetryExhausted):
        await run_with_retry(unit, config)
    assert 1 < len(calls) < 10_000


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"initial_delay": -1}, {"exponential_base": 0.5}, {"max_total_time": 0}],
)
def test_invalid_configs_are_refused(kwargs):
    with pytest.raises(errors.ConfigurationError):
        RetryConfig(**kwargs)
