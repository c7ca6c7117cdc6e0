"""With the database gone mid-run, every request fails fast with 503 and says why, /healthz
says why, a refused write writes nothing, and the server serves again by itself once the
database is back: no restart."""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import verify_database
from models.enums import Role
from tests.conftest import ON_POSTGRES
from tests.factories import INTAKE, children_with, new_a_number
from tests.processes import Outage, serving

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="an outage of a database server: SQLite is a file the server opens"
)

COUNT = "{ children(first: 1) { totalCount } }"
FAIL_WITHIN_SECONDS = 3.0
RECOVER_WITHIN_SECONDS = 20.0


@pytest.fixture
def relayed(database_url: str) -> Iterator[tuple[Outage, str]]:
    """A relay to the test's database, and the database's URL through it."""
    url = make_url(database_url)
    with Outage(url.host or "127.0.0.1", url.port or 5432) as outage:
        yield outage, url.set(host="127.0.0.1", port=outage.port).render_as_string(False)


def intake(a_number: str) -> dict[str, Any]:
    return {
        "query": INTAKE,
        "variables": {
            "input": {
                "aNumber": a_number,
                "firstName": "Lía",
                "lastName": "Mora",
                "dateOfBirth": "2012-03-04",
                "countryOfBirth": "HN",
                "apprehendedAt": "2026-01-05T10:00:00Z",
            }
        },
    }


def assert_refused_as_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["message"].startswith("The database is unavailable (")


async def test_an_outage_is_a_fast_503_with_its_reason_and_the_server_recovers_by_itself(
    relayed: tuple[Outage, str], tokens: dict[Role, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    outage, url = relayed
    headers = {"Authorization": f"Bearer {tokens[Role.OFFICER]}"}
    refused_a_number, later_a_number = new_a_number(), new_a_number()
    with serving(url, 1, tmp_path) as (base,):
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            # given a server that serves (the second read is answered by the prepared path)
            for _ in range(2):
                assert (await client.post("/graphql", json={"query": COUNT})).status_code == 200

            # when the database goes away
            outage.cut()
            started = time.monotonic()
            read = await client.post("/graphql", json={"query": COUNT})
            write = await client.post("/graphql", json=intake(refused_a_number))
            health = await client.get("/healthz")
            took = time.monotonic() - started

            # then each fails fast and says why
            assert took < FAIL_WITHIN_SECONDS
            assert_refused_as_unavailable(read)
            assert_refused_as_unavailable(write)
            assert health.status_code == 503
            assert health.json()["status"] == "unavailable"
            assert health.json()["reason"]

            # when the database is back, the same server serves again
            outage.restore()
            deadline = time.monotonic() + RECOVER_WITHIN_SECONDS
            while (await client.get("/healthz")).status_code != 200:
                assert time.monotonic() < deadline, "the server did not recover by itself"
                await asyncio.sleep(0.2)
            recovered_read = await client.post("/graphql", json={"query": COUNT})
            recovered_write = await client.post("/graphql", json=intake(later_a_number))

    # then
    assert recovered_read.status_code == 200
    assert "errors" not in recovered_read.json()
    assert recovered_write.status_code == 200
    assert recovered_write.json()["data"]["intakeChild"]["userErrors"] == []
    assert await children_with(engine, refused_a_number) == 0
    assert await children_with(engine, later_a_number) == 1
    assert (await verify_database(engine)).valid
