"""Partners: agencies outside this one that are sent the alerts of the kinds they receive (the
health-and-human-services agency that placed a child, say), and the outbox of those sends."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import AlertKind, DeliveryStatus


class Partner(SQLModel, table=True):
    """Who receives which alerts, where, and which of a child's fields it may see. Audited:
    oversight must see who was set to receive children's data and from when. Kinds and fields
    are kept as comma-separated words, as the history records plain values."""

    __tablename__ = "partner"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    endpoint: str = Field(max_length=2000)
    kinds: str = Field(max_length=500)
    fields: str = Field(max_length=500)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


class PartnerSecret(SQLModel, table=True):
    """The key a partner's deliveries are signed with (HMAC-SHA256). Apart from `partner`,
    which is audited: the history keeps every value for good, and a key must not be in it."""

    __tablename__ = "partner_secret"

    partner_id: uuid.UUID = Field(foreign_key="partner.id", primary_key=True, ondelete="CASCADE")
    secret: str = Field(max_length=100)


class PartnerDelivery(SQLModel, table=True):
    """One alert for one partner: written in the transaction that raised the alert, so that
    it exists exactly when the alert does, and sent (again and again, until the partner takes
    it) by the server's delivery loop. Its id is the idempotency key the partner sees. The
    body, which quotes the child, is dropped once delivered; the rest stays as the delivery
    log. Bookkeeping of sends, not a record of a case, so not audited."""

    __tablename__ = "partner_delivery"
    __table_args__ = (sa.Index("ix_partner_delivery_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    alert_id: uuid.UUID = Field(foreign_key="alert.id", index=True)
    kind: AlertKind = Field(sa_type=enum_type(AlertKind))
    status: DeliveryStatus = Field(sa_type=enum_type(DeliveryStatus))
    body: str | None = Field(default=None, sa_type=sa.Text)
    attempts: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    # A process sending it holds it until then; one that died mid-send lets it go by then.
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The HTTP status or the kind of failure, never the partner's answer (it may quote data).
    last_error: str | None = Field(default=None, max_length=200)
