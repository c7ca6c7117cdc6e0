"""What one client can make the server do is bounded: the depth, aliases and tokens of a
document, the size of a request's body, the requests a token makes a minute, one operation per
request, and how long a request's statement may run. Each limit is answered with a clear
error and changes nothing."""

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine, session_factory
from models.enums import Role
from schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, timed_out
from server.app import create_app
from server.limits import RateLimiter
from server.settings import Settings
from tests.conftest import Api, Clock
from tests.factories import stored_rows

ME = "query { me { name role } }"


def bearer(api: Api, role: Role = Role.OFFICER) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[role]}"}


async def limited_api(
    engine: AsyncEngine, api: Api, clock: Clock, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(database_url="sqlite+aiosqlite://", **settings), engine=engine, clock=clock
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casetrail.test") as client:
        yield client


async def show_statement_timeout(session: Any) -> str:
    connection = await session.connection()
    setting: str = (await connection.execute(text("SHOW statement_timeout"))).scalar_one()
    return setting


def nested(depth: int) -> str:
    """A document `depth` levels deep, walking child → hearings → child → …"""
    inner = "id"
    for level in range(depth - 3):
        inner = f"child {{ {inner} }}" if level % 2 else f"hearings {{ {inner} }}"
    return f"query {{ children {{ edges {{ node {{ {inner} }} }} }} }}"


# ---------------------------------------------------------------- the document


async def test_a_document_deeper_than_the_limit_is_refused(api: Api) -> None:
    # given: the deepest allowed runs
    assert "errors" not in await api.gql(nested(MAX_DEPTH))

    # when
    body = await api.gql(nested(MAX_DEPTH + 1))

    # then
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_more_aliases_than_the_limit_are_refused(api: Api) -> None:
    def aliased(count: int) -> str:
        return "query { " + " ".join(f"a{n}: me {{ name }}" for n in range(count)) + " }"

    # given
    assert "errors" not in await api.gql(aliased(MAX_ALIASES))

    # when
    body = await api.gql(aliased(MAX_ALIASES + 1))

    # then
    assert body["data"] is None
    assert "aliases found" in body["errors"][0]["message"]


async def test_a_document_of_more_tokens_than_the_limit_is_refused(api: Api) -> None:
    # when: a field's arguments padded with tokens (each `first: 1` is three)
    padding = ", ".join("first: 1" for _ in range(MAX_TOKENS // 3))
    body = await api.gql(f"query {{ children({padding}) {{ totalCount }} }}")

    # then
    assert body["data"] is None
    assert f"more than {MAX_TOKENS} tokens" in body["errors"][0]["message"]


async def test_operations_in_a_batch_are_refused(api: Api, engine: AsyncEngine) -> None:
    # given
    before = await stored_rows(engine)
    mutation = {"query": 'mutation { createApiToken(input: {name: "x", role: OFFICER}) { token } }'}

    # when
    response = await api.client.post(
        "/graphql", json=[mutation, {"query": ME}], headers=bearer(api, Role.ADMIN)
    )

    # then
    assert response.status_code == 400
    assert await stored_rows(engine) == before


# ---------------------------------------------------------------- the request


@pytest.fixture
async def small_bodies(engine: AsyncEngine, api: Api, clock: Clock) -> AsyncIterator[Any]:
    async for client in limited_api(engine, api, clock, max_request_bytes=2048):
        yield client


async def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(
    small_bodies: httpx.AsyncClient, api: Api, engine: AsyncEngine
) -> None:
    # given
    before = await stored_rows(engine)
    padded = {"query": ME, "variables": {"padding": "x" * 4096}}

    # when
    response = await small_bodies.post("/graphql", json=padded, headers=bearer(api))

    # then
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert await stored_rows(engine) == before


async def test_a_body_sent_without_its_length_is_counted_as_it_arrives(
    small_bodies: httpx.AsyncClient, api: Api
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "' + b"#" * 1500
        yield b"#" * 1500 + b'"}'

    # when
    response = await small_bodies.post(
        "/graphql",
        content=chunks(),
        headers={**bearer(api), "Content-Type": "application/json"},
    )

    # then
    assert response.status_code == 413


async def test_a_body_within_the_limit_is_served(small_bodies: httpx.AsyncClient, api: Api) -> None:
    # when
    response = await small_bodies.post("/graphql", json={"query": ME}, headers=bearer(api))

    # then
    assert response.status_code == 200
    assert response.json()["data"]["me"]["role"] == "OFFICER"


async def test_a_token_past_its_rate_is_answered_429_with_retry_after(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    async for client in limited_api(engine, api, clock, rate_limit_per_minute=3):
        # given: three requests, all served
        for _ in range(3):
            ok = await client.post("/graphql", json={"query": ME}, headers=bearer(api))
            assert ok.status_code == 200

        # when
        refused = await client.post("/graphql", json={"query": ME}, headers=bearer(api))
        other = await client.post(
            "/graphql", json={"query": ME}, headers=bearer(api, Role.SUPERVISOR)
        )

        # then: the token waits about 20 s (3 a minute); another token is not held up
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 20
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert other.status_code == 200


def test_a_token_bucket_refills_with_time() -> None:
    # given
    now = [0.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])
    for _ in range(60):
        assert limiter.wait("a") == 0

    # when / then: empty, a request waits a second; after one, it passes
    assert limiter.wait("a") == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter.wait("a") == 0
    # and never holds more than a minute's worth
    now[0] += 3600
    for _ in range(60):
        assert limiter.wait("a") == 0
    assert limiter.wait("a") > 0


# ---------------------------------------------------------------- the database


def slow_query(engine: AsyncEngine, seconds: float) -> TextClause:
    """A statement that runs about `seconds` (SQLite: counting, a few million rows a second)."""
    if engine.dialect.name == "postgresql":
        return text("SELECT pg_sleep(:seconds)").bindparams(seconds=seconds)
    return text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :rows) "
        "SELECT count(*) FROM n"
    ).bindparams(rows=int(seconds * 3_000_000))


@pytest.fixture(params=["engine", "session"])
async def limited(request: pytest.FixtureRequest, engine: AsyncEngine) -> AsyncIterator[Any]:
    """Sessions limited to 100 ms: by their engine (as the server makes its own), or by
    asking for it on an engine that has no limit (as the server does with a shared one)."""
    if request.param == "session":
        yield session_factory(engine, statement_timeout_ms=100)
        return
    url = engine.url.render_as_string(hide_password=False)
    own = create_engine(url, statement_timeout_ms=100)
    try:
        yield session_factory(own)
    finally:
        await own.dispose()


async def test_a_statement_past_the_timeout_is_cancelled(engine: AsyncEngine, limited: Any) -> None:
    # given
    sessions = limited

    # when / then
    async with sessions() as session:
        connection = await session.connection()
        started = time.monotonic()
        with pytest.raises(DBAPIError) as cancelled:
            await connection.execute(slow_query(engine, 5))
    assert timed_out(cancelled.value)
    assert time.monotonic() - started < 2

    # and a transaction with no limit, on the same pooled connection, runs to the end
    async with session_factory(engine)() as session:
        connection = await session.connection()
        await connection.execute(slow_query(engine, 0.3))


async def test_each_request_runs_under_the_statement_timeout(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("reads PostgreSQL's setting; the SQLite limit is tested above")
    # given
    seen: list[str] = []
    app = create_app(
        Settings(database_url="sqlite+aiosqlite://", statement_timeout_ms=1234),
        engine=engine,
        clock=clock,
    )
    routes: list[Any] = list(app.routes)
    graphql = next(route.app for route in routes if route.path == "/graphql")

    # when
    async with graphql.read_sessions() as session:
        seen.append(await show_statement_timeout(session))
    async with graphql.write_sessions() as session:
        seen.append(await show_statement_timeout(session))
    async with graphql.sweep_sessions() as session:
        seen.append(await show_statement_timeout(session))

    # then: requests are limited; the server's own sweep is not a request
    assert seen == ["1234ms", "1234ms", "0"]


async def test_a_document_seen_before_is_not_validated_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the limits are validation rules; the cache must still know the document
    import strawberry.schema.schema as executing
    from graphql.validation import validate as real

    validated: list[object] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        validated.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(executing, "validate", counting)  # graphql-core's, as Strawberry calls it
    document = "query Twice { me { name role } }"

    # when
    for _ in range(3):
        assert "errors" not in await api.gql(document)

    # then
    assert len(validated) == 1
