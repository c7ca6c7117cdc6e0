"""Every read of a child's record leaves an entry in the access log: who, when, which request."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.enums import Role
from tests.conftest import Api, Clock
from tests.factories import released_child

PAGE = "query OfficerPage { children(first: 10) { edges { node { aNumber firstName } } } }"
ACCESS_LOG = """
query Reads($id: ID!) {
  child(id: $id) { accessLog { readAt actor { name role } requestId operation } }
}"""


async def test_a_read_is_logged_with_who_when_and_which_request(api: Api, clock: Clock) -> None:
    # given two children
    first = await released_child(api, clock)
    second = await released_child(api, clock)

    # when an officer reads the page, in a request with its own ID
    response = await api.client.post(
        "/graphql",
        json={"query": PAGE, "operationName": "OfficerPage"},
        headers={
            "Authorization": f"Bearer {api.tokens[Role.OFFICER]}",
            "X-Request-ID": "req-page-1",
        },
    )
    assert response.status_code == 200

    # then oversight sees that read on each child's log, newest first
    for child in (first, second):
        entries = (await api.data(ACCESS_LOG, {"id": child["id"]}, role=Role.OVERSIGHT))["child"][
            "accessLog"
        ]
        page_reads = [e for e in entries if e["requestId"] == "req-page-1"]
        assert page_reads == [
            {
                "readAt": clock().isoformat(),
                "actor": {"name": "test-officer", "role": "OFFICER"},
                "requestId": "req-page-1",
                "operation": "OfficerPage",
            }
        ]


async def test_a_hearing_list_without_the_child_logs_no_read(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    await released_child(api, clock)
    async with engine.connect() as connection:
        before = (await connection.execute(text("SELECT count(*) FROM access_log"))).scalar_one()

    # when an integration lists hearings (no child fields)
    await api.data("{ hearings { edges { node { court } } } }", role=Role.INTEGRATION)

    # then
    async with engine.connect() as connection:
        after = (await connection.execute(text("SELECT count(*) FROM access_log"))).scalar_one()
    assert after == before


async def test_only_oversight_reads_the_access_log(api: Api, clock: Clock) -> None:
    child = await released_child(api, clock)

    body = await api.gql(ACCESS_LOG, {"id": child["id"]}, role=Role.OFFICER)

    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "statement", ["UPDATE access_log SET actor_name = 'x'", "DELETE FROM access_log"]
)
async def test_the_access_log_cannot_be_changed(
    api: Api, clock: Clock, engine: AsyncEngine, statement: str
) -> None:
    # given a logged read
    child = await released_child(api, clock)
    await api.data("query($id: ID!) { child(id: $id) { aNumber } }", {"id": child["id"]})

    # when / then
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as connection:
            await connection.execute(text(statement))
