"""The synthetic population: the published proportions, the same records for the same seed,
addresses in USPS normal form, and a database that holds together afterwards (every record
in the history, which verifies; summaries, location statuses and custody paths as the
operations would have left them; alerts raised)."""

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from audit.tables import AuditEvent
from audit.verify import verify_database
from models import Alert, Child, CustodyEvent
from models.db import session_factory
from models.enums import CustodyStatus, HearingStatus, LocationStatus, NoticeStatus, Role
from resolvers.addresses import AddressFields, normalize
from resolvers.case_summary import stale_summaries
from resolvers.children import _location_status
from resolvers.custody import next_status
from resolvers.errors import InvalidInput
from resolvers.population import BATCH, Population, Rows, seed_population
from resolvers.unit import Actor, open_unit

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
READER = Actor(name="test-reader", role=Role.OVERSIGHT)


def drawn(children: int, seed: int = 7) -> tuple[Population, list[Rows]]:
    population = Population(seed, NOW, children)
    batches = (children + BATCH - 1) // BATCH
    return population, [population.batch(number) for number in range(batches)]


def rows_of(batches: list[Rows], name: str) -> list[dict[str, Any]]:
    return [row for rows in batches for row in getattr(rows, name)]


def test_the_published_proportions() -> None:
    # given
    children = 6000
    population, batches = drawn(children)

    # when
    missed = {
        h["child_id"]
        for h in rows_of(batches, "hearings")
        if h["status"] == HearingStatus.FAILED_TO_APPEAR
    }
    served = {
        n["child_id"] for n in rows_of(batches, "notices") if n["status"] != NoticeStatus.ISSUED
    }
    appeared = {
        h["child_id"] for h in rows_of(batches, "hearings") if h["status"] == HearingStatus.APPEARED
    }
    represented = {r["child_id"] for r in rows_of(batches, "representations")}
    release_address: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows_of(batches, "addresses"):
        release_address.setdefault(row["child_id"], row)
    buildings = {building.street_key for building in population.buildings}
    released = [c["id"] for c in rows_of(batches, "children") if c["sponsor_id"] is not None]
    troubled = [
        child
        for child in released
        if (address := release_address.get(child)) is None
        or address["undeliverable"]
        or (address["line2"] is None and address["street_key"] in buildings)
    ]
    sponsored = Counter(c["sponsor_id"] for c in rows_of(batches, "children") if c["sponsor_id"])

    # then
    assert len(rows_of(batches, "children")) == children
    assert 0.055 <= len(missed) / children <= 0.085
    assert 0.60 <= 1 - len(served) / children <= 0.70
    assert 0.055 <= len(troubled) / children <= 0.085
    assert 0.48 <= len(appeared & represented) / len(appeared) <= 0.64
    assert max(sponsored.values()) >= 5  # a few sponsors with many unrelated children
    assert sum(1 for count in sponsored.values() if count >= 5) <= children / 200


def test_the_same_seed_draws_the_same_records() -> None:
    # when
    _, first = drawn(1500, seed=11)
    _, again = drawn(1500, seed=11)
    _, other = drawn(1500, seed=12)

    # then
    assert first == again
    assert rows_of(first, "children") != rows_of(other, "children")


def test_addresses_are_drawn_in_usps_normal_form() -> None:
    # given
    _, batches = drawn(400)
    addresses = rows_of(batches, "addresses")[:300]

    # when
    normal = [
        normalize(
            AddressFields(
                line1=a["line1"],
                line2=a["line2"],
                city=a["city"],
                state=a["state"],
                postal_code=a["postal_code"],
            )
        )
        for a in addresses
    ]

    # then
    assert [(n.line1, n.line2, n.city, n.state, n.postal_code) for n in normal] == [
        (a["line1"], a["line2"], a["city"], a["state"], a["postal_code"]) for a in addresses
    ]
    assert [n.address_key for n in normal] == [a["address_key"] for a in addresses]


async def test_a_seeded_database_holds_together(engine: AsyncEngine) -> None:
    # given
    sessions = session_factory(engine, writer=True)
    seen: list[int] = []

    # when
    result = await seed_population(sessions, 1200, seed=3, as_of=NOW, progress=seen.append)

    # then: every record written, each once in the history, which verifies
    assert result.children == sum(seen) == 1200
    async with session_factory(engine)() as session:
        children = (await session.exec(select(Child))).all()
        events = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
        alerts = (await session.exec(select(func.count()).select_from(Alert))).one()
        paths: defaultdict[uuid.UUID, list[Any]] = defaultdict(list)
        for event in (
            await session.exec(select(CustodyEvent).order_by(col(CustodyEvent.occurred_at)))
        ).all():
            paths[event.child_id].append(event.kind)
    assert len(children) == 1200
    assert result.sweep is not None
    assert sum(result.sweep.raised.values()) == alerts > 0
    assert events == result.records + alerts
    report = await verify_database(engine)
    assert report.valid, report.problems

    # and the derived data is what the operations would have written
    async with engine.connect() as connection:
        assert await stale_summaries(connection) == []
    for child in children:
        status = None
        for kind in paths[child.id]:
            status = next_status(status, kind)
        assert status == child.custody_status
    statuses = Counter(child.location_status for child in children)
    assert set(statuses) == set(LocationStatus)
    assert {child.custody_status for child in children} >= {
        CustodyStatus.IN_DHS_CUSTODY,
        CustodyStatus.IN_HHS_CUSTODY,
        CustodyStatus.RELEASED_TO_SPONSOR,
        CustodyStatus.TURNED_18,
    }
    async with open_unit(sessions, READER, "read", clock=lambda: NOW) as unit:
        derived = [await _location_status(unit, child) for child in children]
    assert derived == [child.location_status for child in children]

    # and the database knows what it holds, alerts included, ready to be read
    assert await _alert_statistics(engine) == (True, engine.dialect.name == "postgresql")


async def _alert_statistics(engine: AsyncEngine) -> tuple[bool, bool]:
    """Whether the database has statistics of the alert table, and (PostgreSQL) whether a
    vacuum has marked its pages all-visible."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            tuples, visible = list(
                (
                    await connection.exec_driver_sql(
                        "SELECT reltuples, relallvisible FROM pg_class WHERE relname = 'alert'"
                    )
                ).one()
            )
            return tuples > 0, visible > 0
        rows = await connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'alert'"
        )
        return rows.scalar_one() > 0, False


async def test_seeding_a_database_that_holds_children_is_refused(engine: AsyncEngine) -> None:
    # given
    sessions = session_factory(engine, writer=True)
    await seed_population(sessions, 20, as_of=NOW)
    async with session_factory(engine)() as session:
        events = (await session.exec(select(func.count()).select_from(AuditEvent))).one()

    # when
    with pytest.raises(InvalidInput) as refused:
        await seed_population(sessions, 20, as_of=NOW)

    # then: nothing more was written
    assert "already holds children" in refused.value.message
    async with session_factory(engine)() as session:
        assert (await session.exec(select(func.count()).select_from(Child))).one() == 20
        assert (await session.exec(select(func.count()).select_from(AuditEvent))).one() == events
