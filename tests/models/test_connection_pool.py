"""A pooled connection the database dropped is not handed to a request that would fail on it:
one idle past the ping's threshold is pinged and replaced first; one dropped in the moment
since its last use fails once, and the pool then replaces it for the next."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no server to drop a connection")


async def backend(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    return pid


async def drop(pid: int) -> None:
    """The database ends that connection, as a restart or an administrator would."""
    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql")
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        # Waits (up to 5 s) until the connection has ended.
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await admin.close()


@pytest.fixture
async def engines() -> AsyncIterator[list[AsyncEngine]]:
    made: list[AsyncEngine] = []
    yield made
    for engine in made:
        await engine.dispose()


async def test_a_connection_dropped_while_idle_is_replaced_before_use(
    engines: list[AsyncEngine],
) -> None:
    # given: one pooled connection, pinged once it has sat idle at all
    engine = create_engine(TEST_DATABASE_URL, ping_after_idle_seconds=0.0, pool_size=1)
    engines.append(engine)
    dropped = await backend(engine)

    # when
    await drop(dropped)
    now_on = await backend(engine)

    # then
    assert now_on != dropped


async def test_a_connection_dropped_just_after_use_fails_once_then_is_replaced(
    engines: list[AsyncEngine],
) -> None:
    # given: one pooled connection, not pinged in the hour after its last use
    engine = create_engine(TEST_DATABASE_URL, ping_after_idle_seconds=3600.0, pool_size=1)
    engines.append(engine)
    dropped = await backend(engine)

    # when
    await drop(dropped)
    with pytest.raises(DBAPIError) as failed:
        await backend(engine)
    now_on = await backend(engine)

    # then
    assert failed.value.connection_invalidated is True
    assert now_on != dropped
