"""Partner notifications: an ADMIN registers a partner's endpoint, the alert kinds it receives
and the child's fields it may see; every such alert reaches it as a signed POST, through its
outages and ours, once by its idempotency key; the delivery log is for ADMIN and OVERSIGHT."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from models import PartnerDelivery
from models.base import utc_now
from models.enums import Role
from resolvers import partners
from resolvers.partners import (
    DELIVERY_HEADER,
    HOLD_SECONDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    deliver_due,
    sign,
    verify_signature,
)
from tests.conftest import Api, Clock
from tests.factories import HEARING_OUTCOME, ok, released_child, scheduled_hearing
from tests.processes import serving
from tests.server.test_cli import free_port

REGISTER = """
mutation Register($input: RegisterPartnerInput!) {
  registerPartner(input: $input) {
    partner { name endpoint kinds fields active }
    secret
    userErrors { code message field }
  }
}"""
SET_ACTIVE = """
mutation Active($input: SetPartnerActiveInput!) {
  setPartnerActive(input: $input) { partner { name active } userErrors { code message } }
}"""
DELIVERIES = """
query Log($partner: String) {
  partnerDeliveries(partner: $partner) {
    idempotencyKey partner alertId kind status attempts lastError deliveredAt
  }
}"""
HISTORY = """
query Registered { auditLog(filter: {entityType: "Partner"}) { edges { node {
  action actor { name } changes { field after } } } } }"""


@dataclass
class Receiver:
    """A partner's endpoint on loopback: it checks each delivery's signature against the
    partner's key and the test's clock, answers 503 while `failing`, and takes each
    idempotency key once."""

    clock: Callable[[], datetime]
    secret: str = ""
    failing: bool = False
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key
    repeats: list[str] = field(default_factory=list)  # keys sent again after being taken
    refused_signatures: int = 0
    base: str = ""

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        signed = verify_signature(
            self.secret,
            request.headers.get(TIMESTAMP_HEADER, ""),
            request.headers.get(SIGNATURE_HEADER, ""),
            body,
            now=self.clock(),
        )
        if not signed:
            self.refused_signatures += 1
            return Response(status_code=401)
        if self.failing:
            return Response(status_code=503)
        key = request.headers[DELIVERY_HEADER]
        if key in self.taken:
            self.repeats.append(key)
        else:
            self.taken[key] = json.loads(body)
        return Response(status_code=200)


@pytest.fixture
async def receiver(clock: Clock) -> AsyncIterator[Receiver]:
    found = Receiver(clock)
    port = free_port()
    app = Starlette(routes=[Route("/hook", found.hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn sets a flag; it has no event)
        await asyncio.sleep(0.02)
    found.base = f"http://127.0.0.1:{port}"
    try:
        yield found
    finally:
        server.should_exit = True
        await serving


async def register(api: Api, receiver: Receiver, **overrides: Any) -> dict[str, Any]:
    input = {
        "name": "HHS placement desk",
        "endpoint": f"{receiver.base}/hook",
        "kinds": ["FAILED_TO_APPEAR"],
        "fields": ["A_NUMBER"],
        **overrides,
    }
    payload: dict[str, Any] = (await api.data(REGISTER, {"input": input}, role=Role.ADMIN))[
        "registerPartner"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    receiver.secret = payload["secret"]
    return payload


async def failed_to_appear(api: Api, clock: Clock) -> dict[str, Any]:
    """A released child who failed to appear at a hearing two days ago."""
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    await ok(
        api,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": "FAILED_TO_APPEAR"},
    )
    return child


async def deliver(engine: AsyncEngine, clock: Clock) -> partners.DeliveryRound:
    async with httpx.AsyncClient() as client:
        return await deliver_due(engine, clock, client)


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (
                await connection.execute(select(func.count()).select_from(PartnerDelivery))
            ).scalar_one()
        )


async def test_each_alert_reaches_its_partner_once_through_the_partners_outage(
    api: Api, clock: Clock, engine: AsyncEngine, receiver: Receiver
) -> None:
    # given a partner that is down, and three children who failed to appear
    await register(api, receiver)
    receiver.failing = True
    children = [await failed_to_appear(api, clock) for _ in range(3)]

    # when the partner is down
    first = await deliver(engine, clock)
    too_soon = await deliver(engine, clock)
    log_while_down = (await api.data(DELIVERIES, role=Role.OVERSIGHT))["partnerDeliveries"]
    # and once it is back, after the wait
    receiver.failing = False
    clock.advance(seconds=10)
    second = await deliver(engine, clock)
    clock.advance(hours=2)
    third = await deliver(engine, clock)

    # then
    assert (first.sent, first.delivered) == (3, 0)
    assert too_soon.sent == 0  # it backs off
    assert {(d["status"], d["attempts"], d["lastError"]) for d in log_while_down} == {
        ("PENDING", 1, "HTTP 503")
    }
    assert (second.sent, second.delivered) == (3, 3)
    assert third.sent == 0
    assert receiver.repeats == []
    assert receiver.refused_signatures == 0
    log = (await api.data(DELIVERIES, role=Role.ADMIN))["partnerDeliveries"]
    assert {d["status"] for d in log} == {"DELIVERED"}
    assert set(receiver.taken) == {d["idempotencyKey"] for d in log}
    assert sorted(body["child"]["aNumber"] for body in receiver.taken.values()) == sorted(
        child["aNumber"] for child in children
    )
    for key, body in receiver.taken.items():
        assert body["deliveryId"] == key
        assert body["alert"]["kind"] == "FAILED_TO_APPEAR"
        assert set(body["child"]) == {"aNumber"}  # the only field this partner may see


async def test_a_delivery_sent_by_a_process_that_died_before_writing_so_is_taken_once(
    api: Api, clock: Clock, engine: AsyncEngine, receiver: Receiver
) -> None:
    # given a delivery held and sent by a process that then died, writing nothing
    await register(api, receiver)
    await failed_to_appear(api, clock)
    held = await partners._hold(engine, clock(), limit=10)
    async with httpx.AsyncClient() as client:
        for delivery_id, endpoint, secret, body in held:
            assert (
                await partners._send(client, delivery_id, endpoint, secret, body.encode(), clock)
                is None
            )

    # when another process looks while the hold lasts, and after it lapses
    during = await deliver(engine, clock)
    clock.advance(seconds=HOLD_SECONDS + 1)
    after = await deliver(engine, clock)

    # then it is sent again, and the partner takes its key once
    assert len(held) == 1
    assert during.sent == 0
    assert (after.sent, after.delivered) == (1, 1)
    assert len(receiver.taken) == 1
    assert receiver.repeats == [str(held[0][0])]


async def test_fields_kinds_and_active_decide_what_a_partner_is_sent(
    api: Api, clock: Clock, engine: AsyncEngine, receiver: Receiver
) -> None:
    # given a partner of other alert kinds, and one that may see names and the sponsor
    await register(api, receiver, name="Unrelated desk", kinds=["TRANSFER_OVERDUE"])
    await register(api, receiver, name="Case desk", fields=["NAME", "SPONSOR"])

    # when one child fails to appear, then the partner is stopped and another fails to appear
    await failed_to_appear(api, clock)
    stopped = await api.data(
        SET_ACTIVE, {"input": {"name": "Case desk", "active": False}}, role=Role.ADMIN
    )
    await failed_to_appear(api, clock)
    round_ = await deliver(engine, clock)

    # then only the first alert was sent, to the partner of its kind, with its fields
    assert stopped["setPartnerActive"]["partner"] == {"name": "Case desk", "active": False}
    assert (round_.sent, round_.delivered) == (1, 1)
    (body,) = receiver.taken.values()
    assert set(body["child"]) == {"firstName", "lastName", "sponsor"}
    assert body["child"]["lastName"] == "Pérez Gómez"  # the factories' child
    assert set(body["child"]["sponsor"]) == {"firstName", "lastName", "relationship", "phone"}


async def test_a_partner_is_registered_by_an_admin_and_in_the_history_without_its_key(
    api: Api, receiver: Receiver
) -> None:
    # when
    made = await register(api, receiver)
    await api.data(
        SET_ACTIVE, {"input": {"name": "HHS placement desk", "active": False}}, role=Role.ADMIN
    )
    history = (await api.data(HISTORY, role=Role.OVERSIGHT))["auditLog"]["edges"]
    verified = (
        await api.data("{ auditVerification { valid driftedEntities } }", role=Role.OVERSIGHT)
    )["auditVerification"]
    refused = await api.gql(
        REGISTER,
        {"input": {"name": "x", "endpoint": "https://x.test/", "kinds": [], "fields": []}},
        role=Role.OFFICER,
    )

    # then
    assert made["partner"]["kinds"] == ["FAILED_TO_APPEAR"]
    assert made["secret"]
    registered, stopped = [edge["node"] for edge in history]
    assert registered["action"] == "registerPartner"
    assert registered["actor"]["name"] == "test-admin"
    assert stopped["action"] == "setPartnerActive"
    assert stopped["changes"] == [{"field": "active", "after": False}]
    assert verified == {"valid": True, "driftedEntities": []}
    assert made["secret"] not in json.dumps(history)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("overrides", "field_at_fault"),
    [
        pytest.param({"endpoint": "http://partner.example.org/hook"}, "endpoint", id="plain-http"),
        pytest.param({"endpoint": "ftp://partner.example.org/"}, "endpoint", id="not-http"),
        pytest.param({"endpoint": "https://user:pw@partner.example.org/"}, "endpoint", id="creds"),
        pytest.param({"kinds": []}, "kinds", id="no-kinds"),
        pytest.param({"name": "  "}, "name", id="blank-name"),
    ],
)
async def test_a_bad_registration_is_refused_and_writes_nothing(
    api: Api, engine: AsyncEngine, overrides: dict[str, Any], field_at_fault: str
) -> None:
    # given
    input = {
        "name": "HHS placement desk",
        "endpoint": "https://partner.example.org/hook",
        "kinds": ["FAILED_TO_APPEAR"],
        "fields": [],
        **overrides,
    }

    # when
    payload = (await api.data(REGISTER, {"input": input}, role=Role.ADMIN))["registerPartner"]
    listed = (await api.data("{ partners { name } }", role=Role.ADMIN))["partners"]

    # then
    assert payload["partner"] is None
    assert payload["secret"] is None
    assert payload["userErrors"][0]["field"] == ["input", field_at_fault]
    assert listed == []


def test_a_receiver_refuses_a_wrong_key_a_changed_body_and_a_stale_timestamp(
    clock: Clock,
) -> None:
    # given
    body = b'{"deliveryId":"k"}'
    now = int(clock().timestamp())
    signature = sign("key", now, body)

    # then
    assert verify_signature("key", str(now), signature, body, clock())
    assert not verify_signature("other key", str(now), signature, body, clock())
    assert not verify_signature("key", str(now), signature, body + b" ", clock())
    assert not verify_signature("key", str(now), signature, body, clock() + timedelta(minutes=6))
    assert not verify_signature("key", "soon", signature, body, clock())


async def test_a_second_partner_with_the_same_name_is_a_duplicate(
    api: Api, receiver: Receiver
) -> None:
    # given
    await register(api, receiver)

    # when
    again = await api.data(
        REGISTER,
        {
            "input": {
                "name": "HHS placement desk",
                "endpoint": f"{receiver.base}/hook",
                "kinds": ["LOCATION_UNKNOWN"],
                "fields": [],
            }
        },
        role=Role.ADMIN,
    )

    # then
    assert again["registerPartner"]["userErrors"][0]["code"] == "DUPLICATE"


async def test_an_alert_no_partner_receives_writes_no_delivery(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # when no partner is registered
    await failed_to_appear(api, clock)

    # then
    assert await outbox_size(engine) == 0


async def test_a_server_process_delivers_on_its_own(
    api: Api, clock: Clock, database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    # given a partner, and a server process whose delivery loop runs every 0.2 s
    await register(api, receiver)
    receiver.clock = utc_now  # the process signs by the real clock

    # when a child fails to appear
    with serving(database_url, 1, tmp_path, partner_delivery_interval_seconds="0.2"):
        await failed_to_appear(api, clock)
        for _ in range(100):
            if receiver.taken:
                break
            await asyncio.sleep(0.1)
        log = (await api.data(DELIVERIES, role=Role.OVERSIGHT))["partnerDeliveries"]

    # then the process sent it, and wrote so
    assert len(receiver.taken) == 1
    assert receiver.refused_signatures == 0
    assert [(d["status"], d["attempts"]) for d in log] == [("DELIVERED", 1)]
