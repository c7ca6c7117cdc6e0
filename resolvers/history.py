"""The history as the API reads it: the log, a child's history, a child as of a moment, and
verification. The work is audit/'s; this is where the API's operations reach it."""

import uuid
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from audit import history, verify
from audit.history import AuditFilter, EventPage
from audit.tables import AuditEvent
from audit.tables import AuditEvent as AuditEventRow
from audit.verify import Verification
from resolvers.errors import InvalidInput
from resolvers.pagination import decode_cursor, encode_cursor, page_size
from resolvers.validation import aware

__all__ = ["AuditEventRow", "AuditFilter", "EventPage", "Verification", "event_cursor"]


def event_cursor(event: AuditEvent) -> str:
    return encode_cursor(str(event.sequence))


async def events(
    session: AsyncSession,
    audit_filter: AuditFilter,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> EventPage:
    """Events matching the filter, oldest first (keyset on the sequence)."""
    for instant, name in ((audit_filter.recorded_from, "from"), (audit_filter.recorded_to, "to")):
        if instant is not None:
            try:
                aware(instant, name)
            except InvalidInput as error:
                raise error.at("filter") from None
    after_sequence = None
    if after is not None:
        (raw,) = decode_cursor(after, 1)
        if not raw.isdigit():
            raise InvalidInput("This cursor was not issued by this list.", ["after"])
        after_sequence = int(raw)
    return await history.events_page(
        session,
        audit_filter,
        first=page_size(first),
        after_sequence=after_sequence,
        with_total=with_total,
    )


async def event(session: AsyncSession, event_id: uuid.UUID) -> AuditEvent | None:
    return await history.event_by_id(session, event_id)


async def child_as_of(
    session: AsyncSession, child_id: uuid.UUID, at: datetime
) -> dict[str, Any] | None:
    """The child as recorded at `at`; None before its intake."""
    aware(at, "at")
    return await history.child_as_of(session, child_id, at)


async def verification(
    engine: AsyncEngine, public_key: Ed25519PublicKey | None
) -> verify.Verification:
    """Recompute the chain, check the checkpoints and replay every record."""
    return await verify.verify_database(engine, public_key)
