"""Eight writers at once through two server processes: one gap-free, valid chain."""

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import events_table as events
from audit.verify import verify_database
from models.enums import Role
from tests.factories import INTAKE, iso, new_a_number
from tests.server.test_cli import COMMAND, free_port

WRITERS = 8
INTAKES_PER_WRITER = 5
EVENTS_PER_INTAKE = 2  # the child and its APPREHENDED custody event


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two `casetrail serve` processes on loopback, on the test's database."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment["CASETRAIL_DATABASE_URL"] = database_url
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [*COMMAND, "serve", "--port", str(port)],
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for base, server in zip(bases, servers, strict=True):
            while True:
                assert server.poll() is None, "a server exited early"
                assert time.monotonic() < deadline, "a server did not start in time"
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)


async def event_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(events))).scalar_one()
        )


async def test_writers_in_two_processes_append_one_gap_free_valid_chain(
    two_servers: list[str], tokens: dict[Role, str], engine: AsyncEngine
) -> None:
    # given
    before = await event_count(engine)
    headers = {"Authorization": f"Bearer {tokens[Role.OFFICER]}"}

    async def writer(number: int) -> list[dict[str, Any]]:
        base = two_servers[number % 2]
        answers = []
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            for _ in range(INTAKES_PER_WRITER):
                response = await client.post(
                    "/graphql",
                    json={
                        "query": INTAKE,
                        "variables": {
                            "input": {
                                "aNumber": new_a_number(),
                                "firstName": "Eva",
                                "lastName": "Ríos",
                                "dateOfBirth": "2012-02-02",
                                "countryOfBirth": "SV",
                                # the servers run on the real clock
                                "apprehendedAt": iso(datetime.now(UTC) - timedelta(days=1)),
                            }
                        },
                    },
                )
                answers.append(response.json())
        return answers

    # when eight clients write at once, alternating between the two processes
    results = await asyncio.gather(*(writer(n) for n in range(WRITERS)))

    # then every write was acknowledged and recorded once, in one unbroken chain
    for answers in results:
        for body in answers:
            assert "errors" not in body, body
            assert body["data"]["intakeChild"]["userErrors"] == []
    expected = before + WRITERS * INTAKES_PER_WRITER * EVENTS_PER_INTAKE
    async with engine.connect() as connection:
        rows = await connection.execute(select(events.c.sequence).order_by(events.c.sequence))
        sequences = list(rows.scalars())
    assert sequences == list(range(1, expected + 1))
    report = await verify_database(engine)
    assert report.valid, report.as_dict()
    assert report.event_count == expected
