"""The children list as CSV for reviewers: any ChildFilter, every page, the same roles and
access log as the `children` query, and a clear refusal that reads nothing."""

import csv
import io
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.tables import AccessLogEntry
from models.enums import Role
from server.export import COLUMNS, EXPORT_PATH, csv_text
from tests.conftest import Api, Clock
from tests.factories import in_hhs_child, intake_child, released_child

ACCESS_LOG = """
query Reads($id: ID!) { child(id: $id) { accessLog { actor { name } requestId operation } } }"""
CHILDREN = """
query Listed($filter: ChildFilter, $after: String) {
  children(filter: $filter, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { aNumber custodyStatus sponsor { lastName } currentAddress { postalCode } } }
  }
}"""


async def export(
    api: Api,
    body: dict[str, Any] | None = None,
    *,
    role: Role = Role.OVERSIGHT,
    request_id: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.tokens[role]}"}
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    return await api.client.post(
        EXPORT_PATH, json=body if body is not None else {}, headers=headers
    )


def rows_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


async def listed(api: Api, filter_: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every child the `children` query lists under the filter, page by page."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.data(CHILDREN, {"filter": filter_, "after": after}, role=Role.OVERSIGHT))[
            "children"
        ]
        nodes.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def access_entries(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = select(func.count()).select_from(AccessLogEntry)
        return int((await connection.execute(count)).scalar_one())


async def test_a_filtered_export_lists_what_the_children_query_lists(
    api: Api, clock: Clock
) -> None:
    # given children in three custody states
    released = [await released_child(api, clock) for _ in range(3)]
    await in_hhs_child(api, clock)
    await intake_child(api, clock)
    filter_ = {"custodyStatus": ["RELEASED_TO_SPONSOR"]}

    # when
    rows = rows_of(await export(api, {"filter": filter_}))

    # then
    expected = await listed(api, filter_)
    assert [row["a_number"] for row in rows] == [node["aNumber"] for node in expected]
    assert {row["a_number"] for row in rows} == {child["aNumber"] for child in released}
    for row, node in zip(rows, expected, strict=True):
        assert row["custody_status"] == "RELEASED_TO_SPONSOR"
        assert row["sponsor_last_name"] == node["sponsor"]["lastName"]
        assert row["address_postal_code"] == node["currentAddress"]["postalCode"]
        assert row["hearings_failed_to_appear"] == "0"
        assert row["notice_served"] == "false"


async def test_an_export_without_a_filter_has_every_child_across_pages(
    api: Api, clock: Clock
) -> None:
    # given more children than one page holds
    made = {(await intake_child(api, clock))["aNumber"] for _ in range(103)}

    # when
    rows = rows_of(await export(api))

    # then every one, once
    assert sorted(row["a_number"] for row in rows) == sorted(made)


async def test_each_exported_child_is_a_logged_read(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    child = await released_child(api, clock)

    # when
    rows_of(await export(api, {"filter": {"search": child["aNumber"]}}, request_id="csv-1"))

    # then
    entries = (await api.data(ACCESS_LOG, {"id": child["id"]}, role=Role.OVERSIGHT))["child"][
        "accessLog"
    ]
    assert {
        "actor": {"name": "test-oversight"},
        "requestId": "csv-1",
        "operation": "ExportChildren",
    } in entries


async def test_a_bad_filter_or_body_is_refused_and_reads_nothing(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    await released_child(api, clock)
    before = await access_entries(engine)

    # when
    unknown_field = await export(api, {"filter": {"colour": "blue"}})
    wrong_type = await export(api, {"filter": {"custodyStatus": ["ON_THE_MOON"]}})
    not_json = await api.client.post(
        EXPORT_PATH,
        content=b"{filter",
        headers={"Authorization": f"Bearer {api.tokens[Role.OVERSIGHT]}"},
    )
    extra_key = await export(api, {"filter": {}, "query": "{ __typename }"})

    # then
    for response in (unknown_field, wrong_type, not_json, extra_key):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["errors"][0]["message"]
    assert "colour" in unknown_field.json()["errors"][0]["message"]
    assert await access_entries(engine) == before


async def test_an_export_answers_to_the_roles_of_the_children_query(api: Api) -> None:
    # when
    integration = await export(api, role=Role.INTEGRATION)
    anonymous = await api.client.post(EXPORT_PATH, json={})
    by_get = await api.client.get(
        EXPORT_PATH, headers={"Authorization": f"Bearer {api.tokens[Role.OVERSIGHT]}"}
    )
    browsing = await api.client.get(EXPORT_PATH, headers={"Accept": "text/html"})

    # then
    assert integration.status_code == 403
    assert integration.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous.status_code == 401
    assert by_get.status_code == 405
    assert browsing.status_code == 401  # GraphiQL's page is /graphql's only
    for role in (Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT, Role.ADMIN):
        assert (await export(api, role=role)).status_code == 200


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_inert() -> None:
    # when
    text = csv_text([['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "Ana", 3, None, True]])

    # then
    assert next(csv.reader(io.StringIO(text))) == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "Ana",
        "3",
        "",
        "true",
    ]
