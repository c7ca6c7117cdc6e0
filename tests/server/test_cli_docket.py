"""`casetrail import-docket FILE [--json]`, run as an operator runs it: in its own process,
against a SQLite file. CSV, or JSON Lines for a .jsonl/.ndjson file; exit 0 when every row was
applied, 1 when some were rejected, 2 when the file cannot be read as a docket."""

import asyncio
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from models.db import create_engine, session_factory
from models.enums import Role
from resolvers.custody import intake_child
from resolvers.unit import Actor, open_unit
from tests.server.test_cli import casetrail

APPREHENDED = datetime(2026, 5, 1, 8, tzinfo=UTC)
INTAKE_OFFICER = Actor(name="intake-officer", role=Role.OFFICER)
FIRST, SECOND = "200000001", "200000002"
NAMES = ("Ixchel", "Tzul", "Mateo", "Synthetic")
HEADER = "a_number,court,hearing_type,scheduled_for,status,in_absentia_order"
# Times safely in the past and in the future of whenever the command runs.
PAST = "2026-05-20T15:00:00Z"
FUTURE = "2099-01-15T09:00:00-05:00"


async def intake(database: Path) -> None:
    """Two children apprehended on APPREHENDED, born 2011-02-03."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        sessions = session_factory(engine, writer=True)
        for number, first, last in ((FIRST, "Ixchel", "Tzul"), (SECOND, "Mateo", "Synthetic")):
            async with open_unit(
                sessions, INTAKE_OFFICER, "intakeChild", clock=lambda: APPREHENDED
            ) as unit:
                await intake_child(
                    unit,
                    a_number_input=number,
                    first_name=first,
                    last_name=last,
                    date_of_birth=date(2011, 2, 3),
                    country_of_birth="GT",
                    apprehended_at=APPREHENDED,
                )
    finally:
        await engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "docket.db"
    upgraded = casetrail(path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    asyncio.run(intake(path))
    return path


def write(database: Path, name: str, *lines: str) -> Path:
    file = database.parent / name
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def jsonl(**values: Any) -> str:
    return json.dumps(values, ensure_ascii=False)


def stored(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the access log."""
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'access_log'"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"'), key=repr)  # noqa: S608
            for table in tables
        }


