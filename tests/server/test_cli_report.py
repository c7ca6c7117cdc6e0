"""`casetrail report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--court X] [--json]`, run as an
operator runs it: in its own process, against a SQLite file of six synthetic children whose
figures are written down here. Exit 2 for a date that is not YYYY-MM-DD, `--to` before
`--from`, or a blank court."""

import asyncio
import json
import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import create_engine, session_factory
from models.enums import (
    AlertKind,
    ContactMethod,
    ContactOutcome,
    HearingStatus,
    HearingType,
    Role,
    ServiceMethod,
    SponsorRelationship,
)
from resolvers import contact, court, custody
from resolvers.addresses import AddressFields
from resolvers.unit import Actor, Unit, open_unit
from tests.server.test_cli import casetrail

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
OFFICER = Actor(name="test-officer", role=Role.OFFICER)
Result = TypeVar("Result")

NO_OPEN_ALERTS = {kind.value: 0 for kind in AlertKind}
# D was not located: its LOCATION_UNKNOWN alert is OPEN. No sweep runs, so no time-driven kind.
OPEN_ALERTS = {**NO_OPEN_ALERTS, "LOCATION_UNKNOWN": 1}


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+00:00")


async def in_unit(
    sessions: async_sessionmaker[AsyncSession],
    action: str,
    work: Callable[[Unit], Awaitable[Result]],
) -> Result:
    """One write, as at NOW."""
    async with open_unit(sessions, OFFICER, action, clock=lambda: NOW) as unit:
        return await work(unit)


async def make_child(
    sessions: async_sessionmaker[AsyncSession],
    number: str,
    *,
    apprehended: str,
    transferred: str | None = None,
    released: str | None = None,
    hearing_court: str | None = None,
    hearing_at: str | None = None,
    counsel_on: date | None = None,
    not_located_at: str | None = None,
) -> None:
    """A child taken as far as the arguments say: to HHS, released, a notice FILED at
    `hearing_court` the day after release and an APPEARED hearing there, counsel, a contact
    attempt that did not find the child."""
    child = await in_unit(
        sessions,
        "intakeChild",
        lambda unit: custody.intake_child(
            unit,
            a_number_input=number,
            first_name="Ixchel",
            last_name="Synthetic",
            date_of_birth=date(2011, 2, 3),
            country_of_birth="GT",
            apprehended_at=at(apprehended),
        ),
    )
    child_id = child.id
    if transferred is not None:
        await in_unit(
            sessions,
            "transferToHhs",
            lambda unit: custody.transfer_to_hhs(
                unit, child_id=child_id, occurred_at=at(transferred), facility="Casa Padre"
            ),
        )
    if released is not None:
        await in_unit(
            sessions,
            "releaseToSponsor",
            lambda unit: custody.release_to_sponsor(
                unit,
                child_id=child_id,
                occurred_at=at(released),
                address=AddressFields(
                    line1=f"{number[-3:]} Cedar Street",
                    city="Houston",
                    state="TX",
                    postal_code="77002",
                ),
                sponsor=custody.SponsorFields(
                    first_name="María",
                    last_name="Synthetic",
                    relationship=SponsorRelationship.OTHER_RELATIVE,
                ),
            ),
        )
    if hearing_court is not None and hearing_at is not None and released is not None:
        day = at(released).date()
        notice = await in_unit(
            sessions,
            "issueNotice",
            lambda unit: court.issue_notice(
                unit, child_id=child_id, issued_on=day, court=hearing_court
            ),
        )
        notice_id = notice.id
        await in_unit(
            sessions,
            "serveNotice",
            lambda unit: court.serve_notice(
                unit, notice_id=notice_id, served_on=day, method=ServiceMethod.PERSONAL
            ),
        )
        await in_unit(
            sessions,
            "fileNotice",
            lambda unit: court.file_notice(unit, notice_id=notice_id, filed_on=day),
        )
        hearing = await in_unit(
            sessions,
            "scheduleHearing",
            lambda unit: court.schedule_hearing(
                unit,
                child_id=child_id,
                court=hearing_court,
                type=HearingType.MASTER_CALENDAR,
                scheduled_for=at(hearing_at),
            ),
        )
        hearing_id = hearing.id
        await in_unit(
            sessions,
            "recordHearingOutcome",
            lambda unit: court.record_hearing_outcome(
                unit, hearing_id=hearing_id, status=HearingStatus.APPEARED
            ),
        )
    if counsel_on is not None:
        await in_unit(
            sessions,
            "recordRepresentation",
            lambda unit: court.record_representation(
                unit,
                child_id=child_id,
                attorney_name="Elena Synthetic-Ruiz",
                organization=None,
                entered_on=counsel_on,
            ),
        )
    if not_located_at is not None:
        await in_unit(
            sessions,
            "recordContactAttempt",
            lambda unit: contact.record_contact_attempt(
                unit,
                child_id=child_id,
                attempted_at=at(not_located_at),
                method=ContactMethod.HOME_VISIT,
                outcome=ContactOutcome.NOT_LOCATED,
            ),
        )


