"""Test helpers that stand in for a hostile network or a restartable server.

- :mod:`tests.support.proxy`: a loopback TCP proxy that can cut the link right after it
  forwards a COMMIT, and a silent server that accepts TCP and never answers.
- :mod:`tests.support.faults`: attempt counters and the retry log of fault tests.
- :mod:`tests.support.tables`: small tables kept off ``SQLModel.metadata``.
- :mod:`tests.support.params`: backend subsets for tests that concern only some backends.
- :mod:`tests.support.pgcluster`: a throwaway PostgreSQL cluster (port 5434) that fault
  tests may restart without touching the shared server on 5432.
"""
