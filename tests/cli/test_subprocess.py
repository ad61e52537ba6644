"""The command as users run it: a real process, and a wheel installed into a fresh venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def source_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECIFY_DB_")}
    env["PYTHONPATH"] = str(ROOT)
    env["COLUMNS"] = "100"
    return env


def test_python_m_specify_db_demo_in_an_empty_folder(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "specify_db", "demo"],
        cwd=tmp_path,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "specify.db").is_file()
    assert "Command statistics" in result.stdout
    assert "sample data" in result.stderr  # the progress bar goes to stderr
    assert "Done in" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("specify.db")) == []


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "specify_db", "--help"],
        cwd=tmp_path,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for name in (
        "init",
        "upgrade",
        "downgrade",
        "current",
        "history",
        "check",
        "stamp",
        "revision",
        "health",
        "stats",
        "backup",
        "restore",
        "purge",
        "schema",
        "demo",
    ):
        assert f" {name} " in result.stdout, name


def test_without_the_cli_extra_the_command_names_it(tmp_path: Path) -> None:
    hide_typer = "import sys; sys.modules['typer'] = None; from specify_db.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", hide_typer],
        cwd=tmp_path,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert 'pip install "specify-db[cli]"' in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_init_and_demo(tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is needed to build and install the wheel")
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env = {k: v for k, v in env.items() if not k.startswith("SPECIFY_DB_")}
    subprocess.run(
        [uv, "build", "--wheel", "-q", "-o", dist, ROOT], env=env, check=True, timeout=120
    )
    [wheel] = dist.glob("*.whl")
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, venv], env=env, check=True, timeout=60
    )
    python = venv / "bin" / "python"
    install = [uv, "pip", "install", "-q", "--python", python, f"{wheel}[cli]"]
    # From uv's cache when it has everything (no network needed), else from the index.
    offline = subprocess.run([*install, "--offline"], env=env, check=False, timeout=120)
    if offline.returncode != 0:
        subprocess.run(install, env=env, check=True, timeout=300)
    script = venv / "bin" / "specify-db"
    init = subprocess.run(
        [script, "init"], cwd=work, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert init.returncode == 0, init.stderr
    assert "at revision 0001" in init.stderr
    demo = subprocess.run(
        [script, "demo"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "Command statistics" in demo.stdout
    # Not the checkout: the installed package and its packaged scripts.
    where = subprocess.run(
        [python, "-c", "import specify_db.migrations as m; print(m.default_script_location())"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "site-packages/specify_db/_migrations" in where.stdout
