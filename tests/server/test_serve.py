"""`casetrail serve --demo` as a person runs it: a real uvicorn process on loopback, a demo
database, a token per role printed, and a nested query answered."""

from pathlib import Path

import httpx

from models.enums import Role
from tests.processes import serving_demo

NESTED = """
{ children(first: 5, filter: {custodyStatus: [RELEASED_TO_SPONSOR]}) {
    totalCount
    edges { node { aNumber sponsor { lastName } currentAddress { line1 issues }
                   custodyEvents { kind } hearings { status } } } } }"""


def test_serve_demo_prints_tokens_and_answers_a_nested_query(tmp_path: Path) -> None:
    # when
    with serving_demo(tmp_path) as demo:
        answer = httpx.post(
            f"{demo.base}/graphql",
            json={"query": NESTED},
            headers={"Authorization": f"Bearer {demo.tokens['OFFICER']}"},
            timeout=10,
        )
        page = httpx.get(f"{demo.base}/graphql", headers={"Accept": "text/html"}, timeout=10)

    # then
    assert set(demo.tokens) == {role.value for role in Role}
    assert f"{demo.base}/graphql" in demo.printed
    assert (tmp_path / "casetrail-demo.db").exists()
    body = answer.json()
    assert "errors" not in body, body
    children = body["data"]["children"]
    assert children["totalCount"] >= 10
    first = children["edges"][0]["node"]
    assert first["sponsor"]["lastName"]
    assert first["custodyEvents"][-1]["kind"] == "RELEASED_TO_SPONSOR"
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert demo.tokens["OFFICER"] in page.text  # demo mode: GraphiQL opens with a token
