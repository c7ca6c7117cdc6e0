"""GraphQL over HTTP's two answer types, and which one a request gets.

A client that accepts `application/graphql-response+json` is answered in it, and then the
status code says what happened: 400 for a request that could not be executed at all (a
document that does not parse or validate, variables that do not fit it), 200 once execution
began. A client that asks only for `application/json` (or sends no Accept header, or `*/*`) is
answered as GraphQL servers always answered: 200, with `data` null beside the errors. That is
what the GraphQL over HTTP specification asks of a server, and what existing clients expect.
"""

from strawberry.types import ExecutionResult

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def answer_type(accept: str | None) -> str:
    """The media type to answer a request with this Accept header in: the GraphQL response type
    where it is asked for by name at least as strongly as plain JSON, otherwise JSON."""
    if not accept:
        return JSON
    weights = {JSON: 0.0, GRAPHQL_RESPONSE: 0.0}
    for media_range in accept.split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        media_type = media_type.lower()
        if media_type in weights:
            weights[media_type] = max(weights[media_type], _quality(parameters))
    if weights[GRAPHQL_RESPONSE] > 0 and weights[GRAPHQL_RESPONSE] >= weights[JSON]:
        return GRAPHQL_RESPONSE
    return JSON


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


def is_request_error(result: ExecutionResult) -> bool:
    """Whether the request failed before execution: its errors (a parse or validation failure,
    variables that do not coerce) name no field's path, and there is no data. An error raised
    by a field, even one that nulls the whole answer, has the field's path."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )
