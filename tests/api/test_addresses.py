"""Addresses through the API: recordAddress (USPS form, the residence history, refusals that write
nothing), verifyAddress, and the issues that flag an address: MISSING_UNIT, UNDELIVERABLE and
SHARED_BY_UNRELATED_CHILDREN."""

import uuid
from datetime import timedelta
from typing import Any

import pytest

from schema.ids import encode
from tests.conftest import Api, Clock
from tests.factories import (
    CUSTODY_EVENT,
    RECORD_ADDRESS,
    VERIFY_ADDRESS,
    home_address,
    in_hhs_child,
    intake_child,
    iso,
    mutate,
    ok,
    released_child,
)

CHILD = """
query Child($id: ID!) {
  child(id: $id) {
    version locationStatus
    currentAddress { id line1 line2 city state postalCode effectiveFrom issues }
    addresses {
      id line1 line2 city state postalCode effectiveFrom effectiveTo source verification verifiedAt
      issues
    }
  }
}"""


async def read_child(api: Api, child_id: str) -> dict[str, Any]:
    child: dict[str, Any] = (await api.data(CHILD, {"id": child_id}))["child"]
    return child


def day(clock: Clock, days_ago: int) -> str:
    return (clock() - timedelta(days=days_ago)).date().isoformat()


async def record_address(
    api: Api, child_id: str, address: dict[str, Any], effective_from: str, **extra: Any
) -> dict[str, Any]:
    input = {
        "childId": child_id,
        "address": address,
        "effectiveFrom": effective_from,
        "source": "SPONSOR_REPORTED",
        **extra,
    }
    return await mutate(api, RECORD_ADDRESS, "recordAddress", input)


async def verify_address(
    api: Api, address_id: str, verified_at: str, verification: str, **extra: Any
) -> dict[str, Any]:
    input = {
        "addressId": address_id,
        "verifiedAt": verified_at,
        "verification": verification,
        **extra,
    }
    return await mutate(api, VERIFY_ADDRESS, "verifyAddress", input)


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


# ---------------------------------------------------------------- recordAddress


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        (
            {
                "line1": "45 north elm street apt 3b",
                "city": "houston",
                "state": "texas",
                "postalCode": "77002-1234",
            },
            {
                "line1": "45 N ELM ST",
                "line2": "APT 3B",
                "city": "HOUSTON",
                "state": "TX",
                "postalCode": "77002-1234",
            },
        ),
        (
            {
                "line1": "300 oak avenue",
                "line2": "unit 4",
                "city": "Dallas",
                "state": "tx",
                "postalCode": "75201",
            },
            {
                "line1": "300 OAK AVE",
                "line2": "UNIT 4",
                "city": "DALLAS",
                "state": "TX",
                "postalCode": "75201",
            },
        ),
        (
            {
                "line1": "77 Elm Boulevard Suite 200",
                "city": "Los Angeles",
                "state": "California",
                "postalCode": "90001",
            },
            {
                "line1": "77 ELM BLVD",
                "line2": "STE 200",
                "city": "LOS ANGELES",
                "state": "CA",
                "postalCode": "90001",
            },
        ),
        (
            {
                "line1": "8 Pine Road",
                "city": "Washington",
                "state": "District of Columbia",
                "postalCode": "200011234",
            },
            {
                "line1": "8 PINE RD",
                "line2": None,
                "city": "WASHINGTON",
                "state": "DC",
                "postalCode": "20001-1234",
            },
        ),
        (
            {
                "line1": "15 Tetuan Street",
                "city": "San Juan",
                "state": "Puerto Rico",
                "postalCode": "00901",
            },
            {
                "line1": "15 TETUAN ST",
                "line2": None,
                "city": "SAN JUAN",
                "state": "PR",
                "postalCode": "00901",
            },
        ),
    ],
    ids=["unit in line1", "unit in line2", "suite", "ZIP+4 without dash", "territory by name"],
)
async def test_record_address_stores_the_usps_form(
    api: Api, clock: Clock, typed: dict[str, Any], normal: dict[str, Any]
) -> None:
    # given
    child = await released_child(api, clock)

    # when
    payload = await record_address(api, child["id"], typed, day(clock, 2))

    # then
    assert payload["userErrors"] == []
    address = payload["address"]
    assert {k: address[k] for k in normal} == normal
    assert address["effectiveFrom"] == day(clock, 2)
    assert address["effectiveTo"] is None
    assert address["source"] == "SPONSOR_REPORTED"
    assert address["verification"] == "UNVERIFIED"
    current = (await read_child(api, child["id"]))["currentAddress"]
    assert {k: current[k] for k in normal} == normal


