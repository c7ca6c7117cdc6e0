"""Limits on what one client can make the server do: the size of a request's body, and how many
requests a token may make a minute."""

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def error_response(status: int, code: str, message: str, **headers: str) -> ASGIApp:
    """A GraphQL-shaped error answer (the client's GraphQL library can read it) as an ASGI
    app."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()

    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *((name.lower().encode(), value.encode()) for name, value in headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return respond


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands on a body already read, whole, then what `receive` brings (a
    disconnect, when the client goes)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def whole_body(receive: Receive) -> tuple[bytes, Receive]:
    """The request's body, and a `receive` that hands it on again (BodyLimit, outside, has
    already bounded it)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, replaying(body, receive)


class BodyLimit:
    """Refuse a request whose body is larger than `max_bytes` with 413, before the GraphQL
    layer reads any of it: by its Content-Length when it gives one, else as it arrives. The
    body is read here and handed on whole, so a refusal never leaves a half-read request."""

    def __init__(self, app: ASGIApp, max_bytes: int, path: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replaying(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        respond = error_response(
            413,
            "REQUEST_TOO_LARGE",
            f"The request body is larger than {self.max_bytes:,} bytes.",
        )
        await respond(scope, receive, send)


@dataclass
class _Bucket:
    tokens: float
    checked_at: float


class RateLimiter:
    """A token bucket per API token: `per_minute` requests a minute on average, up to as many
    at once. Kept by each server process, so behind a load balancer a token may make that
    many a minute through each process; the database is not asked (a write per request would
    cost more than the requests it limits)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def wait(self, key: str) -> float:
        """Take one request from `key`'s bucket: 0 when allowed, otherwise the seconds until
        one would be."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(
            self.capacity, bucket.tokens + (now - bucket.checked_at) * self.per_second
        )
        bucket.checked_at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def refusal(self, seconds: float) -> ASGIApp:
        retry_after = max(1, math.ceil(seconds))
        return error_response(
            429,
            "RATE_LIMITED",
            f"Too many requests with this token; try again in {retry_after} s.",
            **{"Retry-After": str(retry_after)},
        )
