"""The ``specify-db`` command (needs the ``cli`` extra: Typer and rich).

Run ``specify-db --help`` or ``python -m specify_db --help``.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]

_INSTALL_HINT = 'specify-db: the command needs the "cli" extra: pip install "specify-db[cli]"\n'


def main() -> None:
    """Entry point of the ``specify-db`` script."""
    try:
        from specify_db.cli.app import app
    except ImportError as exc:
        if exc.name in ("typer", "rich") or (exc.name or "").startswith(("typer.", "rich.")):
            sys.stderr.write(_INSTALL_HINT)
            raise SystemExit(1) from None
        raise
    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from specify_db.cli.app import app

        return app
    raise AttributeError(name)
