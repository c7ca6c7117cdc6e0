"""`casetrail seed --children N [--seed S] [--as-of INSTANT]`, run as an operator runs it: a
synthetic population in an empty database, refused in one that holds children."""

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from audit.verify import verify_database
from models import Child
from models.db import session_factory
from resolvers.case_summary import stale_summaries
from resolvers.population import Population
from tests.conftest import ON_POSTGRES
from tests.server.test_cli import casetrail, casetrail_on, database  # noqa: F401  (the fixture)

AS_OF = "2026-06-01T12:00:00+00:00"


def children_in(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM child").fetchone()[0])


def test_seed_fills_an_empty_database_and_refuses_one_with_children(database: Path) -> None:  # noqa: F811
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0

    # when
    seeded = casetrail(database, "seed", "--children", "40", "--seed", "5", "--as-of", AS_OF)
    again = casetrail(database, "seed", "--children", "40", "--as-of", AS_OF)

    # then
    assert seeded.returncode == 0, seeded.stderr
    assert "children" in seeded.stdout
    assert " 40 " in seeded.stdout
    assert "alerts raised" in seeded.stdout
    assert again.returncode == 1
    assert "already holds children" in again.stderr
    assert children_in(database) == 40


def test_seed_refuses_bad_arguments(database: Path) -> None:  # noqa: F811
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0

    # when
    none = casetrail(database, "seed", "--children", "0")
    future = casetrail(database, "seed", "--children", "5", "--as-of", "2999-01-01T00:00:00+00:00")
    garbled = casetrail(database, "seed", "--children", "5", "--as-of", "yesterday")

    # then
    assert [none.returncode, future.returncode, garbled.returncode] == [2, 2, 2]
    assert children_in(database) == 0


async def test_several_processes_write_the_same_population(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    # given: what one process draws for this seed and instant
    population = Population(9, datetime.fromisoformat(AS_OF), 2500)
    expected = sorted(
        (row["id"], row["a_number"])
        for number in range(population.batches)
        for row in population.batch(number).children
    )
    jobs = "2" if ON_POSTGRES else "1"  # SQLite takes one writer at a time

    # when
    seeded = casetrail_on(
        database_url,
        tmp_path,
        *("seed", "--children", "2500", "--seed", "9", "--as-of", AS_OF, "--jobs", jobs),
    )

    # then
    assert seeded.returncode == 0, seeded.stderr
    async with session_factory(engine)() as session:
        written = sorted((await session.exec(select(Child.id, Child.a_number))).all())
    assert written == expected
    report = await verify_database(engine)
    assert report.valid, report.problems
    async with engine.connect() as connection:
        assert await stale_summaries(connection) == []


@pytest.mark.skipif(ON_POSTGRES, reason="a refusal of SQLite's")
def test_sqlite_is_seeded_by_one_process(database: Path) -> None:  # noqa: F811
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0

    # when
    refused = casetrail(database, "seed", "--children", "5", "--jobs", "2")

    # then
    assert refused.returncode == 2
    assert "one writer" in refused.stderr
    assert children_in(database) == 0
