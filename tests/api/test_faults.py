"""A fault the code did not mean never shows the client, or the log, what it was about; a
database out of reach is not such a fault, and says so with 503."""

import logging
import re
import sqlite3
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from resolvers import custody
from server import app as app_module
from tests.conftest import Api, Clock
from tests.factories import INTAKE, iso


async def test_an_unexpected_fault_is_masked_and_logged_without_its_message(
    api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given an operation that fails with a message quoting personal data
    leaked = "duplicate key (a_number)=(200000999) for Pérez Gómez"

    async def failing(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(leaked)

    monkeypatch.setattr(custody, "intake_child", failing)

    # when
    with caplog.at_level(logging.ERROR):
        body = await api.gql(
            INTAKE,
            {
                "input": {
                    "aNumber": "200000999",
                    "firstName": "Ana",
                    "lastName": "Pérez Gómez",
                    "dateOfBirth": "2012-01-01",
                    "countryOfBirth": "GT",
                    "apprehendedAt": iso(clock()),
                }
            },
        )

    # then: the client gets the request's ID, and the log line carries it too
    assert [e["message"] for e in body["errors"]] == ["Internal error."]
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "INTERNAL"
    assert re.fullmatch(r"[0-9a-f]{32}", extensions["requestId"])
    assert f"request {extensions['requestId']}: unexpected RuntimeError" in caplog.text
    assert "200000999" not in caplog.text
    assert "Pérez" not in caplog.text


async def test_a_statement_cancelled_at_the_time_limit_says_so(
    api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an operation whose statement the database cancels at the time limit
    async def cancelled(*_args: Any, **_kwargs: Any) -> None:
        raise DBAPIError("SELECT …", {}, sqlite3.OperationalError("interrupted"))

    monkeypatch.setattr(custody, "intake_child", cancelled)

    # when
    body = await api.gql(
        INTAKE,
        {
            "input": {
                "aNumber": "200000998",
                "firstName": "Ana",
                "lastName": "Pérez",
                "dateOfBirth": "2012-01-01",
                "countryOfBirth": "GT",
                "apprehendedAt": iso(clock()),
            }
        },
    )

    # then
    [error] = body["errors"]
    assert error["message"] == "The request ran past the server's time limit."
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["extensions"]["requestId"]


def intake_input(clock: Clock) -> dict[str, Any]:
    return {
        "input": {
            "aNumber": "200000997",
            "firstName": "Ana",
            "lastName": "Pérez",
            "dateOfBirth": "2012-01-01",
            "countryOfBirth": "GT",
            "apprehendedAt": iso(clock()),
        }
    }


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), "the database refused the connection"),
        (
            DBAPIError("SELECT …", {}, ConnectionResetError(), connection_invalidated=True),
            "the connection to the database was lost",
        ),
        (PoolTimeoutError("QueuePool limit reached"), "no database connection came free in time"),
    ],
)
async def test_a_database_out_of_reach_during_execution_is_a_503_that_says_why(
    api: Api,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fault: Exception,
    reason: str,
) -> None:
    # given an operation whose database cannot be reached once the request is under way
    async def out_of_reach(*_args: Any, **_kwargs: Any) -> None:
        raise fault

    monkeypatch.setattr(custody, "intake_child", out_of_reach)

    # when
    with caplog.at_level(logging.WARNING):
        response = await api.post(INTAKE, intake_input(clock))

    # then
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    [error] = response.json()["errors"]
    assert error["message"] == f"The database is unavailable ({reason}); try again shortly."
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert f"request {error['extensions']['requestId']}: database unavailable" in caplog.text
    assert "Traceback" not in caplog.text  # an outage is not a fault of the code


async def test_a_token_lookup_that_cannot_reach_the_database_is_a_503(
    api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database that refuses connections before anything else is asked of it
    async def refused(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    monkeypatch.setattr(app_module, "authenticate", refused)

    # when
    response = await api.post(INTAKE, intake_input(clock))

    # then
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert "refused" in error["message"]


async def test_a_fault_of_the_code_outside_execution_is_still_not_a_503(
    api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a token lookup that fails for a reason that is not the database's absence
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app_module, "authenticate", broken)

    # when / then: the fault propagates as before (the ASGI server answers it 500)
    with pytest.raises(RuntimeError, match="a bug"):
        await api.post(INTAKE, intake_input(clock))
