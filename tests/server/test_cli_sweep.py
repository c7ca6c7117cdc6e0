"""`casetrail sweep [--as-of] [--json]`, run as an operator runs it: in its own process, against
a SQLite file."""

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from models import Alert
from models.db import create_engine, session_factory
from models.enums import Role
from resolvers.custody import intake_child
from resolvers.unit import Actor, open_unit
from tests.server.test_cli import casetrail

APPREHENDED = datetime(2026, 5, 1, 8, tzinfo=UTC)
INTAKE_OFFICER = Actor(name="intake-officer", role=Role.OFFICER)


async def intake(database: Path) -> None:
    """One child apprehended on APPREHENDED and never transferred."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        sessions = session_factory(engine, writer=True)
        async with open_unit(
            sessions, INTAKE_OFFICER, "intakeChild", clock=lambda: APPREHENDED
        ) as unit:
            await intake_child(
                unit,
                a_number_input="200000001",
                first_name="Ixchel",
                last_name="Tzul",
                date_of_birth=date(2011, 2, 3),
                country_of_birth="GT",
                apprehended_at=APPREHENDED,
            )
    finally:
        await engine.dispose()


async def alert_statuses(database: Path) -> list[str]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with session_factory(engine)() as session:
            return [a.status.value for a in await session.exec(select(Alert))]
    finally:
        await engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.db"
    upgraded = casetrail(path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    asyncio.run(intake(path))
    return path


def test_a_sweep_as_of_a_past_instant_raises_what_held_then(database: Path) -> None:
    # given: 2 days after apprehension (within 72 hours), then 4 days after
    early = (APPREHENDED + timedelta(days=2)).isoformat()
    late = (APPREHENDED + timedelta(days=4)).isoformat()

    # when
    first = casetrail(database, "sweep", "--as-of", early, "--json")
    second = casetrail(database, "sweep", "--as-of", late, "--json")

    # then
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["TRANSFER_OVERDUE"] == {"raised": 0, "resolved": 0}
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["TRANSFER_OVERDUE"] == {"raised": 1, "resolved": 0}
    assert asyncio.run(alert_statuses(database)) == ["OPEN"]


def test_a_sweep_prints_a_table_of_every_kind(database: Path) -> None:
    # when
    result = casetrail(database, "sweep")

    # then
    assert result.returncode == 0, result.stderr
    for kind in ("TRANSFER_OVERDUE", "NOTICE_NOT_SERVED", "HEARING_WITHOUT_COUNSEL"):
        assert kind in result.stdout
    assert asyncio.run(alert_statuses(database)) == ["OPEN"]


@pytest.mark.parametrize("as_of", ["2026-05-03T08:00:00", "yesterday", "2999-01-01T00:00:00+00:00"])
def test_an_as_of_without_offset_unreadable_or_in_the_future_is_refused(
    database: Path, as_of: str
) -> None:
    # when
    result = casetrail(database, "sweep", "--as-of", as_of)

    # then
    assert result.returncode == 2
    assert "--as-of" in result.stderr
    assert asyncio.run(alert_statuses(database)) == []


def test_a_second_sweep_looks_only_at_what_changed_unless_full_is_asked_for(
    database: Path,
) -> None:
    # given
    first = casetrail(database, "sweep")

    # when
    second = casetrail(database, "sweep")
    full = casetrail(database, "sweep", "--full")

    # then
    assert first.returncode == 0, first.stderr
    assert "Sweep of every child" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "Sweep of 0 children" in second.stdout
    assert full.returncode == 0, full.stderr
    assert "Sweep of every child" in full.stdout
    assert asyncio.run(alert_statuses(database)) == ["OPEN"]
