"""A child's case in immigration court through the API: the Notice to Appear (issued, served,
filed), hearings and their outcomes, counsel of record, and the FAILED_TO_APPEAR alert an
officer acknowledges and a supervisor resolves."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models.enums import Role
from schema.ids import encode
from tests.conftest import Api, Clock
from tests.factories import (
    CUSTODY_EVENT,
    FILE_NOTICE,
    HEARING_OUTCOME,
    ISSUE_NOTICE,
    RECORD_REPRESENTATION,
    SCHEDULE_HEARING,
    SERVE_NOTICE,
    UPDATE_ALERT,
    filed_notice,
    in_hhs_child,
    intake_child,
    iso,
    mutate,
    ok,
    released_child,
    scheduled_hearing,
    stored_rows,
)

CASE = """
query Case($id: ID!) {
  child(id: $id) {
    version
    notices { id status issuedOn servedOn serviceMethod filedOn court }
    hearings { id court type scheduledFor status inAbsentiaOrder }
    nextHearing { id scheduledFor status }
    representation { id attorneyName organization enteredOn withdrawnOn }
    alerts { id kind status }
  }
}"""
REPRESENTATION_NODE = """
query Counsel($id: ID!) {
  node(id: $id) { ... on Representation { id attorneyName enteredOn withdrawnOn } }
}"""
ALERTS = """
query Alerts($filter: AlertFilter) {
  alerts(filter: $filter) { totalCount edges { node { id kind status child { id } } } }
}"""

CASE_WORKERS = frozenset({Role.OFFICER, Role.SUPERVISOR})
HEARING_WRITERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.INTEGRATION})

Error = tuple[str, list[str]]


# ---------------------------------------------------------------- helpers


def day(clock: Clock, days_ago: int) -> str:
    """The ISO date `days_ago` days before the clock's day (negative: in the future)."""
    return (clock() - timedelta(days=days_ago)).date().isoformat()


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def case(api: Api, child_id: str) -> dict[str, Any]:
    record: dict[str, Any] = (await api.data(CASE, {"id": child_id}))["child"]
    return record


async def version(api: Api, child_id: str) -> int:
    found: int = (await case(api, child_id))["version"]
    return found


async def refused(
    api: Api,
    engine: AsyncEngine,
    document: str,
    name: str,
    input: dict[str, Any],
    *,
    role: Role = Role.OFFICER,
) -> list[Error]:
    """The (code, field) of each user error of a mutation that must be refused and must leave
    every stored row as it was."""
    before = await stored_rows(engine)
    payload = await mutate(api, document, name, input, role=role)
    assert await stored_rows(engine) == before
    assert all(value is None for key, value in payload.items() if key != "userErrors"), payload
    assert all(error["message"] for error in payload["userErrors"])
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def forbidden(
    api: Api,
    engine: AsyncEngine,
    document: str,
    name: str,
    input: dict[str, Any],
    *,
    role: Role,
) -> None:
    """The call is a FORBIDDEN GraphQL error and writes nothing."""
    before = await stored_rows(engine)
    body = await api.gql(document, {"input": input}, role=role)
    assert [error["extensions"]["code"] for error in body.get("errors", [])] == ["FORBIDDEN"]
    assert body["data"] is None or body["data"][name] is None
    assert await stored_rows(engine) == before


async def issued_notice(
    api: Api, clock: Clock, child: dict[str, Any], *, days_ago: int = 6, court: str = "HOU"
) -> dict[str, Any]:
    payload = await ok(
        api,
        ISSUE_NOTICE,
        "issueNotice",
        {"childId": child["id"], "issuedOn": day(clock, days_ago), "court": court},
    )
    notice: dict[str, Any] = payload["notice"]
    return notice


async def served_notice(
    api: Api, clock: Clock, child: dict[str, Any], *, days_ago: int = 6, court: str = "HOU"
) -> dict[str, Any]:
    notice = await issued_notice(api, clock, child, days_ago=days_ago, court=court)
    payload = await ok(
        api,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": day(clock, days_ago), "method": "PERSONAL"},
    )
    served: dict[str, Any] = payload["notice"]
    return served


async def outcome(api: Api, hearing_id: str, status: str, **extra: Any) -> dict[str, Any]:
    payload = await ok(
        api,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing_id, "status": status, **extra},
    )
    hearing: dict[str, Any] = payload["hearing"]
    return hearing


async def counsel(
    api: Api, child_id: str, entered_on: str, attorney: str = "Elena Synthetic-Ruiz"
) -> dict[str, Any]:
    payload = await ok(
        api,
        RECORD_REPRESENTATION,
        "recordRepresentation",
        {
            "childId": child_id,
            "attorneyName": attorney,
            "organization": "Test Legal Aid Clinic",
            "enteredOn": entered_on,
        },
    )
    representation: dict[str, Any] = payload["representation"]
    return representation


async def failed_to_appear_alert(api: Api, clock: Clock) -> tuple[dict[str, Any], str]:
    """A released child who failed to appear two days ago, and the OPEN alert that raised."""
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    await outcome(api, hearing["id"], "FAILED_TO_APPEAR")
    alerts = (await case(api, child["id"]))["alerts"]
    assert [(a["kind"], a["status"]) for a in alerts] == [("FAILED_TO_APPEAR", "OPEN")]
    alert_id: str = alerts[0]["id"]
    return child, alert_id


