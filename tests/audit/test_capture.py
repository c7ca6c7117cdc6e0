"""Automatic change capture: every change of an audited record, whatever wrote it, becomes
exactly one hash-chained event per record at commit, with who, why, which request and the
field-level changes in canonical form; refused writes and writes nobody answers for leave
no trace."""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import col, select

import models
from audit.capture import AUDITED, AuditError
from audit.tables import GENESIS_HASH, AuditEvent
from audit.verify import verify_database
from models.db import session_factory
from models.enums import AddressSource, Role, SponsorRelationship
from resolvers.seed import SEEDER, seed_demo
from resolvers.unit import Actor, open_unit
from schema.ids import decode_any
from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    CUSTODY_EVENT,
    INTAKE,
    RECORD_ADDRESS,
    RELEASE,
    TRANSFER,
    VERIFY_ADDRESS,
    home_address,
    in_hhs_child,
    insert_rows,
    iso,
    new_a_number,
    released_child,
    send,
    stored_rows,
)

CREATE_TOKEN = """
mutation CreateToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token actor { name role } userErrors { code message field } }
}"""
# The IDs the API gives a child's records, to compare with the events' entity IDs.
RECORDS = """
query Records($id: ID!) {
  child(id: $id) {
    id version
    sponsor { id }
    addresses { id effectiveFrom effectiveTo }
    custodyEvents { id kind }
    contactAttempts { id }
  }
}"""

ACTORS = {
    Role.OFFICER: "test-officer",
    Role.SUPERVISOR: "test-supervisor",
    Role.ADMIN: "test-admin",
}


# ---------------------------------------------------------------- helpers


def key(global_id: str) -> uuid.UUID:
    """The record key inside one of the API's global IDs."""
    decoded = decode_any(global_id)
    assert decoded is not None, global_id
    return decoded[1]


def inserted(**after: Any) -> list[dict[str, Any]]:
    """The changes of an insert: every column, null before."""
    return [{"field": name, "before": None, "after": after[name]} for name in sorted(after)]


def updated(**pairs: tuple[Any, Any]) -> list[dict[str, Any]]:
    """The changes of an update: only the columns that changed, (before, after)."""
    return [
        {"field": name, "before": pairs[name][0], "after": pairs[name][1]} for name in sorted(pairs)
    ]


def expect(
    entity_type: str, entity_id: uuid.UUID, version: int, changes: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_version": version,
        "changes": changes,
    }


def described(event: AuditEvent) -> dict[str, Any]:
    return expect(event.entity_type, event.entity_id, event.entity_version, event.changes)


def by_record(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["entity_type"], str(r["entity_id"])))


async def all_events(engine: AsyncEngine) -> list[AuditEvent]:
    async with session_factory(engine)() as session:
        rows = await session.exec(select(AuditEvent).order_by(col(AuditEvent.sequence)))
        return list(rows.all())


def assert_chained(events: list[AuditEvent]) -> None:
    """The whole log: sequences 1, 2, 3 … and each event linked to the one before."""
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    previous = GENESIS_HASH
    for event in events:
        assert event.previous_hash == previous, event.sequence
        previous = event.hash
    assert len({e.hash for e in events}) == len(events)


def assert_recorded(
    new: list[AuditEvent],
    expected: list[dict[str, Any]],
    *,
    action: str,
    role: Role,
    reason: str | None,
    request_id: str,
) -> None:
    """Exactly the expected events (one per record, in any order within the transaction), all
    from one transaction of `action` by the token of `role`."""
    assert by_record([described(e) for e in new]) == by_record(expected)
    assert {
        (e.action, e.actor_name, e.actor_role, e.reason, e.request_id, e.recorded_at) for e in new
    } == {(action, ACTORS[role], role.value, reason, request_id, new[0].recorded_at)}


async def records_of(api: Api, child_id: str) -> dict[str, Any]:
    child: dict[str, Any] = (await api.data(RECORDS, {"id": child_id}))["child"]
    return child


async def intake(api: Api, clock: Clock) -> dict[str, Any]:
    payload = await send(
        api,
        INTAKE,
        "intakeChild",
        {
            "aNumber": new_a_number(),
            "firstName": "Luis",
            "lastName": "Mejía",
            "dateOfBirth": "2011-05-05",
            "countryOfBirth": "HN",
            "apprehendedAt": iso(clock() - timedelta(days=4)),
        },
        request_id="req-setup-intake",
    )
    child: dict[str, Any] = payload["child"]
    return child


