"""Prometheus metrics of a server process: GraphQL requests and their latency by operation and
outcome, and the open alerts by kind. Every server process keeps its own; scrape each. Beside
them, each request's line in the log. Nothing here holds record data: operations are named by
the names clients give them."""

import logging
import re
import time
from collections.abc import Iterable
from urllib.parse import parse_qs

import orjson
import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import Alert
from models.enums import AlertKind, AlertStatus

# Client-chosen names become labels: past this many distinct ones a process counts the rest
# as "other", so that a client cannot grow the metrics without bound.
MAX_OPERATIONS = 200
# Bodies are watched as the GraphQL layer reads them, up to this much, for the operation name.
_WATCHED_BYTES = 65_536
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ALERTS = Alert.__table__  # type: ignore[attr-defined]
access = logging.getLogger("casetrail.requests")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "casetrail_graphql_requests",
            "GraphQL requests answered, by operation name and outcome (ok; error: answered "
            "with GraphQL errors; refused: HTTP 4xx; failed: HTTP 5xx)",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "casetrail_graphql_request_seconds",
            "Time to answer a GraphQL request, by operation name",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.open_alerts = Gauge(
            "casetrail_open_alerts",
            "Alerts not yet resolved (OPEN or ACKNOWLEDGED), by kind, when last scraped",
            ["kind"],
            registry=self.registry,
        )
        self.database_up = Gauge(
            "casetrail_database_up",
            "1 when the database answered the last scrape, else 0",
            registry=self.registry,
        )
        self._operations: set[str] = set()

    def operation(self, name: object) -> str:
        """The label of an operation name as a client gave it."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return "anonymous"
        if name not in self._operations:
            if len(self._operations) >= MAX_OPERATIONS:
                return "other"
            self._operations.add(name)
        return name

    def record(self, operation: str, status: int, errors: bool, seconds: float) -> None:
        if status >= 500:
            outcome = "failed"
        elif status >= 400:
            outcome = "refused"
        else:
            outcome = "error" if errors else "ok"
        self.requests.labels(operation, outcome).inc()
        self.latency.labels(operation).observe(seconds)

    async def exposition(self, engine: AsyncEngine) -> bytes:
        """The metrics in Prometheus's text format, the open alerts counted now."""
        try:
            counts = await _open_alerts(engine)
        except Exception:  # the metrics still answer, saying the database did not
            self.database_up.set(0)
        else:
            self.database_up.set(1)
            for kind in AlertKind:
                self.open_alerts.labels(kind.value).set(counts.get(kind.value, 0))
        return generate_latest(self.registry)


async def _open_alerts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows: Iterable[tuple[str, int]] = await connection.execute(
            sa.select(_ALERTS.c.kind, sa.func.count())
            .where(_ALERTS.c.status != AlertStatus.RESOLVED)
            .group_by(_ALERTS.c.kind)
        )
        return {str(getattr(kind, "value", kind)): int(count) for kind, count in rows}


class RecordRequests:
    """Logs a line for every HTTP request, and counts and times every request to the GraphQL
    path by the operation name its body (or query string) gives, watching the body as the
    layers inside read it rather than reading it here: a body too large is refused inside
    without being read whole."""

    def __init__(self, app: ASGIApp, metrics: Metrics, path: str) -> None:
        self.app = app
        self.metrics = metrics
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        graphql = scope["path"] == self.path
        chunks: list[bytes] = []
        watched = 0
        status = 500

        async def watching() -> Message:
            nonlocal watched
            message = await receive()
            if graphql and message["type"] == "http.request" and watched < _WATCHED_BYTES:
                chunk = message.get("body", b"")
                chunks.append(chunk)
                watched += len(chunk)
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, watching, sending)
        finally:
            seconds = time.perf_counter() - started
            state = scope.get("state", {})
            operation = None
            if graphql:
                operation = self.metrics.operation(_operation_name(scope, b"".join(chunks)))
                self.metrics.record(operation, status, bool(state.get("graphql_errors")), seconds)
            log_request(scope, status, seconds, operation)


def log_request(scope: Scope, status: int, seconds: float, operation: str | None) -> None:
    """One line for an answered request: method, path (never the query string), status,
    time taken, and the operation's name as the metrics label it; the request id and actor
    come from the request's context (`server.logs`)."""
    fields: dict[str, object] = {
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
    }
    if operation is not None:
        fields["operation"] = operation
    access.info("%s %s %d", scope["method"], scope["path"], status, extra=fields)


def _operation_name(scope: Scope, body: bytes) -> object:
    """The operation name the request gives, or else the name of its document's first
    operation (found without parsing the document)."""
    if scope["method"] == "GET":
        fields = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        request: object = {key: values[0] for key, values in fields.items()}
    else:
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(request, dict):
        return None
    name, query = request.get("operationName"), request.get("query")
    if name is None and isinstance(query, str):
        first = _FIRST_OPERATION.match(query)
        return first.group(1) if first else None
    return name


_FIRST_OPERATION = re.compile(r"\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
