"""Plain functions that build synthetic case records through the API, as a client would."""

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col

from audit.tables import AuditEvent
from models import Child
from models.db import session_factory
from models.enums import Role
from resolvers.unit import Actor, open_unit
from tests.conftest import Api, Clock

_a_numbers = itertools.count(200_000_001)

USER_ERRORS = "userErrors { code message field }"
CHILD_FIELDS = "id aNumber version custodyStatus locationStatus"

INTAKE = f"""
mutation Intake($input: IntakeChildInput!) {{
  intakeChild(input: $input) {{ child {{ {CHILD_FIELDS} }} {USER_ERRORS} }}
}}"""
TRANSFER = f"""
mutation Transfer($input: TransferToHhsInput!) {{
  transferToHhs(input: $input) {{ child {{ {CHILD_FIELDS} }} {USER_ERRORS} }}
}}"""
RELEASE = f"""
mutation Release($input: ReleaseToSponsorInput!) {{
  releaseToSponsor(input: $input) {{
    child {{ {CHILD_FIELDS} sponsor {{ id }} currentAddress {{ id line1 line2 city state postalCode }} }}
    {USER_ERRORS}
  }}
}}"""
CUSTODY_EVENT = f"""
mutation Event($input: RecordCustodyEventInput!) {{
  recordCustodyEvent(input: $input) {{ child {{ {CHILD_FIELDS} }} {USER_ERRORS} }}
}}"""
RECORD_ADDRESS = f"""
mutation Move($input: RecordAddressInput!) {{
  recordAddress(input: $input) {{
    address {{ id line1 line2 city state postalCode effectiveFrom effectiveTo source verification issues }}
    child {{ {CHILD_FIELDS} }}
    {USER_ERRORS}
  }}
}}"""
VERIFY_ADDRESS = f"""
mutation Verify($input: VerifyAddressInput!) {{
  verifyAddress(input: $input) {{
    address {{ id verification verifiedAt issues }}
    child {{ {CHILD_FIELDS} }}
    {USER_ERRORS}
  }}
}}"""
CONTACT_ATTEMPT = f"""
mutation Contact($input: RecordContactAttemptInput!) {{
  recordContactAttempt(input: $input) {{
    contactAttempt {{ id attemptedAt method outcome notes }}
    child {{ {CHILD_FIELDS} }}
    {USER_ERRORS}
  }}
}}"""

NOTICE_FIELDS = "id status issuedOn servedOn serviceMethod filedOn court"
ISSUE_NOTICE = f"""
mutation Issue($input: IssueNoticeInput!) {{
  issueNotice(input: $input) {{ notice {{ {NOTICE_FIELDS} }} {USER_ERRORS} }}
}}"""
SERVE_NOTICE = f"""
mutation Serve($input: ServeNoticeInput!) {{
  serveNotice(input: $input) {{ notice {{ {NOTICE_FIELDS} }} {USER_ERRORS} }}
}}"""
FILE_NOTICE = f"""
mutation File($input: FileNoticeInput!) {{
  fileNotice(input: $input) {{ notice {{ {NOTICE_FIELDS} }} {USER_ERRORS} }}
}}"""
HEARING_FIELDS = "id court type scheduledFor status inAbsentiaOrder"
SCHEDULE_HEARING = f"""
mutation Schedule($input: ScheduleHearingInput!) {{
  scheduleHearing(input: $input) {{ hearing {{ {HEARING_FIELDS} }} {USER_ERRORS} }}
}}"""
HEARING_OUTCOME = f"""
mutation Outcome($input: RecordHearingOutcomeInput!) {{
  recordHearingOutcome(input: $input) {{ hearing {{ {HEARING_FIELDS} }} {USER_ERRORS} }}
}}"""
RECORD_REPRESENTATION = f"""
mutation Represent($input: RecordRepresentationInput!) {{
  recordRepresentation(input: $input) {{
    representation {{ id attorneyName organization enteredOn withdrawnOn }}
    {USER_ERRORS}
  }}
}}"""
UPDATE_ALERT = f"""
mutation Alert($input: UpdateAlertInput!) {{
  updateAlert(input: $input) {{ alert {{ id kind status raisedAt detail }} {USER_ERRORS} }}
}}"""


def iso(moment: datetime) -> str:
    return moment.isoformat()


def new_a_number() -> str:
    return f"{next(_a_numbers):09d}"


def home_address(**overrides: Any) -> dict[str, Any]:
    address = {"line1": "1200 Main Street", "city": "Houston", "state": "TX", "postalCode": "77002"}
    address.update(overrides)
    return address


async def mutate(
    api: Api, document: str, name: str, input: dict[str, Any], role: Role = Role.OFFICER
) -> dict[str, Any]:
    """The payload of mutation `name`, which must not be a GraphQL error."""
    data = await api.data(document, {"input": input}, role=role)
    payload: dict[str, Any] = data[name]
    return payload


