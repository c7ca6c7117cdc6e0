"""A fault the code did not mean never shows the client, or the log, what it was about."""

import logging
import re
import sqlite3
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from resolvers import custody
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
