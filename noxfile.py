"""Contributor sessions: tests on every backend, lint, types, benchmarks.

nox -s tests            # every backend whose server answers (CI requires all three)
nox -s tests-postgres   # one backend, required
nox -s lint typecheck
nox -s bench            # writes docs/benchmarks.md
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".[all]")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


def _pytest(session: nox.Session, *args: str, require: str | None = None) -> None:
    env = {}
    if require is not None:
        env["SPECIFY_DB_TEST_REQUIRE"] = require
    session.run("pytest", *args, *session.posargs, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite on SQLite and every server that answers.

    Set SPECIFY_DB_TEST_REQUIRE=all (as .ci/run does) to fail instead of skipping a backend.
    """
    _install(session, "test")
    _pytest(session)


@nox.session(name="tests-sqlite")
def tests_sqlite(session: nox.Session) -> None:
    """Tests that need no server: SQLite and pure unit tests."""
    _install(session, "test")
    _pytest(session, "-m", "not postgres and not mysql", require="sqlite")


@nox.session(name="tests-postgres")
def tests_postgres(session: nox.Session) -> None:
    """PostgreSQL tests only (fails if the server does not answer)."""
    _install(session, "test")
    _pytest(session, "-m", "postgres", require="postgres")


@nox.session(name="tests-mysql")
def tests_mysql(session: nox.Session) -> None:
    """MariaDB/MySQL tests only (fails if the server does not answer)."""
    _install(session, "test")
    _pytest(session, "-m", "mysql", require="mysql")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    _install(session, "typecheck")
    session.run("mypy", "specify_db")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks against raw SQLAlchemy Core and the raw drivers; writes docs/benchmarks.md."""
    _install(session, "bench")
    parts = []
    for module in ("benchmarks.repositories", "benchmarks.queries"):
        if (ROOT / (module.replace(".", "/") + ".py")).exists():
            session.run("python", "-m", module, *session.posargs)
            parts.append(module.rsplit(".", 1)[1])
    out_dir = ROOT / "docs" / "benchmarks"
    sections = [
        (out_dir / f"{name}.md").read_text() for name in parts if (out_dir / f"{name}.md").exists()
    ]
    header = (
        "# Benchmarks\n\nWritten by `nox -s bench`; each figure is measured in the same run as the "
        "raw SQLAlchemy Core and raw driver baselines it is compared with.\n\n"
    )
    (ROOT / "docs" / "benchmarks.md").write_text(header + "\n".join(sections))
    session.log(f"wrote docs/benchmarks.md ({', '.join(parts) or 'no benchmark modules'})")
    if os.environ.get("CI"):
        session.log("(benchmarks are not part of CI)")
