"""Who may call what: bearer-token authentication, the role table of API.md over every root
field and mutation, and API tokens that are stored only as hashes."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

import models
from models.db import session_factory
from models.enums import HearingStatus, HearingType, Role
from resolvers.unit import Actor, open_unit
from schema.ids import decode_any, encode
from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    CUSTODY_EVENT,
    FILE_NOTICE,
    HEARING_OUTCOME,
    INTAKE,
    ISSUE_NOTICE,
    RECORD_ADDRESS,
    RECORD_REPRESENTATION,
    RELEASE,
    SCHEDULE_HEARING,
    SERVE_NOTICE,
    TRANSFER,
    UPDATE_ALERT,
    VERIFY_ADDRESS,
    filed_notice,
    home_address,
    in_hhs_child,
    intake_child,
    iso,
    new_a_number,
    ok,
    released_child,
    scheduled_hearing,
    stored_rows,
)

ME = "query { me { name role } }"
CREATE_TOKEN = """
mutation CreateToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token actor { name role } userErrors { code message field } }
}"""
NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Child { firstName lastName }
    ... on Sponsor { firstName }
    ... on Hearing { court status }
  }
}"""
CHILD = "query Child($id: ID!) { child(id: $id) { id firstName version } }"
CHILDREN = "query { children { totalCount edges { node { id firstName } } } }"
HEARINGS = "query { hearings { totalCount edges { node { id court status } } } }"
ALERTS = "query { alerts { totalCount edges { node { id kind } } } }"
ROOT_FIELDS = """
query { __schema { queryType { fields { name } } mutationType { fields { name } } } }"""
# What an officer sees of every case: what any refused call must leave as it was.
CASE_RECORDS = """
query {
  children(first: 100) {
    totalCount
    edges { node {
      id aNumber firstName version custodyStatus locationStatus sponsor { id }
      addresses { id line1 verification effectiveFrom effectiveTo }
      custodyEvents { id kind occurredAt }
      contactAttempts { id outcome }
    } }
  }
}"""

CASE_READERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT, Role.ADMIN})
CASE_WRITERS = frozenset({Role.OFFICER, Role.SUPERVISOR})
EVERYONE = frozenset(Role)


async def case_records(api: Api) -> dict[str, Any]:
    return await api.data(CASE_RECORDS, role=Role.OFFICER)


async def hearing_of(engine: AsyncEngine, clock: Clock, child_id: str) -> str:
    """A scheduled hearing for the child, written directly: no mutation serves hearings yet."""
    decoded = decode_any(child_id)
    assert decoded is not None
    setup = Actor(name="test-setup", role=Role.ADMIN)
    async with open_unit(
        session_factory(engine, writer=True), setup, "test setup", clock=clock
    ) as unit:
        hearing = models.Hearing(
            child_id=decoded[1],
            court="SNA",
            type=HearingType.MASTER_CALENDAR,
            scheduled_for=clock() + timedelta(days=40),
            status=HearingStatus.SCHEDULED,
        )
        unit.session.add(hearing)
    return encode("Hearing", hearing.id)


@dataclass(frozen=True)
class Call:
    document: str
    variables: dict[str, Any] = field(default_factory=dict)


Prepare = Callable[[Api, Clock], Awaitable[Call]]


async def call_me(api: Api, clock: Clock) -> Call:
    return Call(ME)


async def call_node(api: Api, clock: Clock) -> Call:
    child = await intake_child(api, clock)
    return Call(NODE, {"id": child["id"]})


async def call_child(api: Api, clock: Clock) -> Call:
    child = await intake_child(api, clock)
    return Call(CHILD, {"id": child["id"]})


async def call_children(api: Api, clock: Clock) -> Call:
    await intake_child(api, clock)
    return Call(CHILDREN)


async def call_hearings(api: Api, clock: Clock) -> Call:
    return Call(HEARINGS)


async def call_alerts(api: Api, clock: Clock) -> Call:
    return Call(ALERTS)


