"""Which errors mean the database could not be reached, and the reason each gives."""

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from models.db import unreachable


def raised_from(cause: BaseException) -> Exception:
    try:
        try:
            raise cause
        except BaseException as error:
            raise RuntimeError("wrapped") from error
    except RuntimeError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "refused"), "the database refused the connection"),
        (TimeoutError(), "connecting to the database timed out"),
        (ConnectionResetError(), "the database could not be reached"),
        (PoolTimeoutError("QueuePool limit"), "no database connection came free in time"),
        (
            DBAPIError("SELECT 1", {}, Exception(), connection_invalidated=True),
            "the connection to the database was lost",
        ),
        (asyncpg.ConnectionDoesNotExistError(), "the connection to the database failed"),
        (asyncpg.CannotConnectNowError(), "the database is shutting down or starting up"),
        (asyncpg.AdminShutdownError(), "the database is shutting down or starting up"),
        (raised_from(ConnectionRefusedError()), "the database refused the connection"),
        (
            DBAPIError("SELECT 1", {}, asyncpg.AdminShutdownError()),
            "the database is shutting down or starting up",
        ),
    ],
)
def test_an_error_that_means_the_database_is_out_of_reach_gives_its_reason(
    error: BaseException, reason: str
) -> None:
    assert unreachable(error) == reason


@pytest.mark.parametrize(
    "error",
    [
        None,
        RuntimeError("a bug"),
        IntegrityError("INSERT …", {}, Exception("duplicate key")),
        asyncpg.QueryCanceledError(),  # the statement's time limit, not an outage
        DBAPIError("SELECT 1", {}, Exception()),
    ],
)
def test_any_other_error_is_not_an_outage(error: BaseException | None) -> None:
    assert unreachable(error) is None
