"""The demonstration records cover every case an officer or reviewer should see."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

import migrations
from models import Child
from models.db import create_engine, session_factory
from models.enums import AddressIssue, CustodyStatus, LocationStatus
from resolvers.seed import seed_demo
from tests.conftest import Api, Clock

EVERYTHING = """
{ children(first: 100) {
    totalCount
    edges { node {
      custodyStatus locationStatus
      currentAddress { issues }
      hearings { status inAbsentiaOrder }
      notices { status }
      representation { attorneyName }
      sponsor { children { id } }
    } } } }"""


async def test_the_demo_covers_every_status_and_address_issue(
    api: Api, engine: AsyncEngine, clock: Clock
) -> None:
    # given / when
    written = await seed_demo(session_factory(engine, writer=True), clock)

    # then
    data = await api.data(EVERYTHING)
    children = [edge["node"] for edge in data["children"]["edges"]]
    assert data["children"]["totalCount"] == written == len(children)
    assert {c["custodyStatus"] for c in children} == {s.value for s in CustodyStatus}
    assert {c["locationStatus"] for c in children} == {s.value for s in LocationStatus}
    issues = {i for c in children if c["currentAddress"] for i in c["currentAddress"]["issues"]}
    assert issues == {i.value for i in AddressIssue}
    hearings = [h for c in children for h in c["hearings"]]
    assert {h["status"] for h in hearings} >= {
        "APPEARED",
        "FAILED_TO_APPEAR",
        "SCHEDULED",
        "OVERDUE",
    }
    assert any(h["inAbsentiaOrder"] for h in hearings)
    assert any(c["representation"] for c in children)
    assert any(not c["notices"] for c in children if c["custodyStatus"] == "RELEASED_TO_SPONSOR")
    assert any(c["sponsor"] and len(c["sponsor"]["children"]) > 1 for c in children)


async def test_the_demo_is_the_same_for_the_same_seed(
    engine: AsyncEngine, clock: Clock, tmp_path: Path
) -> None:
    # given a second, empty database
    other = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    await migrations.upgrade(other)

    # when the same seed is written into both
    try:
        for target in (engine, other):
            await seed_demo(session_factory(target, writer=True), clock, seed=7)
        records = [await children_of(target) for target in (engine, other)]
    finally:
        await other.dispose()

    # then
    assert records[0] == records[1]
    assert len(records[0]) > 30


async def children_of(engine: AsyncEngine) -> list[tuple[str, ...]]:
    async with session_factory(engine)() as session:
        rows = await session.exec(select(Child).order_by(col(Child.a_number)))
        return [
            (c.a_number, c.first_name, c.last_name, c.date_of_birth.isoformat(), c.custody_status)
            for c in rows
        ]