async def call_audit_log(api: Api, clock: Clock) -> Call:
    return Call("{ auditLog(first: 5) { totalCount edges { node { sequence action } } } }")


async def call_audit_verification(api: Api, clock: Clock) -> Call:
    return Call("{ auditVerification { valid eventCount } }")


async def call_child_as_of(api: Api, clock: Clock) -> Call:
    child = await intake_child(api, clock)
    return Call(
        "query($id: ID!, $at: DateTime!) { childAsOf(id: $id, at: $at) { at child } }",
        {"id": child["id"], "at": "2100-01-01T00:00:00Z"},
    )


async def call_intake(api: Api, clock: Clock) -> Call:
    return Call(
        INTAKE,
        {
            "input": {
                "aNumber": new_a_number(),
                "firstName": "Yesenia",
                "lastName": "Caal",
                "dateOfBirth": "2011-09-14",
                "countryOfBirth": "GT",
                "apprehendedAt": iso(clock() - timedelta(days=1)),
            }
        },
    )


async def call_transfer(api: Api, clock: Clock) -> Call:
    child = await intake_child(api, clock)
    input = {"childId": child["id"], "occurredAt": iso(clock()), "facility": "Casa Padre"}
    return Call(TRANSFER, {"input": input})


async def call_release(api: Api, clock: Clock) -> Call:
    child = await in_hhs_child(api, clock)
    input = {
        "childId": child["id"],
        "occurredAt": iso(clock() - timedelta(hours=1)),
        "sponsor": {"firstName": "Rosa", "lastName": "Díaz", "relationship": "PARENT"},
        "address": home_address(),
    }
    return Call(RELEASE, {"input": input})


