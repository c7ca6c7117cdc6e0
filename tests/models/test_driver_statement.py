"""A statement run by the driver itself (`DriverStatement`: asyncpg, or aiosqlite in one hop)
binds its parameters as SQLAlchemy binds them, answers as SQLAlchemy's execution answers, and
fails as SQLAlchemy fails: a connection found dropped is reported and replaced, a statement
past the time limit is cancelled, and no error carries a parameter."""

import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.base import UTCDateTime
from models.db import DriverStatement, create_engine, sqlstate, unreachable
from schema import timed_out
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.models.test_connection_pool import drop

on_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="asyncpg is PostgreSQL's driver")
on_sqlite = pytest.mark.skipif(ON_POSTGRES, reason="aiosqlite is SQLite's driver")

# A named text, an instant (bound through casetrail's own type) and a constant (the LIMIT).
STATEMENT = sa.select(
    sa.bindparam("name", type_=sa.String).label("name"),
    sa.bindparam("at", type_=UTCDateTime()).label("at"),
    sa.func.pg_backend_pid().label("pid"),
).limit(1)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(
        TEST_DATABASE_URL if ON_POSTGRES else database_url,
        pool_size=1,
        ping_after_idle_seconds=3600,
    )
    yield made
    await made.dispose()


@on_postgres
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


@on_postgres
async def test_a_naive_instant_is_refused_before_the_database_is_asked(
    engine: AsyncEngine,
) -> None:
    statement = DriverStatement(STATEMENT, engine.dialect)
    with pytest.raises(ValueError, match="naive"):
        await statement.first(engine, {"name": "x", "at": datetime(2026, 3, 4)})  # noqa: DTZ001


@on_postgres
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


@on_postgres
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


# ---------------------------------------------------------------- SQLite, in one hop

# A key, an instant and a text, each as casetrail's types store them on SQLite, and a null.
ROW = sa.select(
    sa.bindparam("key", type_=sa.Uuid()).label("key"),
    sa.bindparam("at", type_=UTCDateTime()).label("at"),
    sa.bindparam("name", type_=sa.String).label("name"),
    sa.null().label("absent"),
)


@on_sqlite
async def test_on_sqlite_it_answers_as_sqlalchemys_execution_does(engine: AsyncEngine) -> None:
    # given
    at = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=timezone(timedelta(hours=-5)))
    parameters = {"key": uuid.uuid4(), "at": at, "name": "Ana ñ"}

    # when
    by_driver = await DriverStatement(ROW, engine.dialect).first(engine, parameters)
    async with engine.connect() as connection:
        by_sqlalchemy = (await connection.execute(ROW, parameters)).one()

    # then
    assert by_driver == (parameters["key"], at.astimezone(UTC), "Ana ñ", None)
    assert by_driver == tuple(by_sqlalchemy)
    assert (
        await DriverStatement(ROW.where(sa.false()), engine.dialect).first(engine, parameters)
    ) is None


@on_sqlite
async def test_on_sqlite_an_error_is_sqlalchemys_without_its_parameters(
    engine: AsyncEngine,
) -> None:
    # given a statement the database refuses, with a parameter that must not be repeated
    refused = sa.select(sa.func.no_such_function(sa.bindparam("secret", type_=sa.String)))

    # when
    with pytest.raises(DBAPIError) as raised:
        await DriverStatement(refused, engine.dialect).first(engine, {"secret": "A123456789"})
    after = await DriverStatement(ROW, engine.dialect).first(
        engine, {"key": uuid.uuid4(), "at": datetime.now(UTC), "name": "x"}
    )

    # then: the pool's one connection served on
    assert isinstance(raised.value.orig, sqlite3.OperationalError)
    assert "no_such_function" in str(raised.value)
    assert "A123456789" not in str(raised.value)
    assert after is not None


@on_sqlite
async def test_on_sqlite_a_statement_past_the_time_limit_is_interrupted(database_url: str) -> None:
    # given a pool of one connection whose statements may run 50 ms
    limited = create_engine(database_url, pool_size=1, statement_timeout_ms=50)
    # (seconds to run, and then it ends: a test that fails does not hang)
    slow = sa.text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
        "SELECT max(i) FROM n"
    ).columns(sa.column("i", sa.Integer))
    quick = sa.select(sa.literal(1, sa.Integer))
    try:
        # when
        with pytest.raises(DBAPIError) as raised:
            await DriverStatement(slow, limited.dialect).first(limited, {})
        after = await DriverStatement(quick, limited.dialect).first(limited, {})
    finally:
        await limited.dispose()

    # then: reported as the request's time limit, and the connection served on
    assert timed_out(raised.value)
    assert after == (1,)
