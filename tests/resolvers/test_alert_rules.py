"""Each alert rule raised and cleared: event-driven kinds in the transaction of the change that
causes them, time-driven kinds by the sweep; at most one active alert per child and kind; the
system resolves an alert whose condition has cleared."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from models import Alert
from models.db import session_factory
from models.enums import AlertKind, AlertStatus, Role
from resolvers.alert_rules import THRESHOLDS_KEY, AlertThresholds
from resolvers.alerts import SWEEP_LOCK_KEY, SWEEPER, SweepResult, sweep
from resolvers.unit import open_unit
from schema.ids import decode
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    HEARING_OUTCOME,
    RECORD_ADDRESS,
    RECORD_REPRESENTATION,
    SERVE_NOTICE,
    TRANSFER,
    UPDATE_ALERT,
    VERIFY_ADDRESS,
    home_address,
    intake_child,
    iso,
    ok,
    released_child,
    scheduled_hearing,
)


async def alerts_of(engine: AsyncEngine, child: dict[str, Any]) -> dict[AlertKind, list[str]]:
    """The child's alerts by kind: each kind's statuses, oldest first."""
    child_id = decode(child["id"], "Child", "id")
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(Alert).where(col(Alert.child_id) == child_id).order_by(col(Alert.raised_at))
        )
        found: dict[AlertKind, list[str]] = {}
        for alert in rows:
            found.setdefault(alert.kind, []).append(alert.status.value)
        return found


async def run_sweep(
    engine: AsyncEngine,
    at: datetime,
    thresholds: AlertThresholds | None = None,
    *,
    everyone: bool = False,
) -> SweepResult:
    info = {THRESHOLDS_KEY: thresholds} if thresholds is not None else None
    sessions = session_factory(engine, writer=True, info=info)
    async with open_unit(sessions, SWEEPER, "sweep", clock=lambda: at) as unit:
        result = await sweep(unit, everyone=everyone)
    assert result is not None
    return result


async def version_of(api: Api, child: dict[str, Any]) -> int:
    data = await api.data("query C($id: ID!) { child(id: $id) { version } }", {"id": child["id"]})
    version: int = data["child"]["version"]
    return version


# ---------------------------------------------------------------- event-driven kinds


async def test_a_failure_to_appear_raises_its_alert_and_a_later_appearance_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    missed = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=3))

    # when
    input = {"hearingId": missed["id"], "status": "FAILED_TO_APPEAR", "inAbsentiaOrder": True}
    await ok(api, HEARING_OUTCOME, "recordHearingOutcome", input)

    # then
    assert await alerts_of(engine, child) == {AlertKind.FAILED_TO_APPEAR: ["OPEN"]}

    # when: the child appears at a later hearing
    later = await scheduled_hearing(api, clock, child, court="SNA", at=clock() - timedelta(days=1))
    await ok(
        api,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": later["id"], "status": "APPEARED"},
    )

    # then
    assert await alerts_of(engine, child) == {AlertKind.FAILED_TO_APPEAR: ["RESOLVED"]}


async def test_a_location_becoming_unknown_raises_its_alert_and_locating_the_child_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    attempt = {
        "childId": child["id"],
        "attemptedAt": iso(clock() - timedelta(hours=3)),
        "method": "HOME_VISIT",
        "outcome": "NOT_LOCATED",
    }

    # when
    payload = await ok(api, CONTACT_ATTEMPT, "recordContactAttempt", attempt)

    # then
    assert payload["child"]["locationStatus"] == "UNKNOWN"
    assert await alerts_of(engine, child) == {AlertKind.LOCATION_UNKNOWN: ["OPEN"]}

    # when
    found = {**attempt, "attemptedAt": iso(clock() - timedelta(hours=1))}
    payload = await ok(
        api, CONTACT_ATTEMPT, "recordContactAttempt", {**found, "outcome": "LOCATED_AT_ADDRESS"}
    )

    # then
    assert payload["child"]["locationStatus"] == "VERIFIED"
    assert await alerts_of(engine, child) == {AlertKind.LOCATION_UNKNOWN: ["RESOLVED"]}


async def test_an_undeliverable_address_raises_its_alert_and_a_new_address_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    verification = {
        "addressId": child["currentAddress"]["id"],
        "verifiedAt": iso(clock() - timedelta(hours=2)),
        "verification": "FAILED",
        "undeliverable": True,
    }

    # when
    payload = await ok(api, VERIFY_ADDRESS, "verifyAddress", verification)

    # then
    assert payload["address"]["issues"] == ["UNDELIVERABLE"]
    assert (await alerts_of(engine, child))[AlertKind.ADDRESS_ISSUE] == ["OPEN"]

    # when
    move = {
        "childId": child["id"],
        "address": home_address(line1="900 Elm Street"),
        "effectiveFrom": clock().date().isoformat(),
        "source": "SPONSOR_REPORTED",
    }
    await ok(api, RECORD_ADDRESS, "recordAddress", move)

    # then
    assert (await alerts_of(engine, child))[AlertKind.ADDRESS_ISSUE] == ["RESOLVED"]


async def test_a_time_driven_kind_is_not_raised_by_a_change(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: four days in DHS custody, past the 72 hours, but no sweep has run
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=4)))

    # then
    assert await alerts_of(engine, child) == {}
    assert child["version"] == 1


# ---------------------------------------------------------------- time-driven kinds


async def test_the_sweep_raises_transfer_overdue_and_the_transfer_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    late = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(hours=80)))
    on_time = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(hours=10)))

    # when
    result = await run_sweep(engine, clock())

    # then
    assert result.raised[AlertKind.TRANSFER_OVERDUE] == 1
    assert await alerts_of(engine, late) == {AlertKind.TRANSFER_OVERDUE: ["OPEN"]}
    assert await alerts_of(engine, on_time) == {}

    # when
    transfer = {"childId": late["id"], "occurredAt": iso(clock()), "facility": "Casa Padre"}
    await ok(api, TRANSFER, "transferToHhs", transfer)

    # then
    assert await alerts_of(engine, late) == {AlertKind.TRANSFER_OVERDUE: ["RESOLVED"]}


async def test_the_sweep_raises_notice_not_served_and_serving_the_notice_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    overdue = await released_child(api, clock, released_days_ago=40)
    recent = await released_child(api, clock, released_days_ago=10)

    # when
    await run_sweep(engine, clock())

    # then
    assert AlertKind.NOTICE_NOT_SERVED in await alerts_of(engine, overdue)
    assert AlertKind.NOTICE_NOT_SERVED not in await alerts_of(engine, recent)

    # when
    day = (clock() - timedelta(days=2)).date().isoformat()
    notice = (
        await ok(
            api,
            "mutation I($input: IssueNoticeInput!) { issueNotice(input: $input) "
            "{ notice { id } userErrors { code message field } } }",
            "issueNotice",
            {"childId": overdue["id"], "issuedOn": day, "court": "HOU"},
        )
    )["notice"]
    input = {"noticeId": notice["id"], "servedOn": day, "method": "PERSONAL"}
    await ok(api, SERVE_NOTICE, "serveNotice", input)

    # then
    assert (await alerts_of(engine, overdue))[AlertKind.NOTICE_NOT_SERVED] == ["RESOLVED"]


async def test_the_sweep_raises_address_unverified_and_verifying_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: released 40 days ago; the release address is an HHS record, never verified
    child = await released_child(api, clock, released_days_ago=40)

    # when
    await run_sweep(engine, clock())

    # then
    assert (await alerts_of(engine, child))[AlertKind.ADDRESS_UNVERIFIED] == ["OPEN"]

    # when
    verification = {
        "addressId": child["currentAddress"]["id"],
        "verifiedAt": iso(clock() - timedelta(hours=1)),
        "verification": "VERIFIED",
    }
    await ok(api, VERIFY_ADDRESS, "verifyAddress", verification)

    # then
    assert (await alerts_of(engine, child))[AlertKind.ADDRESS_UNVERIFIED] == ["RESOLVED"]


async def test_the_sweep_raises_hearing_without_counsel_and_counsel_resolves_it(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    soon = await released_child(api, clock)
    await scheduled_hearing(api, clock, soon, at=clock() + timedelta(days=10))
    far = await released_child(api, clock)
    await scheduled_hearing(api, clock, far, at=clock() + timedelta(days=60))

    # when
    await run_sweep(engine, clock())

    # then
    assert (await alerts_of(engine, soon))[AlertKind.HEARING_WITHOUT_COUNSEL] == ["OPEN"]
    assert AlertKind.HEARING_WITHOUT_COUNSEL not in await alerts_of(engine, far)

    # when
    counsel = {
        "childId": soon["id"],
        "attorneyName": "Lucía Fernández",
        "enteredOn": clock().date().isoformat(),
    }
    await ok(api, RECORD_REPRESENTATION, "recordRepresentation", counsel)

    # then
    assert (await alerts_of(engine, soon))[AlertKind.HEARING_WITHOUT_COUNSEL] == ["RESOLVED"]


async def test_the_sweep_resolves_what_time_has_cleared(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: a hearing 10 days ahead, no counsel, alerted
    child = await released_child(api, clock)
    await scheduled_hearing(api, clock, child, at=clock() + timedelta(days=10))
    await run_sweep(engine, clock())

    # when: a sweep after the hearing's time (no longer an upcoming hearing)
    result = await run_sweep(engine, clock() + timedelta(days=11))

    # then
    assert result.resolved[AlertKind.HEARING_WITHOUT_COUNSEL] == 1
    assert (await alerts_of(engine, child))[AlertKind.HEARING_WITHOUT_COUNSEL] == ["RESOLVED"]


async def test_a_second_sweep_raises_nothing_and_an_acknowledged_alert_stays_the_one(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=5)))
    await run_sweep(engine, clock())
    alerts = await api.data("query { alerts { edges { node { id kind } } } }")
    alert_id = alerts["alerts"]["edges"][0]["node"]["id"]
    await ok(api, UPDATE_ALERT, "updateAlert", {"alertId": alert_id, "status": "ACKNOWLEDGED"})

    # when
    result = await run_sweep(engine, clock() + timedelta(hours=1))

    # then
    assert sum(result.raised.values()) == 0
    assert sum(result.resolved.values()) == 0
    assert await alerts_of(engine, child) == {AlertKind.TRANSFER_OVERDUE: ["ACKNOWLEDGED"]}


async def test_thresholds_are_settings(api: Api, engine: AsyncEngine, clock: Clock) -> None:
    # given: 30 hours in DHS custody
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(hours=30)))

    # when
    default = await run_sweep(engine, clock())
    stricter = await run_sweep(engine, clock(), AlertThresholds(transfer_overdue_hours=24))

    # then
    assert default.raised[AlertKind.TRANSFER_OVERDUE] == 0
    assert stricter.raised[AlertKind.TRANSFER_OVERDUE] == 1
    assert await alerts_of(engine, child) == {AlertKind.TRANSFER_OVERDUE: ["OPEN"]}


async def test_alerts_do_not_count_as_changes_of_the_case_record(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=5)))
    before = await version_of(api, child)

    # when
    await run_sweep(engine, clock())

    # then
    assert await alerts_of(engine, child) == {AlertKind.TRANSFER_OVERDUE: ["OPEN"]}
    assert await version_of(api, child) == before


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
async def test_resolving_by_hand_is_for_supervisors(
    api: Api, engine: AsyncEngine, clock: Clock, role: Role
) -> None:
    # given
    await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=5)))
    await run_sweep(engine, clock())
    alerts = await api.data("query { alerts { edges { node { id } } } }")
    alert_id = alerts["alerts"]["edges"][0]["node"]["id"]

    # when
    body = await api.gql(
        UPDATE_ALERT, {"input": {"alertId": alert_id, "status": "RESOLVED"}}, role=role
    )

    # then
    async with session_factory(engine)() as session:
        statuses = list(await session.exec(select(Alert.status)))
    if role == Role.SUPERVISOR:
        assert body["data"]["updateAlert"]["alert"]["status"] == "RESOLVED"
        assert statuses == [AlertStatus.RESOLVED]
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert statuses == [AlertStatus.OPEN]


async def test_one_sweep_at_a_time(api: Api, engine: AsyncEngine, clock: Clock) -> None:
    # given
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=5)))
    sessions = session_factory(engine, writer=True)

    async def sweep_once() -> SweepResult | None:
        async with open_unit(sessions, SWEEPER, "sweep", clock=clock) as unit:
            return await sweep(unit)

    if engine.dialect.name == "postgresql":
        # when: another process holds the sweep's lock
        async with engine.connect() as other:
            await other.execute(select(func.pg_advisory_lock(SWEEP_LOCK_KEY)))
            skipped = await sweep_once()
            await other.execute(select(func.pg_advisory_unlock(SWEEP_LOCK_KEY)))
        swept = await sweep_once()

        # then
        assert skipped is None
        assert swept is not None
        assert swept.raised[AlertKind.TRANSFER_OVERDUE] == 1
    else:
        # when: two sweeps at once queue on SQLite's write lock
        results = await asyncio.gather(sweep_once(), sweep_once())

        # then
        raised = [r.raised[AlertKind.TRANSFER_OVERDUE] for r in results if r is not None]
        assert sorted(raised) == [0, 1]
    assert await alerts_of(engine, child) == {AlertKind.TRANSFER_OVERDUE: ["OPEN"]}


async def test_the_server_sweeps_on_its_own(engine: AsyncEngine, api: Api, clock: Clock) -> None:
    # given
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=5)))
    settings = Settings(database_url="sqlite+aiosqlite://", sweep_interval_seconds=0.05)
    app = create_app(settings, engine=engine, clock=clock)

    # when: the server runs for a few intervals
    async with app.router.lifespan_context(app):
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await alerts_of(engine, child):
                break

    # then
    assert await alerts_of(engine, child) == {AlertKind.TRANSFER_OVERDUE: ["OPEN"]}


# ---------------------------------------------------------------- resolved by a person


async def resolve_by_hand(api: Api, kind: str) -> None:
    alerts = await api.data("query { alerts { edges { node { id kind status } } } }")
    (alert_id,) = [
        edge["node"]["id"]
        for edge in alerts["alerts"]["edges"]
        if edge["node"]["kind"] == kind and edge["node"]["status"] != "RESOLVED"
    ]
    input = {"alertId": alert_id, "status": "RESOLVED", "note": "referred to the field office"}
    data = await api.data(UPDATE_ALERT, {"input": input}, role=Role.SUPERVISOR)
    assert data["updateAlert"]["userErrors"] == []


async def test_a_kind_resolved_by_hand_is_not_raised_again_for_the_same_cause(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: an overdue transfer, alerted by a sweep and resolved by a supervisor
    child = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(days=5)))
    await run_sweep(engine, clock())
    await resolve_by_hand(api, "TRANSFER_OVERDUE")

    # when: the condition still holds at the next sweeps
    later = await run_sweep(engine, clock() + timedelta(hours=1))
    await run_sweep(engine, clock() + timedelta(days=1))

    # then
    assert later.raised[AlertKind.TRANSFER_OVERDUE] == 0
    assert await alerts_of(engine, child) == {AlertKind.TRANSFER_OVERDUE: ["RESOLVED"]}


async def test_a_new_failure_to_appear_raises_the_kind_again_after_a_resolution_by_hand(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: a failure to appear, resolved by a supervisor
    child = await released_child(api, clock)
    first = await scheduled_hearing(api, clock, child, at=clock() - timedelta(days=9))
    input = {"hearingId": first["id"], "status": "FAILED_TO_APPEAR"}
    await ok(api, HEARING_OUTCOME, "recordHearingOutcome", input)
    await resolve_by_hand(api, "FAILED_TO_APPEAR")
    second = await scheduled_hearing(api, clock, child, court="SNA", at=clock() - timedelta(days=2))
    await run_sweep(engine, clock())
    assert await alerts_of(engine, child) == {AlertKind.FAILED_TO_APPEAR: ["RESOLVED"]}

    # when: the child fails to appear again
    input = {"hearingId": second["id"], "status": "FAILED_TO_APPEAR"}
    await ok(api, HEARING_OUTCOME, "recordHearingOutcome", input)

    # then
    assert await alerts_of(engine, child) == {AlertKind.FAILED_TO_APPEAR: ["RESOLVED", "OPEN"]}


async def test_a_kind_the_system_resolved_is_raised_again_when_its_condition_returns(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: not located, then located (the system resolves the alert)
    child = await released_child(api, clock)
    attempt = {"childId": child["id"], "method": "PHONE"}
    for hours, outcome in ((5, "NOT_LOCATED"), (4, "LOCATED_AT_ADDRESS")):
        at = iso(clock() - timedelta(hours=hours))
        await ok(
            api,
            CONTACT_ATTEMPT,
            "recordContactAttempt",
            {**attempt, "attemptedAt": at, "outcome": outcome},
        )
    assert await alerts_of(engine, child) == {AlertKind.LOCATION_UNKNOWN: ["RESOLVED"]}

    # when: not located again
    at = iso(clock() - timedelta(hours=1))
    await ok(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {**attempt, "attemptedAt": at, "outcome": "NOT_LOCATED"},
    )

    # then
    assert await alerts_of(engine, child) == {AlertKind.LOCATION_UNKNOWN: ["RESOLVED", "OPEN"]}
