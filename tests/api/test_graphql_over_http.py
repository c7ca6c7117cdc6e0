"""GraphQL over HTTP to the letter: a client that accepts `application/graphql-response+json` is
answered in it, with 400 for a request that could not be executed; a client that asks for plain
JSON is answered as before; and graphql-http's own audit of a started server passes with no
error and no warning."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.enums import Role
from server.media import GRAPHQL_RESPONSE
from tests.conftest import Api
from tests.processes import serving

AUDIT_PACKAGE = Path(__file__).parent / "graphql_http_audit"
NODE_AT_LEAST = 18  # the audit uses the global fetch
COUNT = "{ children(first: 1) { totalCount } }"
UNPARSABLE = "{ children(first: 1) { totalCount }"
INVALID = "{ children(first: 1) { noSuchField } }"
ONE_CHILD = "query One($id: ID!) { child(id: $id) { aNumber } }"
VERIFICATION = "{ auditVerification { valid } }"  # OVERSIGHT's: a field error for an OFFICER
MUTATION_BY_GET = 'mutation { revokeApiToken(input: {name: "x", reason: "y"}) { ok } }'


async def post(api: Api, accept: str | None, query: str, **variables: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.tokens[Role.OFFICER]}"}
    if accept is not None:
        headers["Accept"] = accept
    return await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


def answer_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


async def test_a_graphql_response_client_gets_that_type_for_an_answer_each_path_gives(
    api: Api,
) -> None:
    # when: the first answer is the ordinary path's, the second the prepared read's
    answers = [await post(api, GRAPHQL_RESPONSE, COUNT) for _ in range(3)]

    # then
    for response in answers:
        assert response.status_code == 200
        assert answer_type(response) == GRAPHQL_RESPONSE
        assert response.json() == answers[0].json()
        assert "totalCount" in response.json()["data"]["children"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(UNPARSABLE, {}, id="does not parse"),
        pytest.param(INVALID, {}, id="does not validate"),
        pytest.param(ONE_CHILD, {"id": ["not", "an", "id"]}, id="variables do not coerce"),
        pytest.param(ONE_CHILD, {}, id="a required variable is missing"),
    ],
)
async def test_a_request_that_cannot_be_executed_is_a_400_without_data_for_graphql_response(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    # when
    response = await post(api, GRAPHQL_RESPONSE, query, **variables)

    # then
    assert response.status_code == 400
    assert answer_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert body["errors"]
    assert all("path" not in error for error in body["errors"])


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
async def test_a_plain_json_client_is_answered_as_before_even_when_nothing_executes(
    api: Api, accept: str | None
) -> None:
    # when
    response = await post(api, accept, INVALID)

    # then
    assert response.status_code == 200
    assert answer_type(response) == "application/json"
    body = response.json()
    assert body["data"] is None
    assert body["errors"]


async def test_a_field_error_that_nulls_the_answer_is_still_a_200_once_execution_began(
    api: Api,
) -> None:
    # when
    response = await post(api, GRAPHQL_RESPONSE, VERIFICATION)

    # then
    assert response.status_code == 200
    assert answer_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert body["data"] is None
    assert [error["path"] for error in body["errors"]] == [["auditVerification"]]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_get_serves_queries_only(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens[Role.ADMIN]}", "Accept": GRAPHQL_RESPONSE}

    # when
    query = await api.client.get("/graphql", params={"query": COUNT}, headers=headers)
    mutation = await api.client.get("/graphql", params={"query": MUTATION_BY_GET}, headers=headers)

    # then
    assert query.status_code == 200
    assert "totalCount" in query.json()["data"]["children"]
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"


def node_major(node: str) -> int:
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    return int(version.stdout.strip().lstrip("v").split(".")[0])


@pytest.fixture(scope="session")
def audit_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """graphql-http installed, at the version its lock file pins, beside the audit script."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None or node_major(node) < NODE_AT_LEAST:
        pytest.skip(f"graphql-http's audit needs Node.js {NODE_AT_LEAST} or newer and npm")
    directory = tmp_path_factory.mktemp("graphql-http-audit")
    for name in ("package.json", "package-lock.json", "audit.mjs"):
        shutil.copy(AUDIT_PACKAGE / name, directory / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return directory


def test_graphql_http_audit_of_a_started_server_finds_no_error_and_no_warning(
    audit_directory: Path, database_url: str, tokens: dict[Role, str], tmp_path: Path
) -> None:
    # given
    with serving(database_url, 1, tmp_path) as (base,):
        # when
        run = subprocess.run(
            ["node", "audit.mjs", f"{base}/graphql", tokens[Role.OFFICER]],
            cwd=audit_directory,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )

    # then
    results = json.loads(run.stdout)
    assert len(results) >= 60, "the audit ran fewer checks than graphql-http 1.23 makes"
    assert [result for result in results if result["status"] != "ok"] == []
