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
import httpx
import orjson
import sqlalchemy as sa
from cross_web import HTTPException
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, or_, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

import migrations
from models import ApiToken
from models.base import utc_now
from models.db import (
    STATEMENT_TIMEOUT_OPTION,
    autocommitting,
    create_engine,
    session_factory,
    unreachable,
)
from models.enums import Role
from resolvers.alerts import sweep_now
from resolvers.live import CHANNEL, PUBLISH_KEY, AlertBroker
from resolvers.live import decode as decode_announcement
from resolvers.partners import deliver_due
from resolvers.seed import DEMO_TOKEN_PREFIX
from resolvers.tokens import authenticate
from resolvers.unit import Actor, Clock
from schema import Context, build_schema, record_access
from schema.compiled import Prepared, PreparedDocuments, answer_prepared
from schema.errors import DATABASE_UNAVAILABLE
from server.export import EXPORT_PATH, children_csv
from server.graphiql import graphiql_html
from server.idempotency import IdempotentMutations
from server.limits import BodyLimit, RateLimiter, whole_body
from server.logs import begin_request
from server.media import GRAPHQL_RESPONSE, answer_type, is_request_error
from server.metrics import Metrics, RecordRequests
from server.outage import RETRY_AFTER_SECONDS, DatabaseOutage
from server.pages import page_routes
from server.settings import Settings

log = logging.getLogger("casetrail")
# The actor of a WebSocket until its connection_init names one (no field is reached before).
_NOT_YET_KNOWN = Actor(name="", role=Role.INTEGRATION)
_ACKNOWLEDGED = cast(UnsetType, UNSET)  # connection_ack with no payload
_LISTENER_CHECK_SECONDS = 10

GRAPHQL_PATH = "/graphql"
# At shutdown: how long subscribers have to be told their subscriptions end, and how long a
# sweep under way has to commit.
SUBSCRIBERS_GRACE_SECONDS = 2.0
SWEEP_GRACE_SECONDS = 30.0
DELIVERY_GRACE_SECONDS = 15.0
DELIVERIES_A_ROUND = 100
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CasetrailGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, with the caller and database in the context of each request."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, clock: Clock, **kwargs: Any
    ) -> None:
        built = build_schema(introspection=not settings.production)
        super().__init__(built, **kwargs)
        self.graphql_schema = built._schema  # what variables are coerced against
        signer = settings.audit_signer()
        self.engine = engine
        self.read_sessions = session_factory(engine)  # under the engine's statement timeout
        self.audit_public_key = signer.public_key if signer is not None else None
        self.clock = clock
        self.compiled_reads = settings.compiled_reads
        self.prepared = PreparedDocuments()
        self.live = AlertBroker()
        info = {**settings.write_session_info(), PUBLISH_KEY: self.live.publish}
        self.write_sessions = session_factory(engine, writer=True, info=info)
        # The server's own sweep is not a request: it runs as long as every child takes.
        self.sweep_sessions = session_factory(
            engine, writer=True, info=info, statement_timeout_ms=0
        )

    def encode_json(self, data: object) -> bytes:
        """Responses written by orjson: a page of children is about 90 KiB of JSON, which
        json writes in several times the time."""
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:  # what json writes and orjson does not (big integers)
            return json.dumps(data, separators=(",", ":")).encode()

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """As Strawberry executes a request, except that a mutation sent by GET is refused
        with 405 (Method Not Allowed), as GraphQL over HTTP requires, where Strawberry says
        400."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if (
                isinstance(error.__cause__, InvalidOperationTypeError)
                and error.__cause__.operation_type is OperationType.MUTATION
            ):
                raise HTTPException(405, error.reason) from error.__cause__
            raise

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.scope["state"]
        context = self.context_of(state)
        state["context"] = context  # for __call__ to see what the request was answered by
        # The answer's type, chosen now (Strawberry asks for the context first) so that
        # `process_result` can set its status and `create_response` write it.
        response.media_type = answer_type(request.headers.get("accept"))
        state["sub_response"] = response
        return context

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        answer = await super().process_result(request, result)
        request.scope["state"]["graphql_errors"] = bool(result.errors)  # for the metrics
        response = request.scope["state"].get("sub_response")
        if response is None:
            return answer
        if any(
            (error.extensions or {}).get("code") == DATABASE_UNAVAILABLE
            for error in result.errors or ()
        ):
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        elif response.media_type == GRAPHQL_RESPONSE and is_request_error(result):
            response.status_code = 400
            answer.pop("data", None)  # the request was not executed: there is no data at all
        return answer

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = GRAPHQL_RESPONSE
        return response

    def context_of(self, state: dict[str, Any]) -> Context:
        """A fresh context for the request whose ASGI state this is (its actor and id)."""
        return Context(
            actor=state.get("actor") or _NOT_YET_KNOWN,
            read_sessions=self.read_sessions,
            write_sessions=self.write_sessions,
            clock=self.clock,
            request_id=state["request_id"],
            engine=self.engine,
            audit_public_key=self.audit_public_key,
            live=self.live,
            compiled_reads=self.compiled_reads,
            idempotency=state.get("idempotency"),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of a document the compiled read path answered before is answered again by
        it directly; anything else, or anything it leaves to the ordinary path, goes through
        Strawberry as before."""
        if scope["type"] == "http" and scope["method"] == "GET":
            send = _allowing_post(send)
        if not self.compiled_reads or scope["type"] != "http" or scope["method"] != "POST":
            await super().__call__(scope, receive, send)
            return
        body, receive = await whole_body(receive)
        request = _plain_json_request(scope, body)
        state = scope.setdefault("state", {})
        key = None
        if request is not None and isinstance(state.get("actor"), Actor):
            query, operation_name, variables, media_type = request
            key = (query, operation_name, state["actor"].role, self.engine.dialect.name)
            answer = await self._prepared_answer(state, key, variables)
            if answer is not None:
                await Response(answer, media_type=media_type)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
        context = state.get("context")
        if (
            key is not None
            and isinstance(context, Context)
            and isinstance(context.compiled_prepared, Prepared)
        ):
            self.prepared.put(key, context.compiled_prepared)

    async def _prepared_answer(
        self,
        state: dict[str, Any],
        key: tuple[str, str | None, Role, str],
        variables: dict[str, Any],
    ) -> bytes | None:
        prepared = self.prepared.get(key)
        if prepared is None:
            return None
        context = self.context_of(state)
        data = await answer_prepared(prepared, context, self.graphql_schema, variables)
        if data is None:
            return None
        operation = prepared.operation.name
        await record_access(context, operation.value if operation is not None else None)
        return self.encode_json({"data": data})

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A WebSocket names its actor by the upgrade's Authorization header (checked by
        BearerAuth) or by `{"Authorization": "Bearer <token>"}` in connection_init."""
        if context.actor is not _NOT_YET_KNOWN:
            return _ACKNOWLEDGED
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        actor = (
            await _actor(autocommitting(self.engine), authorization, self.clock)
            if isinstance(authorization, str)
            else None
        )
        if actor is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        context.actor = actor
        begin_request(context.request_id, actor)
        return _ACKNOWLEDGED


def _why_not_serving(error: Exception) -> str:
    """What a health or readiness check says of a database that failed it (no message: it
    may quote data)."""
    return unreachable(error) or f"the database answered with {type(error).__name__}"


def _allowing_post(send: Send) -> Send:
    """A GET refused with 405 (a mutation, which only POST may carry) says which method would
    be allowed, as HTTP requires of a 405."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            message.setdefault("headers", []).append((b"allow", b"POST"))
        await send(message)

    return sending