async def test_record_address_closes_the_current_address_the_day_before(
    api: Api, clock: Clock
) -> None:
    # given a child released eight days ago to 1200 Main Street
    child = await released_child(api, clock, released_days_ago=8)
    before = await read_child(api, child["id"])

    # when the child moves three days ago
    payload = await record_address(
        api,
        child["id"],
        home_address(line1="310 Willow Lane", postalCode="77004"),
        day(clock, 3),
        expectedVersion=before["version"],
    )

    # then
    assert payload["userErrors"] == []
    assert payload["child"]["version"] == before["version"] + 1
    after = await read_child(api, child["id"])
    assert after["version"] == before["version"] + 1
    assert [(a["line1"], a["effectiveFrom"], a["effectiveTo"]) for a in after["addresses"]] == [
        ("1200 MAIN ST", day(clock, 8), day(clock, 4)),
        ("310 WILLOW LN", day(clock, 3), None),
    ]
    assert after["currentAddress"]["id"] == payload["address"]["id"]
    assert after["addresses"][0]["id"] == before["currentAddress"]["id"]


@pytest.mark.parametrize("days_after_current", [0, -1])
async def test_an_address_not_after_the_current_one_is_invalid(
    api: Api, clock: Clock, days_after_current: int
) -> None:
    # given a child at an address in effect from eight days ago
    child = await released_child(api, clock, released_days_ago=8)
    before = await read_child(api, child["id"])

    # when the new address would take effect on or before that day
    payload = await record_address(
        api, child["id"], home_address(line1="310 Willow Lane"), day(clock, 8 - days_after_current)
    )

    # then
    assert payload["address"] is None
    assert payload["userErrors"] == [
        {
            "code": "INVALID",
            "message": "The new address must take effect after the current one "
            f"(in effect from {day(clock, 8)}).",
            "field": ["input", "effectiveFrom"],
        }
    ]
    assert await read_child(api, child["id"]) == before


async def test_an_address_taking_effect_in_the_future_is_invalid(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    before = await read_child(api, child["id"])

    # when
    payload = await record_address(
        api, child["id"], home_address(line1="310 Willow Lane"), day(clock, -1)
    )

    # then
    assert payload["address"] is None
    assert errors(payload) == [("INVALID", ["input", "effectiveFrom"])]
    assert await read_child(api, child["id"]) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"line1": "   "}, "line1", "This field must not be blank."),
        ({"city": ""}, "city", "This field must not be blank."),
        ({"state": "ZZ"}, "state", "Unknown state: use a US state or territory, e.g. TX."),
        ({"state": " "}, "state", "The state must not be blank."),
        ({"postalCode": "1234"}, "postalCode", "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."),
        ({"postalCode": "ABCDE"}, "postalCode", "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."),
        (
            {"postalCode": "77002-12"},
            "postalCode",
            "A ZIP code is 5 digits, or ZIP+4 as 12345-6789.",
        ),
        (
            {"line1": "PO Box 4512"},
            "line1",
            "This is not a street address the postal service recognises "
            "(a residence is needed, not a PO box).",
        ),
    ],
)
async def test_an_address_that_is_not_a_usps_residence_is_invalid(
    api: Api, clock: Clock, overrides: dict[str, Any], field: str, message: str
) -> None:
    # given
    child = await released_child(api, clock)
    before = await read_child(api, child["id"])

    # when
    payload = await record_address(api, child["id"], home_address(**overrides), day(clock, 2))

    # then
    assert payload["address"] is None
    assert payload["child"] is None
    assert payload["userErrors"] == [
        {"code": "INVALID", "message": message, "field": ["input", "address", field]}
    ]
    assert await read_child(api, child["id"]) == before


