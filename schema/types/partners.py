"""Partners that are sent alerts, and their delivery log."""

from datetime import datetime

import strawberry

import schema.types.enums  # noqa: F401  (registers the enums)
from models import Partner as PartnerRow
from models import PartnerDelivery as DeliveryRow
from models.enums import AlertKind, DeliveryStatus, PartnerField
from resolvers.partners import fields_of, kinds_of
from schema.errors import UserError
from schema.ids import encode


@strawberry.type(description="An agency sent the alerts of `kinds`, with the child's `fields`.")
class Partner:
    name: str
    endpoint: str
    kinds: list[AlertKind]
    fields: list[PartnerField]
    active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: PartnerRow) -> "Partner":
        return cls(
            name=row.name,
            endpoint=row.endpoint,
            kinds=kinds_of(row),
            fields=fields_of(row),
            active=row.active,
            created_at=row.created_at,
        )


@strawberry.type(description="One alert sent to one partner: the outbox and its log.")
class PartnerDelivery:
    idempotency_key: str = strawberry.field(
        description="Sent as the Idempotency-Key header: a partner takes each key once."
    )
    partner: str = strawberry.field(description="The partner's name.")
    alert_id: strawberry.ID
    kind: AlertKind
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed: an HTTP status or the kind of failure."
    )

    @classmethod
    def from_row(cls, row: DeliveryRow, partner: str) -> "PartnerDelivery":
        return cls(
            idempotency_key=str(row.id),
            partner=partner,
            alert_id=encode("Alert", row.alert_id),
            kind=row.kind,
            status=row.status,
            attempts=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            delivered_at=row.delivered_at,
            last_error=row.last_error,
        )


@strawberry.input
class RegisterPartnerInput:
    name: str
    endpoint: str = strawberry.field(
        description="An https:// URL (http:// only to the service's own machine)."
    )
    kinds: list[AlertKind]
    fields: list[PartnerField] = strawberry.field(
        description="The child's fields the partner may be sent, beside the alert itself."
    )
    reason: str | None = None


@strawberry.input
class SetPartnerActiveInput:
    name: str
    active: bool
    reason: str | None = None


@strawberry.type
class RegisterPartnerPayload:
    partner: Partner | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The key deliveries are signed with (HMAC-SHA256). Shown once; store it.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PartnerPayload:
    partner: Partner | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