def _plain_json_request(
    scope: Scope, body: bytes
) -> tuple[str, str | None, dict[str, Any], str] | None:
    """(query, operation name, variables, the answer's media type) of a JSON GraphQL request
    that carries nothing else; None for any other."""
    headers = dict(scope["headers"])
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/json":
        return None
    accept = headers.get(b"accept")
    media_type = answer_type(accept.decode("latin-1") if accept is not None else None)
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(request, dict) or not set(request) <= {"query", "operationName", "variables"}:
        return None
    query, operation_name = request.get("query"), request.get("operationName")
    variables = request.get("variables") or {}
    if not isinstance(query, str) or not isinstance(variables, dict):
        return None
    if operation_name is not None and not isinstance(operation_name, str):
        return None
    return query, operation_name, variables, media_type


class BearerAuth:
    """Every GraphQL (or export) request names an actor by `Authorization: Bearer <token>`, or
    is answered 401. Outside production the GraphiQL page itself (a browser's GET of /graphql
    for HTML) is served here without a token: the page holds no data, and every query it sends
    needs one."""

    def __init__(
        self,
        app: ASGIApp,
        engine: AsyncEngine,
        graphiql: bool,
        limiter: RateLimiter,
        clock: Clock = utc_now,
        graphiql_headers: dict[str, str] | None = None,
    ) -> None:
        self.app = app
        self.paths = {GRAPHQL_PATH, EXPORT_PATH}
        # Every request's lookup is one statement (and now and then a write of its own).
        self.lookups = autocommitting(engine)
        self.clock = clock
        self.graphiql_html = graphiql_html(graphiql_headers) if graphiql else None
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] not in self.paths:
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
        begin_request(request_id)
        send = _with_request_id(send, request_id)
        if self.graphiql_html is not None and _is_graphiql_page(scope, headers):
            await HTMLResponse(self.graphiql_html)(scope, receive, send)
            return
        actor = await self._actor(headers.get("authorization", ""))
        if actor is None:
            await _unauthorized(scope, receive, send)
            return
        wait = self.limiter.wait(actor.name)
        if wait:
            await self.limiter.refusal(wait)(scope, receive, send)
            return
        state["actor"] = actor
        begin_request(request_id, actor)
        await self.app(scope, receive, send)

    async def _actor(self, authorization: str) -> Actor | None:
        return await _actor(self.lookups, authorization, self.clock)

    async def _websocket(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        """A token on the upgrade must be good; without one, connection_init must bring it."""
        state = scope.setdefault("state", {})
        state["request_id"] = uuid.uuid4().hex
        begin_request(state["request_id"])
        if "authorization" in headers:
            actor = await self._actor(headers["authorization"])
            if actor is None:
                await send({"type": "websocket.close", "code": 4401})
                return
            state["actor"] = actor
            begin_request(state["request_id"], actor)
        await self.app(scope, receive, send)


async def _actor(lookups: AsyncEngine, authorization: str, clock: Clock) -> Actor | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await authenticate(lookups, token.strip(), now=clock())


def _is_graphiql_page(scope: Scope, headers: dict[str, str]) -> bool:
    return (
        scope["path"] == GRAPHQL_PATH
        and scope["method"] == "GET"
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


async def sweep_every(
    interval: float,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    stopping: asyncio.Event,
) -> None:
    """The server's own sweep of the time-driven alerts. Every process runs one; on PostgreSQL
    only one of them sweeps at a time, the others skip their turn. Once `stopping` is set it
    sweeps no more; a sweep under way is one transaction, and is let finish."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)
        if stopping.is_set():
            return
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


async def deliver_every(
    interval: float, engine: AsyncEngine, clock: Clock, stopping: asyncio.Event
) -> None:
    """The server's own delivery of partner notifications: what is due, every `interval`
    seconds, and at once again while a round finds more due than it may send. Every process
    runs one; each holds what it sends, so none is sent by two at once."""
    async with httpx.AsyncClient() as client:
        while not stopping.is_set():
            try:
                done = await deliver_due(engine, clock, client, limit=DELIVERIES_A_ROUND)
            except Exception as error:  # the next round tries again; the message may hold data
                log.error("partner delivery failed: %s", type(error).__name__)
            else:
                if done.sent:
                    log.info("partner deliveries: %d sent, %d taken", done.sent, done.delivered)
                if done.sent == DELIVERIES_A_ROUND:
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)


async def stop_delivering(delivering: asyncio.Task[None], stopping: asyncio.Event) -> None:
    """Stop the delivery loop between two sends. A send that outlasts the grace is cancelled:
    its hold lapses, and the delivery is sent again, under the same idempotency key."""
    await _stop_at_safe_point(delivering, stopping, DELIVERY_GRACE_SECONDS)


async def stop_sweeping(sweeping: asyncio.Task[None], stopping: asyncio.Event) -> None:
    """Stop the sweep at a safe point: between two sweeps, or once the one under way has
    committed. One that takes longer than the grace is cancelled, which rolls its transaction
    back whole."""
    if not await _stop_at_safe_point(sweeping, stopping, SWEEP_GRACE_SECONDS):
        log.warning("alert sweep cancelled at shutdown; it is rolled back and runs again later")


async def _stop_at_safe_point(
    task: asyncio.Task[None], stopping: asyncio.Event, grace: float
) -> bool:
    """Tell a loop to stop, and let it finish its round for up to `grace` seconds; past that it
    is cancelled. Returns whether it stopped on its own."""
    stopping.set()
    try:
        await asyncio.wait_for(asyncio.shield(task), grace)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    return True


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


async def production_refusals(settings: Settings, engine: AsyncEngine) -> list[str]:
    """Why the server may not serve in production mode (none outside it)."""
    if not settings.production:
        return []
    found = []
    if settings.audit_signing_key_file is None:
        found.append(
            "no CASETRAIL_AUDIT_SIGNING_KEY_FILE: production signs the history's checkpoints "
            "(`casetrail audit keygen FILE` makes a key)"
        )
    if "*" in settings.cors_allow_origins:
        found.append("CASETRAIL_CORS_ALLOW_ORIGINS may not allow every origin ('*')")
    async with engine.connect() as connection:
        demo = await connection.execute(
            sa.select(func.count())
            .select_from(ApiToken)
            .where(
                col(ApiToken.name).startswith(DEMO_TOKEN_PREFIX),
                col(ApiToken.revoked_at).is_(None),
                or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > utc_now()),
            )
        )
        if demo.scalar_one():
            found.append(
                f"the database holds demonstration tokens ({DEMO_TOKEN_PREFIX}…) that still "
                "work: production serves real records only (`casetrail token revoke NAME`)"
            )
    return found


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utc_now,
    graphiql_headers: dict[str, str] | None = None,
) -> Starlette:
    """The service. Pass an engine to share one (tests); otherwise one is made from settings.
    `graphiql_headers` fill GraphiQL's Headers pane (demo mode: a demo token)."""
    settings = settings or Settings()
    owned = engine is None
    timeout = settings.statement_timeout_ms
    if engine is None:
        database = create_engine(
            settings.database_url, statement_timeout_ms=timeout, **settings.pool_options()
        )
    else:  # a shared engine (tests): its requests get the limit too
        database = engine.execution_options(**{STATEMENT_TIMEOUT_OPTION: timeout})

    async def healthz(_request: Request) -> Response:
        try:
            async with database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach the database means "cannot serve"
            reason = _why_not_serving(error)
            log.warning("health check: database unreachable (%s)", reason)
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable", "reason": reason},
                503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    draining = asyncio.Event()

    async def readyz(_request: Request) -> Response:
        """Whether to send this process requests: not while it shuts down, nor while its
        database cannot be reached or is at another revision than this code needs."""
        reason = None
        if draining.is_set():
            reason = "the server is shutting down"
        else:
            try:
                current = await migrations.current_revision(database)
            except Exception as error:
                reason = _why_not_serving(error)
            else:
                head = migrations.head_revision()
                if current != head:
                    reason = f"the database is at revision {current}; this code needs {head}"
        if reason is not None:
            return JSONResponse(
                {"status": "not ready", "reason": reason},
                503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return JSONResponse({"status": "ready"})

    metrics = Metrics()

    async def metrics_page(_request: Request) -> Response:
        return Response(await metrics.exposition(database), media_type=CONTENT_TYPE_LATEST)

    async def stopping() -> None:
        draining.set()
        await graphql.live.close(SUBSCRIBERS_GRACE_SECONDS)

    graphql = CasetrailGraphQL(
        database,
        settings,
        clock,
        graphql_ide=None,
        allow_queries_via_get=True,
    )

    async def export_children(request: Request) -> Response:
        state = request.scope["state"]
        return await children_csv(request, lambda: graphql.context_of(state), graphql.schema)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        refusals = await production_refusals(settings, database)
        if refusals:
            raise RuntimeError("Refusing to serve in production: " + "; ".join(refusals))
        tasks = []
        no_more_sweeps = asyncio.Event()
        sweeping = None
        if settings.sweep_interval_seconds > 0:
            sweeping = asyncio.create_task(
                sweep_every(
                    settings.sweep_interval_seconds, graphql.sweep_sessions, clock, no_more_sweeps
                )
            )
        no_more_deliveries = asyncio.Event()
        delivering = None
        if settings.partner_delivery_interval_seconds > 0:
            delivering = asyncio.create_task(
                deliver_every(
                    settings.partner_delivery_interval_seconds,
                    database,
                    clock,
                    no_more_deliveries,
                )
            )
        if database.dialect.name == "postgresql":
            tasks.append(asyncio.create_task(_relay_notifications(database, graphql.live)))
        yield
        if delivering is not None:
            await stop_delivering(delivering, no_more_deliveries)
        if sweeping is not None:
            await stop_sweeping(sweeping, no_more_sweeps)
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
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_page, methods=["GET"]),
            Route(EXPORT_PATH, export_children, methods=["POST"]),
            *page_routes(),
        ],
        lifespan=lifespan,
    )
    limiter = RateLimiter(settings.rate_limit_per_minute)
    # The last added is the outermost, and runs first: CORS answers preflights, requests are
    # counted, the token is checked and the rate limited before any of a body is read.
    # Innermost: a mutation's key is looked up once the body is bounded and the caller known.
    app.add_middleware(IdempotentMutations, engine=database, path=GRAPHQL_PATH, clock=clock)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, path=GRAPHQL_PATH)
    app.add_middleware(
        BearerAuth,
        engine=database,
        graphiql=not settings.production,
        limiter=limiter,
        clock=clock,
        graphiql_headers=graphiql_headers,
    )
    # Inside CORS (a 503 carries its headers) and outside everything that reads the database.
    app.add_middleware(DatabaseOutage)
    app.add_middleware(RecordRequests, metrics=metrics, path=GRAPHQL_PATH)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Idempotency-Key"],
            expose_headers=["X-Request-ID", "Retry-After", "Idempotent-Replayed"],
        )
    app.state.engine = database
    # What the server does on SIGTERM before it closes any connection (server.shutdown): it
    # says it is not ready, and ends every subscription.
    app.state.not_ready = draining.set
    app.state.stopping = stopping
    return app