@pytest.mark.parametrize("custody", ["IN_DHS_CUSTODY", "IN_HHS_CUSTODY"])
async def test_a_child_in_custody_gets_an_address_only_on_release(
    api: Api, clock: Clock, custody: str
) -> None:
    # given
    if custody == "IN_DHS_CUSTODY":
        child = await intake_child(api, clock)
    else:
        child = await in_hhs_child(api, clock)
    before = await read_child(api, child["id"])

    # when
    payload = await record_address(api, child["id"], home_address(), day(clock, 1))

    # then
    assert payload["address"] is None
    assert payload["userErrors"] == [
        {
            "code": "INVALID_TRANSITION",
            "message": "The child is in custody: the address on release is recorded by "
            "releaseToSponsor.",
            "field": ["input", "childId"],
        }
    ]
    after = await read_child(api, child["id"])
    assert after == before
    assert after["addresses"] == []


@pytest.mark.parametrize(
    "child_id",
    [
        encode("Child", uuid.UUID("00000000-0000-4000-8000-000000000001")),
        encode("Address", uuid.UUID("00000000-0000-4000-8000-000000000001")),
        "not-a-global-id",
    ],
    ids=["unknown child", "another type's ID", "malformed"],
)
async def test_record_address_for_no_such_child_is_not_found(
    api: Api, clock: Clock, child_id: str
) -> None:
    # given a child on record, who must not be touched
    bystander = await released_child(api, clock)
    before = await read_child(api, bystander["id"])

    # when
    payload = await record_address(api, child_id, home_address(), day(clock, 1))

    # then
    assert payload["address"] is None
    assert payload["child"] is None
    assert errors(payload) == [("NOT_FOUND", ["input", "childId"])]
    assert await read_child(api, bystander["id"]) == before


async def test_record_address_with_a_stale_version_is_a_conflict(api: Api, clock: Clock) -> None:
    # given a child read at version 3, then changed by someone else
    child = await released_child(api, clock)
    assert child["version"] == 3
    await ok(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": child["id"],
            "address": home_address(line1="310 Willow Lane"),
            "effectiveFrom": day(clock, 3),
            "source": "CHANGE_OF_ADDRESS_FORM",
        },
    )
    before = await read_child(api, child["id"])

    # when the first reader records an address
    payload = await record_address(
        api, child["id"], home_address(line1="92 Cedar Court"), day(clock, 1), expectedVersion=3
    )

    # then
    assert payload["address"] is None
    assert payload["userErrors"] == [
        {
            "code": "VERSION_CONFLICT",
            "message": "The record changed since you read it: it is at version 4, you expected 3. "
            "Reload it and try again.",
            "field": ["input", "expectedVersion"],
        }
    ]
    assert await read_child(api, child["id"]) == before


# ---------------------------------------------------------------- verifyAddress


@pytest.mark.parametrize(
    ("verification", "undeliverable", "issues"),
    [
        ("VERIFIED", None, []),
        ("VERIFIED", False, []),
        ("FAILED", None, []),
        ("FAILED", True, ["UNDELIVERABLE"]),
    ],
)
async def test_verify_address_records_the_result(
    api: Api, clock: Clock, verification: str, undeliverable: bool | None, issues: list[str]
) -> None:
    # given
    child = await released_child(api, clock)
    address_id = child["currentAddress"]["id"]
    extra = {} if undeliverable is None else {"undeliverable": undeliverable}

    # when
    at = iso(clock() - timedelta(days=1))
    payload = await verify_address(api, address_id, at, verification, **extra)

    # then
    assert payload["userErrors"] == []
    assert payload["address"]["verification"] == verification
    assert payload["address"]["issues"] == issues
    assert payload["child"]["version"] == child["version"] + 1
    after = await read_child(api, child["id"])
    assert after["version"] == child["version"] + 1
    (stored,) = after["addresses"]
    assert stored["id"] == address_id
    assert stored["verification"] == verification
    assert stored["verifiedAt"] == at
    assert stored["issues"] == issues