# ---------------------------------------------------------------- Notices to Appear


async def test_a_notice_goes_issued_served_filed_and_each_step_is_one_version(
    api: Api, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    start = await version(api, child["id"])

    # when
    issued = (
        await ok(
            api,
            ISSUE_NOTICE,
            "issueNotice",
            {"childId": child["id"], "issuedOn": day(clock, 7), "court": "HOU"},
        )
    )["notice"]
    after_issue = await version(api, child["id"])
    served = (
        await ok(
            api,
            SERVE_NOTICE,
            "serveNotice",
            {"noticeId": issued["id"], "servedOn": day(clock, 5), "method": "MAIL"},
        )
    )["notice"]
    after_serve = await version(api, child["id"])
    filed = (
        await ok(
            api, FILE_NOTICE, "fileNotice", {"noticeId": issued["id"], "filedOn": day(clock, 2)}
        )
    )["notice"]

    # then
    assert issued == {
        "id": issued["id"],
        "status": "ISSUED",
        "issuedOn": "2026-05-25",
        "servedOn": None,
        "serviceMethod": None,
        "filedOn": None,
        "court": "HOU",
    }
    assert served == {
        **issued,
        "status": "SERVED",
        "servedOn": "2026-05-27",
        "serviceMethod": "MAIL",
    }
    assert filed == {**served, "status": "FILED", "filedOn": "2026-05-30"}
    record = await case(api, child["id"])
    assert record["notices"] == [filed]
    assert [after_issue, after_serve, record["version"]] == [start + 1, start + 2, start + 3]


async def test_issuing_a_notice_trims_and_upper_cases_the_court_code(
    api: Api, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)

    # when
    notice = await issued_notice(api, clock, child, court="  sna ")

    # then
    assert notice["court"] == "SNA"


async def test_dates_of_today_are_accepted_for_every_notice_step(api: Api, clock: Clock) -> None:
    # given a notice issued today (the clock is at noon UTC on 2026-06-01)
    child = await released_child(api, clock)
    notice = await issued_notice(api, clock, child, days_ago=0)

    # when served and filed the same day
    await ok(
        api,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": "2026-06-01", "method": "PERSONAL"},
    )
    filed = (
        await ok(
            api, FILE_NOTICE, "fileNotice", {"noticeId": notice["id"], "filedOn": "2026-06-01"}
        )
    )["notice"]

    # then
    assert (filed["status"], filed["issuedOn"], filed["servedOn"], filed["filedOn"]) == (
        "FILED",
        "2026-06-01",
        "2026-06-01",
        "2026-06-01",
    )


@pytest.mark.parametrize(
    "make_child",
    [
        pytest.param(intake_child, id="in-dhs-custody"),
        pytest.param(in_hhs_child, id="in-hhs-custody"),
        pytest.param(released_child, id="released-to-sponsor"),
    ],
)
async def test_a_notice_is_served_on_a_child_in_custody_or_with_a_sponsor(
    api: Api,
    clock: Clock,
    make_child: Callable[[Api, Clock], Awaitable[dict[str, Any]]],
) -> None:
    # given
    child = await make_child(api, clock)
    notice = await issued_notice(api, clock, child, days_ago=1)

    # when
    served = (
        await ok(
            api,
            SERVE_NOTICE,
            "serveNotice",
            {"noticeId": notice["id"], "servedOn": day(clock, 0), "method": "PERSONAL"},
        )
    )["notice"]

    # then
    assert (served["status"], served["servedOn"], served["serviceMethod"]) == (
        "SERVED",
        "2026-06-01",
        "PERSONAL",
    )


@pytest.mark.parametrize("kind", ["MISSING_FROM_HHS_CARE", "TURNED_18", "REMOVED_OR_DEPARTED"])
async def test_a_notice_cannot_be_served_on_a_child_out_of_reach(
    api: Api, clock: Clock, engine: AsyncEngine, kind: str
) -> None:
    # given a child (18 since 2026-05-28) issued a notice, then missing, adult or departed
    child = await in_hhs_child(api, clock, transferred_days_ago=4, dateOfBirth="2008-05-28")
    notice = await issued_notice(api, clock, child, days_ago=3)
    await ok(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {"childId": child["id"], "kind": kind, "occurredAt": iso(clock() - timedelta(hours=2))},
    )

    # when
    errors = await refused(
        api,
        engine,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": day(clock, 0), "method": "PERSONAL"},
    )

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "noticeId"])]
    assert [n["status"] for n in (await case(api, child["id"]))["notices"]] == ["ISSUED"]


