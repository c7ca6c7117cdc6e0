"""Tampering with the history behind the API, with the append-only triggers dropped as an
attacker with the database's owner rights would: every kind of change is found by
`verify_database` and named (the first invalid sequence, or the drifted entity)."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import RowMapping, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.canonical import EVENT_FIELDS, chain_hash, event_document
from audit.checkpoints import Signer, key_id
from audit.export import export
from audit.verify import Checkpoint, Verification, read_checkpoints, verify_database
from models import Address, Child, Sponsor
from models.enums import Role
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, Clock
from tests.factories import (
    RECORD_ADDRESS,
    home_address,
    in_hhs_child,
    intake_child,
    ok,
    released_child,
)

# A checkpoint every 4 events. The `tokens` fixture writes events 1-5 unsigned; the history
# below then reaches 22 events, so signed checkpoints stand at 8, 12, 16 and 20.
EVERY = 4
HISTORY_EVENTS = 22
CHECKPOINTS = [8, 12, 16, 20]
TAIL_TOKENS = 2 * EVERY

events_table: Any = Child.metadata.tables["audit_event"]
checkpoints_table: Any = Child.metadata.tables["audit_checkpoint"]

CREATE_TOKEN = """
mutation Create($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token userErrors { code message } }
}"""


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
async def signed_api(
    engine: AsyncEngine,
    tokens: dict[Role, str],
    clock: Clock,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> AsyncIterator[Api]:
    """The real app, configured as production is: writes sign a checkpoint every EVERY events."""
    key_file = tmp_path / "signing-key.pem"
    key_file.write_bytes(
        signing_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = Settings(
        database_url="sqlite+aiosqlite://",
        audit_signing_key_file=key_file,
        audit_checkpoint_every=EVERY,
    )
    app = create_app(settings, engine=engine, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casetrail.test") as client:
        yield Api(client, tokens)


async def build_history(api: Api, clock: Clock) -> dict[str, Any]:
    """Three children: one intaken, one transferred to HHS, one released and then moved.
    Returns the released child."""
    await intake_child(api, clock)
    await in_hhs_child(api, clock, reason="bed space at Casa Padre")
    child = await released_child(api, clock)
    await ok(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": child["id"],
            "address": home_address(line1="77 Oak Avenue"),
            "effectiveFrom": (clock() - timedelta(days=2)).date().isoformat(),
            "source": "SPONSOR_REPORTED",
            "reason": "sponsor moved",
        },
    )
    return child


async def create_tokens(api: Api, count: int) -> None:
    for number in range(count):
        data = await api.data(
            CREATE_TOKEN,
            {"input": {"name": f"tail-clerk-{number}", "role": "OFFICER"}},
            role=Role.ADMIN,
        )
        assert data["createApiToken"]["userErrors"] == []


async def events(engine: AsyncEngine) -> list[RowMapping]:
    async with engine.connect() as connection:
        result = await connection.execute(select(events_table).order_by(events_table.c.sequence))
        return list(result.mappings())


async def checkpoint_sizes(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        result = await connection.execute(
            select(checkpoints_table.c.size).order_by(checkpoints_table.c.size)
        )
        return list(result.scalars())


def event_of(rows: list[RowMapping], action: str, entity_type: str) -> RowMapping:
    """The first event of this action on this kind of record."""
    return next(r for r in rows if r["action"] == action and r["entity_type"] == entity_type)


async def execute(engine: AsyncEngine, *statements: Any) -> None:
    """Run statements in one transaction, straight on a connection (no session, no capture)."""
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(statement)


async def child_id(engine: AsyncEngine, a_number: str) -> uuid.UUID:
    async with engine.connect() as connection:
        found: uuid.UUID = (
            await connection.execute(
                select(Child.__table__.c.id).where(Child.__table__.c.a_number == a_number)  # type: ignore[attr-defined]
            )
        ).scalar_one()
        return found


async def export_checkpoints(engine: AsyncEngine, path: Path) -> list[Checkpoint]:
    """The checkpoints of an export taken now, as an auditor would keep them elsewhere."""
    await export(engine, path)
    return read_checkpoints(path)


async def rewrite_from(engine: AsyncEngine, sequence: int) -> str:
    """Change event `sequence`'s reason and recompute every hash from there on, as an attacker
    who knows the canonical form would. Returns the new head hash."""
    rows = await events(engine)
    previous = rows[sequence - 2]["hash"] if sequence > 1 else "0" * 64
    statements = []
    for row in rows[sequence - 1 :]:
        fields = {name: row[name] for name in EVENT_FIELDS if name != "previous_hash"}
        if row["sequence"] == sequence:
            fields["reason"] = "rewritten"
        new_hash = chain_hash(previous, event_document(**fields, previous_hash=previous))
        statements.append(
            update(events_table)
            .where(events_table.c.sequence == row["sequence"])
            .values(reason=fields["reason"], previous_hash=previous, hash=new_hash)
        )
        previous = new_hash
    await execute(engine, *statements)
    return previous


def assert_only_chain_failure(report: Verification, first_invalid: int) -> None:
    assert report.valid is False
    assert report.first_invalid_sequence == first_invalid
    assert report.drifted == []


# ---------------------------------------------------------------- an untouched history


async def test_an_untouched_history_verifies(engine: AsyncEngine, api: Api, clock: Clock) -> None:
    # given
    await build_history(api, clock)
    rows = await events(engine)

    # when
    report = await verify_database(engine, Ed25519PrivateKey.generate().public_key())

    # then
    assert [row["sequence"] for row in rows] == list(range(1, HISTORY_EVENTS + 1))
    assert report.valid is True
    assert report.event_count == HISTORY_EVENTS
    assert report.head_hash == rows[-1]["hash"]
    assert report.first_invalid_sequence is None
    assert report.problems == []
    assert report.drifted == []
    assert report.checkpoints_checked == 0


async def test_an_untouched_signed_history_verifies_with_its_checkpoints(
    engine: AsyncEngine, signed_api: Api, clock: Clock, signing_key: Ed25519PrivateKey
) -> None:
    # given
    await build_history(signed_api, clock)
    rows = await events(engine)

    # when
    report = await verify_database(engine, signing_key.public_key())

    # then
    assert await checkpoint_sizes(engine) == CHECKPOINTS
    assert report.valid is True
    assert report.event_count == HISTORY_EVENTS
    assert report.head_hash == rows[-1]["hash"]
    assert report.first_invalid_sequence is None
    assert report.problems == []
    assert report.drifted == []
    assert report.checkpoints_checked == len(CHECKPOINTS)


# ---------------------------------------------------------------- changing the chain


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "edited to look routine"),
        ("action", "intakeChilD"),
        ("actor_name", "someone-else"),
        ("request_id", "0" * 32),
        ("entity_version", 7),
    ],
)
@pytest.mark.usefixtures("unguarded")
async def test_editing_one_field_of_an_event_names_that_event(
    engine: AsyncEngine, api: Api, clock: Clock, column: str, value: Any
) -> None:
    # given
    await build_history(api, clock)
    edited = event_of(await events(engine), "releaseToSponsor", "Child")["sequence"]

    # when
    await execute(
        engine,
        update(events_table).where(events_table.c.sequence == edited).values({column: value}),
    )

    # then
    report = await verify_database(engine)
    assert_only_chain_failure(report, edited)
    assert report.problems == [f"event {edited} does not match its hash"]
    assert report.event_count == HISTORY_EVENTS


@pytest.mark.usefixtures("unguarded")
async def test_editing_the_changes_of_an_event_names_the_event_and_the_record(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    child = await build_history(api, clock)
    event = event_of(await events(engine), "releaseToSponsor", "Child")
    changes = [
        {**change, "after": "IN_HHS_CUSTODY"} if change["field"] == "custody_status" else change
        for change in event["changes"]
    ]
    assert changes != event["changes"]

    # when
    await execute(
        engine,
        update(events_table)
        .where(events_table.c.sequence == event["sequence"])
        .values(changes=changes),
    )

    # then
    report = await verify_database(engine)
    assert report.valid is False
    assert report.first_invalid_sequence == event["sequence"]
    assert report.problems == [f"event {event['sequence']} does not match its hash"]
    assert report.drifted == [("Child", await child_id(engine, child["aNumber"]))]


@pytest.mark.usefixtures("unguarded")
async def test_deleting_an_event_in_the_middle_names_the_missing_sequence(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    await build_history(api, clock)
    deleted = event_of(await events(engine), "releaseToSponsor", "Address")

    # when
    await execute(
        engine, delete(events_table).where(events_table.c.sequence == deleted["sequence"])
    )

    # then
    report = await verify_database(engine)
    assert report.valid is False
    assert report.first_invalid_sequence == deleted["sequence"]
    assert report.event_count == HISTORY_EVENTS - 1
    # The address row is still there, but its history now starts with an update.
    assert report.drifted == [("Address", deleted["entity_id"])]


@pytest.mark.usefixtures("unguarded")
async def test_swapping_two_events_names_the_earlier_one(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    await build_history(api, clock)
    rows = await events(engine)
    first = event_of(rows, "transferToHhs", "CustodyEvent")["sequence"]
    second = event_of(rows, "releaseToSponsor", "Sponsor")["sequence"]
    assert first < second
    parked = 1_000_000_000  # the sequence must stay positive (a check constraint)
    column = events_table.c.sequence

    # when
    await execute(
        engine,
        update(events_table).where(column == first).values(sequence=parked),
        update(events_table).where(column == second).values(sequence=first),
        update(events_table).where(column == parked).values(sequence=second),
    )

    # then
    swapped = await events(engine)
    assert swapped[first - 1]["event_id"] == rows[second - 1]["event_id"]
    assert swapped[second - 1]["event_id"] == rows[first - 1]["event_id"]
    report = await verify_database(engine)
    # Both are the only event of their record, so no record has drifted.
    assert_only_chain_failure(report, first)
    assert report.event_count == HISTORY_EVENTS


@pytest.mark.parametrize(
    ("deleted", "problems"),
    [
        (
            [1],
            [
                "sequence 1 is missing or out of place (found 2)",
                "event 2 does not link to the event before it",
            ],
        ),
        (
            [9, 10],
            [
                "sequence 9 is missing or out of place (found 11)",
                "event 11 does not link to the event before it",
            ],
        ),
    ],
)
@pytest.mark.usefixtures("unguarded")
async def test_deleted_events_are_named_by_the_first_missing_sequence_and_the_broken_link(
    engine: AsyncEngine, api: Api, clock: Clock, deleted: list[int], problems: list[str]
) -> None:
    # given
    await build_history(api, clock)

    # when
    await execute(engine, delete(events_table).where(events_table.c.sequence.in_(deleted)))

    # then
    report = await verify_database(engine)
    assert report.first_invalid_sequence == deleted[0]
    assert report.problems == problems
    assert report.event_count == HISTORY_EVENTS - len(deleted)


@pytest.mark.usefixtures("unguarded")
async def test_an_event_naming_another_previous_hash_breaks_its_link_and_its_hash(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    await build_history(api, clock)
    edited = 12

    # when
    await execute(
        engine,
        update(events_table)
        .where(events_table.c.sequence == edited)
        .values(previous_hash="f" * 64),
    )

    # then
    report = await verify_database(engine)
    assert_only_chain_failure(report, edited)
    assert report.problems == [
        f"event {edited} does not link to the event before it",
        f"event {edited} does not match its hash",
    ]


# ---------------------------------------------------------------- truncating the tail


async def signed_history_with_a_tail(signed_api: Api, clock: Clock) -> None:
    """The history, then TAIL_TOKENS token creations: two more checkpoints within the tail."""
    await build_history(signed_api, clock)
    await create_tokens(signed_api, TAIL_TOKENS)


async def truncate_tail(engine: AsyncEngine, *, keep: int, with_checkpoints: bool) -> None:
    """Delete every event after `keep` and the tokens they recorded (so that no record is left
    without its history), and the checkpoints above `keep` when asked."""
    statements: list[Any] = [
        delete(events_table).where(events_table.c.sequence > keep),
        text("DELETE FROM api_token WHERE name LIKE 'tail-clerk-%'"),
    ]
    if with_checkpoints:
        statements.append(delete(checkpoints_table).where(checkpoints_table.c.size > keep))
    await execute(engine, *statements)


@pytest.mark.usefixtures("unguarded")
async def test_truncating_the_tail_is_caught_by_the_checkpoints_in_the_database(
    engine: AsyncEngine, signed_api: Api, clock: Clock, signing_key: Ed25519PrivateKey
) -> None:
    # given
    await signed_history_with_a_tail(signed_api, clock)
    total = HISTORY_EVENTS + TAIL_TOKENS
    assert await checkpoint_sizes(engine) == [*CHECKPOINTS, 24, 28]
    assert len(await events(engine)) == total

    # when the tail (and both checkpoints in it) is cut off
    await truncate_tail(engine, keep=HISTORY_EVENTS, with_checkpoints=False)

    # then
    report = await verify_database(engine, signing_key.public_key())
    assert_only_chain_failure(report, HISTORY_EVENTS + 1)
    assert report.event_count == HISTORY_EVENTS
    assert report.problems == [
        f"the log has {HISTORY_EVENTS} events but a checkpoint vouches for {size}: it was truncated"
        for size in (24, 28)
    ]


@pytest.mark.usefixtures("unguarded")
async def test_truncating_the_tail_and_its_checkpoints_is_caught_by_checkpoints_kept_outside(
    engine: AsyncEngine,
    signed_api: Api,
    clock: Clock,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    # given an export taken earlier, kept away from the database
    await signed_history_with_a_tail(signed_api, clock)
    kept = await export_checkpoints(engine, tmp_path / "earlier.jsonl")
    assert [c.size for c in kept] == [*CHECKPOINTS, 24, 28]

    # when the attacker also removes the checkpoints that vouch for the tail
    await truncate_tail(engine, keep=HISTORY_EVENTS, with_checkpoints=True)

    # then the database alone looks whole, the checkpoints kept outside do not agree
    alone = await verify_database(engine, signing_key.public_key())
    assert alone.valid is True
    assert alone.event_count == HISTORY_EVENTS
    held = await verify_database(engine, signing_key.public_key(), kept)
    assert_only_chain_failure(held, HISTORY_EVENTS + 1)
    assert held.event_count == HISTORY_EVENTS


# ---------------------------------------------------------------- rewriting the whole chain


@pytest.mark.usefixtures("unguarded")
async def test_a_consistently_rewritten_chain_is_caught_by_the_checkpoints_in_the_database(
    engine: AsyncEngine, signed_api: Api, clock: Clock, signing_key: Ed25519PrivateKey
) -> None:
    # given
    await build_history(signed_api, clock)
    rewritten = CHECKPOINTS[1] + 1

    # when
    await rewrite_from(engine, rewritten)

    # then
    report = await verify_database(engine, signing_key.public_key())
    assert_only_chain_failure(report, rewritten)
    assert report.event_count == HISTORY_EVENTS


@pytest.mark.usefixtures("unguarded")
async def test_a_consistently_rewritten_chain_passes_the_chain_but_not_an_external_checkpoint(
    engine: AsyncEngine,
    signed_api: Api,
    clock: Clock,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    # given
    await build_history(signed_api, clock)
    kept = await export_checkpoints(engine, tmp_path / "earlier.jsonl")
    old_head = (await events(engine))[-1]["hash"]
    rewritten = CHECKPOINTS[1] + 1

    # when the attacker rewrites from there on and drops the checkpoints it contradicts
    new_head = await rewrite_from(engine, rewritten)
    await execute(engine, delete(checkpoints_table).where(checkpoints_table.c.size >= rewritten))

    # then the chain alone is consistent
    alone = await verify_database(engine, signing_key.public_key())
    assert alone.valid is True
    assert alone.head_hash == new_head != old_head
    assert (await events(engine))[rewritten - 1]["reason"] == "rewritten"
    # and the checkpoints kept outside name the first event after the last one they confirm
    held = await verify_database(engine, signing_key.public_key(), kept)
    assert_only_chain_failure(held, rewritten)
    assert held.head_hash == new_head


# ---------------------------------------------------------------- forged checkpoints


@pytest.mark.usefixtures("unguarded")
async def test_a_checkpoint_with_a_bad_signature_is_caught(
    engine: AsyncEngine, signed_api: Api, clock: Clock, signing_key: Ed25519PrivateKey
) -> None:
    # given
    await build_history(signed_api, clock)
    forged = CHECKPOINTS[1]
    # A well-formed signature by the right key, but over another head.
    signature = Signer(signing_key).sign(forged, "f" * 64)

    # when
    await execute(
        engine,
        update(checkpoints_table)
        .where(checkpoints_table.c.size == forged)
        .values(signature=signature),
    )

    # then the events after the last checkpoint still trusted are in doubt
    report = await verify_database(engine, signing_key.public_key())
    assert_only_chain_failure(report, CHECKPOINTS[0] + 1)
    assert report.problems == [
        f"the checkpoint at {forged} events is not signed by the trusted key"
    ]


@pytest.mark.usefixtures("unguarded")
async def test_a_checkpoint_signed_by_another_key_is_caught(
    engine: AsyncEngine, signed_api: Api, clock: Clock, signing_key: Ed25519PrivateKey
) -> None:
    # given
    await build_history(signed_api, clock)
    forged = CHECKPOINTS[1]
    head = (await events(engine))[forged - 1]["hash"]
    other = Signer(Ed25519PrivateKey.generate())

    # when the checkpoint is re-signed, correctly, by a key that is not the trusted one
    await execute(
        engine,
        update(checkpoints_table)
        .where(checkpoints_table.c.size == forged)
        .values(key_id=key_id(other.public_key), signature=other.sign(forged, head)),
    )

    # then
    report = await verify_database(engine, signing_key.public_key())
    assert_only_chain_failure(report, CHECKPOINTS[0] + 1)
    assert report.problems == [
        f"the checkpoint at {forged} events is not signed by the trusted key"
    ]


async def test_checkpoints_are_refused_when_another_key_is_trusted(
    engine: AsyncEngine, signed_api: Api, clock: Clock
) -> None:
    # given
    await build_history(signed_api, clock)

    # when
    report = await verify_database(engine, Ed25519PrivateKey.generate().public_key())

    # then
    assert_only_chain_failure(report, 1)
    assert report.problems == [
        f"the checkpoint at {size} events is not signed by the trusted key" for size in CHECKPOINTS
    ]


async def test_an_external_checkpoint_signed_by_another_key_is_caught(
    engine: AsyncEngine, signed_api: Api, clock: Clock, signing_key: Ed25519PrivateKey
) -> None:
    # given a checkpoint for the real head, but signed by someone else
    await build_history(signed_api, clock)
    head = (await events(engine))[-1]["hash"]
    other = Signer(Ed25519PrivateKey.generate())
    forged = Checkpoint(
        HISTORY_EVENTS, head, key_id(other.public_key), other.sign(HISTORY_EVENTS, head)
    )

    # when
    report = await verify_database(engine, signing_key.public_key(), [forged])

    # then
    assert_only_chain_failure(report, CHECKPOINTS[-1] + 1)
    assert report.problems == [
        f"the checkpoint at {HISTORY_EVENTS} events is not signed by the trusted key"
    ]


# ---------------------------------------------------------------- records changed behind the API


async def test_a_record_updated_behind_the_api_has_drifted(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    child = await build_history(api, clock)

    # when
    await execute(
        engine,
        text("UPDATE child SET first_name = 'Zoë' WHERE a_number = :a_number").bindparams(
            a_number=child["aNumber"]
        ),
    )

    # then
    report = await verify_database(engine)
    assert report.valid is False
    assert report.drifted == [("Child", await child_id(engine, child["aNumber"]))]
    assert report.first_invalid_sequence is None
    assert report.problems == []
    assert report.event_count == HISTORY_EVENTS


async def test_a_record_inserted_behind_the_api_has_drifted(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    await build_history(api, clock)
    sponsor_id = uuid.uuid4()

    # when
    await execute(
        engine,
        insert(Sponsor.__table__).values(  # type: ignore[attr-defined]
            id=sponsor_id, first_name="Rosa", last_name="Díaz", relationship="PARENT"
        ),
    )

    # then
    report = await verify_database(engine)
    assert report.valid is False
    assert report.drifted == [("Sponsor", sponsor_id)]
    assert report.first_invalid_sequence is None
    assert report.problems == []


async def test_a_record_deleted_behind_the_api_has_drifted(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given
    child = await build_history(api, clock)
    address_table = Address.__table__  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        current = (
            await connection.execute(
                select(address_table.c.id).where(
                    address_table.c.child_id == await child_id(engine, child["aNumber"]),
                    address_table.c.effective_to.is_(None),
                )
            )
        ).scalar_one()

    # when
    await execute(engine, delete(address_table).where(address_table.c.id == current))

    # then
    report = await verify_database(engine)
    assert report.valid is False
    assert report.drifted == [("Address", current)]
    assert report.first_invalid_sequence is None
    assert report.problems == []
