"""Backend parameter sets for tests that concern only some backends.

Pass one to ``pytest.mark.parametrize("backend", ..., indirect=True, scope="session")``: the
test then runs on the shared ``backend`` / ``backend_url`` / ``db`` fixtures of those backends
only, each case carrying its backend's marker (so ``-m postgres`` selects it), and nothing
is skipped for the backends left out; their equivalent behaviour is covered by other tests.
"""

from __future__ import annotations

import pytest

POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres, id="postgres")
MYSQL = pytest.param("mysql", marks=pytest.mark.mysql, id="mysql")
SQLITE = pytest.param("sqlite", marks=pytest.mark.sqlite, id="sqlite")

SERVERS = [POSTGRES, MYSQL]
"""The two client/server backends: kills, proxies and deadlocks need a server."""


def only(*backends: object) -> pytest.MarkDecorator:
    """Run the decorated test on the shared fixtures of ``backends`` only."""
    return pytest.mark.parametrize("backend", list(backends), indirect=True, scope="session")
