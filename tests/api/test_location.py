"""Where a child is known to be: `locationStatus` from custody, the current address, its
verification and the contact attempts since, and recordContactAttempt."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
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
    version custodyStatus locationStatus
    currentAddress { id verification verifiedAt }
    contactAttempts { id attemptedAt method outcome notes }
  }
}"""

CHILDREN_BY_LOCATION = """
query Located($status: [LocationStatus!]) {
  children(filter: {locationStatus: $status}, first: 100) {
    totalCount
    edges { node { id locationStatus } }
  }
}"""


async def read_child(api: Api, child_id: str) -> dict[str, Any]:
    child: dict[str, Any] = (await api.data(CHILD, {"id": child_id}))["child"]
    return child


def ago(clock: Clock, **delta: float) -> datetime:
    return clock() - timedelta(**delta)


async def contact(
    api: Api, child_id: str, at: datetime | str, outcome: str, **extra: Any
) -> dict[str, Any]:
    input = {
        "childId": child_id,
        "attemptedAt": at if isinstance(at, str) else iso(at),
        "method": "HOME_VISIT",
        "outcome": outcome,
        **extra,
    }
    return await mutate(api, CONTACT_ATTEMPT, "recordContactAttempt", input)


async def contacted(
    api: Api, child_id: str, at: datetime | str, outcome: str, **extra: Any
) -> dict[str, Any]:
    """A contact attempt that must be accepted."""
    payload = await contact(api, child_id, at, outcome, **extra)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def verified(
    api: Api, address_id: str, at: datetime | str, verification: str = "VERIFIED"
) -> dict[str, Any]:
    return await ok(
        api,
        VERIFY_ADDRESS,
        "verifyAddress",
        {
            "addressId": address_id,
            "verifiedAt": at if isinstance(at, str) else iso(at),
            "verification": verification,
        },
    )


async def custody_event(api: Api, child_id: str, kind: str, at: datetime) -> dict[str, Any]:
    return await ok(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {"childId": child_id, "kind": kind, "occurredAt": iso(at)},
    )


async def missing_child(api: Api, clock: Clock) -> dict[str, Any]:
    child = await in_hhs_child(api, clock, transferred_days_ago=5)
    payload = await custody_event(api, child["id"], "MISSING_FROM_HHS_CARE", ago(clock, days=3))
    missing: dict[str, Any] = payload["child"]
    return missing


async def adult_without_address(api: Api, clock: Clock) -> dict[str, Any]:
    """Released eight days ago, returned to HHS six days ago (which ends the residence),
    turned 18 four days ago and recorded so three days ago: out of custody, no address."""
    child = await released_child(api, clock, released_days_ago=8, dateOfBirth="2008-05-28")
    await custody_event(api, child["id"], "RETURNED_TO_HHS", ago(clock, days=6))
    payload = await custody_event(api, child["id"], "TURNED_18", ago(clock, days=3))
    adult: dict[str, Any] = payload["child"]
    return adult


async def departed_from_dhs(api: Api, clock: Clock) -> dict[str, Any]:
    child = await intake_child(api, clock)
    payload = await custody_event(api, child["id"], "REMOVED_OR_DEPARTED", ago(clock, days=2))
    departed: dict[str, Any] = payload["child"]
    return departed


# ---------------------------------------------------------------- locationStatus


@pytest.mark.parametrize("custody", ["IN_DHS_CUSTODY", "IN_HHS_CUSTODY"])
async def test_a_child_in_custody_is_verified(api: Api, clock: Clock, custody: str) -> None:
    # given / when
    if custody == "IN_DHS_CUSTODY":
        child = await intake_child(api, clock)
    else:
        child = await in_hhs_child(api, clock)

    # then
    record = await read_child(api, child["id"])
    assert record["custodyStatus"] == custody
    assert record["locationStatus"] == "VERIFIED"


async def test_a_child_returned_to_hhs_is_verified_again(api: Api, clock: Clock) -> None:
    # given a released child whose sponsor could not be found
    child = await released_child(api, clock, released_days_ago=8)
    await contacted(api, child["id"], ago(clock, days=4), "NOT_LOCATED")
    assert (await read_child(api, child["id"]))["locationStatus"] == "UNKNOWN"

    # when
    payload = await custody_event(api, child["id"], "RETURNED_TO_HHS", ago(clock, days=2))

    # then
    assert payload["child"]["custodyStatus"] == "IN_HHS_CUSTODY"
    assert payload["child"]["locationStatus"] == "VERIFIED"


