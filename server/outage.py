"""While the database cannot be reached, a request fails fast with 503 and says so."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.db import unreachable
from schema.errors import DATABASE_UNAVAILABLE, unavailable_message
from server.limits import error_response

log = logging.getLogger("casetrail")

# What a refused client is told to wait: the pool tries the database afresh on every request,
# so the first request after it is back is served.
RETRY_AFTER_SECONDS = 5


class DatabaseOutage:
    """A request whose database work failed because the database could not be reached (the
    token's lookup, a prepared read, the access log) is answered 503 with a GraphQL-shaped
    error naming the reason, instead of a bare 500. Every other fault passes through as before.
    A fault inside GraphQL execution never reaches here: the schema masks it, and the GraphQL
    view gives such an answer the same status (see `CasetrailGraphQL.process_result`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            reason = unreachable(error)
            if reason is None or started:
                raise
            request_id = scope.get("state", {}).get("request_id", "-")
            log.warning("request %s: database unavailable (%s)", request_id, reason)
            respond = error_response(
                503,
                DATABASE_UNAVAILABLE,
                unavailable_message(reason),
                **{"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await respond(scope, receive, send)