@pytest.mark.parametrize(
    ("verification", "extra", "verified_days_ago", "field"),
    [
        ("VERIFIED", {"undeliverable": True}, 1, "undeliverable"),
        ("UNVERIFIED", {}, 1, "verification"),
        ("VERIFIED", {}, -1, "verifiedAt"),
        ("FAILED", {}, 9, "verifiedAt"),  # the address took effect eight days ago
    ],
    ids=["verified but undeliverable", "unverified", "in the future", "before the address"],
)
async def test_an_impossible_verification_is_invalid(
    api: Api,
    clock: Clock,
    verification: str,
    extra: dict[str, Any],
    verified_days_ago: int,
    field: str,
) -> None:
    # given
    child = await released_child(api, clock, released_days_ago=8)
    before = await read_child(api, child["id"])

    # when
    payload = await verify_address(
        api,
        child["currentAddress"]["id"],
        iso(clock() - timedelta(days=verified_days_ago)),
        verification,
        **extra,
    )

    # then
    assert payload["address"] is None
    assert errors(payload) == [("INVALID", ["input", field])]
    after = await read_child(api, child["id"])
    assert after == before
    assert after["addresses"][0]["verification"] == "UNVERIFIED"
    assert after["addresses"][0]["verifiedAt"] is None


@pytest.mark.parametrize(
    "address_id",
    [
        encode("Address", uuid.UUID("00000000-0000-4000-8000-000000000002")),
        "bm90LWFuLWlk",
    ],
    ids=["unknown address", "malformed"],
)
async def test_verify_address_of_no_such_address_is_not_found(
    api: Api, clock: Clock, address_id: str
) -> None:
    # given
    child = await released_child(api, clock)
    before = await read_child(api, child["id"])

    # when
    payload = await verify_address(api, address_id, iso(clock() - timedelta(hours=1)), "VERIFIED")

    # then
    assert payload["address"] is None
    assert errors(payload) == [("NOT_FOUND", ["input", "addressId"])]
    assert await read_child(api, child["id"]) == before


async def test_a_child_id_is_not_an_address_id(api: Api, clock: Clock) -> None:
    child = await released_child(api, clock)

    payload = await verify_address(api, child["id"], iso(clock() - timedelta(hours=1)), "VERIFIED")

    assert errors(payload) == [("NOT_FOUND", ["input", "addressId"])]
    assert (await read_child(api, child["id"]))["version"] == child["version"]


async def test_a_later_successful_verification_clears_undeliverable(api: Api, clock: Clock) -> None:
    # given an address a verification found undeliverable
    child = await released_child(api, clock)
    address_id = child["currentAddress"]["id"]
    await ok(
        api,
        VERIFY_ADDRESS,
        "verifyAddress",
        {
            "addressId": address_id,
            "verifiedAt": iso(clock() - timedelta(days=3)),
            "verification": "FAILED",
            "undeliverable": True,
        },
    )

    # when a later visit verifies it (undeliverable not restated)
    payload = await verify_address(api, address_id, iso(clock() - timedelta(days=1)), "VERIFIED")

    # then the address is verified, so no verification says it is undeliverable
    assert payload["userErrors"] == []
    assert payload["address"]["verification"] == "VERIFIED"
    assert payload["address"]["issues"] == []


async def test_an_older_verification_entered_late_is_refused(api: Api, clock: Clock) -> None:
    # given an address verified yesterday
    child = await released_child(api, clock, released_days_ago=8)
    address_id = child["currentAddress"]["id"]
    yesterday = iso(clock() - timedelta(days=1))
    await ok(
        api,
        VERIFY_ADDRESS,
        "verifyAddress",
        {"addressId": address_id, "verifiedAt": yesterday, "verification": "VERIFIED"},
    )

    # when a failed check from five days ago is entered afterwards
    payload = await verify_address(api, address_id, iso(clock() - timedelta(days=5)), "FAILED")

    # then it is refused: the last verification stays yesterday's, and so does the location
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "verifiedAt"])
    ]
    record = await read_child(api, child["id"])
    assert [(a["verification"], a["verifiedAt"]) for a in record["addresses"]] == [
        ("VERIFIED", yesterday)
    ]
    assert record["locationStatus"] == "VERIFIED"


# ---------------------------------------------------------------- issues


async def test_an_address_without_the_unit_another_child_has_there_misses_its_unit(
    api: Api, clock: Clock
) -> None:
    # given child A in apartment 4 of 1200 Main Street
    a = await released_child(
        api, clock, address=home_address(line1="1200 Main Street Apt 4", postalCode="77002-3310")
    )

    # when child B is released to the same street line with no unit
    b = await released_child(api, clock, address=home_address(line1="1200 main st"))

    # then B's address misses its unit, A's does not
    assert (await read_child(api, b["id"]))["currentAddress"]["issues"] == ["MISSING_UNIT"]
    assert (await read_child(api, a["id"]))["currentAddress"]["issues"] == []
    # and a neighbouring street line no child has a unit at is no issue
    c = await released_child(api, clock, address=home_address(line1="1202 Main Street"))
    assert (await read_child(api, c["id"]))["currentAddress"]["issues"] == []


async def test_a_childs_own_unit_at_the_same_street_is_not_another_child(
    api: Api, clock: Clock
) -> None:
    # given a child who lived in apartment 4 of 1200 Main Street
    child = await released_child(
        api, clock, address=home_address(line1="1200 Main Street Apt 4"), released_days_ago=8
    )

    # when the same child's new address is the same street line without a unit
    payload = await record_address(
        api, child["id"], home_address(line1="1200 Main Street"), day(clock, 2)
    )

    # then
    assert payload["userErrors"] == []
    assert payload["address"]["issues"] == []
    addresses = (await read_child(api, child["id"]))["addresses"]
    assert [(a["line2"], a["issues"]) for a in addresses] == [("APT 4", []), (None, [])]


async def released_at_shared_address(
    api: Api, clock: Clock, sponsor_of: list[int]
) -> list[dict[str, Any]]:
    """Children released to 1200 Main Street; child i's sponsor is shared with every child
    whose number in `sponsor_of` is the same."""
    sponsors: dict[int, str] = {}
    children = []
    for number in sponsor_of:
        child = await released_child(
            api,
            clock,
            address=home_address(line1="1200 main street"),
            sponsor_id=sponsors.get(number),
        )
        sponsors.setdefault(number, child["sponsor"]["id"])
        children.append(child)
    return children


async def current_issues(api: Api, children: list[dict[str, Any]]) -> list[list[str]]:
    return [(await read_child(api, c["id"]))["currentAddress"]["issues"] for c in children]


async def test_four_children_of_four_sponsors_at_one_address_are_flagged(
    api: Api, clock: Clock
) -> None:
    # given / when
    children = await released_at_shared_address(api, clock, [1, 2, 3, 4])

    # then
    assert len({c["sponsor"]["id"] for c in children}) == 4
    assert await current_issues(api, children) == [["SHARED_BY_UNRELATED_CHILDREN"]] * 4


@pytest.mark.parametrize(
    "sponsor_of", [[1, 1, 2, 3], [1, 1, 1, 1]], ids=["three sponsors", "siblings"]
)
async def test_fewer_than_four_sponsors_at_one_address_are_not_flagged(
    api: Api, clock: Clock, sponsor_of: list[int]
) -> None:
    # given / when
    children = await released_at_shared_address(api, clock, sponsor_of)

    # then
    assert len({c["sponsor"]["id"] for c in children}) == len(set(sponsor_of))
    assert await current_issues(api, children) == [[]] * 4


async def test_the_shared_address_flag_goes_when_a_child_moves_away(api: Api, clock: Clock) -> None:
    # given four children of four sponsors at one address
    children = await released_at_shared_address(api, clock, [1, 2, 3, 4])
    assert await current_issues(api, children) == [["SHARED_BY_UNRELATED_CHILDREN"]] * 4

    # when one of them moves away
    payload = await record_address(
        api, children[0]["id"], home_address(line1="310 Willow Lane"), day(clock, 1)
    )

    # then
    assert payload["userErrors"] == []
    assert payload["address"]["issues"] == []
    assert await current_issues(api, children) == [[], [], [], []]
    moved = await read_child(api, children[0]["id"])
    assert [a["issues"] for a in moved["addresses"]] == [[], []]


async def test_a_child_who_went_missing_keeps_a_recordable_address(api: Api, clock: Clock) -> None:
    # given a child missing from HHS care (out of custody, so an address may be recorded)
    child = await in_hhs_child(api, clock, transferred_days_ago=5)
    await ok(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {
            "childId": child["id"],
            "kind": "MISSING_FROM_HHS_CARE",
            "occurredAt": iso(clock() - timedelta(days=3)),
        },
    )

    # when a lead on where the child lives comes in
    payload = await record_address(api, child["id"], home_address(), day(clock, 1))

    # then the address is on record, and the child is still missing
    assert payload["userErrors"] == []
    assert payload["address"]["line1"] == "1200 MAIN ST"
    assert payload["child"]["locationStatus"] == "UNKNOWN"
    assert payload["child"]["version"] == child["version"] + 2
