"""Fifty clients at once, through two server processes, changing the same child and their own:
every acknowledged change is there and nothing else is, every conflict is a VERSION_CONFLICT
that wrote nothing, each record's revisions have no gaps, and the history verifies."""

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import events_table as events
from audit.verify import verify_database
from models.enums import Role
from schema.ids import decode
from tests.conftest import Api, Clock
from tests.factories import CONTACT_ATTEMPT, RECORD_ADDRESS, home_address, released_child
from tests.processes import serving

CLIENTS = 50
CHILDREN = 5  # the first is every client's; each client also has one of the others
RECORD = """
query Record($id: ID!) {
  child(id: $id) { version contactAttempts { id } addresses { id effectiveFrom } }
}"""


class Tally:
    """What the clients were told."""

    def __init__(self) -> None:
        self.contact_attempts: dict[str, set[str]] = defaultdict(set)
        self.addresses: dict[str, set[str]] = defaultdict(set)
        self.conflicts: Counter[str] = Counter()
        self.address_attempts: Counter[str] = Counter()


async def graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


async def record_contact(client: httpx.AsyncClient, child: str, tally: Tally, n: int) -> None:
    """No expectedVersion: it must always be applied."""
    attempted = datetime.now(UTC) - timedelta(minutes=n + 1)
    data = await graphql(
        client,
        CONTACT_ATTEMPT,
        {
            "input": {
                "childId": child,
                "attemptedAt": attempted.isoformat(),
                "method": "PHONE",
                "outcome": "NO_RESPONSE",
            }
        },
    )
    payload = data["recordContactAttempt"]
    assert payload["userErrors"] == []
    tally.contact_attempts[child].add(payload["contactAttempt"]["id"])


async def move(client: httpx.AsyncClient, child: str, released: date, tally: Tally, n: int) -> None:
    """With the version just read: applied, or refused as a conflict. The date moves on with
    the version, so a move applied later is always dated later."""
    version = (await graphql(client, RECORD, {"id": child}))["child"]["version"]
    data = await graphql(
        client,
        RECORD_ADDRESS,
        {
            "input": {
                "childId": child,
                "address": home_address(line1=f"{100 + n} Cedar Street"),
                "effectiveFrom": (released + timedelta(days=version)).isoformat(),
                "source": "SPONSOR_REPORTED",
                "expectedVersion": version,
            }
        },
    )
    payload = data["recordAddress"]
    tally.address_attempts[child] += 1
    if payload["userErrors"]:
        assert [error["code"] for error in payload["userErrors"]] == ["VERSION_CONFLICT"]
        tally.conflicts[child] += 1
    else:
        tally.addresses[child].add(payload["address"]["id"])


async def revisions(engine: AsyncEngine, child: str) -> list[int]:
    key = decode(child, "Child", "id")
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(events.c.entity_version)
            .where(events.c.entity_type == "Child", events.c.entity_id == key)
            .order_by(events.c.sequence)
        )
        return [version for (version,) in rows]


async def test_fifty_clients_through_two_processes_lose_nothing_and_conflict_cleanly(
    api: Api, clock: Clock, database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    # given released children, and what they hold before
    children = [(await released_child(api, clock))["id"] for _ in range(CHILDREN)]
    released = (clock() - timedelta(days=8)).date()
    before = {child: (await api.data(RECORD, {"id": child}))["child"] for child in children}
    tally = Tally()
    headers = {"Authorization": f"Bearer {api.tokens[Role.OFFICER]}"}

    # when fifty clients each record a contact attempt and a move on the shared child and on
    # their own, through two server processes
    with serving(database_url, 2, tmp_path, rate_limit_per_minute="100000") as bases:
        clients = [httpx.AsyncClient(base_url=b, headers=headers, timeout=120) for b in bases]
        try:

            async def officer(n: int) -> None:
                client, own = clients[n % 2], children[1 + n % (CHILDREN - 1)]
                await record_contact(client, children[0], tally, n)
                await move(client, children[0], released, tally, n)
                await record_contact(client, own, tally, n)
                await move(client, own, released, tally, n)

            await asyncio.gather(*(officer(n) for n in range(CLIENTS)))
        finally:
            for client in clients:
                await client.aclose()

    # then every acknowledged change is there, and nothing else
    for child in children:
        after = (await api.data(RECORD, {"id": child}))["child"]
        contacts = {c["id"] for c in after["contactAttempts"]} - {
            c["id"] for c in before[child]["contactAttempts"]
        }
        moves = {a["id"] for a in after["addresses"]} - {
            a["id"] for a in before[child]["addresses"]
        }
        assert contacts == tally.contact_attempts[child]
        assert moves == tally.addresses[child]
        assert len(moves) + tally.conflicts[child] == tally.address_attempts[child]
        applied = len(contacts) + len(moves)
        assert after["version"] == before[child]["version"] + applied
        # each record's revisions in the history: 1, 2, 3, … with no gap and no repeat
        history = await revisions(engine, child)
        assert history == list(range(1, len(history) + 1))
    # the shared child was fought over: some moves lost, and at least one won
    assert tally.conflicts[children[0]] > 0
    assert tally.addresses[children[0]]
    assert sum(len(ids) for ids in tally.contact_attempts.values()) == 2 * CLIENTS
    report = await verify_database(engine)
    assert report.valid, report.problems
