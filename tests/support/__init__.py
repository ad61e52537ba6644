"""Test helpers that stand in for a hostile network or a restartable server.

- :mod:`tests.support.proxy`: a loopback TCP proxy that can cut the link right after it
  forwards a COMMIT, and a silent server that accepts TCP and never answers.
- :mod:`tests.support.pgcluster`: a throwaway PostgreSQL cluster (port 5434) that fault
  tests may restart without touching the shared server on 5432.
"""
