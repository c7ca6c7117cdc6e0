"""What mutations return: the changed record, or userErrors and nothing changed."""

from datetime import datetime

import strawberry

from schema.errors import UserError
from schema.types.base import Actor
from schema.types.records import (
    Address,
    Alert,
    Child,
    ChildMerge,
    ContactAttempt,
    Hearing,
    Notice,
    PossibleDuplicate,
    Representation,
)


@strawberry.type
class ChildPayload:
    child: Child | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = strawberry.field(
        default_factory=list,
        description="intakeChild: records already on file that may be this same child. A "
        "warning, not an error: the intake is recorded all the same. Empty for the other "
        "mutations.",
    )


@strawberry.type
class MergeChildrenPayload:
    child: Child | None = strawberry.field(default=None, description="The record kept.")
    merge: ChildMerge | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddressPayload:
    address: Address | None = None
    child: Child | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NoticePayload:
    notice: Notice | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class HearingPayload:
    hearing: Hearing | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RepresentationPayload:
    representation: Representation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AlertPayload:
    alert: Alert | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DocketRowError:
    line: int
    message: str


@strawberry.type
class ImportDocketPayload:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[DocketRowError] = strawberry.field(default_factory=list)
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


@strawberry.type
class RevokeApiTokenPayload:
    actor: Actor | None = strawberry.field(default=None, description="Whose token it was.")
    revoked_at: datetime | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
