"""Test fixtures: a migrated database per test (SQLite by default, PostgreSQL when
CASETRAIL_TEST_DATABASE_URL names one), the real app over HTTP, a token per role, a settable
clock and a statement counter."""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from models.db import create_engine, session_factory
from models.enums import Role
from resolvers.tokens import create_api_token
from resolvers.unit import Actor, open_unit
from server.app import create_app
from server.settings import Settings, async_database_url

TEST_DATABASE_URL = os.environ.get("CASETRAIL_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgresql", "postgres"))
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _admin_dsn() -> str:
    url = make_url(async_database_url(TEST_DATABASE_URL))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _database_url(name: str) -> str:
    url = make_url(async_database_url(TEST_DATABASE_URL))
    return url.set(database=name).render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per run; each test gets a copy of it."""
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    name = f"ct_template_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        connection = await asyncpg.connect(_admin_dsn())
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        await _migrate(_database_url(name))

    async def drop() -> None:
        connection = await asyncpg.connect(_admin_dsn())
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(create())
    yield name
    asyncio.run(drop())


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    if not ON_POSTGRES:
        path = tmp_path / "casetrail.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"ct_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_admin_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield _database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def tokens(engine: AsyncEngine, clock: Clock) -> dict[Role, str]:
    """One token per role, named after the role (e.g. "test-officer")."""
    made: dict[Role, str] = {}
    admin = Actor(name="test-setup", role=Role.ADMIN)
    for role in Role:
        async with open_unit(
            session_factory(engine, writer=True), admin, "token create", clock=clock
        ) as unit:
            made[role], _ = await create_api_token(
                unit, name=f"test-{role.value.lower()}", role=role
            )
    return made


class Api:
    """The real application, spoken to over HTTP as a client would."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[Role, str]) -> None:
        self.client = client
        self.tokens = tokens

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.OFFICER
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.OFFICER
    ) -> dict[str, Any]:
        """The response body of a query that must not fail at the HTTP level."""
        response = await self.post(query, variables, role=role)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.OFFICER
    ) -> dict[str, Any]:
        """The data of a query that must succeed without GraphQL errors."""
        body = await self.gql(query, variables, role=role)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def api(engine: AsyncEngine, tokens: dict[Role, str], clock: Clock) -> AsyncIterator[Api]:
    app = create_app(Settings(database_url="sqlite+aiosqlite://"), engine=engine, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casetrail.test") as client:
        yield Api(client, tokens)


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    """Counts the SQL statements the engine runs (BEGIN/COMMIT excluded)."""
    counter = StatementCounter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.strip().upper()
        # A shared engine's transactions set the request's time limit (the server's own engine
        # sets it once per connection): configuration, not work.
        if words not in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"} and not (
            words.startswith("SET LOCAL STATEMENT_TIMEOUT")
        ):
            counter.count += 1
            counter.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", count)
