"""A document the compiled read path answered is answered again by it straight from the
server, without Strawberry: the same answer and access-log entries as the first time; and
variables, arguments or a caller it must not serve go through Strawberry as before."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

import models
from audit.tables import AccessLogEntry
from models.db import session_factory
from models.enums import Role
from schema.compiled import CompilingExecutor
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, Clock
from tests.factories import in_hhs_child, released_child

PAGE = """
query Page($first: Int, $after: String) {
  children(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id aNumber lastName hearings { status } currentAddress { line1 } } }
  }
}"""


class Executions:
    """How many operations Strawberry's executor ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        ordinary = CompilingExecutor.execute_collected_root_fields

        def counted(executor: CompilingExecutor, *args: Any) -> Any:
            self.count += 1
            return ordinary(executor, *args)

        monkeypatch.setattr(CompilingExecutor, "execute_collected_root_fields", counted)


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> Executions:
    return Executions(monkeypatch)


@pytest.fixture
async def ordinary_api(
    engine: AsyncEngine, tokens: dict[Role, str], clock: Clock
) -> AsyncIterator[Api]:
    """The same service with the compiled read path switched off."""
    settings = Settings(database_url="sqlite+aiosqlite://", compiled_reads=False)
    app = create_app(settings, engine=engine, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casetrail.test") as client:
        yield Api(client, tokens)


async def send(api: Api, variables: dict[str, Any], request_id: str, role: Role) -> httpx.Response:
    return await api.client.post(
        "/graphql",
        json={"query": PAGE, "operationName": "Page", "variables": variables},
        headers={"Authorization": f"Bearer {api.tokens[role]}", "X-Request-ID": request_id},
    )


async def logged(engine: AsyncEngine, request_id: str) -> list[tuple[Any, ...]]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(AccessLogEntry).where(AccessLogEntry.request_id == request_id)
        )
        return sorted((r.child_id, r.actor_name, r.actor_role, r.operation) for r in rows)


async def test_a_document_answered_before_is_answered_again_without_strawberry(
    api: Api, engine: AsyncEngine, clock: Clock, executions: Executions
) -> None:
    # given: children, and the page asked for once
    for _ in range(3):
        await released_child(api, clock)
    await in_hhs_child(api, clock)
    executions.count = 0
    first = await send(api, {"first": 3}, "first-request", Role.OFFICER)
    assert executions.count == 1

    # when: asked again, then for the next page
    again = await send(api, {"first": 3}, "second-request", Role.OFFICER)
    cursor = again.json()["data"]["children"]["pageInfo"]["endCursor"]
    following = await send(api, {"first": 3, "after": cursor}, "third-request", Role.OFFICER)

    # then: no execution by Strawberry, the same answer and the same access-log entries
    assert executions.count == 1
    assert again.status_code == first.status_code == 200
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.json() == first.json()
    assert len(first.json()["data"]["children"]["edges"]) == 3
    assert await logged(engine, "second-request") == await logged(engine, "first-request")
    assert len(await logged(engine, "first-request")) == 3
    edges = following.json()["data"]["children"]["edges"]
    assert len(edges) == 1
    assert len(await logged(engine, "third-request")) == 1


@pytest.mark.parametrize(
    ("variables", "role"),
    [
        ({"first": "three"}, Role.OFFICER),  # a variable of the wrong type
        ({"first": -1}, Role.OFFICER),  # an argument the list refuses
        ({"after": "not-a-cursor"}, Role.OFFICER),
        ({"first": 3}, Role.INTEGRATION),  # a role that may not read case records
    ],
)
async def test_what_the_compiled_path_must_not_serve_gets_strawberrys_answer(
    api: Api,
    ordinary_api: Api,
    clock: Clock,
    variables: dict[str, Any],
    role: Role,
) -> None:
    # given: the document prepared by an officer's request
    await released_child(api, clock)
    await send(api, {"first": 3}, "prime", Role.OFFICER)

    # when
    answer = await send(api, variables, "refused", role)
    expected = await send(ordinary_api, variables, "refused-ordinary", role)

    # then: the answer Strawberry gives with the compiled path switched off
    assert answer.status_code == expected.status_code
    assert answer.json() == expected.json()
    assert "errors" in answer.json()


async def test_the_children_read_are_the_ones_logged(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    await send(api, {"first": 1}, "prime", Role.OFFICER)

    # when
    answer = await send(api, {"first": 1}, "logged", Role.SUPERVISOR)

    # then: the supervisor's own entry, naming the operation
    node = answer.json()["data"]["children"]["edges"][0]["node"]
    assert node["id"] == child["id"]
    async with session_factory(engine)() as session:
        stored = (
            await session.exec(select(models.Child).where(models.Child.a_number == node["aNumber"]))
        ).one()
    assert await logged(engine, "logged") == [(stored.id, "test-supervisor", "SUPERVISOR", "Page")]
