"""Operations generated from the served schema (schemathesis, GraphQL mode), sent with every
role's token to a started server holding synthetic cases: none may fail the server, whatever
the query or input. A refusal, a user error or a limit is an answer; a 5xx or an "Internal
error." is a failure."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from graphql import introspection_from_schema
from hypothesis import HealthCheck, given, settings
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import session_factory
from models.enums import Role
from resolvers.seed import seed_demo
from schema import schema as served_schema
from tests.conftest import Clock
from tests.processes import serving

# Generated cases per operation (query field or mutation) and role.
GENERATED_PER_OPERATION = 5


@pytest.fixture
async def seeded(engine: AsyncEngine, clock: Clock, tokens: dict[Role, str]) -> dict[Role, str]:
    """The demonstration cases, and a token per role."""
    await seed_demo(session_factory(engine, writer=True), clock)
    return tokens


@pytest.fixture
def server(seeded: dict[Role, str], database_url: str, tmp_path: Path) -> Iterator[str]:
    with serving(database_url, 1, tmp_path, rate_limit_per_minute="100000") as (base,):
        yield base


def generated_failures(operation: Any, server: str, token: str) -> list[str]:
    """Send the operation's generated cases with the token; returns those that failed the
    server."""
    failures: list[str] = []

    @settings(
        max_examples=GENERATED_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = case.call(
            base_url=f"{server}/graphql", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        body = response.json() if response.content else {}
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        if response.status_code >= 500 or "INTERNAL" in codes:
            failures.append(f"{operation.label}: {response.status_code} {codes}")

    check()
    return failures


def test_no_generated_operation_fails_the_server(server: str, seeded: dict[Role, str]) -> None:
    # given: every query field and mutation the server serves
    graphql = served_schema._schema
    roots = (graphql.query_type, graphql.mutation_type)
    fields = {f"{root.name}.{name}" for root in roots if root is not None for name in root.fields}
    introspection: dict[str, Any] = dict(introspection_from_schema(graphql))
    operations = [
        result.ok()  # type: ignore[union-attr]
        for result in schemathesis.graphql.from_dict(introspection).get_all_operations()
    ]
    assert {operation.label for operation in operations} == fields

    # when: each operation with each role's token
    failures = [
        f"{role.value}: {failure}"
        for operation in operations
        for role in Role
        for failure in generated_failures(operation, server, seeded[role])
    ]

    # then
    assert failures == []
