"""The ``MetaData`` that holds specify-db's own tables, and its naming convention.

specify-db's tables live here, not on the global ``SQLModel.metadata``: an application's own
SQLModel tables stay out of specify-db's migrations, ``create_all`` and drift checks, and
importing specify-db never changes the naming convention of the application's metadata.

Every constraint and index name follows Alembic's recommended convention, so a migration
written against one backend names the same objects on the others.

Example:
    >>> from specify_db.core.schema import metadata
    >>> metadata.naming_convention["ix"]
    'ix_%(column_0_label)s'
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import MetaData

NAMING_CONVENTION: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final[MetaData] = MetaData(naming_convention=NAMING_CONVENTION)
"""specify-db's tables (registered when :mod:`specify_db.models` is imported)."""
