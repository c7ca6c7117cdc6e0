"""Reads through the API: one child, any node, the children list with every filter and its
keyset pages, the fields of a child, and the hearings and alerts lists."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import models
from models.enums import (
    AlertKind,
    AlertStatus,
    CustodyStatus,
    HearingStatus,
    HearingType,
    LocationStatus,
    NoticeStatus,
    ServiceMethod,
)
from resolvers.pagination import encode_cursor
from resolvers.validation import name_key
from schema.ids import decode_any, encode
from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    CUSTODY_EVENT,
    RECORD_ADDRESS,
    home_address,
    in_hhs_child,
    insert_rows,
    intake_child,
    iso,
    ok,
    released_child,
)

# ---------------------------------------------------------------- documents

CHILD_BY_ID = """
query ChildById($id: ID) {
  child(id: $id) { id aNumber firstName lastName custodyStatus }
}"""
CHILD_BY_A_NUMBER = """
query ChildByANumber($aNumber: String) {
  child(aNumber: $aNumber) { id aNumber }
}"""
CHILD_BY_BOTH = """
query ChildByBoth($id: ID, $aNumber: String) {
  child(id: $id, aNumber: $aNumber) { id }
}"""
CASE_FILE_IDS = """
query CaseFileIds($id: ID!) {
  child(id: $id) {
    id
    sponsor { id }
    addresses { id }
    custodyEvents { id }
    contactAttempts { id }
    notices { id }
    hearings { id }
    representation { id }
    alerts { id }
  }
}"""
NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Child { aNumber }
    ... on Sponsor { firstName lastName children { id } }
    ... on Address { line1 city state postalCode }
    ... on CustodyEvent { kind facility }
    ... on ContactAttempt { method outcome notes }
    ... on Notice { status court }
    ... on Hearing { court hearingStatus: status child { id } }
    ... on Representation { attorneyName organization }
    ... on Alert { alertKind: kind alertStatus: status detail child { id } }
  }
}"""
CHILDREN = """
query Children($filter: ChildFilter, $first: Int, $after: String) {
  children(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id aNumber } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
CHILD_RECORD = """
query ChildRecord($id: ID!) {
  child(id: $id) {
    currentAddress { id line1 effectiveFrom effectiveTo }
    addresses { id line1 effectiveFrom effectiveTo source }
    custodyEvents { kind occurredAt facility sponsor { id } }
    notices { id status issuedOn servedOn serviceMethod filedOn court }
    hearings { id court type scheduledFor status inAbsentiaOrder }
    nextHearing { id scheduledFor status }
    representation { id attorneyName organization enteredOn withdrawnOn }
  }
}"""
CHILD_ALERTS = """
query ChildAlerts($id: ID!, $status: AlertStatus) {
  child(id: $id) { alerts(status: $status) { id kind status } }
}"""
SPONSOR_CHILDREN = """
query SponsorChildren($id: ID!) {
  child(id: $id) { sponsor { id children { id aNumber } } }
}"""
HEARINGS = """
query Hearings($filter: HearingFilter, $first: Int, $after: String) {
  hearings(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id court scheduledFor status child { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
ALERTS = """
query Alerts($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id kind status child { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


# ---------------------------------------------------------------- helpers


def record_id(global_id: str) -> uuid.UUID:
    """The table key behind a global ID (for writing rows no mutation writes yet)."""
    decoded = decode_any(global_id)
    assert decoded is not None, global_id
    return decoded[1]


async def insert(engine: AsyncEngine, *rows: Any) -> None:
    """Write rows straight to the tables, in one transaction."""
    await insert_rows(engine, *rows)


def child_row(
    a_number: str,
    *,
    first: str = "Ana",
    last: str = "Pérez",
    status: CustodyStatus = CustodyStatus.IN_HHS_CUSTODY,
) -> models.Child:
    return models.Child(
        a_number=a_number,
        first_name=first,
        last_name=last,
        first_name_key=name_key(first),
        last_name_key=name_key(last),
        date_of_birth=date(2012, 3, 4),
        country_of_birth="GT",
        custody_status=status,
        location_status=LocationStatus.VERIFIED,
    )


def notice_row(
    child_id: uuid.UUID,
    status: NoticeStatus,
    *,
    court: str = "HOU",
    issued_on: date = date(2026, 5, 10),
) -> models.Notice:
    served = status in {NoticeStatus.SERVED, NoticeStatus.FILED, NoticeStatus.REJECTED}
    filed = status in {NoticeStatus.FILED, NoticeStatus.REJECTED}
    return models.Notice(
        child_id=child_id,
        status=status,
        issued_on=issued_on,
        served_on=issued_on + timedelta(days=3) if served else None,
        service_method=ServiceMethod.MAIL if served else None,
        filed_on=issued_on + timedelta(days=10) if filed else None,
        court=court,
    )


def hearing_row(
    child_id: uuid.UUID,
    at: datetime,
    status: HearingStatus = HearingStatus.SCHEDULED,
    *,
    court: str = "HOU",
    in_absentia_order: bool = False,
) -> models.Hearing:
    return models.Hearing(
        child_id=child_id,
        court=court,
        type=HearingType.MASTER_CALENDAR,
        scheduled_for=at,
        status=status,
        in_absentia_order=in_absentia_order,
    )


def representation_row(
    child_id: uuid.UUID,
    entered_on: date,
    *,
    withdrawn_on: date | None = None,
    attorney_name: str = "Sofía Ramírez",
) -> models.Representation:
    return models.Representation(
        child_id=child_id,
        attorney_name=attorney_name,
        organization="Kids Legal Aid (synthetic)",
        entered_on=entered_on,
        withdrawn_on=withdrawn_on,
    )


def alert_row(
    child_id: uuid.UUID,
    kind: AlertKind,
    status: AlertStatus = AlertStatus.OPEN,
    *,
    raised_at: datetime,
) -> models.Alert:
    return models.Alert(
        child_id=child_id,
        kind=kind,
        status=status,
        raised_at=raised_at,
        detail=f"Synthetic {kind.value} alert.",
    )


async def a_numbers_matching(api: Api, child_filter: dict[str, Any]) -> set[str]:
    """The A-numbers of every child the filter matches; totalCount must agree."""
    found = (await api.data(CHILDREN, {"filter": child_filter, "first": 100}))["children"]
    numbers = {e["node"]["aNumber"] for e in found["edges"]}
    assert found["totalCount"] == len(numbers)
    assert found["pageInfo"]["hasNextPage"] is False
    return numbers


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


async def released_on(api: Api, clock: Clock, day: date, a_number: str) -> dict[str, Any]:
    """A child released at noon UTC on `day` (a date in every US time zone as well)."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=clock().tzinfo)
    days_ago = (clock() - noon).total_seconds() / 86400
    return await released_child(api, clock, released_days_ago=days_ago, aNumber=a_number)


async def case_file(api: Api, engine: AsyncEngine, clock: Clock) -> dict[str, str]:
    """A released child with one record of every kind; the global ID of each, by type."""
    child = await released_child(api, clock, aNumber="300000001")
    await ok(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(days=1)),
            "method": "HOME_VISIT",
            "outcome": "NO_RESPONSE",
            "notes": "Synthetic note: nobody home.",
        },
    )
    key = record_id(child["id"])
    await insert(
        engine,
        notice_row(key, NoticeStatus.FILED, court="NYC"),
        hearing_row(key, clock() + timedelta(days=20), court="NYC"),
        representation_row(key, date(2026, 5, 28)),
        alert_row(key, AlertKind.ADDRESS_UNVERIFIED, raised_at=clock() - timedelta(hours=3)),
    )
    record = (await api.data(CASE_FILE_IDS, {"id": child["id"]}))["child"]
    return {
        "Child": record["id"],
        "Sponsor": record["sponsor"]["id"],
        "Address": record["addresses"][0]["id"],
        "CustodyEvent": record["custodyEvents"][-1]["id"],
        "ContactAttempt": record["contactAttempts"][0]["id"],
        "Notice": record["notices"][0]["id"],
        "Hearing": record["hearings"][0]["id"],
        "Representation": record["representation"]["id"],
        "Alert": record["alerts"][0]["id"],
    }


# ---------------------------------------------------------------- child(id:) and child(aNumber:)


async def test_child_by_id(api: Api, clock: Clock) -> None:
    # given
    child = await intake_child(api, clock, aNumber="300000002", firstName="Luis", lastName="Mejía")

    # when
    found = (await api.data(CHILD_BY_ID, {"id": child["id"]}))["child"]

    # then
    assert found == {
        "id": child["id"],
        "aNumber": "300000002",
        "firstName": "Luis",
        "lastName": "Mejía",
        "custodyStatus": "IN_DHS_CUSTODY",
    }


@pytest.mark.parametrize(
    "typed", ["300000003", "A300000003", "A-300-000-003", "300-000-003", "A300-000-003"]
)
async def test_child_by_a_number_accepts_the_a_prefix_and_dashes(
    api: Api, clock: Clock, typed: str
) -> None:
    # given
    child = await intake_child(api, clock, aNumber="300000003")
    await intake_child(api, clock, aNumber="300000004")

    # when
    found = (await api.data(CHILD_BY_A_NUMBER, {"aNumber": typed}))["child"]

    # then
    assert found == {"id": child["id"], "aNumber": "300000003"}


async def test_child_by_an_unknown_a_number_is_null(api: Api, clock: Clock) -> None:
    # given
    await intake_child(api, clock, aNumber="300000005")

    # when
    body = await api.gql(CHILD_BY_A_NUMBER, {"aNumber": "A-300-000-006"})

    # then
    assert "errors" not in body
    assert body["data"]["child"] is None


async def test_child_by_an_unknown_id_is_null(api: Api, clock: Clock) -> None:
    # given a child, and the ID of a child that does not exist
    await intake_child(api, clock)
    unknown = encode("Child", uuid.uuid4())

    # when
    body = await api.gql(CHILD_BY_ID, {"id": unknown})

    # then
    assert "errors" not in body
    assert body["data"]["child"] is None


@pytest.mark.parametrize("given", ["both", "neither"])
async def test_child_needs_exactly_one_of_id_and_a_number(
    api: Api, clock: Clock, given: str
) -> None:
    # given
    child = await intake_child(api, clock, aNumber="300000007")
    variables = {"id": child["id"], "aNumber": "300000007"} if given == "both" else {}

    # when
    body = await api.gql(CHILD_BY_BOTH, variables)

    # then
    assert error_codes(body) == ["INVALID"]
    assert body["data"] is None or body["data"]["child"] is None


# ---------------------------------------------------------------- node(id:)


NODE_TYPES = [
    "Child",
    "Sponsor",
    "Address",
    "CustodyEvent",
    "ContactAttempt",
    "Notice",
    "Hearing",
    "Representation",
    "Alert",
]


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_node_resolves_every_type(
    api: Api, engine: AsyncEngine, clock: Clock, type_name: str
) -> None:
    # given a case with one record of every kind
    ids = await case_file(api, engine, clock)
    child_id = ids["Child"]
    expected: dict[str, dict[str, Any]] = {
        "Child": {"aNumber": "300000001"},
        "Sponsor": {"firstName": "María", "lastName": "Gómez", "children": [{"id": child_id}]},
        "Address": {
            "line1": "1200 MAIN ST",
            "city": "HOUSTON",
            "state": "TX",
            "postalCode": "77002",
        },
        "CustodyEvent": {"kind": "RELEASED_TO_SPONSOR", "facility": None},
        "ContactAttempt": {
            "method": "HOME_VISIT",
            "outcome": "NO_RESPONSE",
            "notes": "Synthetic note: nobody home.",
        },
        "Notice": {"status": "FILED", "court": "NYC"},
        "Hearing": {"court": "NYC", "hearingStatus": "SCHEDULED", "child": {"id": child_id}},
        "Representation": {
            "attorneyName": "Sofía Ramírez",
            "organization": "Kids Legal Aid (synthetic)",
        },
        "Alert": {
            "alertKind": "ADDRESS_UNVERIFIED",
            "alertStatus": "OPEN",
            "detail": "Synthetic ADDRESS_UNVERIFIED alert.",
            "child": {"id": child_id},
        },
    }

    # when
    node = (await api.data(NODE, {"id": ids[type_name]}))["node"]

    # then
    assert node == {"__typename": type_name, "id": ids[type_name], **expected[type_name]}


@pytest.mark.parametrize(
    "global_id",
    [
        pytest.param(encode("Child", uuid.UUID(int=7)), id="unknown-child"),
        pytest.param(encode("Hearing", uuid.UUID(int=7)), id="unknown-hearing"),
        pytest.param(encode("Alert", uuid.UUID(int=7)), id="unknown-alert"),
        pytest.param(encode("Nobody", uuid.UUID(int=7)), id="unknown-type"),
        pytest.param("", id="empty"),
        pytest.param("not an id", id="not-base64"),
        pytest.param("!!!", id="punctuation"),
        pytest.param("Q2hpbGQ6bm90LWEtdXVpZA", id="child-without-uuid"),
        pytest.param("300000001", id="a-number"),
    ],
)
async def test_node_of_an_unknown_or_malformed_id_is_null(
    api: Api, engine: AsyncEngine, clock: Clock, global_id: str
) -> None:
    # given records of every kind exist
    await case_file(api, engine, clock)

    # when
    body = await api.gql(NODE, {"id": global_id})

    # then
    assert "errors" not in body, body["errors"]
    assert body["data"]["node"] is None


# ---------------------------------------------------------------- children: filters


async def test_children_filter_by_custody_status(api: Api, clock: Clock) -> None:
    # given
    await intake_child(api, clock, aNumber="310000001")
    await in_hhs_child(api, clock, aNumber="310000002")
    await released_child(api, clock, aNumber="310000003")

    # when
    in_hhs = await a_numbers_matching(api, {"custodyStatus": ["IN_HHS_CUSTODY"]})
    either = await a_numbers_matching(
        api, {"custodyStatus": ["IN_DHS_CUSTODY", "RELEASED_TO_SPONSOR"]}
    )

    # then
    assert in_hhs == {"310000002"}
    assert either == {"310000001", "310000003"}


async def test_children_filter_by_location_status(api: Api, clock: Clock) -> None:
    # given one child in care (VERIFIED), one released to an unchecked address (UNVERIFIED)
    # and one missing from care (UNKNOWN)
    await in_hhs_child(api, clock, aNumber="311000001")
    await released_child(api, clock, aNumber="311000002")
    missing = await in_hhs_child(api, clock, aNumber="311000003")
    await ok(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {
            "childId": missing["id"],
            "kind": "MISSING_FROM_HHS_CARE",
            "occurredAt": iso(clock() - timedelta(hours=2)),
        },
    )

    # when
    verified = await a_numbers_matching(api, {"locationStatus": ["VERIFIED"]})
    unverified = await a_numbers_matching(api, {"locationStatus": ["UNVERIFIED"]})
    unknown = await a_numbers_matching(api, {"locationStatus": ["UNKNOWN"]})
    not_verified = await a_numbers_matching(api, {"locationStatus": ["UNVERIFIED", "UNKNOWN"]})

    # then
    assert verified == {"311000001"}
    assert unverified == {"311000002"}
    assert unknown == {"311000003"}
    assert not_verified == {"311000002", "311000003"}


async def test_children_filter_by_court_of_a_hearing(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    houston = await released_child(api, clock, aNumber="312000001")
    both = await released_child(api, clock, aNumber="312000002")
    new_york = await released_child(api, clock, aNumber="312000003")
    await released_child(api, clock, aNumber="312000004")  # no hearing
    soon = clock() + timedelta(days=14)
    await insert(
        engine,
        hearing_row(record_id(houston["id"]), soon, court="HOU"),
        hearing_row(record_id(both["id"]), soon, court="NYC"),
        hearing_row(
            record_id(both["id"]), clock() - timedelta(days=3), HearingStatus.APPEARED, court="HOU"
        ),
        hearing_row(record_id(new_york["id"]), soon, court="NYC"),
    )

    # when
    at_houston = await a_numbers_matching(api, {"court": "HOU"})
    at_new_york = await a_numbers_matching(api, {"court": "NYC"})
    at_miami = await a_numbers_matching(api, {"court": "MIA"})

    # then
    assert at_houston == {"312000001", "312000002"}
    assert at_new_york == {"312000002", "312000003"}
    assert at_miami == set()


async def test_children_filter_by_failed_to_appear(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    failed = await released_child(api, clock, aNumber="313000001")
    appeared = await released_child(api, clock, aNumber="313000002")
    await released_child(api, clock, aNumber="313000003")  # no hearing
    await insert(
        engine,
        hearing_row(
            record_id(failed["id"]),
            clock() - timedelta(days=2),
            HearingStatus.FAILED_TO_APPEAR,
            in_absentia_order=True,
        ),
        hearing_row(record_id(failed["id"]), clock() - timedelta(days=6), HearingStatus.APPEARED),
        hearing_row(record_id(appeared["id"]), clock() - timedelta(days=2), HearingStatus.APPEARED),
    )

    # when
    yes = await a_numbers_matching(api, {"failedToAppear": True})
    no = await a_numbers_matching(api, {"failedToAppear": False})

    # then
    assert yes == {"313000001"}
    assert no == {"313000002", "313000003"}


async def test_children_filter_by_notice_served_or_filed(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given one child per notice status, and one without a notice
    rows = []
    for number, status in [
        ("314000001", NoticeStatus.SERVED),
        ("314000002", NoticeStatus.FILED),
        ("314000003", NoticeStatus.ISSUED),
        ("314000004", NoticeStatus.CANCELLED),
    ]:
        child = await released_child(api, clock, aNumber=number)
        rows.append(notice_row(record_id(child["id"]), status))
    await released_child(api, clock, aNumber="314000005")
    await insert(engine, *rows)

    # when
    served = await a_numbers_matching(api, {"noticeServed": True})
    not_served = await a_numbers_matching(api, {"noticeServed": False})

    # then
    assert served == {"314000001", "314000002"}
    assert not_served == {"314000003", "314000004", "314000005"}


async def test_children_filter_by_representation_not_withdrawn(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    represented = await released_child(api, clock, aNumber="315000001")
    withdrawn = await released_child(api, clock, aNumber="315000002")
    replaced = await released_child(api, clock, aNumber="315000003")
    await released_child(api, clock, aNumber="315000004")  # never represented
    await insert(
        engine,
        representation_row(record_id(represented["id"]), date(2026, 5, 20)),
        representation_row(
            record_id(withdrawn["id"]), date(2026, 5, 1), withdrawn_on=date(2026, 5, 15)
        ),
        representation_row(
            record_id(replaced["id"]), date(2026, 5, 1), withdrawn_on=date(2026, 5, 15)
        ),
        representation_row(record_id(replaced["id"]), date(2026, 5, 16)),
    )

    # when
    yes = await a_numbers_matching(api, {"represented": True})
    no = await a_numbers_matching(api, {"represented": False})

    # then
    assert yes == {"315000001", "315000003"}
    assert no == {"315000002", "315000004"}


async def test_children_filter_by_release_date_range_inclusive(api: Api, clock: Clock) -> None:
    # given children released on four days, one returned to care since, and one never released
    await released_on(api, clock, date(2026, 5, 21), "316000001")
    await released_on(api, clock, date(2026, 5, 22), "316000002")
    returned = await released_on(api, clock, date(2026, 5, 24), "316000003")
    await released_on(api, clock, date(2026, 5, 25), "316000004")
    await in_hhs_child(api, clock, aNumber="316000005")
    await ok(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {
            "childId": returned["id"],
            "kind": "RETURNED_TO_HHS",
            "occurredAt": iso(clock() - timedelta(days=1)),
        },
    )

    # when
    between = await a_numbers_matching(
        api, {"releasedFrom": "2026-05-22", "releasedTo": "2026-05-24"}
    )
    from_only = await a_numbers_matching(api, {"releasedFrom": "2026-05-24"})
    to_only = await a_numbers_matching(api, {"releasedTo": "2026-05-22"})
    one_day = await a_numbers_matching(
        api, {"releasedFrom": "2026-05-25", "releasedTo": "2026-05-25"}
    )

    # then
    assert between == {"316000002", "316000003"}
    assert from_only == {"316000003", "316000004"}
    assert to_only == {"316000001", "316000002"}
    assert one_day == {"316000004"}


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("perez", {"317000001", "317000003"}, id="accent-less-finds-accented"),
        pytest.param("PÉREZ", {"317000001", "317000003"}, id="upper-case-with-accent"),
        pytest.param("Perez", {"317000001", "317000003"}, id="finds-unaccented-too"),
        pytest.param("per", {"317000001", "317000003"}, id="prefix-of-last-name"),
        pytest.param("ana", {"317000001"}, id="prefix-of-first-name"),
        pytest.param("ana pérez", {"317000001"}, id="every-word-must-match"),
        pytest.param("mejia", {"317000002"}, id="other-child"),
        pytest.param("erez", set(), id="inside-a-name-is-no-match"),
        pytest.param("rosa mejia", set(), id="one-word-matches-no-name"),
        pytest.param("317000002", {"317000002"}, id="a-number"),
        pytest.param("A-317-000-003", {"317000003"}, id="a-number-with-prefix-and-dashes"),
        pytest.param("31700000", set(), id="partial-a-number-is-no-match"),
    ],
)
async def test_children_search(api: Api, clock: Clock, search: str, expected: set[str]) -> None:
    # given
    await intake_child(api, clock, aNumber="317000001", firstName="Ana", lastName="Pérez")
    await intake_child(api, clock, aNumber="317000002", firstName="Luis", lastName="Mejía")
    await intake_child(api, clock, aNumber="317000003", firstName="José", lastName="Perez")

    # when
    found = await a_numbers_matching(api, {"search": search})

    # then
    assert found == expected


async def test_children_release_range_ending_before_it_starts_is_invalid(api: Api) -> None:
    # when
    body = await api.gql(
        CHILDREN, {"filter": {"releasedFrom": "2026-05-25", "releasedTo": "2026-05-24"}}
    )

    # then
    assert error_codes(body) == ["INVALID"]
    assert body["data"] is None


async def test_children_filters_combine(api: Api, engine: AsyncEngine, clock: Clock) -> None:
    # given two released children with a Houston hearing, only one of them represented
    one = await released_child(api, clock, aNumber="318000001")
    two = await released_child(api, clock, aNumber="318000002")
    await in_hhs_child(api, clock, aNumber="318000003")
    soon = clock() + timedelta(days=9)
    await insert(
        engine,
        hearing_row(record_id(one["id"]), soon),
        hearing_row(record_id(two["id"]), soon),
        representation_row(record_id(two["id"]), date(2026, 5, 28)),
    )

    # when
    found = await a_numbers_matching(
        api,
        {"custodyStatus": ["RELEASED_TO_SPONSOR"], "court": "HOU", "represented": False},
    )

    # then
    assert found == {"318000001"}


# ---------------------------------------------------------------- children: keyset pages


async def test_children_pages_walk_every_child_once_in_a_number_order(
    api: Api, engine: AsyncEngine
) -> None:
    # given ten children written out of A-number order
    numbers = [f"32000000{d}" for d in (7, 2, 9, 0, 5, 1, 8, 3, 6, 4)]
    await insert(engine, *(child_row(n) for n in numbers))

    # when
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.data(CHILDREN, {"first": 4, "after": after}))["children"]
        pages.append(page)
        seen.extend(e["node"]["aNumber"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 10, "the pages never end"

    # then
    assert seen == sorted(numbers)
    assert [len(p["edges"]) for p in pages] == [4, 4, 2]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert [p["totalCount"] for p in pages] == [10, 10, 10]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_children_pages_after_any_edge_cursor(api: Api, engine: AsyncEngine) -> None:
    # given
    numbers = [f"32100000{d}" for d in range(6)]
    await insert(engine, *(child_row(n) for n in numbers))
    first_page = (await api.data(CHILDREN, {"first": 6}))["children"]

    # when the list resumes after the third edge's cursor
    rest = (await api.data(CHILDREN, {"first": 6, "after": first_page["edges"][2]["cursor"]}))[
        "children"
    ]

    # then
    assert [e["node"]["aNumber"] for e in rest["edges"]] == numbers[3:]
    assert rest["pageInfo"]["hasPreviousPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_children_pages_of_a_filter_count_every_match(api: Api, engine: AsyncEngine) -> None:
    # given seven children in HHS custody among twelve
    in_hhs = [f"32200000{d}" for d in range(7)]
    in_dhs = [f"32200001{d}" for d in range(5)]
    await insert(
        engine,
        *(child_row(n) for n in in_hhs),
        *(child_row(n, status=CustodyStatus.IN_DHS_CUSTODY) for n in in_dhs),
    )
    query_filter = {"custodyStatus": ["IN_HHS_CUSTODY"]}

    # when
    first = (await api.data(CHILDREN, {"filter": query_filter, "first": 5}))["children"]
    second = (
        await api.data(
            CHILDREN,
            {"filter": query_filter, "first": 5, "after": first["pageInfo"]["endCursor"]},
        )
    )["children"]

    # then
    assert first["totalCount"] == second["totalCount"] == 7
    assert [e["node"]["aNumber"] for e in first["edges"] + second["edges"]] == in_hhs
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False


async def test_children_first_above_100_is_capped_at_100(api: Api, engine: AsyncEngine) -> None:
    # given
    await insert(engine, *(child_row(f"{323000000 + i:09d}") for i in range(105)))

    # when
    page = (await api.data(CHILDREN, {"first": 500}))["children"]

    # then
    assert len(page["edges"]) == 100
    assert page["totalCount"] == 105
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await api.data(CHILDREN, {"first": 500, "after": page["pageInfo"]["endCursor"]}))[
        "children"
    ]
    assert len(rest["edges"]) == 5


async def test_children_negative_first_is_invalid(api: Api, engine: AsyncEngine) -> None:
    # given
    await insert(engine, child_row("324000001"))

    # when
    body = await api.gql(CHILDREN, {"first": -1})

    # then
    assert error_codes(body) == ["INVALID"]
    assert body["data"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not-a-cursor", id="garbage"),
        pytest.param("!!!", id="not-base64"),
        pytest.param("eyJhIjogMX0", id="json-object"),
        pytest.param(encode_cursor(), id="empty-key"),
        pytest.param(encode_cursor("325000001", "325000002"), id="two-part-key"),
        pytest.param(
            encode_cursor("2026-06-01T12:00:00+00:00", str(uuid.UUID(int=1))), id="hearing-cursor"
        ),
    ],
)
async def test_children_forged_cursor_is_invalid(
    api: Api, engine: AsyncEngine, cursor: str
) -> None:
    # given
    await insert(engine, child_row("325000001"), child_row("325000002"))

    # when
    body = await api.gql(CHILDREN, {"first": 1, "after": cursor})

    # then
    assert error_codes(body) == ["INVALID"]
    assert body["data"] is None


# ---------------------------------------------------------------- fields of a child


async def test_addresses_oldest_first_and_the_current_one(api: Api, clock: Clock) -> None:
    # given a child released eight days ago, who moved twice since
    child = await released_child(api, clock)
    for line1, effective_from in [("77 Oak Avenue", "2026-05-27"), ("15 Pine Road", "2026-05-30")]:
        await ok(
            api,
            RECORD_ADDRESS,
            "recordAddress",
            {
                "childId": child["id"],
                "address": home_address(line1=line1),
                "effectiveFrom": effective_from,
                "source": "CHANGE_OF_ADDRESS_FORM",
            },
        )

    # when
    record = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # then
    history = [(a["line1"], a["effectiveFrom"], a["effectiveTo"]) for a in record["addresses"]]
    assert history == [
        ("1200 MAIN ST", "2026-05-24", "2026-05-26"),
        ("77 OAK AVE", "2026-05-27", "2026-05-29"),
        ("15 PINE RD", "2026-05-30", None),
    ]
    assert [a["source"] for a in record["addresses"]] == [
        "HHS_RECORD",
        "CHANGE_OF_ADDRESS_FORM",
        "CHANGE_OF_ADDRESS_FORM",
    ]
    assert record["currentAddress"] == {
        "id": record["addresses"][-1]["id"],
        "line1": "15 PINE RD",
        "effectiveFrom": "2026-05-30",
        "effectiveTo": None,
    }


async def test_custody_events_in_the_order_they_happened(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock, released_days_ago=8)

    # when
    record = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # then
    events = record["custodyEvents"]
    assert [e["kind"] for e in events] == [
        "APPREHENDED",
        "TRANSFERRED_TO_HHS",
        "RELEASED_TO_SPONSOR",
    ]
    assert [datetime.fromisoformat(e["occurredAt"]) for e in events] == [
        clock() - timedelta(days=10),
        clock() - timedelta(days=9),
        clock() - timedelta(days=8),
    ]
    assert events[-1]["sponsor"] == child["sponsor"]
    assert events[0]["sponsor"] is None


async def test_notices_of_a_child(api: Api, engine: AsyncEngine, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    other = await released_child(api, clock)
    key = record_id(child["id"])
    await insert(
        engine,
        notice_row(key, NoticeStatus.CANCELLED, issued_on=date(2026, 5, 2), court="MIA"),
        notice_row(key, NoticeStatus.FILED, issued_on=date(2026, 5, 10)),
        notice_row(record_id(other["id"]), NoticeStatus.SERVED),
    )

    # when
    notices = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]["notices"]

    # then
    assert sorted(
        (
            (
                n["status"],
                n["issuedOn"],
                n["servedOn"],
                n["serviceMethod"],
                n["filedOn"],
                n["court"],
            )
            for n in notices
        ),
        key=lambda n: n[1],
    ) == [
        ("CANCELLED", "2026-05-02", None, None, None, "MIA"),
        ("FILED", "2026-05-10", "2026-05-13", "MAIL", "2026-05-20", "HOU"),
    ]


async def test_hearings_and_the_next_one(api: Api, engine: AsyncEngine, clock: Clock) -> None:
    # given hearings past and future, scheduled and not
    child = await released_child(api, clock)
    key = record_id(child["id"])
    now = clock()
    await insert(
        engine,
        hearing_row(key, now + timedelta(days=10)),
        hearing_row(key, now + timedelta(days=3, hours=2)),
        hearing_row(key, now + timedelta(days=1), HearingStatus.CANCELLED),
        hearing_row(key, now - timedelta(days=2), HearingStatus.APPEARED),
        hearing_row(key, now - timedelta(days=1)),  # scheduled, time passed
    )

    # when
    record = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # then
    by_time = sorted(record["hearings"], key=lambda h: datetime.fromisoformat(h["scheduledFor"]))
    assert [(h["status"], datetime.fromisoformat(h["scheduledFor"]) - now) for h in by_time] == [
        ("APPEARED", -timedelta(days=2)),
        ("OVERDUE", -timedelta(days=1)),
        ("CANCELLED", timedelta(days=1)),
        ("SCHEDULED", timedelta(days=3, hours=2)),
        ("SCHEDULED", timedelta(days=10)),
    ]
    assert record["nextHearing"] == {
        "id": by_time[3]["id"],
        "scheduledFor": by_time[3]["scheduledFor"],
        "status": "SCHEDULED",
    }


async def test_no_next_hearing_when_every_hearing_is_past(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    key = record_id(child["id"])
    await insert(
        engine,
        hearing_row(key, clock() - timedelta(days=5), HearingStatus.APPEARED),
        hearing_row(key, clock() - timedelta(hours=1)),
    )

    # when
    record = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # then
    assert len(record["hearings"]) == 2
    assert record["nextHearing"] is None


async def test_a_scheduled_hearing_whose_time_passed_reads_as_overdue(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a hearing in two days
    child = await released_child(api, clock)
    await insert(engine, hearing_row(record_id(child["id"]), clock() + timedelta(days=2)))
    before = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # when three days pass without an outcome
    clock.advance(days=3)

    # then
    after = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]
    assert [h["status"] for h in before["hearings"]] == ["SCHEDULED"]
    assert before["nextHearing"]["id"] == before["hearings"][0]["id"]
    assert [h["status"] for h in after["hearings"]] == ["OVERDUE"]
    assert after["nextHearing"] is None
    overdue = (await api.data(HEARINGS, {"filter": {"status": ["OVERDUE"]}}))["hearings"]
    assert [e["node"]["id"] for e in overdue["edges"]] == [before["hearings"][0]["id"]]


async def test_representation_is_the_latest_not_withdrawn(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given an early counsel, a later one, and a latest one who withdrew
    child = await released_child(api, clock)
    key = record_id(child["id"])
    await insert(
        engine,
        representation_row(key, date(2026, 4, 1), attorney_name="Elena Castro"),
        representation_row(key, date(2026, 5, 1), attorney_name="Sofía Ramírez"),
        representation_row(
            key, date(2026, 5, 20), withdrawn_on=date(2026, 5, 25), attorney_name="Tomás Rivera"
        ),
    )

    # when
    record = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # then
    representation = record["representation"]
    assert representation["attorneyName"] == "Sofía Ramírez"
    assert representation["enteredOn"] == "2026-05-01"
    assert representation["withdrawnOn"] is None


async def test_no_representation_when_every_counsel_withdrew(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    await insert(
        engine,
        representation_row(
            record_id(child["id"]), date(2026, 5, 1), withdrawn_on=date(2026, 5, 10)
        ),
    )

    # when
    record = (await api.data(CHILD_RECORD, {"id": child["id"]}))["child"]

    # then
    assert record["representation"] is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, {"ADDRESS_UNVERIFIED", "NOTICE_NOT_SERVED", "ADDRESS_ISSUE"}),
        ("OPEN", {"ADDRESS_UNVERIFIED"}),
        ("ACKNOWLEDGED", {"NOTICE_NOT_SERVED"}),
        ("RESOLVED", {"ADDRESS_ISSUE"}),
    ],
)
async def test_alerts_of_a_child_by_status(
    api: Api, engine: AsyncEngine, clock: Clock, status: str | None, expected: set[str]
) -> None:
    # given one alert in each status, and another child's open alert
    child = await released_child(api, clock)
    other = await released_child(api, clock)
    key = record_id(child["id"])
    raised = clock() - timedelta(days=1)
    await insert(
        engine,
        alert_row(key, AlertKind.ADDRESS_UNVERIFIED, AlertStatus.OPEN, raised_at=raised),
        alert_row(key, AlertKind.NOTICE_NOT_SERVED, AlertStatus.ACKNOWLEDGED, raised_at=raised),
        alert_row(key, AlertKind.ADDRESS_ISSUE, AlertStatus.RESOLVED, raised_at=raised),
        alert_row(record_id(other["id"]), AlertKind.ADDRESS_ISSUE, raised_at=raised),
    )

    # when
    alerts = (await api.data(CHILD_ALERTS, {"id": child["id"], "status": status}))["child"][
        "alerts"
    ]

    # then
    assert {a["kind"] for a in alerts} == expected
    assert len(alerts) == len(expected)
    if status is not None:
        assert {a["status"] for a in alerts} == {status}


async def test_sponsor_lists_every_child_released_to_them(api: Api, clock: Clock) -> None:
    # given two children released to the same sponsor, and one to another sponsor
    first = await released_child(api, clock, aNumber="330000001")
    sponsor_id = first["sponsor"]["id"]
    second = await released_child(api, clock, aNumber="330000002", sponsor_id=sponsor_id)
    await released_child(api, clock, aNumber="330000003")

    # when
    sponsor = (await api.data(SPONSOR_CHILDREN, {"id": second["id"]}))["child"]["sponsor"]

    # then
    assert sponsor["id"] == sponsor_id
    assert sorted(c["aNumber"] for c in sponsor["children"]) == ["330000001", "330000002"]


# ---------------------------------------------------------------- hearings


async def hearing_calendar(
    api: Api, engine: AsyncEngine, clock: Clock
) -> tuple[dict[str, str], dict[str, str]]:
    """Two children's hearings in Houston and New York: their IDs by label, and the
    children's IDs."""
    ana = await released_child(api, clock, aNumber="340000001")
    luis = await released_child(api, clock, aNumber="340000002")
    now = clock()
    rows = {
        "ana-appeared": hearing_row(
            record_id(ana["id"]), now - timedelta(days=3), HearingStatus.APPEARED
        ),
        "ana-overdue": hearing_row(record_id(ana["id"]), now - timedelta(days=1)),
        "luis-failed": hearing_row(
            record_id(luis["id"]),
            now - timedelta(days=2),
            HearingStatus.FAILED_TO_APPEAR,
            court="NYC",
        ),
        "luis-next": hearing_row(record_id(luis["id"]), now + timedelta(days=1), court="NYC"),
        "ana-next": hearing_row(record_id(ana["id"]), now + timedelta(days=2)),
        "luis-later": hearing_row(record_id(luis["id"]), now + timedelta(days=5)),
        "ana-cancelled": hearing_row(
            record_id(ana["id"]), now + timedelta(days=6), HearingStatus.CANCELLED
        ),
    }
    await insert(engine, *rows.values())
    ids = {label: str(encode("Hearing", row.id)) for label, row in rows.items()}
    return ids, {"ana": ana["id"], "luis": luis["id"]}


CALENDAR_ORDER = [
    "ana-appeared",
    "luis-failed",
    "ana-overdue",
    "luis-next",
    "ana-next",
    "luis-later",
    "ana-cancelled",
]


async def test_hearings_soonest_first_with_their_child(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    ids, children = await hearing_calendar(api, engine, clock)

    # when
    page = (await api.data(HEARINGS, {"first": 50}))["hearings"]

    # then
    label_of = {v: k for k, v in ids.items()}
    assert [label_of[e["node"]["id"]] for e in page["edges"]] == CALENDAR_ORDER
    assert page["totalCount"] == 7
    by_label = {label_of[e["node"]["id"]]: e["node"] for e in page["edges"]}
    assert by_label["luis-failed"]["child"]["id"] == children["luis"]
    assert by_label["ana-next"]["child"]["id"] == children["ana"]
    assert by_label["ana-overdue"]["status"] == "OVERDUE"


@pytest.mark.parametrize(
    ("hearing_filter", "expected"),
    [
        pytest.param(
            {"court": "HOU"},
            ["ana-appeared", "ana-overdue", "ana-next", "luis-later", "ana-cancelled"],
            id="court",
        ),
        pytest.param({"court": "NYC"}, ["luis-failed", "luis-next"], id="other-court"),
        pytest.param({"status": ["OVERDUE"]}, ["ana-overdue"], id="overdue"),
        pytest.param(
            {"status": ["SCHEDULED"]}, ["luis-next", "ana-next", "luis-later"], id="scheduled"
        ),
        pytest.param(
            {"status": ["APPEARED", "FAILED_TO_APPEAR"]},
            ["ana-appeared", "luis-failed"],
            id="outcomes",
        ),
        pytest.param(
            {"status": ["SCHEDULED", "OVERDUE"], "court": "HOU"},
            ["ana-overdue", "ana-next", "luis-later"],
            id="court-and-status",
        ),
        pytest.param(
            {"from": "2026-05-31T00:00:00+00:00", "to": "2026-06-04T00:00:00+00:00"},
            ["ana-overdue", "luis-next", "ana-next"],
            id="from-to",
        ),
        pytest.param(
            {"from": "2026-06-03T10:00:00-05:00"},
            ["luis-later", "ana-cancelled"],
            id="from-with-offset",
        ),
        pytest.param({"to": "2026-05-31T00:00:00+00:00"}, ["ana-appeared", "luis-failed"], id="to"),
    ],
)
async def test_hearings_filter(
    api: Api,
    engine: AsyncEngine,
    clock: Clock,
    hearing_filter: dict[str, Any],
    expected: list[str],
) -> None:
    # given hearings from 2026-05-29 to 2026-06-07 (the clock reads 2026-06-01 12:00 UTC)
    ids, _ = await hearing_calendar(api, engine, clock)

    # when
    page = (await api.data(HEARINGS, {"filter": hearing_filter, "first": 50}))["hearings"]

    # then
    label_of = {v: k for k, v in ids.items()}
    assert [label_of[e["node"]["id"]] for e in page["edges"]] == expected
    assert page["totalCount"] == len(expected)


async def test_hearings_pages_walk_every_hearing_once(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given the calendar, with two more hearings at the same moment as another
    ids, children = await hearing_calendar(api, engine, clock)
    same_time = [
        hearing_row(record_id(children["ana"]), clock() + timedelta(days=2), court="MIA"),
        hearing_row(record_id(children["luis"]), clock() + timedelta(days=2), court="MIA"),
    ]
    await insert(engine, *same_time)
    every_id = set(ids.values()) | {encode("Hearing", h.id) for h in same_time}

    # when
    seen: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.data(HEARINGS, {"first": 2, "after": after}))["hearings"]
        pages.append(page)
        seen.extend(e["node"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 10, "the pages never end"

    # then
    assert [h["id"] for h in seen if h["id"] in ids.values()] == [ids[k] for k in CALENDAR_ORDER]
    assert len(seen) == 9
    assert {h["id"] for h in seen} == every_id
    times = [datetime.fromisoformat(h["scheduledFor"]) for h in seen]
    assert times == sorted(times)
    assert [len(p["edges"]) for p in pages] == [2, 2, 2, 2, 1]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True, True]
    assert {p["totalCount"] for p in pages} == {9}


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not-a-cursor", id="garbage"),
        pytest.param(encode_cursor("340000001"), id="children-cursor"),
        pytest.param(encode_cursor("yesterday", str(uuid.UUID(int=1))), id="not-a-date"),
        pytest.param(encode_cursor("2026-06-01T12:00:00+00:00", "nobody"), id="not-a-uuid"),
        pytest.param(
            encode_cursor("2026-06-01T12:00:00", str(uuid.UUID(int=1))), id="time-without-offset"
        ),
    ],
)
async def test_hearings_forged_cursor_is_invalid(
    api: Api, engine: AsyncEngine, clock: Clock, cursor: str
) -> None:
    # given
    await hearing_calendar(api, engine, clock)

    # when
    body = await api.gql(HEARINGS, {"first": 2, "after": cursor})

    # then
    assert error_codes(body) == ["INVALID"]
    assert body["data"] is None


async def test_hearings_negative_first_is_invalid(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    await hearing_calendar(api, engine, clock)

    # when
    body = await api.gql(HEARINGS, {"first": -5})

    # then
    assert error_codes(body) == ["INVALID"]


@pytest.mark.parametrize("bound", ["from", "to"])
async def test_hearings_filter_time_without_offset_is_invalid(
    api: Api, engine: AsyncEngine, clock: Clock, bound: str
) -> None:
    # given
    await hearing_calendar(api, engine, clock)

    # when a bound is a local time with no UTC offset (ambiguous, as for every instant)
    body = await api.gql(HEARINGS, {"filter": {bound: "2026-06-01T00:00:00"}})

    # then it is refused as bad input, not a server fault
    assert error_codes(body) == ["INVALID"]
    assert body["data"] is None


# ---------------------------------------------------------------- alerts


async def alert_board(api: Api, engine: AsyncEngine, clock: Clock) -> dict[str, str]:
    """Alerts of two children in every status: their IDs by label."""
    ana = record_id((await released_child(api, clock))["id"])
    luis = record_id((await released_child(api, clock))["id"])
    now = clock()
    rows = {
        "ana-fta-open": alert_row(
            ana, AlertKind.FAILED_TO_APPEAR, raised_at=now - timedelta(days=4)
        ),
        "ana-address-ack": alert_row(
            ana,
            AlertKind.ADDRESS_ISSUE,
            AlertStatus.ACKNOWLEDGED,
            raised_at=now - timedelta(days=3),
        ),
        "luis-fta-resolved": alert_row(
            luis,
            AlertKind.FAILED_TO_APPEAR,
            AlertStatus.RESOLVED,
            raised_at=now - timedelta(days=9),
        ),
        # two on the same day, an hour apart
        "luis-fta-open": alert_row(
            luis, AlertKind.FAILED_TO_APPEAR, raised_at=now - timedelta(hours=2)
        ),
        "luis-notice-open": alert_row(
            luis, AlertKind.NOTICE_NOT_SERVED, raised_at=now - timedelta(hours=1)
        ),
    }
    await insert(engine, *rows.values())
    return {label: str(encode("Alert", row.id)) for label, row in rows.items()}


@pytest.mark.parametrize(
    ("alert_filter", "expected"),
    [
        pytest.param(
            None,
            {
                "ana-fta-open",
                "ana-address-ack",
                "luis-fta-resolved",
                "luis-fta-open",
                "luis-notice-open",
            },
            id="all",
        ),
        pytest.param(
            {"kind": ["FAILED_TO_APPEAR"]},
            {"ana-fta-open", "luis-fta-resolved", "luis-fta-open"},
            id="kind",
        ),
        pytest.param(
            {"kind": ["ADDRESS_ISSUE", "NOTICE_NOT_SERVED"]},
            {"ana-address-ack", "luis-notice-open"},
            id="kinds",
        ),
        pytest.param(
            {"status": ["OPEN"]}, {"ana-fta-open", "luis-fta-open", "luis-notice-open"}, id="open"
        ),
        pytest.param(
            {"status": ["OPEN", "ACKNOWLEDGED"]},
            {"ana-fta-open", "ana-address-ack", "luis-fta-open", "luis-notice-open"},
            id="active",
        ),
        pytest.param(
            {"kind": ["FAILED_TO_APPEAR"], "status": ["OPEN"]},
            {"ana-fta-open", "luis-fta-open"},
            id="kind-and-status",
        ),
        pytest.param({"kind": ["TRANSFER_OVERDUE"]}, set(), id="none"),
    ],
)
async def test_alerts_filter(
    api: Api,
    engine: AsyncEngine,
    clock: Clock,
    alert_filter: dict[str, Any] | None,
    expected: set[str],
) -> None:
    # given
    ids = await alert_board(api, engine, clock)

    # when
    page = (await api.data(ALERTS, {"filter": alert_filter, "first": 50}))["alerts"]

    # then
    label_of = {v: k for k, v in ids.items()}
    assert {label_of[e["node"]["id"]] for e in page["edges"]} == expected
    assert len(page["edges"]) == len(expected)
    assert page["totalCount"] == len(expected)


async def test_alerts_pages_walk_every_alert_once(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    ids = await alert_board(api, engine, clock)

    # when
    seen: list[str] = []
    pages = 0
    after = None
    while True:
        page = (await api.data(ALERTS, {"first": 2, "after": after}))["alerts"]
        pages += 1
        seen.extend(e["node"]["id"] for e in page["edges"])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert pages < 10, "the pages never end"

    # then
    assert sorted(seen) == sorted(ids.values())
    assert pages == 3
