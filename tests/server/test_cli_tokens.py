"""`casetrail token create --expires-in-days D`, `token revoke NAME [--reason R]` and `token
list [--json]`, run as an operator runs them: in their own process, against the test's database
(SQLite, or PostgreSQL when the suite runs there), with the real app checking the tokens."""

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from audit.tables import AuditEvent
from models.db import session_factory
from resolvers.tokens import token_hash
from tests.api.test_access import ME
from tests.conftest import Api, Clock
from tests.factories import stored_rows
from tests.server.test_cli import casetrail_on as casetrail

UNKNOWN_TOKEN = "ct_neverissuedneverissuedneverissuedneverissu"


def created_token(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def listed(database_url: str, directory: Path) -> dict[str, dict[str, Any]]:
    result = casetrail(database_url, directory, "token", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


async def ask_me(api: Api, token: str) -> tuple[int, Any]:
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


async def test_token_create_with_an_expiry_lists_it_and_the_token_works_until_then(
    api: Api, database_url: str, tmp_path: Path, clock: Clock
) -> None:
    # when
    token = created_token(
        casetrail(
            database_url,
            tmp_path,
            *("token", "create", "--name", "feed", "--role", "INTEGRATION"),
            *("--expires-in-days", "30"),
        )
    )

    # then
    row = listed(database_url, tmp_path)["feed"]
    created, expires = (datetime.fromisoformat(row[key]) for key in ("created", "expires"))
    assert expires - created == timedelta(days=30)
    assert (row["role"], row["revoked"], row["last_used"]) == ("INTEGRATION", None, None)
    clock.now = expires - timedelta(seconds=1)  # listed to the second
    assert (await ask_me(api, token))[0] == 200
    clock.now = expires + timedelta(seconds=1)
    assert await ask_me(api, token) == await ask_me(api, UNKNOWN_TOKEN)


def test_token_create_refuses_an_expiry_of_no_days(database_url: str, tmp_path: Path) -> None:
    # when
    result = casetrail(
        database_url,
        tmp_path,
        *("token", "create", "--name", "feed", "--role", "OFFICER", "--expires-in-days", "0"),
    )

    # then
    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert "feed" not in listed(database_url, tmp_path)


async def test_token_revoke_refuses_the_token_and_the_history_says_who_and_why(
    api: Api, database_url: str, tmp_path: Path, engine: AsyncEngine
) -> None:
    # given a token in use
    token = created_token(
        casetrail(database_url, tmp_path, "token", "create", "--name", "x", "--role", "OFFICER")
    )
    assert (await ask_me(api, token))[0] == 200

    # when
    result = casetrail(database_url, tmp_path, "token", "revoke", "x", "--reason", "laptop lost")

    # then
    assert result.returncode == 0, result.stderr
    assert await ask_me(api, token) == await ask_me(api, UNKNOWN_TOKEN)
    assert listed(database_url, tmp_path)["x"]["revoked"] is not None
    async with session_factory(engine)() as session:
        events = (
            await session.exec(select(AuditEvent).where(col(AuditEvent.action) == "token revoke"))
        ).all()
    [event] = events
    assert (event.actor_name, event.actor_role) == ("casetrail-cli", "ADMIN")
    assert (event.entity_type, event.reason) == ("ApiToken", "laptop lost")
    assert [change["field"] for change in event.changes] == ["revoked_at"]


async def test_token_revoke_of_a_revoked_or_unknown_name_exits_1_and_changes_nothing(
    database_url: str, tmp_path: Path, engine: AsyncEngine
) -> None:
    # given
    casetrail(database_url, tmp_path, "token", "create", "--name", "x", "--role", "OFFICER")
    assert casetrail(database_url, tmp_path, "token", "revoke", "x").returncode == 0
    before = await stored_rows(engine)

    # when
    again = casetrail(database_url, tmp_path, "token", "revoke", "x")
    unknown = casetrail(database_url, tmp_path, "token", "revoke", "nobody")

    # then
    assert (again.returncode, unknown.returncode) == (1, 1)
    assert "already revoked" in again.stderr
    assert "no token" in unknown.stderr.lower()
    assert await stored_rows(engine) == before


async def test_token_list_shows_the_last_use_and_never_a_token_or_its_hash(
    api: Api, database_url: str, tmp_path: Path, clock: Clock
) -> None:
    # given a token used once
    token = created_token(
        casetrail(database_url, tmp_path, "token", "create", "--name", "x", "--role", "OFFICER")
    )
    await ask_me(api, token)

    # when
    table = casetrail(database_url, tmp_path, "token", "list")
    rows = listed(database_url, tmp_path)

    # then
    assert table.returncode == 0, table.stderr
    for column in ("name", "role", "created", "expires", "revoked", "last used", "OFFICER"):
        assert column in table.stdout
    assert rows["x"]["last_used"] == clock().isoformat(timespec="seconds")
    for output in (table.stdout, json.dumps(rows)):
        assert token not in output
        assert token_hash(token) not in output


async def test_audit_verify_is_valid_after_tokens_are_used_and_revoked(
    api: Api, database_url: str, tmp_path: Path, clock: Clock, tokens: dict[Any, str]
) -> None:
    # given every token used in two different minutes, then one revoked
    for _ in range(2):
        for token in tokens.values():
            assert (await ask_me(api, token))[0] == 200
        clock.advance(minutes=5)
    assert casetrail(database_url, tmp_path, "token", "revoke", "test-officer").returncode == 0

    # when
    result = casetrail(database_url, tmp_path, "audit", "verify", "--json")

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    verification = json.loads(result.stdout)
    assert verification["valid"] is True
    assert verification["drifted_entities"] == []
