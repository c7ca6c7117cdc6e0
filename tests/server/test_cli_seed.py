"""`casetrail seed --children N [--seed S] [--as-of INSTANT]`, run as an operator runs it: a
synthetic population in an empty database, refused in one that holds children."""

import sqlite3
from pathlib import Path

from tests.server.test_cli import casetrail, database  # noqa: F401  (the fixture)

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
