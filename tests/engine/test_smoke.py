from sqlalchemy import text


async def test_select_one(db):
    async with db.session() as session:
        assert (await session.exec(text("SELECT 1"))).scalar_one() == 1
