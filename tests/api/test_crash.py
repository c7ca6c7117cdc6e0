"""A server killed outright (SIGKILL) in the middle of a write load loses no acknowledged
change and leaves none half-written: after a restart every acknowledged intake is there with
its custody event and its history, every other one is wholly there or wholly absent, and the
history verifies."""

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from audit.verify import events_table as events
from audit.verify import verify_database
from models import Child, CustodyEvent
from models.enums import Role
from tests.factories import INTAKE, new_a_number
from tests.processes import serving

WRITERS = 16
KILL_AFTER_ACKNOWLEDGED = 40  # intakes answered before the kill, so it falls mid-load
EVENTS_PER_INTAKE = 2  # the child and its APPREHENDED custody event


class Load:
    def __init__(self) -> None:
        self.acknowledged: list[str] = []
        self.sent: list[str] = []
        self.enough = asyncio.Event()


async def writer(client: httpx.AsyncClient, load: Load) -> None:
    """Intakes until the server stops answering."""
    while True:
        a_number = new_a_number()
        load.sent.append(a_number)
        apprehended = datetime.now(UTC) - timedelta(hours=1)
        body: dict[str, Any] = {
            "query": INTAKE,
            "variables": {
                "input": {
                    "aNumber": a_number,
                    "firstName": "Noa",
                    "lastName": "Paz",
                    "dateOfBirth": "2013-05-06",
                    "countryOfBirth": "GT",
                    "apprehendedAt": apprehended.isoformat(),
                }
            },
        }
        try:
            response = await client.post("/graphql", json=body)
        except httpx.TransportError:
            return  # killed: this one is unacknowledged
        assert response.status_code == 200, response.text
        payload = response.json()["data"]["intakeChild"]
        assert payload["userErrors"] == []
        load.acknowledged.append(a_number)
        if len(load.acknowledged) >= KILL_AFTER_ACKNOWLEDGED:
            load.enough.set()


async def stored(engine: AsyncEngine, a_number: str) -> tuple[int, int, int]:
    """(children, custody events, history events) of the child with this A-number."""
    async with engine.connect() as connection:
        keys = [
            key
            for (key,) in await connection.execute(
                select(col(Child.id)).where(col(Child.a_number) == a_number)
            )
        ]
        if not keys:
            return 0, 0, 0
        custody = await connection.execute(
            select(func.count())
            .select_from(CustodyEvent)
            .where(col(CustodyEvent.child_id) == keys[0])
        )
        history = await connection.execute(
            select(func.count()).select_from(events).where(events.c.child_id == keys[0])
        )
        return len(keys), int(custody.scalar_one()), int(history.scalar_one())


async def test_a_server_killed_mid_load_loses_no_acknowledged_write_and_half_writes_none(
    database_url: str, tokens: dict[Role, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    # given a write load on a server
    headers = {"Authorization": f"Bearer {tokens[Role.OFFICER]}"}
    load = Load()
    with serving(database_url, 1, tmp_path, rate_limit_per_minute="100000") as servers:
        async with httpx.AsyncClient(base_url=servers[0], headers=headers, timeout=60) as client:
            writers = [asyncio.create_task(writer(client, load)) for _ in range(WRITERS)]

            # when it is killed outright in the middle of it
            await asyncio.wait_for(load.enough.wait(), timeout=120)
            servers.processes[0].send_signal(signal.SIGKILL)
            await asyncio.wait_for(asyncio.gather(*writers), timeout=60)

    # then a new server on the same database serves again
    with serving(database_url, 1, tmp_path) as (base,):
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            answer = await client.post(
                "/graphql", json={"query": "{ children(first: 1) { totalCount } }"}
            )
            assert answer.status_code == 200
    # every acknowledged intake is whole, and every other is whole or absent
    unacknowledged = [a for a in load.sent if a not in set(load.acknowledged)]
    assert len(load.acknowledged) >= KILL_AFTER_ACKNOWLEDGED
    assert unacknowledged, "the kill came after every request was answered"
    for a_number in load.acknowledged:
        assert await stored(engine, a_number) == (1, 1, EVENTS_PER_INTAKE)
    for a_number in unacknowledged:
        assert await stored(engine, a_number) in ((0, 0, 0), (1, 1, EVENTS_PER_INTAKE))
    report = await verify_database(engine)
    assert report.valid, report.problems