async def test_a_child_missing_from_hhs_care_is_unknown(api: Api, clock: Clock) -> None:
    # given / when
    child = await missing_child(api, clock)

    # then
    record = await read_child(api, child["id"])
    assert record["custodyStatus"] == "MISSING_FROM_HHS_CARE"
    assert record["locationStatus"] == "UNKNOWN"


async def test_a_missing_child_stays_unknown_with_an_address_on_record(
    api: Api, clock: Clock
) -> None:
    # given a missing child with a reported, then verified, address
    child = await missing_child(api, clock)
    recorded = await ok(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": child["id"],
            "address": home_address(),
            "effectiveFrom": ago(clock, days=2).date().isoformat(),
            "source": "OTHER",
        },
    )

    # when
    payload = await verified(api, recorded["address"]["id"], ago(clock, days=1))

    # then
    assert payload["address"]["verification"] == "VERIFIED"
    assert payload["child"]["locationStatus"] == "UNKNOWN"


@pytest.mark.parametrize(
    "make", [adult_without_address, departed_from_dhs], ids=["turned 18 after return", "departed"]
)
async def test_a_child_out_of_custody_without_an_address_is_unknown(
    api: Api, clock: Clock, make: Any
) -> None:
    # given / when
    child = await make(api, clock)

    # then
    record = await read_child(api, child["id"])
    assert record["custodyStatus"] in {"TURNED_18", "REMOVED_OR_DEPARTED"}
    assert record["currentAddress"] is None
    assert record["locationStatus"] == "UNKNOWN"


async def test_a_child_just_released_is_unverified(api: Api, clock: Clock) -> None:
    # given / when
    child = await released_child(api, clock)

    # then
    assert child["locationStatus"] == "UNVERIFIED"
    record = await read_child(api, child["id"])
    assert record["locationStatus"] == "UNVERIFIED"
    assert record["currentAddress"]["verification"] == "UNVERIFIED"


@pytest.mark.parametrize(
    ("verification", "location"), [("VERIFIED", "VERIFIED"), ("FAILED", "UNVERIFIED")]
)
async def test_the_address_verification_decides_the_location(
    api: Api, clock: Clock, verification: str, location: str
) -> None:
    # given
    child = await released_child(api, clock)

    # when
    payload = await verified(api, child["currentAddress"]["id"], ago(clock, days=1), verification)

    # then
    assert payload["child"]["locationStatus"] == location
    assert (await read_child(api, child["id"]))["locationStatus"] == location


async def test_moving_to_a_new_address_makes_a_verified_location_unverified(
    api: Api, clock: Clock
) -> None:
    # given a child at a verified address
    child = await released_child(api, clock, released_days_ago=8)
    await verified(api, child["currentAddress"]["id"], ago(clock, days=6))

    # when the child moves
    payload = await ok(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": child["id"],
            "address": home_address(line1="310 Willow Lane"),
            "effectiveFrom": ago(clock, days=2).date().isoformat(),
            "source": "CHANGE_OF_ADDRESS_FORM",
        },
    )

    # then
    assert payload["address"]["verification"] == "UNVERIFIED"
    assert payload["child"]["locationStatus"] == "UNVERIFIED"


# ---------------------------------------------------------------- recordContactAttempt


