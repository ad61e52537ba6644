"""Fixtures of the repository tests: the test-only widget table is registered on import."""

from tests.repositories import widgets  # noqa: F401 - registers test_repo_widgets