# ---------------------------------------------------------------- each mutation


async def test_intake_records_the_child_and_its_apprehension(api: Api, engine: AsyncEngine) -> None:
    # given
    before = await all_events(engine)
    number = new_a_number()

    # when: an apprehension given in local time, with microseconds
    payload = await send(
        api,
        INTAKE,
        "intakeChild",
        {
            "aNumber": f"A-{number[:3]}-{number[3:6]}-{number[6:]}",
            "firstName": "Ana Lucía",
            "lastName": "Pérez Gómez",
            "dateOfBirth": "2012-03-04",
            "countryOfBirth": "GTM",
            "apprehendedAt": "2026-05-22T07:00:00.250000-05:00",
            "facility": "CBP Donna Processing Center",
            "reason": "Apprehended near Hidalgo, TX",
        },
        request_id="req-intake-0001",
    )

    # then
    child_id = key(payload["child"]["id"])
    (apprehension,) = (await records_of(api, payload["child"]["id"]))["custodyEvents"]
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "Child",
                child_id,
                1,
                inserted(
                    a_number=number,
                    country_of_birth="GT",
                    custody_status="IN_DHS_CUSTODY",
                    date_of_birth="2012-03-04",
                    field_office=None,
                    first_name="Ana Lucía",
                    first_name_key="ana lucia",
                    id=str(child_id),
                    last_name="Pérez Gómez",
                    last_name_key="perez gomez",
                    location_status="VERIFIED",
                    sponsor_id=None,
                    version=1,
                ),
            ),
            expect(
                "CustodyEvent",
                key(apprehension["id"]),
                1,
                inserted(
                    child_id=str(child_id),
                    facility="CBP Donna Processing Center",
                    id=str(key(apprehension["id"])),
                    kind="APPREHENDED",
                    occurred_at="2026-05-22T12:00:00.250000Z",
                    sponsor_id=None,
                ),
            ),
        ],
        action="intakeChild",
        role=Role.OFFICER,
        reason="Apprehended near Hidalgo, TX",
        request_id="req-intake-0001",
    )
    assert {e.child_id for e in events[len(before) :]} == {child_id}


async def test_transfer_records_the_event_and_the_childs_new_status(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child in DHS custody
    child = await intake(api, clock)
    before = await all_events(engine)

    # when a supervisor records the transfer
    await send(
        api,
        TRANSFER,
        "transferToHhs",
        {
            "childId": child["id"],
            "occurredAt": iso(clock() - timedelta(days=3)),
            "facility": "Casa Padre",
            "expectedVersion": 1,
            "reason": "Bed available at Casa Padre",
        },
        request_id="req-transfer-0001",
        role=Role.SUPERVISOR,
    )

    # then
    transfer = (await records_of(api, child["id"]))["custodyEvents"][-1]
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "CustodyEvent",
                key(transfer["id"]),
                1,
                inserted(
                    child_id=str(key(child["id"])),
                    facility="Casa Padre",
                    id=str(key(transfer["id"])),
                    kind="TRANSFERRED_TO_HHS",
                    occurred_at="2026-05-29T12:00:00.000000Z",
                    sponsor_id=None,
                ),
            ),
            expect(
                "Child",
                key(child["id"]),
                2,
                updated(custody_status=("IN_DHS_CUSTODY", "IN_HHS_CUSTODY"), version=(1, 2)),
            ),
        ],
        action="transferToHhs",
        role=Role.SUPERVISOR,
        reason="Bed available at Casa Padre",
        request_id="req-transfer-0001",
    )


