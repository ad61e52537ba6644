"""health, stats, backup, restore, purge, schema and demo through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from specify_db.cli.common import ExitCode
from specify_db.models import json_schemas
from tests.cli.conftest import Invoke
from tests.migrations.databases import EmptyDatabase

UNREACHABLE = "postgresql+asyncpg://app:s3cret-pw@127.0.0.1:1/nowhere"


def test_health_table_and_json(invoke: Invoke, empty_url: str) -> None:
    table = invoke("health", "--url", empty_url)
    assert table.exit_code == 0, table.output
    assert "healthy" in table.stdout
    report = json.loads(invoke("health", "--json", "--url", empty_url).stdout)
    assert report["healthy"] is True
    assert report["dialect"] in ("sqlite", "postgresql", "mysql")


def test_demo_then_stats_purge_and_a_second_demo(invoke: Invoke, empty_url: str) -> None:
    first = invoke("demo", "--commands", "120", "--url", empty_url)
    assert first.exit_code == 0, first.output
    for heading in ("Users", "Projects", "Command statistics", "per hour", "Search", "Health"):
        assert heading in first.stdout
    assert "alice" in first.stdout
    assert "specify test" in first.stdout

    again = invoke("demo", "--url", empty_url)
    assert again.exit_code == 0, again.output
    assert "already present" in again.stderr

    stats = invoke("stats", "--json", "--url", empty_url)
    assert stats.exit_code == 0, stats.output
    data = json.loads(stats.stdout)
    assert data["rows"]["commands"] == 120
    assert data["pool"]["operations"]["SELECT"]["count"] >= 10
    assert "p95 ms" in invoke("stats", "--url", empty_url).stdout

    dry = invoke("purge", "--dry-run", "--json", "--url", empty_url)
    assert json.loads(dry.stdout) == {
        "dry_run": True,
        "purged": {"cache_entries": 10, "session_tokens": 5},
    }
    done = invoke("purge", "--url", empty_url)
    assert done.exit_code == 0, done.output
    assert "cache_entries: 10 deleted" in done.stdout
    assert "session_tokens: 5 deleted" in done.stdout
    assert "cache_entries: 0 deleted" in invoke("purge", "--url", empty_url).stdout

    reset = invoke("demo", "--reset", "--commands", "100", "--url", empty_url)
    assert reset.exit_code == 0, reset.output
    assert (
        json.loads(invoke("stats", "--json", "--url", empty_url).stdout)["rows"]["commands"] == 100
    )
    assert invoke("downgrade", "base", "--yes", "--url", empty_url).exit_code == 0


def test_backup_and_restore(invoke: Invoke, new_database: EmptyDatabase, tmp_path: Path) -> None:
    source, target = anyio.run(new_database), anyio.run(new_database)
    assert invoke("demo", "--commands", "100", "--url", source).exit_code == 0
    backup = tmp_path / "backup.bin"
    made = invoke("backup", backup, "--url", source)
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.stderr
    assert backup.stat().st_size > 0

    restored = invoke("restore", backup, "--url", target)
    assert restored.exit_code == 0, restored.output
    rows = json.loads(invoke("stats", "--json", "--url", target).stdout)["rows"]
    assert rows == json.loads(invoke("stats", "--json", "--url", source).stdout)["rows"]

    refused = invoke("restore", backup, "--url", target)
    assert refused.exit_code == ExitCode.FAILURE
    assert "not empty" in refused.stderr
    assert "--overwrite" in refused.stderr
    assert invoke("restore", backup, "--overwrite", "--yes", "--url", target).exit_code == 0

    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(backup.read_bytes()[:200])
    broken = invoke("restore", damaged, "--overwrite", "--yes", "--url", target)
    assert broken.exit_code == ExitCode.INTEGRITY, broken.output
    for url in (source, target):
        assert invoke("downgrade", "base", "--yes", "--url", url).exit_code == 0


def test_schema_writes_every_dto(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("schema", tmp_path / "schemas")
    assert result.exit_code == 0, result.output
    written = sorted(p.stem for p in (tmp_path / "schemas").glob("*.json"))
    assert written == sorted(json_schemas())
    assert len(written) == 30
    user = json.loads((tmp_path / "schemas" / "UserRead.json").read_text())
    assert "password_hash" not in user["properties"]


def test_unreachable_database_exits_3_without_the_password(invoke: Invoke) -> None:
    for args in (("health",), ("current",), ("init",)):
        result = invoke(*args, "--url", UNREACHABLE)
        assert result.exit_code == ExitCode.CANNOT_CONNECT, (args, result.output)
        assert "s3cret-pw" not in result.output
        assert "Traceback" not in result.output


def test_bad_url_is_a_usage_error_in_one_line(invoke: Invoke) -> None:
    result = invoke("current", "--url", "oracle://scott@db/orcl")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.count("\n") == 1
    assert "unsupported database" in result.stderr


def test_debug_shows_the_exception(invoke: Invoke) -> None:
    result = invoke("current", "--url", "oracle://scott@db/orcl", "--debug")
    assert result.exit_code == 1
    assert result.exception is not None


def test_default_database_is_specify_db_in_the_current_folder(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "specify.db").is_file()
    assert "sqlite+aiosqlite:///specify.db" in result.stderr


def test_environment_variable_supplies_the_url(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECIFY_DB_URL", f"sqlite+aiosqlite:///{tmp_path / 'env.db'}")
    assert invoke("init").exit_code == 0
    assert (tmp_path / "env.db").is_file()
    assert not (tmp_path / "specify.db").exists()
