"""`Idempotency-Key`: a mutation sent again with its key gets the first answer, byte for byte,
and writes nothing, in whichever server process the retry lands (the keys are in the
database; see `resolvers.idempotency` for how a key is claimed)."""

import asyncio
import logging
import time
from dataclasses import dataclass

import orjson
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.db import autocommitting, session_factory
from resolvers.idempotency import Claim, Kept, fingerprint, keep_answer, kept, valid_key
from resolvers.unit import Actor, Clock
from server.limits import error_response, whole_body

log = logging.getLogger("casetrail")

HEADER = b"idempotency-key"
# Said of an answer given again rather than made.
REPLAYED = (b"idempotent-replayed", b"true")
# How long a request waits for the answer of another with its key that came first.
WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.05
# importDocket needs no key: its rows are applied in transactions of their own, and the same
# file applied again changes nothing.
_WITHOUT_CLAIM = frozenset({("importDocket",)})


class IdempotentMutations:
    """A POST to the GraphQL path with an `Idempotency-Key` header and a mutation of one field:
    answered with the key's kept answer when the caller used the key before with the same
    request; refused when with another; otherwise executed with the key claimed in the
    mutation's transaction, and its answer kept. A query's key is ignored (a query writes
    nothing)."""

    def __init__(self, app: ASGIApp, engine: AsyncEngine, path: str, clock: Clock) -> None:
        self.app = app
        self.path = path
        self.clock = clock
        self.reads = session_factory(autocommitting(engine))
        self.writes = session_factory(engine, writer=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers", ())).get(HEADER)
        state = scope.get("state", {})
        actor = state.get("actor")
        if (
            key is None
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != self.path
            or not isinstance(actor, Actor)
        ):
            await self.app(scope, receive, send)
            return
        text = key.decode("latin-1")
        if not valid_key(text):
            await _refuse(400, "INVALID_IDEMPOTENCY_KEY", _INVALID_KEY, scope, receive, send)
            return
        body, receive = await whole_body(receive)
        mutation = _mutation(body)
        if mutation is None or mutation.fields in _WITHOUT_CLAIM:
            await self.app(scope, receive, send)
            return
        if len(mutation.fields) != 1:
            await _refuse(400, "INVALID_IDEMPOTENCY_KEY", _ONE_FIELD, scope, receive, send)
            return
        claim = Claim(actor.name, text, mutation.fingerprint)
        found = await kept(self.reads, claim.actor_name, claim.key, now=self.clock())
        if found is not None:
            await self._answer_again(claim, found, scope, receive, send)
            return
        state["idempotency"] = claim
        answer = _Buffered()
        await self.app(scope, receive, answer.send)
        if claim.taken:  # another request with the key came first, and committed
            await self._answer_again(claim, None, scope, receive, send)
            return
        if claim.committed and answer.complete:
            try:
                await keep_answer(
                    self.writes,
                    claim,
                    status=answer.status,
                    media_type=answer.media_type,
                    body=answer.body.decode(),
                )
            except Exception as error:  # the change stands; a retry is told its answer is lost
                log.error("idempotency key: answer not kept (%s)", type(error).__name__)
        await answer.replay(send)

    async def _answer_again(
        self, claim: Claim, found: Kept | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """The kept answer of the key, once it is there (waiting a while for the request that
        claimed it to write it); a refusal when the key was used with another request."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if found is not None and found.fingerprint != claim.fingerprint:
                await _refuse(422, "IDEMPOTENCY_KEY_REUSED", _REUSED, scope, receive, send)
                return
            if found is not None and found.body is not None:
                await _send_kept(found.status, found.media_type, found.body, send)
                return
            if time.monotonic() >= deadline:
                await _refuse(
                    409, "IDEMPOTENCY_KEY_IN_USE", _NO_ANSWER, scope, receive, send, retry=True
                )
                return
            await asyncio.sleep(_POLL_SECONDS)
            found = await kept(self.reads, claim.actor_name, claim.key, now=self.clock())


async def _send_kept(status: int | None, media_type: str | None, text: str, send: Send) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status or 200,  # kept with the body, as is the media type
            "headers": [
                (b"content-type", (media_type or "application/json").encode("latin-1")),
                (b"content-length", str(len(body)).encode()),
                REPLAYED,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_INVALID_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters."
_ONE_FIELD = "A mutation sent with an Idempotency-Key must have exactly one field."
_REUSED = "This Idempotency-Key was sent before with another request; use a new key."
_NO_ANSWER = (
    "A request with this Idempotency-Key was applied, but its answer has not been kept yet: "
    "retry shortly, or read the record to see its state."
)


async def _refuse(
    status: int,
    code: str,
    message: str,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    retry: bool = False,
) -> None:
    headers = {"Retry-After": "1"} if retry else {}
    await error_response(status, code, message, **headers)(scope, receive, send)


@dataclass(frozen=True)
class _Mutation:
    fields: tuple[str, ...]  # its root fields by name, aliases aside
    fingerprint: str  # of the request (`resolvers.idempotency.fingerprint`)


def _mutation(body: bytes) -> _Mutation | None:
    """The mutation a GraphQL request in JSON would execute; None when it is not one (a
    query, or a request the GraphQL layer will refuse on its own). A root selection that is
    not a field counts as a field no mutation has, so that the request is refused."""
    try:
        request = orjson.loads(body)
        query, name = request["query"], request.get("operationName")
        document = parse(query)
    except (orjson.JSONDecodeError, TypeError, KeyError, GraphQLError, AttributeError):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.MUTATION:
        return None
    variables = request.get("variables")
    return _Mutation(
        fields=tuple(
            selection.name.value if isinstance(selection, FieldNode) else ""
            for selection in chosen[0].selection_set.selections
        ),
        fingerprint=fingerprint(query, name, variables if isinstance(variables, dict) else {}),
    )


class _Buffered:
    """A response held back until the key's answer is kept (or discarded)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.status = 0
        self.media_type = "application/json"
        self.body = b""
        self.complete = False

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":
                    self.media_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            self.complete = not message.get("more_body", False)

    async def replay(self, send: Send) -> None:
        for message in self.messages:
            await send(message)
