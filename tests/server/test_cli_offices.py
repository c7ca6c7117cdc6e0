"""`casetrail offices set|list|assign` and `token create --office`, run as an operator runs
them: in their own process, against the test's database."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import verify_database
from models.enums import Role
from tests.api.test_work import QUEUE, as_holder
from tests.conftest import Api, Clock
from tests.factories import home_address, intake_child, released_child, stored_rows
from tests.server.test_cli import casetrail_on as casetrail

CHILD = "query Child($id: ID!) { child(id: $id) { fieldOffice version } }"


def offices_listed(database_url: str, directory: Path) -> list[dict[str, Any]]:
    result = casetrail(database_url, directory, "offices", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


async def test_offices_set_up_after_the_children_are_given_to_them_by_assign(
    api: Api, database_url: str, tmp_path: Path, clock: Clock, engine: AsyncEngine
) -> None:
    # given children recorded before any office existed
    houston = await released_child(api, clock, address=home_address(postalCode="77002"))
    dallas = await released_child(
        api, clock, address=home_address(city="Dallas", postalCode="75201")
    )
    in_custody = await intake_child(api, clock)

    # when
    for office in (
        ("HOU", "--name", "Houston", "--court", "HOU", "--zip", "770", "--zip", "77494"),
        ("DAL", "--name", "Dallas", "--zip", "752", "--reason", "Opened in 2026"),
    ):
        result = casetrail(database_url, tmp_path, "offices", "set", *office)
        assert result.returncode == 0, result.stderr
    assigned = casetrail(database_url, tmp_path, "offices", "assign")

    # then
    assert assigned.returncode == 0, assigned.stderr
    assert "2 children given a field office" in assigned.stdout
    assert offices_listed(database_url, tmp_path) == [
        {"code": "DAL", "name": "Dallas", "courts": "", "zip_prefixes": "752"},
        {"code": "HOU", "name": "Houston", "courts": "HOU", "zip_prefixes": "770,77494"},
    ]
    answers = [(await api.data(CHILD, {"id": c["id"]}))["child"] for c in (houston, dallas)]
    assert [a["fieldOffice"] for a in answers] == ["HOU", "DAL"]
    assert [a["version"] for a in answers] == [houston["version"], dallas["version"]]
    assert (await api.data(CHILD, {"id": in_custody["id"]}))["child"]["fieldOffice"] is None
    report = await verify_database(engine)
    assert report.valid, report.problems


async def test_a_refused_office_exits_1_and_changes_nothing(
    database_url: str, tmp_path: Path, engine: AsyncEngine
) -> None:
    # given
    result = casetrail(database_url, tmp_path, "offices", "set", "HOU", "--name", "Houston")
    assert result.returncode == 0, result.stderr
    before = await stored_rows(engine)

    # when
    refused = casetrail(
        database_url, tmp_path, "offices", "set", "DAL", "--name", "Dallas", "--zip", "75"
    )

    # then
    assert refused.returncode == 1
    assert "ZIP prefix" in refused.stderr
    assert await stored_rows(engine) == before


async def test_a_token_created_for_an_office_reads_its_queue(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    # given
    casetrail(database_url, tmp_path, "offices", "set", "HOU", "--name", "Houston")

    # when
    created = casetrail(
        database_url,
        tmp_path,
        *("token", "create", "--name", "officer-hou", "--role", "OFFICER", "--office", "hou"),
    )
    refused = casetrail(
        database_url,
        tmp_path,
        *("token", "create", "--name", "officer-x", "--role", "OFFICER", "--office", "XYZ"),
    )

    # then
    assert created.returncode == 0, created.stderr
    body = await as_holder(api, created.stdout.splitlines()[-1], QUEUE)
    assert body["data"]["workQueue"]["totalCount"] == 0
    assert refused.returncode == 1
    listed = casetrail(database_url, tmp_path, "token", "list", "--json")
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["officer-hou"]["office"] == "HOU"
    assert "officer-x" not in rows
    assert Role.OFFICER.value == rows["officer-hou"]["role"]