async def test_a_notice_cannot_be_served_before_it_was_issued(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a notice issued three days ago
    child = await released_child(api, clock)
    notice = await issued_notice(api, clock, child, days_ago=3)

    # when served four days ago
    errors = await refused(
        api,
        engine,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": day(clock, 4), "method": "MAIL"},
    )

    # then
    assert errors == [("INVALID", ["input", "servedOn"])]


async def test_a_notice_cannot_be_filed_before_it_was_served(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a notice issued six days ago and served three days ago
    child = await released_child(api, clock)
    notice = await issued_notice(api, clock, child, days_ago=6)
    await ok(
        api,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": day(clock, 3), "method": "MAIL"},
    )

    # when filed four days ago: after issue, before service
    errors = await refused(
        api, engine, FILE_NOTICE, "fileNotice", {"noticeId": notice["id"], "filedOn": day(clock, 4)}
    )

    # then
    assert errors == [("INVALID", ["input", "filedOn"])]


@pytest.mark.parametrize("step", ["issueNotice", "serveNotice", "fileNotice"])
async def test_a_notice_date_in_the_future_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, step: str
) -> None:
    # given
    child = await released_child(api, clock)
    tomorrow = day(clock, -1)
    if step == "issueNotice":
        document, field = ISSUE_NOTICE, "issuedOn"
        input = {"childId": child["id"], "issuedOn": tomorrow, "court": "HOU"}
    elif step == "serveNotice":
        notice = await issued_notice(api, clock, child, days_ago=1)
        document, field = SERVE_NOTICE, "servedOn"
        input = {"noticeId": notice["id"], "servedOn": tomorrow, "method": "PERSONAL"}
    else:
        notice = await served_notice(api, clock, child, days_ago=1)
        document, field = FILE_NOTICE, "filedOn"
        input = {"noticeId": notice["id"], "filedOn": tomorrow}

    # when
    errors = await refused(api, engine, document, step, input)

    # then
    assert errors == [("INVALID", ["input", field])]


async def test_a_notice_issued_before_the_child_was_born_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a child born 2012-03-04
    child = await released_child(api, clock, dateOfBirth="2012-03-04")

    # when
    errors = await refused(
        api,
        engine,
        ISSUE_NOTICE,
        "issueNotice",
        {"childId": child["id"], "issuedOn": "2012-03-03", "court": "HOU"},
    )

    # then
    assert errors == [("INVALID", ["input", "issuedOn"])]


@pytest.mark.parametrize(
    ("state", "step"),
    [
        ("ISSUED", "fileNotice"),
        ("SERVED", "serveNotice"),
        ("FILED", "serveNotice"),
        ("FILED", "fileNotice"),
    ],
)
async def test_notice_steps_out_of_order_are_invalid_transitions(
    api: Api, clock: Clock, engine: AsyncEngine, state: str, step: str
) -> None:
    # given a notice in `state`
    child = await released_child(api, clock)
    if state == "ISSUED":
        notice = await issued_notice(api, clock, child)
    elif state == "SERVED":
        notice = await served_notice(api, clock, child)
    else:
        notice = await filed_notice(api, clock, child)
    assert notice["status"] == state

    # when
    if step == "serveNotice":
        document = SERVE_NOTICE
        input = {"noticeId": notice["id"], "servedOn": day(clock, 1), "method": "MAIL"}
    else:
        document, input = FILE_NOTICE, {"noticeId": notice["id"], "filedOn": day(clock, 1)}
    errors = await refused(api, engine, document, step, input)

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "noticeId"])]


@pytest.mark.parametrize(
    ("step", "document", "input"),
    [
        ("serveNotice", SERVE_NOTICE, {"servedOn": "2026-05-30", "method": "MAIL"}),
        ("fileNotice", FILE_NOTICE, {"filedOn": "2026-05-30"}),
    ],
)
async def test_serving_or_filing_an_unknown_notice_is_not_found(
    api: Api, clock: Clock, engine: AsyncEngine, step: str, document: str, input: dict[str, Any]
) -> None:
    # given a child on record, and a notice ID no notice has
    await released_child(api, clock)
    unknown = encode("Notice", uuid.uuid4())

    # when
    errors = await refused(api, engine, document, step, {"noticeId": unknown, **input})

    # then
    assert errors == [("NOT_FOUND", ["input", "noticeId"])]


# ---------------------------------------------------------------- scheduling hearings


async def test_a_hearing_is_scheduled_once_the_notice_is_filed_at_that_court(
    api: Api, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    await filed_notice(api, clock, child, court="HOU")
    start = await version(api, child["id"])
    when = clock() + timedelta(days=21)

    # when
    hearing = (
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": child["id"],
                "court": "HOU",
                "type": "INDIVIDUAL",
                "scheduledFor": iso(when),
            },
        )
    )["hearing"]

    # then
    assert {k: v for k, v in hearing.items() if k not in {"id", "scheduledFor"}} == {
        "court": "HOU",
        "type": "INDIVIDUAL",
        "status": "SCHEDULED",
        "inAbsentiaOrder": False,
    }
    assert instant(hearing["scheduledFor"]) == when
    record = await case(api, child["id"])
    assert record["version"] == start + 1
    assert [h["id"] for h in record["hearings"]] == [hearing["id"]]
    assert record["nextHearing"]["id"] == hearing["id"]


async def test_the_court_code_of_a_hearing_is_trimmed_and_upper_cased(
    api: Api, clock: Clock
) -> None:
    # given a notice filed at HOU
    child = await released_child(api, clock)
    await filed_notice(api, clock, child, court="HOU")

    # when the hearing is scheduled at " hou "
    hearing = (
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": child["id"],
                "court": " hou ",
                "type": "MASTER_CALENDAR",
                "scheduledFor": iso(clock() + timedelta(days=9)),
            },
        )
    )["hearing"]

    # then
    assert hearing["court"] == "HOU"


