"""Where the Alembic scripts of specify-db live, in a wheel and in a source checkout.

The wheel ships the top-level ``migrations/`` folder as ``specify_db/_migrations``; an
editable install or a source checkout has it next to the package instead.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from specify_db.core.errors import MigrationError

__all__ = ["default_script_location", "is_packaged", "template_files"]

_PACKAGED = "_migrations"


def default_script_location() -> Path:
    """The folder holding specify-db's ``env.py``, ``script.py.mako`` and ``versions/``.

    Raises:
        MigrationError: neither the packaged copy nor a source checkout's copy exists.
    """
    packaged = importlib.resources.files("specify_db") / _PACKAGED
    if packaged.is_dir():
        return Path(str(packaged))
    # specify_db/migrations/scripts.py -> the checkout's top-level migrations/
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    raise MigrationError(
        "the specify-db migration scripts are missing: neither specify_db/_migrations "
        f"(a wheel install) nor {checkout} (a source checkout) exists"
    )


def is_packaged(location: Path) -> bool:
    """True for the copy installed inside the package (not meant to receive new revisions)."""
    return location.name == _PACKAGED


def template_files() -> dict[str, str]:
    """The text of ``env.py`` and ``script.py.mako``, for an application's own migrations."""
    location = default_script_location()
    return {
        name: (location / name).read_text(encoding="utf-8") for name in ("env.py", "script.py.mako")
    }
