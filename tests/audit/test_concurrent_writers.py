"""Eight writers at once through two server processes: one gap-free, valid chain."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import events_table as events
from audit.verify import verify_database
from models.enums import Role
from tests.factories import INTAKE, event_count, iso, new_a_number
from tests.processes import serving

WRITERS = 8
INTAKES_PER_WRITER = 5
EVENTS_PER_INTAKE = 2  # the child and its APPREHENDED custody event


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two `casetrail serve` processes on loopback, on the test's database."""
    with serving(database_url, 2, tmp_path) as bases:
        yield bases


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