@pytest.mark.parametrize(
    "notice",
    [
        pytest.param("none", id="no-notice"),
        pytest.param("issued", id="notice-only-issued"),
        pytest.param("served", id="notice-only-served"),
        pytest.param("filed-elsewhere", id="notice-filed-at-another-court"),
    ],
)
async def test_a_hearing_without_a_filed_notice_at_that_court_is_an_invalid_transition(
    api: Api, clock: Clock, engine: AsyncEngine, notice: str
) -> None:
    # given
    child = await released_child(api, clock)
    if notice == "issued":
        await issued_notice(api, clock, child, court="HOU")
    elif notice == "served":
        await served_notice(api, clock, child, court="HOU")
    elif notice == "filed-elsewhere":
        await filed_notice(api, clock, child, court="SNA")

    # when
    errors = await refused(
        api,
        engine,
        SCHEDULE_HEARING,
        "scheduleHearing",
        {
            "childId": child["id"],
            "court": "HOU",
            "type": "MASTER_CALENDAR",
            "scheduledFor": iso(clock() + timedelta(days=14)),
        },
    )

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "court"])]


@pytest.mark.parametrize(
    ("court", "scheduled_for"),
    [
        pytest.param("HOU", "2026-06-15T14:00:00+00:00", id="same-input"),
        pytest.param(" hou", "2026-06-15T14:00:00+00:00", id="court-in-other-case"),
        pytest.param("HOU", "2026-06-15T09:00:00-05:00", id="same-instant-other-offset"),
    ],
)
async def test_a_second_hearing_for_the_same_child_court_and_time_is_a_duplicate(
    api: Api, clock: Clock, engine: AsyncEngine, court: str, scheduled_for: str
) -> None:
    # given a hearing at HOU at 2026-06-15 14:00 UTC
    child = await released_child(api, clock)
    await scheduled_hearing(
        api, clock, child, court="HOU", at=datetime.fromisoformat("2026-06-15T14:00:00+00:00")
    )

    # when
    errors = await refused(
        api,
        engine,
        SCHEDULE_HEARING,
        "scheduleHearing",
        {
            "childId": child["id"],
            "court": court,
            "type": "INDIVIDUAL",
            "scheduledFor": scheduled_for,
        },
    )

    # then
    assert errors == [("DUPLICATE", ["input", "scheduledFor"])]


async def test_the_same_time_at_another_court_or_for_another_child_is_no_duplicate(
    api: Api, clock: Clock
) -> None:
    # given a hearing for one child at HOU, notices filed at SNA for it and at HOU for another
    when = clock() + timedelta(days=14)
    child = await released_child(api, clock)
    other = await released_child(api, clock)
    await scheduled_hearing(api, clock, child, court="HOU", at=when)
    await filed_notice(api, clock, child, court="SNA")
    await filed_notice(api, clock, other, court="HOU")

    # when
    for who, court in ((child, "SNA"), (other, "HOU")):
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": who["id"],
                "court": court,
                "type": "MASTER_CALENDAR",
                "scheduledFor": iso(when),
            },
        )

    # then
    assert sorted(h["court"] for h in (await case(api, child["id"]))["hearings"]) == ["HOU", "SNA"]
    assert [h["court"] for h in (await case(api, other["id"]))["hearings"]] == ["HOU"]


async def test_a_hearing_before_the_child_was_born_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given a child born 2012-03-04 with a notice filed at HOU
    child = await released_child(api, clock, dateOfBirth="2012-03-04")
    await filed_notice(api, clock, child, court="HOU")

    # when
    errors = await refused(
        api,
        engine,
        SCHEDULE_HEARING,
        "scheduleHearing",
        {
            "childId": child["id"],
            "court": "HOU",
            "type": "MASTER_CALENDAR",
            "scheduledFor": "2012-03-01T15:00:00+00:00",
        },
    )

    # then
    assert errors == [("INVALID", ["input", "scheduledFor"])]


async def test_a_scheduled_hearing_whose_time_has_passed_reads_as_overdue(
    api: Api, clock: Clock
) -> None:
    # given one hearing two days ago and one in three hours
    child = await released_child(api, clock)
    past = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    soon = (
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": child["id"],
                "court": "HOU",
                "type": "MASTER_CALENDAR",
                "scheduledFor": iso(clock() + timedelta(hours=3)),
            },
        )
    )["hearing"]
    assert past["status"] == "OVERDUE"
    before = {h["id"]: h["status"] for h in (await case(api, child["id"]))["hearings"]}

    # when four hours pass
    clock.advance(hours=4)

    # then
    after = {h["id"]: h["status"] for h in (await case(api, child["id"]))["hearings"]}
    assert before == {past["id"]: "OVERDUE", soon["id"]: "SCHEDULED"}
    assert after == {past["id"]: "OVERDUE", soon["id"]: "OVERDUE"}


# ---------------------------------------------------------------- hearing outcomes


@pytest.mark.parametrize("status", ["APPEARED", "FAILED_TO_APPEAR", "CANCELLED"])
async def test_an_outcome_is_recorded_on_a_hearing_that_has_passed(
    api: Api, clock: Clock, status: str
) -> None:
    # given an overdue hearing
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    start = await version(api, child["id"])

    # when
    recorded = await outcome(api, hearing["id"], status)

    # then
    assert (recorded["id"], recorded["status"], recorded["inAbsentiaOrder"]) == (
        hearing["id"],
        status,
        False,
    )
    record = await case(api, child["id"])
    assert [h["status"] for h in record["hearings"]] == [status]
    assert record["version"] == start + 1


