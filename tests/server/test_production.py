"""Production mode (`CASETRAIL_ENV=production`): no GraphiQL, no introspection, browsers only
from the origins allowed; and the server will not start with demonstration tokens in the
database, without the history's signing key, or open to every origin."""

import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.checkpoints import generate_key
from models.db import session_factory
from models.enums import Role
from resolvers.tokens import create_api_token, revoke_api_token
from resolvers.unit import Actor, open_unit
from server.app import create_app, production_refusals
from server.settings import Settings
from tests.conftest import Api, Clock
from tests.server.test_cli import COMMAND, TIMEOUT_SECONDS

INTROSPECTION = "query { __schema { queryType { name } } }"
ORIGIN = "https://casework.example.gov"


@pytest.fixture
def signing_key(tmp_path: Path) -> Path:
    path = tmp_path / "audit.key"
    generate_key(path)
    return path


def production(signing_key: Path | None, **overrides: Any) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite://",
        env="production",
        audit_signing_key_file=signing_key,
        **overrides,
    )


async def client_of(
    engine: AsyncEngine, clock: Clock, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casetrail.test") as client:
        yield client


async def test_production_answers_no_introspection_and_serves_no_graphiql(
    engine: AsyncEngine, api: Api, clock: Clock, signing_key: Path
) -> None:
    # given: introspection works outside production
    assert "errors" not in await api.gql(INTROSPECTION)
    headers = {"Authorization": f"Bearer {api.tokens[Role.OFFICER]}"}

    async for client in client_of(engine, clock, production(signing_key)):
        # when
        introspection = await client.post(
            "/graphql", json={"query": INTROSPECTION}, headers=headers
        )
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        me = await client.post("/graphql", json={"query": "{ me { role } }"}, headers=headers)

        # then
        assert introspection.json()["data"] is None
        assert "introspection" in introspection.json()["errors"][0]["message"].lower()
        assert page.status_code == 401
        assert me.json() == {"data": {"me": {"role": "OFFICER"}}}


async def test_browsers_may_call_only_from_the_allowed_origins(
    engine: AsyncEngine, api: Api, clock: Clock, signing_key: Path
) -> None:
    settings = production(signing_key, cors_allow_origins=[ORIGIN])
    async for client in client_of(engine, clock, settings):
        # when
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = await client.options("/graphql", headers={"Origin": ORIGIN, **preflight})
        other = await client.options(
            "/graphql", headers={"Origin": "https://elsewhere.example", **preflight}
        )

        # then
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "access-control-allow-origin" not in other.headers


async def test_production_names_every_reason_it_will_not_serve(
    engine: AsyncEngine, clock: Clock, signing_key: Path
) -> None:
    # given: a demonstration token in the database
    admin = Actor(name="test-setup", role=Role.ADMIN)
    async with open_unit(
        session_factory(engine, writer=True), admin, "token create", clock=clock
    ) as unit:
        await create_api_token(unit, name="demo-officer", role=Role.OFFICER)

    # when
    ready = await production_refusals(Settings(database_url="sqlite+aiosqlite://"), engine)
    refusals = await production_refusals(production(None, cors_allow_origins=["*"]), engine)

    # then
    assert ready == []
    assert len(refusals) == 3
    assert "CASETRAIL_AUDIT_SIGNING_KEY_FILE" in refusals[0]
    assert "'*'" in refusals[1]
    assert "demonstration tokens" in refusals[2]

    # when: the demonstration token is revoked
    async with open_unit(
        session_factory(engine, writer=True), admin, "token revoke", clock=clock
    ) as unit:
        await revoke_api_token(unit, name="demo-officer")

    # then: it no longer stands in the way
    assert await production_refusals(production(signing_key), engine) == []


async def test_the_app_will_not_start_in_production_without_the_signing_key(
    engine: AsyncEngine, clock: Clock
) -> None:
    # given
    app = create_app(production(None), engine=engine, clock=clock)

    # when / then: startup fails, naming why
    with pytest.raises(RuntimeError, match="CASETRAIL_AUDIT_SIGNING_KEY_FILE"):
        async with app.router.lifespan_context(app):
            pass


def serve(database: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env |= {"CASETRAIL_DATABASE_URL": f"sqlite+aiosqlite:///{database}", "NO_COLOR": "1"}
    return subprocess.run(
        [*COMMAND, "serve", "--port", "0", *args],
        cwd=database.parent,
        env=env | environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def test_serve_refuses_a_demo_or_a_database_it_may_not_serve_in_production(
    tmp_path: Path,
) -> None:
    # given
    database = tmp_path / "production.db"
    upgraded = subprocess.run(
        [*COMMAND, "db", "upgrade"],
        env={**os.environ, "CASETRAIL_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert upgraded.returncode == 0, upgraded.stderr

    # when
    demo = serve(database, "--demo", CASETRAIL_ENV="production")
    unsigned = serve(database, CASETRAIL_ENV="production")

    # then
    assert demo.returncode == 2
    assert "--demo" in demo.stderr
    assert unsigned.returncode == 2
    assert "CASETRAIL_AUDIT_SIGNING_KEY_FILE" in unsigned.stderr
    assert not (tmp_path / "casetrail-demo.db").exists()
