"""How verification reads the database: every column in canonical form, computed by the
database or, on SQLite, for UUIDs and instants, in this process; each event's document rebuilt from that text without decoding it; and events whose
`changes` were stored in another JSON form, or are not changes at all."""

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.canonical import (
    EVENT_FIELDS,
    _instant_text,
    _uuid_text,
    canonical_bytes,
    canonical_read,
    canonical_sql,
    canonical_value,
    document_text,
    event_document,
    stored_document_text,
)
from audit.capture import AUDITED
from audit.verify import _beside, _mapped, events_table, verify_database
from models.db import compact_json
from tests.conftest import Api, Clock
from tests.factories import CONTACT_ATTEMPT, ok, released_child

AWKWARD_TEXT = [
    "plain",
    'Ñandú "quoted" and back\\slash',
    "tab\tnew line\ncontrol\x01\x1f",
    "line separator\u2028 and emoji 🦜",
    "",
]


@pytest.mark.parametrize("value", AWKWARD_TEXT)
@pytest.mark.parametrize("child_id", [None, "0b7c5a53-3f43-4a0f-9f55-3a8b3e0b8d21"])
def test_document_text_is_the_canonical_document(value: str, child_id: str | None) -> None:
    # given
    changes = [
        {"after": value, "before": None, "field": "notes"},
        {"after": 3, "before": 2, "field": "version"},
    ]
    fields: dict[str, Any] = {
        "sequence": 7,
        "event_id": str(uuid.uuid4()),
        "recorded_at": "2026-06-01T12:00:00.123456Z",
        "actor_name": value,
        "actor_role": "OFFICER",
        "action": value,
        "entity_type": "ContactAttempt",
        "entity_id": str(uuid.uuid4()),
        "entity_version": 3,
        "child_id": child_id,
        "changes": changes,
        "reason": value or None,
        "request_id": value or None,
        "previous_hash": "a" * 64,
    }
    # `changes` as the engine stores them
    row = tuple(
        compact_json(changes) if name == "changes" else fields[name] for name in EVENT_FIELDS
    )

    # ... and as SQLite stores them: UUIDs as 32 hex digits, the instant with a space
    stored = tuple(
        _as_sqlite_stores(name, value) for name, value in zip(EVENT_FIELDS, row, strict=True)
    )

    # when
    built = document_text(row)
    built_from_stored = stored_document_text(stored)

    # then
    assert built.encode() == canonical_bytes(event_document(**fields))
    assert built_from_stored == built


@pytest.mark.parametrize("value", AWKWARD_TEXT)
@pytest.mark.parametrize(
    "name", ["event_id", "entity_id", "child_id", "previous_hash", "recorded_at"]
)
def test_a_document_from_stored_values_no_history_writes_is_escaped_as_any(
    name: str, value: str
) -> None:
    # given: an event as SQLite stores it, one of its UUIDs, its instant or its previous hash
    # edited to hold text that JSON escapes (or none), as only an edit behind the history's
    # back does
    stored: dict[str, Any] = dict(
        zip(
            EVENT_FIELDS,
            (
                7,
                uuid.uuid4().hex,
                "2026-06-01 12:00:00.123456",
                "clerk",
                "OFFICER",
                "recordContactAttempt",
                "ContactAttempt",
                uuid.uuid4().hex,
                1,
                uuid.uuid4().hex,
                '[{"after":"x","before":null,"field":"notes"}]',
                None,
                None,
                "a" * 64,
            ),
            strict=True,
        )
    )
    stored[name] = value

    # when
    built = stored_document_text(tuple(stored.values()))

    # then: the text `document_text` builds from the same values turned canonical, but for a
    # control character, left as it is: no hashed document holds one (see
    # `stored_document_text`), so such an event matches no hash and is checked again
    canonical = {
        field: _uuid_text(text) if field in _UUIDS and text is not None else text
        for field, text in stored.items()
    }
    canonical["recorded_at"] = _instant_text(stored["recorded_at"])
    expected = document_text(tuple(canonical.values()))
    if any(character < " " for character in value):
        assert built != expected
        assert any(character < " " for character in built)
    else:
        assert built == expected


_UUIDS = ("event_id", "entity_id", "child_id")