@pytest.mark.parametrize("status", ["APPEARED", "FAILED_TO_APPEAR"])
async def test_whether_the_child_appeared_cannot_be_recorded_before_the_hearing(
    api: Api, clock: Clock, engine: AsyncEngine, status: str
) -> None:
    # given a hearing in an hour
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() + timedelta(hours=1))

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": status},
    )

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "status"])]


async def test_a_future_hearing_can_be_cancelled(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() + timedelta(days=10))

    # when
    recorded = await outcome(api, hearing["id"], "CANCELLED")

    # then
    assert recorded["status"] == "CANCELLED"
    assert (await case(api, child["id"]))["nextHearing"] is None


@pytest.mark.parametrize("status", ["SCHEDULED", "OVERDUE"])
async def test_an_outcome_must_be_one_of_the_four_outcomes(
    api: Api, clock: Clock, engine: AsyncEngine, status: str
) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": status},
    )

    # then
    assert errors == [("INVALID", ["input", "status"])]


async def test_failed_to_appear_may_carry_an_in_absentia_order(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))

    # when
    recorded = await outcome(api, hearing["id"], "FAILED_TO_APPEAR", inAbsentiaOrder=True)

    # then
    assert (recorded["status"], recorded["inAbsentiaOrder"]) == ("FAILED_TO_APPEAR", True)
    assert [h["inAbsentiaOrder"] for h in (await case(api, child["id"]))["hearings"]] == [True]


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        ("APPEARED", {}),
        ("CANCELLED", {}),
        ("CONTINUED", {"continuedTo": "2026-07-01T15:00:00+00:00"}),
    ],
)
async def test_an_in_absentia_order_without_failure_to_appear_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, status: str, extra: dict[str, Any]
) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": status, "inAbsentiaOrder": True, **extra},
    )

    # then
    assert errors == [("INVALID", ["input", "inAbsentiaOrder"])]


async def test_a_continued_hearing_schedules_the_next_at_the_same_court_and_type(
    api: Api, clock: Clock
) -> None:
    # given an INDIVIDUAL hearing at SNA two days ago
    child = await released_child(api, clock)
    await filed_notice(api, clock, child, court="SNA")
    hearing = (
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": child["id"],
                "court": "SNA",
                "type": "INDIVIDUAL",
                "scheduledFor": iso(clock() - timedelta(days=2)),
            },
        )
    )["hearing"]
    start = await version(api, child["id"])
    next_time = clock() + timedelta(days=45)

    # when
    recorded = await outcome(api, hearing["id"], "CONTINUED", continuedTo=iso(next_time))

    # then
    assert recorded["status"] == "CONTINUED"
    record = await case(api, child["id"])
    assert record["version"] == start + 1
    later = [h for h in record["hearings"] if h["id"] != hearing["id"]]
    assert [(h["court"], h["type"], h["status"], h["inAbsentiaOrder"]) for h in later] == [
        ("SNA", "INDIVIDUAL", "SCHEDULED", False)
    ]
    assert instant(later[0]["scheduledFor"]) == next_time
    assert record["nextHearing"]["id"] == later[0]["id"]


@pytest.mark.parametrize(
    "offset",
    [pytest.param(timedelta(0), id="same-time"), pytest.param(-timedelta(hours=1), id="earlier")],
)
async def test_a_hearing_is_continued_only_to_a_later_time(
    api: Api, clock: Clock, engine: AsyncEngine, offset: timedelta
) -> None:
    # given
    child = await released_child(api, clock)
    at = clock() + timedelta(days=3)
    hearing = await scheduled_hearing(api, clock, child, at=at)

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": "CONTINUED", "continuedTo": iso(at + offset)},
    )

    # then
    assert errors == [("INVALID", ["input", "continuedTo"])]


@pytest.mark.parametrize("status", ["APPEARED", "FAILED_TO_APPEAR", "CANCELLED"])
async def test_continued_to_without_continued_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, status: str
) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {
            "hearingId": hearing["id"],
            "status": status,
            "continuedTo": iso(clock() + timedelta(days=30)),
        },
    )

    # then
    assert errors == [("INVALID", ["input", "continuedTo"])]


async def test_continued_without_a_continued_to_time_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": "CONTINUED"},
    )

    # then the error names the missing time or the status that needs it
    assert len(errors) == 1
    assert errors[0] in [("INVALID", ["input", "continuedTo"]), ("INVALID", ["input", "status"])]


async def test_continuing_onto_an_existing_hearing_of_that_court_is_a_duplicate(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given hearings at HOU two days ago and in ten days
    child = await released_child(api, clock)
    first = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    taken = clock() + timedelta(days=10)
    await ok(
        api,
        SCHEDULE_HEARING,
        "scheduleHearing",
        {
            "childId": child["id"],
            "court": "HOU",
            "type": "MASTER_CALENDAR",
            "scheduledFor": iso(taken),
        },
    )

    # when the first is continued to the second's time
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": first["id"], "status": "CONTINUED", "continuedTo": iso(taken)},
    )

    # then
    assert errors == [("DUPLICATE", ["input", "continuedTo"])]


@pytest.mark.parametrize("first", ["APPEARED", "FAILED_TO_APPEAR", "CANCELLED", "CONTINUED"])
@pytest.mark.parametrize("second", ["APPEARED", "CANCELLED"])
async def test_only_a_scheduled_hearing_takes_an_outcome(
    api: Api, clock: Clock, engine: AsyncEngine, first: str, second: str
) -> None:
    # given a hearing two days ago that already has outcome `first`
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    extra = {"continuedTo": iso(clock() + timedelta(days=20))} if first == "CONTINUED" else {}
    await outcome(api, hearing["id"], first, **extra)

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": second},
    )

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "hearingId"])]


