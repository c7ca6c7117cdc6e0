"""What mutations return: the changed record, or userErrors and nothing changed."""

import strawberry

from schema.errors import UserError
from schema.types.base import Actor
from schema.types.records import Address, Child, ContactAttempt


@strawberry.type
class ChildPayload:
    child: Child | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddressPayload:
    address: Address | None = None
    child: Child | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactAttemptPayload:
    contact_attempt: ContactAttempt | None = None
    child: Child | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateApiTokenPayload:
    token: str | None = strawberry.field(default=None, description="Shown once; store it now.")
    actor: Actor | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