async def call_custody_event(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    input = {
        "childId": child["id"],
        "kind": "RETURNED_TO_HHS",
        "occurredAt": iso(clock() - timedelta(hours=1)),
    }
    return Call(CUSTODY_EVENT, {"input": input})


async def call_record_address(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    input = {
        "childId": child["id"],
        "address": home_address(line1="77 Oak Avenue"),
        "effectiveFrom": clock().date().isoformat(),
        "source": "SPONSOR_REPORTED",
    }
    return Call(RECORD_ADDRESS, {"input": input})


async def call_verify_address(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    input = {
        "addressId": child["currentAddress"]["id"],
        "verifiedAt": iso(clock() - timedelta(hours=1)),
        "verification": "VERIFIED",
    }
    return Call(VERIFY_ADDRESS, {"input": input})


async def call_contact_attempt(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    input = {
        "childId": child["id"],
        "attemptedAt": iso(clock() - timedelta(hours=1)),
        "method": "PHONE",
        "outcome": "NO_RESPONSE",
    }
    return Call(CONTACT_ATTEMPT, {"input": input})


async def call_oversight_report(api: Api, clock: Clock) -> Call:
    await released_child(api, clock)
    return Call("query { oversightReport { releasedToSponsor openAlerts { kind count } } }", {})


async def call_issue_notice(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    day = (clock() - timedelta(days=1)).date().isoformat()
    return Call(ISSUE_NOTICE, {"input": {"childId": child["id"], "issuedOn": day, "court": "HOU"}})


async def _issued_notice(api: Api, clock: Clock) -> tuple[str, str]:
    """An issued notice's ID and its issue date."""
    child = await released_child(api, clock)
    day = (clock() - timedelta(days=1)).date().isoformat()
    input = {"childId": child["id"], "issuedOn": day, "court": "HOU"}
    notice = (await ok(api, ISSUE_NOTICE, "issueNotice", input))["notice"]
    return notice["id"], day


async def call_serve_notice(api: Api, clock: Clock) -> Call:
    notice_id, day = await _issued_notice(api, clock)
    input = {"noticeId": notice_id, "servedOn": day, "method": "MAIL"}
    return Call(SERVE_NOTICE, {"input": input})


async def call_file_notice(api: Api, clock: Clock) -> Call:
    notice_id, day = await _issued_notice(api, clock)
    input = {"noticeId": notice_id, "servedOn": day, "method": "MAIL"}
    await ok(api, SERVE_NOTICE, "serveNotice", input)
    return Call(FILE_NOTICE, {"input": {"noticeId": notice_id, "filedOn": day}})


async def call_schedule_hearing(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    await filed_notice(api, clock, child)
    input = {
        "childId": child["id"],
        "court": "HOU",
        "type": "INDIVIDUAL",
        "scheduledFor": iso(clock() + timedelta(days=20)),
    }
    return Call(SCHEDULE_HEARING, {"input": input})


async def call_hearing_outcome(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=1))
    return Call(HEARING_OUTCOME, {"input": {"hearingId": hearing["id"], "status": "APPEARED"}})


async def call_record_representation(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    input = {
        "childId": child["id"],
        "attorneyName": "Lucía Fernández",
        "organization": "Kids in Need of Defense",
        "enteredOn": clock().date().isoformat(),
    }
    return Call(RECORD_REPRESENTATION, {"input": input})


async def call_update_alert(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=1))
    input = {"hearingId": hearing["id"], "status": "FAILED_TO_APPEAR"}
    await ok(api, HEARING_OUTCOME, "recordHearingOutcome", input)
    alerts = await api.data(ALERTS)
    alert_id = alerts["alerts"]["edges"][0]["node"]["id"]
    return Call(UPDATE_ALERT, {"input": {"alertId": alert_id, "status": "ACKNOWLEDGED"}})


IMPORT_DOCKET = """
mutation Import($input: ImportDocketInput!) {
  importDocket(input: $input) {
    created updated unchanged rejected { line message } userErrors { code message field }
  }
}"""


async def call_import_docket(api: Api, clock: Clock) -> Call:
    child = await released_child(api, clock)
    number = child["aNumber"]
    when = iso(clock() + timedelta(days=30))
    csv = (
        "a_number,court,hearing_type,scheduled_for,status,in_absentia_order\n"
        f"{number},HOU,MASTER_CALENDAR,{when},,\n"
    )
    return Call(IMPORT_DOCKET, {"input": {"csv": csv}})


async def call_create_token(api: Api, clock: Clock) -> Call:
    return Call(CREATE_TOKEN, {"input": {"name": "court-feed", "role": "INTEGRATION"}})


REVOKE_TOKEN = """
mutation RevokeToken($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { actor { name role } revokedAt userErrors { code message field } }
}"""


async def call_revoke_token(api: Api, clock: Clock) -> Call:
    await api.data(
        CREATE_TOKEN, {"input": {"name": "old-feed", "role": "INTEGRATION"}}, role=Role.ADMIN
    )
    return Call(REVOKE_TOKEN, {"input": {"name": "old-feed", "reason": "feed retired"}})


REGISTER_PARTNER = """
mutation Register($input: RegisterPartnerInput!) {
  registerPartner(input: $input) { partner { name } secret userErrors { code message field } }
}"""
PARTNER_INPUT = {
    "name": "HHS placement desk",
    "endpoint": "https://partner.example.org/hook",
    "kinds": ["FAILED_TO_APPEAR"],
    "fields": ["A_NUMBER"],
}


async def call_partners(api: Api, clock: Clock) -> Call:
    return Call("query { partners { name kinds } }", {})


async def call_partner_deliveries(api: Api, clock: Clock) -> Call:
    return Call("query { partnerDeliveries { idempotencyKey status } }", {})


async def call_register_partner(api: Api, clock: Clock) -> Call:
    return Call(REGISTER_PARTNER, {"input": PARTNER_INPUT})


async def call_set_partner_active(api: Api, clock: Clock) -> Call:
    await api.data(REGISTER_PARTNER, {"input": PARTNER_INPUT}, role=Role.ADMIN)
    return Call(
        """mutation Stop($input: SetPartnerActiveInput!) {
             setPartnerActive(input: $input) { partner { active } userErrors { code message } } }""",
        {"input": {"name": PARTNER_INPUT["name"], "active": False}},
    )


MERGE_CHILDREN = """
mutation Merge($input: MergeChildrenInput!) {
  mergeChildren(input: $input) { child { id } merge { mergedChildId } userErrors { code message } }
}"""


async def call_merge_children(api: Api, clock: Clock) -> Call:
    kept = await intake_child(api, clock)
    merged = await intake_child(api, clock, firstName="Ana Lucia")
    return Call(
        MERGE_CHILDREN,
        {
            "input": {
                "keepChildId": kept["id"],
                "mergeChildId": merged["id"],
                "reason": "Two intakes of one child",
            }
        },
    )


SET_FIELD_OFFICE = """
mutation Office($input: SetFieldOfficeInput!) {
  setFieldOffice(input: $input) { office { code } userErrors { code message } }
}"""
HOUSTON = {"code": "HOU", "name": "Houston", "courts": ["HOU"], "zipPrefixes": ["770"]}


async def houston(api: Api) -> None:
    await api.data(SET_FIELD_OFFICE, {"input": HOUSTON}, role=Role.ADMIN)


async def call_field_offices(api: Api, clock: Clock) -> Call:
    await houston(api)
    return Call("query { fieldOffices { code name courts zipPrefixes } }")


async def call_work_queue(api: Api, clock: Clock) -> Call:
    await houston(api)
    await released_child(api, clock)  # in Houston's ZIP: the office's child
    return Call(
        """query { workQueue(office: "HOU") {
             totalCount edges { node { kind dueAt nextStep assignedTo child { id } } } } }"""
    )


async def call_set_field_office(api: Api, clock: Clock) -> Call:
    return Call(SET_FIELD_OFFICE, {"input": HOUSTON})


async def call_transfer_child(api: Api, clock: Clock) -> Call:
    await houston(api)
    child = await intake_child(api, clock)
    return Call(
        """mutation Transfer($input: TransferChildInput!) {
             transferChild(input: $input) { child { fieldOffice } userErrors { code message } } }""",
        {"input": {"childId": child["id"], "office": "HOU", "reason": "Placed in Houston"}},
    )


async def call_assign_alert(api: Api, clock: Clock) -> Call:
    # another's name: an OFFICER may only take an alert for themselves
    update = await call_update_alert(api, clock)
    return Call(
        """mutation Assign($input: AssignAlertInput!) {
             assignAlert(input: $input) { alert { assignedTo } userErrors { code message } } }""",
        {"input": {"alertId": update.variables["input"]["alertId"], "assignee": "test-supervisor"}},
    )


# The role table of API.md, for every root field and mutation served today.
QUERIES: dict[str, tuple[Prepare, frozenset[Role]]] = {
    "me": (call_me, EVERYONE),
    "node": (call_node, CASE_READERS),  # of a Child; a Hearing is tested below
    "child": (call_child, CASE_READERS),
    "children": (call_children, CASE_READERS),
    "hearings": (call_hearings, EVERYONE),
    "alerts": (call_alerts, CASE_READERS),
    "auditLog": (call_audit_log, frozenset({Role.OVERSIGHT})),
    "auditVerification": (call_audit_verification, frozenset({Role.OVERSIGHT})),
    "childAsOf": (call_child_as_of, frozenset({Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT})),
    "oversightReport": (call_oversight_report, frozenset({Role.OVERSIGHT})),
    "partners": (call_partners, frozenset({Role.ADMIN, Role.OVERSIGHT})),
    "partnerDeliveries": (call_partner_deliveries, frozenset({Role.ADMIN, Role.OVERSIGHT})),
    "fieldOffices": (call_field_offices, CASE_READERS),
    # Of an office not the caller's: an OFFICER reads their own (tests/api/test_work.py).
    "workQueue": (call_work_queue, frozenset({Role.SUPERVISOR, Role.OVERSIGHT})),
}
MUTATIONS: dict[str, tuple[Prepare, frozenset[Role]]] = {
    "intakeChild": (call_intake, CASE_WRITERS),
    "transferToHhs": (call_transfer, CASE_WRITERS),
    "releaseToSponsor": (call_release, CASE_WRITERS),
    "recordCustodyEvent": (call_custody_event, CASE_WRITERS),
    "recordAddress": (call_record_address, CASE_WRITERS),
    "verifyAddress": (call_verify_address, CASE_WRITERS),
    "recordContactAttempt": (call_contact_attempt, CASE_WRITERS),
    "issueNotice": (call_issue_notice, CASE_WRITERS),
    "serveNotice": (call_serve_notice, CASE_WRITERS),
    "fileNotice": (call_file_notice, CASE_WRITERS),
    "scheduleHearing": (call_schedule_hearing, CASE_WRITERS | {Role.INTEGRATION}),
    "recordHearingOutcome": (call_hearing_outcome, CASE_WRITERS | {Role.INTEGRATION}),
    "recordRepresentation": (call_record_representation, CASE_WRITERS),
    # Acknowledging; resolving is for supervisors only (tests/api/test_court.py).
    "updateAlert": (call_update_alert, CASE_WRITERS),
    "importDocket": (call_import_docket, CASE_WRITERS | {Role.INTEGRATION}),
    "createApiToken": (call_create_token, frozenset({Role.ADMIN})),
    "revokeApiToken": (call_revoke_token, frozenset({Role.ADMIN})),
    "registerPartner": (call_register_partner, frozenset({Role.ADMIN})),
    "setPartnerActive": (call_set_partner_active, frozenset({Role.ADMIN})),
    "mergeChildren": (call_merge_children, frozenset({Role.SUPERVISOR})),
    "setFieldOffice": (call_set_field_office, frozenset({Role.ADMIN})),
    "transferChild": (call_transfer_child, CASE_WRITERS),
    # To another: an OFFICER may take one for themselves (tests/api/test_work.py).
    "assignAlert": (call_assign_alert, frozenset({Role.SUPERVISOR})),
}
OPERATIONS = {**QUERIES, **MUTATIONS}


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer    ",
        "Basic dGVzdC1vZmZpY2VyOnNlY3JldA==",
        "Token {officer}",
        "{officer}",
        "Bearer ct_unknownAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer not-a-token",
        "Bearer {officer}x",
    ],
    ids=[
        "no-header",
        "empty",
        "bearer-without-token",
        "bearer-blank-token",
        "basic-scheme",
        "token-scheme-with-valid-token",
        "valid-token-without-scheme",
        "unknown-token",
        "not-a-token",
        "valid-token-altered",
    ],
)
async def test_a_request_without_a_known_bearer_token_is_401_with_a_graphql_error(
    api: Api, tokens: dict[Role, str], authorization: str | None
) -> None:
    # given
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(officer=tokens[Role.OFFICER])

    # when
    response = await api.client.post("/graphql", json={"query": ME}, headers=headers)

    # then
    assert response.status_code == 401
    body = response.json()
    assert body.get("data") is None
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"]


async def test_a_get_query_without_a_token_is_401(api: Api) -> None:
    # when
    response = await api.client.get(
        "/graphql", params={"query": ME}, headers={"Accept": "application/json"}
    )

    # then
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_a_mutation_with_an_unknown_token_writes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    call = await call_intake(api, clock)
    before = await stored_rows(engine)

    # when
    response = await api.client.post(
        "/graphql",
        json={"query": call.document, "variables": call.variables},
        headers={"Authorization": "Bearer ct_forgedtokenforgedtokenforgedtokenforged0"},
    )

    # then
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert await stored_rows(engine) == before


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_token_authenticates_as_its_name_and_role(api: Api, role: Role) -> None:
    # when
    response = await api.post(ME, role=role)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "data": {"me": {"name": f"test-{role.value.lower()}", "role": role.value}}
    }


# ---------------------------------------------------------------- the role table


async def test_the_role_table_covers_every_root_field_and_mutation_served(api: Api) -> None:
    # when
    served = (await api.data(ROOT_FIELDS))["__schema"]

    # then
    assert {f["name"] for f in served["queryType"]["fields"]} == set(QUERIES)
    assert {f["name"] for f in served["mutationType"]["fields"]} == set(MUTATIONS)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_the_role_table_decides_every_call(
    api: Api, clock: Clock, engine: AsyncEngine, operation: str, role: Role
) -> None:
    # given
    prepare, allowed = OPERATIONS[operation]
    call = await prepare(api, clock)
    records_before = await case_records(api)
    rows_before = await stored_rows(engine)

    # when
    body = await api.gql(call.document, call.variables, role=role)

    # then
    if role in allowed:
        assert "FORBIDDEN" not in error_codes(body)
        assert "errors" not in body, body["errors"]
        if operation in MUTATIONS:
            assert body["data"][operation]["userErrors"] == []
            assert await stored_rows(engine) != rows_before
        else:
            assert await stored_rows(engine) == rows_before
    else:
        assert error_codes(body) == ["FORBIDDEN"]
        assert body["data"] is None or body["data"][operation] is None
        assert await case_records(api) == records_before
        assert await stored_rows(engine) == rows_before


# ---------------------------------------------------------------- integrations and hearings

HEARING_WITH_CHILD = "query { hearings { edges { node { court child { firstName } } } } }"
HEARING_WITH_CHILD_IN_FRAGMENT = """
query { hearings { edges { node { ...Seen } } } }
fragment Seen on Hearing { court child { firstName } }"""
HEARING_WITH_CHILD_ALIASED = (
    "query { hearings { edges { node { court minor: child { firstName } } } } }"
)
HEARING_NODE_WITH_CHILD = """
query Node($id: ID!) { node(id: $id) { ... on Hearing { court child { firstName } } } }"""


async def test_integration_reads_hearings(api: Api, clock: Clock, engine: AsyncEngine) -> None:
    # given
    child = await intake_child(api, clock, firstName="Zuleyma")
    hearing_id = await hearing_of(engine, clock, child["id"])

    # when
    listed = await api.data(HEARINGS, role=Role.INTEGRATION)
    node = await api.data(NODE, {"id": hearing_id}, role=Role.INTEGRATION)

    # then
    assert listed["hearings"]["totalCount"] == 1
    assert listed["hearings"]["edges"][0]["node"] == {
        "id": hearing_id,
        "court": "SNA",
        "status": "SCHEDULED",
    }
    assert node["node"] == {"id": hearing_id, "court": "SNA", "status": "SCHEDULED"}


@pytest.mark.parametrize(
    "document",
    [
        HEARING_WITH_CHILD,
        HEARING_WITH_CHILD_IN_FRAGMENT,
        HEARING_WITH_CHILD_ALIASED,
        HEARING_NODE_WITH_CHILD,
    ],
    ids=["selected", "in-a-fragment", "aliased", "through-node"],
)
async def test_integration_cannot_reach_the_child_behind_a_hearing(
    api: Api, clock: Clock, engine: AsyncEngine, document: str
) -> None:
    # given
    child = await intake_child(api, clock, firstName="Zuleyma")
    hearing_id = await hearing_of(engine, clock, child["id"])

    # when
    response = await api.post(document, {"id": hearing_id}, role=Role.INTEGRATION)

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["FORBIDDEN"]
    assert "Zuleyma" not in response.text


async def test_an_officer_reaches_the_child_behind_a_hearing(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await intake_child(api, clock, firstName="Zuleyma")
    await hearing_of(engine, clock, child["id"])

    # when
    data = await api.data(HEARING_WITH_CHILD)

    # then
    assert data["hearings"]["edges"] == [
        {"node": {"court": "SNA", "child": {"firstName": "Zuleyma"}}}
    ]


@pytest.mark.parametrize("record", ["Child", "Sponsor", "Address", "CustodyEvent"])
async def test_integration_cannot_read_a_case_record_by_node(
    api: Api, clock: Clock, record: str
) -> None:
    # given
    child = await released_child(api, clock, firstName="Zuleyma")
    ids = (
        await api.data(
            """query($id: ID!) { child(id: $id) {
                 id sponsor { id } currentAddress { id } custodyEvents { id } } }""",
            {"id": child["id"]},
        )
    )["child"]
    record_id = {
        "Child": ids["id"],
        "Sponsor": ids["sponsor"]["id"],
        "Address": ids["currentAddress"]["id"],
        "CustodyEvent": ids["custodyEvents"][0]["id"],
    }[record]

    # when
    response = await api.post(NODE, {"id": record_id}, role=Role.INTEGRATION)

    # then
    assert error_codes(response.json()) == ["FORBIDDEN"]
    assert response.json()["data"] == {"node": None}
    assert "Zuleyma" not in response.text
    assert "María" not in response.text


# ---------------------------------------------------------------- API tokens


async def create_token(api: Api, name: str, role: str) -> dict[str, Any]:
    data = await api.data(CREATE_TOKEN, {"input": {"name": name, "role": role}}, role=Role.ADMIN)
    payload: dict[str, Any] = data["createApiToken"]
    return payload


async def me_with(api: Api, token: str) -> Any:
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["me"]


@pytest.mark.parametrize("role", list(Role))
async def test_a_created_token_authenticates_with_its_name_and_role(api: Api, role: Role) -> None:
    # when
    payload = await create_token(api, f"caseworker {role.value.lower()} 7", role.value)

    # then
    assert payload["userErrors"] == []
    assert payload["actor"] == {"name": f"caseworker {role.value.lower()} 7", "role": role.value}
    assert isinstance(payload["token"], str)
    assert len(payload["token"]) >= 32
    assert await me_with(api, payload["token"]) == payload["actor"]


async def test_each_created_token_is_different(api: Api) -> None:
    # when
    first = await create_token(api, "feed-one", "INTEGRATION")
    second = await create_token(api, "feed-two", "INTEGRATION")

    # then
    assert first["token"] != second["token"]
    assert await me_with(api, first["token"]) == {"name": "feed-one", "role": "INTEGRATION"}
    assert await me_with(api, second["token"]) == {"name": "feed-two", "role": "INTEGRATION"}


@pytest.mark.parametrize("name", ["court-feed", "  court-feed  ", "test-officer"])
async def test_a_token_name_already_taken_is_a_duplicate(
    api: Api, engine: AsyncEngine, name: str
) -> None:
    # given "court-feed" and the fixture's "test-officer" exist
    await create_token(api, "court-feed", "INTEGRATION")
    before = await stored_rows(engine)

    # when
    payload = await create_token(api, name, "ADMIN")

    # then
    assert payload["token"] is None
    assert payload["actor"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "name"])
    assert error["message"]
    assert name.strip() not in error["message"]
    assert await stored_rows(engine) == before


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
async def test_a_blank_token_name_is_invalid(api: Api, engine: AsyncEngine, name: str) -> None:
    # given
    before = await stored_rows(engine)

    # when
    payload = await create_token(api, name, "OFFICER")

    # then
    assert payload["token"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["input", "name"])
    assert error["message"]
    assert await stored_rows(engine) == before


async def test_tokens_are_stored_only_as_hashes(
    api: Api, engine: AsyncEngine, tokens: dict[Role, str]
) -> None:
    # given tokens made by the fixture and one made through the API
    created = (await create_token(api, "court-feed", "INTEGRATION"))["token"]
    secrets = [*tokens.values(), created]

    # when
    async with session_factory(engine)() as session:
        rows = (await session.exec(select(models.ApiToken))).all()

    # then no stored value holds a token, nor the random part of one
    assert len(rows) == len(secrets)
    stored = [str(value) for row in rows for value in row.model_dump().values()]
    for secret in secrets:
        random_part = secret[-32:]
        assert all(secret not in value and random_part not in value for value in stored)
    for secret in secrets:
        assert (await me_with(api, secret))["name"]
