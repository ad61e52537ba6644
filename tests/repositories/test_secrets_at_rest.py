"""Raw SQL over every table finds no plaintext secret."""

from __future__ import annotations

from specify_db import DatabaseManager
from specify_db.models import metadata
from specify_db.repositories import (
    ConfigurationRepository,
    SessionTokenRepository,
    UserRepository,
)
from tests.repositories.helpers import PASSWORD, make_project, make_user


async def _everything_stored(db: DatabaseManager) -> str:
    cells: list[str] = []
    async with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            # Driver-level SQL: no column type on the way out could decrypt anything.
            result = await conn.exec_driver_sql(f"SELECT * FROM {table.name}")
            cells.extend(str(value) for row in result for value in row)
    return "\n".join(cells)


async def test_no_plaintext_secret_in_the_database(clean_db: DatabaseManager) -> None:
    alice = await make_user(clean_db, "alice")
    assert alice.id is not None
    api_key = await UserRepository(clean_db).create_api_key(alice.id)
    token = (await SessionTokenRepository(clean_db).create_session(alice.id)).token
    project = await make_project(clean_db, alice)
    assert project.id is not None
    secret_value = "db-password-Zq81x"
    await ConfigurationRepository(clean_db).set_config(
        project.id, "db_password", secret_value, encrypted=True
    )
    await ConfigurationRepository(clean_db).set_config(project.id, "visible", "plain-setting")

    stored = await _everything_stored(clean_db)
    assert "plain-setting" in stored  # the dump really holds the rows
    assert "alice@example.com" in stored
    for secret in (PASSWORD, api_key, token, secret_value):
        assert secret not in stored
