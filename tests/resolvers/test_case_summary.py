"""Each child's case summary, which the oversight report counts, stays what the child's records
say through every operation, and a summary that drifts from them is found and rewritten."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

import migrations
from models import CaseSummary
from models.db import session_factory
from resolvers.case_summary import FLAGS, INSTANTS, stale_summaries, write_summaries
from resolvers.seed import seed_demo
from schema.ids import decode
from tests.api.test_docket import docket, import_docket, row, totals
from tests.conftest import Api, Clock
from tests.factories import released_child


async def stale(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        return await stale_summaries(connection)


async def summary_of(engine: AsyncEngine, child: dict[str, Any]) -> dict[str, bool]:
    child_id = decode(child["id"], "Child", "id")
    async with session_factory(engine)() as session:
        row = (
            await session.exec(select(CaseSummary).where(CaseSummary.child_id == child_id))
        ).one()
        return {name: getattr(row, name) for name in FLAGS}


async def test_every_operation_of_the_demo_seeder_keeps_the_summaries(
    engine: AsyncEngine, clock: Clock
) -> None:
    # when: every kind of case, written through the operations
    await seed_demo(session_factory(engine, writer=True), clock)

    # then
    assert await stale(engine) == []
    async with session_factory(engine)() as session:
        summaries = (await session.exec(select(CaseSummary))).all()
    flagged = {name for summary in summaries for name in FLAGS if getattr(summary, name)}
    assert flagged == set(FLAGS)  # the check compared something for every flag


async def test_a_docket_import_keeps_the_summaries(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given
    child = await released_child(api, clock)
    missed = (clock().replace(microsecond=0)).isoformat()

    # when
    payload = await import_docket(
        api, docket(row(child["aNumber"], missed, status="FAILED_TO_APPEAR", in_absentia="true"))
    )

    # then
    assert totals(payload) == (1, 0, 0, [])
    summary = await summary_of(engine, child)
    assert summary["heard"]
    assert summary["failed_to_appear"]
    assert summary["in_absentia"]
    assert not summary["appeared"]
    assert await stale(engine) == []


async def test_a_record_changed_behind_the_operations_is_found_and_rewritten(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given: a released child with no notice, and a notice row written straight into the table
    child = await released_child(api, clock)
    child_id = decode(child["id"], "Child", "id")
    assert (await summary_of(engine, child))["notice_served"] is False
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO notice (id, child_id, status, issued_on, served_on, service_method,"
                " court) VALUES (:id, :child, 'SERVED', :day, :day, 'MAIL', 'HOU')"
            ),
            {
                "id": child_id.hex if engine.dialect.name == "sqlite" else str(child_id),
                "child": child_id.hex if engine.dialect.name == "sqlite" else str(child_id),
                "day": clock().date(),
            },
        )

    # when
    found = await stale(engine)

    # then
    assert found == [child_id]

    # when
    async with engine.begin() as connection:
        await write_summaries(connection)

    # then
    assert await stale(engine) == []
    assert (await summary_of(engine, child))["notice_served"] is True


async def test_the_migration_writes_the_summaries_of_the_records_already_there(
    engine: AsyncEngine, clock: Clock
) -> None:
    # given: a database with cases in it, taken back to before the summaries
    written = await seed_demo(session_factory(engine, writer=True), clock)
    await migrations.downgrade(engine, "0004")

    # when
    await migrations.upgrade(engine)

    # then
    assert await stale(engine) == []
    async with session_factory(engine)() as session:
        count = len((await session.exec(select(CaseSummary))).all())
    assert count == written


@pytest.mark.parametrize(
    ("column", "edited"),
    [(flag, f"NOT {flag}") for flag in FLAGS] + [(instant, "NULL") for instant in INSTANTS],
)
async def test_a_summary_edited_by_hand_is_found(
    api: Api, engine: AsyncEngine, clock: Clock, column: str, edited: str
) -> None:
    # given: a child transferred to HHS, then released
    child = await released_child(api, clock)
    child_id = decode(child["id"], "Child", "id")

    # when: one flag turned over, or one instant forgotten
    async with engine.begin() as connection:
        await connection.execute(
            text(f"UPDATE case_summary SET {column} = {edited}")  # noqa: S608 - constants
        )

    # then
    assert await stale(engine) == [child_id]
