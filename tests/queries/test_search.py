"""Full-text search: ranked, exact names first, kept in sync, LIKE fallback, safe input."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from specify_db.errors import InvalidQuery
from specify_db.queries import (
    CommandQueries,
    ProjectQueries,
    RDFSpecificationQueries,
    UserQueries,
    fulltext_ddl,
    fulltext_drop_ddl,
)
from tests.conftest import make_manager
from tests.models.factories import make_command, make_project, make_spec, make_user

EXPECTED_METHOD = {"sqlite": "fts5", "postgres": "tsvector", "mysql": "fulltext"}


async def seed_projects(db):
    # Committed: InnoDB full-text indexes see rows only after commit.
    async with db.session() as s:
        owner = await make_user(s, username="owner", full_name="Grace Hopper")
        await make_project(s, owner, name="Gadget workshop", description="has a widget corner")
        await make_project(s, owner, name="Tools", description="widget widget widget everywhere")
        exact = await make_project(s, owner, name="Widget", description="the thing itself")
        await make_project(s, owner, name="Unrelated", description="nothing to see")
        return owner.id, exact.id


async def test_exact_name_ranks_first(clean_db, backend):
    owner_id, exact_id = await seed_projects(clean_db)
    result = await ProjectQueries(clean_db).search_projects("widget")
    assert result.method == EXPECTED_METHOD[backend]
    assert result.items[0].id == exact_id
    assert result.hits[0].exact is True
    assert {p.name for p in result.items} == {"Widget", "Tools", "Gadget workshop"}
    assert all(not hit.exact for hit in result.hits[1:])
    ranks = [hit.rank for hit in result.hits[1:]]
    assert ranks == sorted(ranks, reverse=True)
    # Case-insensitive on every backend (MariaDB's tables use a binary collation).
    upper = await ProjectQueries(clean_db).search_projects("WIDGET")
    assert upper.items[0].id == exact_id
    mine = await ProjectQueries(clean_db).search_projects("widget", owner_id=owner_id + 999)
    assert mine.hits == []


async def test_search_other_tables(clean_db, backend):
    async with clean_db.session() as s:
        user = await make_user(s, username="hopper", full_name="Grace Brewster Hopper")
        await make_user(s, username="turing", full_name="Alan Turing")
        project = await make_project(s, user)
        await make_command(s, name="specify validate", args="--strict ontology.ttl")
        await make_command(s, name="specify init", args="--here")
        await make_spec(s, project, file_path="specs/ontology.ttl", validation_errors=None)
    users = await UserQueries(clean_db).search_users("Brewster")
    assert [u.username for u in users.items] == ["hopper"]
    assert users.method == EXPECTED_METHOD[backend]
    commands = await CommandQueries(clean_db).search_commands("validate")
    assert [c.name for c in commands.items] == ["specify validate"]
    specs = await RDFSpecificationQueries(clean_db).search_specifications("ontology")
    assert [s.file_path for s in specs.items] == ["specs/ontology.ttl"]


async def test_index_follows_updates_and_deletes(clean_db):
    async with clean_db.session() as s:
        owner = await make_user(s)
        project = await make_project(s, owner, name="Zephyr", description="first")
    q = ProjectQueries(clean_db)
    assert [p.name for p in (await q.search_projects("zephyr")).items] == ["Zephyr"]
    async with clean_db.session() as s:
        await s.exec(
            text("UPDATE projects SET name = 'Mistral' WHERE id = :i").bindparams(i=project.id)
        )
    assert (await q.search_projects("zephyr")).hits == []
    assert [p.name for p in (await q.search_projects("mistral")).items] == ["Mistral"]
    async with clean_db.session() as s:
        await s.exec(text("DELETE FROM projects WHERE id = :i").bindparams(i=project.id))
    assert (await q.search_projects("mistral")).hits == []


@pytest.mark.parametrize(
    "query", ['"', "widget OR", "-widget", "wid*", "a:b", "NEAR(a b)", "'; DROP TABLE projects; --"]
)
async def test_operators_in_search_text_are_plain_words(clean_db, query):
    await seed_projects(clean_db)
    result = await ProjectQueries(clean_db).search_projects(query)
    assert isinstance(result.hits, list)


@pytest.mark.parametrize("query", ["", "   ", "x" * 501, "a\x00b", None, 5])
async def test_bad_search_text_is_refused(session, sql_log, query):
    with pytest.raises(InvalidQuery):
        await ProjectQueries(session).search_projects(query)
    with pytest.raises(InvalidQuery):
        await ProjectQueries(session).search_projects("ok", limit=0)
    assert sql_log.statements == []


async def test_like_fallback_without_fulltext_objects(tmp_path):
    # A database whose full-text objects were never created (or an SQLite without FTS5).
    db = make_manager(f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}")
    try:
        await db.create_all()
        async with db.engine.begin() as conn:
            for statement in fulltext_drop_ddl("sqlite"):
                await conn.execute(text(statement))
        _, exact_id = await seed_projects(db)
        result = await ProjectQueries(db).search_projects("widget")
        assert result.method == "like"
        assert result.items[0].id == exact_id
        assert {p.name for p in result.items} == {"Widget", "Tools", "Gadget workshop"}
        # "%" and "_" are literal in the fallback too.
        assert (await ProjectQueries(db).search_projects("%")).hits == []
    finally:
        await db.dispose()


def test_ddl_is_exposed_for_migrations():
    for dialect in ("postgresql", "mysql", "sqlite"):
        assert fulltext_ddl(dialect)
        assert fulltext_drop_ddl(dialect)
    assert any("USING gin" in s for s in fulltext_ddl("postgresql"))
    assert any("fts5" in s for s in fulltext_ddl("sqlite"))
    assert any("FULLTEXT" in s for s in fulltext_ddl("mysql"))


async def test_drop_all_and_create_all_again(tmp_path):
    # Regression: on SQLite, drop_all dropped the FTS5 table before the triggers that name
    # it, and DROP TABLE then failed with "no such table: main.commands_fts". (SQLite-only
    # DDL; the server backends' full-text objects go with their tables.)
    db = make_manager(f"sqlite+aiosqlite:///{tmp_path / 'cycle.db'}")
    try:
        await db.create_all()
        await seed_projects(db)
        await db.drop_all()
        await db.create_all()
        _, exact_id = await seed_projects(db)
        result = await ProjectQueries(db).search_projects("widget")
        assert result.method == "fts5"
        assert result.items[0].id == exact_id
        await db.drop_all()
    finally:
        await db.dispose()
