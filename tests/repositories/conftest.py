"""Fixtures of the repository tests.

Importing :mod:`tests.repositories.widgets` registers the test-only ``test_repo_widgets``
table before the ``db`` fixture creates the schema.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from specify_db.core.settings import get_settings
from tests.repositories import widgets  # noqa: F401 - registers test_repo_widgets


@pytest.fixture(autouse=True)
def fernet_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """One fresh Fernet key in SPECIFY_DB_FERNET_KEYS for every test (newest first)."""
    keys = [Fernet.generate_key().decode()]
    monkeypatch.setenv("SPECIFY_DB_FERNET_KEYS", ",".join(keys))
    get_settings.cache_clear()
    yield keys
    get_settings.cache_clear()
