"""DESIGN.md's layers: a lower layer never imports a higher one (checked on the source)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "specify_db"
# Lowest first. Top-level modules of the package (``__init__``, ``errors``) sit above all.
LAYERS = ["core", "engine", "models", "queries", "repositories", "migrations", "cli"]


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[0] == "specify_db" and parts[1] in LAYERS:
        return parts[1]
    return None


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def sources():
    for layer in LAYERS:
        folder = PACKAGE / layer
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py")):
                yield pytest.param(layer, path, id=str(path.relative_to(PACKAGE)))


@pytest.mark.parametrize(("layer", "path"), list(sources()))
def test_no_module_imports_a_higher_layer(layer, path):
    rank = LAYERS.index(layer)
    upward = sorted(
        module
        for module in imported_modules(path)
        if (target := layer_of(module)) is not None and LAYERS.index(target) > rank
    )
    assert not upward, f"{layer} must not import {upward}"


def test_lower_layers_do_not_import_the_package_root():
    # `import specify_db` from inside a layer would pull every layer in.
    offenders = [
        str(path.relative_to(PACKAGE))
        for layer in LAYERS[:-1]
        for path in (PACKAGE / layer).rglob("*.py")
        if (PACKAGE / layer).is_dir()
        and any(m in ("specify_db", "specify_db.errors") for m in imported_modules(path))
        and layer != "cli"
    ]
    assert offenders == []