async def populate(database: Path) -> None:
    """Six children (times UTC):

    | child | to HHS      | released    | hearing (APPEARED) | counsel | notice | location |
    | A     | 04-30 08:00 | 05-01 00:00 | HOU 05-20          | yes     | FILED  |          |
    | B     | 05-04 09:00 | 05-10 23:59 | HOU 05-21          | no      | FILED  |          |
    | C     | 05-07 10:00 | 05-11 00:00 | SNA 05-22          | yes     | FILED  |          |
    | D     | 05-20 10:00 | 05-25 12:00 | none               | no      | none   | UNKNOWN  |
    | E     | 05-28 10:00 | never       |                    |         |        |          |
    | F     | never       | never       |                    |         |        |          |
    """
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        sessions = session_factory(engine, writer=True)
        await make_child(
            sessions,
            "200000101",
            apprehended="2026-04-28T08:00",
            transferred="2026-04-30T08:00",
            released="2026-05-01T00:00",
            hearing_court="HOU",
            hearing_at="2026-05-20T15:00",
            counsel_on=date(2026, 5, 3),
        )
        await make_child(
            sessions,
            "200000102",
            apprehended="2026-05-02T08:00",
            transferred="2026-05-04T09:00",
            released="2026-05-10T23:59",
            hearing_court="HOU",
            hearing_at="2026-05-21T15:00",
        )
        await make_child(
            sessions,
            "200000103",
            apprehended="2026-05-05T08:00",
            transferred="2026-05-07T10:00",
            released="2026-05-11T00:00",
            hearing_court="SNA",
            hearing_at="2026-05-22T15:00",
            counsel_on=date(2026, 5, 12),
        )
        await make_child(
            sessions,
            "200000104",
            apprehended="2026-05-18T08:00",
            transferred="2026-05-20T10:00",
            released="2026-05-25T12:00",
            not_located_at="2026-05-28T16:00",
        )
        await make_child(
            sessions, "200000105", apprehended="2026-05-26T08:00", transferred="2026-05-28T10:00"
        )
        await make_child(sessions, "200000106", apprehended="2026-05-30T08:00")
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six children; the report only reads, so the tests share them."""
    path = tmp_path_factory.mktemp("report") / "report.db"
    upgraded = casetrail(path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    asyncio.run(populate(path))
    return path


def report_json(database: Path, *args: str) -> dict[str, Any]:
    result = casetrail(database, "report", *args, "--json")
    assert result.returncode == 0, result.stderr
    figures: dict[str, Any] = json.loads(result.stdout)
    return figures


def expected(
    *,
    transferred: int,
    released: int,
    unserved: int,
    unheard: int,
    share: float,
    open_alerts: dict[str, int] = OPEN_ALERTS,
) -> dict[str, Any]:
    """The JSON of the report (no child of the file failed to appear)."""
    return {
        "transferred_to_hhs": transferred,
        "released_to_sponsor": released,
        "released_without_served_notice": unserved,
        "released_without_hearing": unheard,
        "failed_to_appear": 0,
        "failed_to_appear_location_unknown": 0,
        "in_absentia_orders": 0,
        "represented_share": pytest.approx(share, abs=5e-5),
        "open_alerts": open_alerts,
        "failed_to_appear_by_court": {},
    }


@pytest.mark.parametrize(
    ("args", "figures"),
    [
        pytest.param(
            (),
            # appeared: A, B, C, of whom A and C have counsel; D has no notice and no hearing
            expected(transferred=5, released=4, unserved=1, unheard=1, share=2 / 3),
            id="all-time",
        ),
        pytest.param(
            ("--from", "2026-05-01", "--to", "2026-05-10"),
            # released A (05-01 00:00) and B (05-10 23:59), not C (05-11 00:00);
            # to HHS: B, C (A on 04-30)
            expected(transferred=2, released=2, unserved=0, unheard=0, share=1 / 2),
            id="window-inclusive-at-both-ends",
        ),
        pytest.param(
            ("--from", "2026-05-11"),
            # released C, D; to HHS: D, E
            expected(transferred=2, released=2, unserved=1, unheard=1, share=1),
            id="from-only",
        ),
        pytest.param(
            ("--to", "2026-04-30"),
            # nobody released yet; A went to HHS
            expected(transferred=1, released=0, unserved=0, unheard=0, share=0),
            id="to-only-before-any-release",
        ),
        pytest.param(
            ("--court", "SNA"),
            # C only; transfers are not restricted by court
            expected(transferred=5, released=1, unserved=0, unheard=0, share=1),
            id="court",
        ),
    ],
)
def test_report_json_gives_every_figure(
    database: Path, args: tuple[str, ...], figures: dict[str, Any]
) -> None:
    # given the six children of the file

    # when
    found = report_json(database, *args)

    # then
    assert found == figures


def test_report_json_of_an_empty_database_is_zeros_and_every_kind(tmp_path: Path) -> None:
    # given
    path = tmp_path / "empty.db"
    assert casetrail(path, "db", "upgrade").returncode == 0

    # when
    found = report_json(path)

    # then
    assert found == expected(
        transferred=0, released=0, unserved=0, unheard=0, share=0, open_alerts=NO_OPEN_ALERTS
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        pytest.param(("--from", "2026-13-01"), "--from", id="no-such-month"),
        pytest.param(("--to", "yesterday"), "--to", id="not-a-date"),
        pytest.param(("--from", "01/05/2026"), "--from", id="not-iso"),
    ],
)
def test_a_date_that_is_not_yyyy_mm_dd_exits_2_naming_the_option(
    database: Path, args: tuple[str, ...], named: str
) -> None:
    # when
    result = casetrail(database, "report", *args, "--json")

    # then
    assert result.returncode == 2
    assert named in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--from", "2026-05-10", "--to", "2026-05-09"), id="to-before-from"),
        pytest.param(("--court", "   "), id="blank-court"),
    ],
)
def test_an_invalid_report_request_exits_2(database: Path, args: tuple[str, ...]) -> None:
    # when
    result = casetrail(database, "report", *args, "--json")

    # then
    assert result.returncode == 2
    assert result.stderr.strip()
    assert result.stdout == ""


def table_rows(output: str) -> dict[str, str]:
    """The table's rows as {first cell: second cell}."""
    rows: dict[str, str] = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line) if cell.strip()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def test_the_plain_report_is_a_table_naming_each_figure(database: Path) -> None:
    # when
    result = casetrail(database, "report")

    # then
    assert result.returncode == 0, result.stderr
    assert "Oversight report" in result.stdout
    assert table_rows(result.stdout) == {
        "figure": "children",
        "transferred to hhs": "5",
        "released to sponsor": "4",
        "released without served notice": "1",
        "released without hearing": "1",
        "failed to appear": "0",
        "failed to appear location unknown": "0",
        "in absentia orders": "0",
        "represented share": "66.7%",
        **{f"open alerts: {kind}": str(count) for kind, count in OPEN_ALERTS.items()},
    }


def test_check_compares_the_summaries_and_rebuild_rewrites_what_differs(tmp_path: Path) -> None:
    # given: a copy of the six children's database, one summary turned over by hand
    database = tmp_path / "check.db"
    assert casetrail(database, "db", "upgrade").returncode == 0
    asyncio.run(populate(database))
    before = casetrail(database, "report", "--check")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE case_summary SET represented = NOT represented")

    # when
    found = casetrail(database, "report", "--check")
    rebuilt = casetrail(database, "report", "--check", "--rebuild")
    after = casetrail(database, "report", "--check")

    # then
    assert (before.returncode, before.stdout.strip()) == (
        0,
        "Every case summary matches its records.",
    )
    assert found.returncode == 1
    assert "5 case summaries differ from their records" in found.stdout
    assert rebuilt.returncode == 0
    assert "5 case summaries differed from their records; rewritten" in rebuilt.stdout
    assert after.returncode == 0


def test_rebuild_without_check_is_refused(database: Path) -> None:
    # when
    result = casetrail(database, "report", "--rebuild")

    # then
    assert result.returncode == 2
    assert "--rebuild goes with --check" in result.stderr + result.stdout
