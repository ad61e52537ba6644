"""With SPECIFY_DB_TEST_REQUIRE set (as in CI), an unreachable backend or a skip fails the run."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def run_pytest(args, **env):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unreachable_required_backend_fails_the_run():
    result = run_pytest(
        ["tests/engine/test_urls.py"],
        SPECIFY_DB_TEST_REQUIRE="all",
        SPECIFY_DB_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:1/specify_test",
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "required backends are not reachable: postgres" in result.stdout + result.stderr


def test_a_skipped_test_fails_the_run_when_backends_are_required(tmp_path):
    probe = ROOT / "tests" / f"test_zz_skip_probe_{os.getpid()}.py"
    probe.write_text("import pytest\n\ndef test_skips():\n    pytest.skip('on purpose')\n")
    try:
        required = run_pytest([str(probe)], SPECIFY_DB_TEST_REQUIRE="sqlite")
        relaxed = run_pytest([str(probe)], SPECIFY_DB_TEST_REQUIRE="")
    finally:
        probe.unlink()
    assert required.returncode == 1, required.stdout
    assert "skipped while SPECIFY_DB_TEST_REQUIRE is set" in required.stdout
    assert relaxed.returncode == 0, relaxed.stdout
