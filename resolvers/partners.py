"""Partner notifications: each alert of a kind a partner receives is sent to the partner's
endpoint as a signed HTTP POST, with only the child's fields that partner may see.

Nothing is lost when the partner or this service is down: the send is a row of an outbox
(`partner_delivery`) written in the transaction that raised the alert, so it exists exactly
when the alert does, and the server's delivery loop sends it until the partner answers 2xx,
backing off between attempts, across restarts. A send may happen twice (a process that dies
after the partner took it and before it wrote so sends it again once its hold lapses), so each
carries its delivery's id as an idempotency key: a partner takes each key once.

A delivery is signed as Stripe's webhooks are: `Casetrail-Signature: v1=<hex>`, the
HMAC-SHA256 under the partner's key of `<timestamp>.<body>`, with the timestamp (Unix
seconds) in `Casetrail-Timestamp`; a receiver refuses a stale timestamp, so a captured
request cannot be replayed later (`verify_signature`)."""

import hashlib
import hmac
import ipaddress
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy import event, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel import select as model_select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Address, Alert, Child, Partner, PartnerDelivery, PartnerSecret, Sponsor
from models.enums import AlertKind, DeliveryStatus, PartnerField
from resolvers.errors import Duplicate, InvalidInput, NotFound
from resolvers.live import RAISED_KEY, Raised
from resolvers.unit import Clock, Unit
from resolvers.validation import required_text

