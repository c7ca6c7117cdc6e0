"""Revision 0006: tokens issued before it keep working (no expiry, not revoked), and undoing it
keeps the tokens while dropping their expiry, revocation and last use."""

import uuid

import sqlalchemy as sa
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from models.base import UTCDateTime
from models.db import autocommitting
from models.enums import Role
from resolvers.tokens import authenticate, token_hash
from resolvers.unit import Actor
from tests.conftest import START

TOKEN = "ct_issuedbeforerevision0006issuedbeforerevision"
# The table as revision 0005 left it (the model has moved on).
TOKEN_AT_0005 = sa.table(
    "api_token",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("role", sa.String()),
    sa.column("token_hash", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


def columns_of(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


def tables_of(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_a_token_issued_before_0006_keeps_working_after_it(engine: AsyncEngine) -> None:
    # given a database at 0005 holding a token
    await migrations.downgrade(engine, "0005")
    async with engine.begin() as connection:
        await connection.execute(
            TOKEN_AT_0005.insert().values(
                id=uuid.uuid4(),
                name="old-feed",
                role="INTEGRATION",
                token_hash=token_hash(TOKEN),
                created_at=START,
            )
        )

    # when
    await migrations.upgrade(engine)

    # then
    actor = await authenticate(autocommitting(engine), TOKEN, now=START)
    async with engine.connect() as connection:
        kept = (
            await connection.execute(text("SELECT expires_at, revoked_at FROM api_token"))
        ).one()
        uses = (await connection.execute(text("SELECT count(*) FROM api_token_use"))).scalar()
    assert actor == Actor(name="old-feed", role=Role.INTEGRATION)
    assert tuple(kept) == (None, None)
    assert uses == 1


async def test_downgrading_0006_keeps_the_tokens_and_drops_their_lifecycle(
    engine: AsyncEngine,
) -> None:
    # given a token at head, used once
    await test_a_token_issued_before_0006_keeps_working_after_it(engine)

    # when
    await migrations.downgrade(engine, "0005")

    # then
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM api_token"))).scalars().all()
        token_columns = await connection.run_sync(columns_of, "api_token")
        tables = await connection.run_sync(tables_of)
    assert names == ["old-feed"]
    assert {"expires_at", "revoked_at"}.isdisjoint(token_columns)
    assert "api_token_use" not in tables
    assert await migrations.current_revision(engine) == "0005"
