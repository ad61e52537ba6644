"""A throwaway PostgreSQL cluster that fault tests may restart (Debian's postgresql-common).

The shared server on 5432 must never be restarted (other test runs use it), so restart
tests get a cluster of their own, ``faults`` on port 5434 (``SPECIFY_DB_TEST_FAULTS_PG_PORT``
overrides). :func:`ensure_cluster` is idempotent: it creates the cluster when missing, gives
it a passwordless-trust ``pg_hba.conf`` (``pg_createcluster`` writes Debian's default,
which asks TCP clients for a password), starts it when down and waits until it accepts
connections. Creating and starting clusters needs root, as in CI; the server binaries are
run as ``postgres`` by ``pg_ctlcluster`` itself.

Each test run works in a database of its own (:func:`create_database`), so runs in
parallel never share tables; they may restart the cluster under each other, which retrying
units ride out. The cluster is left running after a run for the same reason.

Example::

    cluster, _started = ensure_cluster()
    url = create_database(cluster, "specify_faults_123")
    subprocess.run(cluster.restart_command(), check=True)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NAME = "faults"
PORT = int(os.environ.get("SPECIFY_DB_TEST_FAULTS_PG_PORT", "5434"))

# Loopback only, no password: the same rules as the test server on 5432.
PG_HBA = """\
# written by tests/support/pgcluster.py: a throwaway cluster for fault tests
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
"""


class ClusterUnavailable(RuntimeError):
    """The throwaway cluster cannot be created or started on this machine."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """One postgresql-common cluster: ``<version>/<name>`` listening on ``port``."""

    version: str
    name: str
    port: int

    def url(self, database: str = "postgres") -> str:
        """An asyncpg URL for ``database`` on this cluster."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def ctl(self, action: str, *options: str) -> list[str]:
        """The ``pg_ctlcluster`` command line for ``action`` (start, stop, restart, ...)."""
        # --skip-systemctl-redirect: act on the server directly, with or without systemd.
        return [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            self.version,
            self.name,
            action,
            *options,
        ]

    def restart_command(self) -> list[str]:
        """Restart in fast mode: sessions are terminated, a checkpoint is written."""
        return self.ctl("restart", "-m", "fast")


@dataclass(frozen=True, slots=True)
class _Listed:
    version: str
    name: str
    port: int
    online: bool


def _run(command: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    # postgresql-common refuses to work under a locale that is named but not installed
    # (CI's environment is not ours to choose); C.UTF-8 always exists on Debian.
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    env.pop("LANGUAGE", None)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env
    )
    if check and result.returncode != 0:
        raise ClusterUnavailable(
            f"{' '.join(command)} exited {result.returncode}: "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result


def _listed() -> list[_Listed]:
    rows = []
    for line in _run(["pg_lsclusters", "--no-header"]).stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            version, name, port, status = fields[:4]
            rows.append(_Listed(version, name, int(port), status.startswith("online")))
    return rows


def _newest_version(rows: list[_Listed]) -> str:
    installed = [p.name for p in Path("/usr/lib/postgresql").glob("*") if (p / "bin").is_dir()]
    versions = installed or [row.version for row in rows]
    if not versions:
        raise ClusterUnavailable("no PostgreSQL server is installed (apt-get install postgresql)")
    return max(versions, key=lambda v: [int(part) for part in v.split(".")])


def _write_pg_hba(cluster: Cluster) -> bool:
    path = Path("/etc/postgresql") / cluster.version / cluster.name / "pg_hba.conf"
    if path.exists() and path.read_text() == PG_HBA:
        return False
    path.write_text(PG_HBA)
    shutil.chown(path, "postgres", "postgres")
    path.chmod(0o640)
    return True


def wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    """Block until the cluster accepts TCP connections on 127.0.0.1."""
    deadline = time.monotonic() + timeout
    command = ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(cluster.port), "-t", "1"]
    while _run(command, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise ClusterUnavailable(f"cluster {cluster.name} not ready after {timeout:g}s")
        time.sleep(0.1)


def ensure_cluster(name: str = NAME, port: int = PORT) -> tuple[Cluster, bool]:
    """Create (if missing) and start (if down) the throwaway cluster.

    Returns:
        The cluster and whether this call started it (the caller then stops it).

    Raises:
        ClusterUnavailable: not root, postgresql-common missing, or the server fails.
    """
    if shutil.which("pg_createcluster") is None or shutil.which("pg_ctlcluster") is None:
        raise ClusterUnavailable("postgresql-common is not installed (apt-get install postgresql)")
    if os.geteuid() != 0:
        raise ClusterUnavailable(
            f"creating the '{name}' test cluster needs root (sudo pg_createcluster ...)"
        )
    rows = _listed()
    found = next((row for row in rows if row.name == name), None)
    if found is None:
        cluster = Cluster(_newest_version(rows), name, port)
        # manual start: the cluster never comes up by itself at boot.
        _run(
            [
                "pg_createcluster",
                "--start-conf=manual",
                "--locale=C.UTF-8",
                cluster.version,
                name,
                "-p",
                str(port),
            ]
        )
        online = False
    else:
        cluster = Cluster(found.version, name, found.port)
        online = found.online
    hba_changed = _write_pg_hba(cluster)
    if online and hba_changed:
        _run(cluster.ctl("reload"))
    started = False
    if not online:
        result = _run(cluster.ctl("start"), check=False)
        # 2 = already running (raced with another run): fine.
        if result.returncode not in (0, 2):
            raise ClusterUnavailable(
                f"starting cluster {name} failed: {(result.stderr or result.stdout).strip()}"
            )
        started = result.returncode == 0
    wait_ready(cluster)
    return cluster, started


def psql(cluster: Cluster, sql: str) -> None:
    """Run one SQL command on the cluster's ``postgres`` database over loopback TCP."""
    _run(
        [
            "psql",
            "-X",
            "-w",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            sql,
        ]
    )


def create_database(cluster: Cluster, name: str) -> str:
    """Create (or re-create) database ``name``; return its asyncpg URL."""
    drop_database(cluster, name)
    psql(cluster, f'CREATE DATABASE "{name}"')
    return cluster.url(name)


def drop_database(cluster: Cluster, name: str) -> None:
    """Drop database ``name`` if it exists, ending its sessions."""
    psql(cluster, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop_cluster(cluster: Cluster) -> None:
    """Stop the cluster (fast mode); its data stays for the next run."""
    _run(cluster.ctl("stop", "-m", "fast"), check=False)
