"""The SQL floor: the least a server can do to answer bench.scale's two child queries. One SQL
statement builds the whole response in the database (PostgreSQL: json_build_object/json_agg;
SQLite: json_object/json_group_array) and the database's JSON text is the response body.

    python -m bench.floor --url DATABASE_URL --port PORT

It serves POST /graphql on 127.0.0.1 (Starlette on uvicorn, as casetrail is served) and picks
the statement by the request's `operationName` ("Page": the first 100 children by A-number;
"Child": one child by `variables.aNumber`) without parsing the document, checking a token or
writing anything. The statements return what casetrail returns for the documents in
bench.scale: the same fields, global IDs, orders and formats.
"""

# ruff: noqa: S608 - the statements are put together from this module's constants; values are
# bound as parameters.

import argparse
import base64
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
import uvicorn
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

POOL_SIZE = 8  # one connection per concurrent request of the load


# ---------------------------------------------------------------------------------------------
# PostgreSQL


# A SCHEDULED hearing whose time has passed reads as OVERDUE.
PG_HEARING_STATUS = (
    "CASE WHEN h.status = 'SCHEDULED' AND h.scheduled_for < now() THEN 'OVERDUE' ELSE h.status END"
)


def _pg_id(type_name: str, column: str) -> str:
    """casetrail's global ID (URL-safe base64 of "Type:uuid") computed in SQL."""
    return (
        f"translate(encode(convert_to('{type_name}:' || {column}::text, 'UTF8'), 'base64'), "
        "'+/', '-_')"
    )


def _pg_child(alias: str) -> str:
    c = alias
    return f"""json_build_object(
        'id', {_pg_id("Child", f"{c}.id")},
        'aNumber', {c}.a_number,
        'firstName', {c}.first_name,
        'lastName', {c}.last_name,
        'dateOfBirth', {c}.date_of_birth,
        'countryOfBirth', {c}.country_of_birth,
        'custodyStatus', {c}.custody_status,
        'locationStatus', {c}.location_status,
        'sponsor', (
            SELECT json_build_object(
                'id', {_pg_id("Sponsor", "s.id")}, 'firstName', s.first_name,
                'lastName', s.last_name, 'relationship', s.relationship, 'phone', s.phone)
            FROM sponsor s WHERE s.id = {c}.sponsor_id),
        'addresses', coalesce((
            SELECT json_agg(json_build_object(
                'id', {_pg_id("Address", "a.id")}, 'line1', a.line1, 'line2', a.line2,
                'city', a.city, 'state', a.state, 'postalCode', a.postal_code,
                'effectiveFrom', a.effective_from, 'effectiveTo', a.effective_to,
                'verification', a.verification) ORDER BY a.effective_from)
            FROM address a WHERE a.child_id = {c}.id), '[]'),
        'notices', coalesce((
            SELECT json_agg(json_build_object(
                'id', {_pg_id("Notice", "n.id")}, 'status', n.status, 'issuedOn', n.issued_on,
                'servedOn', n.served_on, 'filedOn', n.filed_on, 'court', n.court)
                ORDER BY n.issued_on)
            FROM notice n WHERE n.child_id = {c}.id), '[]'),
        'hearings', coalesce((
            SELECT json_agg(json_build_object(
                'id', {_pg_id("Hearing", "h.id")}, 'court', h.court, 'type', h.type,
                'scheduledFor', h.scheduled_for, 'status', {PG_HEARING_STATUS})
                ORDER BY h.scheduled_for)
            FROM hearing h WHERE h.child_id = {c}.id), '[]')
    )"""


PG_PAGE = f"""
SELECT json_build_object('data', json_build_object('children', json_build_object('edges',
    coalesce(json_agg(json_build_object('node', {_pg_child("c")}) ORDER BY c.a_number), '[]'))))
FROM (SELECT * FROM child ORDER BY a_number LIMIT 100) c"""

PG_CHILD = f"""
SELECT json_build_object('data', json_build_object('child', (
    SELECT {_pg_child("c")} FROM child c WHERE c.a_number = $1)))"""


class PostgresFloor:
    """json_build_object renders an instant in the session's time zone, so sessions are in UTC
    and instants read as casetrail writes them ("+00:00")."""

    def __init__(self, url: str) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.dsn,
            min_size=POOL_SIZE,
            max_size=POOL_SIZE,
            server_settings={"timezone": "UTC"},
        )

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def answer(self, operation: str, variables: dict[str, Any]) -> str:
        assert self.pool is not None
        if operation == "Page":
            text: str = await self.pool.fetchval(PG_PAGE)
        else:
            text = await self.pool.fetchval(PG_CHILD, variables["aNumber"])
        return text


# ---------------------------------------------------------------------------------------------
# SQLite


SQLITE_HEARING_STATUS = (
    "CASE WHEN h.status = 'SCHEDULED' AND h.scheduled_for < strftime('%Y-%m-%d %H:%M:%f', 'now') "
    "THEN 'OVERDUE' ELSE h.status END"
)


def _sqlite_id(type_name: str, column: str) -> str:
    return f"global_id('{type_name}', {column})"


