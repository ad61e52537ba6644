"""Public home of the exception hierarchy (``specify_db.errors.SpecifyDBError`` and friends)."""

from specify_db.core.errors import *  # noqa: F403
from specify_db.core.errors import __all__ as __all__
