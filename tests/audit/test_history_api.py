"""Reading the history through the API: a child's history, the audit log with its filters and
pages, events as nodes, a child as recorded at a moment, and verification — each only for the
roles allowed to read it."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

import models
from models.enums import Role
from schema.ids import decode_any, encode
from tests.conftest import Api, Clock
from tests.factories import (
    INTAKE,
    RECORD_ADDRESS,
    RELEASE,
    TRANSFER,
    home_address,
    intake_child,
    iso,
    new_a_number,
    send,
)

EVENT = """
  id sequence recordedAt actor { name role } action entityType entityId entityVersion
  changes { field before after } reason requestId previousHash hash"""
HISTORY = f"""
query History($id: ID!, $first: Int, $after: String) {{
  child(id: $id) {{
    history(first: $first, after: $after) {{
      totalCount
      pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      edges {{ cursor node {{ {EVENT} }} }}
    }}
  }}
}}"""
AUDIT_LOG = f"""
query Log($filter: AuditFilter, $first: Int, $after: String) {{
  auditLog(filter: $filter, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ {EVENT} }} }}
  }}
}}"""
NODE = f"query Node($id: ID!) {{ node(id: $id) {{ id ... on AuditEvent {{ {EVENT} }} }} }}"
AS_OF = "query AsOf($id: ID!, $at: DateTime!) { childAsOf(id: $id, at: $at) { at child } }"
VERIFICATION = """
{ auditVerification { valid eventCount headHash firstInvalidSequence driftedEntities } }"""
RECORDS = """
query Records($id: ID!) {
  child(id: $id) { id custodyEvents { id kind } addresses { id } sponsor { id } }
}"""

HISTORY_READERS = [Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT]
NOT_HISTORY_READERS = [Role.ADMIN, Role.INTEGRATION]
NOT_AUDITORS = [Role.OFFICER, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION]


# ---------------------------------------------------------------- helpers


def uuid_of(global_id: str) -> uuid.UUID:
    decoded = decode_any(global_id)
    assert decoded is not None, global_id
    return decoded[1]


def forbidden(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def shifted(value: str, **delta: float) -> str:
    return (instant(value) + timedelta(**delta)).isoformat()


def summary(node: dict[str, Any]) -> tuple[str, str, str]:
    return (node["action"], node["entityType"], node["entityId"])


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


@dataclass
class Case:
    """A child taken through intake, transfer and release, with the IDs the API gave."""

    child: str
    sponsor: str
    address: str
    apprehension: str
    transfer: str
    release: str


async def released_case(api: Api, clock: Clock) -> Case:
    """Intake by the officer, transfer by the supervisor, release by the officer: each with a
    reason and a request ID of its own."""
    intake = await send(
        api,
        INTAKE,
        "intakeChild",
        {
            "aNumber": new_a_number(),
            "firstName": "Ana Lucía",
            "lastName": "Pérez Gómez",
            "dateOfBirth": "2012-03-04",
            "countryOfBirth": "GT",
            "apprehendedAt": iso(clock() - timedelta(days=10)),
            "facility": "CBP Donna Processing Center",
            "reason": "Apprehended near Hidalgo, TX",
        },
        request_id="req-history-1",
    )
    child_id = intake["child"]["id"]
    await send(
        api,
        TRANSFER,
        "transferToHhs",
        {
            "childId": child_id,
            "occurredAt": iso(clock() - timedelta(days=9)),
            "facility": "Casa Padre",
            "reason": "Bed available at Casa Padre",
        },
        request_id="req-history-2",
        role=Role.SUPERVISOR,
    )
    released = await send(
        api,
        RELEASE,
        "releaseToSponsor",
        {
            "childId": child_id,
            "occurredAt": iso(clock() - timedelta(days=8)),
            "sponsor": {
                "firstName": "María",
                "lastName": "Gómez",
                "relationship": "OTHER_RELATIVE",
                "phone": "(202) 555-0143",
            },
            "address": home_address(),
            "reason": "Sponsor vetted; home study done",
        },
        request_id="req-history-3",
    )
    records = (await api.data(RECORDS, {"id": child_id}))["child"]
    apprehension, transfer, release = (e["id"] for e in records["custodyEvents"])
    return Case(
        child=child_id,
        sponsor=released["child"]["sponsor"]["id"],
        address=released["child"]["currentAddress"]["id"],
        apprehension=apprehension,
        transfer=transfer,
        release=release,
    )


async def history_of(
    api: Api, child_id: str, role: Role = Role.OFFICER, **page: Any
) -> dict[str, Any]:
    data = await api.data(HISTORY, {"id": child_id, **page}, role=role)
    history: dict[str, Any] = data["child"]["history"]
    return history


async def audit_log(api: Api, filter: dict[str, Any] | None = None, **page: Any) -> dict[str, Any]:
    data = await api.data(AUDIT_LOG, {"filter": filter, **page}, role=Role.OVERSIGHT)
    log: dict[str, Any] = data["auditLog"]
    return log


# ---------------------------------------------------------------- Child.history


async def test_history_lists_the_childs_records_oldest_first(api: Api, clock: Clock) -> None:
    # given another child's case, and this child's
    await intake_child(api, clock)
    case = await released_case(api, clock)

    # when
    history = await history_of(api, case.child, first=50)

    # then
    events = nodes(history)
    assert history["totalCount"] == 7
    assert history["pageInfo"]["hasNextPage"] is False
    assert [e["sequence"] for e in events] == sorted({e["sequence"] for e in events})
    assert [(e["action"], e["actor"], e["reason"], e["requestId"]) for e in events] == [
        (
            "intakeChild",
            {"name": "test-officer", "role": "OFFICER"},
            "Apprehended near Hidalgo, TX",
            "req-history-1",
        ),
    ] * 2 + [
        (
            "transferToHhs",
            {"name": "test-supervisor", "role": "SUPERVISOR"},
            "Bed available at Casa Padre",
            "req-history-2",
        ),
    ] * 2 + [
        (
            "releaseToSponsor",
            {"name": "test-officer", "role": "OFFICER"},
            "Sponsor vetted; home study done",
            "req-history-3",
        ),
    ] * 3
    # each record by the global ID the API gives it
    records = {(e["action"], e["entityType"], e["entityId"], e["entityVersion"]) for e in events}
    assert records == {
        ("intakeChild", "Child", case.child, 1),
        ("intakeChild", "CustodyEvent", case.apprehension, 1),
        ("transferToHhs", "CustodyEvent", case.transfer, 1),
        ("transferToHhs", "Child", case.child, 2),
        ("releaseToSponsor", "CustodyEvent", case.release, 1),
        ("releaseToSponsor", "Child", case.child, 3),
        ("releaseToSponsor", "Address", case.address, 1),
    }
    # field-level changes under the API's names
    changes = {(e["action"], e["entityType"]): e["changes"] for e in events}
    assert changes["transferToHhs", "Child"] == [
        {"field": "custodyStatus", "before": "IN_DHS_CUSTODY", "after": "IN_HHS_CUSTODY"},
        {"field": "version", "before": 1, "after": 2},
    ]
    assert changes["releaseToSponsor", "Child"] == [
        {"field": "custodyStatus", "before": "IN_HHS_CUSTODY", "after": "RELEASED_TO_SPONSOR"},
        {"field": "locationStatus", "before": "VERIFIED", "after": "UNVERIFIED"},
        {"field": "sponsorId", "before": None, "after": str(uuid_of(case.sponsor))},
        {"field": "version", "before": 2, "after": 3},
    ]
    intake = {c["field"]: (c["before"], c["after"]) for c in changes["intakeChild", "Child"]}
    assert {
        name: intake[name]
        for name in ("id", "firstName", "dateOfBirth", "custodyStatus", "version")
    } == {
        "id": (None, str(uuid_of(case.child))),
        "firstName": (None, "Ana Lucía"),
        "dateOfBirth": (None, "2012-03-04"),
        "custodyStatus": (None, "IN_DHS_CUSTODY"),
        "version": (None, 1),
    }
    released = {c["field"]: c["after"] for c in changes["releaseToSponsor", "CustodyEvent"]}
    assert (released["kind"], released["occurredAt"]) == (
        "RELEASED_TO_SPONSOR",
        "2026-05-24T12:00:00.000000Z",
    )
    assert all("_" not in c["field"] for e in events for c in e["changes"])


async def test_history_pages_by_keyset(api: Api, clock: Clock) -> None:
    # given a child with seven events
    case = await released_case(api, clock)
    everything = nodes(await history_of(api, case.child, first=50))

    # when
    first = await history_of(api, case.child, first=3)
    second = await history_of(api, case.child, first=3, after=first["pageInfo"]["endCursor"])
    last = await history_of(api, case.child, first=3, after=second["pageInfo"]["endCursor"])

    # then
    pages = [first, second, last]
    assert [len(p["edges"]) for p in pages] == [3, 3, 1]
    assert [p["totalCount"] for p in pages] == [7, 7, 7]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert [p["pageInfo"]["endCursor"] for p in pages] == [p["edges"][-1]["cursor"] for p in pages]
    assert [p["pageInfo"]["startCursor"] for p in pages] == [p["edges"][0]["cursor"] for p in pages]
    assert [n for p in pages for n in nodes(p)] == everything


@pytest.mark.parametrize("role", HISTORY_READERS)
async def test_history_is_read_by_case_workers_and_oversight(
    api: Api, clock: Clock, role: Role
) -> None:
    # given
    child = await intake_child(api, clock)
    records = (await api.data(RECORDS, {"id": child["id"]}))["child"]

    # when
    history = await history_of(api, child["id"], role=role)

    # then
    assert history["totalCount"] == 2
    assert {(e["action"], e["entityType"], e["entityId"]) for e in nodes(history)} == {
        ("intakeChild", "Child", child["id"]),
        ("intakeChild", "CustodyEvent", records["custodyEvents"][0]["id"]),
    }


@pytest.mark.parametrize("role", NOT_HISTORY_READERS)
async def test_history_is_forbidden_to_other_roles(api: Api, clock: Clock, role: Role) -> None:
    # given
    child = await intake_child(api, clock)

    # when
    body = await api.gql(HISTORY, {"id": child["id"]}, role=role)

    # then
    assert forbidden(body) == ["FORBIDDEN"]
    assert body["data"] == {"child": None}


# ---------------------------------------------------------------- auditLog


@dataclass
class World:
    """Child A taken in and transferred by the officer, child B taken in by the supervisor in
    between, after the five token events of the test setup."""

    a: str
    a_apprehension: str
    a_transfer: str
    b: str
    b_apprehension: str
    log: list[dict[str, Any]]

    def recorded(self, action: str, entity_id: str) -> str:
        moments: set[str] = {
            e["recordedAt"]
            for e in self.log
            if e["action"] == action and e["entityId"] == entity_id
        }
        (at,) = moments
        return at


async def world(api: Api, clock: Clock) -> World:
    a = await send(
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
        request_id="req-world-1",
    )
    b = await send(
        api,
        INTAKE,
        "intakeChild",
        {
            "aNumber": new_a_number(),
            "firstName": "Sofía",
            "lastName": "Ramírez",
            "dateOfBirth": "2013-08-19",
            "countryOfBirth": "SV",
            "apprehendedAt": iso(clock() - timedelta(days=3)),
        },
        request_id="req-world-2",
        role=Role.SUPERVISOR,
    )
    await send(
        api,
        TRANSFER,
        "transferToHhs",
        {
            "childId": a["child"]["id"],
            "occurredAt": iso(clock() - timedelta(days=2)),
            "facility": "Casa Padre",
        },
        request_id="req-world-3",
    )
    a_events = (await api.data(RECORDS, {"id": a["child"]["id"]}))["child"]["custodyEvents"]
    b_events = (await api.data(RECORDS, {"id": b["child"]["id"]}))["child"]["custodyEvents"]
    log = nodes(await audit_log(api, first=100))
    return World(
        a=a["child"]["id"],
        a_apprehension=a_events[0]["id"],
        a_transfer=a_events[1]["id"],
        b=b["child"]["id"],
        b_apprehension=b_events[0]["id"],
        log=log,
    )


async def test_the_audit_log_lists_every_event_oldest_first(api: Api, clock: Clock) -> None:
    # given
    w = await world(api, clock)

    # when
    log = await audit_log(api, first=100)

    # then
    events = nodes(log)
    assert log["totalCount"] == 11
    assert log["pageInfo"]["hasNextPage"] is False
    assert [e["sequence"] for e in events] == list(range(1, 12))
    assert [e["previousHash"] for e in events] == ["0" * 64] + [e["hash"] for e in events[:-1]]
    assert [(e["action"], e["entityType"], e["actor"]["name"]) for e in events[:5]] == [
        ("token create", "ApiToken", "test-setup")
    ] * 5
    assert [set(map(summary, events[i : i + 2])) for i in (5, 7, 9)] == [
        {("intakeChild", "Child", w.a), ("intakeChild", "CustodyEvent", w.a_apprehension)},
        {("intakeChild", "Child", w.b), ("intakeChild", "CustodyEvent", w.b_apprehension)},
        {("transferToHhs", "Child", w.a), ("transferToHhs", "CustodyEvent", w.a_transfer)},
    ]
    assert [e["requestId"] for e in events[5:]] == ["req-world-1"] * 2 + ["req-world-2"] * 2 + [
        "req-world-3"
    ] * 2


def _expected_by_filter(w: World, name: str) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    a_intake, b_intake = w.recorded("intakeChild", w.a), w.recorded("intakeChild", w.b)
    transfer = w.recorded("transferToHhs", w.a)
    assert len({a_intake, b_intake, transfer}) == 3  # three transactions, three moments
    a_intake_events = {
        ("intakeChild", "Child", w.a),
        ("intakeChild", "CustodyEvent", w.a_apprehension),
    }
    b_intake_events = {
        ("intakeChild", "Child", w.b),
        ("intakeChild", "CustodyEvent", w.b_apprehension),
    }
    transfer_events = {
        ("transferToHhs", "Child", w.a),
        ("transferToHhs", "CustodyEvent", w.a_transfer),
    }
    token_events = {summary(e) for e in w.log[:5]}
    cases: dict[str, tuple[dict[str, Any], set[tuple[str, str, str]]]] = {
        "entityId": (
            {"entityId": w.a},
            {("intakeChild", "Child", w.a), ("transferToHhs", "Child", w.a)},
        ),
        "entityId of a record": (
            {"entityId": w.a_transfer},
            {("transferToHhs", "CustodyEvent", w.a_transfer)},
        ),
        "entityType": (
            {"entityType": "CustodyEvent"},
            {
                ("intakeChild", "CustodyEvent", w.a_apprehension),
                ("intakeChild", "CustodyEvent", w.b_apprehension),
                ("transferToHhs", "CustodyEvent", w.a_transfer),
            },
        ),
        "actorName": ({"actorName": "test-supervisor"}, b_intake_events),
        "action": ({"action": "transferToHhs"}, transfer_events),
        "from and to": ({"from": b_intake, "to": b_intake}, b_intake_events),
        "from": ({"from": b_intake}, b_intake_events | transfer_events),
        "to": ({"to": a_intake}, token_events | a_intake_events),
        "several": (
            {"entityType": "Child", "actorName": "test-officer"},
            {("intakeChild", "Child", w.a), ("transferToHhs", "Child", w.a)},
        ),
        "nothing matches": ({"actorName": "nobody"}, set()),
    }
    return cases[name]


@pytest.mark.parametrize(
    "name",
    [
        "entityId",
        "entityId of a record",
        "entityType",
        "actorName",
        "action",
        "from and to",
        "from",
        "to",
        "several",
        "nothing matches",
    ],
)
async def test_the_audit_log_filters(api: Api, clock: Clock, name: str) -> None:
    # given
    w = await world(api, clock)
    audit_filter, expected = _expected_by_filter(w, name)

    # when
    log = await audit_log(api, audit_filter, first=100)

    # then
    events = nodes(log)
    assert {summary(e) for e in events} == expected
    assert log["totalCount"] == len(events) == len(expected)
    assert [e["sequence"] for e in events] == sorted(e["sequence"] for e in events)


async def test_the_audit_log_pages_by_keyset_within_a_filter(api: Api, clock: Clock) -> None:
    # given three custody events among eleven events
    w = await world(api, clock)
    only = {"entityType": "CustodyEvent"}

    # when
    first = await audit_log(api, only, first=2)
    rest = await audit_log(api, only, first=2, after=first["pageInfo"]["endCursor"])

    # then
    assert [[e["entityId"] for e in nodes(p)] for p in (first, rest)] == [
        [w.a_apprehension, w.b_apprehension],
        [w.a_transfer],
    ]
    assert [p["totalCount"] for p in (first, rest)] == [3, 3]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, rest)] == [True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (first, rest)] == [False, True]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]


async def test_an_audit_event_is_a_node_for_oversight(api: Api, clock: Clock) -> None:
    # given
    w = await world(api, clock)
    (event,) = [e for e in w.log if summary(e) == ("transferToHhs", "CustodyEvent", w.a_transfer)]

    # when
    found = await api.data(NODE, {"id": event["id"]}, role=Role.OVERSIGHT)
    unknown = await api.data(NODE, {"id": encode("AuditEvent", uuid.uuid4())}, role=Role.OVERSIGHT)

    # then
    assert found["node"] == event
    assert unknown["node"] is None


@pytest.mark.parametrize("role", NOT_AUDITORS)
async def test_an_audit_event_node_is_forbidden_to_other_roles(
    api: Api, clock: Clock, role: Role
) -> None:
    # given
    w = await world(api, clock)

    # when
    body = await api.gql(NODE, {"id": w.log[-1]["id"]}, role=role)

    # then
    assert forbidden(body) == ["FORBIDDEN"]
    assert body["data"] == {"node": None}


@pytest.mark.parametrize("role", NOT_AUDITORS)
@pytest.mark.parametrize("document", [AUDIT_LOG, VERIFICATION])
async def test_the_log_and_its_verification_are_for_oversight_only(
    api: Api, clock: Clock, role: Role, document: str
) -> None:
    # given
    await intake_child(api, clock)

    # when
    body = await api.gql(document, role=role)

    # then
    assert forbidden(body) == ["FORBIDDEN"]
    assert body["data"] is None


# ---------------------------------------------------------------- childAsOf


def _address(snapshot: dict[str, Any] | None) -> tuple[Any, ...] | None:
    if snapshot is None:
        return None
    return tuple(
        snapshot[name]
        for name in (
            "line1",
            "line2",
            "city",
            "state",
            "postalCode",
            "effectiveFrom",
            "effectiveTo",
            "source",
            "verification",
        )
    )


def _case_file(child: dict[str, Any]) -> dict[str, Any]:
    """What a reviewer reads of a snapshot."""
    sponsor = child["sponsor"]
    return {
        "name": (child["firstName"], child["lastName"]),
        "custodyStatus": child["custodyStatus"],
        "locationStatus": child["locationStatus"],
        "version": child["version"],
        "currentAddress": _address(child["currentAddress"]),
        "addresses": [_address(a) for a in child["addresses"]],
        "sponsor": (
            sponsor["firstName"],
            sponsor["lastName"],
            sponsor["relationship"],
            sponsor["phone"],
        )
        if sponsor is not None
        else None,
        "custodyEvents": [
            (e["kind"], e["occurredAt"], e["facility"]) for e in child["custodyEvents"]
        ],
        "notices": child["notices"],
        "hearings": child["hearings"],
        "contactAttempts": child["contactAttempts"],
    }


RELEASE_ADDRESS = (
    "1200 MAIN ST",
    None,
    "HOUSTON",
    "TX",
    "77002",
    "2026-05-24",
    None,
    "HHS_RECORD",
    "UNVERIFIED",
)
NEW_ADDRESS = (
    "45 N ELM ST",
    "APT 3B",
    "HOUSTON",
    "TX",
    "77002",
    "2026-05-28",
    None,
    "SPONSOR_REPORTED",
    "UNVERIFIED",
)
APPREHENDED = ("APPREHENDED", "2026-05-22T12:00:00.000000Z", "CBP Donna Processing Center")
TRANSFERRED = ("TRANSFERRED_TO_HHS", "2026-05-23T12:00:00.000000Z", "Casa Padre")
RELEASED = ("RELEASED_TO_SPONSOR", "2026-05-24T12:00:00.000000Z", None)
SPONSOR = ("María", "Gómez", "OTHER_RELATIVE", "+12025550143")


async def test_a_child_as_of_each_moment_of_its_history(api: Api, clock: Clock) -> None:
    # given a child released at one address, who then moved
    case = await released_case(api, clock)
    await send(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": case.child,
            "address": home_address(line1="45 north elm street apt 3b"),
            "effectiveFrom": "2026-05-28",
            "source": "SPONSOR_REPORTED",
            "reason": "Sponsor moved across town",
        },
        request_id="req-history-4",
    )
    moments = {e["action"]: e["recordedAt"] for e in nodes(await history_of(api, case.child))}
    assert len(set(moments.values())) == 4

    async def as_of(at: str) -> dict[str, Any] | None:
        snapshot: dict[str, Any] | None = (await api.data(AS_OF, {"id": case.child, "at": at}))[
            "childAsOf"
        ]
        if snapshot is not None:
            assert instant(snapshot["at"]) == instant(at)
        return snapshot

    # when
    before_intake = await as_of(shifted(moments["intakeChild"], microseconds=-1))
    at_intake = await as_of(moments["intakeChild"])
    at_release = await as_of(moments["releaseToSponsor"])
    just_before_move = await as_of(shifted(moments["recordAddress"], microseconds=-1))
    at_move = await as_of(moments["recordAddress"])

    # then
    assert before_intake is None
    assert at_intake is not None
    assert _case_file(at_intake["child"]) == {
        "name": ("Ana Lucía", "Pérez Gómez"),
        "custodyStatus": "IN_DHS_CUSTODY",
        "locationStatus": "VERIFIED",
        "version": 1,
        "currentAddress": None,
        "addresses": [],
        "sponsor": None,
        "custodyEvents": [APPREHENDED],
        "notices": [],
        "hearings": [],
        "contactAttempts": [],
    }
    released = {
        "name": ("Ana Lucía", "Pérez Gómez"),
        "custodyStatus": "RELEASED_TO_SPONSOR",
        "locationStatus": "UNVERIFIED",
        "version": 3,
        "currentAddress": RELEASE_ADDRESS,
        "addresses": [RELEASE_ADDRESS],
        "sponsor": SPONSOR,
        "custodyEvents": [APPREHENDED, TRANSFERRED, RELEASED],
        "notices": [],
        "hearings": [],
        "contactAttempts": [],
    }
    assert at_release is not None
    assert just_before_move is not None
    assert _case_file(at_release["child"]) == released
    assert _case_file(just_before_move["child"]) == released
    assert at_move is not None
    assert _case_file(at_move["child"]) == {
        **released,
        "version": 4,
        "currentAddress": NEW_ADDRESS,
        "addresses": [(*RELEASE_ADDRESS[:6], "2026-05-27", *RELEASE_ADDRESS[7:]), NEW_ADDRESS],
    }
    # and its records carry the same global IDs as everywhere in the API
    records = (await api.data(RECORDS, {"id": case.child}))["child"]
    assert at_move["child"]["id"] == records["id"] == case.child
    assert [a["id"] for a in at_move["child"]["addresses"]] == [
        a["id"] for a in records["addresses"]
    ]
    assert at_move["child"]["sponsor"]["id"] == records["sponsor"]["id"]
    assert [e["id"] for e in at_move["child"]["custodyEvents"]] == [
        e["id"] for e in records["custodyEvents"]
    ]


async def test_a_child_as_of_a_time_for_an_unknown_child_is_null(api: Api, clock: Clock) -> None:
    # given
    await intake_child(api, clock)

    # when
    data = await api.data(
        AS_OF, {"id": encode("Child", uuid.uuid4()), "at": iso(clock())}, role=Role.OVERSIGHT
    )

    # then
    assert data == {"childAsOf": None}


@pytest.mark.parametrize("role", NOT_HISTORY_READERS)
async def test_a_child_as_of_a_time_is_forbidden_to_other_roles(
    api: Api, clock: Clock, role: Role
) -> None:
    # given
    child = await intake_child(api, clock)

    # when
    body = await api.gql(AS_OF, {"id": child["id"], "at": "2030-01-01T00:00:00+00:00"}, role=role)

    # then
    assert forbidden(body) == ["FORBIDDEN"]
    assert body["data"] == {"childAsOf": None}


# ---------------------------------------------------------------- auditVerification


async def test_verification_of_an_untouched_log(api: Api, clock: Clock) -> None:
    # given
    await released_case(api, clock)
    log = await audit_log(api, first=100)

    # when
    data = await api.data(VERIFICATION, role=Role.OVERSIGHT)

    # then
    assert data["auditVerification"] == {
        "valid": True,
        "eventCount": log["totalCount"],
        "headHash": log["edges"][-1]["node"]["hash"],
        "firstInvalidSequence": None,
        "driftedEntities": [],
    }
    assert log["totalCount"] == 5 + 2 + 2 + 4  # tokens, intake, transfer, release


async def test_verification_finds_a_record_changed_behind_the_api(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given a child whose name is changed in the database, not through the API
    case = await released_case(api, clock)
    async with engine.begin() as connection:
        await connection.execute(
            update(models.Child)
            .where(col(models.Child.id) == uuid_of(case.child))
            .values(first_name="Changed")
        )

    # when
    data = await api.data(VERIFICATION, role=Role.OVERSIGHT)

    # then
    report = data["auditVerification"]
    assert (report["valid"], report["firstInvalidSequence"], report["driftedEntities"]) == (
        False,
        None,
        [case.child],
    )