async def test_release_to_a_new_sponsor_records_sponsor_event_address_and_child(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child in HHS care, with no address yet
    child = await in_hhs_child(api, clock)
    before = await all_events(engine)

    # when
    payload = await send(
        api,
        RELEASE,
        "releaseToSponsor",
        {
            "childId": child["id"],
            "occurredAt": iso(clock() - timedelta(days=2)),
            "sponsor": {
                "firstName": "Rosa",
                "lastName": "Díaz",
                "relationship": "PARENT",
                "phone": "202-555-0188",
            },
            "address": home_address(),
            "expectedVersion": 2,
            "reason": "Sponsor vetted; home study done",
        },
        request_id="req-release-0001",
    )

    # then
    released = payload["child"]
    child_id, sponsor_id = key(child["id"]), key(released["sponsor"]["id"])
    address_id = key(released["currentAddress"]["id"])
    release_event = key((await records_of(api, child["id"]))["custodyEvents"][-1]["id"])
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "Sponsor",
                sponsor_id,
                1,
                inserted(
                    first_name="Rosa",
                    id=str(sponsor_id),
                    last_name="Díaz",
                    phone="+12025550188",
                    relationship="PARENT",
                ),
            ),
            expect(
                "CustodyEvent",
                release_event,
                1,
                inserted(
                    child_id=str(child_id),
                    facility=None,
                    id=str(release_event),
                    kind="RELEASED_TO_SPONSOR",
                    occurred_at="2026-05-30T12:00:00.000000Z",
                    sponsor_id=str(sponsor_id),
                ),
            ),
            expect(
                "Address",
                address_id,
                1,
                inserted(
                    address_key="1200 MAIN ST|HOUSTON|TX|77002|",
                    child_id=str(child_id),
                    city="HOUSTON",
                    effective_from="2026-05-30",
                    effective_to=None,
                    id=str(address_id),
                    line1="1200 MAIN ST",
                    line2=None,
                    postal_code="77002",
                    source="HHS_RECORD",
                    state="TX",
                    street_key="1200 MAIN ST|HOUSTON|TX|77002",
                    undeliverable=False,
                    verification="UNVERIFIED",
                    verified_at=None,
                ),
            ),
            expect(
                "Child",
                child_id,
                3,
                updated(
                    custody_status=("IN_HHS_CUSTODY", "RELEASED_TO_SPONSOR"),
                    location_status=("VERIFIED", "UNVERIFIED"),
                    sponsor_id=(None, str(sponsor_id)),
                    version=(2, 3),
                ),
            ),
        ],
        action="releaseToSponsor",
        role=Role.OFFICER,
        reason="Sponsor vetted; home study done",
        request_id="req-release-0001",
    )
    # A sponsor belongs to no one child's case.
    assert [e.child_id for e in events[len(before) :] if e.entity_type == "Sponsor"] == [None]


async def test_release_to_a_known_sponsor_closes_the_address_the_child_had(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a sponsor from an earlier release, and a child in HHS care with an address on file
    first = await released_child(api, clock)
    sponsor = (await records_of(api, first["id"]))["sponsor"]["id"]
    sponsor_id = key(sponsor)
    child = await in_hhs_child(api, clock)
    child_id = key(child["id"])
    earlier = models.Address(
        child_id=child_id,
        line1="77 ELM ST",
        city="DALLAS",
        state="TX",
        postal_code="75201",
        street_key="77 ELM ST|DALLAS|TX|75201",
        address_key="77 ELM ST|DALLAS|TX|75201|",
        effective_from=date(2026, 5, 25),
        source=AddressSource.OTHER,
    )
    await insert_rows(engine, earlier)
    before = await all_events(engine)

    # when
    payload = await send(
        api,
        RELEASE,
        "releaseToSponsor",
        {
            "childId": child["id"],
            "occurredAt": iso(clock() - timedelta(days=2)),
            "sponsorId": sponsor,
            "address": home_address(line1="500 Oak Avenue", line2="Apt 4"),
            "reason": "Released to the same sponsor as her sister",
        },
        request_id="req-release-0002",
    )

    # then
    released = payload["child"]
    address_id = key(released["currentAddress"]["id"])
    release_event = key((await records_of(api, child["id"]))["custodyEvents"][-1]["id"])
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "CustodyEvent",
                release_event,
                1,
                inserted(
                    child_id=str(child_id),
                    facility=None,
                    id=str(release_event),
                    kind="RELEASED_TO_SPONSOR",
                    occurred_at="2026-05-30T12:00:00.000000Z",
                    sponsor_id=str(sponsor_id),
                ),
            ),
            expect("Address", earlier.id, 2, updated(effective_to=(None, "2026-05-29"))),
            expect(
                "Address",
                address_id,
                1,
                inserted(
                    address_key="500 OAK AVE|HOUSTON|TX|77002|APT 4",
                    child_id=str(child_id),
                    city="HOUSTON",
                    effective_from="2026-05-30",
                    effective_to=None,
                    id=str(address_id),
                    line1="500 OAK AVE",
                    line2="APT 4",
                    postal_code="77002",
                    source="HHS_RECORD",
                    state="TX",
                    street_key="500 OAK AVE|HOUSTON|TX|77002",
                    undeliverable=False,
                    verification="UNVERIFIED",
                    verified_at=None,
                ),
            ),
            expect(
                "Child",
                child_id,
                3,
                updated(
                    custody_status=("IN_HHS_CUSTODY", "RELEASED_TO_SPONSOR"),
                    location_status=("VERIFIED", "UNVERIFIED"),
                    sponsor_id=(None, str(sponsor_id)),
                    version=(2, 3),
                ),
            ),
        ],
        action="releaseToSponsor",
        role=Role.OFFICER,
        reason="Released to the same sponsor as her sister",
        request_id="req-release-0002",
    )


