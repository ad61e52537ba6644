"""Every ```python block in README.md and docs/*.md runs, in order, one namespace per file.

Blocks may use top-level ``await``. They run in a temporary working directory, on the
embedded SQLite default. Use ```text / ```console for snippets that are not meant to run.
"""

from __future__ import annotations

import ast
import re
import types
from pathlib import Path

import pytest

from specify_db.core.settings import get_settings

ROOT = Path(__file__).parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text()) if path.exists() else []


@pytest.mark.parametrize("path", [p for p in DOCS if python_blocks(p)], ids=lambda p: p.name)
async def test_doc_examples_run(path, tmp_cwd, monkeypatch):
    monkeypatch.delenv("SPECIFY_DB_URL", raising=False)
    get_settings.cache_clear()
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    try:
        for number, source in enumerate(python_blocks(path), start=1):
            code = compile(
                source, f"{path.name}[block {number}]", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
            )
            result = eval(code, namespace)  # noqa: S307 - our own documentation
            if isinstance(result, types.CoroutineType):
                await result
    finally:
        import specify_db

        await specify_db.close_db()
        get_settings.cache_clear()