def _sqlite_instant(column: str) -> str:
    """A stored instant ("YYYY-MM-DD HH:MM:SS.ffffff", UTC) as casetrail writes it."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE replace(substr({column}, 1, 19), ' ', 'T') "
        f"|| CASE WHEN substr({column}, 21) IN ('', '000000') THEN '' "
        f"ELSE substr({column}, 20) END || '+00:00' END"
    )


def _sqlite_list(select: str) -> str:
    """A JSON array of the objects `select` yields, in its order ('[]' when none). Objects
    that pass through a subquery lose their JSON subtype, hence json()."""
    return f"(SELECT json_group_array(json(item)) FROM ({select}))"


def _sqlite_child(alias: str) -> str:
    c = alias
    return f"""json_object(
        'id', {_sqlite_id("Child", f"{c}.id")},
        'aNumber', {c}.a_number,
        'firstName', {c}.first_name,
        'lastName', {c}.last_name,
        'dateOfBirth', {c}.date_of_birth,
        'countryOfBirth', {c}.country_of_birth,
        'custodyStatus', {c}.custody_status,
        'locationStatus', {c}.location_status,
        'sponsor', json((
            SELECT json_object(
                'id', {_sqlite_id("Sponsor", "s.id")}, 'firstName', s.first_name,
                'lastName', s.last_name, 'relationship', s.relationship, 'phone', s.phone)
            FROM sponsor s WHERE s.id = {c}.sponsor_id)),
        'addresses', json({
        _sqlite_list(
            f'''SELECT json_object(
                'id', {_sqlite_id("Address", "a.id")}, 'line1', a.line1, 'line2', a.line2,
                'city', a.city, 'state', a.state, 'postalCode', a.postal_code,
                'effectiveFrom', a.effective_from, 'effectiveTo', a.effective_to,
                'verification', a.verification) AS item
            FROM address a WHERE a.child_id = {c}.id ORDER BY a.effective_from'''
        )
    }),
        'notices', json({
        _sqlite_list(
            f'''SELECT json_object(
                'id', {_sqlite_id("Notice", "n.id")}, 'status', n.status,
                'issuedOn', n.issued_on, 'servedOn', n.served_on, 'filedOn', n.filed_on,
                'court', n.court) AS item
            FROM notice n WHERE n.child_id = {c}.id ORDER BY n.issued_on'''
        )
    }),
        'hearings', json({
        _sqlite_list(
            f'''SELECT json_object(
                'id', {_sqlite_id("Hearing", "h.id")}, 'court', h.court, 'type', h.type,
                'scheduledFor', {_sqlite_instant("h.scheduled_for")},
                'status', {SQLITE_HEARING_STATUS}) AS item
            FROM hearing h WHERE h.child_id = {c}.id ORDER BY h.scheduled_for'''
        )
    })
    )"""


SQLITE_PAGE = f"""
SELECT json_object('data', json_object('children', json_object('edges', json({
    _sqlite_list(
        f"SELECT json_object('node', {_sqlite_child('c')}) AS item "
        "FROM (SELECT * FROM child ORDER BY a_number LIMIT 100) c ORDER BY c.a_number"
    )
}))))"""

SQLITE_CHILD = f"""
SELECT json_object('data', json_object('child', json((
    SELECT {_sqlite_child("c")} FROM child c WHERE c.a_number = ?))))"""


def global_id(type_name: str, stored: str | bytes | None) -> str | None:
    """casetrail's global ID of a UUID as SQLite stores it (32 hex digits). SQLite has no
    base64, so this one function is Python's, called by the statement."""
    if stored is None:
        return None
    key = uuid.UUID(stored if isinstance(stored, str) else stored.decode())
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode()


class SqliteFloor:
    """Each worker thread reads through a connection of its own (WAL: readers do not wait)."""

    def __init__(self, url: str) -> None:
        database = make_url(url).database
        if not database:
            raise ValueError("a SQLite URL names a file")
        self.path = database
        self.local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self.local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
            connection.create_function("global_id", 2, global_id, deterministic=True)
            self.local.connection = connection
        return connection

    def _fetch(self, statement: str, parameters: tuple[Any, ...]) -> str:
        row = self._connection().execute(statement, parameters).fetchone()
        text: str = row[0]
        return text

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def answer(self, operation: str, variables: dict[str, Any]) -> str:
        if operation == "Page":
            return await run_in_threadpool(self._fetch, SQLITE_PAGE, ())
        return await run_in_threadpool(self._fetch, SQLITE_CHILD, (variables["aNumber"],))


# ---------------------------------------------------------------------------------------------
# HTTP


def create_app(url: str) -> Starlette:
    floor: PostgresFloor | SqliteFloor = (
        SqliteFloor(url) if make_url(url).get_backend_name() == "sqlite" else PostgresFloor(url)
    )

    async def graphql(request: Request) -> Response:
        body = orjson.loads(await request.body())
        operation = body.get("operationName")
        if operation not in ("Page", "Child"):
            return JSONResponse({"errors": [{"message": "unknown operation"}]}, 400)
        text = await floor.answer(operation, body.get("variables") or {})
        return Response(text, media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await floor.start()
        yield
        await floor.stop()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--url", required=True, help="the database (a SQLAlchemy URL)")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    uvicorn.run(
        create_app(arguments.url),
        host="127.0.0.1",
        port=arguments.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