async def test_a_custody_event_records_the_event_and_what_it_ends(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child released eight days ago
    child = await released_child(api, clock)
    records = await records_of(api, child["id"])
    child_id, sponsor_id = key(child["id"]), key(records["sponsor"]["id"])
    (address,) = records["addresses"]
    before = await all_events(engine)

    # when the child comes back into HHS care
    await send(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {
            "childId": child["id"],
            "kind": "RETURNED_TO_HHS",
            "occurredAt": iso(clock() - timedelta(days=1)),
            "facility": "Casa Padre",
            "expectedVersion": 3,
            "reason": "Placement broke down",
        },
        request_id="req-return-0001",
    )

    # then
    returned = key((await records_of(api, child["id"]))["custodyEvents"][-1]["id"])
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "CustodyEvent",
                returned,
                1,
                inserted(
                    child_id=str(child_id),
                    facility="Casa Padre",
                    id=str(returned),
                    kind="RETURNED_TO_HHS",
                    occurred_at="2026-05-31T12:00:00.000000Z",
                    sponsor_id=None,
                ),
            ),
            expect("Address", key(address["id"]), 2, updated(effective_to=(None, "2026-05-30"))),
            expect(
                "Child",
                child_id,
                4,
                updated(
                    custody_status=("RELEASED_TO_SPONSOR", "IN_HHS_CUSTODY"),
                    location_status=("UNVERIFIED", "VERIFIED"),
                    sponsor_id=(str(sponsor_id), None),
                    version=(3, 4),
                ),
            ),
        ],
        action="recordCustodyEvent",
        role=Role.OFFICER,
        reason="Placement broke down",
        request_id="req-return-0001",
    )


async def test_a_new_address_records_the_closed_one_the_new_one_and_the_child(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child released on 2026-05-24
    child = await released_child(api, clock)
    (old,) = (await records_of(api, child["id"]))["addresses"]
    child_id = key(child["id"])
    before = await all_events(engine)

    # when
    payload = await send(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": child["id"],
            "address": home_address(line1="45 north elm street apt 3b", postalCode="77002-1234"),
            "effectiveFrom": "2026-05-28",
            "source": "SPONSOR_REPORTED",
            "reason": "Sponsor moved across town",
        },
        request_id="req-move-0001",
        role=Role.SUPERVISOR,
    )

    # then
    new_id = key(payload["address"]["id"])
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect("Address", key(old["id"]), 2, updated(effective_to=(None, "2026-05-27"))),
            expect(
                "Address",
                new_id,
                1,
                inserted(
                    address_key="45 N ELM ST|HOUSTON|TX|77002|APT 3B",
                    child_id=str(child_id),
                    city="HOUSTON",
                    effective_from="2026-05-28",
                    effective_to=None,
                    id=str(new_id),
                    line1="45 N ELM ST",
                    line2="APT 3B",
                    postal_code="77002-1234",
                    source="SPONSOR_REPORTED",
                    state="TX",
                    street_key="45 N ELM ST|HOUSTON|TX|77002",
                    undeliverable=False,
                    verification="UNVERIFIED",
                    verified_at=None,
                ),
            ),
            expect("Child", child_id, 4, updated(version=(3, 4))),
        ],
        action="recordAddress",
        role=Role.SUPERVISOR,
        reason="Sponsor moved across town",
        request_id="req-move-0001",
    )


