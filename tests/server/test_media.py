"""Which of GraphQL over HTTP's two answer types a request's Accept header gets."""

import pytest

from server.media import GRAPHQL_RESPONSE, JSON, answer_type


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("text/html", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE};q=0", JSON),
        (f"{GRAPHQL_RESPONSE};q=bad", JSON),
        (f"{GRAPHQL_RESPONSE};q=2", JSON),
        (f"{GRAPHQL_RESPONSE} ; charset=utf-8 ; q=0.3, */*;q=0.1", GRAPHQL_RESPONSE),
    ],
)
def test_the_graphql_response_type_when_asked_for_by_name_at_least_as_strongly(
    accept: str | None, expected: str
) -> None:
    assert answer_type(accept) == expected
