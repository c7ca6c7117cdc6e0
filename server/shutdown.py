"""Shutting down without dropping work. On SIGTERM (or Ctrl-C) the server says it is not
ready, goes on taking requests for the drain time it was given (so that a load balancer polling
/readyz stops sending it any before a connection is refused), then stops accepting
connections, ends every subscription with the protocol's own `complete` message, lets the
requests under way finish (for up to REQUESTS_GRACE_SECONDS), closes the WebSockets (1012,
service restart), and stops the alert sweep at a safe point (see `server.app`)."""

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

# Requests still running this long after the signal are cancelled (a mutation's transaction
# then rolls back whole).
REQUESTS_GRACE_SECONDS = 30


# While draining, how often a second signal (which asks to stop at once) is looked for.
_DRAIN_STEP_SECONDS = 0.1


class GracefulServer(uvicorn.Server):
    """uvicorn's server, draining first: not ready but still serving for `drain_seconds`.
    Then it tells subscribers their subscriptions end before uvicorn closes their connections
    (which it does at once, with no message of the GraphQL protocol)."""

    def __init__(
        self,
        config: uvicorn.Config,
        *,
        not_ready: Callable[[], None],
        before_closing: Callable[[], Awaitable[None]],
        drain_seconds: float = 0,
    ) -> None:
        super().__init__(config)
        self.not_ready = not_ready
        self.before_closing = before_closing
        self.drain_seconds = drain_seconds

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.not_ready()
        await self._drain()
        for server in self.servers:  # no new connection meanwhile
            server.close()
        await self.before_closing()
        await super().shutdown(sockets)

    async def _drain(self) -> None:
        """Serve on for the drain time, unless a second signal asks to stop at once. uvicorn
        notes that signal in a plain attribute (set by its signal handler), so it is polled."""
        until = time.monotonic() + self.drain_seconds
        while not self.force_exit and time.monotonic() < until:  # noqa: ASYNC110
            await asyncio.sleep(min(_DRAIN_STEP_SECONDS, max(0.0, until - time.monotonic())))


def serve(app: Any, *, drain_seconds: float = 0, **options: Any) -> None:
    """Run the app (made by `server.app.create_app`) under uvicorn until a signal stops it."""
    config = uvicorn.Config(app, timeout_graceful_shutdown=REQUESTS_GRACE_SECONDS, **options)
    GracefulServer(
        config,
        not_ready=app.state.not_ready,
        before_closing=app.state.stopping,
        drain_seconds=drain_seconds,
    ).run()
