"""An API token's life: it may expire, an ADMIN may revoke it, and each use is noted (at most
once a minute, outside the history). An expired or revoked token is refused exactly like one
that never existed."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

import models
from models.db import session_factory
from models.enums import Role
from tests.api.test_access import CREATE_TOKEN, ME, REVOKE_TOKEN, error_codes
from tests.conftest import ON_POSTGRES, START, Api, Clock
from tests.factories import iso, stored_rows

UNKNOWN_TOKEN = "ct_neverissuedneverissuedneverissuedneverissu"
AUDIT_LOG = """
query Log($filter: AuditFilter) {
  auditLog(filter: $filter) {
    edges { node { actor { name role } action entityType reason changes { field before after } } }
  }
}"""
VERIFICATION = "{ auditVerification { valid driftedEntities problems } }"


async def create_token(api: Api, name: str, role: str, **more: Any) -> dict[str, Any]:
    input = {"name": name, "role": role, **more}
    data = await api.data(CREATE_TOKEN, {"input": input}, role=Role.ADMIN)
    payload: dict[str, Any] = data["createApiToken"]
    return payload


async def revoke(api: Api, name: str, reason: str | None = None, *, role: Role = Role.ADMIN) -> Any:
    body = await api.gql(REVOKE_TOKEN, {"input": {"name": name, "reason": reason}}, role=role)
    return body


async def ask_me(api: Api, token: str) -> tuple[int, dict[str, Any], str | None]:
    """Status, body and WWW-Authenticate of `me` asked with this token."""
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json(), response.headers.get("www-authenticate")


async def last_used(engine: AsyncEngine, name: str) -> datetime | None:
    async with session_factory(engine)() as session:
        found = await session.exec(
            select(models.ApiTokenUse.last_used_at)
            .join(models.ApiToken, col(models.ApiToken.id) == models.ApiTokenUse.token_id)
            .where(col(models.ApiToken.name) == name)
        )
        return found.first()


# ---------------------------------------------------------------- expiry


async def test_a_token_works_until_it_expires_then_is_refused_like_an_unknown_one(
    api: Api, clock: Clock
) -> None:
    # given a token that expires in an hour
    payload = await create_token(
        api, "night-shift", "OFFICER", expiresAt=iso(clock() + timedelta(hours=1))
    )
    assert payload["userErrors"] == []
    token = payload["token"]
    status_before, body_before, _ = await ask_me(api, token)

    # when the hour has passed
    clock.advance(hours=1)
    expired = await ask_me(api, token)

    # then
    assert (status_before, body_before["data"]["me"]["name"]) == (200, "night-shift")
    assert expired == await ask_me(api, UNKNOWN_TOKEN)
    assert expired[0] == 401
    assert error_codes(expired[1]) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(hours=-1)], ids=["now", "past"])
async def test_an_expiry_not_in_the_future_is_invalid_and_nothing_is_written(
    api: Api, clock: Clock, engine: AsyncEngine, offset: timedelta
) -> None:
    # given
    before = await stored_rows(engine)

    # when
    payload = await create_token(api, "night-shift", "OFFICER", expiresAt=iso(clock() + offset))

    # then
    assert payload["token"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["input", "expiresAt"])
    assert await stored_rows(engine) == before


# ---------------------------------------------------------------- revocation


async def test_an_admin_revokes_a_token_which_is_then_refused_like_an_unknown_one(
    api: Api, clock: Clock, tokens: dict[Role, str]
) -> None:
    # given
    status_before, _, _ = await ask_me(api, tokens[Role.INTEGRATION])

    # when
    body = await revoke(api, "test-integration", "contract ended")

    # then
    assert "errors" not in body
    assert body["data"]["revokeApiToken"] == {
        "actor": {"name": "test-integration", "role": "INTEGRATION"},
        "revokedAt": iso(clock()),
        "userErrors": [],
    }
    refused = await ask_me(api, tokens[Role.INTEGRATION])
    assert status_before == 200
    assert refused == await ask_me(api, UNKNOWN_TOKEN)
    assert refused[0] == 401


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
async def test_only_an_admin_may_revoke_and_a_refusal_writes_nothing(
    api: Api, engine: AsyncEngine, tokens: dict[Role, str], role: Role
) -> None:
    # given
    before = await stored_rows(engine)

    # when
    body = await revoke(api, "test-officer", role=role)

    # then
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"] is None
    assert await stored_rows(engine) == before
    assert (await ask_me(api, tokens[Role.OFFICER]))[0] == 200


@pytest.mark.parametrize(
    ("name", "code"),
    [("test-officer", "INVALID_TRANSITION"), ("nobody-by-this-name", "NOT_FOUND")],
    ids=["revoked-twice", "unknown-name"],
)
async def test_revoking_a_revoked_or_unknown_token_is_a_user_error_that_changes_nothing(
    api: Api, engine: AsyncEngine, name: str, code: str
) -> None:
    # given the officer's token revoked once
    first = await revoke(api, "test-officer", "first time")
    assert first["data"]["revokeApiToken"]["userErrors"] == []
    before = await stored_rows(engine)

    # when
    body = await revoke(api, name, "again")

    # then
    payload = body["data"]["revokeApiToken"]
    assert (payload["actor"], payload["revokedAt"]) == (None, None)
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == (code, ["input", "name"])
    assert error["message"]
    assert name not in error["message"]
    assert await stored_rows(engine) == before


async def test_a_revocation_is_in_the_history_with_the_admin_and_the_reason(
    api: Api, clock: Clock
) -> None:
    # given
    assert clock() == START

    # when
    await revoke(api, "test-supervisor", "left the unit")

    # then
    log = await api.data(AUDIT_LOG, {"filter": {"action": "revokeApiToken"}}, role=Role.OVERSIGHT)
    [event] = [edge["node"] for edge in log["auditLog"]["edges"]]
    assert event["actor"] == {"name": "test-admin", "role": "ADMIN"}
    assert (event["entityType"], event["reason"]) == ("ApiToken", "left the unit")
    assert event["changes"] == [
        {"field": "revokedAt", "before": None, "after": "2026-06-01T12:00:00.000000Z"}
    ]


# ---------------------------------------------------------------- last use


async def test_a_tokens_use_is_recorded_at_most_once_a_minute(
    api: Api, clock: Clock, engine: AsyncEngine, tokens: dict[Role, str]
) -> None:
    # given a token never used
    never = await last_used(engine, "test-oversight")
    first_use = clock()

    # when it is used, then again within the minute, then a minute after its first use
    await ask_me(api, tokens[Role.OVERSIGHT])
    recorded = await last_used(engine, "test-oversight")
    clock.advance(seconds=59)
    await ask_me(api, tokens[Role.OVERSIGHT])
    within_the_minute = await last_used(engine, "test-oversight")
    clock.advance(seconds=1)
    await ask_me(api, tokens[Role.OVERSIGHT])
    a_minute_on = await last_used(engine, "test-oversight")

    # then
    assert never is None
    assert recorded == first_use
    assert within_the_minute == first_use
    assert a_minute_on == first_use + timedelta(minutes=1)


async def test_a_refused_token_is_not_recorded_as_used(
    api: Api, engine: AsyncEngine, tokens: dict[Role, str]
) -> None:
    # given
    await revoke(api, "test-officer")

    # when
    status, _, _ = await ask_me(api, tokens[Role.OFFICER])

    # then
    assert status == 401
    assert await last_used(engine, "test-officer") is None


async def test_a_failure_to_record_a_use_does_not_fail_the_request_nor_log_data(
    api: Api, engine: AsyncEngine, tokens: dict[Role, str], caplog: pytest.LogCaptureFixture
) -> None:
    # given the table of uses refuses every write
    async with engine.begin() as connection:
        for statement in _REFUSE_USES_POSTGRES if ON_POSTGRES else _REFUSE_USES_SQLITE:
            await connection.execute(text(statement))

    # when
    status, body, _ = await ask_me(api, tokens[Role.OFFICER])

    # then
    assert (status, body["data"]["me"]["name"]) == (200, "test-officer")
    assert await last_used(engine, "test-officer") is None
    [record] = [r for r in caplog.records if "token use" in r.getMessage()]
    assert "refused on purpose" not in record.getMessage()
    assert "test-officer" not in record.getMessage()


_REFUSE_USES_SQLITE = [
    """CREATE TRIGGER refuse_uses BEFORE INSERT ON api_token_use
       BEGIN SELECT RAISE(ABORT, 'refused on purpose'); END"""
]
_REFUSE_USES_POSTGRES = [
    """CREATE FUNCTION refuse_uses() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'refused on purpose'; END $$""",
    """CREATE TRIGGER refuse_uses BEFORE INSERT OR UPDATE ON api_token_use
       FOR EACH ROW EXECUTE FUNCTION refuse_uses()""",
]


async def test_the_history_verifies_after_tokens_are_used_and_revoked(
    api: Api, clock: Clock, tokens: dict[Role, str]
) -> None:
    # given every token used in two different minutes, one created and one revoked
    for _ in range(2):
        for token in tokens.values():
            await ask_me(api, token)
        clock.advance(minutes=2)
    await create_token(api, "court-feed", "INTEGRATION", expiresAt=iso(clock() + timedelta(days=1)))
    await revoke(api, "test-integration", "replaced by court-feed")

    # when
    verification = await api.data(VERIFICATION, role=Role.OVERSIGHT)

    # then
    assert verification["auditVerification"] == {
        "valid": True,
        "driftedEntities": [],
        "problems": [],
    }