async def test_a_verification_records_the_address_and_the_childs_location(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    (address,) = (await records_of(api, child["id"]))["addresses"]
    before = await all_events(engine)

    # when
    await send(
        api,
        VERIFY_ADDRESS,
        "verifyAddress",
        {
            "addressId": address["id"],
            "verifiedAt": iso(clock() - timedelta(hours=1)),
            "verification": "VERIFIED",
            "reason": "USPS confirmed delivery",
        },
        request_id="req-verify-0001",
    )

    # then
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "Address",
                key(address["id"]),
                2,
                updated(
                    verification=("UNVERIFIED", "VERIFIED"),
                    verified_at=(None, "2026-06-01T11:00:00.000000Z"),
                ),
            ),
            expect(
                "Child",
                key(child["id"]),
                4,
                updated(location_status=("UNVERIFIED", "VERIFIED"), version=(3, 4)),
            ),
        ],
        action="verifyAddress",
        role=Role.OFFICER,
        reason="USPS confirmed delivery",
        request_id="req-verify-0001",
    )


async def test_a_contact_attempt_that_finds_the_child_records_the_attempt_and_verifies(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    (address,) = (await records_of(api, child["id"]))["addresses"]
    child_id = key(child["id"])
    before = await all_events(engine)

    # when
    payload = await send(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(hours=2)),
            "method": "HOME_VISIT",
            "outcome": "LOCATED_AT_ADDRESS",
            "notes": "Met the sponsor and the child at home",
            "reason": "30-day follow-up",
        },
        request_id="req-contact-0001",
    )

    # then
    attempt_id = key(payload["contactAttempt"]["id"])
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "ContactAttempt",
                attempt_id,
                1,
                inserted(
                    attempted_at="2026-06-01T10:00:00.000000Z",
                    child_id=str(child_id),
                    id=str(attempt_id),
                    method="HOME_VISIT",
                    notes="Met the sponsor and the child at home",
                    outcome="LOCATED_AT_ADDRESS",
                ),
            ),
            expect(
                "Address",
                key(address["id"]),
                2,
                updated(
                    verification=("UNVERIFIED", "VERIFIED"),
                    verified_at=(None, "2026-06-01T10:00:00.000000Z"),
                ),
            ),
            expect(
                "Child",
                child_id,
                4,
                updated(location_status=("UNVERIFIED", "VERIFIED"), version=(3, 4)),
            ),
        ],
        action="recordContactAttempt",
        role=Role.OFFICER,
        reason="30-day follow-up",
        request_id="req-contact-0001",
    )


async def test_a_new_token_is_recorded_with_its_hash_only(api: Api, engine: AsyncEngine) -> None:
    # given
    before = await all_events(engine)

    # when
    payload = await send(
        api,
        CREATE_TOKEN,
        "createApiToken",
        {"name": "docket-bot", "role": "INTEGRATION"},
        request_id="req-token-0001",
        role=Role.ADMIN,
    )

    # then
    async with session_factory(engine)() as session:
        token = (
            await session.exec(
                select(models.ApiToken).where(col(models.ApiToken.name) == "docket-bot")
            )
        ).one()
    events = await all_events(engine)
    assert_chained(events)
    assert_recorded(
        events[len(before) :],
        [
            expect(
                "ApiToken",
                token.id,
                1,
                inserted(
                    created_at="2026-06-01T12:00:00.000000Z",
                    expires_at=None,
                    id=str(token.id),
                    name="docket-bot",
                    office=None,
                    revoked_at=None,
                    role="INTEGRATION",
                    token_hash=hashlib.sha256(payload["token"].encode()).hexdigest(),
                ),
            ),
        ],
        action="createApiToken",
        role=Role.ADMIN,
        reason=None,
        request_id="req-token-0001",
    )
    assert payload["token"] not in json.dumps([e.changes for e in events])


# ---------------------------------------------------------------- what is not recorded


