"""The court docket import through the API: each row keyed by (A-number, court, instant)
creates a hearing, updates its status or changes nothing; bad rows are listed by line while
the good ones are applied; the same file twice changes nothing the second time."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from audit.tables import AuditEvent
from models.db import session_factory
from models.enums import Role
from resolvers.docket import BATCH_ROWS
from tests.conftest import Api, Clock
from tests.factories import (
    UPDATE_ALERT,
    intake_child,
    iso,
    mutate,
    released_child,
    scheduled_hearing,
    stored_rows,
)

HEADER = "a_number,court,hearing_type,scheduled_for,status,in_absentia_order"
IMPORT_DOCKET = """
mutation Import($input: ImportDocketInput!) {
  importDocket(input: $input) {
    created updated unchanged
    rejected { line message }
    userErrors { code message field }
  }
}"""
CASE = """
query Case($id: ID!) {
  child(id: $id) {
    version
    notices { id }
    hearings { court type scheduledFor status inAbsentiaOrder }
    alerts { kind status }
  }
}"""
ALERTS = """
query Alerts($filter: AlertFilter) {
  alerts(filter: $filter) { totalCount edges { node { kind status child { id } } } }
}"""
AUDIT_LOG = """
query Log($filter: AuditFilter, $first: Int) {
  auditLog(filter: $filter, first: $first) {
    totalCount
    edges { node { action entityType actor { name role } } }
  }
}"""
CHILD_ALERTS = """
query ChildAlerts($id: ID!) { child(id: $id) { alerts { id } } }"""
CHILDREN = """
query Children($first: Int) {
  children(first: $first) { edges { node { id aNumber version hearings { status } } } }
}"""

DOCKET_WRITERS = [Role.INTEGRATION, Role.OFFICER, Role.SUPERVISOR]
NOT_DOCKET_WRITERS = [Role.OVERSIGHT, Role.ADMIN]
# The names intake_child gives every child: they must never come back in a message.
NAMES = ("Ana", "Lucía", "Pérez", "Gómez")
# Two weeks after the clock's 2026-06-01T12:00Z.
FUTURE = "2026-06-15T15:00:00+00:00"


# ---------------------------------------------------------------- helpers


def row(
    a_number: str,
    at: str,
    *,
    court: str = "HOU",
    kind: str = "MASTER_CALENDAR",
    status: str = "",
    in_absentia: str = "",
) -> str:
    return ",".join([a_number, court, kind, at, status, in_absentia])


def docket(*rows: str) -> str:
    """A CSV docket: the header (line 1), then the rows (line 2 onwards)."""
    return "\n".join([HEADER, *rows]) + "\n"


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def totals(payload: dict[str, Any]) -> tuple[int, int, int, list[int]]:
    """(created, updated, unchanged, rejected lines) of an import that raised no user error."""
    assert payload["userErrors"] == [], payload["userErrors"]
    lines = [rejected["line"] for rejected in payload["rejected"]]
    return payload["created"], payload["updated"], payload["unchanged"], lines


async def import_docket(api: Api, csv: str, *, role: Role = Role.OFFICER) -> dict[str, Any]:
    return await mutate(api, IMPORT_DOCKET, "importDocket", {"csv": csv}, role=role)


async def case(api: Api, child_id: str) -> dict[str, Any]:
    record: dict[str, Any] = (await api.data(CASE, {"id": child_id}))["child"]
    return record


async def version(api: Api, child_id: str) -> int:
    found: int = (await case(api, child_id))["version"]
    return found


async def import_events(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    """(actor name, actor role, entity type) of every history event of an import."""
    async with session_factory(engine)() as session:
        events = await session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "importDocket")
            .order_by(col(AuditEvent.sequence))
        )
        return [(e.actor_name, e.actor_role, e.entity_type) for e in events]


async def event_count(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        count: int = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
        return count


def dashed(a_number: str) -> str:
    """A123-456-789, as a court writes an A-number."""
    return f"A{a_number[:3]}-{a_number[3:6]}-{a_number[6:]}"


# ---------------------------------------------------------------- new hearings


async def test_a_new_key_creates_a_scheduled_hearing_without_a_filed_notice(
    api: Api, clock: Clock
) -> None:
    # given a child with no notice to appear on record
    child = await released_child(api, clock)
    start = await version(api, child["id"])

    # when
    payload = await import_docket(api, docket(row(child["aNumber"], FUTURE)))

    # then
    assert totals(payload) == (1, 0, 0, [])
    record = await case(api, child["id"])
    assert record["notices"] == []
    assert [
        {k: v for k, v in hearing.items() if k != "scheduledFor"} for hearing in record["hearings"]
    ] == [
        {"court": "HOU", "type": "MASTER_CALENDAR", "status": "SCHEDULED", "inAbsentiaOrder": False}
    ]
    assert instant(record["hearings"][0]["scheduledFor"]) == instant(FUTURE)
    assert record["version"] == start + 1
    assert record["alerts"] == []


@pytest.mark.parametrize("status", ["", "SCHEDULED", "scheduled"])
async def test_a_blank_or_scheduled_status_creates_a_scheduled_hearing(
    api: Api, clock: Clock, status: str
) -> None:
    # given
    child = await intake_child(api, clock)

    # when
    payload = await import_docket(
        api, docket(row(child["aNumber"], FUTURE, kind="INDIVIDUAL", status=status))
    )

    # then
    assert totals(payload) == (1, 0, 0, [])
    hearings = (await case(api, child["id"]))["hearings"]
    assert [(h["type"], h["status"]) for h in hearings] == [("INDIVIDUAL", "SCHEDULED")]


async def test_three_rows_for_one_child_in_one_file_are_one_change_of_the_case(
    api: Api, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    other = await released_child(api, clock)
    start, other_start = await version(api, child["id"]), await version(api, other["id"])

    # when
    payload = await import_docket(
        api,
        docket(
            row(child["aNumber"], "2026-06-10T15:00:00Z"),
            row(child["aNumber"], "2026-06-10T15:00:00Z", court="SNA"),
            row(child["aNumber"], "2026-07-01T16:30:00Z", kind="INDIVIDUAL"),
        ),
    )

    # then
    assert totals(payload) == (3, 0, 0, [])
    hearings = (await case(api, child["id"]))["hearings"]
    assert sorted((h["court"], h["type"], instant(h["scheduledFor"])) for h in hearings) == [
        ("HOU", "INDIVIDUAL", datetime(2026, 7, 1, 16, 30, tzinfo=UTC)),
        ("HOU", "MASTER_CALENDAR", datetime(2026, 6, 10, 15, tzinfo=UTC)),
        ("SNA", "MASTER_CALENDAR", datetime(2026, 6, 10, 15, tzinfo=UTC)),
    ]
    assert await version(api, child["id"]) == start + 1
    assert await version(api, other["id"]) == other_start


async def test_each_import_that_changes_a_case_counts_one_version(api: Api, clock: Clock) -> None:
    # given a child whose docket has been imported once
    child = await intake_child(api, clock)
    first = docket(
        row(child["aNumber"], "2026-06-10T15:00:00Z"),
        row(child["aNumber"], "2026-06-11T15:00:00Z"),
    )
    assert totals(await import_docket(api, first)) == (2, 0, 0, [])
    start = await version(api, child["id"])

    # when both hearings are cancelled and a third is listed, in one file
    second = docket(
        row(child["aNumber"], "2026-06-10T15:00:00Z", status="CANCELLED"),
        row(child["aNumber"], "2026-06-11T15:00:00Z", status="CANCELLED"),
        row(child["aNumber"], "2026-06-12T15:00:00Z"),
    )
    payload = await import_docket(api, second)

    # then
    assert totals(payload) == (1, 2, 0, [])
    assert await version(api, child["id"]) == start + 1
    statuses = [h["status"] for h in (await case(api, child["id"]))["hearings"]]
    assert sorted(statuses) == ["CANCELLED", "CANCELLED", "SCHEDULED"]


# ---------------------------------------------------------------- known keys


async def test_a_known_key_takes_appeared_once_the_hearing_has_taken_place(
    api: Api, clock: Clock
) -> None:
    # given a hearing the docket listed two days ahead
    child = await released_child(api, clock)
    at = iso(clock() + timedelta(days=2))
    assert totals(await import_docket(api, docket(row(child["aNumber"], at)))) == (1, 0, 0, [])
    start = await version(api, child["id"])

    # when three days pass and the docket says the child appeared
    clock.advance(days=3)
    payload = await import_docket(api, docket(row(child["aNumber"], at, status="APPEARED")))

    # then
    assert totals(payload) == (0, 1, 0, [])
    record = await case(api, child["id"])
    assert [(h["status"], h["inAbsentiaOrder"]) for h in record["hearings"]] == [
        ("APPEARED", False)
    ]
    assert instant(record["hearings"][0]["scheduledFor"]) == instant(at)
    assert record["version"] == start + 1
    assert record["alerts"] == []


async def test_failed_to_appear_with_an_in_absentia_order_updates_a_scheduled_hearing(
    api: Api, clock: Clock
) -> None:
    # given a hearing two days ago, scheduled through the API at court HOU
    child = await released_child(api, clock)
    when = clock() - timedelta(days=2)
    await scheduled_hearing(api, clock, child, at=when)
    start = await version(api, child["id"])

    # when the docket lists it (court in lower case, padded) as a failure to appear
    payload = await import_docket(
        api,
        docket(
            row(
                child["aNumber"],
                iso(when),
                court=" hou ",
                status="FAILED_TO_APPEAR",
                in_absentia="true",
            )
        ),
    )

    # then
    assert totals(payload) == (0, 1, 0, [])
    record = await case(api, child["id"])
    assert [(h["court"], h["status"], h["inAbsentiaOrder"]) for h in record["hearings"]] == [
        ("HOU", "FAILED_TO_APPEAR", True)
    ]
    assert record["version"] == start + 1
    assert record["alerts"] == [{"kind": "FAILED_TO_APPEAR", "status": "OPEN"}]
    listed = (await api.data(ALERTS, {"filter": {"kind": ["FAILED_TO_APPEAR"]}}))["alerts"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == {
        "kind": "FAILED_TO_APPEAR",
        "status": "OPEN",
        "child": {"id": child["id"]},
    }


async def test_a_new_key_with_failed_to_appear_raises_an_open_alert(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    other = await released_child(api, clock)

    # when
    payload = await import_docket(
        api,
        docket(
            row(child["aNumber"], iso(clock() - timedelta(days=1)), status="FAILED_TO_APPEAR"),
            row(other["aNumber"], iso(clock() - timedelta(days=1)), status="APPEARED"),
        ),
    )

    # then
    assert totals(payload) == (2, 0, 0, [])
    record = await case(api, child["id"])
    assert [(h["status"], h["inAbsentiaOrder"]) for h in record["hearings"]] == [
        ("FAILED_TO_APPEAR", False)
    ]
    assert record["alerts"] == [{"kind": "FAILED_TO_APPEAR", "status": "OPEN"}]
    assert (await case(api, other["id"]))["alerts"] == []
    assert (await api.data(ALERTS))["alerts"]["totalCount"] == 1


async def test_a_failure_to_appear_corrected_to_appeared_resolves_the_alert(
    api: Api, clock: Clock
) -> None:
    # given a failure to appear two days ago, imported, and the alert it raised
    child = await released_child(api, clock)
    at = iso(clock() - timedelta(days=2))
    failed = docket(row(child["aNumber"], at, status="FAILED_TO_APPEAR"))
    assert totals(await import_docket(api, failed)) == (1, 0, 0, [])
    assert (await case(api, child["id"]))["alerts"] == [
        {"kind": "FAILED_TO_APPEAR", "status": "OPEN"}
    ]

    # when the court corrects its docket: the child appeared
    payload = await import_docket(api, docket(row(child["aNumber"], at, status="APPEARED")))

    # then
    assert totals(payload) == (0, 1, 0, [])
    record = await case(api, child["id"])
    assert [h["status"] for h in record["hearings"]] == ["APPEARED"]
    assert record["alerts"] == [{"kind": "FAILED_TO_APPEAR", "status": "RESOLVED"}]


async def test_an_appearance_after_a_failure_to_appear_resolves_the_alert(
    api: Api, clock: Clock
) -> None:
    # given a failure to appear five days ago, imported, and the alert it raised
    child = await released_child(api, clock)
    failed = docket(
        row(child["aNumber"], iso(clock() - timedelta(days=5)), status="FAILED_TO_APPEAR")
    )
    assert totals(await import_docket(api, failed)) == (1, 0, 0, [])

    # when the docket lists a later hearing the child appeared at
    payload = await import_docket(
        api,
        docket(row(child["aNumber"], iso(clock() - timedelta(days=1)), status="APPEARED")),
    )

    # then
    assert totals(payload) == (1, 0, 0, [])
    assert (await case(api, child["id"]))["alerts"] == [
        {"kind": "FAILED_TO_APPEAR", "status": "RESOLVED"}
    ]


async def test_a_new_failure_to_appear_raises_the_alert_again_after_a_resolution(
    api: Api, clock: Clock
) -> None:
    # given a failure to appear five days ago whose alert a supervisor resolved
    child = await released_child(api, clock)
    first = docket(
        row(child["aNumber"], iso(clock() - timedelta(days=5)), status="FAILED_TO_APPEAR")
    )
    assert totals(await import_docket(api, first)) == (1, 0, 0, [])
    listed = (await api.data(ALERTS, {"filter": {"kind": ["FAILED_TO_APPEAR"]}}))["alerts"]
    assert listed["totalCount"] == 1
    alert_id = (await api.data(CHILD_ALERTS, {"id": child["id"]}))["child"]["alerts"][0]["id"]
    resolved = await mutate(
        api,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": alert_id, "status": "RESOLVED"},
        role=Role.SUPERVISOR,
    )
    assert resolved["userErrors"] == []

    # when the docket lists a hearing the child is to attend, then a second failure to appear
    upcoming = await import_docket(api, docket(row(child["aNumber"], FUTURE)))
    after_upcoming = (await case(api, child["id"]))["alerts"]
    second = await import_docket(
        api,
        docket(row(child["aNumber"], iso(clock() - timedelta(days=1)), status="FAILED_TO_APPEAR")),
    )

    # then the resolution stood until the new failure, which raised the kind again
    assert totals(upcoming) == (1, 0, 0, [])
    assert after_upcoming == [{"kind": "FAILED_TO_APPEAR", "status": "RESOLVED"}]
    assert totals(second) == (1, 0, 0, [])
    assert sorted(a["status"] for a in (await case(api, child["id"]))["alerts"]) == [
        "OPEN",
        "RESOLVED",
    ]


# ---------------------------------------------------------------- the same file again


async def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a docket of four rows for two children, imported once
    child = await released_child(api, clock)
    other = await released_child(api, clock)
    past = iso(clock() - timedelta(days=3))
    csv = docket(
        row(child["aNumber"], FUTURE),
        row(child["aNumber"], past, status="FAILED_TO_APPEAR", in_absentia="true"),
        row(other["aNumber"], past, court="SNA", kind="INDIVIDUAL", status="APPEARED"),
        row(other["aNumber"], FUTURE, status="CANCELLED"),
    )
    assert totals(await import_docket(api, csv)) == (4, 0, 0, [])
    before = await stored_rows(engine)
    events = await event_count(engine)

    # when
    payload = await import_docket(api, csv)

    # then
    assert totals(payload) == (0, 0, 4, [])
    assert await event_count(engine) == events
    assert await stored_rows(engine) == before


async def test_a_file_listing_one_hearing_twice_changes_nothing_when_imported_again(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a docket that lists one hearing first as scheduled, then as cancelled, imported once
    child = await released_child(api, clock)
    csv = docket(
        row(child["aNumber"], FUTURE),
        row(child["aNumber"], FUTURE, status="CANCELLED"),
    )
    await import_docket(api, csv)
    assert [h["status"] for h in (await case(api, child["id"]))["hearings"]] == ["CANCELLED"]
    before = await stored_rows(engine)

    # when
    payload = await import_docket(api, csv)

    # then
    assert payload["userErrors"] == []
    assert (payload["created"], payload["updated"]) == (0, 0)
    assert await stored_rows(engine) == before


async def test_the_same_key_written_differently_is_the_same_hearing(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a hearing listed with an "A" and dashes, a padded lower-case court and a -05:00 time
    child = await released_child(api, clock)
    payload = await import_docket(
        api, docket(row(dashed(child["aNumber"]), "2026-06-20T10:00:00-05:00", court="  hou "))
    )
    assert totals(payload) == (1, 0, 0, [])
    before = await stored_rows(engine)

    # when the same hearing is listed with plain digits, upper case and the instant in UTC
    # (and again at +02:00: one hearing listed twice, so the later line applies)
    again = await import_docket(
        api,
        docket(
            row(child["aNumber"], "2026-06-20T15:00:00Z"),
            row(f"a{child['aNumber']}", "2026-06-20T17:00:00+02:00", court="HOU"),
        ),
    )

    # then
    assert totals(again) == (0, 0, 1, [2])
    assert "listed again on line 3" in again["rejected"][0]["message"]
    assert await stored_rows(engine) == before
    hearings = (await case(api, child["id"]))["hearings"]
    assert [(h["court"], instant(h["scheduledFor"])) for h in hearings] == [
        ("HOU", datetime(2026, 6, 20, 15, tzinfo=UTC))
    ]


async def test_a_status_change_on_a_key_written_with_another_offset_updates_that_hearing(
    api: Api, clock: Clock
) -> None:
    # given a hearing listed at 10:00-05:00 two days ago (15:00 UTC)
    child = await released_child(api, clock)
    listed = await import_docket(api, docket(row(child["aNumber"], "2026-05-30T10:00:00-05:00")))
    assert totals(listed) == (1, 0, 0, [])
    start = await version(api, child["id"])

    # when the docket says, in UTC, that the child appeared
    payload = await import_docket(
        api, docket(row(child["aNumber"], "2026-05-30T15:00:00Z", status="APPEARED"))
    )

    # then
    assert totals(payload) == (0, 1, 0, [])
    hearings = (await case(api, child["id"]))["hearings"]
    assert [(h["status"], instant(h["scheduledFor"])) for h in hearings] == [
        ("APPEARED", datetime(2026, 5, 30, 15, tzinfo=UTC))
    ]
    assert await version(api, child["id"]) == start + 1


# ---------------------------------------------------------------- rejected rows


async def test_bad_rows_are_listed_by_line_and_the_good_rows_are_applied(
    api: Api, clock: Clock
) -> None:
    # given two children born 2012-03-04, and a docket with a bad row of each kind between
    # two good ones
    child = await released_child(api, clock, dateOfBirth="2012-03-04")
    other = await released_child(api, clock, dateOfBirth="2012-03-04")
    number = child["aNumber"]
    past = iso(clock() - timedelta(days=2))
    csv = docket(
        row(number, FUTURE),  # 2: good
        row("987654321", FUTURE),  # 3: no child has this A-number
        row("12345", FUTURE),  # 4: malformed A-number
        row(number, FUTURE, kind="BOND"),  # 5: bad hearing type
        row(number, "2026-06-15T15:00:00"),  # 6: no offset
        row(number, "15 June 2026"),  # 7: not a date
        row(number, FUTURE, status="POSTPONED"),  # 8: unknown status
        row(number, past, status="OVERDUE"),  # 9: derived status
        row(number, past, status="APPEARED", in_absentia="true"),  # 10: order without FTA
        row(number, past, status="FAILED_TO_APPEAR", in_absentia="maybe"),  # 11
        row(number, "2026-06-03T15:00:00Z", status="APPEARED"),  # 12: not yet held
        row(number, "2012-03-03T15:00:00Z"),  # 13: before birth
        f"{number},HOU,MASTER_CALENDAR",  # 14: too few columns
        f"{number},HOU,MASTER_CALENDAR,{FUTURE},,,Ana Lucía,Pérez Gómez",  # 15: too many
        row(other["aNumber"], past, status="FAILED_TO_APPEAR", in_absentia="true"),  # 16: good
    )
    start, other_start = await version(api, child["id"]), await version(api, other["id"])

    # when
    payload = await import_docket(api, csv)

    # then
    assert totals(payload) == (2, 0, 0, list(range(3, 16)))
    messages = [rejected["message"] for rejected in payload["rejected"]]
    assert all(message.strip() for message in messages)
    for message in messages:
        for given in (number, dashed(number), "987654321", "12345", *NAMES):
            assert given not in message, message
    record = await case(api, child["id"])
    assert [(h["status"], instant(h["scheduledFor"])) for h in record["hearings"]] == [
        ("SCHEDULED", instant(FUTURE))
    ]
    assert record["version"] == start + 1
    assert record["alerts"] == []
    other_record = await case(api, other["id"])
    assert [(h["status"], h["inAbsentiaOrder"]) for h in other_record["hearings"]] == [
        ("FAILED_TO_APPEAR", True)
    ]
    assert other_record["version"] == other_start + 1
    assert other_record["alerts"] == [{"kind": "FAILED_TO_APPEAR", "status": "OPEN"}]


BAD_ROWS = [
    pytest.param("{other}", FUTURE, "", "", id="unknown-a-number"),
    pytest.param("A12-345", FUTURE, "", "", id="malformed-a-number"),
    pytest.param("{number}X", FUTURE, "", "", id="a-number-with-a-letter"),
    pytest.param("{number}", "2026-06-15T15:00:00", "", "", id="no-utc-offset"),
    pytest.param("{number}", "2026-06-15", "", "", id="date-without-time"),
    pytest.param("{number}", "next Monday", "", "", id="unparseable-date"),
    pytest.param("{number}", "", "", "", id="blank-date"),
    pytest.param("{number}", "9999-12-31T23:00:00-05:00", "", "", id="date-past-year-9999-in-utc"),
    pytest.param("{number}", "0001-01-01T00:30:00+01:00", "", "", id="date-before-year-1-in-utc"),
    pytest.param("{number}", FUTURE, "RESCHEDULED", "", id="unknown-status"),
    pytest.param("{number}", "2026-05-30T15:00:00Z", "OVERDUE", "", id="overdue-status"),
    pytest.param("{number}", "2026-05-30T15:00:00Z", "APPEARED", "true", id="order-appeared"),
    pytest.param("{number}", FUTURE, "", "true", id="order-scheduled"),
    pytest.param("{number}", "2026-05-30T15:00:00Z", "FAILED_TO_APPEAR", "maybe", id="order-maybe"),
    pytest.param("{number}", "2026-06-02T15:00:00Z", "APPEARED", "", id="appeared-in-future"),
    pytest.param("{number}", "2026-06-02T15:00:00Z", "FAILED_TO_APPEAR", "", id="failed-in-future"),
    pytest.param("{number}", "2011-12-31T23:00:00Z", "", "", id="before-birth"),
]


@pytest.mark.parametrize(("a_number", "at", "status", "in_absentia"), BAD_ROWS)
async def test_a_bad_row_alone_is_rejected_at_its_line_and_writes_nothing(
    api: Api,
    clock: Clock,
    engine: AsyncEngine,
    a_number: str,
    at: str,
    status: str,
    in_absentia: str,
) -> None:
    # given a child born 2012-01-01
    child = await released_child(api, clock, dateOfBirth="2012-01-01")
    given = a_number.format(number=child["aNumber"], other="987654321")
    before = await stored_rows(engine)

    # when
    payload = await import_docket(
        api, docket(row(given, at, status=status, in_absentia=in_absentia))
    )

    # then
    assert totals(payload) == (0, 0, 0, [2])
    message = payload["rejected"][0]["message"]
    assert message.strip()
    assert given not in message
    assert child["aNumber"] not in message
    assert await stored_rows(engine) == before


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("{number},HOU,MASTER_CALENDAR,2026-06-15T15:00:00Z,", id="five-columns"),
        pytest.param("{number}", id="one-column"),
        pytest.param(
            "{number},HOU,MASTER_CALENDAR,2026-06-15T15:00:00Z,,,Ana Lucía Pérez Gómez",
            id="seven-columns",
        ),
    ],
)
async def test_a_row_with_the_wrong_number_of_columns_is_rejected(
    api: Api, clock: Clock, engine: AsyncEngine, line: str
) -> None:
    # given
    child = await released_child(api, clock)
    before = await stored_rows(engine)

    # when
    payload = await import_docket(api, docket(line.format(number=child["aNumber"])))

    # then
    assert totals(payload) == (0, 0, 0, [2])
    message = payload["rejected"][0]["message"]
    assert message.strip()
    for given in (child["aNumber"], *NAMES):
        assert given not in message
    assert await stored_rows(engine) == before


async def test_rejected_lines_count_from_the_header_and_are_listed_in_order(
    api: Api, clock: Clock
) -> None:
    # given a docket whose bad rows are found both in reading (bad date) and in applying
    # (unknown A-number) across more rows than one batch
    child = await intake_child(api, clock)
    start = datetime(2026, 7, 1, 9, tzinfo=UTC)
    rows = [row(child["aNumber"], iso(start + timedelta(hours=i))) for i in range(BATCH_ROWS + 10)]
    rows[0] = row("987654321", FUTURE)  # line 2
    rows[5] = row(child["aNumber"], "soon")  # line 7
    rows[BATCH_ROWS + 3] = row("987654322", FUTURE)  # line BATCH_ROWS + 5

    # when
    payload = await import_docket(api, docket(*rows))

    # then
    assert totals(payload) == (BATCH_ROWS + 7, 0, 0, [2, 7, BATCH_ROWS + 5])


# ---------------------------------------------------------------- the file itself


@pytest.mark.parametrize(
    "first_line",
    [
        pytest.param(
            "a_number,court,type,scheduled_for,status,in_absentia_order", id="misnamed-column"
        ),
        pytest.param("a_number,court,hearing_type,scheduled_for,status", id="missing-column"),
        pytest.param(f"{HEADER},notes", id="extra-column"),
        pytest.param(f"a_number,{HEADER}", id="repeated-column"),
        pytest.param("{number},HOU,MASTER_CALENDAR,2026-06-15T15:00:00Z,,", id="no-header"),
    ],
)
async def test_a_wrong_header_is_invalid_and_writes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine, first_line: str
) -> None:
    # given a child, and a good row after the (wrong) first line
    child = await released_child(api, clock)
    text = "\n".join([first_line.format(number=child["aNumber"]), row(child["aNumber"], FUTURE)])
    before = await stored_rows(engine)

    # when
    payload = await import_docket(api, text + "\n")

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "csv"])
    ]
    assert all(e["message"] for e in payload["userErrors"])
    assert (payload["created"], payload["updated"], payload["unchanged"]) == (0, 0, 0)
    assert payload["rejected"] == []
    assert await stored_rows(engine) == before
    assert (await case(api, child["id"]))["hearings"] == []


async def test_an_empty_file_is_invalid_and_writes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    await released_child(api, clock)
    before = await stored_rows(engine)

    # when
    payload = await import_docket(api, "")

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "csv"])
    ]
    assert await stored_rows(engine) == before


async def test_a_header_only_docket_changes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    await released_child(api, clock)
    before = await stored_rows(engine)

    # when
    payload = await import_docket(api, docket())

    # then
    assert totals(payload) == (0, 0, 0, [])
    assert await stored_rows(engine) == before


# ---------------------------------------------------------------- roles and history


@pytest.mark.parametrize("role", DOCKET_WRITERS)
async def test_a_role_that_records_hearings_imports_and_the_history_names_its_token(
    api: Api, clock: Clock, engine: AsyncEngine, role: Role
) -> None:
    # given
    child = await released_child(api, clock)
    start = await version(api, child["id"])

    # when
    payload = await import_docket(api, docket(row(child["aNumber"], FUTURE)), role=role)

    # then
    assert totals(payload) == (1, 0, 0, [])
    assert await version(api, child["id"]) == start + 1
    token_name = f"test-{role.value.lower()}"
    assert sorted(await import_events(engine)) == [
        (token_name, role.value, "Child"),
        (token_name, role.value, "Hearing"),
    ]
    log = (
        await api.data(
            AUDIT_LOG, {"filter": {"action": "importDocket"}, "first": 10}, role=Role.OVERSIGHT
        )
    )["auditLog"]
    assert log["totalCount"] == 2
    assert sorted(
        (e["node"]["actor"]["name"], e["node"]["actor"]["role"], e["node"]["entityType"])
        for e in log["edges"]
    ) == [(token_name, role.value, "Child"), (token_name, role.value, "Hearing")]


async def test_a_failure_to_appear_import_records_the_alert_under_the_importer(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await released_child(api, clock)

    # when
    payload = await import_docket(
        api,
        docket(row(child["aNumber"], iso(clock() - timedelta(days=1)), status="FAILED_TO_APPEAR")),
        role=Role.INTEGRATION,
    )

    # then
    assert totals(payload) == (1, 0, 0, [])
    assert sorted(await import_events(engine)) == [
        ("test-integration", "INTEGRATION", "Alert"),
        ("test-integration", "INTEGRATION", "Child"),
        ("test-integration", "INTEGRATION", "Hearing"),
    ]


@pytest.mark.parametrize("role", NOT_DOCKET_WRITERS)
async def test_a_role_that_does_not_record_hearings_is_forbidden_and_writes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine, role: Role
) -> None:
    # given
    child = await released_child(api, clock)
    before = await stored_rows(engine)

    # when
    body = await api.gql(
        IMPORT_DOCKET, {"input": {"csv": docket(row(child["aNumber"], FUTURE))}}, role=role
    )

    # then
    assert [error["extensions"]["code"] for error in body.get("errors", [])] == ["FORBIDDEN"]
    assert body["data"] is None or body["data"]["importDocket"] is None
    assert await stored_rows(engine) == before
    assert (await case(api, child["id"]))["hearings"] == []


# ---------------------------------------------------------------- batches


async def test_a_docket_longer_than_a_batch_is_applied_in_full(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given 40 children and 1,200 rows, 30 per child, child after child
    children = [await intake_child(api, clock) for _ in range(40)]
    start = {child["aNumber"]: child["version"] for child in children}
    first_hearing = datetime(2026, 7, 1, 9, tzinfo=UTC)
    rows = [
        row(
            child["aNumber"],
            iso(first_hearing + timedelta(days=n)),
            court=("HOU", "SNA", "DAL")[n % 3],
            kind=("MASTER_CALENDAR", "INDIVIDUAL")[n % 2],
        )
        for child in children
        for n in range(30)
    ]
    assert len(rows) == 1_200 > 2 * BATCH_ROWS
    # a child's case changes once in each batch that holds one of its rows
    batches: dict[str, set[int]] = {}
    for index, child in enumerate(child for child in children for _ in range(30)):
        batches.setdefault(child["aNumber"], set()).add(index // BATCH_ROWS)
    csv = docket(*rows)

    # when
    payload = await import_docket(api, csv)
    again = await import_docket(api, csv)

    # then
    assert totals(payload) == (1_200, 0, 0, [])
    assert totals(again) == (0, 0, 1_200, [])
    found = (await api.data(CHILDREN, {"first": 100}))["children"]["edges"]
    assert len(found) == 40
    assert {
        node["aNumber"]: (node["version"], len(node["hearings"]))
        for node in (edge["node"] for edge in found)
    } == {number: (start[number] + len(batches[number]), 30) for number in start}
    assert sum(len(batch) for batch in batches.values()) > 40  # some child spans two batches
