"""Fixtures of the engine tests: private tables on the shared ``db``, and the restartable cluster.

- ``tables_db``: the run's ``db`` with the tables of :mod:`tests.support.tables` created
  (per module and backend, dropped after the module) and emptied after each test.
- ``faults_cluster``: the throwaway PostgreSQL cluster of :mod:`tests.support.pgcluster`
  (created when missing, started when down, left running: another run may be using it),
  and ``faults_cluster_url``: this run's own database on it.
- ``retry_log``: ``caplog`` capturing the WARNING lines ``run()`` logs for each retry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from specify_db import DatabaseManager
from tests.support import faults, pgcluster, tables


@pytest.fixture(scope="module")
async def _engine_tables(db: DatabaseManager) -> AsyncIterator[DatabaseManager]:
    async with db.engine.begin() as conn:
        await conn.run_sync(tables.metadata.create_all)
    yield db
    async with db.engine.begin() as conn:
        await conn.run_sync(tables.metadata.drop_all)


@pytest.fixture
async def tables_db(_engine_tables: DatabaseManager) -> AsyncIterator[DatabaseManager]:
    try:
        yield _engine_tables
    finally:
        await tables.delete_rows(_engine_tables)


@pytest.fixture
def retry_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.WARNING, logger=faults.RETRY_LOGGER):
        yield caplog


@pytest.fixture(scope="session")
def faults_cluster() -> pgcluster.Cluster:
    cluster, _started = pgcluster.ensure_cluster()
    return cluster


@pytest.fixture(scope="session")
def faults_cluster_url(faults_cluster: pgcluster.Cluster) -> Iterator[str]:
    name = f"specify_faults_{os.getpid()}"
    url = pgcluster.create_database(faults_cluster, name)
    yield url
    pgcluster.drop_database(faults_cluster, name)