async def test_a_mutation_refused_before_it_writes_appends_nothing(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child already in HHS care
    child = await in_hhs_child(api, clock)
    before = await stored_rows(engine)
    count = len(await all_events(engine))

    # when it is transferred again
    body = await api.gql(
        TRANSFER,
        {
            "input": {
                "childId": child["id"],
                "occurredAt": iso(clock() - timedelta(hours=1)),
                "facility": "Casa Padre",
            }
        },
    )

    # then
    assert [e["code"] for e in body["data"]["transferToHhs"]["userErrors"]] == [
        "INVALID_TRANSITION"
    ]
    assert len(await all_events(engine)) == count
    assert await stored_rows(engine) == before


async def test_a_mutation_refused_after_it_flushed_appends_nothing(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child transferred nine days ago
    child = await in_hhs_child(api, clock)
    before = await stored_rows(engine)
    count = len(await all_events(engine))

    # when a release to a new sponsor (written before the date is checked) is dated earlier
    body = await api.gql(
        RELEASE,
        {
            "input": {
                "childId": child["id"],
                "occurredAt": iso(clock() - timedelta(days=20)),
                "sponsor": {"firstName": "Rosa", "lastName": "Díaz", "relationship": "PARENT"},
                "address": home_address(),
                "reason": "Sponsor vetted",
            }
        },
    )

    # then
    assert [(e["code"], e["field"]) for e in body["data"]["releaseToSponsor"]["userErrors"]] == [
        ("INVALID", ["input", "occurredAt"])
    ]
    assert len(await all_events(engine)) == count
    assert await stored_rows(engine) == before


def _intake_input() -> dict[str, Any]:
    return {
        "aNumber": new_a_number(),
        "firstName": "Luis",
        "lastName": "Mejía",
        "dateOfBirth": "2011-05-05",
        "countryOfBirth": "HN",
        "apprehendedAt": "2026-05-30T12:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("role", "document", "name", "make_input"),
    [
        (Role.OVERSIGHT, INTAKE, "intakeChild", _intake_input),
        (Role.ADMIN, INTAKE, "intakeChild", _intake_input),
        (Role.INTEGRATION, INTAKE, "intakeChild", _intake_input),
        (Role.OFFICER, CREATE_TOKEN, "createApiToken", lambda: {"name": "x", "role": "ADMIN"}),
    ],
)
async def test_a_forbidden_call_appends_nothing(
    api: Api,
    engine: AsyncEngine,
    role: Role,
    document: str,
    name: str,
    make_input: Callable[[], dict[str, Any]],
) -> None:
    # given
    before = await stored_rows(engine)
    count = len(await all_events(engine))

    # when
    body = await api.gql(document, {"input": make_input()}, role=role)

    # then
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["data"] is None
    assert len(await all_events(engine)) == count
    assert await stored_rows(engine) == before


@pytest.mark.parametrize("ending", ["flush", "commit"])
async def test_a_write_with_no_actor_is_refused(engine: AsyncEngine, ending: str) -> None:
    # given a plain session, opened without a unit of work
    before = await stored_rows(engine)

    # when / then
    async with session_factory(engine, writer=True)() as session:
        session.add(
            models.Sponsor(
                first_name="Rosa", last_name="Díaz", relationship=SponsorRelationship.PARENT
            )
        )
        with pytest.raises(AuditError, match="no actor"):
            await (session.flush() if ending == "flush" else session.commit())
        await session.rollback()
    assert await stored_rows(engine) == before


# ---------------------------------------------------------------- other write paths

BULK_WRITER = Actor(name="test-bulk", role=Role.OFFICER)


async def test_an_orm_bulk_insert_is_one_event_per_row(engine: AsyncEngine, clock: Clock) -> None:
    # given
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "first_name": first,
            "last_name": last,
            "relationship": SponsorRelationship.OTHER_RELATIVE,
            "phone": phone,
        }
        for first, last, phone in [
            ("Rosa", "Díaz", "+12025550101"),
            ("José", "Núñez", None),
            ("Marta", "Ixcoy", "+12025550103"),
        ]
    ]

    # when
    async with open_unit(
        session_factory(engine, writer=True),
        BULK_WRITER,
        "importSponsors",
        request_id="req-bulk-0001",
        reason="Sponsors from the placement spreadsheet",
        clock=clock,
    ) as unit:
        await unit.session.exec(insert(models.Sponsor), params=rows)

    # then
    events = await all_events(engine)
    assert_chained(events)
    assert by_record([described(e) for e in events]) == by_record(
        [
            expect(
                "Sponsor",
                row["id"],
                1,
                inserted(
                    first_name=row["first_name"],
                    id=str(row["id"]),
                    last_name=row["last_name"],
                    phone=row["phone"],
                    relationship="OTHER_RELATIVE",
                ),
            )
            for row in rows
        ]
    )
    assert {
        (e.action, e.actor_name, e.actor_role, e.reason, e.request_id, e.child_id) for e in events
    } == {
        (
            "importSponsors",
            "test-bulk",
            "OFFICER",
            "Sponsors from the placement spreadsheet",
            "req-bulk-0001",
            None,
        )
    }
    report = await verify_database(engine)
    assert (report.valid, report.event_count, report.drifted) == (True, 3, [])


