"""A sweep after an earlier one evaluates only the children whose alerts can have changed since,
and leaves every child's alerts exactly as a sweep of every child would."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from models.enums import AlertKind
from resolvers.alert_rules import AlertThresholds
from resolvers.alerts import SweepResult
from tests.conftest import Api, Clock
from tests.factories import (
    RECORD_ADDRESS,
    home_address,
    intake_child,
    iso,
    ok,
    released_child,
    scheduled_hearing,
)
from tests.resolvers.test_alert_rules import alerts_of, run_sweep


def changes(result: SweepResult) -> dict[str, dict[AlertKind, int]]:
    """What a sweep raised and resolved, the kinds with none left out."""
    return {
        "raised": {kind: n for kind, n in result.raised.items() if n},
        "resolved": {kind: n for kind, n in result.resolved.items() if n},
    }


NOTHING: dict[str, dict[AlertKind, int]] = {"raised": {}, "resolved": {}}


async def then_a_sweep_of_everyone_changes_nothing(engine: AsyncEngine, at: datetime) -> None:
    assert changes(await run_sweep(engine, at, everyone=True)) == NOTHING


async def test_the_first_sweep_evaluates_everyone_and_the_next_only_what_changed(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    await released_child(api, clock)
    await released_child(api, clock, address=home_address(line1="77 Oak Street"))

    # when
    first = await run_sweep(engine, clock())
    second = await run_sweep(engine, clock() + timedelta(minutes=5))

    # then
    assert first.examined is None
    assert second.examined == 0
    assert changes(second) == NOTHING

    # when: one child's case changes
    await released_child(api, clock, address=home_address(line1="5 Pine Street"))
    third = await run_sweep(engine, clock() + timedelta(minutes=10))

    # then: that child alone is evaluated
    assert third.examined == 1


async def test_the_clock_carries_each_time_driven_kind_past_its_threshold(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: each child a few days short of a threshold, and a sweep that raises nothing
    released = await released_child(api, clock, released_days_ago=27)  # notice, address: 30 days
    apprehended = await intake_child(api, clock, apprehendedAt=iso(clock() - timedelta(hours=60)))
    hearing_child = await released_child(api, clock, address=home_address(line1="3 Elm Street"))
    await scheduled_hearing(api, clock, hearing_child, at=clock() + timedelta(days=33))
    passing_child = await released_child(api, clock, address=home_address(line1="9 Ash Street"))
    await scheduled_hearing(api, clock, passing_child, at=clock() + timedelta(days=2))
    start = clock()
    first = await run_sweep(engine, start)
    assert (await alerts_of(engine, passing_child))[AlertKind.HEARING_WITHOUT_COUNSEL] == ["OPEN"]
    assert AlertKind.NOTICE_NOT_SERVED not in await alerts_of(engine, released)
    assert first.examined is None

    # when: 16 hours on, the custody passes 72 hours
    result = await run_sweep(engine, start + timedelta(hours=16))

    # then
    assert changes(result) == {"raised": {AlertKind.TRANSFER_OVERDUE: 1}, "resolved": {}}
    assert AlertKind.TRANSFER_OVERDUE in await alerts_of(engine, apprehended)
    await then_a_sweep_of_everyone_changes_nothing(engine, start + timedelta(hours=16))

    # when: four days on, the release and its address pass 30 days, a hearing comes within
    # 30 days and another has passed
    later = start + timedelta(days=4)
    result = await run_sweep(engine, later)

    # then
    assert changes(result) == {
        "raised": {
            AlertKind.NOTICE_NOT_SERVED: 1,
            AlertKind.ADDRESS_UNVERIFIED: 1,
            AlertKind.HEARING_WITHOUT_COUNSEL: 1,
        },
        "resolved": {AlertKind.HEARING_WITHOUT_COUNSEL: 1},
    }
    assert result.examined is not None
    assert result.examined <= 4
    assert (await alerts_of(engine, hearing_child))[AlertKind.HEARING_WITHOUT_COUNSEL] == ["OPEN"]
    await then_a_sweep_of_everyone_changes_nothing(engine, later)


async def test_a_move_that_gives_a_neighbour_an_address_issue_is_found(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: a child at a street number with no unit, swept
    neighbour = await released_child(api, clock, address=home_address(line1="410 Bell Street"))
    mover = await released_child(api, clock, address=home_address(line1="12 Rose Street"))
    await run_sweep(engine, clock())

    # when: another child moves into a unit at that street number
    move = {
        "childId": mover["id"],
        "address": home_address(line1="410 Bell Street", line2="Apt 3"),
        "effectiveFrom": clock().date().isoformat(),
        "source": "SPONSOR_REPORTED",
    }
    await ok(api, RECORD_ADDRESS, "recordAddress", move)
    result = await run_sweep(engine, clock() + timedelta(minutes=5))

    # then: the neighbour's address now lacks its unit, and the sweep after the move says so
    assert result.raised[AlertKind.ADDRESS_ISSUE] == 1
    assert (await alerts_of(engine, neighbour))[AlertKind.ADDRESS_ISSUE] == ["OPEN"]
    await then_a_sweep_of_everyone_changes_nothing(engine, clock() + timedelta(minutes=5))


async def test_new_thresholds_or_an_earlier_clock_sweep_everyone(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock, released_days_ago=20)
    await run_sweep(engine, clock())

    # when: the notice threshold comes down to 15 days
    result = await run_sweep(engine, clock(), AlertThresholds(notice_not_served_days=15))

    # then
    assert result.examined is None
    assert (await alerts_of(engine, child))[AlertKind.NOTICE_NOT_SERVED] == ["OPEN"]

    # when: a sweep as at a day before the last one
    earlier = await run_sweep(
        engine, clock() - timedelta(days=1), AlertThresholds(notice_not_served_days=15)
    )

    # then
    assert earlier.examined is None


async def test_a_sweep_of_everyone_can_be_asked_for(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    await released_child(api, clock)
    await run_sweep(engine, clock())

    # when
    result = await run_sweep(engine, clock(), everyone=True)

    # then
    assert result.examined is None
