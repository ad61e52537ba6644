"""init, upgrade, downgrade, current, history, check, stamp, revision through Typer's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from specify_db.cli.common import ExitCode
from specify_db.migrations import default_script_location
from tests.cli.conftest import Invoke


def test_init_then_current_and_check(invoke: Invoke, empty_url: str) -> None:
    before = invoke("check", "--url", empty_url)
    assert before.exit_code == ExitCode.MIGRATIONS_PENDING
    assert "pending: yes" in before.stdout

    result = invoke("init", "--url", empty_url)
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.stderr
    assert result.stdout == ""

    current = invoke("current", "--url", empty_url)
    assert current.exit_code == 0
    assert current.stdout.strip() == "0001 (head)"

    check = invoke("check", "--json", "--url", empty_url)
    assert check.exit_code == 0, check.output
    report = json.loads(check.stdout)
    assert report["valid"] is True
    assert report["diffs"] == []

    down = invoke("downgrade", "base", "--yes", "--url", empty_url)
    assert down.exit_code == 0, down.output


def test_upgrade_sql_prints_sql_and_changes_nothing(invoke: Invoke, empty_url: str) -> None:
    result = invoke("upgrade", "--sql", "--url", empty_url)
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE users" in result.stdout
    assert invoke("current", "--url", empty_url).stdout == ""


def test_upgrade_downgrade_and_confirmation(invoke: Invoke, empty_url: str) -> None:
    assert invoke("upgrade", "--url", empty_url).exit_code == 0
    refused = invoke("downgrade", "--url", empty_url)  # no terminal and no --yes
    assert refused.exit_code == ExitCode.USAGE
    assert "--yes" in refused.stderr
    assert invoke("current", "--url", empty_url).stdout.strip() == "0001 (head)"

    sql = invoke("downgrade", "--sql", "--url", empty_url)
    assert sql.exit_code == 0, sql.output
    assert "DROP TABLE users" in sql.stdout

    done = invoke("downgrade", "--yes", "--url", empty_url, "--", "-1")
    assert done.exit_code == 0, done.output
    assert "to base" in done.stderr
    none = invoke("current", "--url", empty_url)
    assert none.stdout == ""
    assert "No revision" in none.stderr


def test_history_table_and_json(invoke: Invoke, empty_url: str) -> None:
    table = invoke("history", "--url", empty_url)
    assert table.exit_code == 0, table.output
    assert "0001 (head)" in table.stdout
    assert "initial schema" in table.stdout
    entries = json.loads(invoke("history", "--json", "--verbose", "--url", empty_url).stdout)
    assert [e["revision"] for e in entries] == ["0001"]
    assert entries[0]["applied"] is False
    assert entries[0]["module_path"].endswith("0001_initial_schema.py")


def test_stamp_records_a_revision(invoke: Invoke, empty_url: str) -> None:
    assert invoke("stamp", "head", "--url", empty_url).exit_code == 0
    assert invoke("current", "--url", empty_url).stdout.strip() == "0001 (head)"
    assert invoke("stamp", "base", "--url", empty_url).exit_code == 0
    assert invoke("current", "--url", empty_url).stdout == ""


def test_revision_writes_a_new_file(invoke: Invoke, empty_url: str, tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    shutil.copytree(default_script_location(), scripts)
    assert invoke("upgrade", "--url", empty_url, "--migrations-dir", scripts).exit_code == 0
    made = invoke(
        "revision", "-m", "add a note", "--empty", "--url", empty_url, "--migrations-dir", scripts
    )
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "0002"
    assert (scripts / "versions" / "0002_add_a_note.py").is_file()
    auto = invoke("revision", "-m", "same", "--url", empty_url, "--migrations-dir", scripts)
    assert auto.exit_code == 1  # autogenerate needs the database at head first
    assert "not up to date" in auto.stderr
    assert invoke("downgrade", "base", "--yes", "--url", empty_url).exit_code == 0


def test_revision_refuses_to_write_into_the_installed_package(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specify_db.cli import migrate

    packaged = tmp_path / "site-packages" / "specify_db" / "_migrations"
    monkeypatch.setattr(migrate, "default_script_location", lambda: packaged)
    result = invoke("revision", "-m", "oops")
    assert result.exit_code == ExitCode.USAGE
    assert "--migrations-dir" in result.stderr
    assert not packaged.exists()


APP_MODELS = """
from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()
Table("notes", metadata, Column("id", Integer, primary_key=True),
      Column("body", String(200), nullable=False), mysql_engine="InnoDB")
"""


def test_an_applications_own_migrations_beside_ours(
    invoke: Invoke, empty_url: str, tmp_path: Path
) -> None:
    (tmp_path / "app_models_cli.py").write_text(APP_MODELS)
    app = (
        "--migrations-dir",
        "app_migrations",
        "--metadata",
        "app_models_cli:metadata",
        "--version-table",
        "app_version",
        "--url",
        empty_url,
    )
    assert invoke("init", "--url", empty_url).exit_code == 0  # specify-db's own schema
    created = invoke("init", *app)
    assert created.exit_code == 0, created.output
    assert "Created app_migrations" in created.stderr
    assert (tmp_path / "app_migrations" / "env.py").is_file()

    made = invoke("revision", "-m", "notes", *app)
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "0001"
    source = next((tmp_path / "app_migrations" / "versions").glob("0001_*.py")).read_text()
    assert "op.create_table('notes'" in source
    assert "drop_table('users')" not in source

    assert invoke("upgrade", *app).exit_code == 0
    assert invoke("current", *app).stdout.strip() == "0001 (head)"
    assert invoke("check", *app).exit_code == 0
    assert invoke("current", "--url", empty_url).stdout.strip() == "0001 (head)"

    bad = invoke("check", "--metadata", "no_such_module:metadata", "--url", empty_url)
    assert bad.exit_code == ExitCode.USAGE
    assert invoke("downgrade", "base", "--yes", *app).exit_code == 0
    assert invoke("downgrade", "base", "--yes", "--url", empty_url).exit_code == 0
