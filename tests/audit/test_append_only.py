"""The history is append-only in the database itself: raw SQL that would change or remove an
audit event or a checkpoint is refused by triggers (SQLite and PostgreSQL), and the rows stay
exactly as they were."""

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.chain import SIGNER_KEY
from audit.checkpoints import Signer
from models.db import session_factory
from models.enums import Role
from resolvers.tokens import create_api_token
from resolvers.unit import Actor, open_unit
from tests.conftest import ON_POSTGRES

ADMIN = Actor(name="append-only-test", role=Role.ADMIN)

# The statements touch real rows: a row trigger does not fire for a statement that matches none.
EVENT_REFUSALS = [
    pytest.param("UPDATE audit_event SET reason = 'edited' WHERE sequence = 2", id="update-one"),
    pytest.param("UPDATE audit_event SET sequence = sequence + 100", id="update-all"),
    pytest.param("DELETE FROM audit_event WHERE sequence = 2", id="delete-one"),
    pytest.param("DELETE FROM audit_event", id="delete-all"),
    # An upsert that hits an existing event is an update.
    pytest.param(
        "INSERT INTO audit_event SELECT * FROM audit_event WHERE sequence = 2 "
        "ON CONFLICT (sequence) DO UPDATE SET actor_name = 'mallory'",
        id="upsert",
    ),
]
CHECKPOINT_REFUSALS = [
    pytest.param("UPDATE audit_checkpoint SET head_hash = 'f' WHERE size = 2", id="update-one"),
    pytest.param("DELETE FROM audit_checkpoint WHERE size = 2", id="delete-one"),
    pytest.param("DELETE FROM audit_checkpoint", id="delete-all"),
    pytest.param(
        "INSERT INTO audit_checkpoint SELECT * FROM audit_checkpoint WHERE size = 2 "
        "ON CONFLICT (size) DO UPDATE SET signature = 'forged'",
        id="upsert",
    ),
]
if ON_POSTGRES:
    EVENT_REFUSALS += [
        pytest.param("TRUNCATE audit_event", id="truncate"),
        pytest.param("TRUNCATE audit_event, audit_checkpoint CASCADE", id="truncate-both"),
    ]
    CHECKPOINT_REFUSALS += [pytest.param("TRUNCATE audit_checkpoint", id="truncate")]
else:
    # SQLite's REPLACE deletes the row in the way without firing delete triggers (unless
    # recursive_triggers is on): re-inserting an event under its sequence would replace it.
    EVENT_REFUSALS += [
        pytest.param(
            "INSERT OR REPLACE INTO audit_event (sequence, event_id, recorded_at, actor_name, "
            "actor_role, action, entity_type, entity_id, entity_version, child_id, changes, "
            "reason, request_id, previous_hash, hash) "
            "SELECT sequence, event_id, recorded_at, 'mallory', actor_role, action, entity_type, "
            "entity_id, entity_version, child_id, changes, reason, request_id, previous_hash, "
            "hash FROM audit_event WHERE sequence = 2",
            id="insert-or-replace",
        )
    ]
    CHECKPOINT_REFUSALS += [
        pytest.param(
            "REPLACE INTO audit_checkpoint (size, head_hash, signed_at, key_id, signature) "
            "SELECT size, head_hash, signed_at, key_id, 'forged' FROM audit_checkpoint "
            "WHERE size = 2",
            id="replace",
        )
    ]


async def signed_history(engine: AsyncEngine) -> None:
    """Four events, each in its own transaction, and a signed checkpoint at 2 and 4."""
    sessions = session_factory(
        engine, writer=True, info={SIGNER_KEY: Signer(Ed25519PrivateKey.generate(), every=2)}
    )
    for number in range(4):
        async with open_unit(sessions, ADMIN, "token create") as unit:
            await create_api_token(unit, name=f"clerk-{number}", role=Role.OFFICER)


async def stored(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as connection:
        return {
            "audit_event": [
                tuple(row)
                for row in await connection.execute(
                    text("SELECT * FROM audit_event ORDER BY sequence")
                )
            ],
            "audit_checkpoint": [
                tuple(row)
                for row in await connection.execute(
                    text("SELECT * FROM audit_checkpoint ORDER BY size")
                )
            ],
        }


async def refused(engine: AsyncEngine, statement: str) -> str:
    """The database's message refusing the statement."""
    with pytest.raises(DBAPIError) as error:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    return str(error.value.orig)


@pytest.mark.parametrize("statement", EVENT_REFUSALS)
async def test_raw_sql_cannot_change_or_remove_an_event(
    engine: AsyncEngine, statement: str
) -> None:
    # given
    assert (engine.dialect.name == "postgresql") == ON_POSTGRES
    await signed_history(engine)
    before = await stored(engine)
    assert [row[0] for row in before["audit_event"]] == [1, 2, 3, 4]

    # when
    message = await refused(engine, statement)

    # then
    assert "audit_event is append-only" in message
    assert await stored(engine) == before


@pytest.mark.parametrize("statement", CHECKPOINT_REFUSALS)
async def test_raw_sql_cannot_change_or_remove_a_checkpoint(
    engine: AsyncEngine, statement: str
) -> None:
    # given
    assert (engine.dialect.name == "postgresql") == ON_POSTGRES
    await signed_history(engine)
    before = await stored(engine)
    assert [row[0] for row in before["audit_checkpoint"]] == [2, 4]

    # when
    message = await refused(engine, statement)

    # then
    assert "audit_checkpoint is append-only" in message
    assert await stored(engine) == before


NAMED_REFUSALS = [
    pytest.param(
        "UPDATE audit_event SET reason = 'edited' WHERE sequence = 2", "UPDATE", id="update"
    ),
    pytest.param("DELETE FROM audit_event WHERE sequence = 2", "DELETE", id="delete"),
]
if ON_POSTGRES:
    NAMED_REFUSALS += [pytest.param("TRUNCATE audit_event", "TRUNCATE", id="truncate")]


@pytest.mark.parametrize(("statement", "operation"), NAMED_REFUSALS)
async def test_the_refusal_names_the_operation(
    engine: AsyncEngine, statement: str, operation: str
) -> None:
    # given
    await signed_history(engine)

    # when
    message = await refused(engine, statement)

    # then
    assert f"audit_event is append-only: {operation} refused" in message


async def test_appending_is_still_allowed(engine: AsyncEngine) -> None:
    # given
    await signed_history(engine)

    # when
    async with open_unit(session_factory(engine, writer=True), ADMIN, "token create") as unit:
        await create_api_token(unit, name="clerk-late", role=Role.OFFICER)

    # then
    rows = await stored(engine)
    assert [row[0] for row in rows["audit_event"]] == [1, 2, 3, 4, 5]
    assert [row[0] for row in rows["audit_checkpoint"]] == [2, 4]
