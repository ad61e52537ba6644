"""The three enumerations stored in the tables: execution status, audit action, metric type.

Input is lenient, storage is strict: a member, its value (``"success"``) or its name
(``"SUCCESS"``), in any letter case, all give the member; only the lower-case value is ever
stored. Rows exported from the earlier version hold upper-case names and map back through the
same lookup.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AuditAction", "ExecutionStatus", "LenientStrEnum", "MetricType"]


class LenientStrEnum(StrEnum):
    """A string enum whose lookup accepts values and names case-insensitively.

    ``ExecutionStatus("SUCCESS")``, ``ExecutionStatus("Success")`` and
    ``ExecutionStatus("success")`` are all ``ExecutionStatus.SUCCESS``; pydantic validation and
    the column type both go through this lookup.
    """

    @classmethod
    def _missing_(cls, value: object) -> LenientStrEnum | None:
        if not isinstance(value, str):
            return None
        folded = value.casefold()
        for member in cls:
            if folded in (member.value.casefold(), member.name.casefold()):
                return member
        return None


class ExecutionStatus(LenientStrEnum):
    """Lifecycle of a command run; the last four are terminal."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"

    @property
    def is_terminal(self) -> bool:
        """True once the run has ended (success, failed, cancelled or timeout)."""
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES: frozenset[ExecutionStatus] = frozenset(
    {
        ExecutionStatus.SUCCESS,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.TIMEOUT,
    }
)


class AuditAction(LenientStrEnum):
    """What an audited actor did."""

    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    EXECUTE = "execute"
    LOGIN = "login"
    LOGOUT = "logout"
    CONFIG_CHANGE = "config_change"


class MetricType(LenientStrEnum):
    """Kind of a recorded performance metric."""

    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    SUMMARY = "summary"
    TIMER = "timer"
