"""The custody state machine through the API: every allowed and every refused transition."""

from datetime import timedelta
from typing import Any

import pytest

from models.enums import CustodyEventKind, CustodyStatus
from resolvers.custody import TRANSITIONS
from tests.conftest import Api, Clock
from tests.factories import (
    CUSTODY_EVENT,
    INTAKE,
    RELEASE,
    TRANSFER,
    home_address,
    intake_child,
    iso,
    mutate,
    new_a_number,
    ok,
)

HISTORY = """
query Child($id: ID!) {
  child(id: $id) {
    custodyStatus version sponsor { id } currentAddress { line1 }
    custodyEvents { kind occurredAt facility sponsor { id } }
  }
}"""


async def child_in(api: Api, clock: Clock, status: CustodyStatus) -> dict[str, Any]:
    """A child brought to `status` through the API, one day per step from five days ago."""
    paths: dict[CustodyStatus, list[CustodyEventKind]] = {
        CustodyStatus.IN_DHS_CUSTODY: [],
        CustodyStatus.IN_HHS_CUSTODY: [CustodyEventKind.TRANSFERRED_TO_HHS],
        CustodyStatus.RELEASED_TO_SPONSOR: [
            CustodyEventKind.TRANSFERRED_TO_HHS,
            CustodyEventKind.RELEASED_TO_SPONSOR,
        ],
        CustodyStatus.MISSING_FROM_HHS_CARE: [
            CustodyEventKind.TRANSFERRED_TO_HHS,
            CustodyEventKind.MISSING_FROM_HHS_CARE,
        ],
        CustodyStatus.TURNED_18: [CustodyEventKind.TURNED_18],
        CustodyStatus.REMOVED_OR_DEPARTED: [CustodyEventKind.REMOVED_OR_DEPARTED],
    }
    steps = paths[status]
    start = clock() - timedelta(days=5)  # 17 then, 18 three days ago
    child = await intake_child(api, clock, apprehendedAt=iso(start), dateOfBirth="2008-05-28")
    for day, kind in enumerate(steps, start=1):
        await step(api, child["id"], kind, iso(start + timedelta(days=day)), expect_ok=True)
    return child


async def step(
    api: Api, child_id: str, kind: CustodyEventKind, when: str, *, expect_ok: bool = False
) -> dict[str, Any]:
    """Apply one custody event through the mutation that records it."""
    if kind == CustodyEventKind.TRANSFERRED_TO_HHS:
        document, name = TRANSFER, "transferToHhs"
        input: dict[str, Any] = {"childId": child_id, "occurredAt": when, "facility": "Casa Padre"}
    elif kind == CustodyEventKind.RELEASED_TO_SPONSOR:
        document, name = RELEASE, "releaseToSponsor"
        input = {
            "childId": child_id,
            "occurredAt": when,
            "sponsor": {"firstName": "Rosa", "lastName": "Díaz", "relationship": "PARENT"},
            "address": home_address(),
        }
    else:
        document, name = CUSTODY_EVENT, "recordCustodyEvent"
        input = {"childId": child_id, "kind": kind.value, "occurredAt": when}
    payload = await mutate(api, document, name, input)
    if expect_ok:
        assert payload["userErrors"] == [], payload["userErrors"]
    return payload


STEPS_AFTER_INTAKE = [k for k in CustodyEventKind if k != CustodyEventKind.APPREHENDED]


@pytest.mark.parametrize("status", list(CustodyStatus))
@pytest.mark.parametrize("kind", STEPS_AFTER_INTAKE)
async def test_every_transition_is_allowed_or_refused_as_the_table_says(
    api: Api, clock: Clock, status: CustodyStatus, kind: CustodyEventKind
) -> None:
    # given a child in `status`
    child = await child_in(api, clock, status)
    before = (await api.data(HISTORY, {"id": child["id"]}))["child"]

    # when `kind` is recorded now
    payload = await step(api, child["id"], kind, iso(clock() - timedelta(hours=1)))

    # then the table decides, and a refusal changes nothing
    after = (await api.data(HISTORY, {"id": child["id"]}))["child"]
    expected = TRANSITIONS.get((status, kind))
    if expected is None:
        assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TRANSITION"]
        assert payload["child"] is None
        assert after == before
    else:
        assert payload["userErrors"] == []
        assert after["custodyStatus"] == expected.value
        assert after["version"] == before["version"] + 1
        assert [e["kind"] for e in after["custodyEvents"]] == [
            *(e["kind"] for e in before["custodyEvents"]),
            kind.value,
        ]


async def test_intake_opens_a_case_in_dhs_custody_at_version_one(api: Api, clock: Clock) -> None:
    # given / when
    child = await intake_child(api, clock, aNumber="A-201-555-017")

    # then
    assert child["aNumber"] == "201555017"
    assert child["custodyStatus"] == "IN_DHS_CUSTODY"
    assert child["locationStatus"] == "VERIFIED"
    assert child["version"] == 1
    events = (await api.data(HISTORY, {"id": child["id"]}))["child"]["custodyEvents"]
    assert [e["kind"] for e in events] == ["APPREHENDED"]


