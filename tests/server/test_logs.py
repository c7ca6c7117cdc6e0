"""The server's log: one JSON object a line, each request's line naming its request id, actor,
operation and outcome, and never a record's data, not even what a GET carries in its URL."""

import contextvars
import json
import logging
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import httpx

from models.enums import Role
from resolvers.unit import Actor
from server.logs import RequestFields, TextFormatter, begin_request
from tests.conftest import Api
from tests.factories import INTAKE, new_a_number
from tests.processes import serving

# Values that must never reach the log, though the requests below carry them.
CHILD_NAME = "Quetzalli"
SEARCHED = "Xochitl-Zamudio"
COUNT_BY_NAME = """
query ChildrenNamed($name: String!) { children(first: 1, filter: {search: $name}) { totalCount } }
"""


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


async def test_each_request_is_one_json_line_naming_its_request_id_and_actor(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    # given
    log = tmp_path / "server.log"
    officer = {"Authorization": f"Bearer {api.tokens[Role.OFFICER]}"}
    intake = {
        "aNumber": new_a_number(),
        "firstName": CHILD_NAME,
        "lastName": "Tlapa",
        "dateOfBirth": "2013-05-06",
        "countryOfBirth": "MX",
        "apprehendedAt": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        "facility": "CBP Donna Processing Center",
    }

    # when
    with serving(database_url, 1, tmp_path, log=log) as (base,):
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            written = await client.post(
                "/graphql",
                json={"query": INTAKE, "variables": {"input": intake}},
                headers={**officer, "X-Request-ID": "trace-42"},
            )
            searched = await client.get(
                "/graphql",
                params={"query": COUNT_BY_NAME, "variables": json.dumps({"name": SEARCHED})},
                headers=officer,
            )
            refused = await client.post(
                "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "no-token"}
            )

    # then
    assert written.status_code == 200
    assert "errors" not in written.json()
    assert searched.status_code == 200
    assert "errors" not in searched.json()
    assert refused.status_code == 401
    lines = json_lines(log)
    by_id = {
        line.get("request_id"): line for line in lines if line["logger"] == "casetrail.requests"
    }
    mutation = by_id["trace-42"]
    assert mutation["method"] == "POST"
    assert mutation["path"] == "/graphql"
    assert (mutation["status"], mutation["operation"]) == (200, "Intake")
    assert (mutation["actor"], mutation["role"]) == ("test-officer", "OFFICER")
    assert mutation["level"] == "INFO"
    assert mutation["time"]
    assert mutation["duration_ms"] >= 0
    query = by_id[searched.headers["x-request-id"]]
    assert (query["method"], query["path"], query["operation"]) == (
        "GET",
        "/graphql",
        "ChildrenNamed",
    )
    assert by_id["no-token"]["status"] == 401
    assert "actor" not in by_id["no-token"]
    text = log.read_text()
    for value in (CHILD_NAME, intake["aNumber"], SEARCHED, "variables", api.tokens[Role.OFFICER]):
        assert value not in text


def test_a_line_logged_while_a_request_is_answered_names_the_request() -> None:
    # given
    logger = logging.getLogger("casetrail.test_logs")
    output = StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(TextFormatter())
    handler.addFilter(RequestFields())
    logger.addHandler(handler)
    logger.propagate = False

    def answering() -> None:
        begin_request("req-7", Actor(name="officer-jones", role=Role.OFFICER))
        logger.warning("alert sweep failed: %s", "TimeoutError")

    # when
    try:
        contextvars.copy_context().run(answering)
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)

    # then
    inside, outside = output.getvalue().splitlines()
    assert inside.endswith(
        "alert sweep failed: TimeoutError request_id=req-7 actor=officer-jones role=OFFICER"
    )
    assert outside.endswith("outside any request")