SIGNATURE_HEADER = "Casetrail-Signature"
TIMESTAMP_HEADER = "Casetrail-Timestamp"
DELIVERY_HEADER = "Idempotency-Key"
# How far a delivery's timestamp may be from the receiver's clock.
SIGNATURE_TOLERANCE_SECONDS = 300
# Between attempts: 5 s, then twice as long each time, at most an hour; after the last
# attempt (about a day of trying) the delivery is FAILED, and stays in the log as such.
FIRST_RETRY_SECONDS = 5
LONGEST_RETRY_SECONDS = 3600
MAX_ATTEMPTS = 30
# How long a process holds a delivery it is sending: longer than a send may take.
HOLD_SECONDS = 60
SEND_TIMEOUT_SECONDS = 10
_DELIVERIES = PartnerDelivery.__table__  # type: ignore[attr-defined]
_PARTNERS = Partner.__table__  # type: ignore[attr-defined]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify_signature(
    secret: str, timestamp: str, signature: str, body: bytes, now: datetime
) -> bool:
    """What a partner checks of a delivery: signed with its key, and sent within the
    tolerance of its own clock."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


# ---------------------------------------------------------------- registering a partner


async def register_partner(
    unit: Unit,
    *,
    name: str,
    endpoint: str,
    kinds: Sequence[AlertKind],
    fields: Sequence[PartnerField],
) -> tuple[Partner, str]:
    """A partner that is sent the alerts of `kinds` from now on, with the child's `fields`;
    returns it and its signing key (shown once)."""
    clean = required_text(name, "name")
    url = _endpoint(endpoint)
    if not kinds:
        raise InvalidInput("Name at least one alert kind to send.", ["kinds"])
    taken = await unit.session.exec(model_select(Partner.id).where(col(Partner.name) == clean))
    if taken.first() is not None:
        raise Duplicate("A partner with this name exists.", ["name"])
    partner = Partner(
        name=clean,
        endpoint=url,
        kinds=",".join(sorted(set(kinds))),
        fields=",".join(sorted(set(fields))),
        active=True,
        created_at=unit.now(),
    )
    secret = secrets.token_urlsafe(32)
    unit.session.add(partner)
    await unit.session.flush()
    unit.session.add(PartnerSecret(partner_id=partner.id, secret=secret))
    return partner, secret


async def set_partner_active(unit: Unit, *, name: str, active: bool) -> Partner:
    """Stop (or start again) sending a partner alerts; what is already in its outbox is still
    sent."""
    found = await unit.session.exec(
        model_select(Partner)
        .where(col(Partner.name) == required_text(name, "name"))
        .with_for_update()
    )
    partner = found.first()
    if partner is None:
        raise NotFound("No partner has this name.", ["name"])
    partner.active = active
    unit.session.add(partner)
    return partner


def _endpoint(endpoint: str) -> str:
    """An HTTPS URL; plain HTTP only to this machine (a test's receiver, or a relay beside the
    service), where nothing crosses a network."""
    text = endpoint.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("The endpoint must be an https:// URL.", ["endpoint"])
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise InvalidInput(
            "The endpoint must be an https:// URL (http:// only to this machine).", ["endpoint"]
        )
    if parts.username or parts.password:
        raise InvalidInput("The endpoint may not hold credentials.", ["endpoint"])
    return text


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def kinds_of(partner: Partner) -> list[AlertKind]:
    return [AlertKind(kind) for kind in partner.kinds.split(",") if kind]


def fields_of(partner: Partner) -> list[PartnerField]:
    return [PartnerField(field) for field in partner.fields.split(",") if field]


# ---------------------------------------------------------------- the outbox


def register_outbox() -> None:
    """Have every transaction that raises alerts write their deliveries before it commits
    (once, however often called)."""
    if not event.contains(Session, "before_commit", _enqueue):
        event.listen(Session, "before_commit", _enqueue)


def _enqueue(session: Session) -> None:
    """The alerts this transaction raised, into the outbox of each active partner that
    receives their kind, in the same transaction; each due at once (by the clock the alert
    was raised by)."""
    raised: list[Raised] | None = session.info.get(RAISED_KEY)
    if not raised:
        return
    connection = session.connection()
    active = connection.execute(
        select(_PARTNERS.c.id, _PARTNERS.c.kinds, _PARTNERS.c.fields).where(_PARTNERS.c.active)
    ).all()
    receivers = [(key, set(kinds.split(",")), fields) for key, kinds, fields in active]
    wanted = [alert for alert, kind in raised if any(kind in kinds for _, kinds, _ in receivers)]
    for start in range(0, len(wanted), _BATCH):
        rows = []
        for fact in _facts(connection, wanted[start : start + _BATCH]):
            for partner_id, kinds, fields in receivers:
                if fact["kind"] in kinds:
                    delivery_id = uuid.uuid4()
                    rows.append(
                        {
                            "id": delivery_id,
                            "partner_id": partner_id,
                            "alert_id": fact["id"],
                            "kind": fact["kind"],
                            "status": DeliveryStatus.PENDING,
                            "body": _body(fact, fields, delivery_id),
                            "attempts": 0,
                            "created_at": fact["raised_at"],
                            "next_attempt_at": fact["raised_at"],
                        }
                    )
        if rows:
            connection.execute(insert(_DELIVERIES), rows)


_BATCH = 1000


def _facts(connection: Any, alerts: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """What a partner may be told of each alert: the alert, its child, the child's current
    address and sponsor."""
    alert, child, address, sponsor = (
        Alert.__table__.c,  # type: ignore[attr-defined]
        Child.__table__.c,  # type: ignore[attr-defined]
        Address.__table__.c,  # type: ignore[attr-defined]
        Sponsor.__table__.c,  # type: ignore[attr-defined]
    )
    rows = connection.execute(
        select(
            alert.id,
            alert.kind,
            alert.raised_at,
            alert.detail,
            child.a_number,
            child.first_name,
            child.last_name,
            child.date_of_birth,
            child.custody_status,
            child.location_status,
            address.line1,
            address.line2,
            address.city,
            address.state,
            address.postal_code,
            sponsor.first_name.label("sponsor_first_name"),
            sponsor.last_name.label("sponsor_last_name"),
            sponsor.relationship,
            sponsor.phone,
        )
        .select_from(
            sa.join(Alert.__table__, Child.__table__, alert.child_id == child.id)  # type: ignore[attr-defined]
            .outerjoin(
                Address.__table__,  # type: ignore[attr-defined]
                sa.and_(address.child_id == child.id, address.effective_to.is_(None)),
            )
            .outerjoin(Sponsor.__table__, sponsor.id == child.sponsor_id)  # type: ignore[attr-defined]
        )
        .where(alert.id.in_(alerts))
    ).mappings()
    return [{**row, "kind": _value(row["kind"])} for row in rows]


def _body(fact: dict[str, Any], fields: str, delivery_id: uuid.UUID) -> str:
    """The JSON a partner is sent: the delivery's id (its idempotency key), the alert, and of
    the child only the fields it may see."""
    allowed = set(fields.split(","))
    child: dict[str, Any] = {}
    if PartnerField.A_NUMBER in allowed:
        child["aNumber"] = fact["a_number"]
    if PartnerField.NAME in allowed:
        child["firstName"], child["lastName"] = fact["first_name"], fact["last_name"]
    if PartnerField.DATE_OF_BIRTH in allowed:
        child["dateOfBirth"] = fact["date_of_birth"].isoformat()
    if PartnerField.CUSTODY_STATUS in allowed:
        child["custodyStatus"] = _value(fact["custody_status"])
    if PartnerField.LOCATION_STATUS in allowed:
        child["locationStatus"] = _value(fact["location_status"])
    if PartnerField.CURRENT_ADDRESS in allowed:
        child["currentAddress"] = (
            {
                "line1": fact["line1"],
                "line2": fact["line2"],
                "city": fact["city"],
                "state": fact["state"],
                "postalCode": fact["postal_code"],
            }
            if fact["line1"] is not None
            else None
        )
    if PartnerField.SPONSOR in allowed:
        child["sponsor"] = (
            {
                "firstName": fact["sponsor_first_name"],
                "lastName": fact["sponsor_last_name"],
                "relationship": _value(fact["relationship"]),
                "phone": fact["phone"],
            }
            if fact["sponsor_first_name"] is not None
            else None
        )
    raised_at: datetime = fact["raised_at"]
    return orjson.dumps(
        {
            "deliveryId": str(delivery_id),
            "alert": {
                "id": str(fact["id"]),
                "kind": fact["kind"],
                "raisedAt": raised_at.isoformat(),
                "detail": fact["detail"],
            },
            "child": child,
        }
    ).decode()


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


# ---------------------------------------------------------------- delivery


@dataclass(frozen=True)
class DeliveryRound:
    sent: int  # attempts made
    delivered: int  # of those, taken by the partner


async def deliver_due(
    engine: AsyncEngine, clock: Clock, client: httpx.AsyncClient, *, limit: int = 100
) -> DeliveryRound:
    """Send the deliveries that are due (at most `limit`), each once, and write down how each
    went. Several processes may run this at once: each holds what it sends."""
    now = clock()
    held = await _hold(engine, now, limit)
    delivered = 0
    for delivery_id, endpoint, secret, body in held:
        error = await _send(client, delivery_id, endpoint, secret, body.encode(), clock)
        await _record(engine, delivery_id, error, clock())
        delivered += error is None
    return DeliveryRound(len(held), delivered)


async def _hold(
    engine: AsyncEngine, now: datetime, limit: int
) -> list[tuple[uuid.UUID, str, str, str]]:
    d = _DELIVERIES.c
    secrets_table = PartnerSecret.__table__  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        due = (
            select(d.id)
            .where(
                d.status == DeliveryStatus.PENDING,
                d.next_attempt_at <= now,
                or_(d.locked_until.is_(None), d.locked_until < now),
            )
            .order_by(d.next_attempt_at)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        keys = [key for (key,) in await connection.execute(due)]
        if not keys:
            return []
        await connection.execute(
            update(_DELIVERIES)
            .where(d.id.in_(keys))
            .values(locked_until=now + timedelta(seconds=HOLD_SECONDS))
        )
        rows = await connection.execute(
            select(d.id, _PARTNERS.c.endpoint, secrets_table.c.secret, d.body)
            .join(_PARTNERS, _PARTNERS.c.id == d.partner_id)
            .join(secrets_table, secrets_table.c.partner_id == d.partner_id)
            .where(d.id.in_(keys))
            .order_by(d.next_attempt_at)
        )
        return [(key, endpoint, secret, body) for key, endpoint, secret, body in rows]


async def _send(
    client: httpx.AsyncClient,
    delivery_id: uuid.UUID,
    endpoint: str,
    secret: str,
    body: bytes,
    clock: Clock,
) -> str | None:
    """None when the partner took the delivery; else why not, in words that quote nothing
    the partner answered."""
    timestamp = int(clock().timestamp())
    headers = {
        "Content-Type": "application/json",
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        response = await client.post(
            endpoint, content=body, headers=headers, timeout=SEND_TIMEOUT_SECONDS
        )
    except httpx.TimeoutException:
        return "timed out"
    except httpx.HTTPError as error:
        return f"could not connect ({type(error).__name__})"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


async def _record(
    engine: AsyncEngine, delivery_id: uuid.UUID, error: str | None, now: datetime
) -> None:
    d = _DELIVERIES.c
    async with engine.begin() as connection:
        if error is None:
            values: dict[str, Any] = {
                "status": DeliveryStatus.DELIVERED,
                "delivered_at": now,
                "body": None,  # it quotes the child: not kept past its use
                "last_error": None,
            }
        else:
            attempts = (
                await connection.execute(select(d.attempts).where(d.id == delivery_id))
            ).scalar_one() + 1
            wait = min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS)
            values = {
                "last_error": error,
                "next_attempt_at": now + timedelta(seconds=wait),
                "status": DeliveryStatus.FAILED
                if attempts >= MAX_ATTEMPTS
                else DeliveryStatus.PENDING,
            }
        # Only while still pending: a process whose hold lapsed mid-send must not undo another's
        # delivery of the same row.
        await connection.execute(
            update(_DELIVERIES)
            .where(d.id == delivery_id, d.status == DeliveryStatus.PENDING)
            .values(attempts=d.attempts + 1, last_attempt_at=now, locked_until=None, **values)
        )


async def deliveries(
    session: AsyncSession,
    *,
    partner_name: str | None = None,
    statuses: Iterable[DeliveryStatus] | None = None,
    first: int = 50,
) -> list[tuple[PartnerDelivery, str]]:
    """The delivery log, newest first: each delivery with its partner's name."""
    query = (
        model_select(PartnerDelivery, Partner.name)
        .join(Partner, col(Partner.id) == col(PartnerDelivery.partner_id))
        .order_by(col(PartnerDelivery.created_at).desc(), col(PartnerDelivery.id))
        .limit(max(1, min(first, 100)))
    )
    if partner_name is not None:
        query = query.where(col(Partner.name) == partner_name)
    wanted = list(statuses or ())
    if wanted:
        query = query.where(col(PartnerDelivery.status).in_(wanted))
    return [(delivery, name) for delivery, name in (await session.exec(query)).all()]


async def partners(session: AsyncSession) -> list[Partner]:
    """Every partner, by name."""
    return list((await session.exec(model_select(Partner).order_by(col(Partner.name)))).all())
