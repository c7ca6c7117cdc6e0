"""GraphiQL's page outside production: this API's example operations in its editor, each of
which runs; in demo mode a token in its headers; and nothing typed written into its URL."""

import json
import re
from datetime import timedelta

from graphql import OperationDefinitionNode, parse

from models.enums import Role
from server.graphiql import EXAMPLE_OPERATIONS, graphiql_html
from tests.conftest import Api, Clock
from tests.factories import CONTACT_ATTEMPT, iso, ok, released_child


def test_the_page_shows_the_given_headers_and_keeps_what_is_typed_out_of_the_url() -> None:
    # when
    page = graphiql_html({"Authorization": "Bearer ct_demo-token"})
    plain = graphiql_html()

    # then
    shown = re.search(r"React\.useState\((\"(?:[^\"\\]|\\.)*\")\)", page)
    assert shown is not None
    assert json.loads(json.loads(shown.group(1))) == {"Authorization": "Bearer ct_demo-token"}
    assert "ct_demo-token" not in plain
    for html in (page, plain):
        assert "function updateURL(data) { return;" in html
        assert "shouldPersistHeaders: false" in html
        assert "query ReleasedChildren" in html


async def test_every_example_operation_runs_without_errors(api: Api, clock: Clock) -> None:
    # given a Houston officer, and a released child in Houston whose id the timeline example takes
    await api.data(
        'mutation { setFieldOffice(input: {code: "HOU", name: "Houston", zipPrefixes: ["770"]}) '
        "{ userErrors { code } } }",
        role=Role.ADMIN,
    )
    created = await api.data(
        'mutation { createApiToken(input: {name: "officer-hou", role: OFFICER, office: "HOU"}) '
        "{ token } }",
        role=Role.ADMIN,
    )
    officer = created["createApiToken"]["token"]
    child = await released_child(api, clock)
    await ok(  # not found there: an alert in Houston's queue
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(hours=1)),
            "method": "HOME_VISIT",
            "outcome": "NOT_LOCATED",
        },
    )
    names = [
        definition.name.value
        for definition in parse(EXAMPLE_OPERATIONS).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None
    ]

    # when
    answers = {
        name: await api.client.post(
            "/graphql",
            json={
                "query": EXAMPLE_OPERATIONS,
                "operationName": name,
                "variables": {"id": child["id"]} if name == "ChildTimeline" else {},
            },
            headers={"Authorization": f"Bearer {officer}"},
        )
        for name in names
    }

    # then
    assert len(names) >= 5
    for name, answer in answers.items():
        body = answer.json()
        assert answer.status_code == 200, (name, body)
        assert "errors" not in body, (name, body)
    released = answers["ReleasedChildren"].json()["data"]["children"]
    assert released["totalCount"] == 1
    timeline = answers["ChildTimeline"].json()["data"]["child"]
    assert timeline["aNumber"] == child["aNumber"]
    assert timeline["history"]["edges"]
    assert answers["Me"].json()["data"]["me"]["office"] == "HOU"
    assert answers["MyWorkQueue"].json()["data"]["workQueue"]["totalCount"] == 1
