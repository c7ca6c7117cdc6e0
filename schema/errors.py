"""Where domain errors become API errors, in one place: `userErrors` in a mutation's payload,
a GraphQL error with `extensions.code` in a query."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from sqlmodel.ext.asyncio.session import AsyncSession

from resolvers import idempotency
from resolvers.errors import DomainError
from resolvers.unit import Unit, open_unit
from schema.context import Info

Result = TypeVar("Result")
PayloadT = TypeVar("PayloadT")


@strawberry.enum
class ErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    DUPLICATE = "DUPLICATE"


# The code of a request refused because the database could not be reached (HTTP 503).
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
# The code of a mutation whose Idempotency-Key another request claimed first; the server
# replaces such an answer with that request's.
KEY_TAKEN = "IDEMPOTENCY_KEY_TAKEN"


def unavailable_message(reason: str) -> str:
    """What a client refused for that is told: `reason` is one of `models.db.unreachable`'s
    fixed sentences."""
    return f"The database is unavailable ({reason}); try again shortly."


@strawberry.type
class UserError:
    code: ErrorCode
    message: str
    field: list[str] | None = strawberry.field(
        description='Path of the input field at fault, e.g. ["input", "address", "postalCode"].'
    )

    @classmethod
    def from_error(cls, error: DomainError) -> "UserError":
        return cls(code=ErrorCode(error.code), message=error.message, field=error.field)


async def mutate(
    info: Info,
    action: str,
    reason: str | None,
    work: Callable[[Unit], Awaitable[Result]],
    respond: Callable[[AsyncSession, Result], Awaitable[PayloadT]],
    payload: Callable[..., PayloadT],
) -> PayloadT:
    """Run `work` in one transaction as the caller and `respond` with what it wrote, read in
    the same transaction (so a concurrent change cannot show through). A domain error rolls
    everything back and comes back as userErrors with field paths under "input". A request
    with an Idempotency-Key claims it in the same transaction (see `resolvers.idempotency`)."""
    context = info.context
    claim = context.idempotency
    try:
        async with open_unit(
            context.write_sessions,
            context.actor,
            action,
            request_id=context.request_id,
            reason=reason,
            clock=context.clock,
        ) as unit:
            if claim is not None:  # first, so that a request with a taken key does no work
                await idempotency.claim(unit.session, claim, now=unit.now())
            answer = await respond(unit.session, await work(unit))
    except DomainError as error:
        return payload(user_errors=[UserError.from_error(error.at("input"))])
    except idempotency.KeyTaken:
        # The server answers with the first request's answer instead (server.idempotency).
        raise GraphQLError(
            "Another request with this Idempotency-Key came first.",
            extensions={"code": KEY_TAKEN},
        ) from None
    if claim is not None:
        claim.committed = True
    return answer


@contextmanager
def as_graphql_errors() -> Iterator[None]:
    """In a query, a domain error (a bad cursor, a malformed A-number) is a GraphQL error."""
    try:
        yield
    except DomainError as error:
        raise GraphQLError(
            error.message, extensions={"code": error.code, "field": error.field}
        ) from None