def _as_sqlite_stores(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("event_id", "entity_id", "child_id"):
        return uuid.UUID(value).hex
    if name == "recorded_at":
        return value.replace("T", " ").removesuffix("Z")
    return value


async def test_every_audited_column_reads_back_in_canonical_form(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given: children with sponsors, addresses, custody events and a contact attempt
    for _ in range(2):
        child = await released_child(api, clock)
        await ok(
            api,
            CONTACT_ATTEMPT,
            "recordContactAttempt",
            {
                "childId": child["id"],
                "attemptedAt": clock().isoformat(),
                "method": "PHONE",
                "outcome": "NO_RESPONSE",
                "notes": 'left a "voicemail" in Español',
            },
        )

    # when
    read: dict[str, int] = {}
    async with engine.connect() as connection:
        dialect = connection.dialect.name
        for model in AUDITED:
            table: Any = model.__table__  # type: ignore[attr-defined]
            plain = await connection.execute(select(table).order_by(table.c.id))
            by_database = await connection.execute(
                select(*(canonical_sql(column, dialect) for column in table.c)).order_by(table.c.id)
            )
            reading = canonical_read(list(table.c), dialect)
            as_stored = select(*reading.columns).order_by(table.c.id)  # past the engine's types
            as_read = await connection.exec_driver_sql(
                str(
                    as_stored.compile(
                        dialect=connection.dialect, compile_kwargs={"literal_binds": True}
                    )
                )
            )
            expected = [tuple(canonical_value(value) for value in row) for row in plain]
            selected = as_read.all()

            # then: and canonical values turn back into what was selected
            assert [tuple(row) for row in by_database] == expected, table.name
            assert list(reading.finish(selected)) == expected, table.name
            assert [tuple(reading.as_selected(row)) for row in expected] == [
                tuple(row) for row in selected
            ], table.name
            read[table.name] = len(expected)
    for name in ("child", "sponsor", "address", "custody_event", "contact_attempt"):
        assert read[name] >= 2, name


async def stored_changes(engine: AsyncEngine) -> dict[int, str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(events_table.c.sequence, canonical_sql(events_table.c.changes, "postgresql"))
            if engine.dialect.name == "postgresql"
            else text("SELECT sequence, changes FROM audit_event")
        )
        return dict(rows.all())


async def store_changes(engine: AsyncEngine, sequence: int, changes: str) -> None:
    """Write an event's `changes` text as it is, past the engine's JSON serializer."""
    statement = (
        "UPDATE audit_event SET changes = CAST(:changes AS json) WHERE sequence = :sequence"
        if engine.dialect.name == "postgresql"
        else "UPDATE audit_event SET changes = :changes WHERE sequence = :sequence"
    )
    async with engine.begin() as connection:
        await connection.execute(text(statement), {"changes": changes, "sequence": sequence})


@pytest.mark.usefixtures("unguarded")
async def test_events_whose_changes_were_stored_in_another_json_form_still_verify(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given: every event's changes in json.dumps' default form (spaces, ASCII escapes, the
    # keys in the order they were made), as events were stored before they were compact
    await released_child(api, clock)
    for sequence, changes in (await stored_changes(engine)).items():
        recorded = [
            {"field": c["field"], "before": c["before"], "after": c["after"]}
            for c in json.loads(changes)
        ]
        await store_changes(engine, sequence, json.dumps(recorded))
    stored = await stored_changes(engine)
    assert all('"field": ' in changes for changes in stored.values())

    # when
    report = await verify_database(engine)

    # then
    assert report.valid is True
    assert report.event_count == len(stored)
    assert report.problems == []
    assert report.drifted == []


@pytest.mark.parametrize(
    "changes", ['{"field": "not a list"}', "[1, 2]", '[{"before": null}]', "not JSON at all"]
)
@pytest.mark.usefixtures("unguarded")
async def test_changes_that_are_not_changes_are_named(
    engine: AsyncEngine, api: Api, clock: Clock, changes: str
) -> None:
    # given
    await released_child(api, clock)
    async with engine.connect() as connection:
        sequence, entity_type, entity_id = (
            await connection.execute(
                select(
                    events_table.c.sequence, events_table.c.entity_type, events_table.c.entity_id
                )
                .where(events_table.c.action == "releaseToSponsor")
                .order_by(events_table.c.sequence)
                .limit(1)
            )
        ).one()

    # when
    try:
        await store_changes(engine, sequence, changes)
    except DBAPIError:
        # PostgreSQL's json type refuses text that is not JSON: nothing to verify
        assert engine.dialect.name == "postgresql"
        assert changes == "not JSON at all"
        return
    report = await verify_database(engine)

    # then
    assert report.valid is False
    assert report.first_invalid_sequence == sequence
    assert report.problems == [f"event {sequence} does not match its hash"]
    assert (entity_type, entity_id) in report.drifted


async def test_the_connection_beside_verification_sees_its_snapshot(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given: a verification's transaction that has read the log
    await released_child(api, clock)
    count = select(func.count()).select_from(events_table)
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execution_options(isolation_level="REPEATABLE READ")
        seen = (await connection.execute(count)).scalar_one()

        # when an event is committed meanwhile
        await released_child(api, clock)
        async with _beside(engine, connection) as other:
            # then the connection beside it (PostgreSQL's) sees the log as it was
            if engine.dialect.name == "sqlite":
                assert other is None  # SQLite's snapshot is its one connection's
            else:
                assert other is not None
                assert (await other.execute(count)).scalar_one() == seen
            assert (await connection.execute(count)).scalar_one() == seen
    async with engine.connect() as later:
        assert (await later.execute(count)).scalar_one() > seen


async def test_sqlite_maps_the_file_while_it_verifies_and_puts_its_setting_back(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a setting of SQLite's")
    # given
    await released_child(api, clock)
    async with engine.connect() as connection:
        before = (await connection.exec_driver_sql("PRAGMA mmap_size")).scalar_one()

        # when
        async with _mapped(connection):
            during = (await connection.exec_driver_sql("PRAGMA mmap_size")).scalar_one()
            count = select(func.count()).select_from(events_table)
            events = (await connection.execute(count)).scalar_one()

        # then
        after = (await connection.exec_driver_sql("PRAGMA mmap_size")).scalar_one()
    assert during > before
    assert after == before
    assert events > 0
