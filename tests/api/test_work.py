"""Field offices and their work: which office a child belongs to, transfers between offices,
each office's queue of alerts, and who works each alert."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models.enums import Role
from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    RECORD_ADDRESS,
    USER_ERRORS,
    home_address,
    intake_child,
    iso,
    mutate,
    ok,
    released_child,
    scheduled_hearing,
    stored_rows,
)

SET_OFFICE = f"""
mutation Office($input: SetFieldOfficeInput!) {{
  setFieldOffice(input: $input) {{ office {{ code name courts zipPrefixes }} {USER_ERRORS} }}
}}"""
OFFICES = "query { fieldOffices { code name courts zipPrefixes } }"
TRANSFER = f"""
mutation Transfer($input: TransferChildInput!) {{
  transferChild(input: $input) {{ child {{ id version fieldOffice }} {USER_ERRORS} }}
}}"""
ASSIGN = f"""
mutation Assign($input: AssignAlertInput!) {{
  assignAlert(input: $input) {{ alert {{ id assignedTo }} {USER_ERRORS} }}
}}"""
CREATE_TOKEN = f"""
mutation Token($input: CreateApiTokenInput!) {{
  createApiToken(input: $input) {{ token actor {{ name role office }} {USER_ERRORS} }}
}}"""
QUEUE = """
query Queue($office: String, $kinds: [AlertKind!], $first: Int, $after: String) {
  workQueue(office: $office, kinds: $kinds, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind raisedAt dueAt nextStep assignedTo child { id fieldOffice } } }
  }
}"""
CHILD = "query Child($id: ID!) { child(id: $id) { id version fieldOffice alerts { id kind } } }"
HISTORY = """
query History($id: ID!) {
  child(id: $id) {
    history(first: 100) {
      edges { node { action entityType reason changes { field before after } } }
    }
  }
}"""

HOUSTON = {"code": "HOU", "name": "Houston", "courts": ["HOU"], "zipPrefixes": ["770", "77494"]}
SAN_ANTONIO = {"code": "SNA", "name": "San Antonio", "courts": ["SNA"], "zipPrefixes": ["782"]}
KATY = {"code": "KTY", "name": "Katy", "courts": [], "zipPrefixes": ["774"]}


async def set_up_offices(api: Api, *offices: dict[str, Any]) -> None:
    for office in offices or (HOUSTON, SAN_ANTONIO, KATY):
        payload = await mutate(api, SET_OFFICE, "setFieldOffice", office, role=Role.ADMIN)
        assert payload["userErrors"] == [], payload["userErrors"]


async def officer_token(api: Api, name: str, office: str, role: Role = Role.OFFICER) -> str:
    payload = await mutate(
        api,
        CREATE_TOKEN,
        "createApiToken",
        {"name": name, "role": role.value, "office": office},
        role=Role.ADMIN,
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    assert payload["actor"]["office"] == office
    token: str = payload["token"]
    return token


async def as_holder(
    api: Api, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await api.client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def child_of(api: Api, child_id: str) -> dict[str, Any]:
    child: dict[str, Any] = (await api.data(CHILD, {"id": child_id}))["child"]
    return child


# ---------------------------------------------------------------- offices


async def test_an_admin_sets_up_offices_and_everyone_reads_them(api: Api) -> None:
    # when
    await set_up_offices(api)
    changed = await mutate(
        api,
        SET_OFFICE,
        "setFieldOffice",
        {**KATY, "name": "Katy and Fulshear", "zipPrefixes": ["774", "77441"]},
        role=Role.ADMIN,
    )

    # then
    assert changed["userErrors"] == []
    offices = (await api.data(OFFICES))["fieldOffices"]
    assert [o["code"] for o in offices] == ["HOU", "KTY", "SNA"]
    assert offices[1] == {
        "code": "KTY",
        "name": "Katy and Fulshear",
        "courts": [],
        "zipPrefixes": ["774", "77441"],
    }


@pytest.mark.parametrize(
    ("office", "code", "field"),
    [
        ({**KATY, "courts": ["HOU"]}, "DUPLICATE", ["input", "courts"]),
        ({**KATY, "zipPrefixes": ["770"]}, "DUPLICATE", ["input", "zipPrefixes"]),
        ({**KATY, "zipPrefixes": ["77"]}, "INVALID", ["input", "zipPrefixes"]),
        ({**KATY, "code": "K"}, "INVALID", ["input", "code"]),
        ({**KATY, "name": " "}, "INVALID", ["input", "name"]),
    ],
    ids=["court-taken", "zip-taken", "zip-too-short", "code-too-short", "blank-name"],
)
async def test_a_refused_office_changes_nothing(
    api: Api, engine: AsyncEngine, office: dict[str, Any], code: str, field: list[str]
) -> None:
    # given
    await set_up_offices(api, HOUSTON)
    before = await stored_rows(engine)

    # when
    payload = await mutate(api, SET_OFFICE, "setFieldOffice", office, role=Role.ADMIN)

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert await stored_rows(engine) == before


# ---------------------------------------------------------------- a child's office


async def test_a_child_belongs_to_the_office_covering_its_address(api: Api, clock: Clock) -> None:
    # given
    await set_up_offices(api)

    # when: released in Houston (770..), in Katy by its 5-digit ZIP (77494, listed by
    # Houston, beats Katy's 774), and in San Antonio
    houston = await released_child(api, clock, address=home_address(postalCode="77002"))
    katy = await released_child(api, clock, address=home_address(city="Katy", postalCode="77494"))
    fulshear = await released_child(
        api, clock, address=home_address(city="Fulshear", postalCode="77441")
    )
    san_antonio = await released_child(
        api, clock, address=home_address(city="San Antonio", state="TX", postalCode="78205")
    )

    # then
    assert [(await child_of(api, c["id"]))["fieldOffice"] for c in (houston, katy)] == [
        "HOU",
        "HOU",
    ]
    assert (await child_of(api, fulshear["id"]))["fieldOffice"] == "KTY"
    assert (await child_of(api, san_antonio["id"]))["fieldOffice"] == "SNA"


async def test_a_child_with_no_address_belongs_to_its_courts_office(api: Api, clock: Clock) -> None:
    # given
    await set_up_offices(api)
    child = await intake_child(api, clock)
    assert (await child_of(api, child["id"]))["fieldOffice"] is None

    # when
    await scheduled_hearing(api, clock, child, court="SNA")

    # then
    assert (await child_of(api, child["id"]))["fieldOffice"] == "SNA"


async def test_a_docket_hearing_gives_a_child_with_no_address_its_courts_office(
    api: Api, clock: Clock
) -> None:
    # given
    await set_up_offices(api)
    child = await intake_child(api, clock)
    csv = (
        "a_number,court,hearing_type,scheduled_for,status,in_absentia_order\n"
        f"{child['aNumber']},SNA,MASTER_CALENDAR,{iso(clock() + timedelta(days=30))},,\n"
    )

    # when
    payload = await mutate(
        api,
        "mutation I($input: ImportDocketInput!) { importDocket(input: $input) "
        "{ created userErrors { code } } }",
        "importDocket",
        {"csv": csv},
    )

    # then
    assert payload["created"] == 1
    assert (await child_of(api, child["id"]))["fieldOffice"] == "SNA"


async def test_a_transfer_stands_until_the_child_moves(api: Api, clock: Clock) -> None:
    # given
    await set_up_offices(api)
    child = await released_child(api, clock, released_days_ago=10)
    assert (await child_of(api, child["id"]))["fieldOffice"] == "HOU"

    # when
    transfer = {"childId": child["id"], "office": "sna", "reason": "Sponsor works in San Antonio"}
    payload = await ok(api, TRANSFER, "transferChild", transfer)
    await ok(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(days=2)),
            "method": "PHONE",
            "outcome": "NO_RESPONSE",
        },
    )
    after_contact = await child_of(api, child["id"])
    await ok(
        api,
        RECORD_ADDRESS,
        "recordAddress",
        {
            "childId": child["id"],
            "address": home_address(line1="77 Bay Road", postalCode="77003"),
            "effectiveFrom": (clock() - timedelta(days=1)).date().isoformat(),
            "source": "SPONSOR_REPORTED",
        },
    )

    # then: transferred by hand, kept through a contact attempt, derived again on a move
    assert payload["child"]["fieldOffice"] == "SNA"
    assert payload["child"]["version"] == child["version"] + 1
    assert after_contact["fieldOffice"] == "SNA"
    assert (await child_of(api, child["id"]))["fieldOffice"] == "HOU"
    events = [
        e["node"]
        for e in (await api.data(HISTORY, {"id": child["id"]}))["child"]["history"]["edges"]
    ]
    (moved,) = [e for e in events if e["action"] == "transferChild"]
    assert moved["reason"] == "Sponsor works in San Antonio"
    assert {"field": "fieldOffice", "before": "HOU", "after": "SNA"} in moved["changes"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"office": "ZZZ"}, "NOT_FOUND", ["input", "office"]),
        ({"office": "HOU"}, "INVALID_TRANSITION", ["input", "office"]),
        ({"office": "not an office"}, "INVALID", ["input", "office"]),
        ({"reason": "  "}, "INVALID", ["input", "reason"]),
        ({"expectedVersion": 1}, "VERSION_CONFLICT", ["input", "expectedVersion"]),
    ],
    ids=["unknown-office", "same-office", "malformed-office", "blank-reason", "stale-version"],
)
async def test_a_refused_transfer_changes_nothing(
    api: Api,
    clock: Clock,
    engine: AsyncEngine,
    change: dict[str, Any],
    code: str,
    field: list[str],
) -> None:
    # given
    await set_up_offices(api)
    child = await released_child(api, clock)
    before = await stored_rows(engine)

    # when
    input = {"childId": child["id"], "office": "SNA", "reason": "Moving the case", **change}
    payload = await mutate(api, TRANSFER, "transferChild", input)

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert await stored_rows(engine) == before


# ---------------------------------------------------------------- the work queue


async def location_unknown(api: Api, clock: Clock, child: dict[str, Any]) -> None:
    await ok(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(hours=1)),
            "method": "HOME_VISIT",
            "outcome": "NOT_LOCATED",
        },
    )


async def houston_queue(api: Api, clock: Clock) -> dict[str, dict[str, Any]]:
    """Three Houston children with alerts: an address issue raised first (due in 3 days), a
    location unknown a day later (due in 1), a failure to appear last (due in 1); and one San
    Antonio child with an alert of its own."""
    await set_up_offices(api)
    await released_child(api, clock, address=home_address(line1="500 Main St Apt 4"))
    unit_less = await released_child(api, clock, address=home_address(line1="500 Main St"))
    clock.advance(days=1)
    lost = await released_child(api, clock, address=home_address(line1="9 Elm St"))
    await location_unknown(api, clock, lost)
    clock.advance(hours=2)
    missed = await released_child(api, clock, address=home_address(line1="10 Elm St"))
    hearing = await scheduled_hearing(api, clock, missed, at=clock() - timedelta(hours=1))
    await ok(
        api,
        "mutation O($input: RecordHearingOutcomeInput!) { recordHearingOutcome(input: $input) "
        "{ userErrors { code message field } } }",
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": "FAILED_TO_APPEAR"},
    )
    elsewhere = await released_child(
        api, clock, address=home_address(city="San Antonio", postalCode="78205")
    )
    await location_unknown(api, clock, elsewhere)
    return {"unit_less": unit_less, "lost": lost, "missed": missed, "elsewhere": elsewhere}


async def test_an_offices_queue_lists_its_alerts_oldest_due_first(api: Api, clock: Clock) -> None:
    # given
    children = await houston_queue(api, clock)

    # when
    queue = await queue_of(api, "HOU")

    # then: by due time, not by when raised; San Antonio's alert is not Houston's work
    nodes = [e["node"] for e in queue["edges"]]
    assert [(n["child"]["id"], n["kind"]) for n in nodes] == [
        (children["lost"]["id"], "LOCATION_UNKNOWN"),
        (children["missed"]["id"], "FAILED_TO_APPEAR"),
        (children["unit_less"]["id"], "ADDRESS_ISSUE"),
    ]
    assert queue["totalCount"] == 3
    for node in nodes:
        raised = datetime.fromisoformat(node["raisedAt"])
        due = datetime.fromisoformat(node["dueAt"])
        assert due - raised == (
            timedelta(days=3) if node["kind"] == "ADDRESS_ISSUE" else timedelta(days=1)
        )
        assert node["nextStep"]
        assert node["assignedTo"] is None
        assert node["child"]["fieldOffice"] == "HOU"


async def test_a_queue_narrows_to_kinds_and_pages_by_cursor(api: Api, clock: Clock) -> None:
    # given
    children = await houston_queue(api, clock)
    everything = await queue_of(api, "HOU")

    # when
    kinds = {"office": "HOU", "kinds": ["ADDRESS_ISSUE", "FAILED_TO_APPEAR"]}
    narrowed = (await api.data(QUEUE, kinds, role=Role.SUPERVISOR))["workQueue"]
    pages, after = [], None
    while True:
        page = (
            await api.data(
                QUEUE, {"office": "HOU", "first": 1, "after": after}, role=Role.OVERSIGHT
            )
        )["workQueue"]
        pages += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then
    assert [e["node"]["child"]["id"] for e in narrowed["edges"]] == [
        children["missed"]["id"],
        children["unit_less"]["id"],
    ]
    assert pages == [e["node"]["id"] for e in everything["edges"]]


async def test_an_officer_reads_their_own_offices_queue_and_no_other(
    api: Api, clock: Clock
) -> None:
    # given
    await houston_queue(api, clock)
    officer = await officer_token(api, "officer-hou-1", "HOU")

    # when
    own = await as_holder(api, officer, QUEUE)
    named = await as_holder(api, officer, QUEUE, {"office": "HOU"})
    other = await as_holder(api, officer, QUEUE, {"office": "SNA"})
    without_office = await api.gql(QUEUE, role=Role.SUPERVISOR)

    # then
    assert own["data"]["workQueue"]["totalCount"] == 3
    assert named == own
    assert [e["extensions"]["code"] for e in other["errors"]] == ["FORBIDDEN"]
    assert [e["extensions"]["code"] for e in without_office["errors"]] == ["INVALID"]


# ---------------------------------------------------------------- assignments


async def test_a_supervisor_assigns_and_an_officer_takes_alerts_of_their_office(
    api: Api, clock: Clock
) -> None:
    # given
    children = await houston_queue(api, clock)
    officer = await officer_token(api, "officer-hou-1", "HOU")
    await officer_token(api, "officer-hou-2", "HOU")
    await officer_token(api, "officer-sna-1", "SNA")
    queue = await queue_of(api, "HOU")
    first, second, _ = [e["node"]["id"] for e in queue["edges"]]

    # when
    given = await assign(api, first, "officer-hou-2")
    elsewhere = await assign(api, second, "officer-sna-1")
    unknown = await assign(api, second, "nobody-here")
    taken = await as_holder(
        api, officer, ASSIGN, {"input": {"alertId": second, "assignee": "officer-hou-1"}}
    )
    handed = await as_holder(
        api, officer, ASSIGN, {"input": {"alertId": first, "assignee": "officer-hou-1"}}
    )

    # then
    assert given["alert"]["assignedTo"] == "officer-hou-2"
    assert [(e["code"], e["field"]) for e in elsewhere["userErrors"]] == [
        ("INVALID", ["input", "assignee"])
    ]
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("NOT_FOUND", ["input", "assignee"])
    ]
    assert taken["data"]["assignAlert"]["alert"]["assignedTo"] == "officer-hou-1"
    # An officer takes an alert for themselves; giving is for supervisors.
    assert handed["data"]["assignAlert"]["alert"]["assignedTo"] == "officer-hou-1"
    queue = await queue_of(api, "HOU")
    assert [e["node"]["assignedTo"] for e in queue["edges"]] == [
        "officer-hou-1",
        "officer-hou-1",
        None,
    ]
    # On the child's history, which its timeline shows: who gave it to whom, when.
    events = [
        e["node"]
        for e in (await api.data(HISTORY, {"id": children["lost"]["id"]}))["child"]["history"][
            "edges"
        ]
    ]
    assignments = [e for e in events if e["action"] == "assignAlert"]
    assert [c["after"] for e in assignments for c in e["changes"]] == [
        "officer-hou-2",
        "officer-hou-1",
    ]


async def test_an_officer_may_not_give_an_alert_to_someone_else(api: Api, clock: Clock) -> None:
    # given
    await houston_queue(api, clock)
    officer = await officer_token(api, "officer-hou-1", "HOU")
    await officer_token(api, "officer-hou-2", "HOU")
    queue = await queue_of(api, "HOU")
    alert = queue["edges"][0]["node"]["id"]

    # when
    body = await as_holder(
        api, officer, ASSIGN, {"input": {"alertId": alert, "assignee": "officer-hou-2"}}
    )

    # then
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    queue = await queue_of(api, "HOU")
    assert queue["edges"][0]["node"]["assignedTo"] is None


async def test_a_transfer_hands_the_childs_alerts_back(api: Api, clock: Clock) -> None:
    # given
    children = await houston_queue(api, clock)
    await officer_token(api, "officer-hou-1", "HOU")
    lost = children["lost"]
    (alert,) = (await child_of(api, lost["id"]))["alerts"]
    await ok_assign(api, alert["id"], "officer-hou-1")

    # when
    await ok(
        api, TRANSFER, "transferChild", {"childId": lost["id"], "office": "SNA", "reason": "Moved"}
    )

    # then: in San Antonio's queue, for nobody yet; gone from Houston's
    sna = await queue_of(api, "SNA")
    moved = [e["node"] for e in sna["edges"] if e["node"]["child"]["id"] == lost["id"]]
    assert [(n["id"], n["assignedTo"]) for n in moved] == [(alert["id"], None)]
    hou = await queue_of(api, "HOU")
    assert lost["id"] not in [e["node"]["child"]["id"] for e in hou["edges"]]


async def test_a_resolved_alert_is_not_assigned(api: Api, clock: Clock) -> None:
    # given
    children = await houston_queue(api, clock)
    await officer_token(api, "officer-hou-1", "HOU")
    (alert,) = (await child_of(api, children["lost"]["id"]))["alerts"]
    await mutate(
        api,
        "mutation R($input: UpdateAlertInput!) { updateAlert(input: $input) { userErrors { code } } }",
        "updateAlert",
        {"alertId": alert["id"], "status": "RESOLVED", "note": "Found with an aunt"},
        role=Role.SUPERVISOR,
    )

    # when
    payload = await assign(api, alert["id"], "officer-hou-1")

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_TRANSITION", ["input", "alertId"])
    ]


async def queue_of(api: Api, office: str) -> dict[str, Any]:
    """The office's whole work queue, as a SUPERVISOR reads it."""
    queue: dict[str, Any] = (await api.data(QUEUE, {"office": office}, role=Role.SUPERVISOR))[
        "workQueue"
    ]
    return queue