def hearings(database: Path) -> list[tuple[str, str, str, datetime, str, bool]]:
    """(A-number, court, type, instant, status, in absentia order) of every hearing."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT c.a_number, h.court, h.type, h.scheduled_for, h.status, h.in_absentia_order"
            " FROM hearing h JOIN child c ON c.id = h.child_id"
            " ORDER BY c.a_number, h.scheduled_for, h.court"
        ).fetchall()
    return [
        (number, court, kind, datetime.fromisoformat(at).replace(tzinfo=UTC), status, bool(flag))
        for number, court, kind, at, status, flag in rows
    ]


def alerts(database: Path) -> list[tuple[str, str, str]]:
    """(A-number, kind, status) of every alert."""
    with sqlite3.connect(database) as connection:
        rows: list[tuple[str, str, str]] = connection.execute(
            "SELECT c.a_number, a.kind, a.status FROM alert a JOIN child c ON c.id = a.child_id"
            " ORDER BY c.a_number, a.kind"
        ).fetchall()
    return rows


def versions(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT a_number, version FROM child"))


def import_events(database: Path) -> list[tuple[str, str, str]]:
    """(actor name, actor role, entity type) of every history event of an import."""
    with sqlite3.connect(database) as connection:
        rows: list[tuple[str, str, str]] = connection.execute(
            "SELECT actor_name, actor_role, entity_type FROM audit_event"
            " WHERE action = 'importDocket' ORDER BY entity_type"
        ).fetchall()
    return rows


def summary(output: str) -> dict[str, Any]:
    printed: dict[str, Any] = json.loads(output)
    return printed


def rejected_lines(printed: dict[str, Any]) -> list[int]:
    return [rejected["line"] for rejected in printed["rejected"]]


def echoes_the_row(printed: dict[str, Any], *given: str) -> list[str]:
    """The rejection messages that repeat something given in a row."""
    return [
        rejected["message"]
        for rejected in printed["rejected"]
        if any(value in rejected["message"] for value in given)
    ]


# ---------------------------------------------------------------- CSV


def test_a_csv_docket_is_applied_and_its_counts_printed_as_json(database: Path) -> None:
    # given
    before = versions(database)
    file = write(
        database,
        "docket.csv",
        HEADER,
        f"A200-000-001, hou ,MASTER_CALENDAR,{FUTURE},,",
        f"{SECOND},SNA,INDIVIDUAL,{PAST},FAILED_TO_APPEAR,true",
    )

    # when
    result = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": []}
    assert hearings(database) == [
        (
            FIRST,
            "HOU",
            "MASTER_CALENDAR",
            datetime(2099, 1, 15, 14, tzinfo=UTC),
            "SCHEDULED",
            False,
        ),
        (
            SECOND,
            "SNA",
            "INDIVIDUAL",
            datetime(2026, 5, 20, 15, tzinfo=UTC),
            "FAILED_TO_APPEAR",
            True,
        ),
    ]
    assert alerts(database) == [(SECOND, "FAILED_TO_APPEAR", "OPEN")]
    assert versions(database) == {FIRST: before[FIRST] + 1, SECOND: before[SECOND] + 1}


def test_rejected_csv_rows_are_listed_by_line_and_the_command_exits_1(database: Path) -> None:
    # given
    file = write(
        database,
        "docket.csv",
        HEADER,
        f"{FIRST},HOU,MASTER_CALENDAR,{PAST},,",  # 2: good
        f"987654321,HOU,MASTER_CALENDAR,{PAST},,",  # 3: no child has it
        f"{FIRST},HOU,MASTER_CALENDAR,20 May 2026,,",  # 4: not a date
        f"{FIRST},HOU,MASTER_CALENDAR",  # 5: too few columns
        f"{FIRST},HOU,MASTER_CALENDAR,{PAST},,,Ixchel,Tzul",  # 6: too many columns
        f"{SECOND},HOU,MASTER_CALENDAR,2998-01-01T09:00:00Z,APPEARED,",  # 7: not yet held
        f"{SECOND},HOU,MASTER_CALENDAR,{PAST},APPEARED,",  # 8: good
    )

    # when
    result = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert result.returncode == 1, result.stderr
    printed = summary(result.stdout)
    assert (printed["created"], printed["updated"], printed["unchanged"]) == (2, 0, 0)
    assert rejected_lines(printed) == [3, 4, 5, 6, 7]
    assert all(rejected["message"].strip() for rejected in printed["rejected"])
    assert echoes_the_row(printed, FIRST, SECOND, "987654321", *NAMES) == []
    assert [(h[0], h[4]) for h in hearings(database)] == [
        (FIRST, "SCHEDULED"),
        (SECOND, "APPEARED"),
    ]


def test_without_json_the_counts_and_rejected_lines_are_printed_for_a_person(
    database: Path,
) -> None:
    # given
    file = write(
        database,
        "docket.csv",
        HEADER,
        f"{FIRST},HOU,MASTER_CALENDAR,{PAST},,",
        f"{FIRST},HOU,BOND,{PAST},,",
    )

    # when
    result = casetrail(database, "import-docket", str(file))

    # then
    assert result.returncode == 1, result.stderr
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    assert "line 3" in result.stdout
    assert FIRST not in result.stdout


def test_a_second_run_of_the_same_file_changes_nothing(database: Path) -> None:
    # given a docket imported once
    file = write(
        database,
        "docket.csv",
        HEADER,
        f"{FIRST},HOU,MASTER_CALENDAR,{FUTURE},,",
        f"{FIRST},HOU,INDIVIDUAL,{PAST},FAILED_TO_APPEAR,true",
        f"{SECOND},SNA,MASTER_CALENDAR,{PAST},APPEARED,false",
    )
    first = casetrail(database, "import-docket", str(file), "--json")
    assert first.returncode == 0, first.stderr
    assert summary(first.stdout)["created"] == 3
    before = stored(database)

    # when
    second = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert second.returncode == 0, second.stderr
    assert summary(second.stdout) == {"created": 0, "updated": 0, "unchanged": 3, "rejected": []}
    assert stored(database) == before


def test_a_later_docket_updates_the_status_of_a_known_hearing(database: Path) -> None:
    # given a hearing imported as scheduled (its time since passed)
    listed = write(database, "listed.csv", HEADER, f"{FIRST},HOU,MASTER_CALENDAR,{PAST},,")
    assert casetrail(database, "import-docket", str(listed)).returncode == 0
    before = versions(database)

    # when the next docket gives its outcome, the instant written at another offset
    outcome = write(
        database,
        "outcome.csv",
        HEADER,
        f"{FIRST},HOU,MASTER_CALENDAR,2026-05-20T10:00:00-05:00,FAILED_TO_APPEAR,true",
    )
    result = casetrail(database, "import-docket", str(outcome), "--json")

    # then
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == {"created": 0, "updated": 1, "unchanged": 0, "rejected": []}
    assert [(h[0], h[4], h[5]) for h in hearings(database)] == [(FIRST, "FAILED_TO_APPEAR", True)]
    assert alerts(database) == [(FIRST, "FAILED_TO_APPEAR", "OPEN")]
    assert versions(database) == {FIRST: before[FIRST] + 1, SECOND: before[SECOND]}


@pytest.mark.parametrize(
    "first_line",
    [
        pytest.param("a_number,court,type,scheduled_for,status,in_absentia_order", id="misnamed"),
        pytest.param("a_number,court,hearing_type,scheduled_for,status", id="missing-column"),
        pytest.param(f"{FIRST},HOU,MASTER_CALENDAR,{PAST},,", id="no-header"),
    ],
)
def test_a_file_without_the_docket_header_exits_2_and_writes_nothing(
    database: Path, first_line: str
) -> None:
    # given
    file = write(database, "docket.csv", first_line, f"{SECOND},HOU,MASTER_CALENDAR,{PAST},,")
    before = stored(database)

    # when
    result = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert result.returncode == 2
    assert result.stdout == ""
    assert "a_number,court,hearing_type,scheduled_for,status,in_absentia_order" in result.stderr
    assert stored(database) == before


def test_an_empty_file_exits_2_and_writes_nothing(database: Path) -> None:
    # given
    file = database.parent / "docket.csv"
    file.write_text("", encoding="utf-8")
    before = stored(database)

    # when
    result = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert result.returncode == 2
    assert stored(database) == before


# ---------------------------------------------------------------- JSON Lines


def docket_object(number: str, at: str, status: str = "", order: bool | str = "") -> str:
    return jsonl(
        a_number=number,
        court="HOU",
        hearing_type="MASTER_CALENDAR",
        scheduled_for=at,
        status=status,
        in_absentia_order=order,
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".JSONL"])
def test_a_json_lines_docket_takes_the_same_fields_and_rejects_lines_that_are_no_object(
    database: Path, suffix: str
) -> None:
    # given
    file = write(
        database,
        f"docket{suffix}",
        docket_object(FIRST, FUTURE, order=False),  # 1: good
        f"{FIRST},HOU,MASTER_CALENDAR,{PAST},,",  # 2: not JSON
        json.dumps([FIRST, "HOU", "MASTER_CALENDAR", PAST, "", ""]),  # 3: an array
        "",  # 4: blank, skipped
        docket_object(SECOND, PAST, "FAILED_TO_APPEAR", order=True),  # 5: good
        docket_object("987654321", PAST),  # 6: no child has it
        docket_object(SECOND, "tomorrow"),  # 7: not a date
        docket_object(SECOND, PAST, "APPEARED", order="maybe"),  # 8: not a flag
    )

    # when
    result = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert result.returncode == 1, result.stderr
    printed = summary(result.stdout)
    assert (printed["created"], printed["updated"], printed["unchanged"]) == (2, 0, 0)
    assert rejected_lines(printed) == [2, 3, 6, 7, 8]
    assert all(rejected["message"].strip() for rejected in printed["rejected"])
    assert echoes_the_row(printed, FIRST, SECOND, "987654321") == []
    assert [(h[0], h[4], h[5]) for h in hearings(database)] == [
        (FIRST, "SCHEDULED", False),
        (SECOND, "FAILED_TO_APPEAR", True),
    ]
    assert alerts(database) == [(SECOND, "FAILED_TO_APPEAR", "OPEN")]


def test_a_json_lines_docket_run_twice_changes_nothing_the_second_time(database: Path) -> None:
    # given
    file = write(
        database,
        "docket.jsonl",
        docket_object(FIRST, FUTURE),
        docket_object(SECOND, PAST, "FAILED_TO_APPEAR", order=True),
    )
    first = casetrail(database, "import-docket", str(file), "--json")
    assert first.returncode == 0, first.stderr
    before = stored(database)

    # when
    second = casetrail(database, "import-docket", str(file), "--json")

    # then
    assert second.returncode == 0, second.stderr
    assert summary(second.stdout) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": []}
    assert stored(database) == before


def test_a_json_object_with_an_unnamed_field_is_never_echoed_in_a_message(
    database: Path,
) -> None:
    # given a row carrying an extra field with no name (as a spreadsheet's unnamed column is
    # exported) holding the child's A-number and name
    values = json.loads(docket_object(FIRST, PAST))
    values[""] = f"{FIRST} Ixchel Tzul"
    file = write(database, "docket.jsonl", json.dumps(values))

    # when
    result = casetrail(database, "import-docket", str(file), "--json")

    # then whatever becomes of the row, nothing given in it is printed back
    assert result.returncode in {0, 1}, result.stderr
    printed = summary(result.stdout)
    assert echoes_the_row(printed, FIRST, "Ixchel", "Tzul") == []


# ---------------------------------------------------------------- history


def test_the_history_records_docket_import_as_the_actor(database: Path) -> None:
    # given
    file = write(
        database,
        "docket.csv",
        HEADER,
        f"{FIRST},HOU,MASTER_CALENDAR,{PAST},FAILED_TO_APPEAR,",
    )

    # when
    result = casetrail(database, "import-docket", str(file))

    # then
    assert result.returncode == 0, result.stderr
    assert import_events(database) == [
        ("docket-import", "INTEGRATION", "Alert"),
        ("docket-import", "INTEGRATION", "Child"),
        ("docket-import", "INTEGRATION", "Hearing"),
    ]
