"""Pool counters and per-operation latency percentiles, gathered from engine events.

Works without OpenTelemetry: the counters come from pool events, the latencies from
``before_cursor_execute`` / ``after_cursor_execute`` and from whole units of work.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_SAMPLES_PER_OPERATION = 2048
_START_KEY = "specify_db_started"


class PoolStatus(BaseModel):
    """The pool right now: configured size and connections in and out of it."""

    model_config = ConfigDict(frozen=True)

    size: int
    checked_in: int
    checked_out: int
    overflow: int


class LatencySummary(BaseModel):
    """Latency of one operation over its most recent samples, in milliseconds."""

    model_config = ConfigDict(frozen=True)

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


class PoolStats(BaseModel):
    """Pool event counters since the manager was created, plus the current pool status.

    ``operations`` maps ``"SELECT"`` / ``"INSERT"`` / ... (single statements) and
    ``"unit:<name>"`` (whole units run through :meth:`DatabaseManager.run`) to latencies.
    """

    model_config = ConfigDict(frozen=True)

    connects: int
    checkouts: int
    checkins: int
    invalidations: int
    checkout_timeouts: int
    pings: int
    pool: PoolStatus
    operations: dict[str, LatencySummary]


def pool_status(pool: Pool) -> PoolStatus:
    """Read sizes from any pool class; pools without a queue report what they can."""

    def read(name: str) -> int:
        method = getattr(pool, name, None)
        value = method() if callable(method) else 0
        return int(value) if isinstance(value, int) else 0

    return PoolStatus(
        size=read("size"),
        checked_in=read("checkedin"),
        checked_out=read("checkedout"),
        overflow=max(read("overflow"), 0),
    )


def _percentile(ordered: list[float], fraction: float) -> float:
    # Nearest-rank on the sorted sample: no interpolation, so the value was really seen.
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


class StatsCollector:
    """Counts pool events and keeps a bounded window of latencies per operation.

    Pool events fire on the event loop thread and aiosqlite worker threads alike, so
    updates take a lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connects = 0
        self.checkouts = 0
        self.checkins = 0
        self.invalidations = 0
        self.checkout_timeouts = 0
        self.pings = 0
        self._latencies: dict[str, deque[float]] = {}

    def attach(self, engine: Engine) -> None:
        """Listen to the pool and cursor events of ``engine`` (the ``sync_engine``)."""
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "checkout", self._on_checkout)
        event.listen(engine, "checkin", self._on_checkin)
        event.listen(engine, "invalidate", self._on_invalidate)
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "after_cursor_execute", self._after_execute)
        event.listen(engine, "handle_error", self._on_error)

    def record(self, operation: str, seconds: float) -> None:
        """Add one latency sample for ``operation``."""
        with self._lock:
            samples = self._latencies.get(operation)
            if samples is None:
                samples = self._latencies[operation] = deque(maxlen=_SAMPLES_PER_OPERATION)
            samples.append(seconds * 1000.0)

    def count_checkout_timeout(self) -> None:
        """Note a pool checkout that timed out (the pool has no event for it)."""
        with self._lock:
            self.checkout_timeouts += 1

    def count_ping(self) -> None:
        """Note a liveness ping of an idle pooled connection."""
        with self._lock:
            self.pings += 1

    def snapshot(self, pool: Pool) -> PoolStats:
        """The counters and latency percentiles as of now."""
        with self._lock:
            operations = {}
            for name, samples in self._latencies.items():
                ordered = sorted(samples)
                if not ordered:
                    continue
                operations[name] = LatencySummary(
                    count=len(ordered),
                    p50_ms=_percentile(ordered, 0.50),
                    p95_ms=_percentile(ordered, 0.95),
                    p99_ms=_percentile(ordered, 0.99),
                    max_ms=ordered[-1],
                )
            return PoolStats(
                connects=self.connects,
                checkouts=self.checkouts,
                checkins=self.checkins,
                invalidations=self.invalidations,
                checkout_timeouts=self.checkout_timeouts,
                pings=self.pings,
                pool=pool_status(pool),
                operations=operations,
            )

    def _on_connect(self, *_: Any) -> None:
        with self._lock:
            self.connects += 1

    def _on_checkout(self, *_: Any) -> None:
        with self._lock:
            self.checkouts += 1

    def _on_checkin(self, *_: Any) -> None:
        with self._lock:
            self.checkins += 1

    def _on_invalidate(self, *_: Any) -> None:
        with self._lock:
            self.invalidations += 1

    def _before_execute(self, conn: Any, *_: Any) -> None:
        conn.info.setdefault(_START_KEY, []).append(time.perf_counter())

    def _on_error(self, context: Any) -> None:
        # A failed statement never reaches after_cursor_execute: drop its start time, or the
        # connection's stack would grow with every error it ever saw.
        connection = context.connection
        started = connection.info.get(_START_KEY) if connection is not None else None
        if started:
            started.pop()

    def _after_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        started = conn.info.get(_START_KEY)
        if not started:
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.record(verb, time.perf_counter() - started.pop())
