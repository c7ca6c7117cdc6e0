"""The Starlette application: bearer-token auth, the GraphQL route and health."""

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.types.unset import UNSET, UnsetType

from models.base import utc_now
from models.db import create_engine, session_factory
from models.enums import Role
from resolvers.alerts import sweep_now
from resolvers.live import CHANNEL, PUBLISH_KEY, AlertBroker
from resolvers.live import decode as decode_announcement
from resolvers.tokens import authenticate
from resolvers.unit import Actor, Clock
from schema import Context, schema
from server.settings import Settings

log = logging.getLogger("casetrail")
# The actor of a WebSocket until its connection_init names one (no field is reached before).
_NOT_YET_KNOWN = Actor(name="", role=Role.INTEGRATION)
_ACKNOWLEDGED = cast(UnsetType, UNSET)  # connection_ack with no payload
_LISTENER_CHECK_SECONDS = 10

GRAPHQL_PATH = "/graphql"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CasetrailGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, with the caller and database in the context of each request."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, clock: Clock, **kwargs: Any
    ) -> None:
        super().__init__(schema, **kwargs)
        signer = settings.audit_signer()
        self.engine = engine
        self.read_sessions = session_factory(engine)
        self.audit_public_key = signer.public_key if signer is not None else None
        self.clock = clock
        self.live = AlertBroker()
        self.write_sessions = session_factory(
            engine,
            writer=True,
            info={**settings.write_session_info(), PUBLISH_KEY: self.live.publish},
        )

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.scope["state"]
        return Context(
            actor=state.get("actor") or _NOT_YET_KNOWN,
            read_sessions=self.read_sessions,
            write_sessions=self.write_sessions,
            clock=self.clock,
            request_id=state["request_id"],
            engine=self.engine,
            audit_public_key=self.audit_public_key,
            live=self.live,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A WebSocket names its actor by the upgrade's Authorization header (checked by
        BearerAuth) or by `{"Authorization": "Bearer <token>"}` in connection_init."""
        if context.actor is not _NOT_YET_KNOWN:
            return _ACKNOWLEDGED
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        actor = (
            await _actor(self.read_sessions, authorization)
            if isinstance(authorization, str)
            else None
        )
        if actor is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        context.actor = actor
        return _ACKNOWLEDGED


class BearerAuth:
    """Every GraphQL request names an actor by `Authorization: Bearer <token>`, or is answered
    401. Outside production the GraphiQL page itself (a browser's GET for HTML) is served here
    without a token: the page holds no data, and every query it sends needs one."""

    def __init__(self, app: ASGIApp, engine: AsyncEngine, graphiql: bool) -> None:
        self.app = app
        self.sessions = session_factory(engine)
        self.graphiql_html = get_graphql_ide_html("graphiql") if graphiql else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send, headers)
            return
        supplied = headers.get("x-request-id", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        send = _with_request_id(send, request_id)
        if self.graphiql_html is not None and _is_graphiql_page(scope, headers):
            await HTMLResponse(self.graphiql_html)(scope, receive, send)
            return
        actor = await self._actor(headers.get("authorization", ""))
        if actor is None:
            await _unauthorized(scope, receive, send)
            return
        state["actor"] = actor
        await self.app(scope, receive, send)

    async def _actor(self, authorization: str) -> Actor | None:
        return await _actor(self.sessions, authorization)

    async def _websocket(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        """A token on the upgrade must be good; without one, connection_init must bring it."""
        state = scope.setdefault("state", {})
        state["request_id"] = uuid.uuid4().hex
        if "authorization" in headers:
            actor = await self._actor(headers["authorization"])
            if actor is None:
                await send({"type": "websocket.close", "code": 4401})
                return
            state["actor"] = actor
        await self.app(scope, receive, send)


async def _actor(sessions: async_sessionmaker[AsyncSession], authorization: str) -> Actor | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    async with sessions() as session:
        return await authenticate(session, token.strip())


def _is_graphiql_page(scope: Scope, headers: dict[str, str]) -> bool:
    return (
        scope["method"] == "GET"
        and b"query=" not in scope.get("query_string", b"")
        and "text/html" in headers.get("accept", "")
    )


def _with_request_id(send: Send, request_id: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
        await send(message)

    return sending


async def _unauthorized(scope: Scope, receive: Receive, send: Send) -> None:
    body = {
        "errors": [
            {
                "message": "Authentication required: send `Authorization: Bearer <token>` "
                "with a valid token.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    response = Response(
        json.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="casetrail"'},
    )
    await response(scope, receive, send)


async def _sweep_every(
    interval: float, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """The server's own sweep of the time-driven alerts. Every process runs one; on PostgreSQL
    only one of them sweeps at a time, the others skip their turn."""
    while True:
        await asyncio.sleep(interval)
        try:
            result = await sweep_now(sessions, clock)
        except Exception as error:  # the next turn tries again; the message may hold data
            log.error("alert sweep failed: %s", type(error).__name__)
            continue
        if result is not None:
            log.info(
                "alert sweep: %d raised, %d resolved",
                sum(result.raised.values()),
                sum(result.resolved.values()),
            )


async def _relay_notifications(engine: AsyncEngine, broker: AlertBroker) -> None:
    """PostgreSQL: each process LISTENs on a connection of its own, so an alert raised through
    any process (or the command line) reaches this process's subscribers once it commits."""
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def received(_connection: object, _pid: int, _channel: str, payload: str) -> None:
        raised = decode_announcement(payload)
        if raised is not None:
            broker.publish([raised])

    while True:
        try:
            connection = await asyncpg.connect(dsn)
            try:
                await connection.add_listener(CHANNEL, received)
                while True:  # a dead connection shows here, and is replaced
                    await asyncio.sleep(_LISTENER_CHECK_SECONDS)
                    await connection.execute("SELECT 1")
            finally:
                await connection.close()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.error("live alerts: %s; listening again", type(error).__name__)
            await asyncio.sleep(1)


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utc_now,
) -> Starlette:
    """The service. Pass an engine to share one (tests); otherwise one is made from settings."""
    settings = settings or Settings()
    owned = engine is None
    database = engine or create_engine(settings.database_url)

    async def healthz(_request: Request) -> Response:
        try:
            async with database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means "cannot serve"
            log.exception("health check: database unreachable")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    graphql = CasetrailGraphQL(
        database,
        settings,
        clock,
        graphql_ide=None,
        allow_queries_via_get=True,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        tasks = []
        if settings.sweep_interval_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _sweep_every(settings.sweep_interval_seconds, graphql.write_sessions, clock)
                )
            )
        if database.dialect.name == "postgresql":
            tasks.append(asyncio.create_task(_relay_notifications(database, graphql.live)))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if owned:
            await database.dispose()

    app = Starlette(
        routes=[
            Route(GRAPHQL_PATH, graphql, methods=["GET", "POST"]),
            WebSocketRoute(GRAPHQL_PATH, graphql),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BearerAuth, engine=database, graphiql=not settings.production)
    app.state.engine = database
    return app