async def test_an_outcome_for_an_unknown_hearing_is_not_found(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    await released_child(api, clock)

    # when
    errors = await refused(
        api,
        engine,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": encode("Hearing", uuid.uuid4()), "status": "CANCELLED"},
    )

    # then
    assert errors == [("NOT_FOUND", ["input", "hearingId"])]


# ---------------------------------------------------------------- representation


async def test_first_counsel_becomes_the_childs_representation(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)
    start = await version(api, child["id"])

    # when
    entered = await counsel(api, child["id"], day(clock, 3))

    # then
    assert entered == {
        "id": entered["id"],
        "attorneyName": "Elena Synthetic-Ruiz",
        "organization": "Test Legal Aid Clinic",
        "enteredOn": "2026-05-29",
        "withdrawnOn": None,
    }
    record = await case(api, child["id"])
    assert record["representation"] == entered
    assert record["version"] == start + 1


@pytest.mark.parametrize("days_between", [0, 4])
async def test_new_counsel_withdraws_the_previous_one_on_its_entry_date(
    api: Api, clock: Clock, days_between: int
) -> None:
    # given counsel who entered five days ago
    child = await released_child(api, clock)
    earlier = await counsel(api, child["id"], day(clock, 5), attorney="Tomás Synthetic-Vega")
    start = await version(api, child["id"])

    # when new counsel enters `days_between` days later
    entered_on = day(clock, 5 - days_between)
    later = await counsel(api, child["id"], entered_on, attorney="Irene Synthetic-Lago")

    # then
    withdrawn = (await api.data(REPRESENTATION_NODE, {"id": earlier["id"]}))["node"]
    assert withdrawn == {
        "id": earlier["id"],
        "attorneyName": "Tomás Synthetic-Vega",
        "enteredOn": "2026-05-27",
        "withdrawnOn": entered_on,
    }
    record = await case(api, child["id"])
    assert record["representation"]["id"] == later["id"]
    assert record["representation"]["withdrawnOn"] is None
    assert record["version"] == start + 1


async def test_counsel_entered_before_the_current_counsel_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given counsel who entered three days ago
    child = await released_child(api, clock)
    current = await counsel(api, child["id"], day(clock, 3))

    # when
    errors = await refused(
        api,
        engine,
        RECORD_REPRESENTATION,
        "recordRepresentation",
        {
            "childId": child["id"],
            "attorneyName": "Irene Synthetic-Lago",
            "enteredOn": day(clock, 4),
        },
    )

    # then
    assert errors == [("INVALID", ["input", "enteredOn"])]
    assert (await case(api, child["id"]))["representation"] == current


@pytest.mark.parametrize(
    "entered_on",
    [pytest.param("2026-06-02", id="tomorrow"), pytest.param("2012-03-03", id="before-birth")],
)
async def test_counsel_entered_in_the_future_or_before_birth_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine, entered_on: str
) -> None:
    # given a child born 2012-03-04
    child = await released_child(api, clock, dateOfBirth="2012-03-04")

    # when
    errors = await refused(
        api,
        engine,
        RECORD_REPRESENTATION,
        "recordRepresentation",
        {"childId": child["id"], "attorneyName": "Irene Synthetic-Lago", "enteredOn": entered_on},
    )

    # then
    assert errors == [("INVALID", ["input", "enteredOn"])]


# ---------------------------------------------------------------- roles


async def prepare(api: Api, clock: Clock, operation: str) -> tuple[str, str, dict[str, Any]]:
    """A child and a valid call of `operation` on its case: (child ID, document, input)."""
    child = await released_child(api, clock)
    if operation == "issueNotice":
        input = {"childId": child["id"], "issuedOn": day(clock, 5), "court": "HOU"}
        return child["id"], ISSUE_NOTICE, input
    if operation == "serveNotice":
        notice = await issued_notice(api, clock, child)
        input = {"noticeId": notice["id"], "servedOn": day(clock, 5), "method": "MAIL"}
        return child["id"], SERVE_NOTICE, input
    if operation == "fileNotice":
        notice = await served_notice(api, clock, child)
        return child["id"], FILE_NOTICE, {"noticeId": notice["id"], "filedOn": day(clock, 5)}
    if operation == "scheduleHearing":
        await filed_notice(api, clock, child)
        input = {
            "childId": child["id"],
            "court": "HOU",
            "type": "INDIVIDUAL",
            "scheduledFor": iso(clock() + timedelta(days=30)),
        }
        return child["id"], SCHEDULE_HEARING, input
    if operation == "recordHearingOutcome":
        hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
        return child["id"], HEARING_OUTCOME, {"hearingId": hearing["id"], "status": "APPEARED"}
    assert operation == "recordRepresentation"
    input = {
        "childId": child["id"],
        "attorneyName": "Elena Synthetic-Ruiz",
        "enteredOn": day(clock, 1),
    }
    return child["id"], RECORD_REPRESENTATION, input


