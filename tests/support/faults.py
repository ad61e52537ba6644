"""Helpers of the fault tests: attempt counters and the retry log.

Example::

    attempts = Attempts()

    async def unit(session):
        if attempts.start() == 1:
            ...  # break something on the first attempt only
"""

from __future__ import annotations

import pytest

RETRY_LOGGER = "specify_db.retry"
"""The logger on which DatabaseManager.run logs each retry at WARNING."""


class Attempts:
    """Counts how many times each unit of work started."""

    def __init__(self) -> None:
        self.by_unit: dict[str, int] = {}

    def start(self, unit: str = "unit") -> int:
        """Note one more start of ``unit``; return its attempt number (1 = first)."""
        self.by_unit[unit] = self.by_unit.get(unit, 0) + 1
        return self.by_unit[unit]

    @property
    def total(self) -> int:
        """Starts of every unit together."""
        return sum(self.by_unit.values())


def retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The retry messages captured so far (one per replay)."""
    return [r.getMessage() for r in caplog.records if r.name == RETRY_LOGGER]


def report(scenario: str, backend: str, attempts: Attempts, **more: object) -> None:
    """Print one ``retries:`` line (shown with ``pytest -s``) for the scenario."""
    extra = "".join(f" {key}={value}" for key, value in more.items())
    print(f"\nretries: {scenario} [{backend}] attempts={attempts.by_unit}{extra}")