async def test_an_orm_insert_with_values_is_not_written_unrecorded(
    engine: AsyncEngine, clock: Clock
) -> None:
    # given
    sponsor_id = uuid.uuid4()
    statement = insert(models.Sponsor).values(
        id=sponsor_id, first_name="Rosa", last_name="Díaz", relationship="PARENT", phone=None
    )

    # when: recorded like any insert, or refused like a bulk update
    refused = False
    try:
        async with open_unit(
            session_factory(engine, writer=True), BULK_WRITER, "importSponsors", clock=clock
        ) as unit:
            await unit.session.exec(statement)
    except AuditError:
        refused = True

    # then
    async with session_factory(engine)() as session:
        stored = (await session.exec(select(func.count()).select_from(models.Sponsor))).one()
    events = await all_events(engine)
    assert (stored, [(e.entity_type, e.entity_id) for e in events]) in (
        (0, []),
        (1, [("Sponsor", sponsor_id)]),
    )
    assert refused == (stored == 0)
    report = await verify_database(engine)
    assert (report.valid, report.drifted) == (True, [])


def _update_child(child_id: uuid.UUID) -> UpdateBase:
    return (
        update(models.Child)
        .where(col(models.Child.id) == child_id)
        .values(first_name="Changed behind the history")
    )


def _delete_addresses(child_id: uuid.UUID) -> UpdateBase:
    return delete(models.Address).where(col(models.Address.child_id) == child_id)


def _update_every_sponsor(_child_id: uuid.UUID) -> UpdateBase:
    return update(models.Sponsor).values(phone=None)


@pytest.mark.parametrize(
    ("make_statement", "message"),
    [
        (_update_child, "bulk UPDATE of Child"),
        (_delete_addresses, "bulk DELETE of Address"),
        (_update_every_sponsor, "bulk UPDATE of Sponsor"),
    ],
)
async def test_an_orm_bulk_update_or_delete_by_criteria_is_refused(
    api: Api,
    engine: AsyncEngine,
    clock: Clock,
    make_statement: Callable[[uuid.UUID], UpdateBase],
    message: str,
) -> None:
    # given a released child, with a sponsor and an address
    child = await released_child(api, clock)
    before = await stored_rows(engine)

    # when / then
    with pytest.raises(AuditError, match=message):
        async with open_unit(
            session_factory(engine, writer=True), BULK_WRITER, "cleanUp", clock=clock
        ) as unit:
            await unit.session.exec(make_statement(key(child["id"])))
    assert await stored_rows(engine) == before


async def test_one_transaction_records_each_record_once_at_commit(
    engine: AsyncEngine, clock: Clock
) -> None:
    # given two sponsors on record
    kept = models.Sponsor(
        first_name="Rosa",
        last_name="Díaz",
        relationship=SponsorRelationship.PARENT,
        phone="+12025550101",
    )
    gone = models.Sponsor(
        first_name="José", last_name="Núñez", relationship=SponsorRelationship.SIBLING
    )
    await insert_rows(engine, kept, gone)
    count = len(await all_events(engine))

    # when one transaction flushes several times
    async with open_unit(
        session_factory(engine, writer=True),
        BULK_WRITER,
        "tidySponsors",
        request_id="req-tidy-0001",
        clock=clock,
    ) as unit:
        session = unit.session
        rosa = await session.get(models.Sponsor, kept.id)
        jose = await session.get(models.Sponsor, gone.id)
        assert rosa is not None
        assert jose is not None
        added = models.Sponsor(
            first_name="Marta", last_name="Ixcoy", relationship=SponsorRelationship.PARENT
        )
        fleeting = models.Sponsor(
            first_name="Nadie", last_name="Nunca", relationship=SponsorRelationship.PARENT
        )
        session.add_all([added, fleeting])
        rosa.phone, rosa.last_name = "+12025550102", "Díaz Ramos"
        await session.flush()
        added.phone = "+12025550199"
        rosa.phone, rosa.last_name = "+12025550103", "Díaz"  # the name is back as it was
        await session.delete(fleeting)
        await session.delete(jose)
        await session.flush()
        # nothing is written to the history before the commit
        written = await session.exec(select(func.count()).select_from(AuditEvent))
        assert written.one() == count

    # then one event per record, with what the transaction did to it in all
    events = await all_events(engine)
    assert_chained(events)
    assert by_record([described(e) for e in events[count:]]) == by_record(
        [
            expect("Sponsor", kept.id, 2, updated(phone=("+12025550101", "+12025550103"))),
            expect(
                "Sponsor",
                added.id,
                1,
                inserted(
                    first_name="Marta",
                    id=str(added.id),
                    last_name="Ixcoy",
                    phone="+12025550199",
                    relationship="PARENT",
                ),
            ),
            expect(
                "Sponsor",
                gone.id,
                2,
                [
                    {"field": "first_name", "before": "José", "after": None},
                    {"field": "id", "before": str(gone.id), "after": None},
                    {"field": "last_name", "before": "Núñez", "after": None},
                    {"field": "phone", "before": None, "after": None},
                    {"field": "relationship", "before": "SIBLING", "after": None},
                ],
            ),
        ]
    )
    assert {(e.action, e.request_id) for e in events[count:]} == {("tidySponsors", "req-tidy-0001")}
    report = await verify_database(engine)
    assert (report.valid, report.drifted) == (True, [])