async def test_intake_of_a_known_a_number_is_a_duplicate(api: Api, clock: Clock) -> None:
    # given
    number = new_a_number()
    await intake_child(api, clock, aNumber=number)

    # when
    payload = await mutate(
        api,
        INTAKE,
        "intakeChild",
        {
            "aNumber": f"A{number}",
            "firstName": "Luis",
            "lastName": "Mejía",
            "dateOfBirth": "2011-05-05",
            "countryOfBirth": "HND",
            "apprehendedAt": iso(clock() - timedelta(days=1)),
        },
    )

    # then
    assert payload["child"] is None
    assert payload["userErrors"] == [
        {
            "code": "DUPLICATE",
            "message": "A child with this A-number is already on record.",
            "field": ["input", "aNumber"],
        }
    ]
    found = await api.data(
        "query($s: String!) { children(filter: {search: $s}) { totalCount } }", {"s": number}
    )
    assert found["children"]["totalCount"] == 1


async def test_release_links_the_sponsor_and_makes_the_address_current(
    api: Api, clock: Clock
) -> None:
    # given
    child = await child_in(api, clock, CustodyStatus.IN_HHS_CUSTODY)

    # when
    payload = await ok(
        api,
        RELEASE,
        "releaseToSponsor",
        {
            "childId": child["id"],
            "occurredAt": iso(clock() - timedelta(hours=2)),
            "sponsor": {
                "firstName": "Rosa",
                "lastName": "Díaz",
                "relationship": "PARENT",
                "phone": "202-555-0188",
            },
            "address": home_address(line1="45 north elm street apt 3b"),
        },
    )

    # then
    released = payload["child"]
    assert released["custodyStatus"] == "RELEASED_TO_SPONSOR"
    assert released["currentAddress"]["line1"] == "45 N ELM ST"
    assert released["currentAddress"]["line2"] == "APT 3B"
    record = (await api.data(HISTORY, {"id": child["id"]}))["child"]
    assert record["custodyEvents"][-1]["sponsor"]["id"] == released["sponsor"]["id"]


async def test_release_to_a_known_sponsor(api: Api, clock: Clock) -> None:
    # given a sponsor from an earlier release
    first = await child_in(api, clock, CustodyStatus.RELEASED_TO_SPONSOR)
    sponsor_id = (await api.data(HISTORY, {"id": first["id"]}))["child"]["sponsor"]["id"]
    second = await child_in(api, clock, CustodyStatus.IN_HHS_CUSTODY)

    # when
    payload = await ok(
        api,
        RELEASE,
        "releaseToSponsor",
        {
            "childId": second["id"],
            "occurredAt": iso(clock() - timedelta(hours=1)),
            "sponsorId": sponsor_id,
            "address": home_address(),
        },
    )

    # then
    assert payload["child"]["sponsor"]["id"] == sponsor_id
    siblings = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Sponsor { children { id } } } }",
        {"id": sponsor_id},
    )
    assert {c["id"] for c in siblings["node"]["children"]} == {first["id"], second["id"]}


async def test_return_to_hhs_ends_the_sponsor_placement(api: Api, clock: Clock) -> None:
    # given
    child = await child_in(api, clock, CustodyStatus.RELEASED_TO_SPONSOR)

    # when
    await step(
        api,
        child["id"],
        CustodyEventKind.RETURNED_TO_HHS,
        iso(clock() - timedelta(hours=1)),
        expect_ok=True,
    )

    # then
    record = (await api.data(HISTORY, {"id": child["id"]}))["child"]
    assert record["custodyStatus"] == "IN_HHS_CUSTODY"
    assert record["sponsor"] is None
    assert record["currentAddress"] is None


async def test_an_event_before_the_latest_one_is_refused(api: Api, clock: Clock) -> None:
    # given a child transferred a day ago
    child = await child_in(api, clock, CustodyStatus.IN_HHS_CUSTODY)

    # when the release is dated before the transfer
    payload = await step(
        api, child["id"], CustodyEventKind.RELEASED_TO_SPONSOR, iso(clock() - timedelta(days=30))
    )

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "occurredAt"])
    ]


async def test_turned_18_needs_the_eighteenth_birthday(api: Api, clock: Clock) -> None:
    # given a child born in 2012
    child = await intake_child(api, clock, dateOfBirth="2012-01-01")

    # when
    payload = await step(
        api, child["id"], CustodyEventKind.TURNED_18, iso(clock() - timedelta(hours=1))
    )

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "occurredAt"])
    ]


@pytest.mark.parametrize("kind", ["APPREHENDED", "RELEASED_TO_SPONSOR"])
async def test_events_with_their_own_mutation_are_refused_here(
    api: Api, clock: Clock, kind: str
) -> None:
    child = await child_in(api, clock, CustodyStatus.IN_HHS_CUSTODY)

    payload = await mutate(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {"childId": child["id"], "kind": kind, "occurredAt": iso(clock() - timedelta(hours=1))},
    )

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "kind"])
    ]