async def test_finding_the_child_at_home_verifies_the_current_address(
    api: Api, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    at = iso(ago(clock, days=2))

    # when
    payload = await contacted(
        api, child["id"], at, "LOCATED_AT_ADDRESS", method="SPONSOR_CONTACT", notes="Seen at home."
    )

    # then
    assert {k: v for k, v in payload["contactAttempt"].items() if k != "id"} == {
        "attemptedAt": at,
        "method": "SPONSOR_CONTACT",
        "outcome": "LOCATED_AT_ADDRESS",
        "notes": "Seen at home.",
    }
    assert payload["child"]["locationStatus"] == "VERIFIED"
    record = await read_child(api, child["id"])
    assert record["currentAddress"]["id"] == child["currentAddress"]["id"]
    assert record["currentAddress"]["verification"] == "VERIFIED"
    assert record["currentAddress"]["verifiedAt"] == at
    assert record["locationStatus"] == "VERIFIED"


@pytest.mark.parametrize("reverify", ["verifyAddress", "LOCATED_AT_ADDRESS"])
async def test_not_located_after_a_verification_is_unknown_until_verified_again(
    api: Api, clock: Clock, reverify: str
) -> None:
    # given a child found at home four days ago
    child = await released_child(api, clock, released_days_ago=8)
    await contacted(api, child["id"], ago(clock, days=4), "LOCATED_AT_ADDRESS")

    # when not found two days ago
    payload = await contacted(api, child["id"], ago(clock, days=2), "NOT_LOCATED")

    # then
    assert payload["child"]["locationStatus"] == "UNKNOWN"
    assert (await read_child(api, child["id"]))["locationStatus"] == "UNKNOWN"

    # when the address is verified again yesterday
    if reverify == "verifyAddress":
        again = await verified(api, child["currentAddress"]["id"], ago(clock, days=1))
    else:
        again = await contacted(api, child["id"], ago(clock, days=1), "LOCATED_AT_ADDRESS")

    # then
    assert again["child"]["locationStatus"] == "VERIFIED"
    record = await read_child(api, child["id"])
    assert record["locationStatus"] == "VERIFIED"
    assert record["currentAddress"]["verifiedAt"] == iso(ago(clock, days=1))


@pytest.mark.parametrize(
    ("outcome", "location"),
    [("NO_RESPONSE", "UNVERIFIED"), ("NOT_LOCATED", "UNKNOWN"), ("LOCATED_AT_ADDRESS", "VERIFIED")],
)
async def test_an_attempt_after_a_verification_decides_the_location(
    api: Api, clock: Clock, outcome: str, location: str
) -> None:
    # given an address verified three days ago
    child = await released_child(api, clock)
    await verified(api, child["currentAddress"]["id"], ago(clock, days=3))

    # when
    payload = await contacted(api, child["id"], ago(clock, days=1), outcome, method="PHONE")

    # then
    assert payload["child"]["locationStatus"] == location
    assert (await read_child(api, child["id"]))["locationStatus"] == location


async def test_an_attempt_before_the_last_verification_does_not_count(
    api: Api, clock: Clock
) -> None:
    # given an address verified yesterday
    child = await released_child(api, clock, released_days_ago=8)
    await verified(api, child["currentAddress"]["id"], ago(clock, days=1))

    # when a failed visit from four days ago is entered late
    payload = await contacted(api, child["id"], ago(clock, days=4), "NOT_LOCATED")

    # then
    assert payload["child"]["locationStatus"] == "VERIFIED"
    record = await read_child(api, child["id"])
    assert record["currentAddress"]["verifiedAt"] == iso(ago(clock, days=1))
    assert [a["outcome"] for a in record["contactAttempts"]] == ["NOT_LOCATED"]


@pytest.mark.parametrize(
    ("attempted_at", "location"),
    [
        ("2026-05-31T06:30:00-05:00", "UNKNOWN"),  # 11:30 UTC: after the verification
        ("2026-05-31T12:30:00+03:00", "VERIFIED"),  # 09:30 UTC: before it
    ],
)
async def test_attempts_and_verifications_compare_as_instants_across_offsets(
    api: Api, clock: Clock, attempted_at: str, location: str
) -> None:
    # given an address verified at 10:00 UTC yesterday
    child = await released_child(api, clock)
    await verified(api, child["currentAddress"]["id"], "2026-05-31T10:00:00+00:00")

    # when
    payload = await contacted(api, child["id"], attempted_at, "NOT_LOCATED")

    # then
    assert payload["child"]["locationStatus"] == location


async def test_located_at_address_needs_a_current_address(api: Api, clock: Clock) -> None:
    # given
    child = await adult_without_address(api, clock)
    before = await read_child(api, child["id"])

    # when
    payload = await contact(api, child["id"], ago(clock, days=1), "LOCATED_AT_ADDRESS")

    # then
    assert payload["contactAttempt"] is None
    assert payload["userErrors"] == [
        {
            "code": "INVALID",
            "message": "The child has no current address to be located at; "
            "record the address first.",
            "field": ["input", "outcome"],
        }
    ]
    after = await read_child(api, child["id"])
    assert after == before
    assert after["contactAttempts"] == []


async def test_a_contact_attempt_in_the_future_is_invalid(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    before = await read_child(api, child["id"])

    # when
    payload = await contact(api, child["id"], clock() + timedelta(hours=1), "LOCATED_AT_ADDRESS")

    # then
    assert payload["contactAttempt"] is None
    assert payload["userErrors"] == [
        {
            "code": "INVALID",
            "message": "This date-time is in the future; it must be in the past.",
            "field": ["input", "attemptedAt"],
        }
    ]
    after = await read_child(api, child["id"])
    assert after == before
    assert after["currentAddress"]["verification"] == "UNVERIFIED"


async def test_a_child_in_custody_cannot_be_contacted(api: Api, clock: Clock) -> None:
    # given
    child = await in_hhs_child(api, clock)

    # when
    payload = await contact(api, child["id"], ago(clock, hours=1), "NO_RESPONSE")

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_TRANSITION", ["input", "childId"])
    ]
    after = await read_child(api, child["id"])
    assert after["version"] == child["version"]
    assert after["contactAttempts"] == []


async def test_contact_attempts_are_listed_oldest_first(api: Api, clock: Clock) -> None:
    # given attempts entered out of order
    child = await released_child(api, clock, released_days_ago=8)
    entered = [
        (ago(clock, days=2), "NO_RESPONSE", "PHONE"),
        (ago(clock, days=6), "LOCATED_AT_ADDRESS", "HOME_VISIT"),
        (ago(clock, days=4), "NOT_LOCATED", "SCHOOL"),
    ]
    for at, outcome, method in entered:
        await contacted(api, child["id"], at, outcome, method=method)

    # when
    record = await read_child(api, child["id"])

    # then
    assert [(a["attemptedAt"], a["outcome"], a["method"]) for a in record["contactAttempts"]] == [
        (iso(at), outcome, method) for at, outcome, method in sorted(entered)
    ]
    # the latest attempt after the verification six days ago is a NO_RESPONSE
    assert record["locationStatus"] == "UNVERIFIED"


async def test_each_mutation_adds_exactly_one_version(api: Api, clock: Clock) -> None:
    # given a child intake (1), transferred (2) and released (3)
    child = await released_child(api, clock, released_days_ago=8)
    assert child["version"] == 3
    address_id = child["currentAddress"]["id"]
    versions = []

    # when
    versions.append((await verified(api, address_id, ago(clock, days=7)))["child"]["version"])
    versions.append(
        (await contacted(api, child["id"], ago(clock, days=6), "NO_RESPONSE"))["child"]["version"]
    )
    refused = await contact(api, child["id"], ago(clock, days=-1), "NOT_LOCATED")
    versions.append(
        (await contacted(api, child["id"], ago(clock, days=5), "LOCATED_AT_ADDRESS"))["child"][
            "version"
        ]
    )
    versions.append(
        (await verified(api, address_id, ago(clock, days=4), "FAILED"))["child"]["version"]
    )
    versions.append(
        (await contacted(api, child["id"], ago(clock, days=3), "NOT_LOCATED"))["child"]["version"]
    )

    # then
    assert refused["userErrors"] != []
    assert versions == [4, 5, 6, 7, 8]
    assert (await read_child(api, child["id"]))["version"] == 8


async def test_the_location_filter_agrees_with_the_field(api: Api, clock: Clock) -> None:
    # given children in every kind of location
    in_dhs = await intake_child(api, clock)
    missing = await missing_child(api, clock)
    departed = await departed_from_dhs(api, clock)
    adult = await adult_without_address(api, clock)
    released = await released_child(api, clock)
    not_located = await released_child(api, clock)
    await contacted(api, not_located["id"], ago(clock, days=1), "NOT_LOCATED")
    found = await released_child(api, clock)
    await contacted(api, found["id"], ago(clock, days=1), "LOCATED_AT_ADDRESS")
    expected = {
        in_dhs["id"]: "VERIFIED",
        missing["id"]: "UNKNOWN",
        departed["id"]: "UNKNOWN",
        adult["id"]: "UNKNOWN",
        released["id"]: "UNVERIFIED",
        not_located["id"]: "UNKNOWN",
        found["id"]: "VERIFIED",
    }
    fields = {i: (await read_child(api, i))["locationStatus"] for i in expected}
    assert fields == expected

    for status in ["UNKNOWN", "UNVERIFIED", "VERIFIED"]:
        # when
        page = (await api.data(CHILDREN_BY_LOCATION, {"status": [status]}))["children"]

        # then
        ids = {e["node"]["id"] for e in page["edges"]}
        assert ids == {i for i, s in expected.items() if s == status}, status
        assert page["totalCount"] == len(ids)
        assert {e["node"]["locationStatus"] for e in page["edges"]} == {status}

    both = (await api.data(CHILDREN_BY_LOCATION, {"status": ["UNKNOWN", "UNVERIFIED"]}))["children"]
    assert both["totalCount"] == 4 + 1


async def test_an_attempt_dated_before_the_address_took_effect_is_refused(
    api: Api, clock: Clock
) -> None:
    # given an address in effect from eight days ago
    child = await released_child(api, clock, released_days_ago=8)

    # when the child is said to have been found there ten days ago
    payload = await mutate(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(days=10)),
            "method": "HOME_VISIT",
            "outcome": "LOCATED_AT_ADDRESS",
        },
    )

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "attemptedAt"])
    ]
