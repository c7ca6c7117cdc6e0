"""A statement run by asyncpg itself (`DriverStatement`) binds its parameters as SQLAlchemy
binds them, answers as SQLAlchemy's execution answers, and a connection found dropped is
reported and replaced as SQLAlchemy does."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.base import UTCDateTime
from models.db import DriverStatement, create_engine, sqlstate, unreachable
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.models.test_connection_pool import drop

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="asyncpg is PostgreSQL's driver")

# A named text, an instant (bound through casetrail's own type) and a constant (the LIMIT).
STATEMENT = sa.select(
    sa.bindparam("name", type_=sa.String).label("name"),
    sa.bindparam("at", type_=UTCDateTime()).label("at"),
    sa.func.pg_backend_pid().label("pid"),
).limit(1)


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    made = create_engine(TEST_DATABASE_URL, pool_size=1, ping_after_idle_seconds=3600)
    yield made
    await made.dispose()


async def test_it_answers_as_sqlalchemys_execution_does(engine: AsyncEngine) -> None:
    # given an instant in another zone than UTC
    at = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=timezone(timedelta(hours=-5)))
    parameters = {"name": "Ana ñ", "at": at}

    # when
    by_driver = await DriverStatement(STATEMENT, engine.dialect).first(engine, parameters)
    async with engine.connect() as connection:
        by_sqlalchemy = (await connection.execute(STATEMENT, parameters)).one()

    # then
    assert by_driver is not None
    assert (by_driver["name"], by_driver["at"]) == ("Ana ñ", at.astimezone(UTC))
    assert tuple(by_driver)[:2] == tuple(by_sqlalchemy)[:2]


async def test_a_naive_instant_is_refused_before_the_database_is_asked(
    engine: AsyncEngine,
) -> None:
    statement = DriverStatement(STATEMENT, engine.dialect)
    with pytest.raises(ValueError, match="naive"):
        await statement.first(engine, {"name": "x", "at": datetime(2026, 3, 4)})  # noqa: DTZ001


async def test_a_dropped_connection_is_reported_as_lost_and_replaced(engine: AsyncEngine) -> None:
    # given the pool's one connection, which the database then drops
    statement = DriverStatement(STATEMENT, engine.dialect)
    parameters = {"name": "x", "at": datetime.now(UTC)}
    first = await statement.first(engine, parameters)
    assert first is not None
    await drop(first["pid"])

    # when
    with pytest.raises(DBAPIError) as raised:
        await statement.first(engine, parameters)
    again = await statement.first(engine, parameters)

    # then it said so as SQLAlchemy does, and the next statement got a new connection
    assert raised.value.connection_invalidated
    assert unreachable(raised.value) == "the connection to the database was lost"
    assert again is not None
    assert again["pid"] != first["pid"]


async def test_a_statement_the_database_cancels_leaves_its_connection_in_use() -> None:
    # given a pool of one connection whose statements may run 50 ms
    limited = create_engine(TEST_DATABASE_URL, pool_size=1, statement_timeout_ms=50)
    backend = DriverStatement(sa.select(sa.func.pg_backend_pid()), limited.dialect)
    slow = DriverStatement(sa.select(sa.func.pg_sleep(1)), limited.dialect)
    try:
        before = await backend.first(limited, {})

        # when
        with pytest.raises(asyncpg.QueryCanceledError) as raised:
            await slow.first(limited, {})
        after = await backend.first(limited, {})
    finally:
        await limited.dispose()

    # then the cancellation was the database's answer, and the connection served on
    assert sqlstate(raised.value) == "57014"
    assert before is not None
    assert after is not None
    assert after[0] == before[0]
