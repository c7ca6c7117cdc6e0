"""Shutting down without dropping work. On SIGTERM (or Ctrl-C) the server stops accepting
connections, ends every subscription with the protocol's own `complete` message, lets the
requests under way finish (for up to REQUESTS_GRACE_SECONDS), closes the WebSockets (1012,
service restart), and stops the alert sweep at a safe point (see `server.app`)."""

import socket
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

# Requests still running this long after the signal are cancelled (a mutation's transaction
# then rolls back whole).
REQUESTS_GRACE_SECONDS = 30


class GracefulServer(uvicorn.Server):
    """uvicorn's server, telling subscribers their subscriptions end before uvicorn closes
    their connections (which it does at once, with no message of the GraphQL protocol)."""

    def __init__(
        self, config: uvicorn.Config, before_closing: Callable[[], Awaitable[None]]
    ) -> None:
        super().__init__(config)
        self.before_closing = before_closing

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # no new connection meanwhile
            server.close()
        await self.before_closing()
        await super().shutdown(sockets)


def serve(app: Any, **options: Any) -> None:
    """Run the app (made by `server.app.create_app`) under uvicorn until a signal stops it."""
    config = uvicorn.Config(app, timeout_graceful_shutdown=REQUESTS_GRACE_SECONDS, **options)
    GracefulServer(config, app.state.stopping).run()