async def test_every_write_of_the_demo_seeder_is_recorded(
    engine: AsyncEngine, clock: Clock
) -> None:
    # when
    written = await seed_demo(session_factory(engine, writer=True), clock)

    # then every row of every audited table has a history, and nothing else does
    events = await all_events(engine)
    assert_chained(events)
    async with session_factory(engine)() as session:
        for table, entity_type in AUDITED.items():
            rows = (await session.exec(select(func.count()).select_from(table))).one()
            recorded = (
                await session.exec(
                    select(func.count(func.distinct(AuditEvent.entity_id))).where(
                        col(AuditEvent.entity_type) == entity_type
                    )
                )
            ).one()
            assert recorded == rows, entity_type
        children = (await session.exec(select(func.count()).select_from(models.Child))).one()
    assert children == written
    # The field offices are set up as an ADMIN does; the cases are written as an officer.
    assert {(e.actor_name, e.actor_role, e.reason) for e in events} == {
        (SEEDER.name, "OFFICER", "synthetic demonstration record"),
        (SEEDER.name, "ADMIN", "synthetic demonstration record"),
    }
    assert {e.action for e in events if e.actor_role == "ADMIN"} == {"setFieldOffice"}
    assert {e.action for e in events} == {
        "setFieldOffice",
        "intakeChild",
        "transferToHhs",
        "releaseToSponsor",
        "recordCustodyEvent",
        "recordContactAttempt",
        "recordAddress",
        "verifyAddress",
        "issueNotice",
        "serveNotice",
        "fileNotice",
        "scheduleHearing",
        "recordHearingOutcome",
        "recordRepresentation",
        "sweep",
    }
    report = await verify_database(engine)
    assert (report.valid, report.event_count, report.first_invalid_sequence) == (
        True,
        len(events),
        None,
    )
    assert report.drifted == []


# ---------------------------------------------------------------- the canonical form


async def test_an_events_hash_can_be_recomputed_from_its_documented_form(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given an intake with names outside ASCII
    payload = await send(
        api,
        INTAKE,
        "intakeChild",
        {
            "aNumber": new_a_number(),
            "firstName": "Ana Lucía",
            "lastName": "Pérez Gómez",
            "dateOfBirth": "2012-03-04",
            "countryOfBirth": "GT",
            "apprehendedAt": "2026-05-22T07:00:00-05:00",
            "reason": "Apprehended near Hidalgo, TX",
        },
        request_id="req-hash-0001",
    )
    events = await all_events(engine)
    (event,) = [e for e in events if e.entity_id == key(payload["child"]["id"])]

    # when the hash is recomputed as audit/canonical.py documents it
    document = {
        "sequence": event.sequence,
        "event_id": str(event.event_id),
        "recorded_at": event.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": {"name": "test-officer", "role": "OFFICER"},
        "action": "intakeChild",
        "entity_type": "Child",
        "entity_id": str(event.entity_id),
        "entity_version": 1,
        "child_id": str(event.entity_id),
        "changes": event.changes,
        "reason": "Apprehended near Hidalgo, TX",
        "request_id": "req-hash-0001",
        "previous_hash": event.previous_hash,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(event.previous_hash.encode("ascii") + text.encode("utf-8"))

    # then
    assert event.recorded_at.utcoffset() == timedelta(0)
    assert '"after":"Ana Lucía"' in text
    assert digest.hexdigest() == event.hash
    assert event.previous_hash == events[event.sequence - 2].hash
