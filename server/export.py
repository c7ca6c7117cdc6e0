"""The children list as CSV, for reviewers: `POST /export/children.csv` with
`{"filter": <ChildFilter>}` (or nothing, for every child) and a token, as for `/graphql`.

The export is built on the GraphQL API: each page is the `children` query below, executed by
the schema as the caller, so it answers to the same roles, the same filter and its errors,
and the same access log (each child exported is a read of its record). The filter travels in
the body, not the URL: it may hold a name."""

import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from strawberry.types import ExecutionResult

from schema import Context

EXPORT_PATH = "/export/children.csv"
# An export's request is a filter: far below the GraphQL body limit.
MAX_FILTER_BYTES = 65_536

QUERY = """
query ExportChildren($filter: ChildFilter, $after: String) {
  children(filter: $filter, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id aNumber firstName lastName dateOfBirth countryOfBirth custodyStatus locationStatus
      sponsor { firstName lastName relationship }
      currentAddress { line1 line2 city state postalCode verification issues }
      nextHearing { court scheduledFor status }
      hearings { status }
      notices { status }
      representation { withdrawnOn }
    } }
  }
}
"""

COLUMNS = (
    "id",
    "a_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "country_of_birth",
    "custody_status",
    "location_status",
    "sponsor_first_name",
    "sponsor_last_name",
    "sponsor_relationship",
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_verification",
    "address_issues",
    "next_hearing_court",
    "next_hearing_at",
    "next_hearing_status",
    "hearings_failed_to_appear",
    "notice_served",
    "represented",
)


def row_of(child: dict[str, Any]) -> list[Any]:
    """A child's node, as the export's columns."""
    sponsor = child["sponsor"] or {}
    address = child["currentAddress"] or {}
    hearing = child["nextHearing"] or {}
    representation = child["representation"]
    return [
        child["id"],
        child["aNumber"],
        child["firstName"],
        child["lastName"],
        child["dateOfBirth"],
        child["countryOfBirth"],
        child["custodyStatus"],
        child["locationStatus"],
        sponsor.get("firstName"),
        sponsor.get("lastName"),
        sponsor.get("relationship"),
        address.get("line1"),
        address.get("line2"),
        address.get("city"),
        address.get("state"),
        address.get("postalCode"),
        address.get("verification"),
        ";".join(address.get("issues") or ()),
        hearing.get("court"),
        hearing.get("scheduledFor"),
        hearing.get("status"),
        sum(h["status"] == "FAILED_TO_APPEAR" for h in child["hearings"]),
        any(n["status"] in ("SERVED", "FILED") for n in child["notices"]),
        representation is not None and representation["withdrawnOn"] is None,
    ]


def csv_text(rows: list[list[Any]]) -> str:
    """Rows as CSV. A text cell that a spreadsheet would take for a formula (it begins with
    =, +, -, @, a tab or a carriage return) is written after an apostrophe, as OWASP advises:
    the file is opened by people, in spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_inert(value) for value in row])
    return out.getvalue()


def _inert(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


_FORMULA_STARTS = frozenset("=+-@\t\r")


async def children_csv(request: Request, context: Callable[[], Context], schema: Any) -> Response:
    """The endpoint: the first page is executed before anything is sent, so a bad filter or a
    role that may not read is answered 400 or 403 with the GraphQL errors, as JSON."""
    body = await request.body()
    if len(body) > MAX_FILTER_BYTES:
        return _refusal(413, "The export's request is too large.", "REQUEST_TOO_LARGE")
    try:
        request_body = orjson.loads(body) if body.strip() else {}
    except orjson.JSONDecodeError:
        return _refusal(400, 'The body must be JSON: {"filter": {...}}.', "BAD_REQUEST")
    if not isinstance(request_body, dict) or not set(request_body) <= {"filter"}:
        return _refusal(400, 'The body may hold only "filter".', "BAD_REQUEST")
    filter_ = request_body.get("filter")

    async def page(after: str | None) -> ExecutionResult:
        result: ExecutionResult = await schema.execute(
            QUERY,
            variable_values={"filter": filter_, "after": after},
            context_value=context(),
            operation_name="ExportChildren",
        )
        return result

    first = await page(None)
    if first.errors or first.data is None:
        errors = [error.formatted for error in first.errors or ()]
        forbidden = any((e.get("extensions") or {}).get("code") == "FORBIDDEN" for e in errors)
        return JSONResponse({"errors": errors}, status_code=403 if forbidden else 400)

    async def pages() -> AsyncIterator[str]:
        yield csv_text([list(COLUMNS)])
        result = first
        while True:
            if result.errors or result.data is None:
                # Not a short file that looks whole: the connection ends without the
                # response's last chunk, which a client reports as an error.
                raise RuntimeError("the export failed after its first page")
            children = result.data["children"]
            yield csv_text([row_of(edge["node"]) for edge in children["edges"]])
            if not children["pageInfo"]["hasNextPage"]:
                return
            result = await page(children["pageInfo"]["endCursor"])

    return StreamingResponse(
        pages(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="children.csv"',
            "Cache-Control": "no-store",
        },
    )


def _refusal(status: int, message: str, code: str) -> Response:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)