async def ok(api: Api, document: str, name: str, input: dict[str, Any]) -> dict[str, Any]:
    """The payload of a mutation that must succeed."""
    payload = await mutate(api, document, name, input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def send(
    api: Api,
    document: str,
    name: str,
    input: dict[str, Any],
    *,
    request_id: str,
    role: Role = Role.OFFICER,
) -> dict[str, Any]:
    """The payload of a mutation that must succeed, sent with the client's own X-Request-ID
    (which the response must echo)."""
    response = await api.client.post(
        "/graphql",
        json={"query": document, "variables": {"input": input}},
        headers={"Authorization": f"Bearer {api.tokens[role]}", "X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == request_id
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"][name]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def intake_child(api: Api, clock: Clock, **overrides: Any) -> dict[str, Any]:
    input = {
        "aNumber": new_a_number(),
        "firstName": "Ana Lucía",
        "lastName": "Pérez Gómez",
        "dateOfBirth": "2012-03-04",
        "countryOfBirth": "GT",
        "apprehendedAt": iso(clock() - timedelta(days=10)),
        "facility": "CBP Donna Processing Center",
    }
    input.update(overrides)
    child: dict[str, Any] = (await ok(api, INTAKE, "intakeChild", input))["child"]
    return child


async def in_hhs_child(
    api: Api, clock: Clock, *, transferred_days_ago: float = 9, **overrides: Any
) -> dict[str, Any]:
    overrides.setdefault("apprehendedAt", iso(clock() - timedelta(days=transferred_days_ago + 1)))
    child = await intake_child(api, clock, **overrides)
    payload = await ok(
        api,
        TRANSFER,
        "transferToHhs",
        {
            "childId": child["id"],
            "occurredAt": iso(clock() - timedelta(days=transferred_days_ago)),
            "facility": "Casa Padre",
        },
    )
    transferred: dict[str, Any] = payload["child"]
    return transferred


async def released_child(
    api: Api,
    clock: Clock,
    *,
    address: dict[str, Any] | None = None,
    sponsor_id: str | None = None,
    released_days_ago: float = 8,
    **overrides: Any,
) -> dict[str, Any]:
    """A child released to a sponsor (new unless `sponsor_id`) at `address`."""
    child = await in_hhs_child(api, clock, transferred_days_ago=released_days_ago + 1, **overrides)
    input: dict[str, Any] = {
        "childId": child["id"],
        "occurredAt": iso(clock() - timedelta(days=released_days_ago)),
        "address": address or home_address(),
    }
    if sponsor_id is None:
        input["sponsor"] = {
            "firstName": "María",
            "lastName": "Gómez",
            "relationship": "OTHER_RELATIVE",
            "phone": "(202) 555-0143",
        }
    else:
        input["sponsorId"] = sponsor_id
    released: dict[str, Any] = (await ok(api, RELEASE, "releaseToSponsor", input))["child"]
    return released


async def filed_notice(
    api: Api, clock: Clock, child: dict[str, Any], *, court: str = "HOU", days_ago: int = 6
) -> dict[str, Any]:
    """A Notice to Appear issued, served and filed at `court` for the child."""
    day = (clock() - timedelta(days=days_ago)).date().isoformat()
    notice = (
        await ok(
            api,
            ISSUE_NOTICE,
            "issueNotice",
            {"childId": child["id"], "issuedOn": day, "court": court},
        )
    )["notice"]
    await ok(
        api,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": day, "method": "PERSONAL"},
    )
    filed: dict[str, Any] = (
        await ok(api, FILE_NOTICE, "fileNotice", {"noticeId": notice["id"], "filedOn": day})
    )["notice"]
    return filed


async def scheduled_hearing(
    api: Api,
    clock: Clock,
    child: dict[str, Any],
    *,
    court: str = "HOU",
    at: datetime | None = None,
) -> dict[str, Any]:
    """A SCHEDULED master-calendar hearing at `court` (default: in two weeks), the notice
    filed there first."""
    await filed_notice(api, clock, child, court=court)
    hearing: dict[str, Any] = (
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": child["id"],
                "court": court,
                "type": "MASTER_CALENDAR",
                "scheduledFor": iso(at or clock() + timedelta(days=14)),
            },
        )
    )["hearing"]
    return hearing


async def stored_rows(engine: AsyncEngine) -> dict[str, list[str]]:
    """Every row of every table but the access log and the tokens' last use (which record
    reads, not records): what a refused call must leave exactly as it was."""
    async with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in await connection.execute(table.select()))
            for table in SQLModel.metadata.sorted_tables
            if table.name not in ("access_log", "api_token_use")
        }


async def children_with(engine: AsyncEngine, a_number: str) -> int:
    """How many children the database holds with this A-number (0 or 1)."""
    async with engine.connect() as connection:
        count = select(func.count()).select_from(Child).where(col(Child.a_number) == a_number)
        return int((await connection.execute(count)).scalar_one())


async def event_count(engine: AsyncEngine) -> int:
    """How many events the history holds."""
    async with engine.connect() as connection:
        count = select(func.count()).select_from(AuditEvent)
        return int((await connection.execute(count)).scalar_one())


TEST_WRITER = Actor(name="test-setup", role=Role.OFFICER)


async def insert_rows(engine: AsyncEngine, *rows: Any) -> None:
    """Write rows straight to the tables in one transaction, as a test's setup (recorded in the
    history like any write)."""
    sessions = session_factory(engine, writer=True)
    async with open_unit(sessions, TEST_WRITER, "test setup") as unit:
        unit.session.add_all(rows)
