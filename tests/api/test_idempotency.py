"""`Idempotency-Key`: a mutation sent again with its key returns the first answer and writes
nothing, in whichever server process it lands; the key sent with another request is refused."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import verify_database
from models import IdempotencyKey
from models.enums import Role
from resolvers.idempotency import KEPT_FOR
from tests.conftest import Api, Clock
from tests.factories import INTAKE, children_with, event_count, iso, new_a_number
from tests.processes import serving

COUNT = "{ children(first: 1) { totalCount } }"
TWO_FIELDS = """
mutation Two($a: IntakeChildInput!, $b: IntakeChildInput!) {
  a: intakeChild(input: $a) { child { id } }
  b: intakeChild(input: $b) { child { id } }
}"""


def intake(clock: Clock, a_number: str, **overrides: Any) -> dict[str, Any]:
    child = {
        "aNumber": a_number,
        "firstName": "Inés",
        "lastName": "Solís",
        "dateOfBirth": "2011-07-08",
        "countryOfBirth": "SV",
        "apprehendedAt": iso(clock()),
    }
    return {"query": INTAKE, "variables": {"input": child | overrides}}


async def send(
    api: Api, body: dict[str, Any], key: str | None, role: Role = Role.OFFICER
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.tokens[role]}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await api.client.post("/graphql", json=body, headers=headers)


async def test_a_mutation_sent_again_with_its_key_gets_the_first_answer_and_writes_nothing(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a mutation answered once with a key
    key, a_number = str(uuid.uuid4()), new_a_number()
    first = await send(api, intake(clock, a_number), key)
    events_after_first = await event_count(engine)

    # when it is sent again, twice
    again = [await send(api, intake(clock, a_number), key) for _ in range(2)]

    # then
    assert first.status_code == 200
    assert first.json()["data"]["intakeChild"]["userErrors"] == []
    assert "idempotent-replayed" not in first.headers
    for response in again:
        assert response.status_code == 200
        assert response.content == first.content
        assert response.headers["idempotent-replayed"] == "true"
        assert response.headers["content-type"] == first.headers["content-type"]
    assert await children_with(engine, a_number) == 1
    assert await event_count(engine) == events_after_first


async def test_without_a_key_the_same_mutation_runs_again(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    a_number = new_a_number()
    await send(api, intake(clock, a_number), None)

    # when
    second = await send(api, intake(clock, a_number), None)

    # then: the database refuses the duplicate, as it always did
    assert second.json()["data"]["intakeChild"]["userErrors"][0]["code"] == "DUPLICATE"


async def test_a_key_sent_with_another_request_is_refused_and_writes_nothing(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    key, first_number, other_number = str(uuid.uuid4()), new_a_number(), new_a_number()
    await send(api, intake(clock, first_number), key)

    # when
    other = await send(api, intake(clock, other_number), key)

    # then
    assert other.status_code == 422
    [error] = other.json()["errors"]
    assert error["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await children_with(engine, other_number) == 0


async def test_keys_are_the_callers_own(api: Api, engine: AsyncEngine, clock: Clock) -> None:
    # given one caller's key
    key = str(uuid.uuid4())
    officer_number, supervisor_number = new_a_number(), new_a_number()
    await send(api, intake(clock, officer_number), key, Role.OFFICER)

    # when another caller sends the same key with its own request
    other = await send(api, intake(clock, supervisor_number), key, Role.SUPERVISOR)

    # then it is a key of its own
    assert other.status_code == 200
    assert other.json()["data"]["intakeChild"]["userErrors"] == []
    assert await children_with(engine, supervisor_number) == 1


async def test_a_refused_mutation_keeps_no_key_and_its_retry_runs_afresh(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a mutation refused with userErrors (a birth date in the future)
    key, a_number = str(uuid.uuid4()), new_a_number()
    refused = await send(api, intake(clock, a_number, dateOfBirth="2999-01-01"), key)

    # when the same request is sent again with the key
    again = await send(api, intake(clock, a_number, dateOfBirth="2999-01-01"), key)

    # then it ran again (nothing was kept), and nothing was written either time
    assert refused.json()["data"]["intakeChild"]["userErrors"]
    assert "idempotent-replayed" not in again.headers
    assert again.json() == refused.json()
    assert await children_with(engine, a_number) == 0
    async with engine.connect() as connection:
        kept = select(func.count()).select_from(IdempotencyKey)
        assert (await connection.execute(kept)).scalar_one() == 0


async def test_a_key_on_a_query_is_ignored(api: Api) -> None:
    # when
    answers = [await send(api, {"query": COUNT}, "same-key") for _ in range(2)]

    # then
    for response in answers:
        assert response.status_code == 200
        assert "idempotent-replayed" not in response.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "ключ"])
async def test_a_malformed_key_is_refused(api: Api, clock: Clock, key: str) -> None:
    # when
    headers = [
        (b"Authorization", f"Bearer {api.tokens[Role.OFFICER]}".encode()),
        (b"Idempotency-Key", key.encode()),
    ]
    response = await api.client.post(
        "/graphql", json=intake(clock, new_a_number()), headers=headers
    )

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_IDEMPOTENCY_KEY"


async def test_a_keyed_mutation_of_two_fields_is_refused(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    a, b = new_a_number(), new_a_number()
    body = {
        "query": TWO_FIELDS,
        "variables": {
            "a": intake(clock, a)["variables"]["input"],
            "b": intake(clock, b)["variables"]["input"],
        },
    }

    # when
    response = await send(api, body, str(uuid.uuid4()))

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert await children_with(engine, a) + await children_with(engine, b) == 0


async def test_a_key_past_its_time_is_forgotten(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a key used long enough ago
    key = str(uuid.uuid4())
    first_number, later_number = new_a_number(), new_a_number()
    await send(api, intake(clock, first_number), key)
    clock.advance(seconds=KEPT_FOR.total_seconds() + 1)

    # when it is used again, with another request
    later = await send(api, intake(clock, later_number), key)

    # then it is a new key, and the old one is gone
    assert later.status_code == 200
    assert later.json()["data"]["intakeChild"]["userErrors"] == []
    assert await children_with(engine, later_number) == 1
    async with engine.connect() as connection:
        kept = select(func.count()).select_from(IdempotencyKey)
        assert (await connection.execute(kept)).scalar_one() == 1


async def test_retries_at_once_through_two_server_processes_write_once_with_one_answer(
    database_url: str, tokens: dict[Role, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    # given two server processes, and one mutation a client sends 8 times at once with one key
    key, a_number = str(uuid.uuid4()), new_a_number()
    body = intake(Clock(), a_number)
    headers = {"Authorization": f"Bearer {tokens[Role.OFFICER]}", "Idempotency-Key": key}
    before = await event_count(engine)
    with serving(database_url, 2, tmp_path) as bases:
        clients = [httpx.AsyncClient(base_url=base, headers=headers, timeout=60) for base in bases]
        try:
            # when
            answers = await asyncio.gather(
                *(clients[n % 2].post("/graphql", json=body) for n in range(8))
            )
        finally:
            for client in clients:
                await client.aclose()

    # then every answer is the one answer, and the child was written once
    assert [answer.status_code for answer in answers] == [200] * 8
    assert len({answer.content for answer in answers}) == 1
    assert answers[0].json()["data"]["intakeChild"]["userErrors"] == []
    assert sum("idempotent-replayed" not in answer.headers for answer in answers) == 1
    assert await children_with(engine, a_number) == 1
    assert await event_count(engine) - before == 2  # the child and its APPREHENDED event
    assert (await verify_database(engine)).valid
