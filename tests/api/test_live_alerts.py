"""`alertRaised` end to end: a WebSocket client (graphql-transport-ws) on a started server
receives the alert a mutation raises. On PostgreSQL the mutation goes through another server
process, and the alert reaches the subscriber through LISTEN/NOTIFY."""

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from models.enums import Role
from tests.factories import (
    FILE_NOTICE,
    HEARING_OUTCOME,
    INTAKE,
    ISSUE_NOTICE,
    RELEASE,
    SCHEDULE_HEARING,
    SERVE_NOTICE,
    TRANSFER,
    home_address,
    iso,
    new_a_number,
)
from tests.processes import serving

PROTOCOL = Subprotocol("graphql-transport-ws")
WAIT_SECONDS = 15
ALERTS = """
subscription Alerts($kinds: [AlertKind!]) {
  alertRaised(kinds: $kinds) { kind status detail child { aNumber } }
}"""


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two server processes on PostgreSQL; one on SQLite (which one process serves)."""
    count = 2 if database_url.startswith("postgresql") else 1
    with serving(database_url, count, tmp_path) as bases:
        yield bases


def websocket_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


async def subscribe(
    base: str, token: str | None, kinds: list[str] | None, *, header: bool = False
) -> ClientConnection:
    """A connection acknowledged and subscribed to alertRaised."""
    headers = {"Authorization": f"Bearer {token}"} if header and token else None
    connection = await websockets.connect(
        websocket_url(base), subprotocols=[PROTOCOL], additional_headers=headers
    )
    payload = {"Authorization": f"Bearer {token}"} if token and not header else {}
    await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
    acknowledged = json.loads(await asyncio.wait_for(connection.recv(), WAIT_SECONDS))
    assert acknowledged["type"] == "connection_ack"
    subscription = {"query": ALERTS, "variables": {"kinds": kinds}}
    await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscription}))
    return connection


async def next_alert(connection: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(connection.recv(), WAIT_SECONDS))
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message["payload"]
    alert: dict[str, Any] = message["payload"]["data"]["alertRaised"]
    return alert


async def failure_to_appear(base: str, token: str) -> str:
    """Through the server at `base`: a child released, its notice filed, a hearing two days ago
    it failed to appear at. Returns the child's A-number."""
    now = datetime.now(UTC)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:

        async def call(document: str, name: str, input: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(
                "/graphql", json={"query": document, "variables": {"input": input}}
            )
            body = response.json()
            assert "errors" not in body, body["errors"]
            payload: dict[str, Any] = body["data"][name]
            assert payload["userErrors"] == [], payload["userErrors"]
            return payload

        number = new_a_number()
        intake = {
            "aNumber": number,
            "firstName": "Itzel",
            "lastName": "Coj",
            "dateOfBirth": "2012-05-06",
            "countryOfBirth": "GT",
            "apprehendedAt": iso(now - timedelta(days=30)),
        }
        child = (await call(INTAKE, "intakeChild", intake))["child"]
        transfer = {
            "childId": child["id"],
            "occurredAt": iso(now - timedelta(days=29)),
            "facility": "Casa Padre",
        }
        await call(TRANSFER, "transferToHhs", transfer)
        release = {
            "childId": child["id"],
            "occurredAt": iso(now - timedelta(days=20)),
            "sponsor": {"firstName": "Rosa", "lastName": "Coj", "relationship": "PARENT"},
            "address": home_address(),
        }
        await call(RELEASE, "releaseToSponsor", release)
        day = (now - timedelta(days=10)).date().isoformat()
        notice = (
            await call(
                ISSUE_NOTICE,
                "issueNotice",
                {"childId": child["id"], "issuedOn": day, "court": "HOU"},
            )
        )["notice"]
        served = {"noticeId": notice["id"], "servedOn": day, "method": "PERSONAL"}
        await call(SERVE_NOTICE, "serveNotice", served)
        await call(FILE_NOTICE, "fileNotice", {"noticeId": notice["id"], "filedOn": day})
        hearing = {
            "childId": child["id"],
            "court": "HOU",
            "type": "MASTER_CALENDAR",
            "scheduledFor": iso(now - timedelta(days=2)),
        }
        scheduled = (await call(SCHEDULE_HEARING, "scheduleHearing", hearing))["hearing"]
        outcome = {"hearingId": scheduled["id"], "status": "FAILED_TO_APPEAR"}
        await call(HEARING_OUTCOME, "recordHearingOutcome", outcome)
        return number


async def test_a_subscriber_receives_the_alert_a_change_through_any_process_raises(
    servers: list[str], tokens: dict[Role, str]
) -> None:
    # given: a subscriber on the first process (the token in connection_init)
    connection = await subscribe(servers[0], tokens[Role.OFFICER], ["FAILED_TO_APPEAR"])
    try:
        # when: the failure to appear is recorded through the last process
        number = await failure_to_appear(servers[-1], tokens[Role.OFFICER])

        # then
        alert = await next_alert(connection)
        assert alert["kind"] == "FAILED_TO_APPEAR"
        assert alert["status"] == "OPEN"
        assert alert["child"]["aNumber"] == number
    finally:
        await connection.close()


async def test_a_subscriber_hears_only_the_kinds_it_asked_for(
    servers: list[str], tokens: dict[Role, str]
) -> None:
    # given: one subscriber to LOCATION_UNKNOWN only, one to every kind (token on the upgrade)
    narrow = await subscribe(servers[0], tokens[Role.SUPERVISOR], ["LOCATION_UNKNOWN"])
    wide = await subscribe(servers[0], tokens[Role.OFFICER], None, header=True)
    try:
        # when
        await failure_to_appear(servers[-1], tokens[Role.OFFICER])

        # then: the wide one hears the failure to appear; the narrow one nothing
        assert (await next_alert(wide))["kind"] == "FAILED_TO_APPEAR"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(narrow.recv(), 2)
    finally:
        await narrow.close()
        await wide.close()


@pytest.mark.parametrize("token", [None, "ct_unknownAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
async def test_a_connection_without_a_known_token_is_refused(
    servers: list[str], token: str | None
) -> None:
    # given
    connection = await websockets.connect(websocket_url(servers[0]), subprotocols=[PROTOCOL])
    payload = {"Authorization": f"Bearer {token}"} if token else {}

    # when
    await connection.send(json.dumps({"type": "connection_init", "payload": payload}))

    # then
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(connection.recv(), WAIT_SECONDS)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_an_integration_token_may_not_subscribe(
    servers: list[str], tokens: dict[Role, str]
) -> None:
    # given
    connection = await subscribe(servers[0], tokens[Role.INTEGRATION], None)
    try:
        # when
        message = json.loads(await asyncio.wait_for(connection.recv(), WAIT_SECONDS))

        # then: the subscription is refused (an "error" message of graphql-transport-ws)
        assert message["type"] == "error"
        assert [e["extensions"]["code"] for e in message["payload"]] == ["FORBIDDEN"]
    finally:
        await connection.close()