OPERATIONS = {
    "issueNotice": CASE_WORKERS,
    "serveNotice": CASE_WORKERS,
    "fileNotice": CASE_WORKERS,
    "scheduleHearing": HEARING_WRITERS,
    "recordHearingOutcome": HEARING_WRITERS,
    "recordRepresentation": CASE_WORKERS,
}
ALLOWED = [(op, role) for op, roles in OPERATIONS.items() for role in Role if role in roles]
REFUSED = [(op, role) for op, roles in OPERATIONS.items() for role in Role if role not in roles]


@pytest.mark.parametrize(("operation", "role"), ALLOWED)
async def test_an_allowed_role_changes_the_case_by_exactly_one_version(
    api: Api, clock: Clock, operation: str, role: Role
) -> None:
    # given
    child_id, document, input = await prepare(api, clock, operation)
    start = await version(api, child_id)

    # when
    payload = await mutate(api, document, operation, input, role=role)

    # then
    assert payload["userErrors"] == []
    assert await version(api, child_id) == start + 1


@pytest.mark.parametrize(("operation", "role"), REFUSED)
async def test_a_role_outside_the_table_is_forbidden_and_writes_nothing(
    api: Api, clock: Clock, engine: AsyncEngine, operation: str, role: Role
) -> None:
    # given
    child_id, document, input = await prepare(api, clock, operation)
    start = await version(api, child_id)

    # when / then
    await forbidden(api, engine, document, operation, input, role=role)
    assert await version(api, child_id) == start


# ---------------------------------------------------------------- alerts


async def test_failure_to_appear_raises_an_open_alert_in_the_same_change(
    api: Api, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))
    start = await version(api, child["id"])
    assert (await case(api, child["id"]))["alerts"] == []

    # when
    await outcome(api, hearing["id"], "FAILED_TO_APPEAR")

    # then the alert is there, and only the outcome counted as a change of the case
    record = await case(api, child["id"])
    assert [(a["kind"], a["status"]) for a in record["alerts"]] == [("FAILED_TO_APPEAR", "OPEN")]
    assert record["version"] == start + 1
    listed = (await api.data(ALERTS, {"filter": {"kind": ["FAILED_TO_APPEAR"]}}))["alerts"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == {
        "id": record["alerts"][0]["id"],
        "kind": "FAILED_TO_APPEAR",
        "status": "OPEN",
        "child": {"id": child["id"]},
    }


@pytest.mark.parametrize("status", ["APPEARED", "CANCELLED"])
async def test_other_outcomes_raise_no_alert(api: Api, clock: Clock, status: str) -> None:
    # given
    child = await released_child(api, clock)
    hearing = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=2))

    # when
    await outcome(api, hearing["id"], status)

    # then
    assert (await case(api, child["id"]))["alerts"] == []
    assert (await api.data(ALERTS))["alerts"]["totalCount"] == 0


async def test_an_officer_acknowledges_an_open_alert_without_changing_the_case(
    api: Api, clock: Clock
) -> None:
    # given
    child, alert_id = await failed_to_appear_alert(api, clock)
    start = await version(api, child["id"])

    # when
    payload = await mutate(
        api, UPDATE_ALERT, "updateAlert", {"alertId": alert_id, "status": "ACKNOWLEDGED"}
    )

    # then
    assert payload["userErrors"] == []
    assert (payload["alert"]["id"], payload["alert"]["kind"], payload["alert"]["status"]) == (
        alert_id,
        "FAILED_TO_APPEAR",
        "ACKNOWLEDGED",
    )
    record = await case(api, child["id"])
    assert [(a["id"], a["status"]) for a in record["alerts"]] == [(alert_id, "ACKNOWLEDGED")]
    assert record["version"] == start


@pytest.mark.parametrize("acknowledged_first", [False, True])
async def test_a_supervisor_resolves_an_alert_without_changing_the_case(
    api: Api, clock: Clock, acknowledged_first: bool
) -> None:
    # given an OPEN (or ACKNOWLEDGED) alert
    child, alert_id = await failed_to_appear_alert(api, clock)
    if acknowledged_first:
        await ok(api, UPDATE_ALERT, "updateAlert", {"alertId": alert_id, "status": "ACKNOWLEDGED"})
    start = await version(api, child["id"])

    # when
    payload = await mutate(
        api,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": alert_id, "status": "RESOLVED", "note": "Synthetic note: spoke to sponsor."},
        role=Role.SUPERVISOR,
    )

    # then
    assert payload["userErrors"] == []
    assert payload["alert"]["status"] == "RESOLVED"
    record = await case(api, child["id"])
    assert [(a["id"], a["status"]) for a in record["alerts"]] == [(alert_id, "RESOLVED")]
    assert record["version"] == start


