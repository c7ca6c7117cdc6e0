"""Bad input comes back in `userErrors` with its code, a message a person understands and the
input field path; nothing is written, and no message repeats the personal data submitted."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, func, select

import models
from models.db import session_factory
from models.enums import Role
from schema.ids import encode
from tests.conftest import START, Api, Clock
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
    intake_child,
    iso,
    mutate,
    new_a_number,
    ok,
    released_child,
    stored_rows,
)

RECORD = """
query Child($id: ID!) {
  child(id: $id) {
    aNumber firstName lastName dateOfBirth version custodyStatus locationStatus
    sponsor { id firstName phone }
    addresses { id line1 verification verifiedAt effectiveFrom effectiveTo }
    custodyEvents { id kind occurredAt }
    contactAttempts { id outcome }
  }
}"""
CHILD_COUNT = "query { children { totalCount } }"
SPONSOR_OF = "query Child($id: ID!) { child(id: $id) { sponsor { id } } }"

FIRST_NAME = "Yesenia Marisol"
LAST_NAME = "Caal Xol"
PHONE = "(202) 555-0143"


def intake_input(**overrides: Any) -> dict[str, Any]:
    input = {
        "aNumber": new_a_number(),
        "firstName": FIRST_NAME,
        "lastName": LAST_NAME,
        "dateOfBirth": "2011-09-14",
        "countryOfBirth": "GT",
        "apprehendedAt": iso(START - timedelta(days=2)),
        "facility": "CBP Donna Processing Center",
    }
    input.update(overrides)
    return input


def new_sponsor(**overrides: Any) -> dict[str, Any]:
    sponsor = {
        "firstName": "Marisela",
        "lastName": "Ixcoy",
        "relationship": "OTHER_RELATIVE",
        "phone": PHONE,
    }
    sponsor.update(overrides)
    return sponsor


async def row_count(engine: AsyncEngine, table: type[SQLModel]) -> int:
    async with session_factory(engine)() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


async def snapshot(api: Api, engine: AsyncEngine, child_id: str | None) -> dict[str, Any]:
    """The child as an officer reads it, how many children there are, and every stored row."""
    return {
        "child": (await api.data(RECORD, {"id": child_id}))["child"] if child_id else None,
        "children": (await api.data(CHILD_COUNT))["children"]["totalCount"],
        "rows": await stored_rows(engine),
    }


def assert_refused(
    payload: dict[str, Any], code: str, field: list[str], *, submitted: tuple[str, ...] = ()
) -> None:
    """One user error with this code and field path, a sentence for a person that repeats
    none of the `submitted` values, and no record in the payload."""
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], payload
    message = payload["userErrors"][0]["message"]
    assert message[:1].isupper(), message
    assert message.endswith("."), message
    assert len(message.split()) >= 3, message
    for marker in ("Traceback", "Exception", "UUID(", "None", "sqlalchemy", "\n"):
        assert marker not in message, message
    for value in filter(str.strip, submitted):
        assert value.strip().casefold() not in message.casefold(), (value, message)
    assert all(value is None for key, value in payload.items() if key != "userErrors"), payload


# ---------------------------------------------------------------- INVALID at intake

DAY_AFTER_START = (START + timedelta(days=1)).date().isoformat()

INVALID_INTAKES: list[tuple[str, dict[str, Any], str]] = [
    ("a-number-of-five-digits", {"aNumber": "12345"}, "aNumber"),
    ("a-number-of-four-digits-with-dashes", {"aNumber": "A12-34"}, "aNumber"),
    ("a-number-of-letters", {"aNumber": "ABCDEFGHI"}, "aNumber"),
    ("a-number-of-ten-digits", {"aNumber": "A1234567890"}, "aNumber"),
    ("a-number-blank", {"aNumber": "   "}, "aNumber"),
    ("date-of-birth-in-the-future", {"dateOfBirth": DAY_AFTER_START}, "dateOfBirth"),
    (
        "apprehended-in-the-future",
        {"apprehendedAt": iso(START + timedelta(days=1))},
        "apprehendedAt",
    ),
    (
        "apprehended-before-birth",
        {"dateOfBirth": "2025-03-10", "apprehendedAt": "2025-03-01T09:00:00+00:00"},
        "apprehendedAt",
    ),
    (
        "eighteen-at-apprehension",
        {"dateOfBirth": "2008-05-22", "apprehendedAt": "2026-05-22T08:00:00-05:00"},
        "dateOfBirth",
    ),
    ("an-adult", {"dateOfBirth": "1990-01-01"}, "dateOfBirth"),
    ("unknown-country-name", {"countryOfBirth": "Atlantis"}, "countryOfBirth"),
    ("unknown-country-code", {"countryOfBirth": "XQ"}, "countryOfBirth"),
    ("blank-country", {"countryOfBirth": " "}, "countryOfBirth"),
    ("blank-first-name", {"firstName": "   "}, "firstName"),
    ("blank-last-name", {"lastName": ""}, "lastName"),
    ("first-name-of-101-letters", {"firstName": "Y" * 101}, "firstName"),
    ("naive-date-time", {"apprehendedAt": "2026-05-01T10:00:00"}, "apprehendedAt"),
]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [case[1:] for case in INVALID_INTAKES],
    ids=[case[0] for case in INVALID_INTAKES],
)
async def test_intake_with_invalid_input_is_refused_and_writes_nothing(
    api: Api, engine: AsyncEngine, overrides: dict[str, Any], field: str
) -> None:
    # given
    input = intake_input(**overrides)
    before = await snapshot(api, engine, None)

    # when
    payload = await mutate(api, INTAKE, "intakeChild", input)

    # then
    assert_refused(
        payload,
        "INVALID",
        ["input", field],
        submitted=(input["aNumber"], FIRST_NAME, LAST_NAME, input["dateOfBirth"]),
    )
    assert await snapshot(api, engine, None) == before


async def test_intake_at_seventeen_is_accepted(api: Api) -> None:
    # given the day before the eighteenth birthday, the boundary of the case above
    input = intake_input(dateOfBirth="2008-05-23", apprehendedAt="2026-05-22T08:00:00-05:00")

    # when / then
    payload = await ok(api, INTAKE, "intakeChild", input)
    assert payload["child"]["version"] == 1


# ---------------------------------------------------------------- every case mutation

# A mutation's valid input for a child in the right state: (child ID, input).
Prepared = tuple[str, dict[str, Any]]


async def for_transfer(api: Api, clock: Clock) -> Prepared:
    child = await intake_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "occurredAt": iso(clock() - timedelta(hours=1)),
        "facility": "Casa Padre",
    }
    return child["id"], input


async def for_release(api: Api, clock: Clock) -> Prepared:
    child = await in_hhs_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "occurredAt": iso(clock() - timedelta(hours=1)),
        "sponsor": new_sponsor(),
        "address": home_address(),
    }
    return child["id"], input


async def for_custody_event(api: Api, clock: Clock) -> Prepared:
    child = await released_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "kind": "RETURNED_TO_HHS",
        "occurredAt": iso(clock() - timedelta(hours=1)),
    }
    return child["id"], input


async def for_record_address(api: Api, clock: Clock) -> Prepared:
    child = await released_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "address": home_address(line1="77 Oak Avenue", postalCode="77003"),
        "effectiveFrom": (clock() - timedelta(days=1)).date().isoformat(),
        "source": "SPONSOR_REPORTED",
    }
    return child["id"], input


async def for_verify_address(api: Api, clock: Clock) -> Prepared:
    child = await released_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "addressId": child["currentAddress"]["id"],
        "verifiedAt": iso(clock() - timedelta(hours=1)),
        "verification": "VERIFIED",
    }
    return child["id"], input


async def for_contact_attempt(api: Api, clock: Clock) -> Prepared:
    child = await released_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "attemptedAt": iso(clock() - timedelta(hours=1)),
        "method": "HOME_VISIT",
        "outcome": "NO_RESPONSE",
    }
    return child["id"], input


Prepare = Callable[[Api, Clock], Awaitable[Prepared]]
CASE_MUTATIONS: dict[str, tuple[str, Prepare]] = {
    "transferToHhs": (TRANSFER, for_transfer),
    "releaseToSponsor": (RELEASE, for_release),
    "recordCustodyEvent": (CUSTODY_EVENT, for_custody_event),
    "recordAddress": (RECORD_ADDRESS, for_record_address),
    "verifyAddress": (VERIFY_ADDRESS, for_verify_address),
    "recordContactAttempt": (CONTACT_ATTEMPT, for_contact_attempt),
}
# The instant each mutation takes, which must be in the past and carry its UTC offset.
INSTANT_FIELD = {
    "transferToHhs": "occurredAt",
    "releaseToSponsor": "occurredAt",
    "recordCustodyEvent": "occurredAt",
    "verifyAddress": "verifiedAt",
    "recordContactAttempt": "attemptedAt",
}
WITH_EXPECTED_VERSION = ["transferToHhs", "releaseToSponsor", "recordCustodyEvent", "recordAddress"]


@pytest.mark.parametrize("mutation", list(CASE_MUTATIONS))
async def test_each_prepared_input_is_valid(api: Api, clock: Clock, mutation: str) -> None:
    """The inputs the refusals below spoil are good inputs to begin with."""
    # given
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)

    # when
    payload = await ok(api, document, mutation, input)

    # then
    assert payload["child"]["id"] == child_id


@pytest.mark.parametrize("mutation", list(INSTANT_FIELD))
async def test_a_date_time_without_utc_offset_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, mutation: str
) -> None:
    # given
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)
    field = INSTANT_FIELD[mutation]
    input[field] = (clock() - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, document, mutation, input)

    # then
    assert_refused(payload, "INVALID", ["input", field], submitted=(FIRST_NAME, LAST_NAME))
    assert await snapshot(api, engine, child_id) == before


@pytest.mark.parametrize("mutation", list(INSTANT_FIELD))
async def test_a_date_time_in_the_future_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, mutation: str
) -> None:
    # given
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)
    field = INSTANT_FIELD[mutation]
    input[field] = iso(clock() + timedelta(days=1))
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, document, mutation, input)

    # then
    assert_refused(payload, "INVALID", ["input", field], submitted=(FIRST_NAME, LAST_NAME))
    assert await snapshot(api, engine, child_id) == before


async def test_an_address_taking_effect_in_the_future_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child_id, input = await for_record_address(api, clock)
    input["effectiveFrom"] = (clock() + timedelta(days=3)).date().isoformat()
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, RECORD_ADDRESS, "recordAddress", input)

    # then
    assert_refused(payload, "INVALID", ["input", "effectiveFrom"], submitted=("77 Oak",))
    assert await snapshot(api, engine, child_id) == before


# ---------------------------------------------------------------- the sponsor on release


@pytest.mark.parametrize(
    "phone", ["555", "(202) 555-01", "call the aunt", "+1 000 000 0000", "202-555-01433"]
)
async def test_a_sponsor_phone_that_is_not_valid_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, phone: str
) -> None:
    # given
    child_id, input = await for_release(api, clock)
    input["sponsor"] = new_sponsor(phone=phone)
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(
        payload,
        "INVALID",
        ["input", "sponsor", "phone"],
        submitted=(phone, "Marisela", "Ixcoy", FIRST_NAME),
    )
    assert await snapshot(api, engine, child_id) == before


async def test_a_blank_sponsor_name_is_invalid(api: Api, clock: Clock, engine: AsyncEngine) -> None:
    # given
    child_id, input = await for_release(api, clock)
    input["sponsor"] = new_sponsor(lastName="  ")
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(payload, "INVALID", ["input", "sponsor", "lastName"], submitted=("Marisela",))
    assert await snapshot(api, engine, child_id) == before


async def known_sponsor_id(api: Api, clock: Clock) -> str:
    earlier = await released_child(api, clock)
    sponsor_id: str = (await api.data(SPONSOR_OF, {"id": earlier["id"]}))["child"]["sponsor"]["id"]
    return sponsor_id


async def test_both_a_sponsor_id_and_a_new_sponsor_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    sponsor_id = await known_sponsor_id(api, clock)
    child_id, input = await for_release(api, clock)
    input["sponsorId"] = sponsor_id
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(payload, "INVALID", ["input", "sponsorId"], submitted=("Marisela", PHONE))
    assert await snapshot(api, engine, child_id) == before


async def test_neither_a_sponsor_id_nor_a_new_sponsor_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child_id, input = await for_release(api, clock)
    del input["sponsor"]
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(payload, "INVALID", ["input", "sponsorId"], submitted=(FIRST_NAME,))
    assert await snapshot(api, engine, child_id) == before


async def test_a_refused_release_leaves_no_new_sponsor_behind(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a release with a new sponsor, dated before the child's transfer to HHS
    child_id, input = await for_release(api, clock)
    input["occurredAt"] = iso(clock() - timedelta(days=60))
    before = await snapshot(api, engine, child_id)
    sponsors = await row_count(engine, models.Sponsor)

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(payload, "INVALID", ["input", "occurredAt"], submitted=("Marisela",))
    assert await row_count(engine, models.Sponsor) == sponsors
    assert await snapshot(api, engine, child_id) == before


# ---------------------------------------------------------------- NOT_FOUND


def unknown_child_id() -> str:
    return encode("Child", uuid.uuid4())


ID_FIELD = dict.fromkeys(CASE_MUTATIONS, "childId") | {"verifyAddress": "addressId"}


@pytest.mark.parametrize("mutation", list(CASE_MUTATIONS))
@pytest.mark.parametrize("bad_id", ["unknown", "malformed", "another-type"])
async def test_an_id_that_names_no_such_record_is_not_found(
    api: Api, clock: Clock, engine: AsyncEngine, mutation: str, bad_id: str
) -> None:
    # given
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)
    field = ID_FIELD[mutation]
    type_name = "Address" if field == "addressId" else "Child"
    sponsor_id = await known_sponsor_id(api, clock)
    input[field] = {
        "unknown": encode(type_name, uuid.uuid4()),
        "malformed": "not-an-id",
        "another-type": sponsor_id,
    }[bad_id]
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, document, mutation, input)

    # then
    assert_refused(
        payload, "NOT_FOUND", ["input", field], submitted=(input[field], FIRST_NAME, LAST_NAME)
    )
    assert await snapshot(api, engine, child_id) == before


@pytest.mark.parametrize("bad_id", ["unknown", "malformed", "a-child"])
async def test_a_sponsor_id_that_names_no_sponsor_is_not_found(
    api: Api, clock: Clock, engine: AsyncEngine, bad_id: str
) -> None:
    # given
    child_id, input = await for_release(api, clock)
    del input["sponsor"]
    input["sponsorId"] = {
        "unknown": encode("Sponsor", uuid.uuid4()),
        "malformed": "%%%",
        "a-child": child_id,
    }[bad_id]
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(
        payload, "NOT_FOUND", ["input", "sponsorId"], submitted=(input["sponsorId"], FIRST_NAME)
    )
    assert await snapshot(api, engine, child_id) == before


# ---------------------------------------------------------------- VERSION_CONFLICT


@pytest.mark.parametrize("mutation", WITH_EXPECTED_VERSION)
async def test_the_current_expected_version_succeeds_and_counts_one_change(
    api: Api, clock: Clock, mutation: str
) -> None:
    # given
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)
    version = (await api.data(RECORD, {"id": child_id}))["child"]["version"]

    # when
    payload = await ok(api, document, mutation, {**input, "expectedVersion": version})

    # then
    assert payload["child"]["version"] == version + 1
    assert (await api.data(RECORD, {"id": child_id}))["child"]["version"] == version + 1


@pytest.mark.parametrize("mutation", WITH_EXPECTED_VERSION)
async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine, mutation: str
) -> None:
    # given two clients read the child at the same version, and the first one submits
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)
    read = (await api.data(RECORD, {"id": child_id}))["child"]["version"]
    await ok(api, document, mutation, {**input, "expectedVersion": read})
    before = await snapshot(api, engine, child_id)

    # when the second one submits on what it read
    payload = await mutate(api, document, mutation, {**input, "expectedVersion": read})

    # then
    assert_refused(
        payload, "VERSION_CONFLICT", ["input", "expectedVersion"], submitted=(FIRST_NAME,)
    )
    assert await snapshot(api, engine, child_id) == before


@pytest.mark.parametrize("mutation", WITH_EXPECTED_VERSION)
@pytest.mark.parametrize("offset", [-1, 1, 100])
async def test_an_expected_version_other_than_the_current_one_is_a_conflict(
    api: Api, clock: Clock, engine: AsyncEngine, mutation: str, offset: int
) -> None:
    # given
    document, prepare = CASE_MUTATIONS[mutation]
    child_id, input = await prepare(api, clock)
    before = await snapshot(api, engine, child_id)

    # when
    payload = await mutate(
        api, document, mutation, {**input, "expectedVersion": before["child"]["version"] + offset}
    )

    # then
    assert_refused(payload, "VERSION_CONFLICT", ["input", "expectedVersion"])
    assert await snapshot(api, engine, child_id) == before


# ---------------------------------------------------------------- INVALID_TRANSITION


async def test_releasing_a_child_still_in_dhs_custody_is_an_invalid_transition(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await intake_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "occurredAt": iso(clock() - timedelta(hours=1)),
        "sponsor": new_sponsor(),
        "address": home_address(),
    }
    before = await snapshot(api, engine, child["id"])

    # when
    payload = await mutate(api, RELEASE, "releaseToSponsor", input)

    # then
    assert_refused(
        payload,
        "INVALID_TRANSITION",
        ["input", "childId"],
        submitted=(FIRST_NAME, LAST_NAME, "Marisela", child["aNumber"]),
    )
    assert await snapshot(api, engine, child["id"]) == before


async def test_transferring_a_child_already_in_hhs_custody_is_an_invalid_transition(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await in_hhs_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "occurredAt": iso(clock() - timedelta(hours=1)),
        "facility": "Casa Padre",
    }
    before = await snapshot(api, engine, child["id"])

    # when
    payload = await mutate(api, TRANSFER, "transferToHhs", input)

    # then
    assert_refused(
        payload, "INVALID_TRANSITION", ["input", "childId"], submitted=(FIRST_NAME, LAST_NAME)
    )
    assert await snapshot(api, engine, child["id"]) == before


async def test_an_event_the_table_does_not_allow_is_an_invalid_transition_of_kind(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a child in DHS custody, never released
    child = await intake_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input = {
        "childId": child["id"],
        "kind": "RETURNED_TO_HHS",
        "occurredAt": iso(clock() - timedelta(hours=1)),
    }
    before = await snapshot(api, engine, child["id"])

    # when
    payload = await mutate(api, CUSTODY_EVENT, "recordCustodyEvent", input)

    # then
    assert_refused(
        payload, "INVALID_TRANSITION", ["input", "kind"], submitted=(FIRST_NAME, LAST_NAME)
    )
    assert await snapshot(api, engine, child["id"]) == before


@pytest.mark.parametrize("mutation", ["recordAddress", "recordContactAttempt"])
async def test_a_child_in_custody_has_no_address_or_contact_to_record(
    api: Api, clock: Clock, engine: AsyncEngine, mutation: str
) -> None:
    # given valid input, but for a child in HHS custody
    document, prepare = CASE_MUTATIONS[mutation]
    _, input = await prepare(api, clock)
    child = await in_hhs_child(api, clock, firstName=FIRST_NAME, lastName=LAST_NAME)
    input["childId"] = child["id"]
    before = await snapshot(api, engine, child["id"])

    # when
    payload = await mutate(api, document, mutation, input)

    # then
    assert_refused(
        payload, "INVALID_TRANSITION", ["input", "childId"], submitted=(FIRST_NAME, LAST_NAME)
    )
    assert await snapshot(api, engine, child["id"]) == before


# ---------------------------------------------------------------- DUPLICATE


@pytest.mark.parametrize(
    "written",
    [
        "A{0}{1}{2}",
        "A{0}-{1}-{2}",
        "A-{0}-{1}-{2}",
        "{0}-{1}-{2}",
        " A{0}{1}{2} ",
    ],
)
async def test_intake_of_a_known_a_number_however_written_is_a_duplicate(
    api: Api, clock: Clock, engine: AsyncEngine, written: str
) -> None:
    # given
    number = new_a_number()
    await intake_child(api, clock, aNumber=number)
    input = intake_input(aNumber=written.format(number[:3], number[3:6], number[6:]))
    before = await snapshot(api, engine, None)

    # when
    payload = await mutate(api, INTAKE, "intakeChild", input)

    # then
    assert_refused(
        payload,
        "DUPLICATE",
        ["input", "aNumber"],
        submitted=(number, input["aNumber"], FIRST_NAME, LAST_NAME, input["dateOfBirth"]),
    )
    assert await snapshot(api, engine, None) == before


# Query arguments at the edges of what a string or an instant can hold: text with a NUL
# (which PostgreSQL's text cannot hold), instants whose UTC time falls outside years 1 to
# 9999, the last day there is. Each is the client's input, so never an "Internal error.".
EDGE_QUERIES = [
    'query { hearings(filter: {court: "A\\u0000B"}) { totalCount } }',
    'query { hearings(filter: {from: "0001-01-01T00:00:00+14:00"}) { totalCount } }',
    'query { hearings(filter: {to: "9999-12-31T23:59:59-12:00"}) { totalCount } }',
    'query { children(filter: {search: "ana\\u0000"}) { totalCount } }',
    'query { children(filter: {court: "\\u0000"}) { totalCount } }',
    'query { children(filter: {releasedFrom: "0001-01-01", releasedTo: "9999-12-31"}) { totalCount } }',
    'query { auditLog(filter: {actorName: "a\\u0000"}) { totalCount } }',
    'query { auditLog(filter: {to: "9999-12-31T23:59:59-12:00"}) { totalCount } }',
    'query { workQueue(office: "\\u0000") { totalCount } }',
    'query { child(aNumber: "A\\u0000") { id } }',
    'query { child(aNumber: "\\u000012345678") { id } }',
]


@pytest.mark.parametrize("query", EDGE_QUERIES)
async def test_a_query_at_the_edge_of_its_inputs_is_answered_as_the_clients_error(
    api: Api, query: str
) -> None:
    # when
    body = await api.gql(query, role=Role.OVERSIGHT)

    # then: an answer, or the client's error; never the server's
    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    assert set(codes) <= {"INVALID"}, body