async def assign(api: Api, alert_id: str, assignee: str) -> dict[str, Any]:
    """assignAlert's payload, sent by a SUPERVISOR."""
    input = {"alertId": alert_id, "assignee": assignee}
    return await mutate(api, ASSIGN, "assignAlert", input, role=Role.SUPERVISOR)


async def ok_assign(api: Api, alert_id: str, assignee: str) -> None:
    payload = await assign(api, alert_id, assignee)
    assert payload["userErrors"] == [], payload["userErrors"]


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    ("role", "office", "code"),
    [
        (Role.OFFICER, "ZZZ", "NOT_FOUND"),
        (Role.ADMIN, "HOU", "INVALID"),
        (Role.INTEGRATION, "HOU", "INVALID"),
    ],
)
async def test_a_token_carries_an_existing_office_and_only_an_officers(
    api: Api, role: Role, office: str, code: str
) -> None:
    # given
    await set_up_offices(api)

    # when
    payload = await mutate(
        api,
        CREATE_TOKEN,
        "createApiToken",
        {"name": "someone", "role": role.value, "office": office},
        role=Role.ADMIN,
    )

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, ["input", "office"])]


async def test_a_token_tells_its_holder_their_office(api: Api) -> None:
    # given
    await set_up_offices(api)
    token = await officer_token(api, "supervisor-sna", "SNA", Role.SUPERVISOR)

    # when
    body = await as_holder(api, token, "query { me { name role office } }")

    # then
    assert body["data"]["me"] == {"name": "supervisor-sna", "role": "SUPERVISOR", "office": "SNA"}