async def test_an_officer_may_not_resolve_an_alert(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child, alert_id = await failed_to_appear_alert(api, clock)

    # when / then
    await forbidden(
        api,
        engine,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": alert_id, "status": "RESOLVED"},
        role=Role.OFFICER,
    )
    assert [a["status"] for a in (await case(api, child["id"]))["alerts"]] == ["OPEN"]


@pytest.mark.parametrize("role", [Role.INTEGRATION, Role.OVERSIGHT, Role.ADMIN])
@pytest.mark.parametrize("status", ["ACKNOWLEDGED", "RESOLVED"])
async def test_roles_other_than_officer_and_supervisor_may_not_change_alerts(
    api: Api, clock: Clock, engine: AsyncEngine, role: Role, status: str
) -> None:
    # given
    child, alert_id = await failed_to_appear_alert(api, clock)

    # when / then
    await forbidden(
        api, engine, UPDATE_ALERT, "updateAlert", {"alertId": alert_id, "status": status}, role=role
    )
    assert [a["status"] for a in (await case(api, child["id"]))["alerts"]] == ["OPEN"]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
async def test_setting_an_alert_back_to_open_is_an_invalid_transition(
    api: Api, clock: Clock, engine: AsyncEngine, role: Role
) -> None:
    # given an acknowledged alert
    _, alert_id = await failed_to_appear_alert(api, clock)
    await ok(api, UPDATE_ALERT, "updateAlert", {"alertId": alert_id, "status": "ACKNOWLEDGED"})

    # when
    errors = await refused(
        api, engine, UPDATE_ALERT, "updateAlert", {"alertId": alert_id, "status": "OPEN"}, role=role
    )

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "status"])]


@pytest.mark.parametrize("status", ["ACKNOWLEDGED", "RESOLVED"])
async def test_a_resolved_alert_cannot_change_again(
    api: Api, clock: Clock, engine: AsyncEngine, status: str
) -> None:
    # given a resolved alert
    _, alert_id = await failed_to_appear_alert(api, clock)
    resolved = await mutate(
        api,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": alert_id, "status": "RESOLVED"},
        role=Role.SUPERVISOR,
    )
    assert resolved["userErrors"] == []

    # when
    errors = await refused(
        api,
        engine,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": alert_id, "status": status},
        role=Role.SUPERVISOR,
    )

    # then
    assert errors == [("INVALID_TRANSITION", ["input", "alertId"])]


@pytest.mark.parametrize(
    ("operation", "document", "input"),
    [
        ("issueNotice", ISSUE_NOTICE, {"issuedOn": "2026-05-30", "court": "HOU"}),
        (
            "scheduleHearing",
            SCHEDULE_HEARING,
            {"court": "HOU", "type": "MASTER_CALENDAR", "scheduledFor": "2026-06-20T15:00:00Z"},
        ),
        (
            "recordRepresentation",
            RECORD_REPRESENTATION,
            {"attorneyName": "Elena Synthetic-Ruiz", "enteredOn": "2026-05-30"},
        ),
    ],
)
async def test_a_case_mutation_on_an_unknown_child_is_not_found(
    api: Api,
    clock: Clock,
    engine: AsyncEngine,
    operation: str,
    document: str,
    input: dict[str, Any],
) -> None:
    # given a child on record, and a child ID no child has
    await released_child(api, clock)
    unknown = encode("Child", uuid.uuid4())

    # when
    errors = await refused(api, engine, document, operation, {"childId": unknown, **input})

    # then
    assert errors == [("NOT_FOUND", ["input", "childId"])]


async def test_a_hearing_time_without_its_utc_offset_is_invalid(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await released_child(api, clock)
    await filed_notice(api, clock, child, court="HOU")

    # when
    errors = await refused(
        api,
        engine,
        SCHEDULE_HEARING,
        "scheduleHearing",
        {
            "childId": child["id"],
            "court": "HOU",
            "type": "MASTER_CALENDAR",
            "scheduledFor": "2026-06-20T09:00:00",
        },
    )

    # then
    assert errors == [("INVALID", ["input", "scheduledFor"])]


async def test_a_second_failure_to_appear_keeps_one_active_alert(api: Api, clock: Clock) -> None:
    # given an OPEN FAILED_TO_APPEAR alert and a second hearing a day ago
    child, alert_id = await failed_to_appear_alert(api, clock)
    second = (
        await ok(
            api,
            SCHEDULE_HEARING,
            "scheduleHearing",
            {
                "childId": child["id"],
                "court": "HOU",
                "type": "MASTER_CALENDAR",
                "scheduledFor": iso(clock() - timedelta(days=1)),
            },
        )
    )["hearing"]

    # when
    await outcome(api, second["id"], "FAILED_TO_APPEAR")

    # then
    alerts = (await case(api, child["id"]))["alerts"]
    assert [(a["id"], a["kind"], a["status"]) for a in alerts] == [
        (alert_id, "FAILED_TO_APPEAR", "OPEN")
    ]


async def test_a_resolved_alert_stays_resolved_when_the_case_changes_otherwise(
    api: Api, clock: Clock
) -> None:
    # given a FAILED_TO_APPEAR alert a supervisor resolved
    child, alert_id = await failed_to_appear_alert(api, clock)
    resolved = await mutate(
        api,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": alert_id, "status": "RESOLVED"},
        role=Role.SUPERVISOR,
    )
    assert resolved["userErrors"] == []

    # when counsel is recorded: no hearing outcome
    await counsel(api, child["id"], day(clock, 0))

    # then no FAILED_TO_APPEAR alert is raised again
    alerts = (await case(api, child["id"]))["alerts"]
    assert [(a["id"], a["status"]) for a in alerts] == [(alert_id, "RESOLVED")]


async def test_updating_an_unknown_alert_is_not_found(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    await failed_to_appear_alert(api, clock)

    # when
    errors = await refused(
        api,
        engine,
        UPDATE_ALERT,
        "updateAlert",
        {"alertId": encode("Alert", uuid.uuid4()), "status": "ACKNOWLEDGED"},
    )

    # then
    assert errors == [("NOT_FOUND", ["input", "alertId"])]
